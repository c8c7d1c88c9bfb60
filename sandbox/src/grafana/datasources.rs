//! Data sources. https://grafana.com/docs/grafana/latest/developers/http_api/data_source/
//!
//! Names and uids are unique (409 on conflict). `secureJsonData` is write-only: the API
//! answers with `secureJsonFields` (which keys are set); an update keeps secure values it
//! does not mention. Only one data source is the default.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Grafana;
use super::errors::GrafanaError;
use super::routes::{Caller, GrafanaResult, parse_body};
use super::state::{DataSource, GrafanaState, NextIds, Role};
use crate::util::{lock, random_uid};

fn not_found() -> GrafanaError {
    GrafanaError::message(StatusCode::NOT_FOUND, "Data source not found")
}

fn type_name(kind: &str) -> String {
    let mut chars = kind.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn json_data(ds: &DataSource) -> Value {
    if ds.json_data.is_null() {
        Value::Object(Map::new())
    } else {
        ds.json_data.clone()
    }
}

/// The full object (get by uid/name/id, create, update).
fn datasource_json(ds: &DataSource) -> Value {
    let secure_fields: Map<String, Value> = ds
        .secure_json_data
        .keys()
        .map(|k| (k.clone(), Value::Bool(true)))
        .collect();
    json!({
        "id": ds.id,
        "uid": ds.uid,
        "orgId": 1,
        "name": ds.name,
        "type": ds.kind,
        "typeLogoUrl": "",
        "access": ds.access,
        "url": ds.url,
        "user": ds.user,
        "database": ds.database,
        "basicAuth": ds.basic_auth,
        "basicAuthUser": ds.basic_auth_user,
        "withCredentials": ds.with_credentials,
        "isDefault": ds.is_default,
        "jsonData": json_data(ds),
        "secureJsonFields": secure_fields,
        "version": ds.version,
        "readOnly": ds.read_only,
        "apiVersion": "",
    })
}

/// The list shape.
fn list_item_json(ds: &DataSource) -> Value {
    json!({
        "id": ds.id,
        "uid": ds.uid,
        "orgId": 1,
        "name": ds.name,
        "type": ds.kind,
        "typeName": type_name(&ds.kind),
        "typeLogoUrl": "",
        "access": ds.access,
        "url": ds.url,
        "user": ds.user,
        "database": ds.database,
        "basicAuth": ds.basic_auth,
        "isDefault": ds.is_default,
        "jsonData": json_data(ds),
        "readOnly": ds.read_only,
    })
}

pub async fn list(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:read")?;
    let state = lock(&shared.state);
    let mut all: Vec<&DataSource> = state.datasources.iter().collect();
    all.sort_by_key(|d| (d.name.to_lowercase(), d.id));
    let items: Vec<Value> = all.into_iter().map(list_item_json).collect();
    Ok(axum::Json(items).into_response())
}

fn find(
    state: &GrafanaState,
    pred: impl Fn(&DataSource) -> bool,
) -> Result<&DataSource, GrafanaError> {
    state
        .datasources
        .iter()
        .find(|d| pred(d))
        .ok_or_else(not_found)
}

pub async fn get_by_uid(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:read")?;
    let state = lock(&shared.state);
    let ds = find(&state, |d| d.uid == uid)?;
    Ok(axum::Json(datasource_json(ds)).into_response())
}

pub async fn get_by_name(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:read")?;
    let state = lock(&shared.state);
    let ds = find(&state, |d| d.name == name)?;
    Ok(axum::Json(datasource_json(ds)).into_response())
}

/// `GET /api/datasources/id/:name` → `{"id": N}` ("Get data source Id by Name").
pub async fn id_by_name(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:read")?;
    let state = lock(&shared.state);
    let ds = find(&state, |d| d.name == name)?;
    Ok(axum::Json(json!({ "id": ds.id })).into_response())
}

pub async fn get_by_id(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:read")?;
    let id: i64 = id
        .parse()
        .map_err(|_| GrafanaError::message(StatusCode::BAD_REQUEST, "id is invalid"))?;
    let state = lock(&shared.state);
    let ds = find(&state, |d| d.id == id)?;
    Ok(axum::Json(datasource_json(ds)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataSourceBody {
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    access: Option<String>,
    #[serde(default)]
    url: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    database: String,
    #[serde(default)]
    basic_auth: bool,
    #[serde(default)]
    basic_auth_user: String,
    #[serde(default)]
    with_credentials: bool,
    #[serde(default)]
    is_default: bool,
    #[serde(default)]
    json_data: Option<Value>,
    #[serde(default)]
    secure_json_data: Option<BTreeMap<String, String>>,
    #[serde(default)]
    version: i64,
}

impl DataSourceBody {
    fn validate(&self) -> Result<(), GrafanaError> {
        if self.name.trim().is_empty() || self.kind.trim().is_empty() {
            return Err(GrafanaError::bad_request_data());
        }
        if let Some(uid) = &self.uid
            && (uid.len() > 40
                || !uid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(GrafanaError::message(
                StatusCode::BAD_REQUEST,
                "Failed to add datasource: invalid uid",
            ));
        }
        Ok(())
    }
}

fn name_conflict() -> GrafanaError {
    GrafanaError::message(
        StatusCode::CONFLICT,
        "data source with the same name already exists",
    )
}

pub async fn create(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:create")?;
    let input: DataSourceBody = parse_body(&body)?;
    input.validate()?;
    let mut state = lock(&shared.state);
    if state.datasources.iter().any(|d| d.name == input.name) {
        return Err(name_conflict());
    }
    let uid = match input.uid.clone().filter(|u| !u.is_empty()) {
        Some(uid) if state.datasources.iter().any(|d| d.uid == uid) => {
            return Err(GrafanaError::message(
                StatusCode::CONFLICT,
                "data source with the same uid already exists",
            ));
        }
        Some(uid) => uid,
        None => random_uid(14),
    };
    // The first data source becomes the default, as in Grafana.
    let is_default = input.is_default || state.datasources.is_empty();
    if is_default {
        for other in &mut state.datasources {
            other.is_default = false;
        }
    }
    let ds = DataSource {
        id: NextIds::take(&mut state.next_ids.datasource),
        uid,
        name: input.name,
        kind: input.kind,
        access: input.access.unwrap_or_else(|| "proxy".to_string()),
        url: input.url,
        user: input.user,
        database: input.database,
        basic_auth: input.basic_auth,
        basic_auth_user: input.basic_auth_user,
        with_credentials: input.with_credentials,
        is_default,
        json_data: input.json_data.unwrap_or(Value::Null),
        secure_json_data: input.secure_json_data.unwrap_or_default(),
        version: 1,
        read_only: false,
    };
    let body = json!({
        "datasource": datasource_json(&ds),
        "id": ds.id,
        "uid": ds.uid,
        "message": "Datasource added",
        "name": ds.name,
    });
    state.datasources.push(ds);
    Ok(axum::Json(body).into_response())
}

pub async fn update(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
    body: Bytes,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:write")?;
    let input: DataSourceBody = parse_body(&body)?;
    input.validate()?;
    let mut state = lock(&shared.state);
    let current = find(&state, |d| d.uid == uid)?.clone();
    if state
        .datasources
        .iter()
        .any(|d| d.uid != uid && d.name == input.name)
    {
        return Err(name_conflict());
    }
    if input.version != 0 && input.version < current.version {
        return Err(GrafanaError::message(
            StatusCode::CONFLICT,
            "Datasource has already been updated by someone else. Please reload and try again",
        ));
    }
    if input.is_default {
        for other in &mut state.datasources {
            other.is_default = false;
        }
    }
    let mut secure = current.secure_json_data.clone();
    secure.extend(input.secure_json_data.unwrap_or_default());
    let updated = DataSource {
        id: current.id,
        uid: current.uid.clone(),
        name: input.name,
        kind: input.kind,
        access: input.access.unwrap_or_else(|| "proxy".to_string()),
        url: input.url,
        user: input.user,
        database: input.database,
        basic_auth: input.basic_auth,
        basic_auth_user: input.basic_auth_user,
        with_credentials: input.with_credentials,
        is_default: input.is_default,
        json_data: input.json_data.unwrap_or(Value::Null),
        secure_json_data: secure,
        version: current.version + 1,
        read_only: current.read_only,
    };
    let body = json!({
        "datasource": datasource_json(&updated),
        "id": updated.id,
        "message": "Datasource updated",
        "name": updated.name,
    });
    if let Some(slot) = state.datasources.iter_mut().find(|d| d.uid == uid) {
        *slot = updated;
    }
    Ok(axum::Json(body).into_response())
}

pub async fn delete_by_uid(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(uid): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:delete")?;
    let mut state = lock(&shared.state);
    let id = find(&state, |d| d.uid == uid)?.id;
    state.datasources.retain(|d| d.id != id);
    Ok(axum::Json(json!({ "message": "Data source deleted", "id": id })).into_response())
}

pub async fn delete_by_name(
    State(shared): State<Arc<Grafana>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> GrafanaResult {
    caller.require(Role::Admin, "datasources:delete")?;
    let mut state = lock(&shared.state);
    let id = find(&state, |d| d.name == name)?.id;
    state.datasources.retain(|d| d.id != id);
    Ok(axum::Json(json!({ "message": "Data source deleted", "id": id })).into_response())
}
