//! A manifest whose SHA-256 is not the pinned one fails the apply with both digests shown,
//! and nothing is applied: no object in the cluster, no auth method in Vault.

#[path = "platform_bootstrap_common.rs"]
mod common;

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};

const WRONG: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn bad_digest(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    common::seed_vault(&sandbox, "WM-Prod");
    let (_, real) = sandbox.manifest("argocd");
    let dir = Workdir::new(
        tf,
        &common::config(&sandbox, "WM-Prod", Some(WRONG)),
        common::env(&sandbox),
    );
    sandbox.clear_requests();
    let run = dir.try_apply().failed();
    run.contains(&[
        "Error: ArgoCD manifest cannot be used",
        "but the configuration pins",
        WRONG,
        &real,
        "Nothing was applied",
    ]);
    let kube_writes: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| {
            r["service"] == "kubernetes" || (r["service"] == "vault" && r["method"] != "GET")
        })
        .collect();
    assert!(
        kube_writes.is_empty(),
        "{ctx}: something was applied: {kube_writes:?}"
    );
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: objects in the cluster"
    );
    let auth = sandbox.vault("GET", "sys/auth", None);
    assert!(
        auth.body["data"].get("kubernetes-wm-prod/").is_none(),
        "{ctx}: {auth:?}"
    );
    assert_eq!(
        dir.resource("ff_platform_bootstrap.this"),
        serde_json::Value::Null
    );
}

#[test]
fn wrong_sha256_fails_showing_both_digests_and_applies_nothing() {
    for tf in terraforms() {
        bad_digest(&tf);
    }
}
