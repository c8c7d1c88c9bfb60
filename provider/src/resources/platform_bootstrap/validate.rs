//! Every check of the arguments, reported at plan on its own attribute: [`validate`] checks
//! the key, the cloud, the connection's shape, the manifests, the blocks that need another,
//! the timeouts and the namespaces, then [`formats`] the arguments that have a closed set of
//! values or a format — PEM blocks, Kubernetes names, EKS and AKS identifiers, repository
//! URLs, DNS zones and servers, durations. [`check_tls_secret`] checks, at apply, the
//! certificate and key that `tls` reads from Vault.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use tfplugin::Value;
use tfplugin::{AttributePath, Diagnostics};

use super::model::{AksBlock, BootstrapState, ClusterBlock, EksBlock, ExecBlock, parse_duration};
use crate::diag::{DiagnosticsExt, attr, block_attr};
use crate::naming::{DeploymentKey, is_dns1123_label};

/// `apiVersion`s of the exec credential plugin protocol.
const EXEC_API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1beta1",
    "client.authentication.k8s.io/v1",
];
const RECLAIM_POLICIES: [&str; 2] = ["Delete", "Retain"];
const BINDING_MODES: [&str; 2] = ["WaitForFirstConsumer", "Immediate"];

fn block(name: &'static str) -> AttributePath {
    AttributePath::new(name).index(0)
}

fn known(value: &Value<String>) -> Option<&str> {
    value.as_ref_option().map(String::as_str)
}

fn known_list(value: &Value<Vec<Value<String>>>) -> Vec<&str> {
    value
        .as_ref_option()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_ref_option().map(String::as_str))
        .collect()
}

/// A DNS-1123 subdomain (Kubernetes object names): ≤ 253 characters, dot-separated labels.
pub fn is_dns1123_subdomain(value: &str) -> bool {
    value.len() <= 253 && value.split('.').all(is_dns1123_label)
}

/// Whether `text` holds a PEM block whose label ends with one of `labels`.
pub(super) fn has_pem(text: &str, labels: &[&str]) -> bool {
    text.lines().any(|line| {
        line.trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
            .is_some_and(|label| labels.iter().any(|l| label.ends_with(l)))
    }) && text.contains("-----END ")
}

fn is_guid(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_hostname(value: &str) -> bool {
    let value = value.trim_end_matches('.');
    !value.is_empty()
        && value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `https://`, `http://`, `ssh://` or `git://` URLs, or scp-like `git@host:path`.
fn is_repo_url(value: &str) -> bool {
    if let Ok(url) = url::Url::parse(value) {
        return matches!(url.scheme(), "https" | "http" | "ssh" | "git") && url.host().is_some();
    }
    match value.split_once(':') {
        Some((user_host, path)) => {
            let host = user_host.rsplit('@').next().unwrap_or_default();
            user_host.contains('@') && is_hostname(host) && !path.is_empty()
        }
        None => false,
    }
}

/// An upstream DNS server: an IP address, optionally with a port.
fn is_dns_server(value: &str) -> bool {
    value.parse::<std::net::IpAddr>().is_ok() || value.parse::<std::net::SocketAddr>().is_ok()
}

fn one_of(diags: &mut Diagnostics, path: AttributePath, what: &str, value: &str, set: &[&str]) {
    if !set.contains(&value) {
        diags.error_at(
            path,
            format!("Invalid {what}"),
            format!(
                "{what} must be one of {}; it is {value:?}.",
                set.iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// Every check of the arguments, each problem an error on its attribute.
pub(super) fn validate(diags: &mut Diagnostics, state: &BootstrapState) {
    key_and_cloud(diags, state);
    cluster(diags, state);
    manifests(diags, state);
    blocks_needed(diags, state);
    timeouts(diags, state);
    app_namespaces(diags, state);
    formats(diags, state);
}

/// The deployment key and the cloud.
fn key_and_cloud(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Value::Value(key) = &state.deployment_key
        && let Err(e) = DeploymentKey::parse(key)
    {
        diags.error_at(
            attr("deployment_key"),
            "Invalid deployment key",
            format!("{e}. Example of a valid key: \"WM-Prod\"."),
        );
    }
    if let Value::Value(cloud) = &state.cloud
        && cloud != "aws"
        && cloud != "azure"
    {
        diags.error_at(
            attr("cloud"),
            "Invalid cloud",
            format!("cloud must be \"aws\" or \"azure\"; it is {cloud:?}."),
        );
    }
}

/// The cluster block: present, one way to authenticate, an https host, a proxy URL.
fn cluster(diags: &mut Diagnostics, state: &BootstrapState) {
    match &state.cluster {
        Value::Null => diags.error_at(attr("cluster"), "Missing cluster block", "ff_platform_bootstrap needs a cluster block with the host and one way to authenticate (eks, aks, exec, client_certificate and client_key, or token)."),
        Value::Value(cluster) => {
            // Set, or not known yet (a value from elsewhere, a dynamic block whose for_each
            // is unknown — everything from a variable during `terraform validate`).
            let state = |known: bool, unknown: bool| (known, unknown && !known);
            let methods = [
                state(cluster.token.is_value(), cluster.token.is_unknown()),
                state(cluster.exec.is_value(), cluster.exec.is_unknown()),
                state(cluster.eks.is_value(), cluster.eks.is_unknown()),
                state(cluster.aks.is_value(), cluster.aks.is_unknown()),
                state(
                    cluster.client_certificate.is_value() || cluster.client_key.is_value(),
                    cluster.client_certificate.is_unknown() || cluster.client_key.is_unknown(),
                ),
            ];
            let count = methods.iter().filter(|(set, _)| *set).count();
            let maybe = methods.iter().filter(|(_, unknown)| *unknown).count();
            if count > 1 || count + maybe == 0 {
                diags.error_at(attr("cluster").index(0), "One way to authenticate to the cluster", format!("Set exactly one of eks, aks, exec, client_certificate with client_key, or token in the cluster block; {count} are set."));
            }
            if cluster.client_certificate.is_null() != cluster.client_key.is_null() {
                diags.error_at(block_attr("cluster", "client_key"), "Incomplete client certificate", "client_certificate and client_key go together.");
            }
            if let Value::Value(host) = &cluster.host
                && !matches!(url::Url::parse(host), Ok(u) if u.scheme() == "https" && u.host().is_some())
            {
                diags.error_at(block_attr("cluster", "host"), "Invalid cluster host", format!("host must be an https:// URL such as https://api.cluster.example:6443; it is {host:?}."));
            }
            if let Value::Value(proxy) = &cluster.proxy_url
                && !matches!(url::Url::parse(proxy), Ok(u) if matches!(u.scheme(), "socks5" | "socks5h" | "http" | "https"))
            {
                diags.error_at(block_attr("cluster", "proxy_url"), "Invalid proxy URL", format!("proxy_url must be a socks5:// or http:// URL; it is {proxy:?}."));
            }
        }
        Value::Unknown => {}
    }
}

/// The manifests of `ingress` and `argocd`: a URL with its digest, or neither.
fn manifests(diags: &mut Diagnostics, state: &BootstrapState) {
    for (name, url, sha) in [
        (
            "ingress",
            state
                .ingress
                .as_ref_option()
                .map(|b| (&b.manifest_url, &b.sha256)),
        ),
        (
            "argocd",
            state
                .argocd
                .as_ref_option()
                .map(|b| (&b.manifest_url, &b.sha256)),
        ),
    ]
    .into_iter()
    .filter_map(|(n, b)| b.map(|(u, s)| (n, u, s)))
    {
        if url.is_null() != sha.is_null() {
            let missing = if url.is_null() {
                "manifest_url"
            } else {
                "sha256"
            };
            diags.error_at(
                AttributePath::new(name).index(0).attribute(missing),
                "Manifest URL and digest go together",
                format!(
                    "Set both manifest_url and sha256 to pin another release, or neither to use the release the provider pins; {missing} is missing."
                ),
            );
        }
        if let Value::Value(sha) = sha
            && (sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()))
        {
            diags.error_at(
                AttributePath::new(name).index(0).attribute("sha256"),
                "Invalid SHA-256",
                format!("sha256 must be 64 hexadecimal digits; it is {sha:?}."),
            );
        }
        if let Value::Value(url) = url
            && !matches!(url::Url::parse(url), Ok(u) if matches!(u.scheme(), "http" | "https"))
        {
            diags.error_at(
                AttributePath::new(name).index(0).attribute("manifest_url"),
                "Invalid manifest URL",
                format!("manifest_url must be an http(s) URL; it is {url:?}."),
            );
        }
    }
}

/// The blocks that need another: `application` needs `argocd`, `tls` needs `ingress`.
fn blocks_needed(diags: &mut Diagnostics, state: &BootstrapState) {
    if state.application.is_value() && state.argocd.is_null() {
        diags.error_at(
            attr("application"),
            "ArgoCD is needed",
            "The application block creates an ArgoCD Application: add an argocd block.",
        );
    }
    if state.tls.is_value() && state.ingress.is_null() {
        diags.error_at(
            attr("tls"),
            "The ingress controller is needed",
            "The tls block makes a certificate from Vault the ingress controller's default certificate: add an ingress block.",
        );
    }
}

/// The `timeouts` are durations.
fn timeouts(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Value::Value(timeouts) = &state.timeouts {
        for (name, value) in [
            ("create", &timeouts.create),
            ("update", &timeouts.update),
            ("delete", &timeouts.delete),
        ] {
            if let Value::Value(text) = value
                && parse_duration(text).is_none()
            {
                diags.error_at(
                    AttributePath::new("timeouts").index(0).attribute(name),
                    "Invalid duration",
                    format!("{text:?} is not a duration such as \"30s\", \"10m\" or \"1h\"."),
                );
            }
        }
    }
}

/// The `app_namespaces` are namespace names.
fn app_namespaces(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Value::Value(namespaces) = &state.app_namespaces {
        for ns in namespaces.iter().filter_map(|n| n.as_ref_option()) {
            if !crate::naming::is_dns1123_label(ns) {
                diags.error_at(
                    attr("app_namespaces"),
                    "Invalid namespace",
                    format!("{ns:?} is not a Kubernetes namespace name (a DNS-1123 label)."),
                );
            }
        }
    }
}

/// Whether a Vault secret holds a PEM certificate as `tls.crt` and a PEM private key as
/// `tls.key`; the problem names the path and the field, never the content.
pub(super) fn check_tls_secret(at: &str, data: &BTreeMap<String, Json>) -> Result<(), String> {
    for (field, labels, shape) in [
        (
            "tls.crt",
            &["CERTIFICATE"][..],
            "a PEM certificate (-----BEGIN CERTIFICATE-----)",
        ),
        (
            "tls.key",
            &["PRIVATE KEY"][..],
            "a PEM private key (-----BEGIN PRIVATE KEY----- or an RSA or EC one)",
        ),
    ] {
        match data.get(field) {
            None => {
                return Err(format!(
                    "the secret at {at} has no field {field}; it must hold the certificate as tls.crt and its private key as tls.key, both PEM"
                ));
            }
            Some(value) => {
                if !value.as_str().is_some_and(|text| has_pem(text, labels)) {
                    return Err(format!(
                        "the field {field} of the secret at {at} is not {shape}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The format checks, a function per block; every problem is an error on its attribute.
pub(super) fn formats(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Some(cluster) = state.cluster.as_ref_option() {
        cluster_pem(diags, cluster);
        if let Some(exec) = cluster.exec.as_ref_option() {
            exec_formats(diags, exec);
        }
        if let Some(eks) = cluster.eks.as_ref_option() {
            eks_formats(diags, eks);
        }
        if let Some(aks) = cluster.aks.as_ref_option() {
            aks_formats(diags, aks);
        }
    }
    storage_classes(diags, state);
    coredns(diags, state);
    release_namespaces(diags, state);
    application(diags, state);
    tls(diags, state);
    rbac(diags, state);
    vault_auth(diags, state);
    metadata(diags, state);
}

/// The cluster's PEM certificates and key.
fn cluster_pem(diags: &mut Diagnostics, cluster: &ClusterBlock) {
    let at = |name: &'static str| block("cluster").attribute(name);
    if let Some(ca) = known(&cluster.cluster_ca_certificate)
        && !has_pem(ca, &["CERTIFICATE"])
    {
        diags.error_at(
            at("cluster_ca_certificate"),
            "Invalid cluster CA certificate",
            "cluster_ca_certificate must be PEM (-----BEGIN CERTIFICATE-----). An EKS module gives it base64-encoded: use base64decode(...).",
        );
    }
    if let Some(cert) = known(&cluster.client_certificate)
        && !has_pem(cert, &["CERTIFICATE"])
    {
        diags.error_at(
            at("client_certificate"),
            "Invalid client certificate",
            "client_certificate must be a PEM certificate (-----BEGIN CERTIFICATE-----).",
        );
    }
    if let Some(key) = known(&cluster.client_key)
        && !has_pem(key, &["PRIVATE KEY"])
    {
        diags.error_at(
            at("client_key"),
            "Invalid client key",
            "client_key must be a PEM private key (-----BEGIN PRIVATE KEY----- or an RSA/EC one).",
        );
    }
}

/// The exec credential plugin's API version and command.
fn exec_formats(diags: &mut Diagnostics, exec: &ExecBlock) {
    let at = |name: &'static str| block("cluster").attribute(name);
    if let Some(version) = known(&exec.api_version) {
        one_of(
            diags,
            at("exec").index(0).attribute("api_version"),
            "exec api_version",
            version,
            &EXEC_API_VERSIONS,
        );
    }
    if known(&exec.command).is_some_and(|c| c.trim().is_empty()) {
        diags.error_at(
            at("exec").index(0).attribute("command"),
            "Empty exec command",
            "command must name the credential plugin to run, such as \"aws\".",
        );
    }
}

/// The EKS cluster name, region and web identity role.
fn eks_formats(diags: &mut Diagnostics, eks: &EksBlock) {
    let at = |name: &'static str| block("cluster").attribute(name);
    let path = |name: &'static str| at("eks").index(0).attribute(name);
    if let Some(name) = known(&eks.cluster_name)
        && !(name.len() <= 100
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        diags.error_at(
            path("cluster_name"),
            "Invalid EKS cluster name",
            format!("An EKS cluster name is 1 to 100 letters, digits, hyphens and underscores starting with a letter or digit; it is {name:?}."),
        );
    }
    if let Some(region) = known(&eks.region)
        && !is_aws_region(region)
    {
        diags.error_at(
            path("region"),
            "Invalid AWS region",
            format!("region must be an AWS region such as \"eu-west-1\"; it is {region:?}."),
        );
    }
    if let Some(role) = eks.assume_role_with_web_identity.as_ref_option() {
        let path = |name: &'static str| {
            at("eks")
                .index(0)
                .attribute("assume_role_with_web_identity")
                .index(0)
                .attribute(name)
        };
        if let Some(arn) = known(&role.role_arn)
            && !is_role_arn(arn)
        {
            diags.error_at(
                path("role_arn"),
                "Invalid IAM role ARN",
                format!("role_arn must be an IAM role ARN such as \"arn:aws:iam::123456789012:role/tfc-wm-prod\"; it is {arn:?}."),
            );
        }
        if let Some(name) = known(&role.session_name)
            && !is_session_name(name)
        {
            diags.error_at(
                path("session_name"),
                "Invalid STS session name",
                format!("session_name must be 2 to 64 letters, digits and any of =,.@_- (what STS accepts); it is {name:?}."),
            );
        }
        if let Some(variable) = known(&role.web_identity_token_variable)
            && !is_variable_name(variable)
        {
            diags.error_at(
                path("web_identity_token_variable"),
                "Invalid environment variable name",
                format!("web_identity_token_variable must name an environment variable (letters, digits and \"_\", not starting with a digit), such as \"TFC_WORKLOAD_IDENTITY_TOKEN\"; it is {variable:?}."),
            );
        }
        if known(&role.web_identity_token_file).is_some_and(|f| f.trim().is_empty()) {
            diags.error_at(
                path("web_identity_token_file"),
                "Empty token file",
                "web_identity_token_file must be a path; leave it out to read the token from web_identity_token_variable.",
            );
        }
    }
}

/// The AKS tenant and server application.
fn aks_formats(diags: &mut Diagnostics, aks: &AksBlock) {
    let at = |name: &'static str| block("cluster").attribute(name);
    let path = |name: &'static str| at("aks").index(0).attribute(name);
    if let Some(tenant) = known(&aks.tenant_id)
        && !(is_guid(tenant) || (tenant.contains('.') && is_hostname(tenant)))
    {
        diags.error_at(
            path("tenant_id"),
            "Invalid Entra ID tenant",
            format!("tenant_id must be a tenant GUID or domain (contoso.onmicrosoft.com); it is {tenant:?}."),
        );
    }
    if let Some(app) = known(&aks.server_app_id)
        && !is_guid(app)
    {
        diags.error_at(
            path("server_app_id"),
            "Invalid server application id",
            format!("server_app_id must be an application (client) id, a GUID; it is {app:?}."),
        );
    }
}

/// Each storage class's name, provisioner, reclaim policy and binding mode.
fn storage_classes(diags: &mut Diagnostics, state: &BootstrapState) {
    for (i, class) in state
        .storage_class
        .as_ref_option()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(class) = class.as_ref_option() else {
            continue;
        };
        let at = |name: &'static str| {
            AttributePath::new("storage_class")
                .index(i as i64)
                .attribute(name)
        };
        if let Some(name) = known(&class.name)
            && !is_dns1123_subdomain(name)
        {
            diags.error_at(
                at("name"),
                "Invalid storage class name",
                format!(
                    "{name:?} is not a Kubernetes object name (lower-case DNS-1123 subdomain)."
                ),
            );
        }
        if let Some(provisioner) = known(&class.provisioner) {
            let (domain, rest) = provisioner.split_once('/').unwrap_or((provisioner, "x"));
            if !is_dns1123_subdomain(domain) || !is_dns1123_subdomain(rest) {
                diags.error_at(
                    at("provisioner"),
                    "Invalid provisioner",
                    format!(
                        "{provisioner:?} is not a provisioner name such as \"ebs.csi.aws.com\"."
                    ),
                );
            }
        }
        if let Some(policy) = known(&class.reclaim_policy) {
            one_of(
                diags,
                at("reclaim_policy"),
                "reclaim_policy",
                policy,
                &RECLAIM_POLICIES,
            );
        }
        if let Some(mode) = known(&class.volume_binding_mode) {
            one_of(
                diags,
                at("volume_binding_mode"),
                "volume_binding_mode",
                mode,
                &BINDING_MODES,
            );
        }
    }
}

/// CoreDNS's forward zones and their servers.
fn coredns(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Some(coredns) = state.coredns.as_ref_option() {
        for (zone, servers) in coredns.forward_zones.as_ref_option().into_iter().flatten() {
            let path = block("coredns")
                .attribute("forward_zones")
                .key(zone.clone());
            if !is_hostname(zone) {
                diags.error_at(
                    path.clone(),
                    "Invalid DNS zone",
                    format!("{zone:?} is not a DNS zone such as \"corp.example\"."),
                );
            }
            let servers: Vec<&str> = servers
                .as_ref_option()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_ref_option().map(String::as_str))
                .collect();
            if let Some(bad) = servers.iter().find(|s| !is_dns_server(s)) {
                diags.error_at(
                    path,
                    "Invalid DNS server",
                    format!("{bad:?} is not an upstream DNS server: give an IP address, optionally with a port (10.0.0.2 or 10.0.0.2:5353)."),
                );
            }
        }
    }
}

/// The ingress controller's and ArgoCD's namespaces.
fn release_namespaces(diags: &mut Diagnostics, state: &BootstrapState) {
    for (name, namespace) in [
        (
            "ingress",
            state.ingress.as_ref_option().map(|b| &b.namespace),
        ),
        ("argocd", state.argocd.as_ref_option().map(|b| &b.namespace)),
    ] {
        if let Some(ns) = namespace.and_then(known)
            && !is_dns1123_label(ns)
        {
            diags.error_at(
                block(name).attribute("namespace"),
                "Invalid namespace",
                format!("{ns:?} is not a Kubernetes namespace name (a DNS-1123 label)."),
            );
        }
    }
}

/// The application's repository URL and credentials secret.
fn application(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Some(app) = state.application.as_ref_option() {
        if let Some(url) = known(&app.repo_url)
            && !is_repo_url(url)
        {
            diags.error_at(
                block("application").attribute("repo_url"),
                "Invalid repository URL",
                format!("repo_url must be an https://, ssh:// or git@host:path repository URL; it is {url:?}."),
            );
        }
        // "" is documented: a public repository, no credentials to read.
        if let Some(secret) = known(&app.git_credentials_secret)
            && !secret.is_empty()
            && let Err(problem) = crate::naming::validate_short_name("The secret name", secret)
        {
            diags.error_at(
                block("application").attribute("git_credentials_secret"),
                "Invalid secret name",
                problem,
            );
        }
    }
}

/// The `tls` block's Vault secret and Kubernetes Secret names.
fn tls(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Some(tls) = state.tls.as_ref_option() {
        if let Some(secret) = known(&tls.vault_secret)
            && let Err(problem) = crate::naming::validate_short_name("The secret name", secret)
        {
            diags.error_at(
                block("tls").attribute("vault_secret"),
                "Invalid secret name",
                problem,
            );
        }
        if let Some(name) = known(&tls.secret_name)
            && !is_dns1123_subdomain(name)
        {
            diags.error_at(
                block("tls").attribute("secret_name"),
                "Invalid Secret name",
                format!(
                    "{name:?} is not a Kubernetes object name (lower-case DNS-1123 subdomain)."
                ),
            );
        }
    }
}

/// Each RBAC binding's ClusterRole and namespaces.
fn rbac(diags: &mut Diagnostics, state: &BootstrapState) {
    for (i, rbac) in state.rbac.as_ref_option().into_iter().flatten().enumerate() {
        let Some(rbac) = rbac.as_ref_option() else {
            continue;
        };
        let at = |name: &'static str| AttributePath::new("rbac").index(i as i64).attribute(name);
        if let Some(role) = known(&rbac.cluster_role)
            && (role.is_empty() || role.contains(['/', '%']) || role == "." || role == "..")
        {
            diags.error_at(
                at("cluster_role"),
                "Invalid ClusterRole name",
                format!("{role:?} is not a ClusterRole name such as \"view\"."),
            );
        }
        if let Some(ns) = known_list(&rbac.namespaces)
            .into_iter()
            .find(|ns| !is_dns1123_label(ns))
        {
            diags.error_at(
                at("namespaces"),
                "Invalid namespace",
                format!("{ns:?} is not a Kubernetes namespace name (a DNS-1123 label)."),
            );
        }
    }
}

/// Vault's Kubernetes auth: token TTL and service accounts.
fn vault_auth(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Some(vault_auth) = state.vault_auth.as_ref_option() {
        if let Some(ttl) = known(&vault_auth.token_ttl)
            && parse_duration(ttl).is_none()
        {
            diags.error_at(
                block("vault_auth").attribute("token_ttl"),
                "Invalid duration",
                format!("{ttl:?} is not a duration such as \"30m\" or \"1h\"."),
            );
        }
        if let Some(sa) = known_list(&vault_auth.service_accounts)
            .into_iter()
            .find(|sa| *sa != "*" && !is_dns1123_subdomain(sa))
        {
            diags.error_at(
                block("vault_auth").attribute("service_accounts"),
                "Invalid service account name",
                format!("{sa:?} is not a service account name (a DNS-1123 subdomain) or \"*\"."),
            );
        }
    }
}

/// The metadata's Auth0 domain.
fn metadata(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Some(metadata) = state.metadata.as_ref_option()
        && let Some(domain) = known(&metadata.auth0_domain)
        && let Err(problem) = crate::backends::auth0::auth0_base_url(domain)
    {
        diags.error_at(
            block("metadata").attribute("auth0_domain"),
            "Invalid Auth0 domain",
            format!("{problem}."),
        );
    }
}

/// An AWS region name such as `eu-west-1` or `us-gov-west-1`.
/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn is_role_arn(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
    if partition.starts_with("aws")
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && resource.strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && name.len() <= 512
                && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        }))
}

/// An STS role session name: `[\w+=,.@-]{2,64}`.
pub fn is_session_name(value: &str) -> bool {
    (2..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// An environment variable name: letters, digits and `_`, not starting with a digit.
pub fn is_variable_name(value: &str) -> bool {
    value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn is_aws_region(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::platform_bootstrap::model::{ClusterBlock, EksBlock, TlsBlock};

    #[test]
    fn formats_are_recognised() {
        assert!(is_aws_region("eu-west-1") && is_aws_region("us-gov-west-1"));
        assert!(!is_aws_region("westeurope") && !is_aws_region("eu-west"));
        assert!(is_guid("6dae42f8-4368-4678-94ff-3960e28e3630"));
        assert!(!is_guid("6dae42f8-4368-4678-94ff"));
        assert!(is_repo_url("https://git.example/wm/platform.git"));
        assert!(is_repo_url("git@github.com:wm/platform.git"));
        assert!(!is_repo_url("platform.git") && !is_repo_url("ftp://x/y"));
        assert!(is_dns_server("10.0.0.2") && is_dns_server("10.0.0.2:5353"));
        assert!(is_dns_server("[fd00::53]:53") && !is_dns_server("dns.corp"));
        assert!(is_dns1123_subdomain("gp3-encrypted") && !is_dns1123_subdomain("GP3"));
        assert!(has_pem(
            "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n",
            &["CERTIFICATE"]
        ));
        assert!(!has_pem("MIIB...", &["CERTIFICATE"]));
    }

    /// Errors `validate` reports for a bootstrap with this cluster block.
    fn auth_errors(cluster: ClusterBlock) -> usize {
        let state = BootstrapState {
            deployment_key: Value::Value("WM-Prod".into()),
            cloud: Value::Value("aws".into()),
            cluster: Value::Value(ClusterBlock {
                host: Value::Value("https://api.cluster.example".into()),
                ..cluster
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        diags.errors().len()
    }

    #[test]
    fn exactly_one_way_to_authenticate_unknown_blocks_aside() {
        let eks = || {
            Value::Value(EksBlock {
                cluster_name: Value::Value("ff-wm-prod".into()),
                ..Default::default()
            })
        };
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: eks(),
                ..Default::default()
            }),
            0
        );
        assert_eq!(auth_errors(ClusterBlock::default()), 1, "none");
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: eks(),
                token: Value::Value("t".into()),
                ..Default::default()
            }),
            1,
            "two"
        );
        // One dynamic block per cloud, both unknown while Terraform validates.
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: Value::Unknown,
                aks: Value::Unknown,
                ..Default::default()
            }),
            0
        );
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: eks(),
                token: Value::Unknown,
                ..Default::default()
            }),
            0
        );
    }

    #[test]
    fn tls_needs_ingress_and_a_pem_certificate_and_key() {
        let state = BootstrapState {
            deployment_key: Value::Value("WM-Prod".into()),
            cloud: Value::Value("aws".into()),
            cluster: Value::Value(ClusterBlock {
                host: Value::Value("https://api.cluster.example".into()),
                token: Value::Value("t".into()),
                ..Default::default()
            }),
            tls: Value::Value(TlsBlock::default()),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        assert_eq!(diags.errors().len(), 1, "{:?}", diags.errors());
        assert!(format!("{:?}", diags.errors()[0]).contains("ingress"));

        let key = "-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n-----END PRIVATE KEY-----\n";
        let crt = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let data = |pairs: &[(&str, &str)]| -> BTreeMap<String, Json> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
                .collect()
        };
        let at = "deployments/WM-Prod/tls";
        assert_eq!(
            check_tls_secret(at, &data(&[("tls.crt", crt), ("tls.key", key)])),
            Ok(())
        );
        let missing = check_tls_secret(at, &data(&[("tls.crt", crt)])).unwrap_err();
        assert!(
            missing.contains(at) && missing.contains("tls.key"),
            "{missing}"
        );
        let swapped =
            check_tls_secret(at, &data(&[("tls.crt", key), ("tls.key", crt)])).unwrap_err();
        assert!(
            swapped.contains("tls.crt") && swapped.contains(at),
            "{swapped}"
        );
        assert!(!swapped.contains("SECRETKEYBYTES"), "no content: {swapped}");
        let not_pem = check_tls_secret(
            at,
            &data(&[("tls.crt", crt), ("tls.key", "SECRETKEYBYTES")]),
        )
        .unwrap_err();
        assert!(
            not_pem.contains("tls.key") && !not_pem.contains("SECRETKEYBYTES"),
            "{not_pem}"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("10m"),
            Some(std::time::Duration::from_secs(600))
        );
        assert_eq!(
            parse_duration("1h30m"),
            Some(std::time::Duration::from_secs(5400))
        );
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn a_manifest_url_without_its_digest_is_refused() {
        use crate::resources::platform_bootstrap::model::IngressBlock;
        let state = BootstrapState {
            deployment_key: Value::Value("WM-Prod".into()),
            cloud: Value::Value("aws".into()),
            ingress: Value::Value(IngressBlock {
                manifest_url: Value::Value("https://example.com/m.yaml".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        assert!(
            diags
                .errors()
                .iter()
                .any(|e| format!("{e:?}").contains("sha256 is missing")),
            "{:?}",
            diags.errors()
        );
    }
}
