"""grafana-client (5.1.4), the Grafana HTTP API's Python client, against the Grafana emulator.

The client raises `GrafanaBadInputError` on 400, `GrafanaUnauthorizedError` on 401 and
`GrafanaClientError` (with `status_code`, `message` and the parsed `response`) on the other
4xx; it decides some endpoints by the server's version, which it reads from
`/api/frontend/settings`.
"""

import pytest
from grafana_client import GrafanaApi, TokenAuth
from grafana_client.client import GrafanaBadInputError, GrafanaClientError, GrafanaUnauthorizedError


@pytest.fixture(scope="module")
def grafana(endpoints):
    g = endpoints["grafana"]
    return GrafanaApi.from_url(g["url"], credential=(g["user"], g["password"]))


def test_the_client_reads_the_version(grafana):
    """`GrafanaApi.connect()` reads the build information the frontend settings carry, the
    version being the one `/api/health` reports
    (https://grafana.com/docs/grafana/latest/developers/http_api/other/#health-api,
    https://github.com/grafana/grafana/blob/main/pkg/api/dtos/frontend_settings.go)."""
    info = grafana.connect()
    assert info["version"] == "11.3.0" and info["edition"] == "Open Source"
    assert grafana.version == "11.3.0"
    health = grafana.client.GET("/health")
    assert health == {"commit": health["commit"], "database": "ok", "version": "11.3.0"}


def test_wrong_password_and_anonymous_calls_are_401(endpoints):
    """A wrong password is 401 `Invalid username or password`, no credentials 401
    `Unauthorized`, both in Grafana's error shape with `messageId`
    (https://grafana.com/docs/grafana/latest/developers/http_api/authentication/,
    https://grafana.com/docs/grafana/latest/developers/http_api/#http-status-codes)."""
    g = endpoints["grafana"]
    with pytest.raises(GrafanaUnauthorizedError) as error:
        GrafanaApi.from_url(g["url"], credential=(g["user"], "wrong")).folder.get_all_folders()
    assert error.value.status_code == 401
    assert error.value.response["message"] == "Invalid username or password"
    assert error.value.response["messageId"] == "password-auth.failed"
    with pytest.raises(GrafanaUnauthorizedError) as error:
        GrafanaApi.from_url(g["url"]).folder.get_all_folders()
    assert error.value.response["message"] == "Unauthorized"


def test_folder_lifecycle(grafana, unique):
    """Create (uid, title, version 1, url), get, list, rename with the current version,
    a stale version is 412 `version-mismatch`, `overwrite` ignores it, delete answers the
    folder's id and title and it is then 404 `folder not found`
    (https://grafana.com/docs/grafana/latest/developers/http_api/folder/)."""
    uid = f"f-{unique}"
    created = grafana.folder.create_folder(f"Team {unique}", uid=uid)
    assert (created["uid"], created["title"], created["version"]) == (uid, f"Team {unique}", 1)
    assert created["url"] == f"/dashboards/f/{uid}/team-{unique}"
    assert grafana.folder.get_folder(uid)["id"] == created["id"]
    assert grafana.folder.get_folder_by_id(created["id"])["uid"] == uid
    assert uid in [f["uid"] for f in grafana.folder.get_all_folders()]
    renamed = grafana.folder.update_folder(uid, title="Renamed", version=1)
    assert (renamed["title"], renamed["version"]) == ("Renamed", 2)
    with pytest.raises(GrafanaClientError) as error:
        grafana.folder.update_folder(uid, title="Stale", version=1)
    assert error.value.status_code == 412
    assert error.value.response == {"message": "the folder has been changed by someone else", "status": "version-mismatch"}
    assert grafana.folder.update_folder(uid, title="Forced", overwrite=True)["title"] == "Forced"
    deleted = grafana.folder.delete_folder(uid)
    assert deleted == {"id": created["id"], "message": "Folder deleted", "title": "Forced"}
    with pytest.raises(GrafanaClientError) as error:
        grafana.folder.get_folder(uid)
    assert error.value.status_code == 404 and error.value.response["message"] == "folder not found"


def test_folder_uid_conflict_and_empty_title(grafana, unique):
    """A uid in use is 409, an empty title is 400
    (https://grafana.com/docs/grafana/latest/developers/http_api/folder/#create-folder)."""
    uid = f"c-{unique}"
    grafana.folder.create_folder("First", uid=uid)
    with pytest.raises(GrafanaClientError) as error:
        grafana.folder.create_folder("Second", uid=uid)
    assert error.value.status_code == 409
    assert error.value.message == "Client Error 409: a folder/dashboard with the same uid already exists"
    with pytest.raises(GrafanaBadInputError) as error:
        grafana.folder.create_folder("", uid=f"e-{unique}")
    assert error.value.response["message"] == "folder title cannot be empty"
    grafana.folder.delete_folder(uid)


def test_nested_folders(grafana, unique):
    """A folder created with `parentUid` lists under its parent and names its parents;
    deleting the parent deletes it (https://grafana.com/docs/grafana/latest/developers/http_api/folder/#get-all-folders,
    https://grafana.com/docs/grafana/latest/observability-as-code/provision-resources/#nested-folders)."""
    parent = f"p-{unique}"
    grafana.folder.create_folder("Parent", uid=parent)
    child = grafana.folder.create_folder("Child", uid=f"ch-{unique}", parent_uid=parent)
    assert child["parentUid"] == parent and [p["uid"] for p in child["parents"]] == [parent]
    assert [f["uid"] for f in grafana.folder.get_all_folders(parent_uid=parent)] == [f"ch-{unique}"]
    grafana.folder.delete_folder(parent)
    with pytest.raises(GrafanaClientError) as error:
        grafana.folder.get_folder(f"ch-{unique}")
    assert error.value.status_code == 404


def test_folder_permissions(grafana, unique):
    """A new folder grants Editor edit and Viewer view; posting `items` replaces the list
    (https://grafana.com/docs/grafana/latest/developers/http_api/folder_permissions/)."""
    uid = f"perm-{unique}"
    grafana.folder.create_folder("Perms", uid=uid)
    roles = {p["role"]: p["permissionName"] for p in grafana.folder.get_folder_permissions(uid) if p["role"]}
    assert roles == {"Editor": "Edit", "Viewer": "View"}
    answer = grafana.folder.update_folder_permissions(uid, [{"role": "Viewer", "permission": 2}])
    assert answer == {"message": "Folder permissions updated"}
    items = grafana.folder.get_folder_permissions(uid)
    assert [(p["role"], p["permission"], p["permissionName"]) for p in items] == [("Viewer", 2, "Edit")]
    grafana.folder.delete_folder(uid)


def test_team_lifecycle(grafana, unique):
    """Create answers `Team created` with the id; search by name (exact) and query, paged
    with `perPage`; a taken name is 409; update and delete answer their messages; a missing
    team is 404 (https://grafana.com/docs/grafana/latest/developers/http_api/team/)."""
    name = f"ops-{unique}"
    created = grafana.teams.add_team({"name": name, "email": f"{name}@example.com"})
    assert created["message"] == "Team created" and created["uid"]
    team_id = created["teamId"]
    assert [t["id"] for t in grafana.teams.get_team_by_name(name)] == [team_id]
    assert [t["name"] for t in grafana.teams.search_teams(query=unique, perpage=1)] == [name]
    page = grafana.client.GET(f"/teams/search?query={unique}&perpage=1&page=1")
    assert (page["totalCount"], page["page"], page["perPage"]) == (1, 1, 1)
    with pytest.raises(GrafanaClientError) as error:
        grafana.teams.add_team({"name": name})
    assert error.value.status_code == 409 and error.value.response["message"] == "Team name taken"
    assert grafana.teams.update_team(team_id, {"name": name + "-2", "email": ""}) == {"message": "Team updated"}
    assert grafana.teams.get_team(team_id)["name"] == name + "-2"
    assert grafana.teams.delete_team(team_id) == {"message": "Team deleted"}
    with pytest.raises(GrafanaClientError) as error:
        grafana.teams.get_team(team_id)
    assert error.value.status_code == 404 and error.value.response["message"] == "Team not found"


def test_service_account_and_token_lifecycle(endpoints, grafana, unique):
    """Create a service account (201), find it, change its role, mint a token (`glsa_` key,
    shown once), list tokens without keys, call the API with the token in the account's role
    (a Viewer may not create folders: 403 Access denied), revoke the token and delete the
    account (https://grafana.com/docs/grafana/latest/developers/http_api/serviceaccount/,
    https://grafana.com/docs/grafana/latest/administration/roles-and-permissions/#organization-roles)."""
    name = f"ci-{unique}"
    account = grafana.serviceaccount.create({"name": name, "role": "Editor"})
    assert (account["name"], account["role"], account["isDisabled"]) == (name, "Editor", False)
    assert account["login"].startswith("sa-") and account["login"].endswith(name)
    assert grafana.serviceaccount.search_one(name)["id"] == account["id"]
    updated = grafana.serviceaccount.update(account["id"], {"role": "Viewer"})
    assert updated["message"] == "Service account updated" and updated["serviceaccount"]["role"] == "Viewer"
    token = grafana.serviceaccount.create_token(account["id"], {"name": "deploy", "secondsToLive": 3600})
    assert token["key"].startswith("glsa_") and token["name"] == "deploy"
    listed = grafana.serviceaccount.get_tokens(account["id"])
    assert [(t["name"], t["hasExpired"]) for t in listed] == [("deploy", False)] and "key" not in listed[0]
    as_account = GrafanaApi.from_url(endpoints["grafana"]["url"], credential=TokenAuth(token["key"]))
    assert as_account.user.get_actual_user()["login"] == account["login"]
    with pytest.raises(GrafanaClientError) as error:
        as_account.folder.create_folder("not allowed")
    assert error.value.status_code == 403 and error.value.response["title"] == "Access denied"
    assert grafana.serviceaccount.delete_token(account["id"], token["id"]) == {"message": "API key deleted"}
    with pytest.raises(GrafanaUnauthorizedError):
        as_account.user.get_actual_user()
    assert grafana.serviceaccount.delete(account["id"]) == {"message": "Service account deleted"}


def test_service_account_name_taken(grafana, unique):
    """A name in use is a 400 in Grafana's errutil shape, `serviceaccounts.ErrAlreadyExists`
    (https://grafana.com/docs/grafana/latest/developers/http_api/serviceaccount/#create-service-account)."""
    account = grafana.serviceaccount.create({"name": f"dup-{unique}"})
    with pytest.raises(GrafanaBadInputError) as error:
        grafana.serviceaccount.create({"name": f"dup-{unique}"})
    assert error.value.response["messageId"] == "serviceaccounts.ErrAlreadyExists"
    assert error.value.response["statusCode"] == 400
    grafana.serviceaccount.delete(account["id"])


def test_data_source_lifecycle(grafana, unique):
    """Create answers `Datasource added` with the data source; `secureJsonData` is write-only
    (answers show `secureJsonFields`) and survives an update that does not mention it; get by
    uid, name and id, the id by name; a taken name is 409; delete answers `Data source
    deleted` (https://grafana.com/docs/grafana/latest/developers/http_api/data_source/)."""
    name = f"prom-{unique}"
    created = grafana.datasource.create_datasource({
        "name": name, "type": "prometheus", "url": "http://prometheus:9090", "access": "proxy",
        "basicAuth": True, "basicAuthUser": "grafana", "secureJsonData": {"basicAuthPassword": "s3cr3t"}})
    assert created["message"] == "Datasource added" and created["name"] == name
    ds = created["datasource"]
    assert ds["secureJsonFields"] == {"basicAuthPassword": True} and "secureJsonData" not in ds
    uid = ds["uid"]
    assert grafana.datasource.get_datasource_by_name(name)["uid"] == uid
    assert grafana.datasource.get_datasource_by_id(ds["id"])["name"] == name
    assert grafana.datasource.get_datasource_id_by_name(name) == {"id": ds["id"]}
    updated = grafana.datasource.update_datasource_by_uid(uid, {
        "name": name, "type": "prometheus", "url": "http://prometheus:9091", "access": "proxy",
        "basicAuth": True, "basicAuthUser": "grafana"})
    assert updated["message"] == "Datasource updated"
    assert updated["datasource"]["version"] == 2
    read = grafana.datasource.get_datasource_by_uid(uid)
    assert read["url"] == "http://prometheus:9091" and read["secureJsonFields"] == {"basicAuthPassword": True}
    assert name in [d["name"] for d in grafana.datasource.list_datasources()]
    with pytest.raises(GrafanaClientError) as error:
        grafana.datasource.create_datasource({"name": name, "type": "loki", "url": "http://loki", "access": "proxy"})
    assert error.value.status_code == 409
    assert error.value.response["message"] == "data source with the same name already exists"
    assert grafana.datasource.delete_datasource_by_uid(uid) == {"id": ds["id"], "message": "Data source deleted"}
    with pytest.raises(GrafanaClientError) as error:
        grafana.datasource.get_datasource_by_uid(uid)
    assert error.value.status_code == 404 and error.value.response["message"] == "Data source not found"
