"""The Entra ID token endpoint, driven over plain HTTP as the protocol documents it.

Microsoft's own clients cannot be used here: MSAL and azure-identity accept only an https
authority (MSAL's `Authority` refuses any other scheme), and the sandbox serves Entra ID over
http, as the provider's tests use it. So the checks follow the documented client credentials
protocol with `requests`, and then hand the token to the Kubernetes emulator as AKS would
accept it.
"""

import base64
import json
import re
import time

import pytest
import requests
from kubernetes import client, config

DOC = "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow"
AKS_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630"


@pytest.fixture(scope="module")
def entra(endpoints):
    e = endpoints["entra"]
    return dict(e, url=f"{e['authority']}/{e['tenant_id']}/oauth2/v2.0/token")


def token_request(entra, auth=None, url=None, **fields):
    form = {"grant_type": "client_credentials", "client_id": entra["client_id"],
            "client_secret": entra["client_secret"], "scope": f"{AKS_SERVER_APP}/.default"}
    form.update(fields)
    form = {k: v for k, v in form.items() if v is not None}
    return requests.post(url or entra["url"], data=form, auth=auth, timeout=10)


def claims(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_client_credentials_with_a_shared_secret(entra):
    """`POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, the app's id
    and secret and `scope=<resource>/.default` answers a Bearer access token for that
    resource and its lifetime
    (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#first-case-access-token-request-with-a-shared-secret)."""
    answer = token_request(entra)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 3600
    token = claims(body["access_token"])
    assert token["aud"] == AKS_SERVER_APP and token["tid"] == entra["tenant_id"]
    assert token["appid"] == entra["client_id"] and token["exp"] > time.time()


def test_client_credentials_in_a_basic_header(entra):
    """"The Basic auth pattern of instead providing credentials in the Authorization header,
    per RFC 6749 is also supported"
    (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#first-case-access-token-request-with-a-shared-secret)."""
    answer = token_request(entra, auth=(entra["client_id"], entra["client_secret"]),
                           client_id=None, client_secret=None)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("change, status, error, code", [
    ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
    ({"client_id": "00000000-0000-0000-0000-000000000000"}, 400, "unauthorized_client", 700016),
    ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
    ({"scope": AKS_SERVER_APP}, 400, "invalid_scope", 1002012),
    ({"scope": "11111111-1111-1111-1111-111111111111/.default"}, 400, "invalid_resource", 500011),
    ({"url": "tenant"}, 400, "invalid_request", 90002),
])
def test_errors_in_entra_shape(entra, change, status, error, code):
    """Errors answer `{error, error_description, error_codes, timestamp, trace_id,
    correlation_id}`; the description starts with the AADSTS code and ends with the trace id,
    the correlation id and the time (`2016-01-09 02:02:12Z`)
    (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response,
    https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes)."""
    change = dict(change)
    url = None
    if change.pop("url", None):
        url = f"{entra['authority']}/not-a-tenant/oauth2/v2.0/token"
    answer = token_request(entra, url=url, **change)
    body = answer.json()
    assert (answer.status_code, body["error"], body["error_codes"]) == (status, error, [code])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", body["timestamp"])
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert body["error_description"].endswith(
        f"\r\nTrace ID: {body['trace_id']}\r\nCorrelation ID: {body['correlation_id']}\r\nTimestamp: {body['timestamp']}")


def test_the_token_is_accepted_by_the_aks_api_server(endpoints, entra):
    """An Entra ID token for the AKS server application (6dae42f8-…) is a bearer token the
    cluster's API server accepts (non-interactive service-principal login)
    (https://learn.microsoft.com/en-us/azure/aks/kubelogin-authentication#service-principal,
    https://learn.microsoft.com/en-us/azure/aks/enable-authentication-microsoft-entra-id)."""
    token = token_request(entra).json()["access_token"]
    # The kubeconfig's cluster (server and CA), with the Entra ID token as the credential.
    api = config.new_client_from_config(config_file=endpoints["kubernetes"]["kubeconfig"])
    api.configuration.api_key = {"authorization": "Bearer " + token}
    with api:
        names = [ns.metadata.name for ns in client.CoreV1Api(api).list_namespace().items]
    assert "kube-system" in names
