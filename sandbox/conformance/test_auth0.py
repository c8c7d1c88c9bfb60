"""auth0-python (6.8.0), Auth0's SDK, against the Auth0 emulator.

Two halves of the SDK are used as a user would: the Authentication API's `GetToken` (whose
`protocol` argument is documented "useful for testing", so it speaks http to the sandbox's
`auth0.domain`) and the Management API client `auth0.management.Auth0` (generated from
Auth0's API definition; its `base_url` is the tenant's `/api/v2`). The management client
parses every answer into typed models, pages lists itself, retries 429 by the
`X-RateLimit-Reset` header and raises typed errors (`NotFoundError`, `ConflictError`…).
The sandbox serves Auth0 over plain HTTP, as the provider's tests use it, so no TLS is
involved here.
"""

import time

import pytest
from auth0.authentication import GetToken
from auth0.authentication.exceptions import Auth0Error
from auth0.management import Auth0
from auth0.management.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorizedError,
)

NO_RETRY = {"max_retries": 0}


@pytest.fixture(scope="module")
def tenant(endpoints):
    return endpoints["auth0"]


def get_token(tenant, client_id=None, client_secret=None):
    host = tenant["domain"].split("://", 1)[1]
    return GetToken(host, client_id or tenant["client_id"], client_secret or tenant["client_secret"],
                    protocol="http")


@pytest.fixture(scope="module")
def token(tenant):
    return get_token(tenant).client_credentials(tenant["domain"] + "/api/v2/")["access_token"]


@pytest.fixture(scope="module")
def auth0(tenant, token):
    return Auth0(base_url=tenant["domain"] + "/api/v2", token=token)


@pytest.fixture
def rate_limit(control):
    """Sets the Management API's limit for one check, then restores the suite's."""
    before = control.get("/_sandbox/auth0/rate-limit")

    def set_limit(per_second, burst):
        control.put("/_sandbox/auth0/rate-limit", {"per_second": per_second, "burst": burst})

    yield set_limit
    control.put("/_sandbox/auth0/rate-limit", before)


def auth0_api(auth0):
    """The tenant's own Management API, a system resource server."""
    return next(rs.id for rs in auth0.resource_servers.list() if rs.is_system)


def test_client_credentials_token(tenant):
    """`POST /oauth/token` with the client credentials grant answers an access token, its
    type, lifetime and scopes (https://auth0.com/docs/api/authentication/client-credentials-flow/get-token,
    https://auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens/get-management-api-access-tokens-for-production)."""
    answer = get_token(tenant).client_credentials(tenant["domain"] + "/api/v2/")
    assert answer["token_type"] == "Bearer"
    assert isinstance(answer["expires_in"], int) and answer["expires_in"] > 0
    assert "create:clients" in answer["scope"].split()
    assert answer["access_token"]


def test_token_errors(tenant):
    """A wrong secret is 401 `access_denied`; an audience the client has no grant for is 403
    `access_denied`; both in the OAuth error shape `{error, error_description}` the SDK
    raises as `Auth0Error` (https://auth0.com/docs/api/authentication/client-credentials-flow/get-token,
    https://auth0.com/docs/get-started/applications/application-grant-types)."""
    with pytest.raises(Auth0Error) as error:
        get_token(tenant, client_secret="wrong").client_credentials(tenant["domain"] + "/api/v2/")
    assert (error.value.status_code, error.value.error_code) == (401, "access_denied")
    with pytest.raises(Auth0Error) as error:
        get_token(tenant).client_credentials("https://no-such-api.example")
    assert (error.value.status_code, error.value.error_code) == (403, "access_denied")
    assert error.value.message


def test_management_api_needs_a_valid_token(tenant):
    """Without a valid bearer token the Management API answers 401 in its error shape
    `{statusCode, error, message}` (https://auth0.com/docs/api/management/v2#!/Errors,
    https://auth0.com/docs/api/management/v2/clients/get-clients)."""
    with pytest.raises(UnauthorizedError) as error:
        list(Auth0(base_url=tenant["domain"] + "/api/v2", token="not-a-token").clients.list(request_options=NO_RETRY))
    assert error.value.status_code == 401
    assert error.value.body["statusCode"] == 401 and error.value.body["error"] == "Unauthorized"


def test_create_get_update_delete_a_client(auth0, unique):
    """Create answers 201 with the client (id, secret, the app type's default grant types);
    get with `fields` returns only those; update changes what it names; delete answers 204 and
    the client is then 404 `inexistent_client`
    (https://auth0.com/docs/api/management/v2/clients/post-clients,
    https://auth0.com/docs/api/management/v2/clients/get-clients-by-id,
    https://auth0.com/docs/api/management/v2/clients/patch-clients-by-id,
    https://auth0.com/docs/api/management/v2/clients/delete-clients-by-id)."""
    raw = auth0.clients.with_raw_response.create(
        name=f"app-{unique}", app_type="non_interactive", callbacks=["https://app.example/cb"],
        client_metadata={"team": "blue"})
    assert raw.status_code == 201
    created = raw.data
    assert len(created.client_id) == 32 and len(created.client_secret) >= 32
    assert created.grant_types == ["client_credentials"] and created.app_type == "non_interactive"
    assert created.client_metadata == {"team": "blue"}
    some = auth0.clients.get(created.client_id, fields="name,client_id", include_fields=True)
    assert some.name == f"app-{unique}" and some.client_id == created.client_id and some.callbacks is None
    updated = auth0.clients.update(created.client_id, description="blue team's app", callbacks=[])
    assert (updated.description, updated.callbacks, updated.name) == ("blue team's app", [], f"app-{unique}")
    rotated = auth0.clients.rotate_secret(created.client_id)
    assert rotated.client_secret != created.client_secret
    assert auth0.clients.with_raw_response.delete(created.client_id).status_code == 204
    with pytest.raises(NotFoundError) as error:
        auth0.clients.get(created.client_id, request_options=NO_RETRY)
    assert error.value.body == {"statusCode": 404, "error": "Not Found",
                                "message": "The client does not exist", "errorCode": "inexistent_client"}


def test_client_list_pages_with_totals(auth0, unique):
    """Lists page with `page` (from 0) and `per_page`; `include_totals` wraps the page in
    `{start, limit, length, total, clients}`; the SDK's pager walks the pages; `per_page`
    over 100 is a 400 (https://auth0.com/docs/api/management/v2/clients/get-clients,
    https://auth0.com/docs/api/management/v2#!/Introduction/Pagination)."""
    made = [auth0.clients.create(name=f"page-{unique}-{i}", app_type="spa").client_id for i in range(3)]
    page = auth0.clients.list(page=1, per_page=2, include_totals=True, app_type="spa")
    body = page.response
    assert (body.start, body.limit, body.length) == (2, 2, len(body.clients))
    assert body.total >= 3
    walked = [c.client_id for c in auth0.clients.list(per_page=2, app_type="spa")]
    assert set(made) <= set(walked) and len(walked) == len(set(walked)) == body.total
    with pytest.raises(BadRequestError) as error:
        auth0.clients.list(per_page=101, request_options=NO_RETRY)
    assert error.value.body["errorCode"] == "invalid_query_string"
    for client_id in made:
        auth0.clients.delete(client_id)


def test_resource_server_by_id_or_identifier(auth0, unique):
    """A resource server (API) is created with its scopes (201), found by id or by its
    identifier, and a second one with the same identifier is 409
    (https://auth0.com/docs/api/management/v2/resource-servers/post-resource-servers,
    https://auth0.com/docs/api/management/v2/resource-servers/get-resource-servers-by-id)."""
    identifier = f"https://api-{unique}.example"
    raw = auth0.resource_servers.with_raw_response.create(
        identifier=identifier, name=f"api-{unique}", scopes=[{"value": "read:things", "description": "Read"}])
    assert raw.status_code == 201
    rs = raw.data
    assert rs.identifier == identifier and [s.value for s in rs.scopes] == ["read:things"]
    assert auth0.resource_servers.get(rs.id).name == f"api-{unique}"
    assert auth0.resource_servers.get(identifier).id == rs.id
    with pytest.raises(ConflictError) as error:
        auth0.resource_servers.create(identifier=identifier, request_options=NO_RETRY)
    assert error.value.status_code == 409
    auth0.resource_servers.delete(rs.id)
    with pytest.raises(NotFoundError):
        auth0.resource_servers.get(rs.id, request_options=NO_RETRY)


def test_client_grants_and_checkpoint_pages(auth0, tenant, unique):
    """A client grant lets a client get tokens for an API with some of its scopes; one grant
    per client and audience (409); grants are listed by audience, and with `take` page by
    checkpoints the SDK follows through `next`
    (https://auth0.com/docs/api/management/v2/client-grants/post-client-grants,
    https://auth0.com/docs/api/management/v2/client-grants/get-client-grants)."""
    identifier = f"https://grants-{unique}.example"
    auth0.resource_servers.create(identifier=identifier, scopes=[{"value": "read:x"}, {"value": "write:x"}])
    clients = [auth0.clients.create(name=f"g-{unique}-{i}", app_type="non_interactive") for i in range(3)]
    grants = [auth0.client_grants.create(client_id=c.client_id, audience=identifier, scope=["read:x"]) for c in clients]
    assert grants[0].scope == ["read:x"] and grants[0].audience == identifier
    with pytest.raises(ConflictError):
        auth0.client_grants.create(client_id=clients[0].client_id, audience=identifier, scope=["write:x"],
                                   request_options=NO_RETRY)
    pager = auth0.client_grants.list(audience=identifier, take=1)
    assert len(pager.items) == 1 and pager.response.next
    assert [g.id for g in pager] == [g.id for g in grants]
    app = get_token(tenant, clients[0].client_id, clients[0].client_secret).client_credentials(identifier)
    assert app["scope"] == "read:x"
    auth0.client_grants.update(grants[0].id, scope=["read:x", "write:x"])
    assert get_token(tenant, clients[0].client_id, clients[0].client_secret).client_credentials(identifier)["scope"] == "read:x write:x"
    auth0.client_grants.delete(grants[0].id)
    with pytest.raises(Auth0Error) as error:
        get_token(tenant, clients[0].client_id, clients[0].client_secret).client_credentials(identifier)
    assert error.value.status_code == 403
    auth0.resource_servers.delete(identifier)
    for c in clients:
        auth0.clients.delete(c.client_id)


def test_roles_and_permissions(auth0, unique):
    """Roles are created (200), found with `name_filter`, renamed; permissions (scopes of an
    API) are added (201), listed with the API's name and the scope's description, and
    removed; a role name in use is 409
    (https://auth0.com/docs/api/management/v2/roles/post-roles,
    https://auth0.com/docs/api/management/v2/roles/post-role-permission-assignment,
    https://auth0.com/docs/api/management/v2/roles/get-role-permission)."""
    identifier = f"https://roles-{unique}.example"
    auth0.resource_servers.create(identifier=identifier, name=f"roles-{unique}",
                                  scopes=[{"value": "read:x", "description": "Read x"}])
    raw = auth0.roles.with_raw_response.create(name=f"reader-{unique}", description="reads")
    assert raw.status_code == 200
    role = raw.data
    assert [r.id for r in auth0.roles.list(name_filter=f"READER-{unique}")] == [role.id]
    with pytest.raises(ConflictError):
        auth0.roles.create(name=f"reader-{unique}", request_options=NO_RETRY)
    assert auth0.roles.update(role.id, description="reads x").description == "reads x"
    added = auth0.roles.permissions.with_raw_response.add(
        role.id, permissions=[{"resource_server_identifier": identifier, "permission_name": "read:x"}])
    assert added.status_code == 201
    listed = list(auth0.roles.permissions.list(role.id))
    assert [(p.permission_name, p.resource_server_name, p.description) for p in listed] == [
        ("read:x", f"roles-{unique}", "Read x")]
    auth0.roles.permissions.delete(role.id, permissions=[{"resource_server_identifier": identifier,
                                                           "permission_name": "read:x"}])
    assert list(auth0.roles.permissions.list(role.id)) == []
    auth0.roles.delete(role.id)
    with pytest.raises(NotFoundError) as error:
        auth0.roles.get(role.id, request_options=NO_RETRY)
    assert error.value.body["errorCode"] == "inexistent_role"
    auth0.resource_servers.delete(identifier)


def test_every_answer_carries_the_rate_limit_headers(auth0):
    """Management API answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
    `X-RateLimit-Reset` (Unix seconds)
    (https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/management-api-endpoint-rate-limits)."""
    raw = auth0.resource_servers.with_raw_response.get(auth0_api(auth0))
    headers = {k.lower(): v for k, v in raw.headers.items()}
    limit, remaining, reset = (int(headers[f"x-ratelimit-{h}"]) for h in ("limit", "remaining", "reset"))
    assert limit >= 1 and 0 <= remaining < limit
    assert time.time() - 5 <= reset <= time.time() + 3600


def test_an_empty_bucket_is_429_and_the_sdk_waits_for_the_reset(auth0, rate_limit):
    """Past the limit the Management API answers 429 `too_many_requests` with
    `X-RateLimit-Remaining: 0` and the reset time; the SDK, retrying by `X-RateLimit-Reset`,
    gets through once the bucket refills
    (https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy,
    https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/management-api-endpoint-rate-limits)."""
    rate_limit(per_second=2, burst=1)
    # One request each: a pager's first page (iterating it would fetch the next pages).
    auth0.clients.list(per_page=1, request_options=NO_RETRY)
    with pytest.raises(TooManyRequestsError) as error:
        auth0.clients.list(per_page=1, request_options=NO_RETRY)
    headers = {k.lower(): v for k, v in error.value.headers.items()}
    assert error.value.body["errorCode"] == "too_many_requests" and error.value.body["statusCode"] == 429
    assert (headers["x-ratelimit-limit"], headers["x-ratelimit-remaining"]) == ("1", "0")
    assert int(headers["x-ratelimit-reset"]) >= int(time.time())
    started = time.monotonic()
    for _ in range(3):
        auth0.clients.list(per_page=1)
    assert time.monotonic() - started >= 0.5, "the SDK waited for the bucket to refill"
