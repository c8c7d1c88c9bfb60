//! KV v2 listing and metadata: LIST method and `?list=true`, sub-folders with `/`,
//! custom metadata, and max_versions pruning.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn list_shows_children_with_folders_suffixed() {
    let h = Harness::start().await;
    for path in [
        "team/a",
        "team/b",
        "team/sub/c",
        "team/sub/deeper/d",
        "other",
    ] {
        expect(
            h.vault("POST", &format!("/v1/secret/data/{path}"))
                .json(&json!({"data": {"k": "v"}})),
            200,
        )
        .await;
    }
    let by_method = expect(h.vault("LIST", "/v1/secret/metadata/team"), 200).await;
    assert_eq!(by_method["data"]["keys"], json!(["a", "b", "sub/"]));
    let by_query = expect(h.vault("GET", "/v1/secret/metadata/team/?list=true"), 200).await;
    assert_eq!(by_query["data"], by_method["data"]);
    let root = expect(h.vault("LIST", "/v1/secret/metadata"), 200).await;
    assert_eq!(root["data"]["keys"], json!(["other", "team/"]));
    let missing = expect(h.vault("LIST", "/v1/secret/metadata/nothing"), 404).await;
    assert_eq!(missing, json!({"errors": []}));
    // LIST is not an operation of the data path.
    expect(h.vault("LIST", "/v1/secret/data/team"), 405).await;
}

#[tokio::test]
async fn metadata_carries_custom_metadata_and_versions() {
    let h = Harness::start().await;
    expect(
        h.vault("POST", "/v1/secret/metadata/app")
            .json(&json!({"custom_metadata": {"owner": "platform"}, "max_versions": 2})),
        204,
    )
    .await;
    // Metadata alone: listed, but there is no data to read.
    let listed = expect(h.vault("LIST", "/v1/secret/metadata"), 200).await;
    assert_eq!(listed["data"]["keys"], json!(["app"]));
    expect(h.vault("GET", "/v1/secret/data/app"), 404).await;

    for v in ["1", "2", "3"] {
        expect(
            h.vault("POST", "/v1/secret/data/app")
                .json(&json!({"data": {"v": v}})),
            200,
        )
        .await;
    }
    let meta = expect(h.vault("GET", "/v1/secret/metadata/app"), 200).await;
    let data = &meta["data"];
    assert_eq!(
        data["custom_metadata"],
        json!({"owner": "platform"}),
        "{meta}"
    );
    assert_eq!(data["current_version"], json!(3));
    assert_eq!(data["max_versions"], json!(2));
    assert_eq!(data["oldest_version"], json!(2));
    let versions: Vec<&String> = data["versions"].as_object().unwrap().keys().collect();
    assert_eq!(versions, vec!["2", "3"], "pruned to max_versions: {meta}");
    expect(h.vault("GET", "/v1/secret/data/app?version=1"), 404).await;
    let read = expect(h.vault("GET", "/v1/secret/data/app"), 200).await;
    assert_eq!(
        read["data"]["metadata"]["custom_metadata"],
        json!({"owner": "platform"})
    );
}
