//! The binary itself: refuses to run outside Terraform, reports its version, logs in the JSON
//! form Terraform re-levels (without secrets), and describes every attribute in its schema.

use std::process::Command;

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{bin_dir, terraforms};
use serde_json::Value;

#[test]
fn refuses_to_run_without_the_plugin_cookie() {
    let out = Command::new(bin_dir().join("terraform-provider-ff"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("This is a Terraform plugin") && stderr.contains("terraform init"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn prints_its_version() {
    let out = Command::new(bin_dir().join("terraform-provider-ff"))
        .arg("--version")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("terraform-provider-ff {}", env!("CARGO_PKG_VERSION"))
    );
}

const CONFIG: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

resource "ff_deployment" "this" {
  key                 = "WM-Logs"
  cloud               = "aws"
  generated_secrets   = ["db-password"]
  deletion_protection = false
}
"#;

#[test]
fn logs_are_relevelled_by_terraform_and_hold_no_secret() {
    let sandbox = Sandbox::start();
    for tf in terraforms() {
        let dir = Workdir::new(&tf, CONFIG, sandbox.provider_env());
        let log = dir.file("debug.log");
        let log_path = log.display().to_string();
        dir.run_with_env(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG_PROVIDER", "DEBUG"), ("TF_LOG_PATH", &log_path)],
        )
        .ok();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            text.contains("[DEBUG] provider.terraform-provider-ff: request done"),
            "terraform {}: the provider's JSON log lines are shown at their level:\n{}",
            tf.version,
            &text[..text.len().min(4000)]
        );
        assert!(
            text.contains("[INFO]  provider.terraform-provider-ff: generated a secret in Vault"),
            "terraform {}: info lines too",
            tf.version
        );
        let mut secrets = vec![sandbox.vault_token(), sandbox.grafana_auth()];
        for (_, data) in sandbox.kv_secrets("deployments", "WM-Logs/") {
            for field in ["value", "token"] {
                if let Some(v) = data[field].as_str() {
                    secrets.push(v.to_string());
                }
            }
        }
        assert!(
            secrets.len() >= 4,
            "the generated secret and the token were found: {}",
            secrets.len()
        );
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "terraform {}: a secret value is in the log",
                tf.version
            );
        }

        // At ERROR, none of the provider's debug lines are written.
        let quiet = dir.file("quiet.log");
        let quiet_path = quiet.display().to_string();
        dir.run_with_env(
            &["plan", "-input=false", "-no-color"],
            &[("TF_LOG_PROVIDER", "ERROR"), ("TF_LOG_PATH", &quiet_path)],
        )
        .ok();
        let quiet_text = std::fs::read_to_string(&quiet).unwrap_or_default();
        assert!(
            !quiet_text.contains("provider.terraform-provider-ff: request done"),
            "terraform {}: TF_LOG_PROVIDER=ERROR is respected",
            tf.version
        );
        dir.destroy().ok();
    }
}

#[test]
fn every_attribute_has_a_description() {
    let tf = terraforms().remove(0);
    let dir = Workdir::new(&tf, CONFIG, Vec::new());
    let run = dir.run(&["providers", "schema", "-json"]).ok();
    let schema: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let ff = &schema["provider_schemas"]["registry.terraform.io/ff/ff"];
    let mut missing = Vec::new();
    fn walk(block: &Value, path: &str, missing: &mut Vec<String>) {
        if let Some(attrs) = block["attributes"].as_object() {
            for (name, attr) in attrs {
                if attr["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    missing.push(format!("{path}.{name}"));
                }
            }
        }
        if let Some(blocks) = block["block_types"].as_object() {
            for (name, nested) in blocks {
                walk(&nested["block"], &format!("{path}.{name}"), missing);
            }
        }
    }
    walk(&ff["provider"]["block"], "provider", &mut missing);
    let resources = ff["resource_schemas"].as_object().expect("resources");
    assert!(
        resources.contains_key("ff_deployment"),
        "ff_deployment is served"
    );
    for (name, resource) in resources {
        assert!(
            resource["block"]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name} is described"
        );
        walk(&resource["block"], name, &mut missing);
    }
    assert!(
        missing.is_empty(),
        "attributes without a description: {missing:?}"
    );
}
