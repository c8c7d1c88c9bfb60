//! Every request the provider sends to a backend names it: `User-Agent:
//! terraform-provider-ff/VERSION`, VERSION being what `terraform-provider-ff --version`
//! reports (the workspace version in Cargo.toml). Checked on the sandbox's request log over
//! a full apply → plan → import → destroy, which touches every Vault and Grafana call the
//! provider makes.

use std::process::Command;

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{bin_dir, terraforms};

const CONFIG: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

resource "ff_deployment" "this" {
  key                 = "WM-Agent"
  cloud               = "azure"
  generated_secrets   = ["db-password"]
  deletion_protection = false

  grafana_datasource {
    type = "loki"
    url  = "http://loki.monitoring.svc:3100"
  }
}
"#;

fn reported_version() -> String {
    let out = Command::new(bin_dir().join("terraform-provider-ff"))
        .arg("--version")
        .output()
        .expect("the provider runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("terraform-provider-ff ")
        .unwrap_or_else(|| panic!("--version printed {text:?}"))
        .to_string()
}

#[test]
fn every_backend_request_carries_the_user_agent() {
    let expected = format!("terraform-provider-ff/{}", reported_version());
    assert_eq!(
        expected,
        format!("terraform-provider-ff/{}", env!("CARGO_PKG_VERSION")),
        "the binary reports the workspace version"
    );
    for tf in terraforms() {
        let sandbox = Sandbox::start();
        let dir = Workdir::new(&tf, CONFIG, sandbox.provider_env());
        dir.apply();
        dir.assert_plan_empty("after apply");
        dir.run(&["state", "rm", "ff_deployment.this"]).ok();
        dir.import("ff_deployment.this", "WM-Agent").ok();
        dir.destroy().ok();

        let log = sandbox.requests();
        let mut services = std::collections::BTreeSet::new();
        let mut wrong = Vec::new();
        for entry in &log {
            services.insert(entry["service"].as_str().unwrap_or_default().to_string());
            if entry["user_agent"].as_str() != Some(expected.as_str()) {
                wrong.push(format!(
                    "{} {} {} (User-Agent {})",
                    entry["service"], entry["method"], entry["path"], entry["user_agent"]
                ));
            }
        }
        assert!(
            log.len() > 20,
            "terraform {}: the run reached the sandbox ({} requests)",
            tf.version,
            log.len()
        );
        assert!(
            services.contains("vault") && services.contains("grafana"),
            "terraform {}: both backends were called: {services:?}",
            tf.version
        );
        assert!(
            wrong.is_empty(),
            "terraform {}: requests without `User-Agent: {expected}`:\n{}",
            tf.version,
            wrong.join("\n")
        );
    }
}
