//! Bad input gets a clear diagnostic at plan, with the attribute or setting named, and
//! nothing is half-recorded; deletion protection refuses destroy.

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const HEADER: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
"#;

fn deployment(key: &str, protection: Option<bool>) -> String {
    let protection = protection
        .map(|p| format!("deletion_protection = {p}"))
        .unwrap_or_default();
    format!(
        "{HEADER}\nprovider \"ff\" {{}}\n\nresource \"ff_deployment\" \"this\" {{\n  key   = \"{key}\"\n  cloud = \"aws\"\n  {protection}\n}}\n"
    )
}

fn no_resources(dir: &Workdir) -> bool {
    let state = dir.state_file();
    if state.is_empty() {
        return true;
    }
    let parsed: Value = serde_json::from_str(&state).unwrap_or(Value::Null);
    parsed["resources"].as_array().is_none_or(|r| r.is_empty())
}

fn invalid_key_fails_at_plan(tf: &TerraformBin, sandbox: &Sandbox) {
    let dir = Workdir::new(
        tf,
        &deployment("WM--Prod", Some(false)),
        sandbox.provider_env(),
    );
    dir.plan().failed().contains(&[
        "Invalid deployment key",
        "with ff_deployment.this",
        "key   = \"WM--Prod\"",
        "two hyphens in a row",
    ]);
    for bad in ["1WM", "W", "WM_Prod", "WM-Prod-"] {
        dir.write("main.tf", &deployment(bad, None));
        dir.plan()
            .failed()
            .contains(&["Invalid deployment key", &format!("key   = \"{bad}\"")]);
    }
    dir.write(
        "main.tf",
        &format!("{HEADER}\nresource \"ff_deployment\" \"this\" {{\n  key   = \"WM-Prod\"\n  cloud = \"gcp\"\n  labels = {{ \"Not Valid\" = \"x\" }}\n  generated_secrets = [\"grafana\"]\n}}\n"),
    );
    dir.plan().failed().contains(&[
        "Invalid cloud",
        "cloud = \"gcp\"",
        "Invalid label",
        "Invalid secret name",
        "reserved",
    ]);
    assert!(
        no_resources(&dir),
        "nothing is recorded after a failed plan"
    );
}

fn bad_provider_settings_are_named(tf: &TerraformBin, sandbox: &Sandbox) {
    let config = format!(
        "{HEADER}\nprovider \"ff\" {{\n  vault {{\n    address = \"vault.example.com\"\n    token   = \"\"\n  }}\n}}\n\nresource \"ff_deployment\" \"this\" {{\n  key   = \"WM-Prod\"\n  cloud = \"aws\"\n}}\n"
    );
    let dir = Workdir::new(tf, &config, sandbox.provider_env());
    dir.plan().failed().contains(&[
        "Invalid Vault address",
        "address = \"vault.example.com\"",
        "Empty Vault token",
    ]);

    // A backend that is not configured fails at plan, naming the setting.
    let env: Vec<(String, String)> = sandbox
        .provider_env()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("GRAFANA"))
        .collect();
    let dir = Workdir::new(tf, &deployment("WM-Prod", Some(false)), env);
    dir.plan().failed().contains(&[
        "Grafana is not configured",
        "grafana.url (or the environment variable GRAFANA_URL)",
        "grafana.auth (or the environment variable GRAFANA_AUTH)",
    ]);
}

fn unreachable_vault_is_named(tf: &TerraformBin, sandbox: &Sandbox) {
    let mut env = sandbox.provider_env();
    env.retain(|(k, _)| k != "VAULT_ADDR");
    env.push(("VAULT_ADDR".into(), "http://127.0.0.1:1".into()));
    let dir = Workdir::new(tf, &deployment("WM-Prod", Some(false)), env);
    dir.try_apply()
        .failed()
        .contains(&["Vault cannot be reached", "http://127.0.0.1:1"]);
    assert!(
        no_resources(&dir),
        "terraform {}: nothing is recorded when Vault is unreachable:\n{}",
        tf.version,
        dir.state_file()
    );
}

fn deletion_protection_refuses_destroy(tf: &TerraformBin, sandbox: &Sandbox) {
    let dir = Workdir::new(tf, &deployment("WM-Guarded", None), sandbox.provider_env());
    dir.apply();
    assert_eq!(
        dir.resource("ff_deployment.this")["deletion_protection"],
        true,
        "protection is on by default"
    );
    dir.destroy().failed().contains(&[
        "Deployment WM-Guarded is protected from deletion",
        "deletion_protection = false",
    ]);
    assert_ne!(
        dir.resource("ff_deployment.this"),
        Value::Null,
        "terraform {}: the state still holds the deployment",
        tf.version
    );
    assert!(
        sandbox
            .grafana_names("folders")
            .contains(&"ff-wm-guarded".to_string()),
        "the folder is still there"
    );
    dir.assert_plan_empty("after the refused destroy");
    // Turning protection off is an in-place update; then destroy works.
    dir.write("main.tf", &deployment("WM-Guarded", Some(false)));
    dir.apply();
    dir.destroy().ok();
    assert!(
        !sandbox
            .grafana_names("folders")
            .contains(&"ff-wm-guarded".to_string()),
        "the folder is gone"
    );
}

#[test]
fn bad_input_is_reported_with_every_terraform() {
    for tf in terraforms() {
        let sandbox = Sandbox::start();
        invalid_key_fails_at_plan(&tf, &sandbox);
        bad_provider_settings_are_named(&tf, &sandbox);
        unreachable_vault_is_named(&tf, &sandbox);
        deletion_protection_refuses_destroy(&tf, &sandbox);
    }
}
