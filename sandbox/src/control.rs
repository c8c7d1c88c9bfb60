//! The control API on the control port: inspection, request log, faults, reset, health,
//! and each service's own control endpoints ([`crate::emulator::Emulator::control_routes`]:
//! Auth0's rate limit, Entra ID's credentials, Kubernetes' release manifests), after which
//! mutating calls the state file is saved. Vault is a real server behind the Vault port:
//! ask it, not this API, what it holds.
//! JSON everywhere, no authentication; errors are `{"error":"..."}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::faults::FaultSpec;
use crate::shared::Shared;
use crate::state_file::persist_after_mutation;
use crate::util::lock;

pub fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new()
        .route("/_sandbox/health", get(health))
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sandbox/faults/:id", delete(remove_fault))
        .route("/_sandbox/reset", post(reset))
        .with_state(shared.clone());
    for emulator in &shared.emulators {
        if let Some(routes) = emulator.clone().control_routes() {
            router = router
                .merge(routes.layer(from_fn_with_state(shared.clone(), persist_after_mutation)));
        }
    }
    router.fallback(not_found)
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

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such control endpoint")
}
