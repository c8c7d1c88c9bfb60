//! Resource servers (APIs). <https://auth0.com/docs/api/management/v2/resource-servers/get-resource-servers>
//!
//! `{id}` in a path is the id or the identifier (audience), percent-encoded. Identifiers are
//! unique and cannot be changed; the tenant's own Management API is listed but read-only.
//! Deleting a resource server deletes its client grants and the role permissions on it.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::errors::Auth0Error;
use super::routes::{Auth0Result, Request, body_object, paged, string_field};
use super::state::{Auth0State, ResourceServer, Scope};
use crate::util::random_hex;

pub fn resource_server_json(rs: &ResourceServer) -> Value {
    json!({
        "id": rs.id,
        "name": rs.name,
        "identifier": rs.identifier,
        "scopes": rs.scopes,
        "token_lifetime": rs.token_lifetime,
        "token_lifetime_for_web": 7200,
        "signing_alg": rs.signing_alg,
        "allow_offline_access": false,
        "skip_consent_for_verifiable_first_party_clients": true,
        "is_system": rs.is_system,
    })
}

fn not_found() -> Auth0Error {
    Auth0Error::not_found(
        "inexistent_resource_server",
        "The resource server does not exist",
    )
}

fn position(state: &Auth0State, id: &str) -> Result<usize, Auth0Error> {
    state
        .resource_servers
        .iter()
        .position(|rs| rs.id == id || rs.identifier == id)
        .ok_or_else(not_found)
}

pub fn list(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let items = state
        .resource_servers
        .iter()
        .map(resource_server_json)
        .collect();
    paged(items, "resource_servers", &req.query)
}

pub fn get(state: &mut Auth0State, id: &str) -> Auth0Result {
    let index = position(state, id)?;
    Ok((
        StatusCode::OK,
        resource_server_json(&state.resource_servers[index]),
    ))
}

fn scopes(body: &Map<String, Value>) -> Result<Option<Vec<Scope>>, Auth0Error> {
    match body.get("scopes") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value::<Vec<Scope>>(value.clone())
            .map(Some)
            .map_err(|_| {
                Auth0Error::invalid_body(
                    "Expected type array of {value, description} on property scopes",
                )
            }),
    }
}

fn lifetime(body: &Map<String, Value>) -> Result<Option<i64>, Auth0Error> {
    match body.get("token_lifetime") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (1..=2_592_000).contains(&n) => Ok(Some(n)),
            _ => Err(Auth0Error::invalid_body(
                "token_lifetime must be an integer between 1 and 2592000",
            )),
        },
    }
}

pub fn create(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let body = body_object(req)?;
    let identifier = string_field(body, "identifier")?
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| Auth0Error::invalid_body("Missing required property: identifier"))?;
    if state
        .resource_servers
        .iter()
        .any(|rs| rs.identifier == identifier)
    {
        return Err(Auth0Error::conflict(
            "A resource server with the same identifier already exists",
        ));
    }
    let rs = ResourceServer {
        id: random_hex(24),
        name: string_field(body, "name")?.unwrap_or_else(|| identifier.clone()),
        identifier,
        scopes: scopes(body)?.unwrap_or_default(),
        token_lifetime: lifetime(body)?.unwrap_or(86_400),
        signing_alg: "RS256".to_string(),
        is_system: false,
    };
    let answer = resource_server_json(&rs);
    state.resource_servers.push(rs);
    Ok((StatusCode::CREATED, answer))
}

pub fn update(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let body = body_object(req)?;
    if body.contains_key("identifier") || body.contains_key("id") {
        return Err(Auth0Error::invalid_body(
            "Additional properties not allowed: identifier",
        ));
    }
    let (name, scopes, lifetime) = (string_field(body, "name")?, scopes(body)?, lifetime(body)?);
    let index = position(state, id)?;
    if state.resource_servers[index].is_system {
        return Err(Auth0Error::new(
            StatusCode::FORBIDDEN,
            "operation_not_supported",
            "You cannot update the system resource server",
        ));
    }
    let rs = &mut state.resource_servers[index];
    if let Some(v) = name {
        rs.name = v;
    }
    if let Some(v) = scopes {
        rs.scopes = v;
    }
    if let Some(v) = lifetime {
        rs.token_lifetime = v;
    }
    let identifier = rs.identifier.clone();
    let kept: Vec<String> = rs.scopes.iter().map(|s| s.value.clone()).collect();
    let answer = resource_server_json(rs);
    // Scopes that were removed disappear from roles and grants, as in Auth0.
    for role in &mut state.roles {
        role.permissions.retain(|p| {
            p.resource_server_identifier != identifier || kept.contains(&p.permission_name)
        });
    }
    for grant in state
        .client_grants
        .iter_mut()
        .filter(|g| g.audience == identifier)
    {
        grant.scope.retain(|s| kept.contains(s));
    }
    Ok((StatusCode::OK, answer))
}

pub fn delete(state: &mut Auth0State, id: &str) -> Auth0Result {
    let index = position(state, id)?;
    if state.resource_servers[index].is_system {
        return Err(Auth0Error::new(
            StatusCode::FORBIDDEN,
            "operation_not_supported",
            "You cannot delete the system resource server",
        ));
    }
    let rs = state.resource_servers.remove(index);
    state.client_grants.retain(|g| g.audience != rs.identifier);
    for role in &mut state.roles {
        role.permissions
            .retain(|p| p.resource_server_identifier != rs.identifier);
    }
    Ok((StatusCode::NO_CONTENT, Value::Null))
}
