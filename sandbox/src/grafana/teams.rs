//! Teams. https://grafana.com/docs/grafana/latest/developers/http_api/team/
//!
//! Team names are unique (exact match). Search: `name` is an exact match, `query` a
//! case-insensitive substring of the name; sorted by name; `perpage` defaults to 1000.

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
use super::state::{NextIds, Role, Team};
use crate::util::{hex_digest, lock, now_rfc3339, random_uid};

fn team_json(team: &Team) -> Value {
    json!({
        "id": team.id,
        "uid": team.uid,
        "orgId": 1,
        "name": team.name,
        "email": team.email,
        "avatarUrl": format!("/avatar/{}", hex_digest(&team.name)),
        "memberCount": 0,
        "permission": 0,
        "accessControl": null,
        "created": team.created,
        "updated": team.updated,
    })
}

fn parse_id(raw: &str) -> Result<i64, GrafanaError> {
    raw.parse()
        .map_err(|_| GrafanaError::message(StatusCode::BAD_REQUEST, "teamId is invalid"))
}

fn name_taken() -> GrafanaError {
    GrafanaError::message(StatusCode::CONFLICT, "Team name taken")
}

pub async fn search(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> GrafanaResult {
    caller.require(Role::Admin, "teams:read")?;
    let (page, per_page) = paging(&query, "perpage");
    let name = query.get("name").filter(|n| !n.is_empty());
    let needle = query
        .get("query")
        .map(|q| q.to_lowercase())
        .unwrap_or_default();
    let state = lock(&shared.state);
    let mut teams: Vec<&Team> = state
        .teams
        .iter()
        .filter(|t| name.is_none_or(|n| &t.name == n))
        .filter(|t| t.name.to_lowercase().contains(&needle))
        .collect();
    teams.sort_by_key(|t| (t.name.to_lowercase(), t.id));
    let all: Vec<Value> = teams.into_iter().map(team_json).collect();
    Ok(axum::Json(json!({
        "totalCount": all.len(),
        "teams": page_of(&all, page, per_page),
        "page": page,
        "perPage": per_page,
    }))
    .into_response())
}

pub async fn get(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "teams:read")?;
    let id = parse_id(&id)?;
    let state = lock(&shared.state);
    let team = state
        .team(id)
        .ok_or_else(|| GrafanaError::message(StatusCode::NOT_FOUND, "Team not found"))?;
    Ok(axum::Json(team_json(team)).into_response())
}

#[derive(Deserialize)]
struct TeamBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

pub async fn create(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "teams:create")?;
    let input: TeamBody = parse_body(&body)?;
    if input.name.trim().is_empty() {
        return Err(GrafanaError::bad_request_data());
    }
    let mut state = lock(&shared.state);
    if state.teams.iter().any(|t| t.name == input.name) {
        return Err(name_taken());
    }
    let now = now_rfc3339();
    let team = Team {
        id: NextIds::take(&mut state.next_ids.team),
        uid: random_uid(14),
        name: input.name,
        email: input.email,
        created: now.clone(),
        updated: now,
    };
    let body = json!({ "message": "Team created", "teamId": team.id, "uid": team.uid });
    state.teams.push(team);
    Ok(axum::Json(body).into_response())
}

pub async fn update(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "teams:write")?;
    let id = parse_id(&id)?;
    let input: TeamBody = parse_body(&body)?;
    if input.name.trim().is_empty() {
        return Err(GrafanaError::bad_request_data());
    }
    let mut state = lock(&shared.state);
    if state.team(id).is_none() {
        return Err(GrafanaError::message(
            StatusCode::NOT_FOUND,
            "Team not found",
        ));
    }
    if state
        .teams
        .iter()
        .any(|t| t.id != id && t.name == input.name)
    {
        return Err(name_taken());
    }
    if let Some(team) = state.teams.iter_mut().find(|t| t.id == id) {
        team.name = input.name;
        team.email = input.email;
        team.updated = now_rfc3339();
    }
    Ok(axum::Json(json!({ "message": "Team updated" })).into_response())
}

pub async fn delete(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "teams:delete")?;
    let id = parse_id(&id)?;
    let mut state = lock(&shared.state);
    if state.team(id).is_none() {
        return Err(GrafanaError::message(
            StatusCode::NOT_FOUND,
            "Failed to delete Team. ID not found",
        ));
    }
    state.teams.retain(|t| t.id != id);
    for folder in &mut state.folders {
        folder.permissions.retain(|p| p.team_id != Some(id));
    }
    Ok(axum::Json(json!({ "message": "Team deleted" })).into_response())
}
