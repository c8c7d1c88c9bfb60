//! Token authentication and the token backend's self-service endpoints.
//! https://developer.hashicorp.com/vault/api-docs/auth/token
//!
//! Tokens live in `VaultState::tokens`; the root token never expires and is not renewable
//! (renewing it answers 400 "lease is not renewable", as Vault does). Future auth methods
//! add tokens to that table.

use serde_json::{Value, json};

use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::routes::{Operation, VaultRequest};
use super::state::{Token, VaultState};
use crate::util::unix_to_rfc3339;

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
        ("lookup-self" | "lookup" | "renew-self", _) => Err(VaultError::unsupported_operation()),
        _ => Err(VaultError::no_handler(&request.path)),
    }
}

/// The `data` of a token lookup; `id` is the token itself, as Vault returns it.
pub fn lookup_json(token: &Token) -> Value {
    let expire_time = if token.ttl == 0 {
        Value::Null
    } else {
        json!(unix_to_rfc3339(
            token.creation_time.saturating_add(token.ttl as i64)
        ))
    };
    json!({
        "accessor": token.accessor,
        "creation_time": token.creation_time,
        "creation_ttl": token.ttl,
        "display_name": token.display_name,
        "entity_id": token.entity_id,
        "expire_time": expire_time,
        "explicit_max_ttl": 0,
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
    if let Some(increment) = request
        .body
        .get("increment")
        .and_then(super::sys::parse_seconds)
        .filter(|&i| i > 0)
    {
        token.ttl = increment;
    }
    token.creation_time = crate::util::now_unix();
    Ok(Reply::Auth(json!({
        "client_token": token.id,
        "accessor": token.accessor,
        "policies": token.policies,
        "token_policies": token.policies,
        "metadata": token.meta,
        "lease_duration": token.ttl,
        "renewable": token.renewable,
        "entity_id": token.entity_id,
        "token_type": "service",
        "orphan": token.orphan,
    })))
}
