//! `examples/import` for real against the sandbox: a deployment made by another
//! configuration (whose state is then thrown away) is adopted by its key with
//! `terraform import` → the plan is empty and no secret is regenerated; with Terraform ≥ 1.6
//! the example's import block does the same through plan and apply → with protection on,
//! destroy is refused; off, it removes everything.

use ff_e2e::check::assert_same_attributes;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const KEY: &str = "WM-Legacy";

/// The existing deployment, as some other configuration made it.
const EXISTING: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

resource "ff_deployment" "legacy" {
  key               = "WM-Legacy"
  display_name      = "WM legacy platform"
  cloud             = "aws"
  region            = "eu-central-1"
  labels            = { team = "legacy" }
  generated_secrets = ["db-password"]
}
"#;

/// The example's variables describing that deployment as it is.
fn tfvars(deletion_protection: bool) -> String {
    format!(
        r#"deployment_key      = "{KEY}"
display_name        = "WM legacy platform"
cloud               = "aws"
region              = "eu-central-1"
labels              = {{ team = "legacy" }}
generated_secrets   = ["db-password"]
deletion_protection = {deletion_protection}
"#
    )
}

fn secret(sandbox: &Sandbox) -> Value {
    sandbox
        .kv_secrets("deployments", &format!("{KEY}/db-password"))
        .first()
        .map(|(_, data)| data.clone())
        .unwrap_or(Value::Null)
}

fn example(tf: &TerraformBin, sandbox: &Sandbox, files: &[(&str, &str)]) -> Workdir {
    let vars = tfvars(true);
    let mut all = vec![("examples/import/terraform.tfvars", vars.as_str())];
    all.extend_from_slice(files);
    Workdir::from_repo(tf, "examples/import", &all, sandbox.provider_env())
}

fn import_example(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let existing = Workdir::new(tf, EXISTING, sandbox.provider_env());
    existing.apply();
    let made = existing.resource("ff_deployment.legacy");
    let secret_before = secret(&sandbox);
    assert!(secret_before.is_object(), "{ctx}: the secret exists");

    // `terraform import` by key, then nothing left to change.
    let dir = example(tf, &sandbox, &[]);
    dir.import("ff_deployment.this", KEY).ok();
    // The import records the resource, not the outputs: the first apply changes nothing
    // but them.
    dir.apply()
        .contains(&["Resources: 0 added, 0 changed, 0 destroyed"]);
    dir.assert_plan_empty(&format!("{ctx}: after terraform import"));
    let imported = dir.resource("ff_deployment.this");
    assert_same_attributes(&format!("{ctx}: imported by key"), &made, &imported);
    assert_eq!(secret(&sandbox), secret_before, "{ctx}: the secret is kept");

    // The import block of imports.tf.example (Terraform ≥ 1.6: its id is a variable).
    if tf.at_least(1, 6) {
        let block = std::fs::read_to_string(
            ff_e2e::tools::repo_root().join("examples/import/imports.tf.example"),
        )
        .expect("examples/import/imports.tf.example");
        let with_block = example(tf, &sandbox, &[("examples/import/imports.tf", &block)]);
        with_block
            .assert_plan_changes(&format!("{ctx}: with the import block"))
            .contains(&["1 to import, 0 to add, 0 to change, 0 to destroy"]);
        with_block.apply();
        with_block.assert_plan_empty(&format!("{ctx}: after the import block"));
        assert_same_attributes(
            &format!("{ctx}: imported by the block"),
            &made,
            &with_block.resource("ff_deployment.this"),
        );
        assert_eq!(secret(&sandbox), secret_before, "{ctx}: the secret is kept");
    }

    // Protected, as the example's default: destroy is refused and nothing is deleted.
    dir.destroy().failed().contains(&["deletion_protection"]);
    assert_eq!(secret(&sandbox), secret_before);

    // Unprotected: destroy removes the deployment from Vault and Grafana.
    dir.write("terraform.tfvars", &tfvars(false));
    dir.apply();
    dir.destroy().ok();
    let left = sandbox.kv_secrets("deployments", &format!("{KEY}/"));
    assert!(left.is_empty(), "{ctx}: Vault still holds {left:?}");
    let folders = sandbox.grafana_names("folders");
    assert!(folders.is_empty(), "{ctx}: Grafana still holds {folders:?}");
}

#[test]
fn example_import_adopts_an_existing_deployment_by_key() {
    for tf in terraforms() {
        import_example(&tf);
    }
}
