//! The control API: health, the inspection document, the request log, reset.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn state_shows_everything_held_including_secrets() {
    let h = Harness::start().await;
    expect(h.control("GET", "/_sandbox/health"), 200).await;
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
    // Vault is a real server behind the Vault port: the sandbox holds nothing of it.
    assert_eq!(state.get("vault"), None, "{state}");
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
        h.grafana("POST", "/api/teams?x=1")
            .json(&json!({"name": "body-secret"})),
        200,
    )
    .await;
    expect(h.grafana_anonymous("GET", "/api/folders"), 401).await;
    let log = h.requests().await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[0],
        json!({"seq": log[0]["seq"], "service": "grafana", "method": "POST", "path": "/api/teams", "user_agent": null, "authorization": true, "status": 200, "fault": null, "fault_id": null})
    );
    assert_eq!(log[1]["service"], json!("grafana"));
    assert_eq!(log[1]["status"], json!(401));
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("body-secret"), "no bodies in the log");
    assert!(
        !text.contains(&h.endpoints().grafana.password),
        "no headers in the log"
    );

    expect(h.control("DELETE", "/_sandbox/requests"), 200).await;
    assert_eq!(h.requests().await, Vec::<serde_json::Value>::new());
}

#[tokio::test]
async fn reset_clears_data_but_keeps_credentials() {
    let h = Harness::start().await;
    expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "f", "title": "F"})),
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

    // The admin login still works; the data is gone.
    expect(h.grafana("GET", "/api/folders/f"), 404).await;
    let teams = expect(h.grafana("GET", "/api/teams/search"), 200).await;
    assert_eq!(teams["totalCount"], json!(0));
    let faults = expect(h.control("GET", "/_sandbox/faults"), 200).await;
    assert_eq!(faults, json!([]));
    let log = h.requests().await;
    assert_eq!(log.len(), 2, "only the requests since the reset: {log:?}");
}
