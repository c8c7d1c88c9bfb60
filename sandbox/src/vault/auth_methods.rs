//! Auth methods: the table at `sys/auth` and the Kubernetes auth method's configuration and
//! roles (`auth/<mount>/config`, `auth/<mount>/role/<name>`).
//! <https://developer.hashicorp.com/vault/api-docs/system/auth>
//! <https://developer.hashicorp.com/vault/api-docs/auth/kubernetes>
//!
//! The reviewer JWT is stored but never returned (Vault answers `token_reviewer_jwt_set`).
//! Logging in through the Kubernetes method is not emulated; the JWT method (`jwt.rs`) is,
//! login included.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::routes::{Operation, VaultRequest, no_content};
use super::state::VaultState;
use crate::util::random_uuid;

/// Auth method types that can be enabled; `kubernetes` and `jwt` have their endpoints
/// emulated.
const KNOWN_AUTH_TYPES: [&str; 6] = ["kubernetes", "approle", "userpass", "jwt", "oidc", "ldap"];

/// An enabled auth method.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthMount {
    #[serde(default)]
    pub namespace: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub accessor: String,
    pub uuid: String,
    /// `config` of the method (Kubernetes: host, CA, reviewer JWT...).
    #[serde(default)]
    pub config: Option<Map<String, Value>>,
    /// Roles by name.
    #[serde(default)]
    pub roles: BTreeMap<String, Map<String, Value>>,
}

/// `sys/auth` and `sys/auth/<path>`.
pub fn sys_auth(state: &mut VaultState, request: &VaultRequest) -> VaultResult {
    let prefix = request.ns_prefix();
    let Some(rest) = request.path.strip_prefix("sys/auth/") else {
        if request.operation != Operation::Read {
            return Err(VaultError::unsupported_operation());
        }
        let mut table = Map::new();
        table.insert(
            "token/".into(),
            json!({"type": "token", "description": "token based credentials", "accessor": "auth_token_root", "local": false, "seal_wrap": false, "config": {"default_lease_ttl": 0, "max_lease_ttl": 0}, "options": null}),
        );
        for (key, mount) in &state.auth_mounts {
            if mount.namespace == request.namespace
                && let Some(path) = key.strip_prefix(&prefix)
            {
                table.insert(path.to_string(), mount_json(mount));
            }
        }
        return Ok(Reply::Legacy(Value::Object(table)));
    };
    let path = format!("{}/", rest.trim_matches('/'));
    let key = format!("{prefix}{path}");
    match request.operation {
        Operation::Read => state
            .auth_mounts
            .get(&key)
            .map(|m| Reply::Data(mount_json(m)))
            .ok_or_else(|| VaultError::bad_request(format!("No auth engine at {path}"))),
        Operation::Write => {
            let kind = match request.body.get("type") {
                Some(Value::String(kind)) if !kind.is_empty() => kind.clone(),
                _ => {
                    return Err(VaultError::bad_request(
                        "backend type must be specified as a string",
                    ));
                }
            };
            if !KNOWN_AUTH_TYPES.contains(&kind.as_str()) {
                return Err(VaultError::bad_request(format!(
                    "plugin not found in the catalog: {kind}"
                )));
            }
            if path == "token/" || state.auth_mounts.contains_key(&key) {
                return Err(VaultError::bad_request(format!(
                    "path is already in use at {path}"
                )));
            }
            let description = request
                .body
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            state.auth_mounts.insert(
                key,
                AuthMount {
                    namespace: request.namespace.clone(),
                    kind: kind.clone(),
                    description: description.to_string(),
                    accessor: format!("auth_{}_{}", kind, &random_uuid()[..8]),
                    uuid: random_uuid(),
                    config: None,
                    roles: BTreeMap::new(),
                },
            );
            no_content()
        }
        // Vault answers success for a method that is not enabled.
        Operation::Delete => {
            state.auth_mounts.remove(&key);
            no_content()
        }
        _ => Err(VaultError::unsupported_operation()),
    }
}

fn mount_json(mount: &AuthMount) -> Value {
    json!({
        "type": mount.kind,
        "description": mount.description,
        "accessor": mount.accessor,
        "uuid": mount.uuid,
        "local": false,
        "seal_wrap": false,
        "external_entropy_access": false,
        "config": {"default_lease_ttl": 0, "max_lease_ttl": 0, "token_type": "default-service"},
        "options": null,
    })
}

/// `auth/<mount>/...` for enabled methods; `None` when no method is enabled there.
pub fn handle(state: &mut VaultState, request: &VaultRequest) -> Option<VaultResult> {
    let prefix = request.ns_prefix();
    let rest = request.path.strip_prefix("auth/")?;
    let with_slash = format!("{prefix}{rest}/");
    let key = state
        .auth_mounts
        .keys()
        .filter(|k| with_slash.starts_with(k.as_str()))
        .max_by_key(|k| k.len())?
        .clone();
    let inner = with_slash[key.len()..].trim_end_matches('/').to_string();
    let mount = state.auth_mounts.get_mut(&key)?;
    if mount.kind == "jwt" {
        return Some(super::jwt::handle(mount, &inner, request));
    }
    if mount.kind != "kubernetes" {
        return Some(Err(VaultError::new(
            axum::http::StatusCode::NOT_FOUND,
            format!(
                "ff-sandbox does not emulate the {:?} auth method",
                mount.kind
            ),
        )));
    }
    Some(kubernetes(mount, &inner, request))
}

/// `auth/<mount>/login` of an enabled JWT method, which needs no token; `None` for any
/// other request.
pub fn login(state: &mut VaultState, request: &VaultRequest) -> Option<VaultResult> {
    let mount = request
        .path
        .strip_prefix("auth/")?
        .strip_suffix("/login")?
        .trim_matches('/');
    let key = format!("{}{mount}/", request.ns_prefix());
    let enabled = state.auth_mounts.get(&key)?;
    if enabled.kind != "jwt" || enabled.namespace != request.namespace {
        return None;
    }
    Some(super::jwt::login(state, &key, request))
}

fn kubernetes(mount: &mut AuthMount, path: &str, request: &VaultRequest) -> VaultResult {
    match (path, request.operation) {
        ("config", Operation::Write) => {
            let host = request
                .body
                .get("kubernetes_host")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if host.is_empty() {
                return Err(VaultError::bad_request("no host provided"));
            }
            let mut config = mount.config.clone().unwrap_or_default();
            for (k, v) in &request.body {
                config.insert(k.clone(), v.clone());
            }
            mount.config = Some(config);
            no_content()
        }
        ("config", Operation::Read) => {
            let Some(config) = &mount.config else {
                return Err(VaultError::not_found());
            };
            let field = |name: &str| config.get(name).cloned().unwrap_or(Value::Null);
            let jwt_set = config
                .get("token_reviewer_jwt")
                .and_then(Value::as_str)
                .is_some_and(|j| !j.is_empty());
            Ok(Reply::Data(json!({
                "kubernetes_host": field("kubernetes_host"),
                "kubernetes_ca_cert": config.get("kubernetes_ca_cert").cloned().unwrap_or(json!("")),
                "pem_keys": config.get("pem_keys").cloned().unwrap_or(json!([])),
                "issuer": config.get("issuer").cloned().unwrap_or(json!("")),
                "disable_iss_validation": true,
                "disable_local_ca_jwt": config.get("disable_local_ca_jwt").cloned().unwrap_or(json!(false)),
                "token_reviewer_jwt_set": jwt_set,
                "use_annotations_as_alias_metadata": false,
            })))
        }
        ("role", Operation::List) => {
            if mount.roles.is_empty() {
                return Err(VaultError::not_found());
            }
            Ok(Reply::Data(
                json!({ "keys": mount.roles.keys().collect::<Vec<_>>() }),
            ))
        }
        (path, operation) if path.starts_with("role/") => {
            let name = path["role/".len()..].to_lowercase();
            match operation {
                Operation::Write => {
                    let mut role = mount.roles.get(&name).cloned().unwrap_or_default();
                    for (k, v) in &request.body {
                        role.insert(k.clone(), v.clone());
                    }
                    let names = string_list(role.get("bound_service_account_names"));
                    let namespaces = string_list(role.get("bound_service_account_namespaces"));
                    if names.is_empty() {
                        return Err(VaultError::bad_request(
                            "\"bound_service_account_names\" can not be empty",
                        ));
                    }
                    if namespaces.is_empty()
                        && role
                            .get("bound_service_account_namespace_selector")
                            .is_none()
                    {
                        return Err(VaultError::bad_request(
                            "\"bound_service_account_namespaces\" can not be empty if \"bound_service_account_namespace_selector\" is not set",
                        ));
                    }
                    let mut policies = string_list(role.get("token_policies"));
                    if policies.is_empty() {
                        policies = string_list(role.get("policies"));
                    }
                    role.insert("bound_service_account_names".into(), json!(names));
                    role.insert("bound_service_account_namespaces".into(), json!(namespaces));
                    role.insert("token_policies".into(), json!(policies));
                    role.remove("policies");
                    mount.roles.insert(name, role);
                    no_content()
                }
                Operation::Read => {
                    let role = mount.roles.get(&name).ok_or_else(VaultError::not_found)?;
                    let mut data = json!({
                        "alias_name_source": "serviceaccount_uid",
                        "audience": "",
                        "token_ttl": 0,
                        "token_max_ttl": 0,
                        "token_type": "default",
                        "token_no_default_policy": false,
                    });
                    for (k, v) in role {
                        data[k] = v.clone();
                    }
                    data["policies"] = data["token_policies"].clone();
                    Ok(Reply::Data(data))
                }
                Operation::Delete => {
                    mount.roles.remove(&name);
                    no_content()
                }
                _ => Err(VaultError::unsupported_operation()),
            }
        }
        _ => Err(VaultError::unsupported_path()),
    }
}

/// A list given as a JSON list or a comma-separated string.
fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}
