//! The `ff` provider: its schema, the validation of its configuration, and the backends it
//! hands to the resources.
//!
//! Every block is optional and every field falls back to the environment variable the
//! official provider of that system reads. A backend that is not configured is not an error
//! here: the resource that needs it fails at plan, naming the missing setting.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::ephemeral::DynEphemeralResource;
use tfplugin::list::DynListResource;
use tfplugin::schema::{Attribute, Block, Constraint, Description, NestedBlock, Schema};
use tfplugin::{AttributePath, ConfigureContext, Diagnostics, DynResource, Provider, Type, Value};

use crate::backends::grafana::GrafanaClient;
use crate::backends::http::{HttpSettings, RetryPolicy, System};
use crate::backends::vault::{VaultAuth, VaultClient};
use crate::diag::{DiagnosticsExt, attr, block_attr, chain};
use crate::naming::SlugRegistry;
use crate::resources;

/// Default KV v2 mount of the deployments' secrets.
pub const DEFAULT_KV_MOUNT: &str = "deployments";
/// Default timeout of one request to a backend.
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: i64 = 30;

/// The `vault` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VaultBlock {
    /// Vault address.
    pub address: Value<String>,
    /// Vault token.
    pub token: Value<String>,
    /// Vault Enterprise namespace.
    pub namespace: Value<String>,
    /// KV v2 mount holding the deployments.
    pub kv_mount: Value<String>,
    /// Extra CA bundle file.
    pub ca_cert_file: Value<String>,
    /// Log in with a JWT instead of a token.
    #[serde(with = "crate::resources::optional_block", default)]
    pub auth_login_jwt: Value<JwtLoginBlock>,
}

/// The `vault.auth_login_jwt` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JwtLoginBlock {
    /// Mount path of the JWT auth method.
    pub mount: Value<String>,
    /// Role to log in as.
    pub role: Value<String>,
    /// The JWT.
    pub jwt: Value<String>,
}

/// Default mount path of Vault's JWT auth method.
pub const DEFAULT_JWT_MOUNT: &str = "jwt";
/// Where Terraform Cloud puts the workload identity token of a run.
pub const JWT_ENV: &str = "TFC_WORKLOAD_IDENTITY_TOKEN";

/// The `auth0` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Auth0Block {
    /// Tenant domain.
    pub domain: Value<String>,
    /// Machine-to-machine client id.
    pub client_id: Value<String>,
    /// Machine-to-machine client secret.
    pub client_secret: Value<String>,
    /// Static Management API token.
    pub api_token: Value<String>,
    /// Extra CA bundle file.
    pub ca_cert_file: Value<String>,
}

/// The `grafana` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GrafanaBlock {
    /// Grafana URL.
    pub url: Value<String>,
    /// `user:password` or a token.
    pub auth: Value<String>,
    /// Extra CA bundle file.
    pub ca_cert_file: Value<String>,
}

/// The provider configuration as Terraform sends it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// Vault settings.
    #[serde(with = "crate::resources::optional_block")]
    pub vault: Value<VaultBlock>,
    /// Auth0 settings.
    #[serde(with = "crate::resources::optional_block")]
    pub auth0: Value<Auth0Block>,
    /// Grafana settings.
    #[serde(with = "crate::resources::optional_block")]
    pub grafana: Value<GrafanaBlock>,
    /// Timeout of one request.
    pub request_timeout_seconds: Value<i64>,
}

/// Settings of the Auth0 backend (its client is built by the Auth0 resource's module).
#[derive(Clone, Debug)]
pub struct Auth0Settings {
    /// Base URL of the tenant (`https://<domain>`).
    pub base_url: String,
    /// How the provider authenticates.
    pub credentials: Auth0Credentials,
    /// Extra CA certificates.
    pub ca_pem: Option<Vec<u8>>,
}

/// Auth0 Management API credentials.
#[derive(Clone)]
pub enum Auth0Credentials {
    /// `client_credentials` grant.
    Client {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
    },
    /// A static token.
    Token(String),
}

impl std::fmt::Debug for Auth0Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth0Credentials::Client { client_id, .. } => {
                write!(f, "Client {{ client_id: {client_id:?}, .. }}")
            }
            Auth0Credentials::Token(_) => f.write_str("Token(..)"),
        }
    }
}

/// A backend as the resources see it.
#[derive(Clone, Debug)]
pub enum Slot<T> {
    /// Configured and usable.
    Ready(T),
    /// Part of its configuration is not known until apply.
    Unknown,
    /// Not configured: names the missing settings.
    Missing(String),
}

/// All backends, once the provider is configured.
#[derive(Clone, Debug)]
pub struct Backends {
    /// Vault client.
    pub vault: Slot<VaultClient>,
    /// The KV v2 mount of the deployments.
    pub kv_mount: String,
    /// Grafana client.
    pub grafana: Slot<GrafanaClient>,
    /// Auth0 settings.
    pub auth0: Slot<Auth0Settings>,
    /// Timeout of one request.
    pub request_timeout: Duration,
}

/// What the provider shares with its resources.
#[derive(Debug, Default)]
pub struct ProviderContext {
    backends: RwLock<Option<Backends>>,
    /// Slugs claimed by the deployment keys seen in this process.
    pub slugs: SlugRegistry,
}

impl ProviderContext {
    /// The configured backends; `None` before Terraform configured the provider.
    pub fn backends(&self) -> Option<Backends> {
        match self.backends.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, backends: Backends) {
        match self.backends.write() {
            Ok(mut guard) => *guard = Some(backends),
            Err(poisoned) => *poisoned.into_inner() = Some(backends),
        }
    }
}

/// The provider.
pub struct FfProvider {
    context: Arc<ProviderContext>,
    catalog: resources::Catalog,
}

impl Default for FfProvider {
    fn default() -> Self {
        let context = Arc::new(ProviderContext::default());
        let catalog = resources::Catalog::new(&context);
        Self { context, catalog }
    }
}

impl FfProvider {
    /// A provider waiting to be configured.
    pub fn new() -> Self {
        Self::default()
    }
}

fn string_attr(description: &str, sensitive: bool) -> Attribute {
    let attribute = Attribute::new(Type::String, Constraint::Optional, description);
    if sensitive {
        attribute.sensitive()
    } else {
        attribute
    }
}

fn block(description: &str, attributes: Vec<(&str, Attribute)>) -> NestedBlock {
    NestedBlock::optional(Block {
        description: Description::markdown(description),
        attributes: attributes
            .into_iter()
            .map(|(name, attr)| (name.to_string(), attr))
            .collect(),
        ..Block::default()
    })
}

/// `outer` with `inner` nested in it under `name`.
fn with_block(mut outer: NestedBlock, name: &str, inner: NestedBlock) -> NestedBlock {
    outer.block.blocks.insert(name.to_string(), inner);
    outer
}

/// `vault.auth_login_jwt`.
fn jwt_login_block() -> NestedBlock {
    block(
        "Log in to Vault with a JWT through its JWT auth method (`auth/<mount>/login`) instead of using `token`: with Terraform Cloud dynamic credentials, set the workspace variable `TFC_WORKLOAD_IDENTITY_AUDIENCE` so that each run gets a workload identity token in `TFC_WORKLOAD_IDENTITY_TOKEN`, which is the default `jwt`. The Vault role binds that audience and the claims of the runs it admits. The provider logs in again before the Vault token expires.",
        vec![
            (
                "mount",
                string_attr("Mount path of the JWT auth method (default `jwt`).", false),
            ),
            (
                "role",
                Attribute {
                    constraint: Constraint::Required,
                    ..string_attr("Name of the JWT role to log in as.", false)
                },
            ),
            (
                "jwt",
                string_attr(
                    "The signed JWT to log in with. Environment: `TFC_WORKLOAD_IDENTITY_TOKEN` (Terraform Cloud's workload identity token).",
                    true,
                ),
            ),
        ],
    )
}

/// What is wrong with a JWT's form (three base64url parts, a JSON header naming `alg`),
/// without quoting it.
pub fn jwt_format_problem(jwt: &str) -> Option<String> {
    use base64::Engine;
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    if parts.len() != 3 {
        return Some(format!(
            "a JWT has three dot-separated parts; this value has {}",
            parts.len()
        ));
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Some("a part of the JWT is empty (an unsigned JWT cannot log in)".into());
    }
    let base64url = |p: &str| {
        p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    if !parts.iter().all(|p| base64url(p)) {
        return Some("the JWT holds characters outside base64url".into());
    }
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[0].trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    match header {
        Some(h) if h.get("alg").and_then(serde_json::Value::as_str).is_some() => None,
        _ => {
            Some("the JWT's header is not a JSON object naming its signing algorithm (alg)".into())
        }
    }
}

/// Path of an attribute of `vault.auth_login_jwt`.
fn jwt_attr(name: &'static str) -> AttributePath {
    AttributePath::new("vault")
        .index(0)
        .attribute("auth_login_jwt")
        .index(0)
        .attribute(name)
}

/// What is wrong with a Vault mount path or role name.
fn vault_name_problem(value: &str, what: &str, slashes: bool) -> Option<String> {
    let trimmed = value.trim_matches('/');
    if trimmed.is_empty() {
        return Some(format!("the {what} is empty"));
    }
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '*' | '+' | '?' | '#'))
        || (!slashes && value.contains('/'))
    {
        return Some(format!(
            "the {what} {value:?} holds characters Vault does not accept in it"
        ));
    }
    None
}

/// The provider's schema.
pub fn provider_schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "The `ff` provider turns a customer deployment — its secrets in Vault, its \
                 authentication in Auth0, its monitoring in Grafana and its Kubernetes \
                 platform — into resources keyed by a short deployment key such as `WM-Prod`. \
                 Every block is optional; each setting falls back to the environment variable \
                 the official provider of that system reads.",
            ),
            attributes: BTreeMap::from([(
                "request_timeout_seconds".to_string(),
                Attribute::new(
                    Type::Number,
                    Constraint::Optional,
                    "Timeout of one request to a backend, in seconds (default 30). \
                     Failed and timed-out requests are retried a few times with backoff.",
                ),
            )]),
            blocks: BTreeMap::from([
                (
                    "vault".to_string(),
                    with_block(
                        block(
                            "HashiCorp Vault, which holds every secret of the deployments. The provider authenticates with `token`, or logs in with `auth_login_jwt` (Terraform Cloud dynamic credentials); a token with a TTL is renewed, and a login is repeated, before it expires, so applies may last longer than the token's TTL.",
                            vec![
                                (
                                    "address",
                                    string_attr(
                                        "Vault address, such as `https://vault.example.com:8200`. Environment: `VAULT_ADDR`.",
                                        false,
                                    ),
                                ),
                                (
                                    "token",
                                    string_attr("Vault token. Environment: `VAULT_TOKEN`.", true),
                                ),
                                (
                                    "namespace",
                                    string_attr(
                                        "Vault Enterprise namespace. Environment: `VAULT_NAMESPACE`.",
                                        false,
                                    ),
                                ),
                                (
                                    "kv_mount",
                                    string_attr(
                                        "KV version 2 mount that holds the deployments (default `deployments`); enabled if missing.",
                                        false,
                                    ),
                                ),
                                (
                                    "ca_cert_file",
                                    string_attr(
                                        "PEM file of extra CA certificates to trust. Environment: `VAULT_CACERT`.",
                                        false,
                                    ),
                                ),
                            ],
                        ),
                        "auth_login_jwt",
                        jwt_login_block(),
                    ),
                ),
                (
                    "auth0".to_string(),
                    block(
                        "Auth0 tenant, managed through its Management API.",
                        vec![
                            (
                                "domain",
                                string_attr(
                                    "Tenant domain, such as `example.eu.auth0.com` (a full `https://` URL is accepted too). Environment: `AUTH0_DOMAIN`.",
                                    false,
                                ),
                            ),
                            (
                                "client_id",
                                string_attr(
                                    "Client id of a machine-to-machine application authorised for the Management API. Environment: `AUTH0_CLIENT_ID`.",
                                    false,
                                ),
                            ),
                            (
                                "client_secret",
                                string_attr(
                                    "Its client secret. Environment: `AUTH0_CLIENT_SECRET`.",
                                    true,
                                ),
                            ),
                            (
                                "api_token",
                                string_attr(
                                    "A Management API token, instead of the client credentials. Environment: `AUTH0_API_TOKEN`.",
                                    true,
                                ),
                            ),
                            (
                                "ca_cert_file",
                                string_attr("PEM file of extra CA certificates to trust.", false),
                            ),
                        ],
                    ),
                ),
                (
                    "grafana".to_string(),
                    block(
                        "Grafana, where each deployment gets a folder, a team and a service account.",
                        vec![
                            (
                                "url",
                                string_attr(
                                    "Grafana URL, such as `https://grafana.example.com`. Environment: `GRAFANA_URL`.",
                                    false,
                                ),
                            ),
                            (
                                "auth",
                                string_attr(
                                    "`user:password` for basic auth, or a service account token. Environment: `GRAFANA_AUTH`.",
                                    true,
                                ),
                            ),
                            (
                                "ca_cert_file",
                                string_attr(
                                    "PEM file of extra CA certificates to trust. Environment: `GRAFANA_CA_CERT`.",
                                    false,
                                ),
                            ),
                        ],
                    ),
                ),
            ]),
            deprecated: false,
        },
    }
}

/// Where a setting's value came from, for messages.
#[derive(Clone, Copy)]
enum Source {
    Config,
    Env(&'static str),
}

/// A setting: the configured value, else the environment variable.
fn setting(value: Option<&Value<String>>, env: Option<&'static str>) -> SettingValue {
    match value {
        Some(Value::Value(v)) => SettingValue::Known(v.clone(), Source::Config),
        Some(Value::Unknown) => SettingValue::Unknown,
        _ => match env.and_then(|name| std::env::var(name).ok().map(|v| (name, v))) {
            Some((name, v)) if !v.is_empty() => SettingValue::Known(v, Source::Env(name)),
            _ => SettingValue::Absent,
        },
    }
}

enum SettingValue {
    Known(String, Source),
    Unknown,
    Absent,
}

fn from_where(source: Source) -> String {
    match source {
        Source::Config => "in the provider configuration".to_string(),
        Source::Env(name) => format!("from the environment variable {name}"),
    }
}

/// Check that `value` is an absolute http(s) URL.
fn check_url(value: &str) -> Result<(), String> {
    match url::Url::parse(value) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(format!(
            "{value:?} is not an http:// or https:// URL (scheme {:?})",
            u.scheme()
        )),
        Err(e) => Err(format!("{value:?} is not a URL: {e}")),
    }
}

fn check_url_setting(
    diags: &mut Diagnostics,
    path: AttributePath,
    what: &str,
    value: &str,
    source: Source,
) {
    if let Err(problem) = check_url(value) {
        diags.error_at(
            path,
            format!("Invalid {what}"),
            format!(
                "The {what} {} must be an absolute URL such as https://host:port: {problem}.",
                from_where(source)
            ),
        );
    }
}

fn check_not_empty(
    diags: &mut Diagnostics,
    path: AttributePath,
    what: &str,
    value: &Value<String>,
) {
    if let Value::Value(v) = value
        && v.trim().is_empty()
    {
        diags.error_at(
            path,
            format!("Empty {what}"),
            format!("The {what} is set to an empty string; set a value or remove the attribute."),
        );
    }
}

/// Validation of the values written in the configuration (not the environment).
fn validate_config(diags: &mut Diagnostics, config: &ProviderConfig) {
    if let Value::Value(vault) = &config.vault {
        if let Value::Value(address) = &vault.address {
            check_url_setting(
                diags,
                block_attr("vault", "address"),
                "Vault address",
                address,
                Source::Config,
            );
        }
        check_not_empty(
            diags,
            block_attr("vault", "token"),
            "Vault token",
            &vault.token,
        );
        check_not_empty(
            diags,
            block_attr("vault", "kv_mount"),
            "Vault KV mount",
            &vault.kv_mount,
        );
        if let Value::Value(login) = &vault.auth_login_jwt {
            if let Value::Value(mount) = &login.mount
                && let Some(problem) = vault_name_problem(mount, "JWT auth mount", true)
            {
                diags.error_at(
                    jwt_attr("mount"),
                    "Invalid Vault JWT auth mount",
                    format!("{problem}: give the path the JWT auth method is enabled at, such as \"jwt\"."),
                );
            }
            if let Value::Value(role) = &login.role
                && let Some(problem) = vault_name_problem(role, "JWT role", false)
            {
                diags.error_at(
                    jwt_attr("role"),
                    "Invalid Vault JWT role",
                    format!("{problem}: give the name of a role of the JWT auth method."),
                );
            }
            if let Value::Value(jwt) = &login.jwt
                && let Some(problem) = jwt_format_problem(jwt)
            {
                diags.error_at(
                    jwt_attr("jwt"),
                    "Invalid JWT",
                    format!(
                        "The JWT in the provider configuration is not a signed JWT: {problem}."
                    ),
                );
            }
        }
        if let Value::Value(mount) = &vault.kv_mount
            && (mount.trim_matches('/').is_empty() || mount.contains(['*', '+', ' ']))
        {
            diags.error_at(
                block_attr("vault", "kv_mount"),
                "Invalid Vault KV mount",
                format!(
                    "The KV mount {mount:?} must be a Vault mount path such as \"deployments\"."
                ),
            );
        }
    }
    if let Value::Value(grafana) = &config.grafana {
        if let Value::Value(url) = &grafana.url {
            check_url_setting(
                diags,
                block_attr("grafana", "url"),
                "Grafana URL",
                url,
                Source::Config,
            );
        }
        check_not_empty(
            diags,
            block_attr("grafana", "auth"),
            "Grafana auth",
            &grafana.auth,
        );
    }
    if let Value::Value(auth0) = &config.auth0 {
        if let Value::Value(domain) = &auth0.domain
            && let Err(problem) = auth0_base_url(domain)
        {
            diags.error_at(
                block_attr("auth0", "domain"),
                "Invalid Auth0 domain",
                problem,
            );
        }
        check_not_empty(
            diags,
            block_attr("auth0", "client_id"),
            "Auth0 client id",
            &auth0.client_id,
        );
        check_not_empty(
            diags,
            block_attr("auth0", "client_secret"),
            "Auth0 client secret",
            &auth0.client_secret,
        );
        check_not_empty(
            diags,
            block_attr("auth0", "api_token"),
            "Auth0 API token",
            &auth0.api_token,
        );
    }
    if let Value::Value(seconds) = config.request_timeout_seconds
        && !(1..=3600).contains(&seconds)
    {
        diags.error_at(
            attr("request_timeout_seconds"),
            "Invalid request timeout",
            format!("request_timeout_seconds must be between 1 and 3600; it is {seconds}."),
        );
    }
}

/// `example.eu.auth0.com` → `https://example.eu.auth0.com`; a full URL is kept.
pub fn auth0_base_url(domain: &str) -> Result<String, String> {
    let domain = domain.trim().trim_end_matches('/');
    if domain.starts_with("http://") || domain.starts_with("https://") {
        check_url(domain)?;
        return Ok(domain.to_string());
    }
    let url = format!("https://{domain}");
    match url::Url::parse(&url) {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) && u.path() == "/" => Ok(url),
        _ => Err(format!(
            "{domain:?} is not an Auth0 domain such as \"example.eu.auth0.com\""
        )),
    }
}

fn read_ca(
    diags: &mut Diagnostics,
    path: AttributePath,
    setting: SettingValue,
) -> Result<Option<Vec<u8>>, crate::resources::NotConfigured> {
    match setting {
        SettingValue::Known(file, source) => match std::fs::read(&file) {
            Ok(pem) => Ok(Some(pem)),
            Err(e) => {
                diags.error_at(
                    path,
                    "CA bundle cannot be read",
                    format!(
                        "The CA bundle file {file:?} {} cannot be read: {e}.",
                        from_where(source)
                    ),
                );
                Err(crate::resources::NotConfigured)
            }
        },
        _ => Ok(None),
    }
}

fn http_settings(
    system: System,
    base_url: String,
    ca_pem: Option<Vec<u8>>,
    timeout: Duration,
) -> HttpSettings {
    HttpSettings {
        system,
        base_url,
        ca_pem,
        timeout,
        retry: RetryPolicy::default(),
    }
}

fn missing(names: &[(&str, &str)]) -> String {
    names
        .iter()
        .map(|(attribute, env)| format!("{attribute} (or the environment variable {env})"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// How the provider will authenticate to Vault, as far as it is known.
enum AuthSetting {
    Known(VaultAuth),
    Unknown,
    /// Names what is missing.
    Missing(String),
}

/// The token, or the JWT login when `auth_login_jwt` is given (the token is then unused).
fn vault_auth(
    diags: &mut Diagnostics,
    vault_block: Option<&VaultBlock>,
    token: SettingValue,
) -> AuthSetting {
    let Some(login) = vault_block.and_then(|b| b.auth_login_jwt.as_ref_option()) else {
        return match token {
            SettingValue::Known(token, _) => AuthSetting::Known(VaultAuth::Token(token)),
            SettingValue::Unknown => AuthSetting::Unknown,
            SettingValue::Absent => {
                AuthSetting::Missing(missing(&[("vault.token", "VAULT_TOKEN")]))
            }
        };
    };
    let mount = match &login.mount {
        Value::Value(mount) => mount.trim_matches('/').to_string(),
        Value::Unknown => return AuthSetting::Unknown,
        Value::Null => DEFAULT_JWT_MOUNT.to_string(),
    };
    let role = match &login.role {
        Value::Value(role) => role.clone(),
        Value::Unknown => return AuthSetting::Unknown,
        Value::Null => return AuthSetting::Missing("vault.auth_login_jwt.role".into()),
    };
    match setting(Some(&login.jwt), Some(JWT_ENV)) {
        SettingValue::Known(jwt, source) => {
            if let Some(problem) = jwt_format_problem(&jwt) {
                diags.error_at(
                    jwt_attr("jwt"),
                    "Invalid JWT",
                    format!(
                        "The JWT {} is not a signed JWT: {problem}. In Terraform Cloud, set the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE so that runs receive one.",
                        from_where(source)
                    ),
                );
                return AuthSetting::Missing("a valid vault.auth_login_jwt.jwt".into());
            }
            AuthSetting::Known(VaultAuth::Jwt { mount, role, jwt })
        }
        SettingValue::Unknown => AuthSetting::Unknown,
        SettingValue::Absent => AuthSetting::Missing(format!(
            "vault.auth_login_jwt.jwt (or the environment variable {JWT_ENV}, which Terraform Cloud sets when the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE is set)"
        )),
    }
}

/// Build the backends from the configuration and the environment.
fn resolve(diags: &mut Diagnostics, config: &ProviderConfig) -> Backends {
    let timeout = Duration::from_secs(
        config
            .request_timeout_seconds
            .as_ref_option()
            .copied()
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECONDS)
            .clamp(1, 3600) as u64,
    );

    // Vault.
    let vault_block = config.vault.as_ref_option();
    let kv_mount = vault_block
        .and_then(|b| b.kv_mount.as_ref_option())
        .map(|m| m.trim_matches('/').to_string())
        .unwrap_or_else(|| DEFAULT_KV_MOUNT.to_string());
    let address = setting(vault_block.map(|b| &b.address), Some("VAULT_ADDR"));
    let token = setting(vault_block.map(|b| &b.token), Some("VAULT_TOKEN"));
    let namespace = setting(vault_block.map(|b| &b.namespace), Some("VAULT_NAMESPACE"));
    let vault_ca = setting(vault_block.map(|b| &b.ca_cert_file), Some("VAULT_CACERT"));
    let auth = vault_auth(diags, vault_block, token);
    let vault = match (address, auth, namespace) {
        (SettingValue::Unknown, _, _)
        | (_, AuthSetting::Unknown, _)
        | (_, _, SettingValue::Unknown) => Slot::Unknown,
        (SettingValue::Known(address, source), AuthSetting::Known(auth), namespace) => {
            check_url_setting(
                diags,
                block_attr("vault", "address"),
                "Vault address",
                &address,
                source,
            );
            let namespace = match namespace {
                SettingValue::Known(ns, _) => Some(ns),
                _ => None,
            };
            match read_ca(diags, block_attr("vault", "ca_cert_file"), vault_ca) {
                Ok(ca) => match VaultClient::with_auth(
                    http_settings(System::Vault, address, ca, timeout),
                    auth,
                    namespace,
                ) {
                    Ok(client) => Slot::Ready(client),
                    Err(e) => {
                        diags.error_at(
                            block_attr("vault", "ca_cert_file"),
                            "Vault client cannot be set up",
                            chain(&e),
                        );
                        Slot::Missing("a working Vault configuration".into())
                    }
                },
                Err(_) => Slot::Missing("a readable vault.ca_cert_file".into()),
            }
        }
        (address, auth, _) => {
            let mut names = Vec::new();
            if !matches!(address, SettingValue::Known(..)) {
                names.push(missing(&[("vault.address", "VAULT_ADDR")]));
            }
            if let AuthSetting::Missing(what) = auth {
                names.push(what);
            }
            Slot::Missing(names.join(" and "))
        }
    };

    // Grafana.
    let grafana_block = config.grafana.as_ref_option();
    let url = setting(grafana_block.map(|b| &b.url), Some("GRAFANA_URL"));
    let auth = setting(grafana_block.map(|b| &b.auth), Some("GRAFANA_AUTH"));
    let grafana_ca = setting(
        grafana_block.map(|b| &b.ca_cert_file),
        Some("GRAFANA_CA_CERT"),
    );
    let grafana = match (url, auth) {
        (SettingValue::Unknown, _) | (_, SettingValue::Unknown) => Slot::Unknown,
        (SettingValue::Known(url, source), SettingValue::Known(auth, _)) => {
            check_url_setting(
                diags,
                block_attr("grafana", "url"),
                "Grafana URL",
                &url,
                source,
            );
            match read_ca(diags, block_attr("grafana", "ca_cert_file"), grafana_ca) {
                Ok(ca) => match GrafanaClient::new(
                    http_settings(System::Grafana, url, ca, timeout),
                    &auth,
                ) {
                    Ok(client) => Slot::Ready(client),
                    Err(e) => {
                        diags.error_at(
                            block_attr("grafana", "ca_cert_file"),
                            "Grafana client cannot be set up",
                            chain(&e),
                        );
                        Slot::Missing("a working Grafana configuration".into())
                    }
                },
                Err(_) => Slot::Missing("a readable grafana.ca_cert_file".into()),
            }
        }
        (url, auth) => {
            let mut names = Vec::new();
            if !matches!(url, SettingValue::Known(..)) {
                names.push(("grafana.url", "GRAFANA_URL"));
            }
            if !matches!(auth, SettingValue::Known(..)) {
                names.push(("grafana.auth", "GRAFANA_AUTH"));
            }
            Slot::Missing(missing(&names))
        }
    };

    // Auth0.
    let auth0_block = config.auth0.as_ref_option();
    let domain = setting(auth0_block.map(|b| &b.domain), Some("AUTH0_DOMAIN"));
    let client_id = setting(auth0_block.map(|b| &b.client_id), Some("AUTH0_CLIENT_ID"));
    let client_secret = setting(
        auth0_block.map(|b| &b.client_secret),
        Some("AUTH0_CLIENT_SECRET"),
    );
    let api_token = setting(auth0_block.map(|b| &b.api_token), Some("AUTH0_API_TOKEN"));
    let auth0_ca = setting(auth0_block.map(|b| &b.ca_cert_file), None);
    let auth0 = match (domain, client_id, client_secret, api_token) {
        (SettingValue::Unknown, ..)
        | (_, SettingValue::Unknown, ..)
        | (_, _, SettingValue::Unknown, _)
        | (.., SettingValue::Unknown) => Slot::Unknown,
        (SettingValue::Known(domain, source), client_id, client_secret, api_token) => {
            let credentials = match (api_token, client_id, client_secret) {
                (SettingValue::Known(token, _), _, _) => Some(Auth0Credentials::Token(token)),
                (_, SettingValue::Known(client_id, _), SettingValue::Known(client_secret, _)) => {
                    Some(Auth0Credentials::Client {
                        client_id,
                        client_secret,
                    })
                }
                _ => None,
            };
            match (auth0_base_url(&domain), credentials) {
                (Err(problem), _) => {
                    diags.error_at(
                        block_attr("auth0", "domain"),
                        "Invalid Auth0 domain",
                        format!("The Auth0 domain {}: {problem}.", from_where(source)),
                    );
                    Slot::Missing("a valid auth0.domain".into())
                }
                (Ok(_), None) => Slot::Missing(
                    missing(&[
                        ("auth0.client_id", "AUTH0_CLIENT_ID"),
                        ("auth0.client_secret", "AUTH0_CLIENT_SECRET"),
                    ]) + ", or auth0.api_token (or AUTH0_API_TOKEN)",
                ),
                (Ok(base_url), Some(credentials)) => {
                    match read_ca(diags, block_attr("auth0", "ca_cert_file"), auth0_ca) {
                        Ok(ca_pem) => Slot::Ready(Auth0Settings {
                            base_url,
                            credentials,
                            ca_pem,
                        }),
                        Err(_) => Slot::Missing("a readable auth0.ca_cert_file".into()),
                    }
                }
            }
        }
        _ => Slot::Missing(missing(&[("auth0.domain", "AUTH0_DOMAIN")])),
    };

    Backends {
        vault,
        kv_mount,
        grafana,
        auth0,
        request_timeout: timeout,
    }
}

#[async_trait]
impl Provider for FfProvider {
    type Config = ProviderConfig;

    fn schema(&self) -> Schema {
        provider_schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: ProviderConfig) {
        validate_config(diags, &config);
    }

    async fn configure(
        &self,
        diags: &mut Diagnostics,
        config: ProviderConfig,
        context: ConfigureContext,
    ) {
        tracing::info!(
            terraform_version = context.terraform_version,
            "configuring the provider"
        );
        let backends = resolve(diags, &config);
        tracing::debug!(
            vault = slot_state(&backends.vault),
            grafana = slot_state(&backends.grafana),
            auth0 = slot_state(&backends.auth0),
            "backends resolved"
        );
        self.context.set(backends);
    }

    fn resources(&self) -> Vec<(String, Arc<dyn DynResource>)> {
        self.catalog.resources()
    }

    fn list_resources(&self) -> Vec<(String, Arc<dyn DynListResource>)> {
        self.catalog.lists()
    }

    fn ephemeral_resources(&self) -> Vec<(String, Arc<dyn DynEphemeralResource>)> {
        self.catalog.ephemeral()
    }

    fn stop(&self) {
        crate::stop::request();
    }
}

fn slot_state<T>(slot: &Slot<T>) -> &'static str {
    match slot {
        Slot::Ready(_) => "configured",
        Slot::Unknown => "known at apply",
        Slot::Missing(_) => "not configured",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("http://127.0.0.1:8200").is_ok());
        assert!(check_url("https://vault.example.com").is_ok());
        assert!(check_url("vault.example.com").is_err());
        assert!(check_url("ftp://x").is_err());
    }

    #[test]
    fn auth0_domains() {
        assert_eq!(
            auth0_base_url("t.eu.auth0.com"),
            Ok("https://t.eu.auth0.com".into())
        );
        assert_eq!(
            auth0_base_url("http://127.0.0.1:9/"),
            Ok("http://127.0.0.1:9".into())
        );
        assert!(auth0_base_url("not a domain").is_err());
        assert!(auth0_base_url("t.eu.auth0.com/api").is_err());
    }

    #[test]
    fn jwt_forms() {
        // {"alg":"RS256"} . {} . sig
        assert_eq!(jwt_format_problem("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"), None);
        for bad in [
            "",
            "a.b",
            "a..c",
            "a.b.c.d",
            "e30.e30.c2ln",
            "eyJhbGciOiJSUzI1NiJ9.e30.s ig",
        ] {
            let problem = jwt_format_problem(bad);
            assert!(problem.is_some(), "{bad:?}");
            assert!(
                !problem.unwrap_or_default().contains("c2ln"),
                "never quoted"
            );
        }
    }

    #[test]
    fn jwt_login_settings_are_checked_with_their_paths() {
        let config = ProviderConfig {
            vault: Value::Value(VaultBlock {
                auth_login_jwt: Value::Value(JwtLoginBlock {
                    mount: Value::Value("j w t".into()),
                    role: Value::Value("a/b".into()),
                    jwt: Value::Value("secret-looking.value".into()),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, &config);
        let paths: Vec<String> = diags
            .errors()
            .iter()
            .map(|d| d.attribute.clone().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            paths,
            vec![
                "vault[0].auth_login_jwt[0].mount",
                "vault[0].auth_login_jwt[0].role",
                "vault[0].auth_login_jwt[0].jwt"
            ],
            "{:?}",
            diags.errors()
        );
        assert!(
            diags
                .errors()
                .iter()
                .all(|d| !format!("{d:?}").contains("secret-looking")),
            "the JWT is never quoted"
        );
    }

    #[test]
    fn invalid_config_names_the_attribute() {
        let config = ProviderConfig {
            vault: Value::Value(VaultBlock {
                address: Value::Value("not-a-url".into()),
                token: Value::Value("".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, &config);
        let paths: Vec<String> = diags
            .errors()
            .iter()
            .map(|d| d.attribute.clone().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            paths,
            vec!["vault[0].address", "vault[0].token"],
            "{:?}",
            diags.errors()
        );
    }
}
