//! ACL policies: write/read/list/delete, lower-cased names, the legacy endpoint, and the
//! built-in policies that cannot be changed.

mod common;

use common::{Harness, expect};
use serde_json::json;

const HCL: &str = "path \"secret/data/app/*\" {\n  capabilities = [\"read\"]\n}\n";

#[tokio::test]
async fn policy_lifecycle_with_lowercased_names() {
    let h = Harness::start().await;
    expect(
        h.vault("PUT", "/v1/sys/policies/acl/App-Reader")
            .json(&json!({"policy": HCL})),
        204,
    )
    .await;
    let read = expect(h.vault("GET", "/v1/sys/policies/acl/app-reader"), 200).await;
    assert_eq!(read["data"], json!({"name": "app-reader", "policy": HCL}));
    let list = expect(h.vault("LIST", "/v1/sys/policies/acl"), 200).await;
    assert_eq!(
        list["data"]["keys"],
        json!(["app-reader", "default", "root"])
    );
    let list_get = expect(h.vault("GET", "/v1/sys/policies/acl?list=true"), 200).await;
    assert_eq!(list_get["data"], list["data"]);

    let legacy = expect(h.vault("GET", "/v1/sys/policy/APP-READER"), 200).await;
    assert_eq!(legacy["data"], json!({"name": "app-reader", "rules": HCL}));
    assert_eq!(
        legacy["rules"],
        json!(HCL),
        "legacy answers at the top level too"
    );
    let legacy_list = expect(h.vault("GET", "/v1/sys/policy"), 200).await;
    assert_eq!(
        legacy_list["policies"],
        json!(["app-reader", "default", "root"])
    );

    expect(h.vault("DELETE", "/v1/sys/policies/acl/app-reader"), 204).await;
    let gone = expect(h.vault("GET", "/v1/sys/policies/acl/app-reader"), 404).await;
    assert_eq!(gone, json!({"errors": []}));
    // Deleting a missing policy is not an error.
    expect(h.vault("DELETE", "/v1/sys/policies/acl/app-reader"), 204).await;
}

#[tokio::test]
async fn built_in_policies_are_protected_and_bad_input_refused() {
    let h = Harness::start().await;
    let root = expect(
        h.vault("PUT", "/v1/sys/policies/acl/root")
            .json(&json!({"policy": HCL})),
        400,
    )
    .await;
    assert_eq!(root, json!({"errors": ["cannot update \"root\" policy"]}));
    let default = expect(h.vault("DELETE", "/v1/sys/policies/acl/default"), 400).await;
    assert_eq!(
        default,
        json!({"errors": ["cannot delete \"default\" policy"]})
    );
    let empty = expect(
        h.vault("PUT", "/v1/sys/policies/acl/x").json(&json!({})),
        400,
    )
    .await;
    assert_eq!(
        empty,
        json!({"errors": ["'policy' parameter not supplied or empty"]})
    );
    let broken = expect(
        h.vault("PUT", "/v1/sys/policies/acl/x")
            .json(&json!({"policy": "path \"a\" {"})),
        400,
    )
    .await;
    assert!(
        broken["errors"][0]
            .as_str()
            .is_some_and(|m| m.starts_with("failed to parse policy")),
        "{broken}"
    );
    // The legacy endpoint accepts `rules`.
    expect(
        h.vault("PUT", "/v1/sys/policy/legacy")
            .json(&json!({"rules": HCL})),
        204,
    )
    .await;
    let read = expect(h.vault("GET", "/v1/sys/policies/acl/legacy"), 200).await;
    assert_eq!(read["data"]["policy"], json!(HCL));
}
