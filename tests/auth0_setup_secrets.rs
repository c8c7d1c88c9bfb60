//! No client secret reaches Terraform: every secret the sandbox's Auth0 issued (the
//! applications' secrets before and after a rotation, the management client's secret and
//! the Management API tokens) is looked for in the state files, in `terraform show -json`
//! of a saved plan, in terraform's output and in the TF_LOG=TRACE logs — and found in none.

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::{Run, Workdir};
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

fn config(rotation: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

resource "ff_auth0_tenant_setup" "this" {{
  deployment_key   = "WM-Prod"
  rotation_trigger = "{rotation}"

  application "portal" {{
    type      = "spa"
    callbacks = ["https://portal.wm-prod.example.com/callback"]
  }}
  application "backend" {{
    type      = "regular_web"
    callbacks = ["https://app.wm-prod.example.com/callback"]
  }}
  application "worker" {{
    type = "non_interactive"
  }}

  api {{
    identifier = "https://api.wm-prod.example.com"
    scopes     = {{ "read:orders" = "Read orders" }}
  }}
  grants = {{ worker = ["read:orders"] }}
}}
"#
    )
}

/// Every secret the sandbox's Auth0 tenant holds now.
fn issued_secrets(sandbox: &Sandbox) -> Vec<String> {
    let auth0 = sandbox.auth0_state();
    let mut secrets: Vec<String> = auth0["clients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["client_secret"].as_str().map(str::to_string))
        .collect();
    secrets.extend(
        auth0["tokens"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["access_token"].as_str().map(str::to_string)),
    );
    if let Some(management) = auth0["management"]["client_secret"].as_str() {
        secrets.push(management.to_string());
    }
    secrets
}

fn traced(dir: &Workdir, args: &[&str], log: &str) -> Run {
    let path = dir.file(log);
    let path = path.to_string_lossy().to_string();
    dir.run_with_env(args, &[("TF_LOG", "TRACE"), ("TF_LOG_PATH", path.as_str())])
        .ok()
}

fn secrets_stay_out(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    // This test is about what reaches Terraform, not about throttling.
    sandbox.set_auth0_rate_limit(0.0, 0);
    let dir = Workdir::new(tf, &config("first"), sandbox.provider_env());
    let mut outputs = Vec::new();
    outputs.push(
        traced(
            &dir,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            "apply-1.log",
        )
        .output(),
    );
    let mut secrets = issued_secrets(&sandbox);
    let client_secrets = sandbox
        .auth0_clients_of("WM-Prod")
        .iter()
        .filter(|c| c["client_secret"].is_string())
        .count();
    assert_eq!(client_secrets, 3, "{ctx}: three applications with secrets");

    // A saved plan that rotates every secret, then its apply.
    dir.write("main.tf", &config("second"));
    outputs.push(
        traced(
            &dir,
            &["plan", "-input=false", "-no-color", "-out=rotate.tfplan"],
            "plan.log",
        )
        .output(),
    );
    let plan_json = dir.run(&["show", "-json", "rotate.tfplan"]).ok().stdout;
    assert!(
        serde_json::from_str::<Value>(&plan_json).is_ok_and(|p| p["resource_changes"].is_array()),
        "{ctx}: the saved plan shows as JSON"
    );
    outputs.push(
        traced(
            &dir,
            &["apply", "-input=false", "-no-color", "rotate.tfplan"],
            "apply-2.log",
        )
        .output(),
    );
    secrets.extend(issued_secrets(&sandbox));
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() >= 3 + 3 + 1 + 2,
        "{ctx}: the old and new client secrets, the management secret and tokens: {}",
        secrets.len()
    );

    // The logs are real provider logs at TRACE, or the search below would prove nothing.
    let logs: Vec<(String, String)> = ["apply-1.log", "plan.log", "apply-2.log"]
        .iter()
        .map(|name| (name.to_string(), dir.read(name)))
        .collect();
    assert!(
        logs[0].1.contains("obtained an Auth0 Management API token")
            && logs[2].1.contains("rotated the client secret"),
        "{ctx}: the provider's own logs reach TF_LOG_PATH"
    );
    let mut places = logs;
    places.push(("terraform.tfstate".into(), dir.state_file()));
    places.push((
        "terraform.tfstate.backup".into(),
        dir.read("terraform.tfstate.backup"),
    ));
    places.push(("show -json rotate.tfplan".into(), plan_json));
    places.push(("show -json".into(), dir.run(&["show", "-json"]).ok().stdout));
    places.push(("terraform output".into(), outputs.join("\n")));
    for (place, text) in &places {
        assert!(!text.is_empty(), "{ctx}: {place} is empty");
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{ctx}: a secret issued by Auth0 ({}…) appears in {place}",
                &secret[..4]
            );
        }
    }
    // Where the secrets do live: Vault.
    let in_vault: Vec<String> = sandbox
        .kv_secrets("deployments", "WM-Prod/auth0/")
        .into_iter()
        .filter_map(|(_, data)| data["client_secret"].as_str().map(str::to_string))
        .collect();
    assert_eq!(in_vault.len(), 3, "{ctx}: {in_vault:?}");
    dir.destroy().ok();
}

#[test]
fn no_client_secret_in_state_plan_or_logs() {
    for tf in terraforms() {
        secrets_stay_out(&tf);
    }
}
