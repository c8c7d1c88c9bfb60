//! Microsoft Entra ID (Azure AD) emulator: the OAuth 2.0 client-credentials token endpoint
//! (`POST /<tenant>/oauth2/v2.0/token`) for one application of one tenant, enough for the
//! provider to get an AKS token from `ARM_*` credentials; the Kubernetes emulator accepts the
//! tokens it issues for the AKS server application, as an AKS cluster with Entra ID
//! integration does.
//! <https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>
//!
//! - `state`: the tenant, the application's credentials (secret, certificates, federated
//!   identity credentials), its managed identity, the tokens issued;
//! - `assertion`: client assertions, certificates' and federated tokens', checked as Entra does;
//! - `routes`: the token endpoint; errors in Entra's shape (`error`, `error_description`
//!   starting with the `AADSTS` code, `error_codes`).

pub mod assertion;
pub mod routes;
pub mod state;

pub use routes::router;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Value, json};

use crate::emulator::{Emulator, Service};
use crate::util::lock;
use state::{EntraState, FederatedCredential};

/// The Entra ID emulator: its tenant and application, which its handlers (and the
/// Kubernetes emulator's AKS token check) share.
pub struct Entra {
    pub state: Mutex<EntraState>,
}

impl Entra {
    /// From its state-file section, or a new tenant.
    pub fn load(section: Option<Value>) -> Result<Entra, String> {
        let state = match section {
            Some(section) => serde_json::from_value(section).map_err(|e| e.to_string())?,
            None => EntraState::default(),
        };
        Ok(Entra {
            state: Mutex::new(state),
        })
    }
}

/// What the endpoints line tells about the tenant.
pub struct Tenant {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub managed_identity_client_id: String,
    pub identity_header: String,
}

impl Entra {
    pub fn tenant(&self) -> Tenant {
        let state = lock(&self.state);
        Tenant {
            tenant_id: state.tenant_id.clone(),
            client_id: state.client_id.clone(),
            client_secret: state.client_secret.clone(),
            managed_identity_client_id: state.managed_identity.client_id.clone(),
            identity_header: state.managed_identity.identity_header.clone(),
        }
    }
}

impl Emulator for Entra {
    fn service(&self) -> Service {
        Service::Entra
    }

    fn injected_status(&self, status: u16) -> Response<Body> {
        routes::injected_status(status)
    }

    fn rate_limited(&self, _path: &str, retry_after_s: u64) -> Response<Body> {
        routes::rate_limited(retry_after_s)
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

    /// The application gains credentials as an administrator adds them in the portal or
    /// through Microsoft Graph: `POST /_sandbox/entra/federated-credentials` with `{"name",
    /// "issuer", "subject", "audiences"}` (a federated identity credential) and `POST
    /// /_sandbox/entra/certificates` with `{"pem"}` (a certificate's public part).
    fn control_routes(self: Arc<Self>) -> Option<Router> {
        Some(
            Router::new()
                .route(
                    "/_sandbox/entra/federated-credentials",
                    post(add_federated_credential),
                )
                .route("/_sandbox/entra/certificates", post(add_certificate))
                .with_state(self),
        )
    }
}

fn control_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": message })),
    )
        .into_response()
}

fn ok() -> Response {
    axum::Json(Value::Object(Default::default())).into_response()
}

async fn add_federated_credential(State(entra): State<Arc<Entra>>, body: Bytes) -> Response {
    let credential: FederatedCredential = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => {
            return control_error(&format!(
                "expected {{\"name\",\"issuer\",\"subject\",\"audiences\"}}: {e}"
            ));
        }
    };
    let mut state = lock(&entra.state);
    state
        .federated_credentials
        .retain(|c| c.name != credential.name);
    state.federated_credentials.push(credential);
    ok()
}

async fn add_certificate(State(entra): State<Arc<Entra>>, body: Bytes) -> Response {
    let pem = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("pem").and_then(Value::as_str).map(str::to_string));
    match pem {
        Some(pem) if assertion::Certificate::from_pem(&pem).is_some() => {
            lock(&entra.state).certificates.push(pem);
            ok()
        }
        _ => control_error("expected {\"pem\"}: a PEM certificate with an RSA key"),
    }
}
