//! Roles and their permissions. <https://auth0.com/docs/api/management/v2/roles/get-roles>
//!
//! Role names are unique; `name_filter` matches a case-insensitive part of the name. A
//! permission is a scope of a resource server, named by its identifier.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::Auth0Error;
use super::routes::{Auth0Result, Request, body_object, paged, string_field};
use super::state::{Auth0State, Permission, Role};
use crate::util::random_alnum;

fn role_json(role: &Role) -> Value {
    json!({ "id": role.id, "name": role.name, "description": role.description })
}

fn not_found() -> Auth0Error {
    Auth0Error::not_found("inexistent_role", "The role does not exist.")
}

fn index(state: &Auth0State, id: &str) -> Result<usize, Auth0Error> {
    state
        .roles
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(not_found)
}

pub fn list(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let filter = req.query.get("name_filter").map(|f| f.to_lowercase());
    let items = state
        .roles
        .iter()
        .filter(|r| {
            filter
                .as_ref()
                .is_none_or(|f| r.name.to_lowercase().contains(f))
        })
        .map(role_json)
        .collect();
    paged(items, "roles", &req.query)
}

pub fn get(state: &mut Auth0State, id: &str) -> Auth0Result {
    let i = index(state, id)?;
    Ok((StatusCode::OK, role_json(&state.roles[i])))
}

pub fn create(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let body = body_object(req)?;
    let name = string_field(body, "name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Auth0Error::invalid_body("Missing required property: name"))?;
    if state.roles.iter().any(|r| r.name == name) {
        return Err(Auth0Error::conflict("Role name already exists"));
    }
    let role = Role {
        id: format!("rol_{}", random_alnum(16)),
        name,
        description: string_field(body, "description")?.unwrap_or_default(),
        permissions: Vec::new(),
    };
    let answer = role_json(&role);
    state.roles.push(role);
    Ok((StatusCode::OK, answer))
}

pub fn update(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let body = body_object(req)?;
    let (name, description) = (
        string_field(body, "name")?,
        string_field(body, "description")?,
    );
    let i = index(state, id)?;
    if let Some(name) = &name
        && state.roles.iter().any(|r| r.id != id && &r.name == name)
    {
        return Err(Auth0Error::conflict("Role name already exists"));
    }
    let role = &mut state.roles[i];
    if let Some(v) = name {
        role.name = v;
    }
    if let Some(v) = description {
        role.description = v;
    }
    Ok((StatusCode::OK, role_json(role)))
}

pub fn delete(state: &mut Auth0State, id: &str) -> Auth0Result {
    let i = index(state, id)?;
    state.roles.remove(i);
    Ok((StatusCode::NO_CONTENT, Value::Null))
}

pub fn permissions(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let i = index(state, id)?;
    let items = state.roles[i]
        .permissions
        .iter()
        .map(|p| {
            let rs = state
                .resource_servers
                .iter()
                .find(|rs| rs.identifier == p.resource_server_identifier);
            json!({
                "resource_server_identifier": p.resource_server_identifier,
                "permission_name": p.permission_name,
                "resource_server_name": rs.map(|r| r.name.clone()).unwrap_or_default(),
                "description": rs
                    .and_then(|r| r.scopes.iter().find(|s| s.value == p.permission_name))
                    .map(|s| s.description.clone())
                    .unwrap_or_default(),
            })
        })
        .collect();
    paged(items, "permissions", &req.query)
}

#[derive(Deserialize)]
struct PermissionsBody {
    permissions: Vec<Permission>,
}

fn permissions_body(req: &Request) -> Result<Vec<Permission>, Auth0Error> {
    body_object(req)?;
    serde_json::from_value::<PermissionsBody>(req.body.clone())
        .map(|b| b.permissions)
        .map_err(|_| {
            Auth0Error::invalid_body(
                "Expected permissions: [{resource_server_identifier, permission_name}]",
            )
        })
}

pub fn add_permissions(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let wanted = permissions_body(req)?;
    let i = index(state, id)?;
    for p in &wanted {
        let defined = state.resource_servers.iter().any(|rs| {
            rs.identifier == p.resource_server_identifier
                && rs.scopes.iter().any(|s| s.value == p.permission_name)
        });
        if !defined {
            return Err(Auth0Error::not_found(
                "inexistent_permission",
                format!(
                    "Permission {} does not exist on resource server {}",
                    p.permission_name, p.resource_server_identifier
                ),
            ));
        }
    }
    let role = &mut state.roles[i];
    for p in wanted {
        if !role.permissions.contains(&p) {
            role.permissions.push(p);
        }
    }
    Ok((StatusCode::CREATED, Value::Null))
}

pub fn remove_permissions(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let unwanted = permissions_body(req)?;
    let i = index(state, id)?;
    state.roles[i].permissions.retain(|p| !unwanted.contains(p));
    Ok((StatusCode::NO_CONTENT, Value::Null))
}
