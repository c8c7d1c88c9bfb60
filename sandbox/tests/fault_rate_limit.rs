//! `rate_limit` faults answer 429 with `Retry-After` (Vault's, with its X-Ratelimit headers,
//! in `vault_proxy.rs`).

mod common;

use common::{Harness, status_and_json};
use serde_json::json;

#[tokio::test]
async fn grafana_rate_limit_has_retry_after() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "*", "method": "GET", "path": "^/api/", "kind": "rate_limit", "times": 1}))
        .await;
    let response = h.grafana("GET", "/api/folders").send().await.unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"), "default Retry-After");
    assert!(body["message"].is_string(), "{body}");
    let (status, _) = status_and_json(h.grafana("GET", "/api/folders").send().await.unwrap()).await;
    assert_eq!(status, 200, "times=1: the second request passes");
}
