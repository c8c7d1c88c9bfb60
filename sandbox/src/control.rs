//! The control API on the control port: inspection, request log, faults, reset, health, and
//! the Auth0 Management API's rate limit (`GET`/`PUT /_sandbox/auth0/rate-limit` with
//! `{"per_second": 2, "burst": 2}`; `per_second: 0` turns it off). Vault is a real server
//! behind the Vault port: ask it, not this API, what it holds.
//! Entra ID's application gains credentials as an administrator adds them in the portal or
//! through Microsoft Graph: `POST /_sandbox/entra/federated-credentials` with `{"name",
//! "issuer", "subject", "audiences"}` (a federated identity credential) and `POST
//! /_sandbox/entra/certificates` with `{"pem"}` (a certificate's public part).
//! JSON everywhere, no authentication; errors are `{"error":"..."}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::auth0::rate_limit::RateLimit;
use crate::faults::FaultSpec;
use crate::shared::Shared;
use crate::util::lock;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sandbox/health", get(health))
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sandbox/faults/:id", delete(remove_fault))
        .route("/_sandbox/reset", post(reset))
        .route(
            "/_sandbox/auth0/rate-limit",
            get(auth0_rate_limit).put(set_auth0_rate_limit),
        )
        .route("/_sandbox/manifests/:file", get(manifest))
        .route(
            "/_sandbox/entra/federated-credentials",
            post(entra_federated_credential),
        )
        .route("/_sandbox/entra/certificates", post(entra_certificate))
        .fallback(not_found)
        .with_state(shared)
}

fn ok() -> Response {
    axum::Json(Value::Object(Default::default())).into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

async fn health() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.inspect()).into_response()
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    let entries = lock(&shared.log).entries();
    axum::Json(entries).into_response()
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> Response {
    lock(&shared.log).clear();
    ok()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    let list = lock(&shared.faults).list();
    axum::Json(list).into_response()
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let spec: FaultSpec = match serde_json::from_slice(&body) {
        Ok(spec) => spec,
        Err(err) => return error(StatusCode::BAD_REQUEST, format!("invalid fault: {err}")),
    };
    match lock(&shared.faults).add(spec) {
        Ok(id) => axum::Json(json!({ "id": id })).into_response(),
        Err(message) => error(StatusCode::BAD_REQUEST, format!("invalid fault: {message}")),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    lock(&shared.faults).clear();
    ok()
}

async fn remove_fault(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return error(StatusCode::BAD_REQUEST, format!("invalid fault id {id:?}"));
    };
    if lock(&shared.faults).remove(id) {
        ok()
    } else {
        error(StatusCode::NOT_FOUND, format!("no fault with id {id}"))
    }
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    shared.persist().await;
    ok()
}

async fn auth0_rate_limit(State(shared): State<Arc<Shared>>) -> Response {
    let limit = lock(&shared.auth0).rate_limit;
    axum::Json(limit).into_response()
}

async fn set_auth0_rate_limit(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let limit: RateLimit = match serde_json::from_slice(&body) {
        Ok(limit) => limit,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("invalid rate limit: {err}"),
            );
        }
    };
    if let Err(message) = limit.validate() {
        return error(
            StatusCode::BAD_REQUEST,
            format!("invalid rate limit: {message}"),
        );
    }
    {
        let mut auth0 = lock(&shared.auth0);
        auth0.rate_limit = limit;
        auth0.management_bucket.refill();
    }
    shared.persist().await;
    axum::Json(limit).into_response()
}

/// A release manifest for tests and examples (`crate::kubernetes::manifests`).
async fn manifest(Path(file): Path<String>) -> Response {
    match crate::kubernetes::manifests::get(&file) {
        Some(content) => (
            [(axum::http::header::CONTENT_TYPE, "application/yaml")],
            content,
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no manifest {file:?}")),
    }
}

async fn entra_federated_credential(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let credential: crate::entra::state::FederatedCredential = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"name\",\"issuer\",\"subject\",\"audiences\"}}: {e}"),
            );
        }
    };
    let mut entra = lock(&shared.entra);
    entra
        .federated_credentials
        .retain(|c| c.name != credential.name);
    entra.federated_credentials.push(credential);
    ok()
}

async fn entra_certificate(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let pem = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("pem").and_then(Value::as_str).map(str::to_string));
    match pem {
        Some(pem) if crate::entra::assertion::Certificate::from_pem(&pem).is_some() => {
            lock(&shared.entra).certificates.push(pem);
            ok()
        }
        _ => error(
            StatusCode::BAD_REQUEST,
            "expected {\"pem\"}: a PEM certificate with an RSA key",
        ),
    }
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such control endpoint")
}
