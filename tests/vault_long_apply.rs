//! An apply that lasts longer than the Vault token's TTL succeeds: the provider renews its
//! token (`auth/token/renew-self`) before it expires, looks it up once per process, and a
//! token left alone really does expire (the next plan with it is refused).
//!
//! The plan is saved with the root token, then applied with a fresh 3-second token, as
//! Terraform Cloud runs plan and apply as two phases: the apply is one provider process
//! from its first request to its last, made slow by 400 ms of latency on every Vault and
//! Grafana request. Vault is OpenBao (its own token store: `auth/token/create` with a
//! `ttl`), behind the sandbox's Vault port, which adds the latency.

use std::time::{Duration, Instant};

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const TTL_SECONDS: u64 = 3;

const CONFIG: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

provider "ff" {}

resource "ff_deployment" "this" {
  key                 = "WM-Long"
  cloud               = "aws"
  generated_secrets   = ["db-password", "session-secret", "api-key"]
  deletion_protection = false
}
"#;

fn requests_to(sandbox: &Sandbox, path: &str) -> Vec<Value> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r["path"] == path)
        .collect()
}

fn long_apply(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let mut dir = Workdir::new(tf, CONFIG, sandbox.provider_env());
    dir.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .ok();

    let token = sandbox.vault_token_with_ttl(TTL_SECONDS);
    dir.set_env("VAULT_TOKEN", &token);
    let vault_latency = sandbox.add_latency("vault", 400);
    let grafana_latency = sandbox.add_latency("grafana", 400);
    sandbox.clear_requests();
    let started = Instant::now();
    let applied = dir.run(&["apply", "-input=false", "-no-color", "tfplan"]);
    let took = started.elapsed();
    let applied = applied.ok();
    assert!(
        took > Duration::from_secs(3 * TTL_SECONDS),
        "{ctx}: the apply must outlast the token's TTL several times to prove anything; it took {took:?}"
    );
    let renewals = requests_to(&sandbox, "/v1/auth/token/renew-self");
    assert!(
        renewals.len() >= 2 && renewals.iter().all(|r| r["status"] == 200),
        "{ctx}: the token was renewed during the {took:?} apply: {renewals:?}"
    );
    // No lookup storm: one lookup for the whole process.
    let lookups = requests_to(&sandbox, "/v1/auth/token/lookup-self");
    assert_eq!(lookups.len(), 1, "{ctx}: {lookups:?}");
    let denied: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r["status"] == 403)
        .collect();
    assert!(
        denied.is_empty(),
        "{ctx}: no request was refused: {denied:?}"
    );
    let secrets = sandbox.kv_secrets("deployments", "WM-Long/");
    for name in ["db-password", "session-secret", "api-key", "grafana"] {
        assert!(
            secrets
                .iter()
                .any(|(path, data)| path == &format!("WM-Long/{name}") && data.is_object()),
            "{ctx}: {name} was written in Vault after the TTL had passed: {secrets:?}\n{}",
            applied.output()
        );
    }
    sandbox.remove_fault(vault_latency);
    sandbox.remove_fault(grafana_latency);

    // Left alone, the token expires: a plan with it is refused with Vault's answer.
    std::thread::sleep(Duration::from_secs(TTL_SECONDS + 1));
    dir.plan().failed().contains(&["403", "permission denied"]);
    assert!(
        !dir.state_file().contains(&token),
        "{ctx}: the token is not in the state"
    );

    dir.set_env("VAULT_TOKEN", &sandbox.vault_token());
    dir.assert_plan_empty(&format!("{ctx}: after the long apply"));
    dir.destroy().ok();
    assert!(
        sandbox.kv_secrets("deployments", "WM-Long/").is_empty(),
        "{ctx}: destroy removed the secrets"
    );
}

#[test]
fn an_apply_longer_than_the_token_ttl_succeeds() {
    for tf in terraforms() {
        long_apply(&tf);
    }
}
