//! Auth0 emulator: the Authentication API's `POST /oauth/token` (client credentials) and the
//! subset of the Management API v2 that `ff_auth0_tenant_setup` uses — clients (with
//! rotate-secret), resource servers, client grants, roles and their permissions.
//! <https://auth0.com/docs/api/management/v2>
//!
//! - `routes`: the router, bearer-token authentication, the rate limiter in front of every
//!   Management API call, paging (`page`, `per_page`, `include_totals`) and field selection.
//! - `state`: what is held — the inspection/state-file shape.
//! - `errors`: the Management API error body (`statusCode`, `error`, `message`,
//!   `errorCode`) and the Authentication API's (`error`, `error_description`).
//! - `rate_limit`: the token bucket and the `X-RateLimit-*` headers.
//! - `clients`, `resource_servers`, `client_grants`, `roles`: one resource each; handlers
//!   run under the Auth0 lock and never await.

pub mod client_grants;
pub mod clients;
pub mod errors;
pub mod rate_limit;
pub mod resource_servers;
pub mod roles;
pub mod routes;
pub mod state;

pub use routes::router;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde_json::{Value, json};

use crate::emulator::{Emulator, Service};
use crate::util::lock;
use rate_limit::RateLimit;
use state::Auth0State;

/// The Auth0 emulator: its tenant, which its handlers share.
pub struct Auth0 {
    pub state: Mutex<Auth0State>,
}

impl Auth0 {
    /// From its state-file section, or new; the management client's credentials and the
    /// rate limit from the flags (checked by the caller) win over the restored ones.
    pub fn load(
        section: Option<Value>,
        client_id: Option<&str>,
        client_secret: Option<&str>,
        rate_limit: Option<RateLimit>,
    ) -> Result<Auth0, String> {
        let mut state = match section {
            Some(section) => serde_json::from_value(section).map_err(|e| e.to_string())?,
            None => Auth0State::new(),
        };
        state.ensure_management(client_id, client_secret);
        if let Some(limit) = rate_limit {
            state.rate_limit = limit;
        }
        Ok(Auth0 {
            state: Mutex::new(state),
        })
    }

    /// The management client's id and secret.
    pub fn management(&self) -> (String, String) {
        let state = lock(&self.state);
        (
            state.management.client_id.clone(),
            state.management.client_secret.clone(),
        )
    }
}

impl Emulator for Auth0 {
    fn service(&self) -> Service {
        Service::Auth0
    }

    fn injected_status(&self, status: u16) -> Response<Body> {
        errors::injected_status(status)
    }

    fn rate_limited(&self, _path: &str, retry_after_s: u64) -> Response<Body> {
        errors::rate_limited(retry_after_s)
    }

    fn inspect(&self) -> Option<Value> {
        Some(serde_json::to_value(&*lock(&self.state)).unwrap_or(Value::Null))
    }

    fn snapshot(&self) -> Option<serde_json::Result<String>> {
        Some(serde_json::to_string_pretty(&*lock(&self.state)))
    }

    fn reset(&self) {
        lock(&self.state).reset();
    }

    /// `GET`/`PUT /_sandbox/auth0/rate-limit` with `{"per_second": 2, "burst": 2}`
    /// (`per_second: 0` turns it off).
    fn control_routes(self: Arc<Self>) -> Option<Router> {
        Some(
            Router::new()
                .route(
                    "/_sandbox/auth0/rate-limit",
                    get(get_rate_limit).put(set_rate_limit),
                )
                .with_state(self),
        )
    }
}

fn control_error(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": message })),
    )
        .into_response()
}

async fn get_rate_limit(State(auth0): State<Arc<Auth0>>) -> Response {
    let limit = lock(&auth0.state).rate_limit;
    axum::Json(limit).into_response()
}

async fn set_rate_limit(State(auth0): State<Arc<Auth0>>, body: Bytes) -> Response {
    let limit: RateLimit = match serde_json::from_slice(&body) {
        Ok(limit) => limit,
        Err(err) => return control_error(format!("invalid rate limit: {err}")),
    };
    if let Err(message) = limit.validate() {
        return control_error(format!("invalid rate limit: {message}"));
    }
    {
        let mut state = lock(&auth0.state);
        state.rate_limit = limit;
        state.management_bucket.refill();
    }
    axum::Json(limit).into_response()
}
