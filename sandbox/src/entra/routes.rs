//! `POST /<tenant>/oauth2/v2.0/token` with `grant_type=client_credentials`, as documented in
//! <https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>:
//! the client's credentials in the form body or, "per RFC 6749", in an
//! `Authorization: Basic` header; errors as `{error, error_description, error_codes,
//! timestamp, trace_id, correlation_id}`, the description starting with the `AADSTS` code
//! and ending with the trace and correlation ids and the time.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::json;

use super::state::{AKS_SERVER_APP_ID, TOKEN_LIFETIME};
use crate::shared::Shared;
use crate::util::{lock, random_uuid};

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/:tenant/oauth2/v2.0/token", post(token))
        .fallback(not_found)
        .with_state(shared)
}

/// An error as Entra ID writes it.
fn error(status: StatusCode, code: &str, aadsts: u32, description: &str) -> Response {
    let (trace_id, correlation_id) = (random_uuid(), random_uuid());
    // Entra's timestamps: `2016-01-09 02:02:12Z`.
    let timestamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default();
    (
        status,
        axum::Json(json!({
            "error": code,
            "error_description": format!(
                "AADSTS{aadsts}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
            ),
            "error_codes": [aadsts],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        })),
    )
        .into_response()
}

/// `Authorization: Basic base64(client_id:client_secret)`, each part form-URL-encoded
/// (RFC 6749 section 2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |part: &str| -> String {
        url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

/// The answer for an injected `status` fault.
pub fn injected_status(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(
        status,
        "temporarily_unavailable",
        90033,
        "ff-sandbox injected fault",
    )
}

/// The answer for an injected `rate_limit` fault.
pub fn rate_limited(retry_after_s: u64) -> Response {
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        50196,
        "The server terminated an operation because it encountered a client request loop.",
    );
    response
        .headers_mut()
        .insert("retry-after", axum::http::HeaderValue::from(retry_after_s));
    response
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fields = form(&body);
    if let Some((id, secret)) = basic_credentials(&headers) {
        fields.push(("client_id".into(), id));
        fields.push(("client_secret".into(), secret));
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut state = lock(&shared.entra);
    if tenant != state.tenant_id {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if field("grant_type").as_deref() != Some("client_credentials") {
        return error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if field("client_id").as_deref() != Some(state.client_id.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            "Application was not found in the directory.",
        );
    }
    if field("client_secret").as_deref() != Some(state.client_secret.as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
        );
    }
    let scope = field("scope").unwrap_or_default();
    let Some(audience) = scope.strip_suffix("/.default") else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
        );
    };
    if audience != AKS_SERVER_APP_ID {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!("The resource principal named {audience} was not found in the tenant."),
        );
    }
    let access_token = state.issue(audience);
    axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "access_token": access_token,
    }))
    .into_response()
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests to /<tenant>/oauth2/v2.0/token.",
    )
}
