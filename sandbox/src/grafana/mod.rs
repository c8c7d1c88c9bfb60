//! Grafana emulator (HTTP API, one organisation): folders and folder permissions, teams,
//! service accounts and their tokens, data sources, health.
//! https://grafana.com/docs/grafana/latest/developers/http_api/
//!
//! - `routes`: the router, authentication (`Caller`), body/paging helpers.
//! - `state`: what is held — the inspection/state-file shape.
//! - `errors`: Grafana's error bodies.
//! - `folders`, `teams`, `service_accounts`, `datasources`: one resource each; handlers
//!   take the lock, change the state and answer without awaiting.

pub mod datasources;
pub mod errors;
pub mod folders;
pub mod routes;
pub mod service_accounts;
pub mod state;
pub mod teams;

pub use routes::router;

use std::sync::Mutex;

use axum::body::Body;
use axum::response::Response;
use serde_json::Value;

use crate::emulator::{Emulator, Service};
use crate::util::lock;
use state::GrafanaState;

/// The Grafana emulator: its state, which its handlers share.
pub struct Grafana {
    pub state: Mutex<GrafanaState>,
}

impl Grafana {
    /// From its state-file section (required: every state file has one), or new; the
    /// admin login from the flags wins over the restored one.
    pub fn load(
        section: Option<Value>,
        restoring: bool,
        user: Option<&str>,
        password: Option<&str>,
    ) -> Result<Grafana, String> {
        let mut state = match section {
            Some(section) => serde_json::from_value(section).map_err(|e| e.to_string())?,
            None if restoring => return Err("missing field `grafana`".to_string()),
            None => GrafanaState::new(),
        };
        state.ensure_admin(user, password);
        Ok(Grafana {
            state: Mutex::new(state),
        })
    }

    /// The admin's login and password.
    pub fn admin(&self) -> (String, String) {
        let state = lock(&self.state);
        (state.admin.user.clone(), state.admin.password.clone())
    }
}

impl Emulator for Grafana {
    fn service(&self) -> Service {
        Service::Grafana
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
}
