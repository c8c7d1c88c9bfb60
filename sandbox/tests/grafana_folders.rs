//! Grafana folders: create (given or generated uid), read, list with paging, update with
//! version checks, nesting, permissions, delete.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn folder_lifecycle() {
    let h = Harness::start().await;
    let created = expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "wm-prod", "title": "WM Prod"})),
        200,
    )
    .await;
    assert_eq!(created["uid"], json!("wm-prod"));
    assert_eq!(created["title"], json!("WM Prod"));
    assert_eq!(created["version"], json!(1));
    assert_eq!(created["url"], json!("/dashboards/f/wm-prod/wm-prod"));
    assert!(created["id"].as_i64().is_some_and(|id| id > 0), "{created}");

    let generated = expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"title": "Other"})),
        200,
    )
    .await;
    let uid = generated["uid"].as_str().unwrap();
    assert!(!uid.is_empty() && uid.len() <= 40, "{generated}");

    let dup = expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "wm-prod", "title": "Again"})),
        409,
    )
    .await;
    assert_eq!(
        dup,
        json!({"message": "a folder/dashboard with the same uid already exists"})
    );
    let empty = expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"title": " "})),
        400,
    )
    .await;
    assert_eq!(empty, json!({"message": "folder title cannot be empty"}));

    let stale = expect(
        h.grafana("PUT", "/api/folders/wm-prod")
            .json(&json!({"title": "Renamed", "version": 7})),
        412,
    )
    .await;
    assert_eq!(
        stale,
        json!({"message": "the folder has been changed by someone else", "status": "version-mismatch"})
    );
    let updated = expect(
        h.grafana("PUT", "/api/folders/wm-prod")
            .json(&json!({"title": "Renamed", "version": 1})),
        200,
    )
    .await;
    assert_eq!(updated["version"], json!(2));
    assert_eq!(updated["title"], json!("Renamed"));
    expect(
        h.grafana("PUT", "/api/folders/wm-prod")
            .json(&json!({"title": "Forced", "overwrite": true})),
        200,
    )
    .await;

    let got = expect(h.grafana("GET", "/api/folders/wm-prod"), 200).await;
    assert_eq!(got["title"], json!("Forced"));

    let deleted = expect(h.grafana("DELETE", "/api/folders/wm-prod"), 200).await;
    assert_eq!(deleted["message"], json!("Folder deleted"));
    let missing = expect(h.grafana("GET", "/api/folders/wm-prod"), 404).await;
    assert_eq!(
        missing,
        json!({"message": "folder not found", "status": "not-found"})
    );
    expect(h.grafana("DELETE", "/api/folders/wm-prod"), 404).await;
}

#[tokio::test]
async fn listing_pages_and_nesting() {
    let h = Harness::start().await;
    for title in ["c", "a", "b"] {
        expect(
            h.grafana("POST", "/api/folders")
                .json(&json!({"uid": title, "title": title})),
            200,
        )
        .await;
    }
    expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "child", "title": "child", "parentUid": "a"})),
        200,
    )
    .await;
    let all = expect(h.grafana("GET", "/api/folders"), 200).await;
    let titles: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["a", "b", "c"], "root level, by title: {all}");
    let page2 = expect(h.grafana("GET", "/api/folders?limit=2&page=2"), 200).await;
    assert_eq!(page2, json!([{"id": 1, "uid": "c", "title": "c"}]));
    let children = expect(h.grafana("GET", "/api/folders?parentUid=a"), 200).await;
    assert_eq!(children[0]["uid"], json!("child"));
    let child = expect(h.grafana("GET", "/api/folders/child"), 200).await;
    assert_eq!(child["parentUid"], json!("a"));
    assert_eq!(child["parents"][0]["uid"], json!("a"));

    // Deleting the parent deletes the child.
    expect(h.grafana("DELETE", "/api/folders/a"), 200).await;
    expect(h.grafana("GET", "/api/folders/child"), 404).await;
    expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"title": "orphan", "parentUid": "a"})),
        404,
    )
    .await;
}

#[tokio::test]
async fn folder_permissions_replace_the_list() {
    let h = Harness::start().await;
    expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "f", "title": "F"})),
        200,
    )
    .await;
    let team = expect(
        h.grafana("POST", "/api/teams")
            .json(&json!({"name": "ops"})),
        200,
    )
    .await;
    let team_id = team["teamId"].as_i64().unwrap();
    let defaults = expect(h.grafana("GET", "/api/folders/f/permissions"), 200).await;
    assert_eq!(defaults.as_array().unwrap().len(), 3, "{defaults}");

    let set = expect(
        h.grafana("POST", "/api/folders/f/permissions")
            .json(&json!({"items": [
                {"role": "Viewer", "permission": 1},
                {"teamId": team_id, "permission": 2}
            ]})),
        200,
    )
    .await;
    assert_eq!(set, json!({"message": "Folder permissions updated"}));
    let items = expect(h.grafana("GET", "/api/folders/f/permissions"), 200).await;
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["teamId"], json!(team_id));
    assert_eq!(items[1]["team"], json!("ops"));
    assert_eq!(items[1]["permissionName"], json!("Edit"));

    expect(
        h.grafana("POST", "/api/folders/f/permissions")
            .json(&json!({"items": [{"teamId": 999, "permission": 1}]})),
        404,
    )
    .await;
    expect(
        h.grafana("POST", "/api/folders/f/permissions")
            .json(&json!({"items": [{"role": "Viewer", "permission": 3}]})),
        400,
    )
    .await;
}
