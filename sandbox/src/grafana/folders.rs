//! Folders and folder permissions.
//! https://grafana.com/docs/grafana/latest/developers/http_api/folder/
//! https://grafana.com/docs/grafana/latest/developers/http_api/folder_permissions/
//!
//! Nested folders are on (`parentUid`). Titles need not be unique (Grafana 11 allows
//! duplicate titles); uids must be. Deleting a folder deletes its sub-folders.

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
use super::state::{Folder, FolderPermission, GrafanaState, NextIds, Role};
use crate::util::{lock, now_rfc3339, random_uid, slugify};

const MAX_UID_LEN: usize = 40;

fn folder_url(folder: &Folder) -> String {
    format!("/dashboards/f/{}/{}", folder.uid, slugify(&folder.title))
}

/// The full folder object (get, create, update).
fn folder_json(state: &GrafanaState, folder: &Folder) -> Value {
    let mut value = json!({
        "id": folder.id,
        "uid": folder.uid,
        "orgId": 1,
        "title": folder.title,
        "description": folder.description,
        "url": folder_url(folder),
        "hasAcl": false,
        "canSave": true,
        "canEdit": true,
        "canAdmin": true,
        "canDelete": true,
        "createdBy": folder.created_by,
        "created": folder.created,
        "updatedBy": folder.updated_by,
        "updated": folder.updated,
        "version": folder.version,
    });
    if let (Some(parent), Value::Object(map)) = (&folder.parent_uid, &mut value) {
        map.insert("parentUid".into(), json!(parent));
        let parents: Vec<Value> = ancestors(state, folder)
            .into_iter()
            .map(|f| {
                json!({
                    "id": f.id,
                    "uid": f.uid,
                    "title": f.title,
                    "url": folder_url(f),
                    "created": f.created,
                    "updated": f.updated,
                    "version": f.version,
                })
            })
            .collect();
        map.insert("parents".into(), Value::Array(parents));
    }
    value
}

/// Ancestors from the root down to the direct parent.
fn ancestors<'a>(state: &'a GrafanaState, folder: &Folder) -> Vec<&'a Folder> {
    let mut chain = Vec::new();
    let mut next = folder.parent_uid.clone();
    while let Some(uid) = next {
        let Some(parent) = state.folder(&uid) else {
            break;
        };
        if chain.iter().any(|f: &&Folder| f.uid == parent.uid) {
            break;
        }
        chain.push(parent);
        next = parent.parent_uid.clone();
    }
    chain.reverse();
    chain
}

pub async fn list(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> GrafanaResult {
    caller.require(Role::Viewer, "folders:read")?;
    let (page, limit) = paging(&query, "limit");
    let parent = query.get("parentUid").filter(|p| !p.is_empty()).cloned();
    let state = lock(&shared.state);
    let mut folders: Vec<&Folder> = state
        .folders
        .iter()
        .filter(|f| f.parent_uid == parent)
        .collect();
    folders.sort_by_key(|f| (f.title.to_lowercase(), f.id));
    let items: Vec<Value> = folders
        .into_iter()
        .map(|f| {
            let mut item = json!({ "id": f.id, "uid": f.uid, "title": f.title });
            if let (Some(parent), Value::Object(map)) = (&f.parent_uid, &mut item) {
                map.insert("parentUid".into(), json!(parent));
            }
            item
        })
        .collect();
    Ok(axum::Json(page_of(&items, page, limit)).into_response())
}

pub async fn get(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Viewer, "folders:read")?;
    let state = lock(&shared.state);
    let folder = state
        .folder(&uid)
        .ok_or_else(GrafanaError::folder_not_found)?;
    Ok(axum::Json(folder_json(&state, folder)).into_response())
}

pub async fn get_by_id(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Viewer, "folders:read")?;
    let id: i64 = id
        .parse()
        .map_err(|_| GrafanaError::message(StatusCode::BAD_REQUEST, "id is invalid"))?;
    let state = lock(&shared.state);
    let folder = state
        .folders
        .iter()
        .find(|f| f.id == id)
        .ok_or_else(GrafanaError::folder_not_found)?;
    Ok(axum::Json(folder_json(&state, folder)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateFolder {
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parent_uid: Option<String>,
}

fn validate_uid(uid: &str) -> Result<(), GrafanaError> {
    if uid.len() > MAX_UID_LEN {
        return Err(GrafanaError::message(
            StatusCode::BAD_REQUEST,
            "uid too long, max 40 characters",
        ));
    }
    if !uid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(GrafanaError::message(
            StatusCode::BAD_REQUEST,
            "uid contains illegal characters",
        ));
    }
    Ok(())
}

fn title_empty() -> GrafanaError {
    GrafanaError::message(StatusCode::BAD_REQUEST, "folder title cannot be empty")
}

fn default_permissions(now: &str) -> Vec<FolderPermission> {
    let entry = |role: Option<&str>, user_id: Option<i64>, permission| FolderPermission {
        role: role.map(str::to_string),
        team_id: None,
        user_id,
        permission,
        created: now.to_string(),
        updated: now.to_string(),
    };
    vec![
        entry(None, Some(1), 4),
        entry(Some("Editor"), None, 2),
        entry(Some("Viewer"), None, 1),
    ]
}

pub async fn create(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Editor, "folders:create")?;
    let input: CreateFolder = parse_body(&body)?;
    let title = input.title.trim().to_string();
    if title.is_empty() {
        return Err(title_empty());
    }
    let mut state = lock(&shared.state);
    let uid = match input.uid.filter(|u| !u.is_empty()) {
        Some(uid) => {
            validate_uid(&uid)?;
            if state.folder(&uid).is_some() {
                return Err(GrafanaError::message(
                    StatusCode::CONFLICT,
                    "a folder/dashboard with the same uid already exists",
                ));
            }
            uid
        }
        None => loop {
            let uid = random_uid(14);
            if state.folder(&uid).is_none() {
                break uid;
            }
        },
    };
    let parent_uid = input.parent_uid.filter(|p| !p.is_empty());
    if let Some(parent) = &parent_uid
        && state.folder(parent).is_none()
    {
        return Err(GrafanaError::folder_not_found());
    }
    let now = now_rfc3339();
    let folder = Folder {
        id: NextIds::take(&mut state.next_ids.folder),
        uid,
        title,
        description: input.description.unwrap_or_default(),
        parent_uid,
        version: 1,
        created: now.clone(),
        updated: now.clone(),
        created_by: caller.login.clone(),
        updated_by: caller.login.clone(),
        permissions: default_permissions(&now),
    };
    let body = folder_json(&state, &folder);
    state.folders.push(folder);
    Ok(axum::Json(body).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateFolder {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    overwrite: bool,
}

pub async fn update(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Editor, "folders:write")?;
    let input: UpdateFolder = parse_body(&body)?;
    let mut state = lock(&shared.state);
    let folder = state
        .folders
        .iter_mut()
        .find(|f| f.uid == uid)
        .ok_or_else(GrafanaError::folder_not_found)?;
    if !input.overwrite && input.version != folder.version {
        return Err(GrafanaError {
            status: StatusCode::PRECONDITION_FAILED,
            body: json!({
                "message": "the folder has been changed by someone else",
                "status": "version-mismatch",
            }),
        });
    }
    if let Some(title) = input.title {
        let title = title.trim().to_string();
        if title.is_empty() {
            return Err(title_empty());
        }
        folder.title = title;
    }
    if let Some(description) = input.description {
        folder.description = description;
    }
    folder.version += 1;
    folder.updated = now_rfc3339();
    folder.updated_by = caller.login.clone();
    let folder = folder.clone();
    Ok(axum::Json(folder_json(&state, &folder)).into_response())
}

pub async fn delete(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Editor, "folders:delete")?;
    let mut state = lock(&shared.state);
    let folder = state
        .folder(&uid)
        .cloned()
        .ok_or_else(GrafanaError::folder_not_found)?;
    // The folder and everything below it.
    let mut doomed = vec![folder.uid.clone()];
    let mut index = 0;
    while index < doomed.len() {
        let parent = doomed[index].clone();
        doomed.extend(
            state
                .folders
                .iter()
                .filter(|f| f.parent_uid.as_deref() == Some(parent.as_str()))
                .map(|f| f.uid.clone()),
        );
        index += 1;
    }
    state.folders.retain(|f| !doomed.contains(&f.uid));
    Ok(axum::Json(json!({
        "message": "Folder deleted",
        "id": folder.id,
        "title": folder.title,
    }))
    .into_response())
}

fn permission_name(permission: i64) -> &'static str {
    match permission {
        1 => "View",
        2 => "Edit",
        4 => "Admin",
        _ => "",
    }
}

pub async fn permissions(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "folders.permissions:read")?;
    let state = lock(&shared.state);
    let folder = state
        .folder(&uid)
        .ok_or_else(GrafanaError::folder_not_found)?;
    let items: Vec<Value> = folder
        .permissions
        .iter()
        .map(|p| {
            let team = p.team_id.and_then(|id| state.team(id));
            let user_login = match p.user_id {
                Some(1) => state.admin.user.clone(),
                Some(id) => state
                    .service_account(id)
                    .map(|s| s.login.clone())
                    .unwrap_or_default(),
                None => String::new(),
            };
            json!({
                "folderId": folder.id,
                "folderUid": folder.uid,
                "created": p.created,
                "updated": p.updated,
                "userId": p.user_id.unwrap_or(0),
                "userLogin": user_login,
                "userEmail": "",
                "teamId": p.team_id.unwrap_or(0),
                "teamUid": team.map(|t| t.uid.clone()).unwrap_or_default(),
                "team": team.map(|t| t.name.clone()).unwrap_or_default(),
                "role": p.role.clone().unwrap_or_default(),
                "permission": p.permission,
                "permissionName": permission_name(p.permission),
                "uid": folder.uid,
                "title": folder.title,
                "slug": slugify(&folder.title),
                "isFolder": true,
                "url": folder_url(folder),
                "inherited": false,
            })
        })
        .collect();
    Ok(axum::Json(items).into_response())
}

#[derive(Deserialize)]
struct PermissionItems {
    #[serde(default)]
    items: Vec<PermissionItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PermissionItem {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    team_id: Option<i64>,
    #[serde(default)]
    user_id: Option<i64>,
    permission: i64,
}

pub async fn set_permissions(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "folders.permissions:write")?;
    let input: PermissionItems = parse_body(&body)?;
    let mut state = lock(&shared.state);
    if state.folder(&uid).is_none() {
        return Err(GrafanaError::folder_not_found());
    }
    let now = now_rfc3339();
    let mut entries = Vec::with_capacity(input.items.len());
    for item in input.items {
        let targets = [
            item.role.is_some(),
            item.team_id.is_some(),
            item.user_id.is_some(),
        ];
        if targets.iter().filter(|&&t| t).count() != 1 {
            return Err(GrafanaError::message(
                StatusCode::BAD_REQUEST,
                "each item needs exactly one of role, teamId or userId",
            ));
        }
        if ![1, 2, 4].contains(&item.permission) {
            return Err(GrafanaError::message(
                StatusCode::BAD_REQUEST,
                "invalid permission: must be 1 (View), 2 (Edit) or 4 (Admin)",
            ));
        }
        if let Some(role) = &item.role
            && !matches!(role.as_str(), "Viewer" | "Editor")
        {
            return Err(GrafanaError::message(
                StatusCode::BAD_REQUEST,
                "invalid role: must be Viewer or Editor",
            ));
        }
        if let Some(team) = item.team_id
            && state.team(team).is_none()
        {
            return Err(GrafanaError::message(
                StatusCode::NOT_FOUND,
                "Team not found",
            ));
        }
        if let Some(user) = item.user_id
            && user != 1
            && state.service_account(user).is_none()
        {
            return Err(GrafanaError::message(
                StatusCode::NOT_FOUND,
                "user not found",
            ));
        }
        entries.push(FolderPermission {
            role: item.role,
            team_id: item.team_id,
            user_id: item.user_id,
            permission: item.permission,
            created: now.clone(),
            updated: now.clone(),
        });
    }
    if let Some(folder) = state.folders.iter_mut().find(|f| f.uid == uid) {
        folder.permissions = entries;
    }
    Ok(axum::Json(json!({ "message": "Folder permissions updated" })).into_response())
}
