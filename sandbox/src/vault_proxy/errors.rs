//! The answers the proxy itself gives, in Vault's error shape `{"errors":["..."]}`
//! (https://openbao.org/api-docs/#error-response): the injected faults, and an upstream
//! that cannot be reached.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

fn vault_error(status: StatusCode, message: String) -> Response<Body> {
    (status, axum::Json(json!({ "errors": [message] }))).into_response()
}

/// The answer for an injected `status` fault.
pub fn injected_status(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    vault_error(
        status,
        format!("ff-sandbox injected fault: HTTP {}", status.as_u16()),
    )
}

/// The answer for an injected `rate_limit` fault: 429 with the headers Vault sends when a
/// rate limit quota is exceeded.
/// https://developer.hashicorp.com/vault/docs/concepts/resource-quotas#rate-limit-quotas
pub fn rate_limited(path: &str, retry_after_s: u64) -> Response<Body> {
    let vault_path = path.strip_prefix("/v1/").unwrap_or(path);
    let mut response = vault_error(
        StatusCode::TOO_MANY_REQUESTS,
        format!("request path {vault_path:?}: rate limit quota exceeded"),
    );
    let headers = response.headers_mut();
    let seconds = HeaderValue::from(retry_after_s);
    headers.insert("retry-after", seconds.clone());
    headers.insert("x-ratelimit-limit", HeaderValue::from(0u64));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(0u64));
    headers.insert("x-ratelimit-reset", seconds);
    response
}

/// 502: the upstream could not be reached or broke off its answer.
pub fn unreachable(upstream: &str, cause: &str) -> Response<Body> {
    vault_error(
        StatusCode::BAD_GATEWAY,
        format!("ff-sandbox: the Vault upstream {upstream} did not answer: {cause}"),
    )
}

/// 400: the request's body could not be read (or is larger than Vault accepts).
pub fn unreadable_request(cause: &str) -> Response<Body> {
    vault_error(
        StatusCode::BAD_REQUEST,
        format!("ff-sandbox: the request body could not be read: {cause}"),
    )
}
