//! Grafana's router: a trailing slash matches the same route (grafana-client creates
//! service accounts with `POST /api/serviceaccounts/`), and `GET /api/frontend/settings`
//! gives the build information clients read the version from.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn a_trailing_slash_reaches_the_same_route() {
    let h = Harness::start().await;
    let created = expect(
        h.grafana("POST", "/api/serviceaccounts/")
            .json(&json!({"name": "slashed", "role": "Viewer"})),
        201,
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let read = expect(
        h.grafana("GET", &format!("/api/serviceaccounts/{id}/")),
        200,
    )
    .await;
    assert_eq!(read["name"], json!("slashed"));
    let listed = expect(h.grafana("GET", "/api/folders/?limit=5"), 200).await;
    assert_eq!(listed, json!([]));
    expect(h.grafana("GET", "/api/nothing-here/"), 404).await;
    h.shutdown().await;
}

#[tokio::test]
async fn frontend_settings_carry_the_build_info() {
    let h = Harness::start().await;
    expect(h.grafana_anonymous("GET", "/api/frontend/settings"), 401).await;
    let settings = expect(h.grafana("GET", "/api/frontend/settings"), 200).await;
    assert_eq!(settings["buildInfo"]["version"], json!("11.3.0"));
    assert_eq!(settings["buildInfo"]["edition"], json!("Open Source"));
    h.shutdown().await;
}
