//! HTTP → Vault request, authentication, and dispatch to the system backend, the token
//! backend or the secrets engine mounted at the longest matching prefix — the same order
//! Vault's own router uses.
//!
//! Adding an auth method (e.g. `auth/kubernetes/...`) means a new file in this module and
//! one arm in [`dispatch`] before the final `auth/` catch-all.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::state::{Token, VaultState, namespace_prefix};
use super::{acl, auth_methods, kv, policies, sys, token};
use crate::shared::Shared;
use crate::util::lock;

/// Vault's logical operations; HTTP methods map onto them as in Vault's HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Read,
    List,
    /// POST and PUT (create and update are the same thing here).
    Write,
    Delete,
    Patch,
}

/// A parsed request to `/v1/...`.
#[derive(Debug, Clone)]
pub struct VaultRequest {
    pub operation: Operation,
    /// Path after `/v1/`, percent-decoded, without surrounding slashes.
    pub path: String,
    pub query: HashMap<String, String>,
    pub body: Map<String, Value>,
    pub token: Option<String>,
    /// From `X-Vault-Namespace`, without surrounding slashes; `""` is the root namespace.
    pub namespace: String,
    pub content_type: String,
}

impl VaultRequest {
    /// The namespace prefix for state keys (`""` or `"ns/"`).
    pub fn ns_prefix(&self) -> String {
        namespace_prefix(&self.namespace)
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/*path", any(handle))
        .fallback(fallback)
        .with_state(shared)
}

async fn fallback(uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    VaultError::no_handler(path.strip_prefix("v1/").unwrap_or(path)).into_response()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    Path(path): Path<String>,
    query: Option<Query<HashMap<String, String>>>,
    body: Bytes,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let request = match parse(&method, &headers, path, query, &body) {
        Ok(request) => request,
        Err(err) => return err.into_response(),
    };
    match dispatch(&shared, &request) {
        Ok(reply) => reply.into_response(),
        Err(err) => err.into_response(),
    }
}

fn parse(
    method: &Method,
    headers: &HeaderMap,
    path: String,
    query: HashMap<String, String>,
    body: &[u8],
) -> Result<VaultRequest, VaultError> {
    let list_flag = query.get("list").is_some_and(|v| v == "true" || v == "1");
    let operation = match method.as_str() {
        "GET" | "HEAD" if list_flag => Operation::List,
        "GET" | "HEAD" => Operation::Read,
        "LIST" => Operation::List,
        "POST" | "PUT" => Operation::Write,
        "DELETE" => Operation::Delete,
        "PATCH" => Operation::Patch,
        _ => return Err(VaultError::unsupported_operation()),
    };
    let body = if matches!(operation, Operation::Read | Operation::List) {
        Map::new()
    } else {
        parse_body(body)?
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let token = header("x-vault-token").or_else(|| {
        header("authorization").and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .map(|t| t.trim().to_string())
        })
    });
    let namespace = header("x-vault-namespace")
        .map(|ns| ns.trim_matches('/').to_string())
        .unwrap_or_default();
    Ok(VaultRequest {
        operation,
        path: path.trim_matches('/').to_string(),
        query,
        body,
        token,
        namespace,
        content_type: header("content-type").unwrap_or_default(),
    })
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, VaultError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(VaultError::bad_request(
            "failed to parse JSON input: the request body must be a JSON object",
        )),
        Err(err) => Err(VaultError::bad_request(format!(
            "failed to parse JSON input: {err}"
        ))),
    }
}

/// Routes one request. Runs under the Vault lock; never awaits.
pub fn dispatch(shared: &Shared, request: &VaultRequest) -> VaultResult {
    let path = request.path.as_str();
    // Unauthenticated system endpoints.
    if path == "sys/health" {
        return sys::health(request);
    }
    let mut state = lock(&shared.vault);
    // Logging in is what a client without a token does.
    if let Some(result) = auth_methods::login(&mut state, request) {
        return result;
    }
    let caller = token::authenticate(&state, request)?;
    authorize(&state, &caller, request)?;

    if path == "sys/mounts" || path.starts_with("sys/mounts/") {
        return sys::mounts(&mut state, request);
    }
    if path == "sys/policies/acl" || path.starts_with("sys/policies/acl/") {
        return policies::acl(&mut state, request);
    }
    if path == "sys/policy" || path.starts_with("sys/policy/") {
        return policies::legacy(&mut state, request);
    }
    if path.starts_with("auth/token/") {
        return token::handle(&mut state, &caller, request);
    }
    if path == "sys/auth" || path.starts_with("sys/auth/") {
        return auth_methods::sys_auth(&mut state, request);
    }
    if path.starts_with("auth/")
        && let Some(result) = auth_methods::handle(&mut state, request)
    {
        return result;
    }
    if path == "sys" || path.starts_with("sys/") || path == "auth" || path.starts_with("auth/") {
        return Err(VaultError::no_handler(path));
    }
    secrets_engine(&mut state, request)
}

/// Root tokens may do everything; other tokens may use the self-service token endpoints
/// the built-in `default` policy grants, and what their policies allow ([`acl`]).
fn authorize(state: &VaultState, caller: &Token, request: &VaultRequest) -> Result<(), VaultError> {
    if caller.is_root() {
        return Ok(());
    }
    const SELF_SERVICE: [&str; 3] = [
        "auth/token/lookup-self",
        "auth/token/renew-self",
        "auth/token/revoke-self",
    ];
    if caller.policies.iter().any(|p| p == "default")
        && SELF_SERVICE.contains(&request.path.as_str())
    {
        return Ok(());
    }
    let prefix = namespace_prefix(&caller.namespace);
    let mut rules = acl::Acl::default();
    for name in &caller.policies {
        if let Some(hcl) = state.policies.get(&format!("{prefix}{name}")) {
            rules.add_policy(hcl);
        }
    }
    if rules.allows(request.operation, &request.path) {
        return Ok(());
    }
    Err(VaultError::permission_denied())
}

/// Finds the mount with the longest path that prefixes the request path and hands the
/// rest of the path to that engine.
fn secrets_engine(state: &mut VaultState, request: &VaultRequest) -> VaultResult {
    let prefix = request.ns_prefix();
    let with_slash = format!("{prefix}{}/", request.path);
    let Some(mount_key) = state
        .mounts
        .iter()
        .filter(|(key, mount)| {
            mount.namespace == request.namespace && with_slash.starts_with(key.as_str())
        })
        .map(|(key, _)| key)
        .max_by_key(|key| key.len())
        .cloned()
    else {
        return Err(VaultError::no_handler(&request.path));
    };
    let rest = with_slash[mount_key.len()..]
        .trim_end_matches('/')
        .to_string();
    let Some(mount) = state.mounts.get(&mount_key) else {
        return Err(VaultError::no_handler(&request.path));
    };
    if mount.is_kv_v2() {
        return kv::handle(state, &mount_key, &rest, request);
    }
    Err(VaultError::new(
        axum::http::StatusCode::NOT_FOUND,
        format!(
            "ff-sandbox does not emulate the {:?} secrets engine (mounted at {mount_key})",
            describe_engine(mount)
        ),
    ))
}

fn describe_engine(mount: &super::state::Mount) -> String {
    match mount.options.as_ref().and_then(|o| o.get("version")) {
        Some(version) if mount.kind == "kv" => format!("kv version {version}"),
        _ if mount.kind == "kv" => "kv version 1".to_string(),
        _ => mount.kind.clone(),
    }
}

/// `Reply` for a write that Vault answers with 204.
pub fn no_content() -> VaultResult {
    Ok(Reply::NoContent)
}
