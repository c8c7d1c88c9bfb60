//! Kubernetes API server emulator, over HTTPS with its own CA and a bearer token.
//!
//! The parts of the API that the provider, kubectl (`create`, `apply` client- and server-side,
//! `get`, `patch`, `diff`, `replace`, `delete`, `api-resources`) and the Kubernetes Python
//! client use: <https://kubernetes.io/docs/reference/using-api/api-concepts/>.
//!
//! - `tls`: the sandbox's CA and serving certificate (rcgen), and the rustls acceptor;
//! - `resources`: the built-in resource table, custom resources registered by CRDs, and the
//!   discovery documents built from both;
//! - `state`: every object, stored generically as JSON under `group/resource/namespace/name`,
//!   with the readiness clocks of Deployments and CRDs and the tokens the sandbox issued;
//! - `fields`: field sets, server-side apply merging and `managedFields`;
//! - `strategic`: strategic merge patches, by the merge keys of the built-in kinds;
//! - `protobuf`: request bodies in `application/vnd.kubernetes.protobuf` (what kubectl's
//!   `create` subcommands send), decoded to JSON;
//! - `routes`: URL parsing, authentication, verbs (GET/LIST/POST/PUT/PATCH/DELETE), label and
//!   field selectors, Table output for kubectl, subresources (`serviceaccounts/<n>/token`);
//! - `errors`: `Status` bodies with the reasons and codes the real API server uses;
//! - `listener`: the TLS listener; `kubeconfig`: the file written for kubectl.
//!
//! Simplifications (documented in the sandbox README): no RBAC (any issued token may do
//! anything), lists are atomic for server-side apply (no merge keys), no watch, deletion is
//! immediate (a namespace takes its objects with it).

pub mod eks;
pub mod errors;
pub mod fields;
pub mod kubeconfig;
pub mod listener;
pub mod manifests;
pub mod protobuf;
pub mod resources;
pub mod routes;
pub mod state;
pub mod strategic;
pub mod tls;

pub use routes::router;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::emulator::{Emulator, Service};
use crate::entra::Entra;
use crate::util::lock;
use state::KubeState;

/// The Kubernetes emulator: its cluster, which its handlers share, and the Entra ID
/// tenant whose AKS tokens it accepts.
pub struct Kubernetes {
    pub state: Mutex<KubeState>,
    pub entra: Arc<Entra>,
}

impl Kubernetes {
    /// From its state-file section, or a new cluster; the readiness delay and the EKS
    /// token check from the flags win over the restored ones.
    pub fn load(
        section: Option<Value>,
        config: &crate::Config,
        entra: Arc<Entra>,
    ) -> Result<Kubernetes, String> {
        let mut state = match section {
            Some(section) => serde_json::from_value(section).map_err(|e| e.to_string())?,
            None => KubeState::new(),
        };
        if let Some(delay) = config.k8s_ready_delay_ms {
            state.ready_delay_ms = delay;
        }
        if config.eks_sts_endpoint.is_some() {
            state.eks.sts_endpoint = config.eks_sts_endpoint.clone();
            state.eks.sts_authorization_header = config.eks_sts_authorization_header;
        }
        Ok(Kubernetes {
            state: Mutex::new(state),
            entra,
        })
    }
}

impl Emulator for Kubernetes {
    fn service(&self) -> Service {
        Service::Kubernetes
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

    /// `GET /_sandbox/manifests/:file`: the release manifests for tests and examples
    /// ([`manifests`]).
    fn control_routes(self: Arc<Self>) -> Option<Router> {
        Some(Router::new().route("/_sandbox/manifests/:file", get(manifest)))
    }
}

async fn manifest(Path(file): Path<String>) -> Response {
    match manifests::get(&file) {
        Some(content) => (
            [(axum::http::header::CONTENT_TYPE, "application/yaml")],
            content,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": format!("no manifest {file:?}") })),
        )
            .into_response(),
    }
}
