//! `Status` error bodies, as the API server writes them
//! (<https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind>):
//! `{"kind":"Status","apiVersion":"v1","status":"Failure","message","reason","details","code"}`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A failed API call.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeError {
    pub code: StatusCode,
    pub reason: &'static str,
    pub message: String,
    pub details: Value,
}

impl KubeError {
    pub fn new(code: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        KubeError {
            code,
            reason,
            message: message.into(),
            details: Value::Null,
        }
    }

    fn with_details(mut self, name: &str, group: &str, kind: &str) -> Self {
        let mut details = json!({ "name": name, "kind": kind });
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        self.details = details;
        self
    }

    /// 404 `configmaps "x" not found` (`resource` is the plural, with `.group` when not core).
    pub fn not_found(group: &str, plural: &str, name: &str) -> Self {
        KubeError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{} {name:?} not found", qualified(group, plural)),
        )
        .with_details(name, group, plural)
    }

    /// 409 on create of an existing object.
    pub fn already_exists(group: &str, plural: &str, name: &str) -> Self {
        KubeError::new(
            StatusCode::CONFLICT,
            "AlreadyExists",
            format!("{} {name:?} already exists", qualified(group, plural)),
        )
        .with_details(name, group, plural)
    }

    /// 409 on an update whose `resourceVersion` is not the current one.
    pub fn stale(group: &str, plural: &str, name: &str) -> Self {
        KubeError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} {name:?}: the object has been modified; \
                 please apply your changes to the latest version and try again",
                qualified(group, plural)
            ),
        )
        .with_details(name, group, plural)
    }

    /// 409 from server-side apply: fields owned by other managers with other values.
    pub fn apply_conflicts(conflicts: &[(String, String, String)]) -> Self {
        let causes: Vec<Value> = conflicts
            .iter()
            .map(|(manager, api_version, field)| {
                json!({
                    "type": "FieldManagerConflict",
                    "message": format!("conflict with {manager:?} using {api_version}"),
                    "field": field,
                })
            })
            .collect();
        let lines: Vec<String> = conflicts
            .iter()
            .map(|(manager, api_version, field)| {
                format!("- conflict with {manager:?} using {api_version}: {field}")
            })
            .collect();
        let mut error = KubeError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "Apply failed with {} conflict{}: {}",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                lines.join("\n").trim_start_matches("- ")
            ),
        );
        error.details = json!({ "causes": causes });
        error
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        KubeError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 422 for an object that fails validation.
    pub fn invalid(kind: &str, name: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        KubeError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            format!("{kind} {name:?} is invalid: {message}"),
        )
    }

    pub fn unauthorized() -> Self {
        KubeError::new(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized")
    }

    pub fn method_not_allowed() -> Self {
        KubeError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    /// 404 for a URL that names no resource (what the real server answers for `/apis/x/y`).
    pub fn no_route() -> Self {
        KubeError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 415 for a body or patch in a media type the resource does not accept, naming those it
    /// does, as the API server's negotiation answers
    /// (<https://kubernetes.io/docs/reference/using-api/api-concepts/#alternate-representations-of-resources>).
    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        KubeError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code.as_u16(),
        });
        if !self.details.is_null() {
            body["details"] = self.details.clone();
        }
        body
    }
}

fn qualified(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}

impl IntoResponse for KubeError {
    fn into_response(self) -> Response {
        (self.code, axum::Json(self.body())).into_response()
    }
}

/// The answer for an injected `status` fault.
pub fn injected_status(status: u16) -> Response<Body> {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = match code.as_u16() {
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        409 => "Conflict",
        404 => "NotFound",
        403 => "Forbidden",
        401 => "Unauthorized",
        _ => "Unknown",
    };
    KubeError::new(
        code,
        reason,
        format!("ff-sandbox injected fault: HTTP {}", code.as_u16()),
    )
    .into_response()
}

/// The answer for an injected `rate_limit` fault: 429 `TooManyRequests` with `Retry-After`,
/// as API Priority and Fairness answers.
pub fn rate_limited(retry_after_s: u64) -> Response<Body> {
    let mut response = KubeError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "too many requests, please try again later",
    )
    .into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after_s));
    response
}
