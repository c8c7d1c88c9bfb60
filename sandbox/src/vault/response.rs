//! Vault's success shapes: the response envelope, 204 No Content, and the legacy
//! endpoints that repeat their data at the top level.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::VaultError;
use crate::util::random_uuid;

/// What a Vault handler answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 200 with `data` in the envelope.
    Data(Value),
    /// `status` with `data` in the envelope (Vault's 404 for a deleted KV version).
    DataWithStatus(StatusCode, Value),
    /// 200 with `auth` in the envelope and `data` null (token renewals).
    Auth(Value),
    /// 200 with `data` in the envelope and also spread at the top level, as the legacy
    /// `sys/mounts` and `sys/policy` endpoints do.
    Legacy(Value),
    /// A body that is not an envelope (`sys/health`).
    Raw(StatusCode, Value),
    /// 204.
    NoContent,
}

pub type VaultResult = Result<Reply, VaultError>;

fn envelope(data: Value, auth: Value) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    map.insert("request_id".into(), json!(random_uuid()));
    map.insert("lease_id".into(), json!(""));
    map.insert("renewable".into(), json!(false));
    map.insert("lease_duration".into(), json!(0));
    map.insert("data".into(), data);
    map.insert("wrap_info".into(), Value::Null);
    map.insert("warnings".into(), Value::Null);
    map.insert("auth".into(), auth);
    map
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Data(data) => axum::Json(envelope(data, Value::Null)).into_response(),
            Reply::DataWithStatus(status, data) => {
                (status, axum::Json(envelope(data, Value::Null))).into_response()
            }
            Reply::Auth(auth) => axum::Json(envelope(Value::Null, auth)).into_response(),
            Reply::Legacy(data) => {
                let mut body = envelope(data.clone(), Value::Null);
                if let Value::Object(fields) = data {
                    for (key, value) in fields {
                        body.entry(key).or_insert(value);
                    }
                }
                axum::Json(body).into_response()
            }
            Reply::Raw(status, body) => (status, axum::Json(body)).into_response(),
            Reply::NoContent => StatusCode::NO_CONTENT.into_response(),
        }
    }
}
