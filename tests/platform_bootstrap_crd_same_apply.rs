//! A CRD and an object of its kind in the same apply: ArgoCD's `Application` CRD comes from
//! the release manifest, the app-of-apps `Application` from the bootstrap. The CRD is applied
//! and Established before the object is applied, in one `terraform apply`, even though the
//! sandbox takes a while to establish CRDs.

#[path = "platform_bootstrap_common.rs"]
mod common;

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};

fn crd_and_object(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start_with(&["--k8s-ready-delay-ms", "1500"]);
    common::seed_vault(&sandbox, "WM-Prod");
    let dir = Workdir::new(
        tf,
        &common::config(&sandbox, "WM-Prod", None),
        common::env(&sandbox),
    );
    sandbox.clear_requests();
    dir.apply();
    let held = sandbox.kube_objects();
    assert!(
        held.contains_key(
            "apiextensions.k8s.io/customresourcedefinitions//applications.argoproj.io"
        ),
        "{ctx}: the CRD"
    );
    assert!(
        held.contains_key("argoproj.io/applications/argocd/ff-wm-prod"),
        "{ctx}: the Application"
    );
    assert!(
        held.contains_key("argoproj.io/appprojects/argocd/default"),
        "{ctx}: the manifest's own AppProject"
    );
    let log = sandbox.requests();
    let position = |needle: &str| {
        log.iter()
            .position(|r| {
                r["method"] == "PATCH" && r["path"].as_str().is_some_and(|p| p.ends_with(needle))
            })
            .unwrap_or_else(|| panic!("{ctx}: no PATCH of {needle} in {log:?}"))
    };
    let crd = position("/customresourcedefinitions/applications.argoproj.io");
    let app = position("/applications/ff-wm-prod");
    assert!(
        crd < app,
        "{ctx}: the CRD was applied before the object of its kind"
    );
    assert!(
        log.iter().all(|r| !(r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/applications/ff-wm-prod"))
            && r["status"] == 404)),
        "{ctx}: the object was never sent before its kind existed"
    );
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    dir.destroy().ok();
    assert!(sandbox.kube_objects_of("WM-Prod").is_empty());
}

#[test]
fn crd_and_object_of_its_kind_in_one_apply() {
    for tf in terraforms() {
        crd_and_object(&tf);
    }
}
