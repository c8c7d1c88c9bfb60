//! The single-plan property: the cluster's host, CA and token come from another resource's
//! attributes that are unknown at plan (here an ff_deployment's Grafana folder id, standing
//! for an EKS or AKS cluster made in the same run). The plan succeeds without contacting the
//! cluster and already lists every object; one apply then creates the deployment and
//! bootstraps the cluster.

#[path = "platform_bootstrap_common.rs"]
mod common;

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::{Workdir, find_resource};
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

fn config(sandbox: &Sandbox) -> String {
    let (argocd_url, argocd_sha) = sandbox.manifest("argocd");
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

provider "ff" {{}}

variable "kube_host" {{
  type = string
}}

variable "kube_ca" {{
  type = string
}}

variable "kube_token" {{
  type      = string
  sensitive = true
}}

# Stands for the cluster module: its outputs are known only after apply.
resource "ff_deployment" "this" {{
  key                 = "WM-Prod"
  cloud               = "aws"
  deletion_protection = false
}}

locals {{
  # Empty, but unknown until the deployment exists.
  after_apply = substr(tostring(ff_deployment.this.grafana_folder_id), 0, 0)
}}

resource "ff_platform_bootstrap" "this" {{
  deployment_key = ff_deployment.this.key
  cloud          = "aws"

  cluster {{
    host                   = "${{var.kube_host}}${{local.after_apply}}"
    cluster_ca_certificate = "${{var.kube_ca}}${{local.after_apply}}"
    token                  = "${{var.kube_token}}${{local.after_apply}}"
  }}

  argocd {{
    manifest_url = "{argocd_url}"
    sha256       = "{argocd_sha}"
  }}

  application {{
    repo_url               = "https://git.example/wm/platform.git"
    git_credentials_secret = ""
  }}
}}
"#
    )
}

fn single_plan(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    // The cluster is not even reachable while planning: every Kubernetes request fails.
    let sandbox = Sandbox::start();
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("TF_VAR_kube_token".into(), sandbox.kube_token()));
    let dir = Workdir::new(tf, &config(&sandbox), env);
    sandbox.add_fault(Sandbox::status_fault("kubernetes", "*", "", 503));

    dir.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .ok();
    let plan = dir.run(&["show", "-json", "tfplan"]).ok();
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap_or(Value::Null);
    let change = plan["resource_changes"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|r| r["address"] == "ff_platform_bootstrap.this")
        })
        .map(|r| r["change"].clone())
        .unwrap_or(Value::Null);
    for field in ["host", "cluster_ca_certificate", "token"] {
        assert_eq!(
            change["after_unknown"]["cluster"][0][field], true,
            "{ctx}: cluster.{field} is unknown at plan: {change}"
        );
    }
    let objects = change["after"]["objects"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for id in [
        "apiextensions.k8s.io/v1/CustomResourceDefinition/applications.argoproj.io",
        "apps/v1/Deployment/argocd/argocd-server",
        "argoproj.io/v1alpha1/Application/argocd/ff-wm-prod",
        "v1/Namespace/wm-prod",
    ] {
        assert!(
            objects
                .get(id)
                .and_then(Value::as_str)
                .is_some_and(|d| d.len() == 16),
            "{ctx}: the plan lists {id} with its digest: {objects:?}"
        );
    }
    let k8s_requests: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r["service"] == "kubernetes")
        .collect();
    assert!(
        k8s_requests.is_empty(),
        "{ctx}: planning contacted the cluster: {k8s_requests:?}"
    );

    // One apply creates the deployment and bootstraps its cluster.
    sandbox.clear_faults();
    dir.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .ok();
    let state = dir.show();
    let bootstrap = find_resource(&state, "ff_platform_bootstrap.this");
    assert_eq!(
        bootstrap["cluster"][0]["host"],
        Value::String(sandbox.kube_host())
    );
    let held = sandbox.kube_objects();
    assert!(
        held.contains_key("argoproj.io/applications/argocd/ff-wm-prod"),
        "{ctx}: bootstrapped"
    );
    assert!(
        sandbox
            .vault("GET", "auth/kubernetes-wm-prod/config", None)
            .status
            == 200
    );
    dir.assert_plan_empty(&format!("{ctx}: after the single apply"));

    // The plain token is in the state, marked sensitive (the documented cost of `token`).
    let shown = dir.run(&["show", "-no-color"]).ok();
    assert!(
        !shown.stdout.contains(&sandbox.kube_token()),
        "{ctx}: terraform show prints the token"
    );
    dir.destroy().ok();
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: destroyed"
    );
}

#[test]
fn cluster_unknown_at_plan_bootstraps_in_one_apply() {
    for tf in terraforms() {
        single_plan(&tf);
    }
}
