//! KV v2 check-and-set: cas=0 creates only, cas=N must match the current version, and
//! `cas_required` (mount config or secret metadata) refuses writes without cas.

mod common;

use common::{Harness, expect};
use serde_json::json;

const MISMATCH: &str = "check-and-set parameter did not match the current version";

#[tokio::test]
async fn cas_zero_writes_only_when_the_key_does_not_exist() {
    let h = Harness::start().await;
    let first = expect(
        h.vault("POST", "/v1/secret/data/app/db")
            .json(&json!({"data": {"password": "s3cret"}, "options": {"cas": 0}})),
        200,
    )
    .await;
    assert_eq!(first["data"]["version"], json!(1), "first write: {first}");
    assert_eq!(first["data"]["destroyed"], json!(false));
    assert_eq!(first["data"]["deletion_time"], json!(""));
    assert!(first["data"]["created_time"].is_string(), "{first}");

    let again = expect(
        h.vault("POST", "/v1/secret/data/app/db")
            .json(&json!({"data": {"password": "other"}, "options": {"cas": 0}})),
        400,
    )
    .await;
    assert_eq!(again, json!({"errors": [MISMATCH]}));

    let read = expect(h.vault("GET", "/v1/secret/data/app/db"), 200).await;
    assert_eq!(
        read["data"]["data"],
        json!({"password": "s3cret"}),
        "{read}"
    );
    assert_eq!(read["data"]["metadata"]["version"], json!(1));
}

#[tokio::test]
async fn cas_must_match_the_current_version() {
    let h = Harness::start().await;
    let path = "/v1/secret/data/k";
    expect(h.vault("PUT", path).json(&json!({"data": {"v": 1}})), 200).await;
    let second = expect(
        h.vault("POST", path)
            .json(&json!({"data": {"v": 2}, "options": {"cas": 1}})),
        200,
    )
    .await;
    assert_eq!(second["data"]["version"], json!(2));
    let stale = expect(
        h.vault("POST", path)
            .json(&json!({"data": {"v": 3}, "options": {"cas": 1}})),
        400,
    )
    .await;
    assert_eq!(stale["errors"], json!([MISMATCH]));
    let read = expect(h.vault("GET", &format!("{path}?version=1")), 200).await;
    assert_eq!(read["data"]["data"], json!({"v": 1}));
}

#[tokio::test]
async fn cas_required_refuses_writes_without_cas() {
    let h = Harness::start().await;
    expect(
        h.vault("POST", "/v1/secret/metadata/locked")
            .json(&json!({"cas_required": true})),
        204,
    )
    .await;
    let refused = expect(
        h.vault("POST", "/v1/secret/data/locked")
            .json(&json!({"data": {"a": "b"}})),
        400,
    )
    .await;
    assert_eq!(
        refused["errors"],
        json!(["check-and-set parameter required for this call"])
    );
    expect(
        h.vault("POST", "/v1/secret/data/locked")
            .json(&json!({"data": {"a": "b"}, "options": {"cas": 0}})),
        200,
    )
    .await;

    // The same rule from the mount's config.
    expect(
        h.vault("POST", "/v1/secret/config")
            .json(&json!({"cas_required": true, "max_versions": 5})),
        204,
    )
    .await;
    let config = expect(h.vault("GET", "/v1/secret/config"), 200).await;
    assert_eq!(
        config["data"],
        json!({"cas_required": true, "delete_version_after": "0s", "max_versions": 5})
    );
    expect(
        h.vault("POST", "/v1/secret/data/other")
            .json(&json!({"data": {"a": "b"}})),
        400,
    )
    .await;
}

#[tokio::test]
async fn writes_without_data_are_refused() {
    let h = Harness::start().await;
    let body = expect(
        h.vault("POST", "/v1/secret/data/empty").json(&json!({})),
        400,
    )
    .await;
    assert_eq!(body, json!({"errors": ["no data provided"]}));
    let body = expect(
        h.vault("POST", "/v1/secret/data/bad")
            .header("content-type", "application/json")
            .body("{not json"),
        400,
    )
    .await;
    assert!(
        body["errors"][0]
            .as_str()
            .is_some_and(|m| m.starts_with("failed to parse JSON input")),
        "{body}"
    );
}

#[tokio::test]
async fn patch_merges_into_a_new_version() {
    let h = Harness::start().await;
    expect(
        h.vault("POST", "/v1/secret/data/p")
            .json(&json!({"data": {"a": "1", "b": "2"}})),
        200,
    )
    .await;
    expect(
        h.vault("PATCH", "/v1/secret/data/p")
            .json(&json!({"data": {"b": null, "c": "3"}})),
        415,
    )
    .await;
    let patched = expect(
        h.vault("PATCH", "/v1/secret/data/p")
            .header("content-type", "application/merge-patch+json")
            .body(json!({"data": {"b": null, "c": "3"}}).to_string()),
        200,
    )
    .await;
    assert_eq!(patched["data"]["version"], json!(2));
    let read = expect(h.vault("GET", "/v1/secret/data/p"), 200).await;
    assert_eq!(read["data"]["data"], json!({"a": "1", "c": "3"}));
}
