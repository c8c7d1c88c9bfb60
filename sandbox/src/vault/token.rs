//! Token authentication and the token backend's self-service endpoints.
//! https://developer.hashicorp.com/vault/api-docs/auth/token
//!
//! Tokens live in `VaultState::tokens`; the root token never expires and is not renewable
//! (renewing it answers 400 "lease is not renewable", as Vault does). `auth/token/create`
//! and the auth methods' logins add tokens to that table.
//!
//! Leases: a token with a TTL expires `ttl` seconds after its creation or last renewal;
//! from then on every request made with it is answered 403 (Vault revokes expired tokens,
//! so they look exactly like unknown ones). `renew-self` extends the lease by `increment`
//! (default: the TTL the token was created with), never beyond `explicit_max_ttl` after
//! creation — a token at that cap can only be replaced, by logging in again.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::routes::{Operation, VaultRequest};
use super::state::{NewToken, Token, VaultState};
use super::sys::parse_seconds;
use crate::util::{now_unix_ms, unix_to_rfc3339};

/// Vault's default `default_lease_ttl`: the TTL of a token created without one (768h).
pub const DEFAULT_TOKEN_TTL: u64 = 768 * 3600;

/// The token of the request, or 403 "permission denied" for a missing, unknown or expired
/// token.
pub fn authenticate(state: &VaultState, request: &VaultRequest) -> Result<Token, VaultError> {
    let id = request
        .token
        .as_deref()
        .ok_or_else(VaultError::permission_denied)?;
    match state.token(id) {
        Some(token) if !token.expired() => Ok(token.clone()),
        _ => Err(VaultError::permission_denied()),
    }
}

/// `auth/token/...`.
pub fn handle(state: &mut VaultState, caller: &Token, request: &VaultRequest) -> VaultResult {
    let rest = request.path.strip_prefix("auth/token/").unwrap_or_default();
    match (rest, request.operation) {
        ("lookup-self", Operation::Read | Operation::Write) => Ok(Reply::Data(lookup_json(caller))),
        ("lookup", Operation::Write) => {
            let id = request
                .body
                .get("token")
                .and_then(Value::as_str)
                .ok_or_else(|| VaultError::bad_request("missing token to look up"))?;
            let token = state
                .token(id)
                .filter(|t| !t.expired())
                .ok_or_else(|| VaultError::bad_request("bad token"))?;
            Ok(Reply::Data(lookup_json(token)))
        }
        ("renew-self", Operation::Write) => renew(state, &caller.id, request),
        ("revoke-self", Operation::Write) => {
            state.tokens.retain(|t| t.id != caller.id);
            super::routes::no_content()
        }
        ("create" | "create-orphan", Operation::Write) => {
            create(state, caller, request, rest == "create-orphan")
        }
        (
            "lookup-self" | "lookup" | "renew-self" | "revoke-self" | "create" | "create-orphan",
            _,
        ) => Err(VaultError::unsupported_operation()),
        _ => Err(VaultError::no_handler(&request.path)),
    }
}

/// The `data` of a token lookup; `id` is the token itself, as Vault returns it.
pub fn lookup_json(token: &Token) -> Value {
    let expire_time = match token.expire_time() {
        Some(expires) => json!(unix_to_rfc3339(expires)),
        None => Value::Null,
    };
    json!({
        "accessor": token.accessor,
        "creation_time": token.creation_time,
        "creation_ttl": token.creation_ttl,
        "display_name": token.display_name,
        "entity_id": token.entity_id,
        "expire_time": expire_time,
        "explicit_max_ttl": token.explicit_max_ttl,
        "issue_time": unix_to_rfc3339(token.creation_time),
        "last_renewal_time": token.last_renewal_time,
        "id": token.id,
        "meta": token.meta,
        "num_uses": 0,
        "orphan": token.orphan,
        "path": token.path,
        "policies": token.policies,
        "renewable": token.renewable,
        "ttl": token.ttl_left(),
        "type": "service",
    })
}

fn renew(state: &mut VaultState, id: &str, request: &VaultRequest) -> VaultResult {
    let token = state
        .token_mut(id)
        .ok_or_else(VaultError::permission_denied)?;
    if !token.renewable || token.ttl == 0 {
        return Err(VaultError::bad_request("lease is not renewable"));
    }
    let increment = request
        .body
        .get("increment")
        .and_then(parse_seconds)
        .filter(|&i| i > 0)
        .unwrap_or(token.creation_ttl.max(1));
    let now_ms = now_unix_ms();
    let mut expire_ms = now_ms.saturating_add(increment as i64 * 1000);
    if token.explicit_max_ttl > 0 {
        // Never beyond creation + explicit_max_ttl.
        let cap_ms = token
            .creation_time
            .saturating_add(token.explicit_max_ttl as i64)
            .saturating_mul(1000);
        expire_ms = expire_ms.min(cap_ms);
    }
    if expire_ms <= now_ms {
        // At its cap: the lease ends now.
        return Err(VaultError::permission_denied());
    }
    let ttl = ((expire_ms - now_ms) as u64).div_ceil(1000);
    token.ttl = ttl;
    token.expire_ms = Some(expire_ms);
    token.last_renewal_time = Some(now_ms / 1000);
    Ok(Reply::Auth(auth_json(token, ttl)))
}

/// The `auth` block of a login, a token creation or a renewal.
pub fn auth_json(token: &Token, lease_duration: u64) -> Value {
    json!({
        "client_token": token.id,
        "accessor": token.accessor,
        "policies": token.policies,
        "token_policies": token.policies,
        "metadata": token.meta,
        "lease_duration": lease_duration,
        "renewable": token.renewable,
        "entity_id": token.entity_id,
        "token_type": "service",
        "orphan": token.orphan,
        "mfa_requirement": null,
        "num_uses": 0,
    })
}

/// `auth/token/create` and `auth/token/create-orphan`: a child of the caller's token.
/// Its policies must be a subset of the caller's unless the caller is root.
fn create(
    state: &mut VaultState,
    caller: &Token,
    request: &VaultRequest,
    orphan: bool,
) -> VaultResult {
    let body = &request.body;
    let mut policies = match body.get("policies") {
        Some(value) => string_list(value),
        None => caller
            .policies
            .iter()
            .filter(|p| *p != "default")
            .cloned()
            .collect(),
    };
    policies.sort();
    policies.dedup();
    if !caller.is_root()
        && let Some(extra) = policies
            .iter()
            .find(|p| *p != "default" && !caller.policies.contains(p))
    {
        return Err(VaultError::bad_request(format!(
            "child policies must be subset of parent: policy {extra:?} is not held by the creating token"
        )));
    }
    let no_default = body
        .get("no_default_policy")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !no_default && !policies.iter().any(|p| p == "root" || p == "default") {
        policies.push("default".to_string());
        policies.sort();
    }
    let ttl = match body.get("ttl") {
        Some(value) => parse_seconds(value)
            .ok_or_else(|| VaultError::bad_request(format!("invalid ttl {value}")))?,
        None if caller.ttl > 0 => caller.ttl_left().max(1),
        None => DEFAULT_TOKEN_TTL,
    };
    let explicit_max_ttl = match body.get("explicit_max_ttl") {
        Some(value) => parse_seconds(value)
            .ok_or_else(|| VaultError::bad_request(format!("invalid explicit_max_ttl {value}")))?,
        None => 0,
    };
    let ttl = if explicit_max_ttl > 0 {
        ttl.min(explicit_max_ttl)
    } else {
        ttl
    };
    let renewable = body
        .get("renewable")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let display_name = match body.get("display_name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => format!("token-{name}"),
        _ => "token".to_string(),
    };
    let meta = body.get("meta").and_then(Value::as_object).map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect::<BTreeMap<_, _>>()
    });
    let no_parent = body
        .get("no_parent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let token = state.issue_token(NewToken {
        policies,
        display_name,
        path: format!(
            "auth/token/{}",
            if orphan { "create-orphan" } else { "create" }
        ),
        ttl,
        renewable,
        explicit_max_ttl,
        orphan: orphan || (no_parent && caller.is_root()),
        namespace: request.namespace.clone(),
        meta,
    });
    Ok(Reply::Auth(auth_json(&token, token.ttl)))
}

/// A list given as a JSON list or a comma-separated string.
pub fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}
