//! `status` faults answer with the service's own error shape and leave state untouched;
//! the request log records them (Vault's shape: `vault_proxy.rs`).

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn grafana_status_fault_uses_grafana_errors() {
    let h = Harness::start().await;
    let id = h
        .add_fault(
            json!({"service": "grafana", "path": "^/api/teams$", "kind": "status", "status": 500}),
        )
        .await;
    let body = expect(
        h.grafana("POST", "/api/teams").json(&json!({"name": "t"})),
        500,
    )
    .await;
    assert!(body["message"].is_string(), "grafana error shape: {body}");
    let search = expect(h.grafana("GET", "/api/teams/search"), 200).await;
    assert_eq!(search["totalCount"], json!(0), "the team was not created");
    let log = h.requests().await;
    let faulted: Vec<_> = log.iter().filter(|e| e["fault"] == json!("500")).collect();
    assert_eq!(faulted.len(), 1, "log: {log:?}");
    assert_eq!(faulted[0]["status"], json!(500));
    assert_eq!(faulted[0]["fault_id"], json!(id));
    assert_eq!(faulted[0]["method"], json!("POST"));
    assert_eq!(faulted[0]["path"], json!("/api/teams"));
    assert_eq!(faulted[0]["service"], json!("grafana"));
    // Faults for one service do not touch another.
    let token = h.auth0_token().await;
    expect(h.auth0(&token, "GET", "/clients"), 200).await;
    // Removed, the fault no longer fires.
    expect(h.control("DELETE", &format!("/_sandbox/faults/{id}")), 200).await;
    expect(
        h.grafana("POST", "/api/teams").json(&json!({"name": "t"})),
        200,
    )
    .await;
}

#[tokio::test]
async fn invalid_faults_are_refused() {
    let h = Harness::start().await;
    for fault in [
        json!({"kind": "status", "path": "("}),
        json!({"kind": "status", "service": "consul"}),
        json!({"kind": "teleport"}),
        json!({"kind": "status", "probability": 2.0}),
    ] {
        let body = expect(h.control("POST", "/_sandbox/faults").json(&fault), 400).await;
        assert!(body["error"].is_string(), "{fault} → {body}");
    }
}
