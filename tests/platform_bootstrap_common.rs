//! Configuration shared by the ff_platform_bootstrap scenarios.
#![allow(dead_code)]

use ff_e2e::sandbox::{KUBE_EXEC, Sandbox};
use serde_json::json;

/// A full bootstrap of `key` against the sandbox.
pub fn config(sandbox: &Sandbox, key: &str, argocd_sha: Option<&str>) -> String {
    let (ingress_url, ingress_sha) = sandbox.manifest("ingress-controller");
    let (argocd_url, real_sha) = sandbox.manifest("argocd");
    let argocd_sha = argocd_sha.map(str::to_string).unwrap_or(real_sha);
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

resource "ff_platform_bootstrap" "this" {{
  deployment_key = "{key}"
  cloud          = "aws"

  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    {KUBE_EXEC}
  }}

  coredns {{
    forward_zones = {{ "corp.example" = ["10.0.0.2", "10.0.0.3"] }}
  }}

  ingress {{
    manifest_url = "{ingress_url}"
    sha256       = "{ingress_sha}"
  }}

  argocd {{
    manifest_url = "{argocd_url}"
    sha256       = "{argocd_sha}"
  }}

  application {{
    repo_url        = "https://git.example/wm/platform.git"
    path            = "apps"
    target_revision = "main"
  }}

  rbac {{
    group        = "wm-admins"
    cluster_role = "cluster-admin"
  }}

  metadata {{
    auth0_domain     = "wm.eu.auth0.com"
    auth0_audience   = "https://api.wm.example"
    auth0_client_ids = {{ portal = "client-portal-123" }}
  }}

  timeouts {{
    create = "2m"
  }}
}}
"#
    )
}

/// The environment: Vault, the cluster's address and CA (as variables) and the token for
/// the exec plugin.
pub fn env(sandbox: &Sandbox) -> Vec<(String, String)> {
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("FF_KUBE_TOKEN".into(), sandbox.kube_token()));
    env
}

/// The Git password the tests write to Vault.
pub const GIT_PASSWORD: &str = "git-pass-Qv7uZ2x9RkT4";

/// Enable the deployments mount and write the Git credentials of `key` in the sandbox Vault.
pub fn seed_vault(sandbox: &Sandbox, key: &str) {
    let mount = sandbox.vault(
        "POST",
        "sys/mounts/deployments",
        Some(json!({"type": "kv", "options": {"version": "2"}})),
    );
    assert!(mount.status == 204 || mount.status == 400, "{mount:?}");
    let written = sandbox.vault(
        "POST",
        &format!("deployments/data/{key}/git"),
        Some(json!({"data": {"username": "ff-bot", "password": GIT_PASSWORD}})),
    );
    assert_eq!(written.status, 200, "{written:?}");
}
