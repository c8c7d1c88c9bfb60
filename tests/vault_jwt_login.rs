//! The provider logs in to Vault with a JWT (`vault { auth_login_jwt { role = "tfc" } }`,
//! the JWT from `TFC_WORKLOAD_IDENTITY_TOKEN` as Terraform Cloud's dynamic credentials
//! provide it): an apply longer than the login token's 3-second TTL logs in again and
//! succeeds, a plan is then empty and destroy cleans up; a JWT signed by another key, a
//! malformed one or none at all fail with a diagnostic that says why, never quoting the
//! JWT.
//!
//! Vault is OpenBao's own JWT auth method and token store (behind the sandbox's Vault port,
//! which adds the latency): the refusals quote OpenBao's own messages.

use std::time::{Duration, Instant};

use ff_e2e::jwt::{RsaKey, set_up_vault, tfc_claims};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};

const CONFIG: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

provider "ff" {
  vault {
    auth_login_jwt {
      role = "tfc"
    }
  }
}

resource "ff_deployment" "this" {
  key                 = "WM-Jwt"
  cloud               = "azure"
  generated_secrets   = ["db-password", "session-secret"]
  deletion_protection = false
}
"#;

/// The sandbox's settings without a Vault token, plus the JWT.
fn env(sandbox: &Sandbox, jwt: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = sandbox
        .provider_env()
        .into_iter()
        .filter(|(name, _)| name != "VAULT_TOKEN")
        .collect();
    env.push(("TFC_WORKLOAD_IDENTITY_TOKEN".into(), jwt.to_string()));
    env
}

fn logins(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/v1/auth/jwt/login")
        .collect()
}

fn jwt_login(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let key = RsaKey::generate();
    set_up_vault(&sandbox, &key, "tfc", "3s");
    let jwt = key.sign(&tfc_claims("wm-jwt"));
    let mut dir = Workdir::new(tf, CONFIG, env(&sandbox, &jwt));

    // A long apply: 400 ms on every Vault and Grafana request.
    sandbox.add_latency("vault", 400);
    sandbox.add_latency("grafana", 400);
    sandbox.clear_requests();
    let started = Instant::now();
    let applied = dir.apply();
    let took = started.elapsed();
    assert!(
        took > Duration::from_secs(9),
        "{ctx}: the apply lasts several TTLs ({took:?})"
    );
    let during = logins(&sandbox);
    assert!(
        during.len() >= 3 && during.iter().all(|r| r["status"] == 200),
        "{ctx}: the provider logged in again as its 3 s tokens neared expiry ({took:?}): {during:?}"
    );
    // Logging in again happened before expiry, not after a refusal.
    let denied = sandbox
        .requests()
        .into_iter()
        .filter(|r| r["status"] == 403)
        .count();
    assert_eq!(denied, 0, "{ctx}: no request was refused");
    assert_eq!(
        sandbox
            .kv_secrets("deployments", "WM-Jwt/")
            .iter()
            .filter(|(_, data)| data.is_object())
            .count(),
        4,
        "{ctx}: the record, two secrets and the Grafana token are in Vault:\n{}",
        applied.output()
    );
    // The token's policy was enforced: the role's policy allowed exactly what was done.
    sandbox.clear_faults();
    dir.assert_plan_empty(&format!("{ctx}: after the JWT apply"));
    for (place, text) in [("state", dir.state_file()), ("output", applied.output())] {
        assert!(!text.contains(&jwt), "{ctx}: the JWT is in the {place}");
    }

    // A JWT signed by a key Vault does not trust.
    let stranger = RsaKey::generate();
    let forged = stranger.sign(&tfc_claims("wm-jwt"));
    dir.set_env("TFC_WORKLOAD_IDENTITY_TOKEN", &forged);
    let refused = dir.plan().failed().contains(&[
        "logging in with the JWT as role \"tfc\" was refused",
        "no known key successfully validated the token signature",
    ]);
    assert!(
        !refused.output().contains(&forged),
        "{ctx}: the JWT is not quoted"
    );

    // A JWT for another organization: the role's bound claims refuse it.
    let foreign = key.sign(&serde_json::json!({
        "iss": "https://app.terraform.io",
        "aud": ff_e2e::jwt::AUDIENCE,
        "sub": "organization:evil:project:p:workspace:w:run_phase:apply",
        "terraform_workspace_name": "w",
        "iat": ff_e2e::jwt::now(),
        "nbf": ff_e2e::jwt::now(),
        "exp": ff_e2e::jwt::now() + 600,
    }));
    dir.set_env("TFC_WORKLOAD_IDENTITY_TOKEN", &foreign);
    dir.plan()
        .failed()
        .contains(&["claim \"sub\" does not match any associated bound claim values"]);

    // Not a JWT at all, and no JWT: named at plan, with the attribute and the variable.
    dir.set_env("TFC_WORKLOAD_IDENTITY_TOKEN", "not-a-jwt");
    dir.plan().failed().contains(&[
        "Invalid JWT",
        "from the environment variable TFC_WORKLOAD_IDENTITY_TOKEN",
        "three dot-separated parts",
    ]);
    dir.set_env("TFC_WORKLOAD_IDENTITY_TOKEN", "");
    dir.plan().failed().contains(&[
        "Vault is not configured",
        "vault.auth_login_jwt.jwt (or the environment variable TFC_WORKLOAD_IDENTITY_TOKEN",
    ]);

    dir.set_env("TFC_WORKLOAD_IDENTITY_TOKEN", &jwt);
    dir.destroy().ok();
    assert!(
        sandbox.kv_secrets("deployments", "WM-Jwt/").is_empty(),
        "{ctx}: destroy removed the secrets"
    );
}

#[test]
fn the_provider_logs_in_with_a_jwt_and_again_before_expiry() {
    for tf in terraforms() {
        jwt_login(&tf);
    }
}
