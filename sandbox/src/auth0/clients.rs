//! Clients (applications). <https://auth0.com/docs/api/management/v2/clients/get-clients>
//!
//! `client_id` is 32 and `client_secret` 64 random characters. A client created without
//! `grant_types` gets the defaults Auth0 gives its `app_type`; deleting a client deletes its
//! client grants. `rotate-secret` answers the client with its new secret.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::errors::Auth0Error;
use super::routes::{
    Auth0Result, Request, body_object, paged, select_fields, string_field, string_list,
};
use super::state::{Auth0State, Client};
use crate::util::{now_rfc3339, random_alnum};

/// Application types the sandbox accepts.
pub const APP_TYPES: [&str; 4] = ["spa", "regular_web", "native", "non_interactive"];

/// Grant types the sandbox accepts.
pub const GRANT_TYPES: [&str; 5] = [
    "authorization_code",
    "implicit",
    "refresh_token",
    "client_credentials",
    "password",
];

fn default_grant_types(app_type: &str) -> Vec<String> {
    let names: &[&str] = match app_type {
        "non_interactive" => &["client_credentials"],
        "regular_web" => &[
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
        ],
        _ => &["authorization_code", "implicit", "refresh_token"],
    };
    names.iter().map(|s| s.to_string()).collect()
}

pub fn client_json(client: &Client) -> Value {
    json!({
        "tenant": "ff-sandbox",
        "global": false,
        "is_first_party": true,
        "oidc_conformant": true,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "name": client.name,
        "description": client.description,
        "app_type": client.app_type,
        "callbacks": client.callbacks,
        "allowed_logout_urls": client.allowed_logout_urls,
        "web_origins": client.web_origins,
        "allowed_origins": [],
        "grant_types": client.grant_types,
        "client_metadata": client.client_metadata,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false},
        "created_at": client.created_at,
    })
}

fn not_found() -> Auth0Error {
    Auth0Error::not_found("inexistent_client", "The client does not exist")
}

fn find<'a>(state: &'a mut Auth0State, id: &str) -> Result<&'a mut Client, Auth0Error> {
    state
        .clients
        .iter_mut()
        .find(|c| c.client_id == id)
        .ok_or_else(not_found)
}

pub fn list(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let app_types: Option<Vec<&str>> = req
        .query
        .get("app_type")
        .map(|t| t.split(',').map(str::trim).collect());
    let mut items: Vec<Value> = Vec::new();
    // The provider's own machine-to-machine application is a client of the tenant too.
    let management = Client {
        client_id: state.management.client_id.clone(),
        client_secret: state.management.client_secret.clone(),
        name: "ff-sandbox management".to_string(),
        description: String::new(),
        app_type: "non_interactive".to_string(),
        callbacks: Vec::new(),
        allowed_logout_urls: Vec::new(),
        web_origins: Vec::new(),
        grant_types: vec!["client_credentials".to_string()],
        client_metadata: Default::default(),
        token_endpoint_auth_method: "client_secret_post".to_string(),
        created_at: "1970-01-01T00:00:00.000Z".to_string(),
    };
    for client in std::iter::once(&management).chain(state.clients.iter()) {
        if app_types
            .as_ref()
            .is_none_or(|types| types.contains(&client.app_type.as_str()))
        {
            items.push(client_json(client));
        }
    }
    paged(items, "clients", &req.query)
}

pub fn get(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let client = find(state, id)?;
    let fields = req
        .query
        .get("fields")
        .map(String::as_str)
        .filter(|f| !f.is_empty());
    let include = req.query.get("include_fields").map(String::as_str) != Some("false");
    Ok((
        StatusCode::OK,
        select_fields(client_json(client), fields, include),
    ))
}

fn check_app_type(app_type: &str) -> Result<(), Auth0Error> {
    if APP_TYPES.contains(&app_type) {
        Ok(())
    } else {
        Err(Auth0Error::invalid_body(format!(
            "Invalid value \"{app_type}\" on property app_type (one of {})",
            APP_TYPES.join(", ")
        )))
    }
}

fn check_grant_types(grant_types: &[String]) -> Result<(), Auth0Error> {
    match grant_types
        .iter()
        .find(|g| !GRANT_TYPES.contains(&g.as_str()))
    {
        Some(bad) => Err(Auth0Error::invalid_body(format!(
            "Invalid value \"{bad}\" on property grant_types"
        ))),
        None => Ok(()),
    }
}

fn metadata(
    body: &Map<String, Value>,
) -> Result<Option<std::collections::BTreeMap<String, String>>, Auth0Error> {
    match body.get("client_metadata") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if map.len() > 10 {
                return Err(Auth0Error::invalid_body(
                    "Too many properties on client_metadata (at most 10)",
                ));
            }
            map.iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s) if s.len() <= 255 => Ok((k.clone(), s.to_string())),
                    _ => Err(Auth0Error::invalid_body(format!(
                        "client_metadata.{k} must be a string of at most 255 characters"
                    ))),
                })
                .collect::<Result<_, _>>()
                .map(Some)
        }
        Some(_) => Err(Auth0Error::invalid_body(
            "Expected type object on property client_metadata",
        )),
    }
}

pub fn create(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let body = body_object(req)?;
    let name = string_field(body, "name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Auth0Error::invalid_body("Missing required property: name"))?;
    let app_type = string_field(body, "app_type")?.unwrap_or_else(|| "regular_web".to_string());
    check_app_type(&app_type)?;
    let grant_types = match string_list(body, "grant_types")? {
        Some(g) => g,
        None => default_grant_types(&app_type),
    };
    check_grant_types(&grant_types)?;
    let client = Client {
        client_id: random_alnum(32),
        client_secret: random_alnum(64),
        name,
        description: string_field(body, "description")?.unwrap_or_default(),
        token_endpoint_auth_method: if app_type == "spa" || app_type == "native" {
            "none".to_string()
        } else {
            "client_secret_post".to_string()
        },
        app_type,
        callbacks: string_list(body, "callbacks")?.unwrap_or_default(),
        allowed_logout_urls: string_list(body, "allowed_logout_urls")?.unwrap_or_default(),
        web_origins: string_list(body, "web_origins")?.unwrap_or_default(),
        grant_types,
        client_metadata: metadata(body)?.unwrap_or_default(),
        created_at: now_rfc3339(),
    };
    let answer = client_json(&client);
    state.clients.push(client);
    Ok((StatusCode::CREATED, answer))
}

pub fn update(state: &mut Auth0State, req: &Request, id: &str) -> Auth0Result {
    let body = body_object(req)?;
    // `client_secret` may be set ("the secret used to sign tokens for the client",
    // https://auth0.com/docs/api/management/v2/clients/patch-clients-by-id); the id may not.
    if body.contains_key("client_id") {
        return Err(Auth0Error::invalid_body(
            "Additional properties not allowed: client_id",
        ));
    }
    let secret = string_field(body, "client_secret")?;
    if secret.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(Auth0Error::invalid_body(
            "String is too short (0 chars), minimum 1 on property client_secret",
        ));
    }
    let app_type = string_field(body, "app_type")?;
    if let Some(t) = &app_type {
        check_app_type(t)?;
    }
    let grant_types = string_list(body, "grant_types")?;
    if let Some(g) = &grant_types {
        check_grant_types(g)?;
    }
    let (name, description) = (
        string_field(body, "name")?,
        string_field(body, "description")?,
    );
    let (callbacks, logout, origins) = (
        string_list(body, "callbacks")?,
        string_list(body, "allowed_logout_urls")?,
        string_list(body, "web_origins")?,
    );
    let metadata = metadata(body)?;
    let client = find(state, id)?;
    if let Some(v) = secret {
        client.client_secret = v;
    }
    if let Some(v) = name.filter(|n| !n.trim().is_empty()) {
        client.name = v;
    }
    if let Some(v) = description {
        client.description = v;
    }
    if let Some(v) = app_type {
        client.app_type = v;
    }
    if let Some(v) = grant_types {
        client.grant_types = v;
    }
    if let Some(v) = callbacks {
        client.callbacks = v;
    }
    if let Some(v) = logout {
        client.allowed_logout_urls = v;
    }
    if let Some(v) = origins {
        client.web_origins = v;
    }
    if let Some(v) = metadata {
        client.client_metadata = v;
    }
    Ok((StatusCode::OK, client_json(client)))
}

pub fn delete(state: &mut Auth0State, id: &str) -> Auth0Result {
    find(state, id)?;
    state.clients.retain(|c| c.client_id != id);
    state.client_grants.retain(|g| g.client_id != id);
    Ok((StatusCode::NO_CONTENT, Value::Null))
}

pub fn rotate_secret(state: &mut Auth0State, id: &str) -> Auth0Result {
    let client = find(state, id)?;
    client.client_secret = random_alnum(64);
    Ok((StatusCode::OK, client_json(client)))
}
