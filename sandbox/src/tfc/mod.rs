//! Emulation of the part of the Terraform Cloud / Enterprise API that publishing a private
//! provider uses — registry providers, GPG keys, provider versions and platforms, and the
//! upload links of the release files — plus what `terraform init` reads to install a
//! provider from that private registry (service discovery and the provider registry
//! protocol), served over HTTPS.
//!
//! - [`routes`]: HTTP parsing, bearer-token authentication, pagination;
//! - [`state`]: the registry's data and every rule the API applies to it;
//! - [`errors`]: JSON:API error documents, as the API answers them;
//! - [`openpgp`]: the key id of an uploaded GPG public key, as the registry derives it.
//!
//! One organization (`ff-sandbox` unless configured) with one API token; the registry is
//! kept in memory (not in the state file).

pub mod errors;
pub mod openpgp;
pub mod routes;
pub mod state;

pub use routes::router;

use std::sync::Mutex;

use axum::body::Body;
use axum::response::Response;
use serde_json::Value;

use crate::emulator::{Emulator, Service};
use crate::util::lock;
use state::TfcState;

/// The Terraform Cloud registry emulator: its registry, which its handlers share. Kept in
/// memory only: it has no section in the state file.
pub struct Tfc {
    pub state: Mutex<TfcState>,
}

impl Tfc {
    pub fn new(organization: Option<&str>, token: Option<&str>) -> Tfc {
        Tfc {
            state: Mutex::new(TfcState::new(organization, token)),
        }
    }
}

impl Emulator for Tfc {
    fn service(&self) -> Service {
        Service::Tfc
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

    fn reset(&self) {
        lock(&self.state).reset();
    }
}
