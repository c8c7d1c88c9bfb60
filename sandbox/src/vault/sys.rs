//! System backend: health and the mount table.
//! https://developer.hashicorp.com/vault/api-docs/system/health
//! https://developer.hashicorp.com/vault/api-docs/system/mounts

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::routes::{Operation, VaultRequest, no_content};
use super::state::{BUILTIN_MOUNTS, Mount, VaultState};
use crate::util::{now_unix, random_uuid};

/// The Vault version the sandbox claims to be.
pub const VERSION: &str = "1.15.6";

/// Secrets engine types a mount may have. Only `kv` version 2 is emulated behind the
/// mount; the others can be mounted, listed, tuned and unmounted.
const KNOWN_TYPES: [&str; 14] = [
    "kv",
    "kv-v2",
    "generic",
    "transit",
    "pki",
    "database",
    "ssh",
    "totp",
    "aws",
    "azure",
    "gcp",
    "kubernetes",
    "ldap",
    "cubbyhole",
];

pub fn health(request: &VaultRequest) -> VaultResult {
    if request.operation != Operation::Read {
        return Err(VaultError::unsupported_operation());
    }
    Ok(Reply::Raw(
        StatusCode::OK,
        json!({
            "initialized": true,
            "sealed": false,
            "standby": false,
            "performance_standby": false,
            "replication_performance_mode": "disabled",
            "replication_dr_mode": "disabled",
            "server_time_utc": now_unix(),
            "version": VERSION,
            "enterprise": false,
            "cluster_name": "ff-sandbox",
            "cluster_id": "00000000-0000-0000-0000-000000000000",
        }),
    ))
}

/// `sys/mounts`, `sys/mounts/<path>` and `sys/mounts/<path>/tune`.
pub fn mounts(state: &mut VaultState, request: &VaultRequest) -> VaultResult {
    let prefix = request.ns_prefix();
    let Some(rest) = request.path.strip_prefix("sys/mounts/") else {
        return match request.operation {
            Operation::Read => Ok(Reply::Legacy(Value::Object(list(
                state,
                &request.namespace,
                &prefix,
            )))),
            _ => Err(VaultError::unsupported_operation()),
        };
    };
    if let Some(path) = rest.strip_suffix("/tune") {
        return tune(state, request, &format!("{}/", path.trim_matches('/')));
    }
    let path = format!("{}/", rest.trim_matches('/'));
    match request.operation {
        Operation::Read => {
            let mount = state
                .mounts
                .get(&format!("{prefix}{path}"))
                .ok_or_else(|| missing_mount(&path))?;
            Ok(Reply::Data(mount_json(mount)))
        }
        Operation::Write => enable(state, request, &prefix, &path),
        Operation::Delete => disable(state, &prefix, &path),
        _ => Err(VaultError::unsupported_operation()),
    }
}

fn missing_mount(path: &str) -> VaultError {
    // Vault answers a read of a missing mount with 400, not 404 (logical_system.go,
    // handleReadMount: a plain error response).
    VaultError::bad_request(format!("No secret engine mount at {path}"))
}

fn list(state: &VaultState, namespace: &str, prefix: &str) -> Map<String, Value> {
    state
        .mounts
        .iter()
        .filter(|(_, mount)| mount.namespace == namespace)
        .filter_map(|(key, mount)| {
            let path = key.strip_prefix(prefix)?;
            Some((path.to_string(), mount_json(mount)))
        })
        .collect()
}

pub fn mount_json(mount: &Mount) -> Value {
    json!({
        "accessor": mount.accessor,
        "config": {
            "default_lease_ttl": mount.config.default_lease_ttl,
            "force_no_cache": mount.config.force_no_cache,
            "max_lease_ttl": mount.config.max_lease_ttl,
        },
        "description": mount.description,
        "external_entropy_access": mount.external_entropy_access,
        "local": mount.local,
        "options": mount.options,
        "plugin_version": "",
        "running_plugin_version": format!("v{VERSION}+builtin"),
        "running_sha256": "",
        "seal_wrap": mount.seal_wrap,
        "type": mount.kind,
        "uuid": mount.uuid,
    })
}

fn string_map(value: Option<&Value>) -> Result<Option<BTreeMap<String, String>>, VaultError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                Value::Bool(b) => Ok((k.clone(), b.to_string())),
                _ => Err(VaultError::bad_request(format!(
                    "options: value of {k:?} must be a string"
                ))),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Some),
        Some(_) => Err(VaultError::bad_request("options must be a map")),
    }
}

fn enable(state: &mut VaultState, request: &VaultRequest, prefix: &str, path: &str) -> VaultResult {
    let kind = match request.body.get("type") {
        Some(Value::String(kind)) if !kind.is_empty() => kind.clone(),
        _ => {
            return Err(VaultError::bad_request(
                "backend type must be specified as a string",
            ));
        }
    };
    if !KNOWN_TYPES.contains(&kind.as_str()) {
        return Err(VaultError::bad_request(format!(
            "plugin not found in the catalog: {kind}"
        )));
    }
    if path == "/" {
        return Err(VaultError::bad_request("path cannot be empty"));
    }
    if path.starts_with("auth/") {
        return Err(VaultError::bad_request(format!(
            "cannot mount {path:?}: use sys/auth to enable auth methods"
        )));
    }
    let key = format!("{prefix}{path}");
    if let Some(existing) = state.mounts.iter().find_map(|(existing, mount)| {
        let same_namespace = mount.namespace == request.namespace;
        let overlaps = key.starts_with(existing.as_str()) || existing.starts_with(&key);
        (same_namespace && overlaps).then_some(existing)
    }) {
        let shown = existing.strip_prefix(prefix).unwrap_or(existing);
        return Err(VaultError::bad_request(format!(
            "path is already in use at {shown}"
        )));
    }
    let mut options = string_map(request.body.get("options"))?;
    let kind = match kind.as_str() {
        "kv-v2" => {
            options
                .get_or_insert_with(BTreeMap::new)
                .insert("version".into(), "2".into());
            "kv".to_string()
        }
        "generic" => "kv".to_string(),
        _ => kind,
    };
    let description = request
        .body
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut mount = Mount::new(&kind, description, options);
    mount.namespace = request.namespace.clone();
    mount.uuid = random_uuid();
    mount.local = request
        .body
        .get("local")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    mount.seal_wrap = request
        .body
        .get("seal_wrap")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(config) = request.body.get("config").and_then(Value::as_object) {
        apply_ttls(&mut mount, config);
    }
    let is_kv_v2 = mount.is_kv_v2();
    state.mounts.insert(key.clone(), mount);
    if is_kv_v2 {
        state.kv.entry(key).or_default();
    }
    no_content()
}

fn apply_ttls(mount: &mut Mount, config: &Map<String, Value>) {
    if let Some(ttl) = config.get("default_lease_ttl").and_then(parse_seconds) {
        mount.config.default_lease_ttl = ttl;
    }
    if let Some(ttl) = config.get("max_lease_ttl").and_then(parse_seconds) {
        mount.config.max_lease_ttl = ttl;
    }
    if let Some(flag) = config.get("force_no_cache").and_then(Value::as_bool) {
        mount.config.force_no_cache = flag;
    }
}

/// Seconds from a number or a Go-style duration string (`"30s"`, `"768h"`, `"1h30m"`).
pub fn parse_seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => parse_duration(s),
        _ => None,
    }
}

pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(secs);
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !number.is_empty() {
        return None;
    }
    Some(total)
}

fn disable(state: &mut VaultState, prefix: &str, path: &str) -> VaultResult {
    if prefix.is_empty() && BUILTIN_MOUNTS.contains(&path) {
        return Err(VaultError::bad_request(format!("cannot unmount {path:?}")));
    }
    // Vault answers success for a mount that does not exist, "to not expose if the mount
    // existed or not" (logical_system.go, handleUnmount).
    let key = format!("{prefix}{path}");
    state.mounts.remove(&key);
    state.kv.remove(&key);
    no_content()
}

fn tune(state: &mut VaultState, request: &VaultRequest, path: &str) -> VaultResult {
    let key = format!("{}{path}", request.ns_prefix());
    let mount = state.mounts.get_mut(&key).ok_or_else(|| {
        VaultError::bad_request(format!("cannot fetch sysview for path {path:?}"))
    })?;
    match request.operation {
        Operation::Read => Ok(Reply::Data(json!({
            "default_lease_ttl": mount.config.default_lease_ttl,
            "max_lease_ttl": mount.config.max_lease_ttl,
            "force_no_cache": mount.config.force_no_cache,
            "description": mount.description,
            "options": mount.options,
        }))),
        Operation::Write => {
            apply_ttls(mount, &request.body);
            if let Some(description) = request.body.get("description").and_then(Value::as_str) {
                mount.description = description.to_string();
            }
            if let Some(new_options) = string_map(request.body.get("options"))? {
                let was_v2 = mount.is_kv_v2();
                if was_v2 && new_options.get("version").is_some_and(|v| v != "2") {
                    return Err(VaultError::bad_request(
                        "cannot downgrade mount from KV version 2",
                    ));
                }
                mount
                    .options
                    .get_or_insert_with(BTreeMap::new)
                    .extend(new_options);
                if mount.is_kv_v2() {
                    state.kv.entry(key).or_default();
                }
            }
            no_content()
        }
        _ => Err(VaultError::unsupported_operation()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_duration("30s"), Some(30));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("42"), Some(42));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("5"), Some(5));
        assert_eq!(parse_duration("1h5"), None);
    }
}
