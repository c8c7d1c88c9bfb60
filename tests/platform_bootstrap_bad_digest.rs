//! A manifest whose SHA-256 is not the pinned one fails the apply with both digests shown,
//! and nothing is applied: no object in the cluster, no auth method in Vault. And an
//! `argocd` block without a manifest uses the release the provider pins.

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

/// `argocd {}` plans with the pinned ArgoCD release: its URL is what the plan downloads. This
/// machine reaches no host but the package registries, so the plan fails naming that URL
/// (and applies nothing); where GitHub is reachable, the plan succeeds and shows it.
fn default_argocd_release(tf: &TerraformBin) {
    const PINNED: &str =
        "https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml";
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    common::seed_vault(&sandbox, "WM-Prod");
    let (argocd_url, argocd_sha) = sandbox.manifest("argocd");
    let full = common::config(&sandbox, "WM-Prod", None);
    let pinned_block = format!(
        "argocd {{\n    manifest_url = \"{argocd_url}\"\n    sha256       = \"{argocd_sha}\"\n  }}"
    );
    assert!(
        full.contains(&pinned_block),
        "{ctx}: the shared config changed"
    );
    let dir = Workdir::new(
        tf,
        &full.replace(&pinned_block, "argocd {}"),
        common::env(&sandbox),
    );
    let run = dir.plan();
    if run.code == 1 {
        run.contains(&[
            "Error: ArgoCD manifest cannot be used",
            PINNED,
            "Nothing was applied",
        ]);
    } else {
        assert_eq!(run.code, 2, "{ctx}: {}", run.output());
        run.contains(&[PINNED]);
    }
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: a plan applied objects"
    );
}

#[test]
fn an_argocd_block_without_a_manifest_uses_the_pinned_release() {
    for tf in terraforms() {
        default_argocd_release(&tf);
    }
}
