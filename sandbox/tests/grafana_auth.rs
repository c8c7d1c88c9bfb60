//! Grafana authentication: health is open, everything else needs basic auth or a service
//! account token, whose role limits what it may do.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn health_is_open_and_the_api_needs_credentials() {
    let h = Harness::start().await;
    let health = expect(h.grafana_anonymous("GET", "/api/health"), 200).await;
    assert_eq!(health["database"], json!("ok"));
    assert!(
        health["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("11.")),
        "{health}"
    );
    assert!(health["commit"].is_string());

    let missing = expect(h.grafana_anonymous("GET", "/api/folders"), 401).await;
    assert_eq!(missing["message"], json!("Unauthorized"));
    let wrong = expect(
        h.grafana_anonymous("GET", "/api/folders")
            .basic_auth("admin", Some("wrong")),
        401,
    )
    .await;
    assert_eq!(wrong["message"], json!("Invalid username or password"));
    let bad_token = expect(
        h.grafana_anonymous("GET", "/api/folders")
            .bearer_auth("glsa_nope"),
        401,
    )
    .await;
    assert_eq!(bad_token["message"], json!("Invalid API key"));
    expect(h.grafana("GET", "/api/folders"), 200).await;
    let user = expect(h.grafana("GET", "/api/user"), 200).await;
    assert_eq!(user["login"], json!("admin"));
}

#[tokio::test]
async fn service_account_tokens_carry_the_account_role() {
    let h = Harness::start().await;
    let viewer = expect(
        h.grafana("POST", "/api/serviceaccounts")
            .json(&json!({"name": "reader", "role": "Viewer"})),
        201,
    )
    .await;
    let id = viewer["id"].as_i64().unwrap();
    let token = expect(
        h.grafana("POST", &format!("/api/serviceaccounts/{id}/tokens"))
            .json(&json!({"name": "reader-token"})),
        200,
    )
    .await;
    let key = token["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("glsa_"), "{token}");

    expect(
        h.grafana_anonymous("GET", "/api/folders").bearer_auth(&key),
        200,
    )
    .await;
    let denied = expect(
        h.grafana_anonymous("POST", "/api/folders")
            .bearer_auth(&key)
            .json(&json!({"title": "x"})),
        403,
    )
    .await;
    assert_eq!(denied["title"], json!("Access denied"), "{denied}");

    // Promote to Editor: the same token may now create folders.
    expect(
        h.grafana("PATCH", &format!("/api/serviceaccounts/{id}"))
            .json(&json!({"role": "Editor"})),
        200,
    )
    .await;
    expect(
        h.grafana_anonymous("POST", "/api/folders")
            .bearer_auth(&key)
            .json(&json!({"title": "x"})),
        200,
    )
    .await;

    // Disabled accounts' tokens stop working; deleted accounts' tokens are revoked.
    expect(
        h.grafana("PATCH", &format!("/api/serviceaccounts/{id}"))
            .json(&json!({"isDisabled": true})),
        200,
    )
    .await;
    expect(
        h.grafana_anonymous("GET", "/api/folders").bearer_auth(&key),
        401,
    )
    .await;
    expect(
        h.grafana("DELETE", &format!("/api/serviceaccounts/{id}")),
        200,
    )
    .await;
    let revoked = expect(
        h.grafana_anonymous("GET", "/api/folders").bearer_auth(&key),
        401,
    )
    .await;
    assert_eq!(revoked["message"], json!("Invalid API key"));
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let h = Harness::start().await;
    let body = expect(h.grafana("GET", "/api/nothing-here"), 404).await;
    assert_eq!(body, json!({"message": "Not found"}));
    let body = expect(h.grafana("PATCH", "/api/folders"), 405).await;
    assert_eq!(body, json!({"message": "Method Not Allowed"}));
}
