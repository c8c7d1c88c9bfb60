//! Errors in the shape the Terraform Cloud API gives them: a JSON:API document with an
//! `errors` array of `{status, title, detail, source}` objects
//! (<https://developer.hashicorp.com/terraform/cloud-docs/api-docs#json-api-documents>,
//! <https://jsonapi.org/format/#error-objects>), served as `application/vnd.api+json`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// The media type of every API document.
pub const JSON_API: &str = "application/vnd.api+json";

/// A JSON:API document response.
pub fn document(status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_API));
    response
}

/// An error document with one error.
pub fn error(
    status: StatusCode,
    title: &str,
    detail: Option<&str>,
    pointer: Option<&str>,
) -> Response {
    let mut object = json!({ "status": status.as_u16().to_string(), "title": title });
    if let Some(detail) = detail {
        object["detail"] = json!(detail);
    }
    if let Some(pointer) = pointer {
        object["source"] = json!({ "pointer": pointer });
    }
    document(status, &json!({ "errors": [object] }))
}

/// 401: no token, or not the sandbox's.
pub fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "unauthorized", None, None)
}

/// 404: what does not exist, or what the token cannot see (the API does not tell apart).
pub fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not found", None, None)
}

/// 422 about one attribute of the request document.
pub fn invalid(attribute: &str, detail: &str) -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid attribute",
        Some(detail),
        Some(&format!("/data/attributes/{attribute}")),
    )
}

/// An injected status, in the API's error shape.
pub fn injected_status(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = status.canonical_reason().unwrap_or("error");
    error(status, title, Some("injected by ff-sandbox"), None)
}

/// 429 as the API sends it: `X-RateLimit-Limit` and `X-RateLimit-Reset` (seconds until
/// the limit resets) (<https://developer.hashicorp.com/terraform/cloud-docs/api-docs#rate-limiting>).
pub fn rate_limited(retry_after_s: u64) -> Response {
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests",
        None,
        None,
    );
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from_static("30"));
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    if let Ok(value) = HeaderValue::from_str(&format!("{retry_after_s}.000")) {
        headers.insert("x-ratelimit-reset", value);
    }
    response
}

/// What an operation on the registry's state can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 404.
    NotFound,
    /// 403 with a reason (e.g. versions of a public provider).
    Forbidden(String),
    /// 422 about an attribute of the request document.
    Invalid {
        /// The attribute under `/data/attributes/`.
        attribute: String,
        /// What is wrong with it.
        detail: String,
    },
}

impl ApiError {
    pub fn invalid(attribute: &str, detail: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            attribute: attribute.to_string(),
            detail: detail.into(),
        }
    }

    pub fn response(&self) -> Response {
        match self {
            ApiError::NotFound => not_found(),
            ApiError::Forbidden(detail) => {
                error(StatusCode::FORBIDDEN, "forbidden", Some(detail), None)
            }
            ApiError::Invalid { attribute, detail } => invalid(attribute, detail),
        }
    }
}
