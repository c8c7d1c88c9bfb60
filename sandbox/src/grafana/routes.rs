//! Grafana routes, authentication and the helpers every handler shares.
//! https://grafana.com/docs/grafana/latest/developers/http_api/
//!
//! Authentication: HTTP Basic with the admin login, or `Authorization: Bearer <token>` with
//! a service account token minted through the API (the caller then has the service
//! account's role). `GET /api/health` needs none.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use base64::Engine;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::json;
use tower::ServiceExt;

use super::Grafana;
use super::errors::GrafanaError;
use super::state::Role;
use super::{datasources, folders, service_accounts, teams};
use crate::util::{lock, now_unix};

/// The Grafana version the sandbox claims to be.
pub const VERSION: &str = "11.3.0";

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub login: String,
    pub role: Role,
    pub is_service_account: bool,
}

impl Caller {
    /// 403 unless the caller's organisation role is at least `role`.
    pub fn require(&self, role: Role, action: &str) -> Result<(), GrafanaError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(GrafanaError::forbidden(action))
        }
    }
}

pub type GrafanaResult = Result<Response, GrafanaError>;

pub fn router(shared: Arc<Grafana>) -> Router {
    let api = Router::new()
        .route("/api/frontend/settings", get(frontend_settings))
        .route("/api/user", get(current_user))
        .route("/api/org", get(current_org))
        .route("/api/folders", get(folders::list).post(folders::create))
        .route("/api/folders/id/:id", get(folders::get_by_id))
        .route(
            "/api/folders/:uid",
            get(folders::get)
                .put(folders::update)
                .delete(folders::delete),
        )
        .route(
            "/api/folders/:uid/permissions",
            get(folders::permissions).post(folders::set_permissions),
        )
        .route("/api/teams", axum::routing::post(teams::create))
        .route("/api/teams/search", get(teams::search))
        .route(
            "/api/teams/:id",
            get(teams::get).put(teams::update).delete(teams::delete),
        )
        .route(
            "/api/serviceaccounts",
            axum::routing::post(service_accounts::create),
        )
        .route("/api/serviceaccounts/search", get(service_accounts::search))
        .route(
            "/api/serviceaccounts/:id",
            get(service_accounts::get)
                .patch(service_accounts::update)
                .delete(service_accounts::delete),
        )
        .route(
            "/api/serviceaccounts/:id/tokens",
            get(service_accounts::list_tokens).post(service_accounts::create_token),
        )
        .route(
            "/api/serviceaccounts/:id/tokens/:token_id",
            delete(service_accounts::delete_token),
        )
        .route(
            "/api/datasources",
            get(datasources::list).post(datasources::create),
        )
        .route("/api/datasources/:id", get(datasources::get_by_id))
        .route("/api/datasources/id/:name", get(datasources::id_by_name))
        .route(
            "/api/datasources/uid/:uid",
            get(datasources::get_by_uid)
                .put(datasources::update)
                .delete(datasources::delete_by_uid),
        )
        .route(
            "/api/datasources/name/:name",
            get(datasources::get_by_name).delete(datasources::delete_by_name),
        )
        .route_layer(from_fn_with_state(shared.clone(), authenticate));
    let routes = Router::new()
        .route("/api/health", get(health))
        .merge(api)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(json_method_not_allowed))
        .with_state(shared);
    // Grafana's router matches a path with or without a trailing slash (`Tree.Match` trims
    // it: https://github.com/grafana/grafana/blob/main/pkg/web/tree.go); grafana-client
    // creates service accounts with `POST /api/serviceaccounts/`. The path is trimmed before
    // routing.
    Router::new().fallback_service(routes.map_request(trim_trailing_slash))
}

fn trim_trailing_slash<B>(mut request: Request<B>) -> Request<B> {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let path_and_query = match request.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = path_and_query.parse() {
            *request.uri_mut() = uri;
        }
    }
    request
}

async fn health() -> Response {
    axum::Json(json!({
        "commit": "ff-sandbox",
        "database": "ok",
        "version": VERSION,
    }))
    .into_response()
}

/// `GET /api/frontend/settings` (any signed-in caller): the settings Grafana's own frontend
/// loads, of which only `buildInfo` is emulated — it is where grafana-client reads the
/// server's version (`GrafanaApi.version`), which decides the endpoints it calls
/// (https://github.com/grafana/grafana/blob/main/pkg/api/dtos/frontend_settings.go).
async fn frontend_settings() -> Response {
    axum::Json(json!({
        "buildInfo": {
            "hideVersion": false,
            "version": VERSION,
            "versionString": format!("Grafana v{VERSION} (ff-sandbox)"),
            "commit": "ff-sandbox",
            "commitShort": "ff-sandbox",
            "buildstamp": 0,
            "edition": "Open Source",
            "latestVersion": "",
            "hasUpdate": false,
            "env": "production",
        },
        "appUrl": "",
        "appSubUrl": "",
        "authProxyEnabled": false,
        "anonymousEnabled": false,
    }))
    .into_response()
}

async fn not_found() -> Response {
    GrafanaError::message(StatusCode::NOT_FOUND, "Not found").into_response()
}

/// Axum answers a known path with the wrong method with an empty 405; give it a body.
async fn json_method_not_allowed(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        let mut replaced =
            GrafanaError::message(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
                .into_response();
        if let Some(allow) = response.headers().get(header::ALLOW) {
            replaced.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return replaced;
    }
    response
}

async fn authenticate(
    State(shared): State<Arc<Grafana>>,
    mut request: Request,
    next: Next,
) -> Response {
    match caller(&shared, request.headers()) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(err) => err.into_response(),
    }
}

fn caller(shared: &Grafana, headers: &HeaderMap) -> Result<Caller, GrafanaError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or_else(GrafanaError::unauthorized)?;
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    let credentials = credentials.trim();
    let state = lock(&shared.state);
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(GrafanaError::unauthorized)?;
        let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
        if user == state.admin.user && password == state.admin.password {
            return Ok(Caller {
                user_id: 1,
                login: state.admin.user.clone(),
                role: Role::Admin,
                is_service_account: false,
            });
        }
        return Err(GrafanaError::coded(
            StatusCode::UNAUTHORIZED,
            "password-auth.failed",
            "Invalid username or password",
        ));
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let now = now_unix();
        for account in &state.service_accounts {
            let Some(token) = account.tokens.iter().find(|t| t.key == credentials) else {
                continue;
            };
            if token.expires.is_some_and(|at| at <= now) {
                return Err(GrafanaError::coded(
                    StatusCode::UNAUTHORIZED,
                    "api-key.expired",
                    "Expired API key",
                ));
            }
            if account.is_disabled {
                return Err(GrafanaError::coded(
                    StatusCode::UNAUTHORIZED,
                    "identity.disabled",
                    "Unauthorized",
                ));
            }
            return Ok(Caller {
                user_id: account.id,
                login: account.login.clone(),
                role: account.role,
                is_service_account: true,
            });
        }
        return Err(GrafanaError::coded(
            StatusCode::UNAUTHORIZED,
            "api-key.invalid",
            "Invalid API key",
        ));
    }
    Err(GrafanaError::unauthorized())
}

async fn current_user(axum::Extension(caller): axum::Extension<Caller>) -> Response {
    axum::Json(json!({
        "id": caller.user_id,
        "uid": format!("u{:013}", caller.user_id),
        "login": caller.login,
        "name": caller.login,
        "email": if caller.is_service_account { String::new() } else { format!("{}@localhost", caller.login) },
        "orgId": 1,
        "isGrafanaAdmin": !caller.is_service_account,
        "isDisabled": false,
        "isExternal": false,
        "authLabels": [],
    }))
    .into_response()
}

async fn current_org() -> Response {
    axum::Json(json!({ "id": 1, "name": "Main Org.", "address": {} })).into_response()
}

/// Parses a JSON body; 400 "bad request data" when it does not bind.
pub fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, GrafanaError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        &body[..]
    };
    serde_json::from_slice(body).map_err(|_| GrafanaError::bad_request_data())
}

/// `page` (default 1) and `perpage`/`limit` (default 1000) from the query.
pub fn paging(query: &HashMap<String, String>, per_page_key: &str) -> (usize, usize) {
    let number = |key: &str, default: usize| {
        query
            .get(key)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&v| v > 0)
            .unwrap_or(default)
    };
    (number("page", 1), number(per_page_key, 1000))
}

/// The `page`-th slice of `per_page` items.
pub fn page_of<T: Clone>(items: &[T], page: usize, per_page: usize) -> Vec<T> {
    items
        .iter()
        .skip(page.saturating_sub(1).saturating_mul(per_page))
        .take(per_page)
        .cloned()
        .collect()
}
