//! Grafana's error shapes. Older handlers answer `{"message":"..."}` (sometimes with a
//! `status` word); newer ones (errutil) answer
//! `{"message","messageId","statusCode","traceID"}`. Each error here uses the shape the
//! real handler for that endpoint uses.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct GrafanaError {
    pub status: StatusCode,
    pub body: Value,
}

impl GrafanaError {
    /// `{"message": ...}`.
    pub fn message(status: StatusCode, message: impl Into<String>) -> GrafanaError {
        GrafanaError {
            status,
            body: json!({ "message": message.into() }),
        }
    }

    /// errutil shape: `{"message","messageId","statusCode","traceID"}`.
    pub fn coded(status: StatusCode, message_id: &str, message: impl Into<String>) -> GrafanaError {
        GrafanaError {
            status,
            body: json!({
                "message": message.into(),
                "messageId": message_id,
                "statusCode": status.as_u16(),
                "traceID": "",
            }),
        }
    }

    /// 400 for a body that does not bind to the expected JSON.
    pub fn bad_request_data() -> GrafanaError {
        GrafanaError::message(StatusCode::BAD_REQUEST, "bad request data")
    }

    /// 401 without credentials.
    pub fn unauthorized() -> GrafanaError {
        GrafanaError {
            status: StatusCode::UNAUTHORIZED,
            body: json!({
                "extra": null,
                "message": "Unauthorized",
                "messageId": "auth.unauthorized",
                "statusCode": 401,
                "traceID": "",
            }),
        }
    }

    /// 403 with the access-control body Grafana sends when a permission is missing.
    pub fn forbidden(action: &str) -> GrafanaError {
        GrafanaError {
            status: StatusCode::FORBIDDEN,
            body: json!({
                "accessErrorId": format!("ACE{}", crate::util::random_hex(10)),
                "message": format!(
                    "You'll need additional permissions to perform this action. Permissions needed: {action}"
                ),
                "title": "Access denied",
            }),
        }
    }

    /// 404 for a folder: `{"message":"folder not found","status":"not-found"}`.
    pub fn folder_not_found() -> GrafanaError {
        GrafanaError {
            status: StatusCode::NOT_FOUND,
            body: json!({ "message": "folder not found", "status": "not-found" }),
        }
    }
}

impl IntoResponse for GrafanaError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// The answer for an injected `status` fault.
pub fn injected_status(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    GrafanaError::message(
        status,
        format!("ff-sandbox injected fault: HTTP {}", status.as_u16()),
    )
    .into_response()
}

/// The answer for an injected `rate_limit` fault: 429 with `Retry-After` (seconds), as
/// Grafana Cloud's API gateway sends it.
pub fn rate_limited(retry_after_s: u64) -> Response<Body> {
    let mut response =
        GrafanaError::message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after_s));
    response
}
