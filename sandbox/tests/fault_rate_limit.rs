//! `rate_limit` faults answer 429 with `Retry-After` (and Vault's X-Ratelimit headers).

mod common;

use common::{Harness, status_and_json};
use serde_json::json;

#[tokio::test]
async fn vault_rate_limit_has_retry_after() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "vault", "path": "^/v1/sys/mounts$", "kind": "rate_limit", "retry_after_s": 7}))
        .await;
    let response = h.vault("GET", "/v1/sys/mounts").send().await.unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let remaining = response
        .headers()
        .get("x-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(retry_after.as_deref(), Some("7"));
    assert_eq!(remaining.as_deref(), Some("0"));
    assert_eq!(
        body,
        json!({"errors": ["request path \"sys/mounts\": rate limit quota exceeded"]})
    );
    let log = h.requests().await;
    assert_eq!(log[0]["fault"], json!("rate_limit"), "{log:?}");
}

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
