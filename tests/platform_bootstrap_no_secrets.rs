//! No Git credential and no service-account token appears in the state, the plan or the logs
//! (TF_LOG=TRACE, provider and core), through apply, plan, refresh and destroy.

#[path = "platform_bootstrap_common.rs"]
mod common;

use base64::Engine;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};

fn no_secrets(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    common::seed_vault(&sandbox, "WM-Prod");
    let mut dir = Workdir::new(
        tf,
        &common::config(&sandbox, "WM-Prod", None),
        common::env(&sandbox),
    );
    let log_path = dir.file("trace.log");
    dir.set_env("TF_LOG", "TRACE");
    dir.set_env("TF_LOG_PATH", &log_path.display().to_string());
    let mut outputs = Vec::new();
    outputs.push(dir.apply().output());
    let plan = dir
        .run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .ok();
    outputs.push(plan.output());
    outputs.push(dir.run(&["show", "-json", "tfplan"]).ok().output());
    outputs.push(dir.run(&["show", "-no-color"]).ok().output());
    outputs.push(dir.state_file());
    let state_before_destroy = dir.state_file();
    let held = sandbox.kube_objects();
    let reviewer_b64 = held["/secrets/kube-system/ff-wm-prod-vault-reviewer"]["data"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reviewer = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(&reviewer_b64)
            .unwrap_or_default(),
    )
    .unwrap_or_default();
    assert!(!reviewer.is_empty(), "{ctx}: the reviewer token exists");
    outputs.push(dir.destroy().ok().output());
    outputs.push(std::fs::read_to_string(&log_path).unwrap_or_default());
    let password_b64 = base64::engine::general_purpose::STANDARD.encode(common::GIT_PASSWORD);
    let everything = outputs.join("\n");
    assert!(
        everything.contains("ff_platform_bootstrap"),
        "{ctx}: the outputs were captured"
    );
    assert!(
        everything.len() > 10_000,
        "{ctx}: the trace log was captured"
    );
    for (what, secret) in [
        ("Git password", common::GIT_PASSWORD.to_string()),
        ("Git password (base64)", password_b64),
        ("reviewer token", reviewer),
        ("reviewer token (base64)", reviewer_b64),
        ("cluster token", sandbox.kube_token()),
    ] {
        assert!(
            !everything.contains(&secret),
            "{ctx}: the {what} appears in the state, plan or logs"
        );
    }
    assert!(!state_before_destroy.is_empty());
}

#[test]
fn no_credential_in_state_plan_or_logs() {
    for tf in terraforms() {
        no_secrets(&tf);
    }
}
