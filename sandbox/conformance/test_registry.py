"""The Terraform Cloud private registry API and the registry protocol `terraform init` reads,
driven over HTTPS (verified with the sandbox's CA) with `requests`.

HashiCorp publishes no Python client for the Terraform Cloud API (its official client is the
Go module go-tfe), so the checks follow the documented JSON:API documents directly: the
publishing flow of https://developer.hashicorp.com/terraform/cloud-docs/registry/publish-providers,
then what Terraform reads through service discovery and the provider registry protocol.
"""

import hashlib
import os

import pytest
import requests

JSON_API = "application/vnd.api+json"
KEY_FILE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "gpg-public-key.asc")
KEY_ID = "B9CBCABBDDCB780B"  # what gpg lists for that key


@pytest.fixture(scope="module")
def tfc(endpoints):
    t = endpoints["tfc"]
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {t['token']}", "Content-Type": JSON_API})
    return t, session


def api(tfc, method, path, **kw):
    t, session = tfc
    url = path if path.startswith("https://") else t["address"] + path
    # `verify` per request: a session's is overridden by REQUESTS_CA_BUNDLE when that is set.
    return session.request(method, url, timeout=10, verify=t["ca_cert"], **kw)


def providers_path(tfc):
    return f"/api/v2/organizations/{tfc[0]['organization']}/registry-providers"


def create_provider(tfc, name):
    org = tfc[0]["organization"]
    return api(tfc, "POST", providers_path(tfc), json={"data": {
        "type": "registry-providers",
        "attributes": {"name": name, "namespace": org, "registry-name": "private"}}})


def test_service_discovery(tfc):
    """`/.well-known/terraform.json` (no token) names the registry's services, among them
    `providers.v1` and `tfe.v2`
    (https://developer.hashicorp.com/terraform/internals/remote-service-discovery,
    https://developer.hashicorp.com/terraform/internals/provider-registry-protocol#service-discovery)."""
    t, _ = tfc
    answer = requests.get(t["address"] + "/.well-known/terraform.json", verify=t["ca_cert"], timeout=10)
    assert answer.status_code == 200
    services = answer.json()
    assert services["providers.v1"] == "/api/registry/v1/providers/"
    assert services["tfe.v2"] == "/api/v2/"


def test_the_api_needs_a_token(tfc):
    """Without a token the API answers 401 with a JSON:API error document
    (https://developer.hashicorp.com/terraform/cloud-docs/api-docs#authentication,
    https://developer.hashicorp.com/terraform/cloud-docs/api-docs#json-api-documents)."""
    t, _ = tfc
    answer = requests.get(t["address"] + providers_path(tfc), verify=t["ca_cert"], timeout=10)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith(JSON_API)
    assert answer.json()["errors"][0]["status"] == "401"


def test_providers_are_created_listed_and_paged(tfc, unique):
    """Creating a private provider answers 201 with the `registry-providers` document; a name
    in use is 422; lists page with `page[number]`/`page[size]` and carry `links` and
    `meta.pagination` (https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/providers,
    https://developer.hashicorp.com/terraform/cloud-docs/api-docs#pagination)."""
    names = [f"p{unique}{i}" for i in range(3)]
    for name in names:
        created = create_provider(tfc, name)
        assert created.status_code == 201 and created.headers["content-type"].startswith(JSON_API)
        data = created.json()["data"]
        assert data["type"] == "registry-providers" and data["id"].startswith("prov-")
        assert data["attributes"]["name"] == name and data["attributes"]["registry-name"] == "private"
    duplicate = create_provider(tfc, names[0])
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["status"] == "422"
    page = api(tfc, "GET", providers_path(tfc), params={"page[number]": 2, "page[size]": 1}).json()
    pagination = page["meta"]["pagination"]
    assert (pagination["current-page"], pagination["page-size"], pagination["prev-page"]) == (2, 1, 1)
    assert pagination["total-count"] >= 3 and pagination["total-pages"] == pagination["total-count"]
    assert len(page["data"]) == 1 and set(page["links"]) >= {"self", "first", "prev", "next", "last"}
    missing = api(tfc, "GET", providers_path(tfc) + f"/private/{tfc[0]['organization']}/nope-{unique}")
    assert missing.status_code == 404 and missing.json()["errors"][0]["status"] == "404"


def test_a_published_version_is_installable(tfc, unique):
    """The documented publishing flow — GPG key, version, SHA256SUMS and signature uploaded to
    the version's links, platform and its zip — makes the version visible to the provider
    registry protocol: the versions list and a download document whose URLs serve the bytes
    (https://developer.hashicorp.com/terraform/cloud-docs/registry/publish-providers,
    https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/provider-versions-platforms,
    https://developer.hashicorp.com/terraform/internals/provider-registry-protocol#find-a-provider-package)."""
    t, _ = tfc
    org, name = t["organization"], f"inst{unique}"
    assert create_provider(tfc, name).status_code == 201
    with open(KEY_FILE) as f:
        armor = f.read()
    key = api(tfc, "POST", "/api/registry/private/v2/gpg-keys",
              json={"data": {"type": "gpg-keys", "attributes": {"namespace": org, "ascii-armor": armor}}})
    assert key.status_code in (201, 422)  # another check may have added it already
    provider = f"{providers_path(tfc)}/private/{org}/{name}"
    version = api(tfc, "POST", f"{provider}/versions", json={"data": {
        "type": "registry-provider-versions",
        "attributes": {"version": "1.2.3", "key-id": KEY_ID, "protocols": ["6.0"]}}})
    assert version.status_code == 201
    links = version.json()["data"]["links"]
    zip_bytes = b"PK\x03\x04" + unique.encode() * 100
    shasum = hashlib.sha256(zip_bytes).hexdigest()
    filename = f"terraform-provider-{name}_1.2.3_linux_amd64.zip"
    sums = f"{shasum}  {filename}\n".encode()
    # The upload links are pre-signed: no token.
    assert requests.put(links["shasums-upload"], data=sums, verify=t["ca_cert"], timeout=10).status_code == 200
    assert requests.put(links["shasums-sig-upload"], data=b"sig", verify=t["ca_cert"], timeout=10).status_code == 200
    attributes = api(tfc, "GET", f"{provider}/versions/1.2.3").json()["data"]["attributes"]
    assert attributes["shasums-uploaded"] and attributes["shasums-sig-uploaded"]
    platform = api(tfc, "POST", f"{provider}/versions/1.2.3/platforms", json={"data": {
        "type": "registry-provider-platforms",
        "attributes": {"os": "linux", "arch": "amd64", "shasum": shasum, "filename": filename}}})
    assert platform.status_code == 201
    upload = platform.json()["data"]["links"]["provider-binary-upload"]
    assert requests.put(upload, data=zip_bytes, verify=t["ca_cert"], timeout=10).status_code == 200

    versions = api(tfc, "GET", f"/api/registry/v1/providers/{org}/{name}/versions").json()
    assert versions["versions"] == [{"version": "1.2.3", "protocols": ["6.0"],
                                     "platforms": [{"os": "linux", "arch": "amd64"}]}]
    download = api(tfc, "GET", f"/api/registry/v1/providers/{org}/{name}/1.2.3/download/linux/amd64").json()
    assert (download["os"], download["arch"], download["filename"], download["shasum"]) == (
        "linux", "amd64", filename, shasum)
    assert download["protocols"] == ["6.0"]
    assert [k["key_id"] for k in download["signing_keys"]["gpg_public_keys"]] == [KEY_ID]
    served = requests.get(download["download_url"], verify=t["ca_cert"], timeout=10)
    assert hashlib.sha256(served.content).hexdigest() == shasum
    assert requests.get(download["shasums_url"], verify=t["ca_cert"], timeout=10).content == sums
