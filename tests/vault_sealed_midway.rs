//! Vault is sealed in the middle of an apply: the apply fails with a diagnostic naming the
//! step and saying that Vault is sealed, the state records the deployment with what was
//! made, and once Vault is unsealed the next apply finishes the job with nothing made twice.
//!
//! The Vault is a real OpenBao dev server behind the sandbox's Vault port. A clean apply
//! and destroy first show what the deployment makes. Then the create's write of the Grafana
//! token to Vault — after the Vault record, policy and secrets and the Grafana objects
//! exist — is held by a 3-second latency fault in the sandbox; while it waits, OpenBao is
//! sealed (`sys/seal`), so that request and every later one are answered 503 `Vault is
//! sealed`. The provider converges again, within its bounds, and gives up. OpenBao is then
//! unsealed with the unseal key its dev server printed (`sys/unseal`).
//!
//! The deployment keeps `deletion_protection`'s default (true), so the apply after the
//! failed create — a replacement of the tainted deployment — keeps what exists and adopts
//! it: the secrets generated before the seal are the ones Vault holds at the end. (Without
//! protection, that replacement deletes them first and generates new ones; nothing is
//! duplicated either way.)

use std::time::{Duration, Instant};

use ff_e2e::faults::{difference, duplicates, inventory};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const KEY: &str = "WM-Seal";
const HELD: &str = "/v1/deployments/data/WM-Seal/grafana";

fn config(protection: bool) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

provider "ff" {{}}

resource "ff_deployment" "this" {{
  key                 = "WM-Seal"
  cloud               = "aws"
  region              = "eu-west-1"
  generated_secrets   = ["db-password", "api-key"]
  deletion_protection = {protection}

  grafana_datasource {{
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }}
}}
"#
    )
}

/// Lift the protection (an apply) and destroy.
fn unprotect_and_destroy(dir: &Workdir) {
    dir.write("main.tf", &config(false));
    dir.apply();
    dir.destroy().ok();
    dir.write("main.tf", &config(true));
}

fn sealed_midway(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    // The shared KV mount belongs to the baseline, not to what the deployment makes.
    let mount = sandbox.vault(
        "POST",
        "sys/mounts/deployments",
        Some(json!({"type": "kv", "options": {"version": "2"}})),
    );
    assert_eq!(mount.status, 204, "{ctx}: KV mount: {mount:?}");
    let baseline = inventory(&sandbox.state());
    let dir = Workdir::new(tf, &config(true), sandbox.provider_env());

    // What a clean apply makes.
    dir.apply();
    let expected = difference(&baseline, &inventory(&sandbox.state()));
    assert!(!expected.0.is_empty(), "{ctx}: a clean apply made nothing");
    unprotect_and_destroy(&dir);
    assert_eq!(
        difference(&baseline, &inventory(&sandbox.state())),
        (vec![], vec![]),
        "{ctx}: a clean destroy leaves nothing"
    );

    // The apply, sealed while it waits on the Grafana token's write to Vault.
    sandbox.clear_requests();
    sandbox.add_fault(json!({
        "service": "vault", "method": "POST", "path": format!("^{HELD}$"),
        "kind": "latency", "latency_ms": 3000, "times": 1,
    }));
    let started = Instant::now();
    let apply = dir.spawn(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let held = loop {
        let held = sandbox
            .requests()
            .into_iter()
            .any(|r| r["path"] == HELD && r["status"].is_null());
        if held || started.elapsed() > Duration::from_secs(60) {
            break held;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        held,
        "{ctx}: the apply reached the Grafana token's write to Vault"
    );
    sandbox.bao().seal();
    let failed = apply.wait();
    let took = started.elapsed();
    assert_ne!(
        failed.code, 0,
        "{ctx}: the apply fails while Vault is sealed"
    );
    let output = failed.output();
    // Terraform wraps diagnostics: compare with whitespace collapsed.
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("Error: Deployment {KEY}: ")) && flat.contains("Vault is sealed"),
        "{ctx}: the diagnostic names the step and says that Vault is sealed:\n{output}"
    );
    assert!(
        flat.contains("times in a row; the provider converged")
            && flat.contains("Everything made before this step is recorded in the state"),
        "{ctx}: it says why it stopped converging and what the state holds:\n{output}"
    );
    assert!(
        took < Duration::from_secs(120),
        "{ctx}: the apply gave up within its bounds, not after {took:?}"
    );
    let sealed_answers = sandbox
        .requests()
        .into_iter()
        .filter(|r| r["service"] == "vault" && r["status"] == 503)
        .count();
    assert!(
        sealed_answers >= 1,
        "{ctx}: OpenBao answered 503 while sealed"
    );

    // The state records the deployment and what was made.
    let recorded = dir.resource("ff_deployment.this");
    assert_ne!(
        recorded,
        Value::Null,
        "{ctx}: the deployment is in the state:\n{output}"
    );
    assert!(
        recorded["grafana_folder_id"].is_string() || recorded["grafana_folder_id"].is_number(),
        "{ctx}: the Grafana folder made before the seal is recorded: {recorded}"
    );

    sandbox.bao().unseal();
    let partial = inventory(&sandbox.state());
    assert!(
        duplicates(&partial).is_empty(),
        "{ctx}: nothing twice after the sealed apply"
    );
    let secrets_before = sandbox.kv_secrets("deployments", &format!("{KEY}/"));

    // Unsealed: the next apply finishes, making nothing twice.
    dir.apply();
    let now = inventory(&sandbox.state());
    assert!(
        duplicates(&now).is_empty(),
        "{ctx}: duplicates: {:#?}",
        duplicates(&now)
    );
    assert_eq!(
        difference(&baseline, &now),
        expected,
        "{ctx}: after unsealing, the apply holds exactly what a clean apply makes \
         (first: added, second: removed)"
    );
    let secrets_after = sandbox.kv_secrets("deployments", &format!("{KEY}/"));
    for (path, before) in &secrets_before {
        if path.ends_with("db-password") || path.ends_with("api-key") {
            let after = secrets_after
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, d)| d);
            assert_eq!(
                Some(before),
                after,
                "{ctx}: {path}, generated before the seal, was kept, not generated again"
            );
        }
    }
    dir.assert_plan_empty(&format!("{ctx}: after the apply that followed the unseal"));
    unprotect_and_destroy(&dir);
    assert_eq!(
        difference(&baseline, &inventory(&sandbox.state())),
        (vec![], vec![]),
        "{ctx}: destroy leaves nothing"
    );
}

#[test]
fn vault_sealed_midway_fails_clearly_and_the_next_apply_converges() {
    for tf in terraforms() {
        sealed_midway(&tf);
    }
}
