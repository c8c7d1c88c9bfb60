//! The mount table: dev-mode defaults, enabling (paths with slashes, conflicts), reading,
//! disabling, and KV data following its mount; namespaces keep separate tables.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn default_mounts_look_like_dev_mode() {
    let h = Harness::start().await;
    let body = expect(h.vault("GET", "/v1/sys/mounts"), 200).await;
    let data = body["data"].as_object().expect("data map");
    let paths: Vec<&String> = data.keys().collect();
    assert_eq!(paths, vec!["cubbyhole/", "identity/", "secret/", "sys/"]);
    assert_eq!(data["secret/"]["type"], json!("kv"));
    assert_eq!(data["secret/"]["options"], json!({"version": "2"}));
    assert_eq!(
        body["secret/"], data["secret/"],
        "the table is repeated at the top level like Vault's legacy answer"
    );
}

#[tokio::test]
async fn enable_read_and_disable_a_nested_mount() {
    let h = Harness::start().await;
    expect(
        h.vault("POST", "/v1/sys/mounts/deployments/wm-prod")
            .json(&json!({"type": "kv", "options": {"version": "2"}, "description": "d"})),
        204,
    )
    .await;
    let read = expect(h.vault("GET", "/v1/sys/mounts/deployments/wm-prod"), 200).await;
    assert_eq!(read["data"]["type"], json!("kv"));
    assert_eq!(read["data"]["description"], json!("d"));

    let conflict = expect(
        h.vault("POST", "/v1/sys/mounts/deployments/wm-prod")
            .json(&json!({"type": "kv", "options": {"version": "2"}})),
        400,
    )
    .await;
    assert_eq!(
        conflict,
        json!({"errors": ["path is already in use at deployments/wm-prod/"]})
    );
    let nested = expect(
        h.vault("POST", "/v1/sys/mounts/secret/inner")
            .json(&json!({"type": "kv-v2"})),
        400,
    )
    .await;
    assert_eq!(
        nested,
        json!({"errors": ["path is already in use at secret/"]})
    );

    expect(
        h.vault("POST", "/v1/deployments/wm-prod/data/app")
            .json(&json!({"data": {"k": "v"}})),
        200,
    )
    .await;
    expect(h.vault("GET", "/v1/deployments/wm-prod/data/app"), 200).await;

    expect(h.vault("DELETE", "/v1/sys/mounts/deployments/wm-prod"), 204).await;
    // Unmounting removes the data; the path is no longer routed.
    let gone = expect(h.vault("GET", "/v1/deployments/wm-prod/data/app"), 404).await;
    assert_eq!(
        gone,
        json!({"errors": ["no handler for route \"deployments/wm-prod/data/app\". route entry not found."]})
    );
    let missing = expect(h.vault("GET", "/v1/sys/mounts/deployments/wm-prod"), 400).await;
    assert_eq!(
        missing,
        json!({"errors": ["No secret engine mount at deployments/wm-prod/"]})
    );
    // Unmounting something that is not mounted succeeds, as in Vault.
    expect(h.vault("DELETE", "/v1/sys/mounts/never-mounted"), 204).await;
    expect(h.vault("DELETE", "/v1/sys/mounts/sys"), 400).await;
}

#[tokio::test]
async fn enabling_needs_a_known_type() {
    let h = Harness::start().await;
    let body = expect(h.vault("POST", "/v1/sys/mounts/x").json(&json!({})), 400).await;
    assert_eq!(
        body,
        json!({"errors": ["backend type must be specified as a string"]})
    );
    let body = expect(
        h.vault("POST", "/v1/sys/mounts/x")
            .json(&json!({"type": "nope"})),
        400,
    )
    .await;
    assert_eq!(
        body,
        json!({"errors": ["plugin not found in the catalog: nope"]})
    );
    // kv without a version is KV v1, which is mounted but not emulated behind the mount.
    expect(
        h.vault("POST", "/v1/sys/mounts/v1kv")
            .json(&json!({"type": "kv"})),
        204,
    )
    .await;
    expect(h.vault("GET", "/v1/v1kv/anything"), 404).await;
}

#[tokio::test]
async fn namespaces_have_their_own_mounts_and_policies() {
    let h = Harness::start().await;
    expect(
        h.vault("POST", "/v1/sys/mounts/kv")
            .header("X-Vault-Namespace", "team-a")
            .json(&json!({"type": "kv", "options": {"version": "2"}})),
        204,
    )
    .await;
    expect(
        h.vault("POST", "/v1/kv/data/s")
            .header("X-Vault-Namespace", "team-a/")
            .json(&json!({"data": {"k": "in-namespace"}})),
        200,
    )
    .await;
    // Not visible from the root namespace.
    expect(h.vault("GET", "/v1/kv/data/s"), 404).await;
    let ns_mounts = expect(
        h.vault("GET", "/v1/sys/mounts")
            .header("X-Vault-Namespace", "team-a"),
        200,
    )
    .await;
    assert_eq!(
        ns_mounts["data"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["kv/"]
    );
    let root_mounts = expect(h.vault("GET", "/v1/sys/mounts"), 200).await;
    assert!(root_mounts["data"].get("kv/").is_none(), "{root_mounts}");
    let state = h.state().await;
    assert_eq!(
        state["vault"]["kv"]["team-a/kv/"]["s"]["versions"]["1"]["data"],
        json!({"k": "in-namespace"})
    );
}
