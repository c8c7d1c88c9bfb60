//! Vault's error shape: `{"errors":["..."]}` with the status Vault uses.
//! https://developer.hashicorp.com/vault/api-docs#error-response

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct VaultError {
    pub status: StatusCode,
    pub errors: Vec<String>,
}

impl VaultError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> VaultError {
        VaultError {
            status,
            errors: vec![message.into()],
        }
    }

    /// 400 with one message (what Vault's `logical.ErrorResponse` becomes).
    pub fn bad_request(message: impl Into<String>) -> VaultError {
        VaultError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 with an empty error list: what Vault answers for a read of nothing.
    pub fn not_found() -> VaultError {
        VaultError {
            status: StatusCode::NOT_FOUND,
            errors: Vec::new(),
        }
    }

    /// 403 for a missing, unknown or insufficient token.
    pub fn permission_denied() -> VaultError {
        VaultError::new(StatusCode::FORBIDDEN, "permission denied")
    }

    /// 405 for an operation the path does not support.
    pub fn unsupported_operation() -> VaultError {
        VaultError::new(StatusCode::METHOD_NOT_ALLOWED, "unsupported operation")
    }

    /// 404 for a path inside a mount that the engine has no handler for.
    pub fn unsupported_path() -> VaultError {
        VaultError::new(StatusCode::NOT_FOUND, "unsupported path")
    }

    /// 404 for a path that no mount or system route serves.
    pub fn no_handler(path: &str) -> VaultError {
        VaultError::new(
            StatusCode::NOT_FOUND,
            format!("no handler for route {path:?}. route entry not found."),
        )
    }
}

impl IntoResponse for VaultError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({ "errors": self.errors }))).into_response()
    }
}

/// The answer for an injected `status` fault.
pub fn injected_status(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    VaultError::new(
        status,
        format!("ff-sandbox injected fault: HTTP {}", status.as_u16()),
    )
    .into_response()
}

/// The answer for an injected `rate_limit` fault: 429 with the headers Vault sends when
/// a rate limit quota is exceeded.
/// https://developer.hashicorp.com/vault/docs/concepts/resource-quotas#rate-limit-quotas
pub fn rate_limited(path: &str, retry_after_s: u64) -> Response<Body> {
    let vault_path = path.strip_prefix("/v1/").unwrap_or(path);
    let mut response = VaultError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("request path {vault_path:?}: rate limit quota exceeded"),
    )
    .into_response();
    let headers = response.headers_mut();
    let seconds = HeaderValue::from(retry_after_s);
    headers.insert("retry-after", seconds.clone());
    headers.insert("x-ratelimit-limit", HeaderValue::from(0u64));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(0u64));
    headers.insert("x-ratelimit-reset", seconds);
    response
}
