//! The control API: health, the inspection document, the request log, reset.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn state_shows_everything_held_including_secrets() {
    let h = Harness::start().await;
    expect(h.control("GET", "/_sandbox/health"), 200).await;
    expect(
        h.vault("POST", "/v1/secret/data/db")
            .json(&json!({"data": {"password": "visible-in-state"}})),
        200,
    )
    .await;
    expect(
        h.vault("POST", "/v1/secret/metadata/db")
            .json(&json!({"custom_metadata": {"owner": "ops"}})),
        204,
    )
    .await;
    expect(
        h.vault("PUT", "/v1/sys/policies/acl/p")
            .json(&json!({"policy": "path \"x\" {}"})),
        204,
    )
    .await;
    let account = expect(
        h.grafana("POST", "/api/serviceaccounts")
            .json(&json!({"name": "sa"})),
        201,
    )
    .await;
    let id = account["id"].as_i64().unwrap();
    let token = expect(
        h.grafana("POST", &format!("/api/serviceaccounts/{id}/tokens"))
            .json(&json!({"name": "t"})),
        200,
    )
    .await;
    expect(
        h.grafana("POST", "/api/teams")
            .json(&json!({"name": "team"})),
        200,
    )
    .await;

    let state = h.state().await;
    let secret = &state["vault"]["kv"]["secret/"]["db"];
    assert_eq!(secret["current_version"], json!(1), "{state}");
    assert_eq!(
        secret["versions"]["1"],
        json!({"data": {"password": "visible-in-state"}, "created_time": secret["versions"]["1"]["created_time"], "deletion_time": "", "deleted": false, "destroyed": false})
    );
    assert_eq!(secret["custom_metadata"], json!({"owner": "ops"}));
    assert_eq!(state["vault"]["policies"]["p"], json!("path \"x\" {}"));
    assert!(state["vault"]["mounts"]["secret/"].is_object());
    assert_eq!(
        state["vault"]["tokens"][0]["id"],
        json!(h.endpoints().vault.token)
    );
    let accounts = &state["grafana"]["service_accounts"];
    assert_eq!(accounts[0]["name"], json!("sa"));
    assert_eq!(accounts[0]["role"], json!("Viewer"));
    assert_eq!(accounts[0]["tokens"][0]["key"], token["key"]);
    assert_eq!(state["grafana"]["teams"][0]["name"], json!("team"));
    assert!(state["grafana"]["folders"].is_array());
    assert!(state["grafana"]["datasources"].is_array());
}

#[tokio::test]
async fn request_log_records_method_path_status_without_secrets() {
    let h = Harness::start().await;
    expect(
        h.vault("POST", "/v1/secret/data/a?x=1")
            .json(&json!({"data": {"k": "body-secret"}})),
        200,
    )
    .await;
    expect(h.grafana_anonymous("GET", "/api/folders"), 401).await;
    let log = h.requests().await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[0],
        json!({"seq": log[0]["seq"], "service": "vault", "method": "POST", "path": "/v1/secret/data/a", "user_agent": null, "authorization": false, "status": 200, "fault": null, "fault_id": null})
    );
    assert_eq!(log[1]["service"], json!("grafana"));
    assert_eq!(log[1]["status"], json!(401));
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("body-secret"), "no bodies in the log");
    assert!(
        !text.contains(&h.endpoints().vault.token),
        "no headers in the log"
    );

    expect(h.control("DELETE", "/_sandbox/requests"), 200).await;
    assert_eq!(h.requests().await, Vec::<serde_json::Value>::new());
}

#[tokio::test]
async fn reset_clears_data_but_keeps_credentials() {
    let h = Harness::start().await;
    expect(
        h.vault("POST", "/v1/sys/mounts/extra")
            .json(&json!({"type": "kv-v2"})),
        204,
    )
    .await;
    expect(
        h.vault("POST", "/v1/secret/data/a")
            .json(&json!({"data": {"k": "v"}})),
        200,
    )
    .await;
    expect(
        h.grafana("POST", "/api/teams").json(&json!({"name": "t"})),
        200,
    )
    .await;
    h.add_fault(json!({"service": "vault", "path": "^/never$", "kind": "drop"}))
        .await;

    expect(h.control("POST", "/_sandbox/reset"), 200).await;

    expect(h.vault("GET", "/v1/secret/data/a"), 404).await;
    let mounts = expect(h.vault("GET", "/v1/sys/mounts"), 200).await;
    assert!(mounts["data"].get("extra/").is_none(), "{mounts}");
    assert!(mounts["data"].get("secret/").is_some(), "{mounts}");
    let teams = expect(h.grafana("GET", "/api/teams/search"), 200).await;
    assert_eq!(teams["totalCount"], json!(0));
    let faults = expect(h.control("GET", "/_sandbox/faults"), 200).await;
    assert_eq!(faults, json!([]));
    let log = h.requests().await;
    assert_eq!(log.len(), 3, "only the requests since the reset: {log:?}");
}
