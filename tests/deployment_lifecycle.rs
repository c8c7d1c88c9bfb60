//! ff_deployment lifecycle through a real terraform: apply → empty plan → import by key
//! equals the applied state → drift made in the sandbox is shown and corrected → in-place
//! update → replacement on a new key → destroy leaves nothing behind.

use ff_e2e::check::{assert_exactly_once, assert_same_attributes};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

fn config(key: &str, display_name: &str, team_label: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

provider "ff" {{}}

resource "ff_deployment" "this" {{
  key                 = "{key}"
  display_name        = "{display_name}"
  cloud               = "aws"
  region              = "eu-west-1"
  labels              = {{ team = "{team_label}" }}
  generated_secrets   = ["db-password", "session-key"]
  deletion_protection = false

  grafana_datasource {{
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }}
}}
"#
    )
}

const OUTPUTS: &str = r#"
output "names" {
  value = ff_deployment.this.names
}
"#;

/// Every secret value the sandbox holds for the deployment (Vault data, Grafana token keys).
fn secret_values(sandbox: &Sandbox, key: &str) -> Vec<String> {
    let mut values = Vec::new();
    for (path, data) in sandbox.kv_secrets("deployments", &format!("{key}/")) {
        if path.ends_with("/deployment") {
            continue; // the non-secret record
        }
        for field in ["value", "token"] {
            if let Some(v) = data[field].as_str() {
                values.push(v.to_string());
            }
        }
    }
    for account in sandbox.state()["grafana"]["service_accounts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        for token in account["tokens"].as_array().cloned().unwrap_or_default() {
            if let Some(k) = token["key"].as_str() {
                values.push(k.to_string());
            }
        }
    }
    values
}

fn assert_nothing_left(sandbox: &Sandbox, key: &str, slug: &str, context: &str) {
    let live: Vec<String> = sandbox
        .kv_secrets("deployments", &format!("{key}/"))
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert!(live.is_empty(), "{context}: Vault still holds {live:?}");
    let policies = sandbox.state()["vault"]["policies"].clone();
    assert!(
        policies.get(format!("ff-{slug}-read")).is_none(),
        "{context}: the policy remains: {policies}"
    );
    for kind in ["folders", "teams", "service_accounts", "datasources"] {
        let left: Vec<String> = sandbox
            .grafana_names(kind)
            .into_iter()
            .filter(|n| n.contains(slug))
            .collect();
        assert!(
            left.is_empty(),
            "{context}: Grafana still holds {kind} {left:?}"
        );
    }
}

fn lifecycle(tf: &TerraformBin) {
    let sandbox = Sandbox::start();
    let ctx = format!("terraform {}", tf.version);
    let dir = Workdir::new(
        tf,
        &config("WM-Prod", "WM Production", "platform"),
        sandbox.provider_env(),
    );
    dir.write("outputs.tf", OUTPUTS);

    // Apply, then the plan is empty.
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    let applied = dir.resource("ff_deployment.this");
    assert_eq!(applied["id"], "WM-Prod");
    assert_eq!(applied["vault_path"], "deployments/WM-Prod");
    assert_eq!(applied["names"]["cluster"], "ff-wm-prod");
    assert_eq!(applied["tags"]["ff:deployment-key"], "WM-Prod");
    assert_eq!(applied["tags"]["team"], "platform");

    // The sandbox holds exactly one of each object, and the secrets exist in Vault only.
    let secrets = sandbox.kv_secrets("deployments", "WM-Prod/");
    let paths: Vec<String> = secrets.iter().map(|(p, _)| p.clone()).collect();
    assert_exactly_once(
        &ctx,
        &paths,
        &[
            "WM-Prod/db-password",
            "WM-Prod/session-key",
            "WM-Prod/grafana",
            "WM-Prod/deployment",
        ],
    );
    for (path, data) in &secrets {
        if path.ends_with("password") || path.ends_with("key") {
            let value = data["value"].as_str().unwrap_or_default();
            assert_eq!(
                value.len(),
                40,
                "{ctx}: {path} holds a 40-character secret, got {data}"
            );
        }
    }
    assert_exactly_once(&ctx, &sandbox.grafana_names("folders"), &["ff-wm-prod"]);
    assert_exactly_once(&ctx, &sandbox.grafana_names("teams"), &["ff-wm-prod"]);
    assert_exactly_once(
        &ctx,
        &sandbox.grafana_names("service_accounts"),
        &["ff-wm-prod"],
    );
    let values = secret_values(&sandbox, "WM-Prod");
    assert_eq!(
        values.len(),
        4,
        "{ctx}: two generated secrets, the token in Vault and in Grafana: {values:?}"
    );
    let state_file = dir.state_file();
    for value in &values {
        assert!(
            !state_file.contains(value.as_str()),
            "{ctx}: a secret value is in terraform.tfstate"
        );
    }

    // Import by key into a fresh state equals the applied state, and plans empty.
    let imported_dir = Workdir::new(
        tf,
        &config("WM-Prod", "WM Production", "platform"),
        sandbox.provider_env(),
    );
    imported_dir.import("ff_deployment.this", "WM-Prod").ok();
    let imported = imported_dir.resource("ff_deployment.this");
    assert_same_attributes(&format!("{ctx}: import by key"), &applied, &imported);
    imported_dir.assert_plan_empty(&format!("{ctx}: after import"));

    // Drift made outside Terraform: a secret deleted, the policy changed, the folder
    // renamed, the team removed.
    let session_key_before = sandbox.kv_secrets("deployments", "WM-Prod/session-key")[0]
        .1
        .clone();
    assert_eq!(
        sandbox
            .vault("DELETE", "deployments/metadata/WM-Prod/db-password", None)
            .status,
        204
    );
    assert_eq!(
        sandbox
            .vault(
                "PUT",
                "sys/policies/acl/ff-wm-prod-read",
                Some(json!({"policy": "path \"*\" { capabilities = [\"read\"] }"}))
            )
            .status,
        204
    );
    let renamed = sandbox.grafana(
        "PUT",
        "/api/folders/ff-wm-prod",
        Some(json!({"title": "Renamed by hand", "overwrite": true})),
    );
    assert_eq!(renamed.status, 200, "{renamed:?}");
    let team_id = applied["grafana_team_id"].as_i64().unwrap_or_default();
    assert_eq!(
        sandbox
            .grafana("DELETE", &format!("/api/teams/{team_id}"), None)
            .status,
        200
    );
    let plan = dir.assert_plan_changes(&format!("{ctx}: after drift"));
    let plan = plan.contains(&[
        "generated_secrets",
        "vault_policy_hcl",
        "grafana_folder_title",
        "grafana_team_id",
    ]);
    assert!(
        plan.stdout.contains("update in-place"),
        "{ctx}: drift is corrected in place:\n{}",
        plan.stdout
    );
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after correcting drift"));
    let corrected = dir.resource("ff_deployment.this");
    assert_eq!(corrected["grafana_folder_title"], "WM Production");
    assert_ne!(corrected["grafana_team_id"], Value::Null);
    assert_eq!(corrected["vault_policy_hcl"], applied["vault_policy_hcl"]);
    assert_exactly_once(&ctx, &sandbox.grafana_names("teams"), &["ff-wm-prod"]);
    let db = sandbox.kv_secrets("deployments", "WM-Prod/db-password");
    assert_eq!(db.len(), 1, "{ctx}: the deleted secret is generated again");
    assert_eq!(db[0].1["value"].as_str().map(str::len), Some(40));
    assert_eq!(
        sandbox.kv_secrets("deployments", "WM-Prod/session-key")[0].1,
        session_key_before,
        "{ctx}: a secret that was not touched keeps its value"
    );

    // An object deleted outside Terraform, everything of it gone: the plan recreates it.
    // (Covered by the team above; the whole deployment vanishing is planned as a create.)

    // Other changes update in place.
    dir.write("main.tf", &config("WM-Prod", "WM Prod EU", "core"));
    let plan = dir.assert_plan_changes(&format!("{ctx}: display name and labels changed"));
    assert!(
        plan.stdout.contains("update in-place") && !plan.stdout.contains("must be replaced"),
        "{ctx}: in-place update expected:\n{}",
        plan.stdout
    );
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after the in-place update"));
    let updated = dir.resource("ff_deployment.this");
    assert_eq!(updated["grafana_folder_title"], "WM Prod EU");
    assert_eq!(updated["tags"]["team"], "core");
    assert_eq!(
        updated["grafana_folder_id"], applied["grafana_folder_id"],
        "{ctx}: the same folder"
    );

    // Changing the key replaces the deployment.
    dir.write("main.tf", &config("WM-Stage", "WM Stage", "core"));
    let plan = dir.assert_plan_changes(&format!("{ctx}: key changed"));
    assert!(
        plan.stdout.contains("must be replaced"),
        "{ctx}: a new key replaces:\n{}",
        plan.stdout
    );
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after replacement"));
    assert_nothing_left(
        &sandbox,
        "WM-Prod",
        "wm-prod",
        &format!("{ctx}: old key after replacement"),
    );
    assert_exactly_once(&ctx, &sandbox.grafana_names("folders"), &["ff-wm-stage"]);

    // Destroy leaves nothing of the deployment.
    dir.destroy().ok();
    assert_nothing_left(
        &sandbox,
        "WM-Stage",
        "wm-stage",
        &format!("{ctx}: after destroy"),
    );
    assert_eq!(dir.resource("ff_deployment.this"), Value::Null);
}

#[test]
fn deployment_lifecycle_with_every_terraform() {
    for tf in terraforms() {
        lifecycle(&tf);
    }
}
