//! `examples/import` for real against the sandbox: a deployment made by another
//! configuration (whose state is then thrown away) — its Vault and Grafana tooling, its
//! Auth0 setup and the platform its bootstrap made on the cluster — is adopted by its key
//! with `terraform import`, one resource after the other → each imported resource equals
//! the applied one, the plan is empty and no secret is regenerated; with Terraform ≥ 1.6
//! the example's import blocks do the same through plan and apply → with protection on,
//! destroy is refused; off, it removes everything.

use ff_e2e::check::assert_same_attributes;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const KEY: &str = "WM-Legacy";
const RESOURCES: &[&str] = &[
    "ff_deployment.this",
    "ff_auth0_tenant_setup.this",
    "ff_platform_bootstrap.this",
];

/// The existing deployment, as some other configuration made it (with the resource names
/// the example uses, so that applied and imported states compare by address).
const EXISTING: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

variable "kube_host" {
  type = string
}

variable "kube_ca" {
  type = string
}

variable "eks_cluster_name" {
  type = string
}

variable "ingress_manifest" {
  type = object({ url = string, sha256 = string })
}

variable "argocd_manifest" {
  type = object({ url = string, sha256 = string })
}

resource "ff_deployment" "this" {
  key               = "WM-Legacy"
  display_name      = "WM legacy platform"
  cloud             = "aws"
  region            = "eu-central-1"
  labels            = { team = "legacy" }
  generated_secrets = ["db-password"]
}

resource "ff_auth0_tenant_setup" "this" {
  deployment_key = ff_deployment.this.key

  application "portal" {
    type      = "spa"
    callbacks = ["https://portal.legacy.example.com/callback"]
  }

  application "worker" {
    type = "non_interactive"
  }

  api {
    identifier = "https://api.legacy.example.com"
    scopes     = { "read:orders" = "Read orders" }
  }

  grants = { worker = ["read:orders"] }
  roles  = { viewer = ["read:orders"] }
}

resource "ff_platform_bootstrap" "this" {
  deployment_key = ff_deployment.this.key
  cloud          = "aws"

  cluster {
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    eks {
      cluster_name = var.eks_cluster_name
      region       = "eu-central-1"
    }
  }

  coredns {
    forward_zones = { "legacy.internal" = ["10.1.0.2"] }
  }

  ingress {
    manifest_url = var.ingress_manifest.url
    sha256       = var.ingress_manifest.sha256
  }

  argocd {
    manifest_url = var.argocd_manifest.url
    sha256       = var.argocd_manifest.sha256
  }

  application {
    repo_url        = "https://git.example/legacy/platform.git"
    path            = "apps"
    target_revision = "main"
  }

  rbac {
    group        = "legacy-admins"
    cluster_role = "cluster-admin"
  }

  metadata {
    auth0_domain     = "legacy.eu.auth0.com"
    auth0_audience   = ff_auth0_tenant_setup.this.api[0].identifier
    auth0_client_ids = ff_auth0_tenant_setup.this.client_ids
  }
}
"#;

/// The example's variables describing that deployment as it is.
fn tfvars(sandbox: &Sandbox, deletion_protection: bool) -> String {
    let (ingress_url, ingress_sha) = sandbox.manifest("ingress-controller");
    let (argocd_url, argocd_sha) = sandbox.manifest("argocd");
    let cluster_name = sandbox.endpoints["kubernetes"]["eks"]["cluster_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    format!(
        r#"deployment_key        = "{KEY}"
display_name          = "WM legacy platform"
cloud                 = "aws"
region                = "eu-central-1"
labels                = {{ team = "legacy" }}
generated_secrets     = ["db-password"]
deletion_protection   = {deletion_protection}
domain                = "legacy.example.com"
auth0_domain          = "legacy.eu.auth0.com"
cluster_endpoint      = "{host}"
cluster_ca_certificate = <<EOT
{ca}EOT
cluster_name          = "{cluster_name}"
coredns_forward_zones = {{ "legacy.internal" = ["10.1.0.2"] }}
ingress_manifest      = {{ url = "{ingress_url}", sha256 = "{ingress_sha}" }}
argocd_manifest       = {{ url = "{argocd_url}", sha256 = "{argocd_sha}" }}
platform_repository   = {{ url = "https://git.example/legacy/platform.git", path = "apps", target_revision = "main" }}
rbac                  = {{ "legacy-admins" = "cluster-admin" }}
"#,
        host = sandbox.kube_host(),
        ca = sandbox.kube_ca(),
    )
}

/// The provider's settings, demo Git credentials for the key in Vault, and the AWS
/// identity whose presigned EKS tokens the sandbox's Kubernetes API accepts.
fn env(sandbox: &Sandbox) -> Vec<(String, String)> {
    let mut env = sandbox.local_example_env(KEY);
    let eks = &sandbox.endpoints["kubernetes"]["eks"];
    let text = |field: &str| eks[field].as_str().unwrap_or_default().to_string();
    env.push(("AWS_ACCESS_KEY_ID".into(), text("access_key_id")));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), text("secret_access_key")));
    env.push(("AWS_SESSION_TOKEN".into(), String::new()));
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("TF_VAR_eks_cluster_name".into(), text("cluster_name")));
    env
}

fn secret(sandbox: &Sandbox) -> Value {
    sandbox
        .kv_secrets("deployments", &format!("{KEY}/db-password"))
        .first()
        .map(|(_, data)| data.clone())
        .unwrap_or(Value::Null)
}

/// What the deployment holds remotely: its Vault paths (but the Git credentials the test
/// wrote), Grafana folders, Auth0 clients and Kubernetes objects.
fn remote(sandbox: &Sandbox) -> (Vec<String>, Vec<String>, usize, usize) {
    let vault = sandbox
        .kv_secrets("deployments", &format!("{KEY}/"))
        .into_iter()
        .filter(|(path, data)| !data.is_null() && !path.ends_with("/git"))
        .map(|(path, _)| path)
        .collect();
    (
        vault,
        sandbox.grafana_names("folders"),
        sandbox.auth0_clients_of(KEY).len(),
        sandbox.kube_objects_of(KEY).len(),
    )
}

fn example(tf: &TerraformBin, sandbox: &Sandbox, files: &[(&str, &str)]) -> Workdir {
    let vars = tfvars(sandbox, true);
    let mut all = vec![("examples/import/terraform.tfvars", vars.as_str())];
    all.extend_from_slice(files);
    Workdir::from_repo(tf, "examples/import", &all, env(sandbox))
}

fn import_example(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let existing = Workdir::new(tf, EXISTING, env(&sandbox));
    existing.apply();
    let made: Vec<Value> = RESOURCES.iter().map(|r| existing.resource(r)).collect();
    let secret_before = secret(&sandbox);
    assert!(secret_before.is_object(), "{ctx}: the secret exists");
    let before = remote(&sandbox);
    assert!(
        before.2 == 2 && before.3 > 20,
        "{ctx}: the existing deployment has its Auth0 clients and cluster objects: {before:?}"
    );

    // `terraform import` by key, each resource, then nothing left to change.
    let dir = example(tf, &sandbox, &[]);
    for resource in RESOURCES {
        dir.import(resource, KEY).ok();
    }
    // The import records the resources, not the outputs: the first apply changes nothing
    // but them.
    dir.apply()
        .contains(&["Resources: 0 added, 0 changed, 0 destroyed"]);
    dir.assert_plan_empty(&format!("{ctx}: after terraform import"));
    for (resource, applied) in RESOURCES.iter().zip(&made) {
        assert_same_attributes(
            &format!("{ctx}: {resource} imported by key"),
            applied,
            &dir.resource(resource),
        );
    }
    assert_eq!(secret(&sandbox), secret_before, "{ctx}: the secret is kept");
    assert_eq!(remote(&sandbox), before, "{ctx}: nothing made or removed");

    // The import blocks of imports.tf.example (Terraform ≥ 1.6: their ids are variables).
    if tf.at_least(1, 6) {
        let blocks = std::fs::read_to_string(
            ff_e2e::tools::repo_root().join("examples/import/imports.tf.example"),
        )
        .expect("examples/import/imports.tf.example");
        let with_blocks = example(tf, &sandbox, &[("examples/import/imports.tf", &blocks)]);
        with_blocks
            .assert_plan_changes(&format!("{ctx}: with the import blocks"))
            .contains(&["3 to import, 0 to add, 0 to change, 0 to destroy"]);
        with_blocks.apply();
        with_blocks.assert_plan_empty(&format!("{ctx}: after the import blocks"));
        for (resource, applied) in RESOURCES.iter().zip(&made) {
            assert_same_attributes(
                &format!("{ctx}: {resource} imported by its block"),
                applied,
                &with_blocks.resource(resource),
            );
        }
        assert_eq!(secret(&sandbox), secret_before, "{ctx}: the secret is kept");
        assert_eq!(remote(&sandbox), before, "{ctx}: nothing made or removed");
    }

    // Protected, as the example's default: destroy is refused and Vault and Grafana keep
    // the deployment. Terraform ≥ 1.3 refuses at plan, before anything is destroyed; older
    // ones only when they reach ff_deployment, after its dependents (the bootstrap and the
    // Auth0 setup) were destroyed — the README says so.
    dir.destroy().failed().contains(&["deletion_protection"]);
    assert_eq!(secret(&sandbox), secret_before);
    let after_refusal = remote(&sandbox);
    assert_eq!(
        after_refusal.1, before.1,
        "{ctx}: Grafana keeps the deployment"
    );
    for kept in ["deployment", "db-password", "grafana"] {
        let path = format!("{KEY}/{kept}");
        assert!(
            after_refusal.0.contains(&path),
            "{ctx}: Vault keeps {path}: {after_refusal:?}"
        );
    }
    if tf.at_least(1, 3) {
        assert_eq!(after_refusal, before, "{ctx}: nothing destroyed");
    } else {
        assert_eq!(
            (after_refusal.2, after_refusal.3),
            (0, 0),
            "{ctx}: before 1.3, the dependents are destroyed before the refusal"
        );
    }

    // Unprotected: destroy removes the deployment from Vault, Grafana, Auth0 and the
    // cluster.
    dir.write("terraform.tfvars", &tfvars(&sandbox, false));
    dir.apply();
    dir.destroy().ok();
    let left = remote(&sandbox);
    assert_eq!(
        left,
        (Vec::new(), Vec::new(), 0, 0),
        "{ctx}: Vault paths, Grafana folders, Auth0 clients and cluster objects left"
    );
}

#[test]
fn example_import_adopts_an_existing_deployment_by_key() {
    for tf in terraforms() {
        import_example(&tf);
    }
}
