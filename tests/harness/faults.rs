//! The resources under fault, what the sandbox holds of them, and the remote calls they make.
//!
//! - [`Subject`]: one resource of the provider with a configuration that exercises every
//!   call it makes, its deployment key, and how to prepare a sandbox for it;
//! - [`inventory`]: everything a sandbox holds, one id-free line per object, so two
//!   sandboxes (or one before and after) compare as multisets: a duplicate shows twice;
//! - [`Call`] and [`calls_of`]: the distinct remote calls of a request log, with the ids
//!   in their paths replaced by patterns, so the list comes from what the provider really
//!   sent and cannot go stale.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::sandbox::Sandbox;

/// A resource of the provider, configured to make every remote call it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `ff_deployment`: Vault (record, policy, a generated secret, the Grafana token) and
    /// Grafana (folder, team, service account and token, data source).
    Deployment,
    /// `ff_auth0_tenant_setup`: two applications, an API, a grant and a role.
    Auth0Setup,
    /// `ff_platform_bootstrap`: the Kubernetes objects and Vault's Kubernetes auth.
    Bootstrap,
}

impl Subject {
    /// All of them.
    pub const ALL: [Subject; 3] = [Subject::Deployment, Subject::Auth0Setup, Subject::Bootstrap];

    /// The resource type.
    pub fn resource_type(self) -> &'static str {
        match self {
            Subject::Deployment => "ff_deployment",
            Subject::Auth0Setup => "ff_auth0_tenant_setup",
            Subject::Bootstrap => "ff_platform_bootstrap",
        }
    }

    /// Its address in the configuration.
    pub fn address(self) -> String {
        format!("{}.this", self.resource_type())
    }

    /// The deployment key it is configured with.
    pub fn key(self) -> &'static str {
        match self {
            Subject::Deployment => "FM-Dep",
            Subject::Auth0Setup => "FM-Auth",
            Subject::Bootstrap => "FM-Boot",
        }
    }

    /// How its diagnostics start (`Deployment FM-Dep: ...`).
    pub fn diagnostic_prefix(self) -> String {
        let label = match self {
            Subject::Deployment => "Deployment",
            Subject::Auth0Setup => "Auth0 setup",
            Subject::Bootstrap => "Platform bootstrap",
        };
        format!("{label} {}:", self.key())
    }

    /// Prepare a fresh sandbox: the KV mount every resource shares (so that it is part of
    /// the baseline, not of what a resource makes), the Git credentials the bootstrap reads,
    /// and an Auth0 rate limit high enough not to slow the runs (its headers still come).
    pub fn prepare(self, sandbox: &Sandbox) {
        let mount = sandbox.vault(
            "POST",
            "sys/mounts/deployments",
            Some(json!({"type": "kv", "options": {"version": "2"}})),
        );
        assert!(
            mount.status == 204 || mount.status == 200,
            "KV mount: {mount:?}"
        );
        match self {
            Subject::Deployment => {}
            Subject::Auth0Setup => sandbox.set_auth0_rate_limit(50.0, 50),
            Subject::Bootstrap => {
                let written = sandbox.vault(
                    "POST",
                    &format!("deployments/data/{}/git", self.key()),
                    Some(json!({"data": {"username": "ff-bot", "password": "fm-git-pass"}})),
                );
                assert_eq!(written.status, 200, "Git credentials: {written:?}");
            }
        }
    }

    /// The environment the provider and the configuration need.
    pub fn env(self, sandbox: &Sandbox) -> Vec<(String, String)> {
        let mut env = sandbox.provider_env();
        if self == Subject::Bootstrap {
            env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
            env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
            env.push(("FF_KUBE_TOKEN".into(), sandbox.kube_token()));
        }
        env
    }

    /// The configuration, with `request_timeout_seconds` (`None`: the default) and, for
    /// `ff_deployment`, `deletion_protection`.
    pub fn config(self, sandbox: &Sandbox, timeout_s: Option<u32>, protection: bool) -> String {
        let timeout = timeout_s
            .map(|s| format!("request_timeout_seconds = {s}"))
            .unwrap_or_default();
        let key = self.key();
        let resource = match self {
            Subject::Deployment => format!(
                r#"
resource "ff_deployment" "this" {{
  key                 = "{key}"
  cloud               = "aws"
  region              = "eu-west-1"
  generated_secrets   = ["db-password"]
  deletion_protection = {protection}

  grafana_datasource {{
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }}
}}
"#
            ),
            Subject::Auth0Setup => format!(
                r#"
resource "ff_auth0_tenant_setup" "this" {{
  deployment_key = "{key}"

  application "portal" {{
    type      = "spa"
    callbacks = ["https://portal.fm.example.com/callback"]
  }}
  application "worker" {{
    type = "non_interactive"
  }}

  api {{
    identifier = "https://api.fm.example.com"
    scopes     = {{ "read:orders" = "Read orders" }}
  }}
  grants = {{ worker = ["read:orders"] }}
  roles  = {{ reader = ["read:orders"] }}
}}
"#
            ),
            Subject::Bootstrap => {
                let (ingress_url, ingress_sha) = sandbox.manifest("ingress-controller");
                let (argocd_url, argocd_sha) = sandbox.manifest("argocd");
                let exec = crate::sandbox::KUBE_EXEC;
                format!(
                    r#"
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
    {exec}
  }}

  coredns {{
    forward_zones = {{ "corp.example" = ["10.0.0.2"] }}
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
    repo_url        = "https://git.example/fm/platform.git"
    path            = "apps"
    target_revision = "main"
  }}

  rbac {{
    group        = "fm-admins"
    cluster_role = "cluster-admin"
  }}

  timeouts {{
    create = "3m"
    update = "3m"
  }}
}}
"#
                )
            }
        };
        format!(
            r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

provider "ff" {{
  {timeout}
}}
{resource}"#
        )
    }
}

/// Everything the sandbox (and the OpenBao behind it, under `vault`: see
/// [`crate::openbao::OpenBao::snapshot`]) holds, one id-free line per object, sorted
/// (duplicates kept).
///
/// Vault: mounts, live KV paths with their custom metadata, policies, auth methods with their config and roles;
/// Grafana: folders, teams, service accounts and their tokens, data sources; Auth0:
/// clients, APIs, grants, roles and their permissions; Kubernetes: every object by
/// `group/plural/namespace/name`, ConfigMaps with a digest of their data (a CoreDNS
/// section added and not removed shows). Tokens the services issue to clients and
/// controller-maintained fields are left out.
pub fn inventory(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let vault = &state["vault"];
    for mount in keys(&vault["mounts"]) {
        out.push(format!("vault mount {mount}"));
    }
    if let Some(kv) = vault["kv"].as_object() {
        for (mount, paths) in kv {
            for (path, secret) in paths.as_object().into_iter().flatten() {
                if secret["data"].is_null() {
                    continue;
                }
                let labels: Vec<String> = secret["custom_metadata"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={}", text(v)))
                    .collect();
                out.push(format!("vault kv {mount}{path} [{}]", labels.join(",")));
            }
        }
    }
    for policy in keys(&vault["policies"]) {
        out.push(format!("vault policy {policy}"));
    }
    if let Some(auth) = vault["auth_mounts"].as_object() {
        for (path, method) in auth {
            out.push(format!(
                "vault auth {path} ({})",
                method["type"].as_str().unwrap_or("?")
            ));
            if method["config"].is_object() {
                out.push(format!("vault auth {path} config"));
            }
            for role in keys(&method["roles"]) {
                out.push(format!("vault auth {path} role {role}"));
            }
        }
    }

    let grafana = &state["grafana"];
    for folder in items(&grafana["folders"]) {
        out.push(format!("grafana folder {}", text(&folder["uid"])));
    }
    for team in items(&grafana["teams"]) {
        out.push(format!("grafana team {}", text(&team["name"])));
    }
    for account in items(&grafana["service_accounts"]) {
        let name = text(&account["name"]);
        out.push(format!("grafana service account {name}"));
        for token in items(&account["tokens"]) {
            out.push(format!(
                "grafana service account {name} token {}",
                text(&token["name"])
            ));
        }
    }
    for datasource in items(&grafana["datasources"]) {
        out.push(format!(
            "grafana datasource {} ({})",
            text(&datasource["uid"]),
            text(&datasource["name"])
        ));
    }

    let auth0 = &state["auth0"];
    let client_names: BTreeMap<String, String> = items(&auth0["clients"])
        .map(|c| (text(&c["client_id"]), text(&c["name"])))
        .collect();
    for name in client_names.values() {
        out.push(format!("auth0 client {name}"));
    }
    for api in items(&auth0["resource_servers"]) {
        out.push(format!(
            "auth0 api {} ({})",
            text(&api["identifier"]),
            text(&api["name"])
        ));
    }
    for grant in items(&auth0["client_grants"]) {
        let client = text(&grant["client_id"]);
        let client = client_names.get(&client).cloned().unwrap_or(client);
        out.push(format!(
            "auth0 grant {client} -> {}",
            text(&grant["audience"])
        ));
    }
    for role in items(&auth0["roles"]) {
        let name = text(&role["name"]);
        out.push(format!("auth0 role {name}"));
        for permission in items(&role["permissions"]) {
            out.push(format!(
                "auth0 role {name} permission {} on {}",
                text(&permission["permission_name"]),
                text(&permission["resource_server_identifier"])
            ));
        }
    }

    if let Some(objects) = state["kubernetes"]["objects"].as_object() {
        for (key, object) in objects {
            if object["kind"] == "ConfigMap" {
                let digest = Sha256::digest(object["data"].to_string().as_bytes());
                out.push(format!("kubernetes {key} (data {})", &hex(&digest)[..12]));
            } else {
                out.push(format!("kubernetes {key}"));
            }
        }
    }
    out.sort();
    out
}

/// `after` minus `before`, as multisets: what was added, then what was removed.
pub fn difference(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let count = |list: &[String]| {
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        for item in list {
            *counts.entry(item.clone()).or_default() += 1;
        }
        counts
    };
    let (b, a) = (count(before), count(after));
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for item in b
        .keys()
        .chain(a.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let delta = a.get(item).copied().unwrap_or(0) - b.get(item).copied().unwrap_or(0);
        for _ in 0..delta.max(0) {
            added.push(item.clone());
        }
        for _ in 0..(-delta).max(0) {
            removed.push(item.clone());
        }
    }
    (added, removed)
}

/// The lines that occur more than once.
pub fn duplicates(list: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut twice = std::collections::BTreeSet::new();
    for item in list {
        if !seen.insert(item) {
            twice.insert(item.clone());
        }
    }
    twice.into_iter().collect()
}

fn keys(v: &Value) -> impl Iterator<Item = String> + '_ {
    v.as_object().into_iter().flat_map(|m| m.keys().cloned())
}

fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One remote call: a service, a method and a path pattern.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Call {
    /// `vault`, `grafana`, `auth0` or `kubernetes`.
    pub service: String,
    /// HTTP method.
    pub method: String,
    /// The path with ids shown as `{n}` (numbers) or `{id}`.
    pub path: String,
    /// The anchored regex the sandbox matches the path with.
    pub regex: String,
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.service, self.method, self.path)
    }
}

impl Call {
    /// The call a logged request belongs to.
    pub fn of(entry: &Value) -> Self {
        let (path, regex) = template(entry["path"].as_str().unwrap_or_default());
        Self {
            service: text(&entry["service"]),
            method: text(&entry["method"]),
            path,
            regex,
        }
    }

    /// Whether a logged request is this call.
    pub fn matches(&self, entry: &Value) -> bool {
        Call::of(entry) == *self
    }
}

/// The distinct calls of a request log, in order of first appearance.
pub fn calls_of(log: &[Value]) -> Vec<Call> {
    let mut calls: Vec<Call> = Vec::new();
    for entry in log {
        let call = Call::of(entry);
        if !calls.contains(&call) {
            calls.push(call);
        }
    }
    calls
}

/// Whether a path segment is an id the server chose: a number, an Auth0-style prefixed id
/// (`rol_…`, `cgr_…`) or a long random token with digits (client ids, API ids).
fn id_pattern(segment: &str) -> Option<(&'static str, String)> {
    if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
        return Some(("{n}", "[0-9]+".into()));
    }
    if let Some((prefix, rest)) = segment.split_once('_')
        && (2..=4).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() >= 12
        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Some(("{id}", format!("{prefix}_[A-Za-z0-9]+")));
    }
    if segment.len() >= 16
        && segment.bytes().all(|b| b.is_ascii_alphanumeric())
        && segment.bytes().any(|b| b.is_ascii_digit())
    {
        return Some(("{id}", format!("[A-Za-z0-9]{{{}}}", segment.len())));
    }
    None
}

/// `/api/teams/7` → (`/api/teams/{n}`, `^/api/teams/[0-9]+$`).
fn template(path: &str) -> (String, String) {
    let mut shown = Vec::new();
    let mut regex = Vec::new();
    for segment in path.split('/') {
        match id_pattern(segment) {
            Some((label, pattern)) => {
                shown.push(label.to_string());
                regex.push(pattern);
            }
            None => {
                shown.push(segment.to_string());
                regex.push(regex_escape(segment));
            }
        }
    }
    (shown.join("/"), format!("^{}$", regex.join("/")))
}

/// `text` with the regular-expression metacharacters escaped, for a sandbox fault route.
pub fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_patterns_and_names_stay() {
        assert_eq!(
            template("/api/teams/12"),
            ("/api/teams/{n}".into(), "^/api/teams/[0-9]+$".into())
        );
        assert_eq!(
            template("/api/teams/search").1,
            "^/api/teams/search$",
            "a word is not an id"
        );
        assert_eq!(
            template("/api/v2/roles/rol_0123456789abcdef/permissions").0,
            "/api/v2/roles/{id}/permissions"
        );
        assert_eq!(
            template("/v1/deployments/data/FM-Dep/db-password").1,
            "^/v1/deployments/data/FM-Dep/db-password$"
        );
    }

    #[test]
    fn difference_counts_duplicates() {
        let before = vec!["a".to_string()];
        let after = vec!["a".to_string(), "b".to_string(), "b".to_string()];
        assert_eq!(
            difference(&before, &after),
            (vec!["b".to_string(), "b".to_string()], vec![])
        );
        assert_eq!(duplicates(&after), vec!["b".to_string()]);
    }
}
