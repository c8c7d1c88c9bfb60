//! Auth0's error bodies. The Management API answers
//! `{"statusCode": 404, "error": "Not Found", "message": "...", "errorCode": "..."}`
//! (<https://auth0.com/docs/api/management/v2#!/Errors>); the Authentication API answers
//! `{"error": "access_denied", "error_description": "..."}`.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A Management API error.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth0Error {
    pub status: StatusCode,
    pub message: String,
    pub error_code: Option<&'static str>,
}

impl Auth0Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Auth0Error {
        Auth0Error {
            status,
            message: message.into(),
            error_code: Some(code),
        }
    }

    /// 400 for a body that fails validation.
    pub fn invalid_body(message: impl Into<String>) -> Auth0Error {
        Auth0Error::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("Payload validation error: {}", message.into()),
        )
    }

    /// 400 for a query string that fails validation.
    pub fn invalid_query(message: impl Into<String>) -> Auth0Error {
        Auth0Error::new(
            StatusCode::BAD_REQUEST,
            "invalid_query_string",
            format!("Query validation error: {}", message.into()),
        )
    }

    /// 404 for an object that does not exist (`inexistent_client`, ...).
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Auth0Error {
        Auth0Error::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 for a duplicate.
    pub fn conflict(message: impl Into<String>) -> Auth0Error {
        Auth0Error::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 401 without a usable bearer token.
    pub fn unauthorized(message: &str) -> Auth0Error {
        Auth0Error {
            status: StatusCode::UNAUTHORIZED,
            message: message.to_string(),
            error_code: None,
        }
    }

    /// 429 once the bucket is empty.
    pub fn too_many_requests() -> Auth0Error {
        Auth0Error::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Global limit has been reached",
        )
    }
}

impl IntoResponse for Auth0Error {
    fn into_response(self) -> Response {
        let mut body = json!({
            "statusCode": self.status.as_u16(),
            "error": self.status.canonical_reason().unwrap_or("Error"),
            "message": self.message,
        });
        if let Some(code) = self.error_code {
            body["errorCode"] = json!(code);
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// An Authentication API (`/oauth/token`) error.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// The answer for an injected `status` fault.
pub fn injected_status(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Auth0Error {
        status,
        message: format!("ff-sandbox injected fault: HTTP {}", status.as_u16()),
        error_code: None,
    }
    .into_response()
}

/// The answer for an injected `rate_limit` fault: 429 with the rate-limit headers saying
/// the bucket is empty until `retry_after_s` from now.
pub fn rate_limited(retry_after_s: u64) -> Response<Body> {
    let mut response = Auth0Error::too_many_requests().into_response();
    let reset = crate::util::now_unix() + retry_after_s as i64;
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", 0u32.into());
    headers.insert("x-ratelimit-remaining", 0u32.into());
    headers.insert("x-ratelimit-reset", reset.into());
    response
}
