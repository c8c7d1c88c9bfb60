//! Write-only arguments (Terraform ≥ 1.11) and ephemeral resources (≥ 1.10), end to end:
//!
//! - `ff_deployment.given_secrets_wo` lands in Vault at `<kv_mount>/<key>/<name>`; the state
//!   keeps names and versions only; a changed value is not written until
//!   `given_secrets_wo_version` is bumped; a given secret deleted from Vault is written again;
//!   destroy deletes them;
//! - `ephemeral "ff_secret"` feeds one deployment's generated secret into another's given
//!   secrets, and `ephemeral "ff_cluster_token"` an EKS token (which the sandbox's Kubernetes
//!   API then accepts), neither ever in the state, a saved plan, `terraform show -json` or the
//!   TRACE logs;
//! - Terraform 1.0.3 refuses both: the write-only argument at validation with its path and the
//!   version it needs (nothing stored), the `ephemeral` block as unknown syntax.

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const SMTP_1: &str = "smtp-first-Zq8v1Wk3";
const SMTP_2: &str = "smtp-second-Rt5n9Xe2";

fn source() -> &'static str {
    r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

variable "smtp_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "secrets_version" {
  type = number
}

variable "eks_cluster" {
  type = string
}

resource "ff_deployment" "src" {
  key                 = "WO-Src"
  cloud               = "aws"
  generated_secrets   = ["db-password"]
  deletion_protection = false
}
"#
}

fn with_target(secrets: &str) -> String {
    format!(
        r#"{}
ephemeral "ff_secret" "db" {{
  deployment_key = ff_deployment.src.key
  name           = "db-password"
}}

ephemeral "ff_cluster_token" "eks" {{
  eks {{
    cluster_name = var.eks_cluster
    region       = "eu-west-1"
  }}
}}

resource "ff_deployment" "dst" {{
  key                      = "WO-Dst"
  cloud                    = "aws"
  deletion_protection      = false
  given_secrets_wo         = {{ {secrets} }}
  given_secrets_wo_version = var.secrets_version
}}
"#,
        source()
    )
}

const ALL_SECRETS: &str = r#"copied = ephemeral.ff_secret.db.value, smtp-password = var.smtp_password, kube-token = ephemeral.ff_cluster_token.eks.token"#;

fn vault_value(sandbox: &Sandbox, path: &str) -> Option<String> {
    let answer = sandbox.vault("GET", &format!("deployments/data/{path}"), None);
    answer.body["data"]["data"]["value"]
        .as_str()
        .map(str::to_string)
}

fn versions(dir: &Workdir) -> Value {
    dir.resource("ff_deployment.dst")["given_secret_versions"].clone()
}

fn write_only_and_ephemeral(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let eks = sandbox.endpoints["kubernetes"]["eks"].clone();
    let text = |field: &str| eks[field].as_str().unwrap_or_default().to_string();
    let mut env = sandbox.provider_env();
    env.push(("AWS_ACCESS_KEY_ID".into(), text("access_key_id")));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), text("secret_access_key")));
    env.push(("TF_VAR_eks_cluster".into(), text("cluster_name")));
    env.push(("TF_VAR_smtp_password".into(), SMTP_1.into()));
    env.push(("TF_VAR_secrets_version".into(), "1".into()));
    let mut dir = Workdir::new(tf, source(), env);
    dir.apply();

    // The target takes the source's generated secret, a variable and an EKS token.
    dir.write("main.tf", &with_target(ALL_SECRETS));
    let log = dir.file("trace.log").display().to_string();
    dir.run_with_env(
        &["plan", "-out=plan.bin", "-input=false", "-no-color"],
        &[("TF_LOG", "TRACE"), ("TF_LOG_PATH", &log)],
    )
    .ok();
    let shown_plan = dir.run(&["show", "-json", "plan.bin"]).ok().stdout;
    dir.run_with_env(
        &["apply", "-input=false", "-no-color", "plan.bin"],
        &[("TF_LOG", "TRACE"), ("TF_LOG_PATH", &log)],
    )
    .ok();
    let copied = vault_value(&sandbox, "WO-Dst/copied").expect("the copied secret is in Vault");
    assert_eq!(
        Some(copied.clone()),
        vault_value(&sandbox, "WO-Src/db-password"),
        "{ctx}: ff_secret read the source's generated secret"
    );
    assert_eq!(
        vault_value(&sandbox, "WO-Dst/smtp-password").as_deref(),
        Some(SMTP_1),
        "{ctx}"
    );
    let token = vault_value(&sandbox, "WO-Dst/kube-token").expect("the token is in Vault");
    assert!(token.starts_with("k8s-aws-v1."), "{ctx}: an EKS token");
    let (code, _, stderr) =
        sandbox.kubectl(&["--token", &token, "get", "namespaces", "-o", "name"]);
    assert_eq!(
        code, 0,
        "{ctx}: the sandbox's API accepts the ff_cluster_token: {stderr}"
    );
    assert_eq!(
        versions(&dir),
        serde_json::json!({"copied": 1, "kube-token": 1, "smtp-password": 1}),
        "{ctx}: the state keeps names and versions"
    );
    let shown_state = dir.run(&["show", "-json"]).ok().stdout;
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        trace.contains("OpenEphemeralResource") || trace.contains("open_ephemeral"),
        "{ctx}: the TRACE log covers the run"
    );
    for (what, text) in [
        ("the state", dir.state_file()),
        ("the saved plan (show -json)", shown_plan),
        ("the state (show -json)", shown_state),
        ("the TRACE log", trace),
    ] {
        for secret in [copied.as_str(), SMTP_1, token.as_str()] {
            assert!(
                !text.contains(secret),
                "{ctx}: a write-only or ephemeral value is in {what}"
            );
        }
    }
    dir.assert_plan_empty(&format!(
        "{ctx}: after apply (ephemeral values are read again)"
    ));

    // A new value alone writes nothing; a bumped version writes it.
    dir.set_env("TF_VAR_smtp_password", SMTP_2);
    dir.assert_plan_empty(&format!(
        "{ctx}: a changed write-only value without a new version"
    ));
    dir.set_env("TF_VAR_secrets_version", "2");
    dir.assert_plan_changes(&format!("{ctx}: the version is bumped"));
    dir.apply();
    assert_eq!(
        vault_value(&sandbox, "WO-Dst/smtp-password").as_deref(),
        Some(SMTP_2),
        "{ctx}"
    );
    assert_eq!(versions(&dir)["smtp-password"], 2, "{ctx}: written again");
    dir.assert_plan_empty(&format!("{ctx}: after the rewrite"));

    // Drift: a given secret deleted in Vault is written again from the configuration.
    let deleted = sandbox.vault("DELETE", "deployments/metadata/WO-Dst/smtp-password", None);
    assert_eq!(deleted.status, 204, "{ctx}: deleted by hand: {deleted:?}");
    dir.assert_plan_changes(&format!("{ctx}: a deleted given secret"));
    dir.apply();
    assert_eq!(
        vault_value(&sandbox, "WO-Dst/smtp-password").as_deref(),
        Some(SMTP_2),
        "{ctx}"
    );
    dir.assert_plan_empty(&format!("{ctx}: after the drift is corrected"));

    // A name no longer given is deleted.
    dir.write(
        "main.tf",
        &with_target("copied = ephemeral.ff_secret.db.value, kube-token = ephemeral.ff_cluster_token.eks.token"),
    );
    dir.apply();
    assert_eq!(
        vault_value(&sandbox, "WO-Dst/smtp-password"),
        None,
        "{ctx}: removed name deleted"
    );

    // A missing secret: a diagnostic at `name` naming the Vault path, never a value.
    dir.write(
        "main.tf",
        &with_target(ALL_SECRETS).replace(
            "name           = \"db-password\"",
            "name           = \"no-such\"",
        ),
    );
    dir.run(&["plan", "-input=false", "-no-color"])
        .failed()
        .contains(&["Secret not found", "deployments/WO-Src/no-such"]);

    dir.write("main.tf", &with_target(ALL_SECRETS));
    dir.destroy().ok();
    assert_eq!(
        vault_value(&sandbox, "WO-Dst/copied"),
        None,
        "{ctx}: destroyed"
    );
}

fn refused_before_write_only(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let config = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

resource "ff_deployment" "dst" {
  key                      = "WO-Old"
  cloud                    = "aws"
  deletion_protection      = false
  given_secrets_wo         = { smtp-password = "never-stored-Kf4q" }
  given_secrets_wo_version = 1
}
"#;
    let dir = Workdir::new(tf, config, sandbox.provider_env());
    dir.run(&["plan", "-input=false", "-no-color"])
        .failed()
        .contains(&[
            "Write-only argument needs Terraform 1.11 or later",
            "given_secrets_wo",
        ]);
    assert!(
        !dir.file("terraform.tfstate").exists(),
        "{ctx}: nothing stored"
    );
    assert!(
        sandbox.kv_secrets("deployments", "WO-Old/").is_empty(),
        "{ctx}: nothing written"
    );
    if !tf.at_least(1, 10) {
        dir.write(
            "main.tf",
            &format!("{config}\nephemeral \"ff_secret\" \"x\" {{\n  deployment_key = \"WO-Old\"\n  name = \"a\"\n}}\n"),
        );
        dir.run(&["validate", "-no-color"])
            .failed()
            .contains(&["ephemeral"]);
    }
}

#[test]
fn write_only_and_ephemeral_values_stay_out_of_state_plan_and_logs() {
    for tf in terraforms() {
        if tf.at_least(1, 11) {
            write_only_and_ephemeral(&tf);
        } else {
            refused_before_write_only(&tf);
        }
    }
}
