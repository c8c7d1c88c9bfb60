//! Service accounts and their tokens.
//! https://grafana.com/docs/grafana/latest/developers/http_api/serviceaccount/
//!
//! Errors use Grafana's errutil shape (`messageId`), e.g. a duplicate name is
//! 400 `serviceaccounts.ErrAlreadyExists`. Logins are `sa-1-<slug of name>` and must be
//! unique. A token's key (`glsa_...`) is returned only by the create call; deleting an
//! account revokes its tokens.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Grafana;
use super::errors::GrafanaError;
use super::routes::{Caller, GrafanaResult, page_of, paging, parse_body};
use super::state::{NextIds, Role, ServiceAccount, ServiceAccountToken};
use crate::util::{
    hex_digest, lock, now_rfc3339, now_unix, random_alnum, random_hex, random_uid, slugify,
    unix_to_rfc3339,
};

fn not_found() -> GrafanaError {
    GrafanaError::coded(
        StatusCode::NOT_FOUND,
        "serviceaccounts.ErrNotFound",
        "service account not found",
    )
}

fn already_exists() -> GrafanaError {
    GrafanaError::coded(
        StatusCode::BAD_REQUEST,
        "serviceaccounts.ErrAlreadyExists",
        "service account already exists",
    )
}

fn invalid_role() -> GrafanaError {
    GrafanaError::coded(
        StatusCode::BAD_REQUEST,
        "serviceaccounts.ErrInvalidRoleSpecified",
        "invalid role specified",
    )
}

fn parse_id(raw: &str) -> Result<i64, GrafanaError> {
    raw.parse().map_err(|_| {
        GrafanaError::coded(
            StatusCode::BAD_REQUEST,
            "serviceaccounts.ErrInvalidId",
            "invalid service account id specified",
        )
    })
}

fn login_for(name: &str) -> String {
    format!("sa-1-{}", slugify(name))
}

/// The search/create shape.
fn account_json(account: &ServiceAccount) -> Value {
    json!({
        "id": account.id,
        "uid": account.uid,
        "name": account.name,
        "login": account.login,
        "orgId": 1,
        "isDisabled": account.is_disabled,
        "role": account.role.as_str(),
        "tokens": account.tokens.len(),
        "avatarUrl": format!("/avatar/{}", hex_digest(&account.login)),
    })
}

/// The get/update shape (profile).
fn profile_json(account: &ServiceAccount) -> Value {
    json!({
        "id": account.id,
        "uid": account.uid,
        "name": account.name,
        "login": account.login,
        "orgId": 1,
        "isDisabled": account.is_disabled,
        "createdAt": account.created,
        "updatedAt": account.updated,
        "avatarUrl": format!("/avatar/{}", hex_digest(&account.login)),
        "role": account.role.as_str(),
        "teams": [],
        "tokens": account.tokens.len(),
    })
}

pub async fn search(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:read")?;
    let (page, per_page) = paging(&query, "perpage");
    let needle = query
        .get("query")
        .map(|q| q.to_lowercase())
        .unwrap_or_default();
    let state = lock(&shared.state);
    let mut accounts: Vec<&ServiceAccount> = state
        .service_accounts
        .iter()
        .filter(|a| {
            a.name.to_lowercase().contains(&needle) || a.login.to_lowercase().contains(&needle)
        })
        .collect();
    accounts.sort_by_key(|a| (a.name.to_lowercase(), a.id));
    let all: Vec<Value> = accounts.into_iter().map(account_json).collect();
    Ok(axum::Json(json!({
        "totalCount": all.len(),
        "serviceAccounts": page_of(&all, page, per_page),
        "page": page,
        "perPage": per_page,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateAccount {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    is_disabled: Option<bool>,
}

pub async fn create(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:create")?;
    let input: CreateAccount = parse_body(&body)?;
    if input.name.trim().is_empty() {
        return Err(GrafanaError::bad_request_data());
    }
    let role = match input.role.as_deref() {
        None | Some("") => Role::Viewer,
        Some(text) => Role::parse(text).ok_or_else(invalid_role)?,
    };
    if role > caller.role {
        return Err(GrafanaError::coded(
            StatusCode::FORBIDDEN,
            "serviceaccounts.ErrRoleForbidden",
            "can not assign a role higher than user's role",
        ));
    }
    let login = login_for(&input.name);
    let mut state = lock(&shared.state);
    if state
        .service_accounts
        .iter()
        .any(|a| a.login == login || a.name == input.name)
    {
        return Err(already_exists());
    }
    let now = now_rfc3339();
    let account = ServiceAccount {
        id: NextIds::take(&mut state.next_ids.user),
        uid: random_uid(14),
        name: input.name,
        login,
        role,
        is_disabled: input.is_disabled.unwrap_or(false),
        created: now.clone(),
        updated: now,
        tokens: Vec::new(),
    };
    let body = account_json(&account);
    state.service_accounts.push(account);
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

pub async fn get(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:read")?;
    let id = parse_id(&id)?;
    let state = lock(&shared.state);
    let account = state.service_account(id).ok_or_else(not_found)?;
    Ok(axum::Json(profile_json(account)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateAccount {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    is_disabled: Option<bool>,
}

pub async fn update(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:write")?;
    let id = parse_id(&id)?;
    let input: UpdateAccount = parse_body(&body)?;
    let role = match input.role.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Role::parse(text).ok_or_else(invalid_role)?),
    };
    let mut state = lock(&shared.state);
    if state.service_account(id).is_none() {
        return Err(not_found());
    }
    let name = input.name.filter(|n| !n.trim().is_empty());
    if let Some(name) = &name {
        let login = login_for(name);
        if state
            .service_accounts
            .iter()
            .any(|a| a.id != id && (a.login == login || &a.name == name))
        {
            return Err(already_exists());
        }
    }
    let account = state.service_account_mut(id).ok_or_else(not_found)?;
    if let Some(name) = name {
        account.login = login_for(&name);
        account.name = name;
    }
    if let Some(role) = role {
        account.role = role;
    }
    if let Some(disabled) = input.is_disabled {
        account.is_disabled = disabled;
    }
    account.updated = now_rfc3339();
    Ok(axum::Json(json!({
        "id": account.id,
        "name": account.name,
        "serviceaccount": profile_json(account),
        "message": "Service account updated",
    }))
    .into_response())
}

pub async fn delete(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:delete")?;
    let id = parse_id(&id)?;
    let mut state = lock(&shared.state);
    if state.service_account(id).is_none() {
        return Err(not_found());
    }
    // The account's tokens go with it.
    state.service_accounts.retain(|a| a.id != id);
    for folder in &mut state.folders {
        folder.permissions.retain(|p| p.user_id != Some(id));
    }
    Ok(axum::Json(json!({ "message": "Service account deleted" })).into_response())
}

fn token_json(token: &ServiceAccountToken) -> Value {
    let now = now_unix();
    let has_expired = token.expires.is_some_and(|at| at <= now);
    let seconds_left = token
        .expires
        .filter(|_| !has_expired)
        .map_or(0, |at| at - now);
    json!({
        "id": token.id,
        "name": token.name,
        "created": token.created,
        "lastUsedAt": null,
        "expiration": token.expires.map(unix_to_rfc3339),
        "secondsUntilExpiration": seconds_left,
        "hasExpired": has_expired,
        "isRevoked": false,
    })
}

pub async fn list_tokens(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:read")?;
    let id = parse_id(&id)?;
    let state = lock(&shared.state);
    let account = state.service_account(id).ok_or_else(not_found)?;
    let tokens: Vec<Value> = account.tokens.iter().map(token_json).collect();
    Ok(axum::Json(tokens).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    seconds_to_live: i64,
}

pub async fn create_token(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:write")?;
    let id = parse_id(&id)?;
    let mut state = lock(&shared.state);
    if state.service_account(id).is_none() {
        return Err(not_found());
    }
    let input: CreateToken = parse_body(&body)?;
    if input.name.trim().is_empty() {
        return Err(GrafanaError::bad_request_data());
    }
    if input.seconds_to_live < 0 {
        return Err(GrafanaError::coded(
            StatusCode::BAD_REQUEST,
            "serviceaccounts.ErrInvalidInput",
            "invalid SecondsToLive value",
        ));
    }
    // Token names are unique within the organisation, not just the account.
    if state
        .service_accounts
        .iter()
        .flat_map(|a| &a.tokens)
        .any(|t| t.name == input.name)
    {
        return Err(GrafanaError::coded(
            StatusCode::BAD_REQUEST,
            "serviceaccounts.ErrTokenAlreadyExists",
            "service account token with given name already exists in the organization",
        ));
    }
    let token = ServiceAccountToken {
        id: NextIds::take(&mut state.next_ids.token),
        name: input.name,
        key: format!("glsa_{}_{}", random_alnum(32), random_hex(8)),
        created: now_rfc3339(),
        expires: (input.seconds_to_live > 0).then(|| now_unix() + input.seconds_to_live),
    };
    let body = json!({ "id": token.id, "name": token.name, "key": token.key });
    if let Some(account) = state.service_account_mut(id) {
        account.tokens.push(token);
        account.updated = now_rfc3339();
    }
    Ok(axum::Json(body).into_response())
}

pub async fn delete_token(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path((id, token_id)): Path<(String, String)>,
) -> GrafanaResult {
    caller.require(Role::Admin, "serviceaccounts:write")?;
    let id = parse_id(&id)?;
    let token_id: i64 = token_id.parse().map_err(|_| {
        GrafanaError::coded(
            StatusCode::BAD_REQUEST,
            "serviceaccounts.ErrInvalidTokenId",
            "invalid service account token id specified",
        )
    })?;
    let mut state = lock(&shared.state);
    let account = state.service_account_mut(id).ok_or_else(not_found)?;
    let before = account.tokens.len();
    account.tokens.retain(|t| t.id != token_id);
    if account.tokens.len() == before {
        return Err(GrafanaError::coded(
            StatusCode::NOT_FOUND,
            "serviceaccounts.ErrTokenNotFound",
            "service account token not found",
        ));
    }
    Ok(axum::Json(json!({ "message": "API key deleted" })).into_response())
}
