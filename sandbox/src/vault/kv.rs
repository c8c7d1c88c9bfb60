//! KV secrets engine, version 2.
//! https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2
//!
//! Paths below the mount: `config`, `data/<p>`, `metadata/<p>`, `delete/<p>`,
//! `undelete/<p>`, `destroy/<p>`. Behaviour follows the KV plugin:
//! - a read of a soft-deleted or destroyed version is a 404 whose body still carries the
//!   version metadata (`data.data` null, `data.metadata` filled);
//! - `options.cas` must equal the current version (0 = "the key must not exist yet");
//! - versions beyond `max_versions` (secret, else mount config, else 10) are pruned oldest
//!   first;
//! - deleting through `data/` soft-deletes the latest version; `metadata/` delete removes
//!   the key and every version.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::routes::{Operation, VaultRequest, no_content};
use super::state::{KvConfig, KvSecret, KvVersion, VaultState};
use super::sys::parse_duration;
use crate::util::now_rfc3339;

/// Vault's default when neither the secret nor the mount sets `max_versions`.
const DEFAULT_MAX_VERSIONS: u64 = 10;

pub fn handle(
    state: &mut VaultState,
    mount: &str,
    rest: &str,
    request: &VaultRequest,
) -> VaultResult {
    let (action, key) = match rest.split_once('/') {
        Some((action, key)) => (action, key.trim_matches('/')),
        None => (rest, ""),
    };
    let config = state
        .mounts
        .get(mount)
        .map(|m| m.kv_config.clone())
        .unwrap_or_default();
    let secrets = state.kv.entry(mount.to_string()).or_default();
    match (action, request.operation) {
        ("config", Operation::Read) if key.is_empty() => Ok(Reply::Data(config_json(&config))),
        ("config", Operation::Write) if key.is_empty() => {
            let updated = update_config(config, &request.body)?;
            if let Some(m) = state.mounts.get_mut(mount) {
                m.kv_config = updated;
            }
            no_content()
        }
        ("config", _) if key.is_empty() => Err(VaultError::unsupported_operation()),
        ("metadata", Operation::List) => list(secrets, key),
        (_, _) if key.is_empty() => Err(VaultError::unsupported_path()),
        ("data", Operation::Read) => read_data(secrets, key, request),
        ("data", Operation::Write) => write_data(secrets, &config, key, request),
        ("data", Operation::Patch) => patch_data(secrets, &config, key, request),
        ("data", Operation::Delete) => {
            soft_delete_latest(secrets, key);
            no_content()
        }
        ("metadata", Operation::Read) => read_metadata(secrets, key),
        ("metadata", Operation::Write) => write_metadata(secrets, key, &request.body, false),
        ("metadata", Operation::Patch) => write_metadata(secrets, key, &request.body, true),
        ("metadata", Operation::Delete) => {
            secrets.remove(key);
            no_content()
        }
        ("delete" | "undelete" | "destroy", Operation::Write) => {
            change_versions(secrets, key, action, &request.body)
        }
        ("data" | "delete" | "undelete" | "destroy", _) => Err(VaultError::unsupported_operation()),
        _ => Err(VaultError::unsupported_path()),
    }
}

fn config_json(config: &KvConfig) -> Value {
    json!({
        "cas_required": config.cas_required,
        "delete_version_after": config.delete_version_after,
        "max_versions": config.max_versions,
    })
}

fn update_config(mut config: KvConfig, body: &Map<String, Value>) -> Result<KvConfig, VaultError> {
    if let Some(value) = body.get("max_versions") {
        config.max_versions = as_u64(value, "max_versions")?;
    }
    if let Some(value) = body.get("cas_required") {
        config.cas_required = as_bool(value, "cas_required")?;
    }
    if let Some(value) = body.get("delete_version_after") {
        config.delete_version_after = as_duration(value, "delete_version_after")?;
    }
    Ok(config)
}

fn as_u64(value: &Value, field: &str) -> Result<u64, VaultError> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        VaultError::bad_request(format!(
            "error converting input {value} for field {field:?}: expected a non-negative integer"
        ))
    })
}

fn as_bool(value: &Value, field: &str) -> Result<bool, VaultError> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        VaultError::bad_request(format!(
            "error converting input {value} for field {field:?}: expected a boolean"
        ))
    })
}

fn as_duration(value: &Value, field: &str) -> Result<String, VaultError> {
    let seconds = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => parse_duration(s),
        _ => None,
    }
    .ok_or_else(|| {
        VaultError::bad_request(format!(
            "error converting input {value} for field {field:?}: expected a duration"
        ))
    })?;
    Ok(format!("{seconds}s"))
}

fn max_versions(secret: &KvSecret, config: &KvConfig) -> u64 {
    if secret.max_versions > 0 {
        secret.max_versions
    } else if config.max_versions > 0 {
        config.max_versions
    } else {
        DEFAULT_MAX_VERSIONS
    }
}

/// Per-version metadata as the data endpoints return it.
fn version_metadata(secret: &KvSecret, number: u64, version: &KvVersion) -> Value {
    json!({
        "created_time": version.created_time,
        "custom_metadata": secret.custom_metadata,
        "deletion_time": version.deletion_time,
        "destroyed": version.destroyed,
        "version": number,
    })
}

fn read_data(
    secrets: &BTreeMap<String, KvSecret>,
    key: &str,
    request: &VaultRequest,
) -> VaultResult {
    let secret = secrets.get(key).ok_or_else(VaultError::not_found)?;
    let wanted = match request.query.get("version") {
        Some(raw) => raw.trim().parse::<u64>().map_err(|_| {
            VaultError::bad_request(format!(
                "error converting input {raw:?} for field \"version\": expected an integer"
            ))
        })?,
        None => 0,
    };
    let number = if wanted == 0 {
        secret.current_version
    } else {
        wanted
    };
    let version = secret
        .versions
        .get(&number)
        .ok_or_else(VaultError::not_found)?;
    let metadata = version_metadata(secret, number, version);
    if version.deleted || version.destroyed {
        return Ok(Reply::DataWithStatus(
            StatusCode::NOT_FOUND,
            json!({ "data": null, "metadata": metadata }),
        ));
    }
    Ok(Reply::Data(
        json!({ "data": version.data, "metadata": metadata }),
    ))
}

fn cas_option(body: &Map<String, Value>) -> Result<Option<u64>, VaultError> {
    match body.get("options") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(options)) => options
            .get("cas")
            .filter(|v| !v.is_null())
            .map(|v| as_u64(v, "cas"))
            .transpose(),
        Some(_) => Err(VaultError::bad_request("options must be a map")),
    }
}

/// The check-and-set rules shared by write and patch.
fn check_cas(
    secret: Option<&KvSecret>,
    config: &KvConfig,
    cas: Option<u64>,
) -> Result<(), VaultError> {
    let current = secret.map_or(0, |s| s.current_version);
    let required = config.cas_required || secret.is_some_and(|s| s.cas_required);
    match cas {
        None if required => Err(VaultError::bad_request(
            "check-and-set parameter required for this call",
        )),
        Some(cas) if cas != current => Err(VaultError::bad_request(
            "check-and-set parameter did not match the current version",
        )),
        _ => Ok(()),
    }
}

fn write_data(
    secrets: &mut BTreeMap<String, KvSecret>,
    config: &KvConfig,
    key: &str,
    request: &VaultRequest,
) -> VaultResult {
    let data = match request.body.get("data") {
        Some(Value::Object(data)) => data.clone(),
        None | Some(Value::Null) => return Err(VaultError::bad_request("no data provided")),
        Some(_) => {
            return Err(VaultError::bad_request(
                "error converting input for field \"data\": expected a map",
            ));
        }
    };
    let cas = cas_option(&request.body)?;
    check_cas(secrets.get(key), config, cas)?;
    let secret = secrets.entry(key.to_string()).or_default();
    Ok(Reply::Data(add_version(secret, config, data)))
}

fn add_version(secret: &mut KvSecret, config: &KvConfig, data: Map<String, Value>) -> Value {
    let now = now_rfc3339();
    secret.current_version += 1;
    secret.updated_time = now.clone();
    let number = secret.current_version;
    let version = KvVersion {
        data: Some(data),
        created_time: now,
        deletion_time: String::new(),
        deleted: false,
        destroyed: false,
    };
    let metadata = version_metadata(secret, number, &version);
    secret.versions.insert(number, version);
    prune(secret, config);
    metadata
}

/// Drops the oldest versions beyond the effective `max_versions`.
fn prune(secret: &mut KvSecret, config: &KvConfig) {
    let keep = max_versions(secret, config);
    while secret.versions.len() as u64 > keep {
        let Some(oldest) = secret.versions.keys().next().copied() else {
            break;
        };
        secret.versions.remove(&oldest);
    }
    if secret.current_version > keep {
        secret.oldest_version = secret.current_version - keep + 1;
    }
}

/// PATCH `data/<p>`: JSON merge patch (RFC 7386) of the latest version into a new one.
fn patch_data(
    secrets: &mut BTreeMap<String, KvSecret>,
    config: &KvConfig,
    key: &str,
    request: &VaultRequest,
) -> VaultResult {
    if !request
        .content_type
        .to_ascii_lowercase()
        .starts_with("application/merge-patch+json")
    {
        return Err(VaultError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "PATCH requires Content-Type of application/merge-patch+json, got {:?}",
                request.content_type
            ),
        ));
    }
    let Some(Value::Object(patch)) = request.body.get("data") else {
        return Err(VaultError::bad_request("no data provided"));
    };
    let cas = cas_option(&request.body)?;
    let secret = secrets.get_mut(key).ok_or_else(VaultError::not_found)?;
    let current = secret
        .versions
        .get(&secret.current_version)
        .filter(|v| !v.deleted && !v.destroyed)
        .and_then(|v| v.data.clone())
        .ok_or_else(VaultError::not_found)?;
    check_cas(Some(secret), config, cas)?;
    let mut merged = Value::Object(current);
    merge_patch(&mut merged, &Value::Object(patch.clone()));
    let Value::Object(merged) = merged else {
        return Err(VaultError::bad_request("patch did not produce a map"));
    };
    Ok(Reply::Data(add_version(secret, config, merged)))
}

fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

fn soft_delete_latest(secrets: &mut BTreeMap<String, KvSecret>, key: &str) {
    let Some(secret) = secrets.get_mut(key) else {
        return;
    };
    let current = secret.current_version;
    if let Some(version) = secret.versions.get_mut(&current)
        && !version.deleted
        && !version.destroyed
    {
        version.deleted = true;
        version.deletion_time = now_rfc3339();
    }
}

fn versions_list(body: &Map<String, Value>) -> Result<Vec<u64>, VaultError> {
    let versions = match body.get("versions") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| as_u64(v, "versions"))
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::String(s)) if !s.trim().is_empty() => s
            .split(',')
            .map(|v| as_u64(&Value::String(v.trim().to_string()), "versions"))
            .collect::<Result<Vec<_>, _>>()?,
        Some(number @ Value::Number(_)) => vec![as_u64(number, "versions")?],
        _ => Vec::new(),
    };
    if versions.is_empty() {
        return Err(VaultError::bad_request("no version number provided"));
    }
    Ok(versions)
}

fn change_versions(
    secrets: &mut BTreeMap<String, KvSecret>,
    key: &str,
    action: &str,
    body: &Map<String, Value>,
) -> VaultResult {
    let numbers = versions_list(body)?;
    let Some(secret) = secrets.get_mut(key) else {
        return no_content();
    };
    let now = now_rfc3339();
    for number in numbers {
        let Some(version) = secret.versions.get_mut(&number) else {
            continue;
        };
        match action {
            "delete" if !version.deleted && !version.destroyed => {
                version.deleted = true;
                version.deletion_time = now.clone();
            }
            "undelete" if !version.destroyed => {
                version.deleted = false;
                version.deletion_time = String::new();
            }
            "destroy" => {
                version.destroyed = true;
                version.data = None;
            }
            _ => {}
        }
    }
    secret.updated_time = now;
    no_content()
}

fn read_metadata(secrets: &BTreeMap<String, KvSecret>, key: &str) -> VaultResult {
    let secret = secrets.get(key).ok_or_else(VaultError::not_found)?;
    let versions: Map<String, Value> = secret
        .versions
        .iter()
        .map(|(number, v)| {
            (
                number.to_string(),
                json!({
                    "created_time": v.created_time,
                    "deletion_time": v.deletion_time,
                    "destroyed": v.destroyed,
                }),
            )
        })
        .collect();
    Ok(Reply::Data(json!({
        "cas_required": secret.cas_required,
        "created_time": secret.created_time,
        "current_version": secret.current_version,
        "custom_metadata": secret.custom_metadata,
        "delete_version_after": secret.delete_version_after,
        "max_versions": secret.max_versions,
        "oldest_version": secret.oldest_version,
        "updated_time": secret.updated_time,
        "versions": versions,
    })))
}

/// Limits Vault enforces on `custom_metadata`.
const MAX_CUSTOM_KEYS: usize = 64;
const MAX_CUSTOM_KEY_LEN: usize = 128;
const MAX_CUSTOM_VALUE_LEN: usize = 512;

fn custom_metadata(
    value: &Value,
    merge_into: Option<&BTreeMap<String, String>>,
) -> Result<Option<BTreeMap<String, String>>, VaultError> {
    let map = match value {
        Value::Null if merge_into.is_none() => return Ok(None),
        Value::Object(map) => map,
        _ => {
            return Err(VaultError::bad_request(
                "error converting input for field \"custom_metadata\": expected a map of strings",
            ));
        }
    };
    let mut out = merge_into.cloned().unwrap_or_default();
    for (key, value) in map {
        match value {
            Value::String(s) => {
                out.insert(key.clone(), s.clone());
            }
            Value::Null if merge_into.is_some() => {
                out.remove(key);
            }
            _ => {
                return Err(VaultError::bad_request(format!(
                    "custom_metadata: value of {key:?} must be a string"
                )));
            }
        }
    }
    let mut problems = Vec::new();
    if out.len() > MAX_CUSTOM_KEYS {
        problems.push(format!(
            "payload must contain at most {MAX_CUSTOM_KEYS} keys, provided {}",
            out.len()
        ));
    }
    for (key, value) in &out {
        if key.len() > MAX_CUSTOM_KEY_LEN {
            problems.push(format!(
                "length of key {key:?} is {} but max is {MAX_CUSTOM_KEY_LEN}",
                key.len()
            ));
        }
        if value.len() > MAX_CUSTOM_VALUE_LEN {
            problems.push(format!(
                "length of value for key {key:?} is {} but max is {MAX_CUSTOM_VALUE_LEN}",
                value.len()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(VaultError::bad_request(format!(
            "custom_metadata validation failed: {}",
            problems.join("; ")
        )));
    }
    Ok(Some(out))
}

fn write_metadata(
    secrets: &mut BTreeMap<String, KvSecret>,
    key: &str,
    body: &Map<String, Value>,
    patch: bool,
) -> VaultResult {
    if patch && !secrets.contains_key(key) {
        return Err(VaultError::not_found());
    }
    let existing = secrets.get(key);
    // Validate everything before creating or changing anything.
    let max = body
        .get("max_versions")
        .map(|v| as_u64(v, "max_versions"))
        .transpose()?;
    let cas_required = body
        .get("cas_required")
        .map(|v| as_bool(v, "cas_required"))
        .transpose()?;
    let delete_after = body
        .get("delete_version_after")
        .map(|v| as_duration(v, "delete_version_after"))
        .transpose()?;
    let custom = body
        .get("custom_metadata")
        .map(|v| {
            let base = if patch {
                existing
                    .and_then(|s| s.custom_metadata.as_ref())
                    .or(Some(&BTreeMap::new()))
                    .cloned()
            } else {
                None
            };
            custom_metadata(v, base.as_ref())
        })
        .transpose()?;
    let secret = secrets.entry(key.to_string()).or_default();
    if let Some(max) = max {
        secret.max_versions = max;
    }
    if let Some(flag) = cas_required {
        secret.cas_required = flag;
    }
    if let Some(after) = delete_after {
        secret.delete_version_after = after;
    }
    if let Some(custom) = custom {
        secret.custom_metadata = custom;
    }
    secret.updated_time = now_rfc3339();
    if secret.max_versions > 0 {
        prune(secret, &KvConfig::default());
    }
    no_content()
}

/// Immediate children of `prefix`: secrets by name, sub-folders suffixed with `/`.
fn list(secrets: &BTreeMap<String, KvSecret>, prefix: &str) -> VaultResult {
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    let keys: BTreeSet<String> = secrets
        .keys()
        .filter_map(|path| path.strip_prefix(&prefix))
        .filter(|rest| !rest.is_empty())
        .map(|rest| match rest.find('/') {
            Some(slash) => rest[..=slash].to_string(),
            None => rest.to_string(),
        })
        .collect();
    if keys.is_empty() {
        return Err(VaultError::not_found());
    }
    Ok(Reply::Data(json!({ "keys": keys })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc7386() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
    }

    #[test]
    fn prune_keeps_the_newest_versions() {
        let mut secret = KvSecret::new();
        let config = KvConfig {
            max_versions: 2,
            ..KvConfig::default()
        };
        for i in 0..4 {
            let mut data = Map::new();
            data.insert("i".into(), json!(i));
            add_version(&mut secret, &config, data);
        }
        assert_eq!(
            secret.versions.keys().copied().collect::<Vec<_>>(),
            vec![3, 4]
        );
        assert_eq!(secret.oldest_version, 3);
    }
}
