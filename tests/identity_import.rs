//! Resource identity (Terraform ≥ 1.12): every resource's identity is its deployment key.
//!
//! A deployment — all three resources — applied by one configuration is adopted by another
//! through `import` blocks that give `identity = { key = ... }` → each imported resource
//! equals the applied one, the plan after is empty, and `terraform state identities` shows
//! the keys. An identity that is not a deployment key is refused at its path; a state whose
//! stored identity names another deployment than the object read fails the refresh instead
//! of drifting silently. (Terraform 1.0.3 and `terraform import ADDR KEY` are covered by every
//! lifecycle test.)

use ff_e2e::check::assert_same_attributes;
use ff_e2e::sandbox::{KUBE_EXEC, Sandbox};
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const ADDRESSES: [&str; 3] = [
    "ff_deployment.this",
    "ff_auth0_tenant_setup.this",
    "ff_platform_bootstrap.this",
];

fn resources() -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

variable "kube_host" {{
  type = string
}}

variable "kube_ca" {{
  type = string
}}

resource "ff_deployment" "this" {{
  key                 = "ID-Prod"
  cloud               = "azure"
  labels              = {{ team = "identity" }}
  generated_secrets   = ["db-password"]
  deletion_protection = false
}}

resource "ff_auth0_tenant_setup" "this" {{
  deployment_key = ff_deployment.this.key

  application "portal" {{
    type      = "spa"
    callbacks = ["https://portal.id-prod.example.com/callback"]
  }}
}}

resource "ff_platform_bootstrap" "this" {{
  deployment_key = ff_deployment.this.key
  cloud          = "azure"

  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    {KUBE_EXEC}
  }}

  storage_class {{
    name        = "id-prod-standard"
    provisioner = "kubernetes.io/no-provisioner"
  }}
}}
"#
    )
}

fn import_blocks(key: &str) -> String {
    ADDRESSES
        .iter()
        .map(|to| {
            format!("\nimport {{\n  to       = {to}\n  identity = {{ key = \"{key}\" }}\n}}\n")
        })
        .collect()
}

fn identity_import(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let mut env = sandbox.provider_env();
    env.push(("FF_KUBE_TOKEN".into(), sandbox.kube_token()));
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));

    let made = Workdir::new(tf, &resources(), env.clone());
    made.apply();
    let identities: Value =
        serde_json::from_str(&made.run(&["state", "identities", "-json"]).ok().stdout)
            .expect("identities JSON");
    for address in ADDRESSES {
        assert_eq!(
            identities[address]["key"], "ID-Prod",
            "{ctx}: {address}'s identity"
        );
    }
    let applied: Vec<Value> = ADDRESSES.iter().map(|a| made.resource(a)).collect();

    // Adopted by identity from an empty state.
    let adopt = Workdir::new(tf, &(resources() + &import_blocks("ID-Prod")), env.clone());
    adopt
        .run(&["plan", "-input=false", "-no-color"])
        .ok()
        .contains(&["3 to import, 0 to add, 0 to change, 0 to destroy"]);
    adopt.apply();
    for (address, applied) in ADDRESSES.iter().zip(&applied) {
        assert_same_attributes(
            &format!("{ctx}: {address} imported by identity"),
            applied,
            &adopt.resource(address),
        );
    }
    adopt.assert_plan_empty(&format!("{ctx}: after the import by identity"));

    // An identity that is not a deployment key.
    let wrong = Workdir::new(
        tf,
        &(resources() + &import_blocks("not a key!")),
        env.clone(),
    );
    wrong
        .run(&["plan", "-input=false", "-no-color"])
        .failed()
        .contains(&[
            "Invalid deployment key in the import identity",
            "not a key!",
        ]);

    // A stored identity that names another deployment than the object read.
    let pulled = adopt.run(&["state", "pull"]).ok().stdout;
    let mut state: Value = serde_json::from_str(&pulled).expect("state JSON");
    state["serial"] = Value::from(state["serial"].as_i64().unwrap_or(0) + 1);
    if let Some(resources) = state["resources"].as_array_mut() {
        for resource in resources
            .iter_mut()
            .filter(|r| r["type"] == "ff_deployment")
        {
            resource["instances"][0]["identity"]["key"] = Value::from("ID-Other");
        }
    }
    adopt.write("edited.tfstate", &state.to_string());
    adopt.run(&["state", "push", "edited.tfstate"]).ok();
    adopt
        .run(&["plan", "-input=false", "-no-color"])
        .failed()
        .contains(&["Resource identity changed", "ID-Other", "ID-Prod"]);
}

#[test]
fn import_blocks_adopt_a_deployment_by_identity() {
    let mut ran = false;
    for tf in terraforms() {
        if !tf.at_least(1, 12) {
            eprintln!("terraform {}: no resource identity before 1.12", tf.version);
            continue;
        }
        identity_import(&tf);
        ran = true;
    }
    assert!(
        ran,
        "a Terraform with resource identity (1.15.5, installed by scripts/install-tools.sh) ran"
    );
}
