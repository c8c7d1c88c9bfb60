//! KV v2 deletion: soft delete (latest or chosen versions), undelete, destroy, and
//! metadata delete that removes every version.

mod common;

use common::{Harness, expect, status_and_json};
use serde_json::json;

async fn write(h: &Harness, path: &str, value: &str) {
    expect(
        h.vault("POST", &format!("/v1/secret/data/{path}"))
            .json(&json!({"data": {"value": value}})),
        200,
    )
    .await;
}

#[tokio::test]
async fn soft_deleted_latest_version_reads_as_404_with_metadata() {
    let h = Harness::start().await;
    write(&h, "svc", "one").await;
    write(&h, "svc", "two").await;
    expect(h.vault("DELETE", "/v1/secret/data/svc"), 204).await;

    let (status, body) =
        status_and_json(h.vault("GET", "/v1/secret/data/svc").send().await.unwrap()).await;
    assert_eq!(status, 404, "read of a deleted version: {body}");
    assert_eq!(body["data"]["data"], json!(null), "{body}");
    assert_eq!(body["data"]["metadata"]["version"], json!(2), "{body}");
    assert_eq!(body["data"]["metadata"]["destroyed"], json!(false));
    assert!(
        body["data"]["metadata"]["deletion_time"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "deletion_time set: {body}"
    );

    // The older version is still readable.
    let v1 = expect(h.vault("GET", "/v1/secret/data/svc?version=1"), 200).await;
    assert_eq!(v1["data"]["data"], json!({"value": "one"}));

    // Undelete brings it back.
    expect(
        h.vault("POST", "/v1/secret/undelete/svc")
            .json(&json!({"versions": [2]})),
        204,
    )
    .await;
    let back = expect(h.vault("GET", "/v1/secret/data/svc"), 200).await;
    assert_eq!(back["data"]["data"], json!({"value": "two"}));
}

#[tokio::test]
async fn delete_and_destroy_chosen_versions() {
    let h = Harness::start().await;
    write(&h, "x", "one").await;
    write(&h, "x", "two").await;
    expect(
        h.vault("POST", "/v1/secret/delete/x")
            .json(&json!({"versions": [1]})),
        204,
    )
    .await;
    expect(h.vault("GET", "/v1/secret/data/x?version=1"), 404).await;
    expect(h.vault("GET", "/v1/secret/data/x"), 200).await;

    expect(
        h.vault("POST", "/v1/secret/destroy/x")
            .json(&json!({"versions": [2]})),
        204,
    )
    .await;
    let destroyed = expect(h.vault("GET", "/v1/secret/data/x"), 404).await;
    assert_eq!(destroyed["data"]["metadata"]["destroyed"], json!(true));
    // A destroyed version cannot be undeleted.
    expect(
        h.vault("POST", "/v1/secret/undelete/x")
            .json(&json!({"versions": [2]})),
        204,
    )
    .await;
    expect(h.vault("GET", "/v1/secret/data/x"), 404).await;

    let meta = expect(h.vault("GET", "/v1/secret/metadata/x"), 200).await;
    assert_eq!(meta["data"]["versions"]["2"]["destroyed"], json!(true));
    assert_eq!(meta["data"]["current_version"], json!(2));

    let missing = expect(h.vault("POST", "/v1/secret/delete/x").json(&json!({})), 400).await;
    assert_eq!(missing, json!({"errors": ["no version number provided"]}));
}

#[tokio::test]
async fn metadata_delete_removes_every_version() {
    let h = Harness::start().await;
    write(&h, "gone/a", "one").await;
    write(&h, "gone/a", "two").await;
    expect(h.vault("DELETE", "/v1/secret/metadata/gone/a"), 204).await;

    let data = expect(h.vault("GET", "/v1/secret/data/gone/a"), 404).await;
    assert_eq!(data, json!({"errors": []}));
    let meta = expect(h.vault("GET", "/v1/secret/metadata/gone/a"), 404).await;
    assert_eq!(meta, json!({"errors": []}));
    expect(h.vault("LIST", "/v1/secret/metadata/gone"), 404).await;

    // Deleting again is fine, and the key starts over at version 1.
    expect(h.vault("DELETE", "/v1/secret/metadata/gone/a"), 204).await;
    let fresh = expect(
        h.vault("POST", "/v1/secret/data/gone/a")
            .json(&json!({"data": {"v": "new"}, "options": {"cas": 0}})),
        200,
    )
    .await;
    assert_eq!(fresh["data"]["version"], json!(1));
}
