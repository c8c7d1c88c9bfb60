//! `drop` faults close the connection without a response: the client sees a connection
//! error, not an HTTP status.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn dropped_requests_fail_at_the_connection_level() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "grafana", "method": "POST", "path": "^/api/folders$", "kind": "drop", "times": 1}))
        .await;
    let result = h
        .grafana("POST", "/api/folders")
        .json(&json!({"uid": "d", "title": "D"}))
        .send()
        .await;
    match result {
        Ok(response) => panic!(
            "expected a connection error, got HTTP {}",
            response.status()
        ),
        Err(err) => assert!(
            !err.is_status() && (err.is_request() || err.is_connect() || err.is_body()),
            "expected a connection-level error, got {err:?}"
        ),
    }
    // Nothing was created, and the next request goes through.
    expect(h.grafana("GET", "/api/folders/d"), 404).await;
    expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "d", "title": "D"})),
        200,
    )
    .await;

    let log = h.requests().await;
    let dropped: Vec<_> = log.iter().filter(|e| e["fault"] == json!("drop")).collect();
    assert_eq!(dropped.len(), 1, "{log:?}");
    assert_eq!(dropped[0]["status"], json!(null));
}
