//! Client grants: a client allowed to get tokens for an API with some of its scopes.
//! <https://auth0.com/docs/api/management/v2/client-grants/get-client-grants>
//!
//! One grant per (client, audience); the client and the resource server must exist and
//! every scope must be one of the resource server's. Lists page with `page`/`per_page` or,
//! given `from`/`take`, with checkpoints (`next`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::errors::Auth0Error;
use super::routes::{
    Auth0Result, Request, body_object, checkpoint, paged, string_field, string_list,
};
use super::state::{Auth0State, ClientGrant};
use crate::util::random_alnum;

fn grant_json(grant: &ClientGrant) -> Value {
    json!({
        "id": grant.id,
        "client_id": grant.client_id,
        "audience": grant.audience,
        "scope": grant.scope,
    })
}

fn check_scopes(state: &Auth0State, audience: &str, scopes: &[String]) -> Result<(), Auth0Error> {
    let Some(rs) = state
        .resource_servers
        .iter()
        .find(|rs| rs.identifier == audience)
    else {
        return Err(Auth0Error::not_found(
            "inexistent_resource_server",
            format!("No resource server found for audience {audience}"),
        ));
    };
    match scopes
        .iter()
        .find(|s| !rs.scopes.iter().any(|defined| &defined.value == *s))
    {
        Some(bad) => Err(Auth0Error::invalid_body(format!(
            "The scope \"{bad}\" is not defined on the resource server {audience}"
        ))),
        None => Ok(()),
    }
}

pub fn list(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let audience = req.query.get("audience");
    let client_id = req.query.get("client_id");
    let items = state
        .client_grants
        .iter()
        .filter(|g| audience.is_none_or(|a| &g.audience == a))
        .filter(|g| client_id.is_none_or(|c| &g.client_id == c))
        .map(grant_json)
        .collect();
    if req.query.contains_key("from") || req.query.contains_key("take") {
        return checkpoint(items, "client_grants", &req.query);
    }
    paged(items, "client_grants", &req.query)
}

pub fn create(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let body = body_object(req)?;
    let client_id = string_field(body, "client_id")?
        .ok_or_else(|| Auth0Error::invalid_body("Missing required property: client_id"))?;
    let audience = string_field(body, "audience")?
        .ok_or_else(|| Auth0Error::invalid_body("Missing required property: audience"))?;
    let scope = string_list(body, "scope")?
        .ok_or_else(|| Auth0Error::invalid_body("Missing required property: scope"))?;
    if !state.clients.iter().any(|c| c.client_id == client_id) {
        return Err(Auth0Error::not_found(
            "inexistent_client",
            "Client not found",
        ));
    }
    check_scopes(state, &audience, &scope)?;
    if state
        .client_grants
        .iter()
        .any(|g| g.client_id == client_id && g.audience == audience)
    {
        return Err(Auth0Error::conflict(
            "A client grant for this client and audience already exists",
        ));
    }
    let grant = ClientGrant {
        id: format!("cgr_{}", random_alnum(16)),
        client_id,
        audience,
        scope,
    };
    let answer = grant_json(&grant);
    state.client_grants.push(grant);
    Ok((StatusCode::CREATED, answer))
}

pub fn update(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let body = body_object(req)?;
    let scope = string_list(body, "scope")?
        .ok_or_else(|| Auth0Error::invalid_body("Missing required property: scope"))?;
    let Some(index) = state.client_grants.iter().position(|g| g.id == id) else {
        return Err(Auth0Error::not_found(
            "inexistent_client_grant",
            "The client grant does not exist",
        ));
    };
    let audience = state.client_grants[index].audience.clone();
    check_scopes(state, &audience, &scope)?;
    state.client_grants[index].scope = scope;
    Ok((StatusCode::OK, grant_json(&state.client_grants[index])))
}

pub fn delete(state: &mut Auth0State, id: &str) -> Auth0Result {
    if !state.client_grants.iter().any(|g| g.id == id) {
        return Err(Auth0Error::not_found(
            "inexistent_client_grant",
            "The client grant does not exist",
        ));
    }
    state.client_grants.retain(|g| g.id != id);
    Ok((StatusCode::NO_CONTENT, Value::Null))
}
