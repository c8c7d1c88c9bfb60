//! Auth0 routes: `POST /oauth/token` and `/api/v2/...`, the rate limiter and bearer-token
//! check in front of every Management API call, and the helpers handlers share (paging,
//! field selection, body parsing).
//!
//! Each request takes the Auth0 lock once: the bucket is charged, the token checked, and
//! the handler runs, all without awaiting.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::Auth0;
use super::errors::{Auth0Error, oauth_error};
use super::rate_limit::{RateLimit, Verdict};
use super::state::{Auth0State, IssuedToken, management_audience};
use super::{client_grants, clients, resource_servers, roles};
use crate::util::{lock, now_unix, random_alnum};

/// Everything a Management API handler needs from the request.
pub struct Request {
    pub method: Method,
    /// Path segments after `/api/v2/`, percent-decoded.
    pub segments: Vec<String>,
    pub query: HashMap<String, String>,
    pub body: Value,
    /// The tenant's base URL (`http://127.0.0.1:P`).
    pub base_url: String,
}

/// A handler's answer: a status and a JSON body (`Null`: no body).
pub type Reply = (StatusCode, Value);
pub type Auth0Result = Result<Reply, Auth0Error>;

#[derive(Clone)]
struct Tenant {
    shared: Arc<Auth0>,
    base_url: Arc<String>,
}

/// The Auth0 router for a tenant reachable at `base_url`.
pub fn router(shared: Arc<Auth0>, base_url: String) -> Router {
    lock(&shared.state).ensure_system_api(&base_url);
    let tenant = Tenant {
        shared,
        base_url: Arc::new(base_url),
    };
    Router::new()
        .route("/oauth/token", post(token))
        .route("/api/v2/*path", any(management))
        .fallback(not_found)
        .with_state(tenant)
}

async fn not_found() -> Response {
    Auth0Error {
        status: StatusCode::NOT_FOUND,
        message: "Not Found".to_string(),
        error_code: None,
    }
    .into_response()
}

fn with_rate_headers(mut response: Response, verdict: Option<Verdict>) -> Response {
    if let Some(v) = verdict {
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(v.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(v.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(v.reset));
    }
    response
}

/// `POST /oauth/token`, client credentials only, JSON or form body.
async fn token(State(tenant): State<Tenant>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
    {
        url_form(&body)
    } else {
        match serde_json::from_slice::<Map<String, Value>>(&body) {
            Ok(map) => map
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect(),
            Err(_) => HashMap::new(),
        }
    };
    let mut state = lock(&tenant.shared.state);
    let verdict = state.authentication_bucket.take(RateLimit::AUTHENTICATION);
    if verdict.is_some_and(|v| !v.allowed) {
        return with_rate_headers(
            oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too Many Requests",
            ),
            verdict,
        );
    }
    let response = issue_token(&mut state, &tenant.base_url, &form);
    with_rate_headers(response, verdict)
}

fn issue_token(state: &mut Auth0State, base_url: &str, form: &HashMap<String, String>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "Grant type not allowed for the client.",
        );
    }
    let (id, secret, audience) = (
        field("client_id"),
        field("client_secret"),
        field("audience"),
    );
    let management = &state.management;
    let is_management = id == management.client_id && secret == management.client_secret;
    let known_client = state
        .clients
        .iter()
        .any(|c| c.client_id == id && c.client_secret == secret);
    if !is_management && !known_client {
        return oauth_error(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized");
    }
    let api_audience = management_audience(base_url);
    let (scope, allowed) = if is_management {
        (
            "read:clients create:clients update:clients delete:clients read:client_keys \
             read:resource_servers create:resource_servers update:resource_servers \
             delete:resource_servers read:client_grants create:client_grants \
             update:client_grants delete:client_grants read:roles create:roles update:roles \
             delete:roles"
                .to_string(),
            audience == api_audience,
        )
    } else {
        match state
            .client_grants
            .iter()
            .find(|g| g.client_id == id && g.audience == audience)
        {
            Some(grant) => (grant.scope.join(" "), true),
            None => (String::new(), false),
        }
    };
    if audience.is_empty() || !allowed {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            &format!("Client has not been granted scopes: {audience}"),
        );
    }
    let access_token = random_alnum(48);
    let expires_in = state.token_lifetime_s;
    let now = now_unix();
    state.tokens.retain(|t| t.expires_at > now);
    if is_management {
        state.tokens.push(IssuedToken {
            access_token: access_token.clone(),
            expires_at: now + expires_in,
        });
    }
    axum::Json(json!({
        "access_token": access_token,
        "scope": scope,
        "expires_in": expires_in,
        "token_type": "Bearer",
    }))
    .into_response()
}

/// Every `/api/v2/...` request: the bucket, the token, then the handler.
async fn management(
    State(tenant): State<Tenant>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let mut state = lock(&tenant.shared.state);
    let limit = state.rate_limit;
    let verdict = state.management_bucket.take(limit);
    if verdict.is_some_and(|v| !v.allowed) {
        return with_rate_headers(Auth0Error::too_many_requests().into_response(), verdict);
    }
    let answer = authenticate(&state, &headers).and_then(|()| {
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .map_err(|_| Auth0Error::invalid_body("Invalid JSON body"))?
        };
        let segments = uri
            .path()
            .trim_start_matches("/api/v2/")
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let request = Request {
            method,
            segments,
            query,
            body,
            base_url: tenant.base_url.to_string(),
        };
        dispatch(&mut state, &request)
    });
    let response = match answer {
        Ok((status, Value::Null)) => status.into_response(),
        Ok((status, body)) => (status, axum::Json(body)).into_response(),
        Err(err) => err.into_response(),
    };
    with_rate_headers(response, verdict)
}

fn authenticate(state: &Auth0State, headers: &HeaderMap) -> Result<(), Auth0Error> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Auth0Error::unauthorized("Missing authentication"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| Auth0Error::unauthorized("Bad HTTP authentication header format"))?
        .trim();
    match state.tokens.iter().find(|t| t.access_token == token) {
        Some(t) if t.expires_at > now_unix() => Ok(()),
        Some(_) => Err(Auth0Error::unauthorized(
            "Expired token received for JSON Web Token validation",
        )),
        None => Err(Auth0Error::unauthorized("Invalid token")),
    }
}

fn dispatch(state: &mut Auth0State, req: &Request) -> Auth0Result {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = &req.method;
    match (segments.as_slice(), m) {
        (["clients"], &Method::GET) => clients::list(state, req),
        (["clients"], &Method::POST) => clients::create(state, req),
        (["clients", id], &Method::GET) => clients::get(state, req, id),
        (["clients", id], &Method::PATCH) => clients::update(state, req, id),
        (["clients", id], &Method::DELETE) => clients::delete(state, id),
        (["clients", id, "rotate-secret"], &Method::POST) => clients::rotate_secret(state, id),
        (["resource-servers"], &Method::GET) => resource_servers::list(state, req),
        (["resource-servers"], &Method::POST) => resource_servers::create(state, req),
        (["resource-servers", id], &Method::GET) => resource_servers::get(state, id),
        (["resource-servers", id], &Method::PATCH) => resource_servers::update(state, req, id),
        (["resource-servers", id], &Method::DELETE) => resource_servers::delete(state, id),
        (["client-grants"], &Method::GET) => client_grants::list(state, req),
        (["client-grants"], &Method::POST) => client_grants::create(state, req),
        (["client-grants", id], &Method::PATCH) => client_grants::update(state, req, id),
        (["client-grants", id], &Method::DELETE) => client_grants::delete(state, id),
        (["roles"], &Method::GET) => roles::list(state, req),
        (["roles"], &Method::POST) => roles::create(state, req),
        (["roles", id], &Method::GET) => roles::get(state, id),
        (["roles", id], &Method::PATCH) => roles::update(state, req, id),
        (["roles", id], &Method::DELETE) => roles::delete(state, id),
        (["roles", id, "permissions"], &Method::GET) => roles::permissions(state, req, id),
        (["roles", id, "permissions"], &Method::POST) => roles::add_permissions(state, req, id),
        (["roles", id, "permissions"], &Method::DELETE) => {
            roles::remove_permissions(state, req, id)
        }
        _ => Err(Auth0Error {
            status: StatusCode::NOT_FOUND,
            message: "Not Found".to_string(),
            error_code: None,
        }),
    }
}

/// One page of `items` as the Management API pages lists: `page` (from 0), `per_page`
/// (default 50, at most 100) and `include_totals`, which wraps the page in
/// `{start, limit, length, total, <key>}`.
/// <https://auth0.com/docs/api/management/v2/clients/get-clients>
pub fn paged(items: Vec<Value>, key: &str, query: &HashMap<String, String>) -> Auth0Result {
    let number = |name: &str, default: usize| -> Result<usize, Auth0Error> {
        match query.get(name) {
            None => Ok(default),
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                Auth0Error::invalid_query(format!(
                    "Expected type integer but found type string on property {name}"
                ))
            }),
        }
    };
    let page = number("page", 0)?;
    let per_page = number("per_page", 50)?;
    if !(1..=100).contains(&per_page) {
        return Err(Auth0Error::invalid_query(format!(
            "Invalid value {per_page} on property per_page (must be between 1 and 100)"
        )));
    }
    let total = items.len();
    let start = page.saturating_mul(per_page);
    let slice: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let fields = query.get("fields").filter(|f| !f.is_empty());
    let include = query.get("include_fields").map(String::as_str) != Some("false");
    let slice: Vec<Value> = slice
        .into_iter()
        .map(|item| select_fields(item, fields.map(String::as_str), include))
        .collect();
    if query.get("include_totals").map(String::as_str) == Some("true") {
        Ok((
            StatusCode::OK,
            json!({ "start": start, "limit": per_page, "length": slice.len(), "total": total, key: slice }),
        ))
    } else {
        Ok((StatusCode::OK, Value::Array(slice)))
    }
}

/// Checkpoint pagination, which lists like client grants take instead of `page`/`per_page`
/// when `from` or `take` is given: `take` items (default 50, at most 100) starting at the
/// item `from` names, answered as `{<key>: [...], "next": <from of the next page>}` with
/// `next` left out on the last page.
/// <https://auth0.com/docs/api/management/v2/client-grants/get-client-grants>
pub fn checkpoint(items: Vec<Value>, key: &str, query: &HashMap<String, String>) -> Auth0Result {
    let take = match query.get("take") {
        None => 50,
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            Auth0Error::invalid_query(
                "Expected type integer but found type string on property take",
            )
        })?,
    };
    if !(1..=100).contains(&take) {
        return Err(Auth0Error::invalid_query(format!(
            "Invalid value {take} on property take (must be between 1 and 100)"
        )));
    }
    let start = match query.get("from").filter(|f| !f.is_empty()) {
        None => 0,
        Some(from) => items
            .iter()
            .position(|item| item["id"].as_str() == Some(from.as_str()))
            .ok_or_else(|| {
                Auth0Error::invalid_query(format!("Invalid value {from} on property from"))
            })?,
    };
    let next = items.get(start + take).map(|item| item["id"].clone());
    let page: Vec<Value> = items.into_iter().skip(start).take(take).collect();
    let mut body = json!({ key: page });
    if let Some(next) = next {
        body["next"] = next;
    }
    Ok((StatusCode::OK, body))
}

/// Keep (or drop, with `include_fields=false`) the comma-separated `fields` of an object.
pub fn select_fields(item: Value, fields: Option<&str>, include: bool) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, &item) else {
        return item;
    };
    let names: Vec<&str> = fields.split(',').map(str::trim).collect();
    Value::Object(
        map.iter()
            .filter(|(k, _)| names.contains(&k.as_str()) == include)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// The fields of a request body, or a 400 when it is not a JSON object.
pub fn body_object(req: &Request) -> Result<&Map<String, Value>, Auth0Error> {
    req.body
        .as_object()
        .ok_or_else(|| Auth0Error::invalid_body("Expected type object but found another type"))
}

/// An optional list of strings in a body.
pub fn string_list(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<String>>, Auth0Error> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    Auth0Error::invalid_body(format!("Expected type string on property {name}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(Auth0Error::invalid_body(format!(
            "Expected type array on property {name}"
        ))),
    }
}

/// An optional string in a body.
pub fn string_field(body: &Map<String, Value>, name: &str) -> Result<Option<String>, Auth0Error> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Auth0Error::invalid_body(format!(
            "Expected type string on property {name}"
        ))),
    }
}

fn url_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// `%XX` escapes decoded; malformed escapes are kept as they are.
pub fn percent_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(
            percent_decode("https%3A%2F%2Fapi.example"),
            "https://api.example"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%2"), "a%2");
    }

    #[test]
    fn pages_with_totals() {
        let items: Vec<Value> = (0..5).map(|i| json!({"id": i, "secret": "x"})).collect();
        let query: HashMap<String, String> = [
            ("page", "1"),
            ("per_page", "2"),
            ("include_totals", "true"),
            ("fields", "id"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (_, body) = paged(items, "things", &query).unwrap();
        assert_eq!(
            body,
            json!({"start": 2, "limit": 2, "length": 2, "total": 5, "things": [{"id": 2}, {"id": 3}]})
        );
    }

    #[test]
    fn checkpoint_pages_follow_next() {
        let items: Vec<Value> = ["a", "b", "c"].iter().map(|i| json!({"id": i})).collect();
        let query = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (_, first) = checkpoint(items.clone(), "g", &query(&[("take", "2")])).unwrap();
        assert_eq!(first, json!({"g": [{"id": "a"}, {"id": "b"}], "next": "c"}));
        let (_, last) =
            checkpoint(items.clone(), "g", &query(&[("take", "2"), ("from", "c")])).unwrap();
        assert_eq!(last, json!({"g": [{"id": "c"}]}));
        assert!(checkpoint(items, "g", &query(&[("take", "0")])).is_err());
    }
}
