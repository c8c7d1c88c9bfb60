//! The aks authentication and the Azure defaults: the provider obtains a token from the
//! sandbox's Entra ID with the ARM_* credentials of its environment (AZURE_AUTHORITY_HOST
//! points at the sandbox), and the sandbox's API server accepts it as an AKS cluster with
//! Entra ID integration does. A wrong secret fails with Entra's own AADSTS message before
//! anything is applied. On Azure, CoreDNS forwarding goes to the deployment's key of
//! `coredns-custom` (other keys untouched) and the default storage class is Azure Disk.

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const CONFIG: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

provider "ff" {}

variable "kube_host" {
  type = string
}

variable "kube_ca" {
  type = string
}

resource "ff_platform_bootstrap" "this" {
  deployment_key = "WM-Prod"
  cloud          = "azure"

  cluster {
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    aks {}
  }

  coredns {
    forward_zones = { "corp.example" = ["10.1.0.4"] }
  }
}
"#;

fn aks(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let entra = sandbox.endpoints["entra"].clone();
    let text = |field: &str| entra[field].as_str().unwrap_or_default().to_string();
    // Another team's zone is already in coredns-custom.
    let shared = sandbox.kubectl_apply(&json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "coredns-custom", "namespace": "kube-system"},
        "data": {"other.server": "other.example:53 {\n    forward . 10.9.9.9\n}\n"}}));
    assert_eq!(shared.0, 0, "{ctx}: kubectl apply: {}", shared.2);
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("AZURE_AUTHORITY_HOST".into(), text("authority")));
    env.push(("ARM_TENANT_ID".into(), text("tenant_id")));
    env.push(("ARM_CLIENT_ID".into(), text("client_id")));
    env.push(("ARM_CLIENT_SECRET".into(), "not-the-secret".into()));
    let mut dir = Workdir::new(tf, CONFIG, env);

    dir.try_apply().failed().contains(&[
        "AADSTS7000215: Invalid client secret provided",
        "Nothing was applied",
    ]);
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: nothing applied"
    );

    dir.set_env("ARM_CLIENT_SECRET", &text("client_secret"));
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    let held = sandbox.kube_objects();
    assert!(
        held.contains_key("storage.k8s.io/storageclasses//managed-csi-premium"),
        "{ctx}: Azure's default class"
    );
    let custom = &held["/configmaps/kube-system/coredns-custom"]["data"];
    assert!(
        custom["ff-wm-prod.server"]
            .as_str()
            .is_some_and(|s| s.contains("forward . 10.1.0.4")),
        "{ctx}: {custom}"
    );
    assert!(
        custom["other.server"].is_string(),
        "{ctx}: the other team's zone is kept: {custom}"
    );
    let state = dir.state_file();
    assert!(
        !state.contains(&text("client_secret")),
        "{ctx}: the client secret is in the state"
    );

    dir.destroy().ok();
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: destroyed"
    );
    let custom = &sandbox.kube_objects()["/configmaps/kube-system/coredns-custom"]["data"];
    assert!(
        custom.get("ff-wm-prod.server").is_none(),
        "{ctx}: the deployment's zone is gone: {custom}"
    );
    assert!(
        custom["other.server"].is_string(),
        "{ctx}: the other team's zone is kept: {custom}"
    );
    assert_eq!(dir.resource("ff_platform_bootstrap.this"), Value::Null);
}

#[test]
fn aks_token_from_arm_credentials_and_azure_defaults() {
    for tf in terraforms() {
        aks(&tf);
    }
}
