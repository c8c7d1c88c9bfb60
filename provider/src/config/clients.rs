//! Building every backend's client from the configuration and the environment: Vault,
//! Grafana and Auth0, each a [`Slot`] the resources find in the [`crate::context`].

use std::sync::Arc;
use std::time::Duration;

use tfplugin::{AttributePath, Diagnostics, Value};

use super::model::{
    DEFAULT_JWT_MOUNT, DEFAULT_KV_MOUNT, DEFAULT_REQUEST_TIMEOUT_SECONDS, JWT_ENV, ProviderConfig,
    VaultBlock,
};
use super::validate::{Source, check_url_setting, from_where, jwt_attr, jwt_format_problem};
use crate::backends::auth0::{Auth0Client, Auth0Credentials, auth0_base_url};
use crate::backends::grafana::GrafanaClient;
use crate::backends::http::{HttpSettings, RetryPolicy, System};
use crate::backends::vault::{VaultAuth, VaultClient};
use crate::context::{Backends, Slot};
use crate::diag::{DiagnosticsExt, block_attr, chain};

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

/// A CA bundle file that cannot be read; the diagnostic is recorded.
struct Unreadable;

/// The CA bundle a setting names, read; `None` when none is set.
fn read_ca(
    diags: &mut Diagnostics,
    path: AttributePath,
    setting: SettingValue,
) -> Result<Option<Vec<u8>>, Unreadable> {
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
                Err(Unreadable)
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
pub fn resolve(diags: &mut Diagnostics, config: &ProviderConfig) -> Backends {
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
                        Ok(ca) => match Auth0Client::new(
                            http_settings(System::Auth0, base_url, ca, timeout),
                            credentials,
                        ) {
                            // One client per configured provider, shared by every resource:
                            // its token, its list snapshots and its rate-limit gate.
                            Ok(client) => Slot::Ready(Arc::new(client)),
                            Err(e) => {
                                diags.error_at(
                                    block_attr("auth0", "ca_cert_file"),
                                    "Auth0 client cannot be set up",
                                    chain(&e),
                                );
                                Slot::Missing("a working Auth0 configuration".into())
                            }
                        },
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
