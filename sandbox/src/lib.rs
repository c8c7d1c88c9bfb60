//! `ff-sandbox`: local, faithful emulators of the parts of the Grafana, Auth0, Kubernetes
//! and Entra ID HTTP APIs that terraform-provider-ff uses (and the Terraform Cloud registry
//! and a network mirror for its distribution), with fault injection and inspection — and,
//! in front of a real Vault (OpenBao), the same fault injection and request log for Vault.
//!
//! # How the files fit together
//!
//! ```text
//!                 ┌──────────── one TCP listener per service (server.rs) ────────────┐
//!  control port   │ control.rs router            (no faults, not logged)             │
//!  vault port     │ FaultLayer (faults.rs) → vault_proxy → the real Vault (upstream)  │
//!  grafana port   │ FaultLayer (faults.rs) → persist (state_file.rs) → grafana::router│
//!  tfc port       │ TLS (tls.rs) → FaultLayer → tfc::router         (distribution.rs) │
//!  mirror port    │ TLS (tls.rs) → FaultLayer → mirror::router      (distribution.rs) │
//!  auth0 port     │ FaultLayer (faults.rs) → persist (state_file.rs) → auth0::router │
//!  k8s port (TLS) │ FaultLayer (faults.rs) → persist (state_file.rs) → kubernetes::…  │
//!  entra port     │ FaultLayer (faults.rs) → persist (state_file.rs) → entra::router │
//!                 └──────────────────────────────────────────────────────────────────┘
//!                                        │ all share
//!                                        ▼
//!                shared.rs: `Shared` — the registered services (as `Emulator`s),
//!                the fault table and the request log
//! ```
//!
//! - [`emulator`] is the interface between the shared parts (server, faults, control, state
//!   file, `Shared`) and the services: each service's type (`grafana::Grafana`,
//!   `auth0::Auth0`, …) owns its state behind its own lock and implements
//!   [`emulator::Emulator`] — its name, its error body for an injected fault, its sections
//!   of the inspection document and the state file, its reset, its control endpoints. The
//!   shared parts name no service module (a test checks it).
//! - `emulators.rs` is the composition, the one file that names every service: it builds
//!   them (restored from the state file), registers them, binds their ports and writes the
//!   endpoints line.
//! - [`server`] binds listeners (port 0 → one random port each; port P → control P,
//!   Vault P+1 (with `--vault-upstream` only), Grafana P+2, Auth0 P+3, Kubernetes P+4,
//!   Entra ID P+7; the distribution services take P+5 and P+6, as `emulators.rs` assigns),
//!   serves every connection with hyper, and shuts down on request.
//! - [`faults`] is the only place that decides and applies injected faults; its tower layer
//!   also writes the request log, so every fault that fires is visible there.
//! - [`state_file`] loads the state at start and writes it (temp file + rename) after every
//!   mutating request and at shutdown.
//! - [`control`] is the `/_sandbox/...` API: state inspection, request log, faults, reset,
//!   and the services' own control endpoints.
//! - [`vault_proxy`]: Vault is real, not emulated — the Vault port forwards to an OpenBao
//!   (`--vault-upstream`), which keeps Vault's state; the sandbox holds none of it.
//! - [`grafana`], [`auth0`], [`kubernetes`] and [`entra`] each hold their type (in `mod.rs`),
//!   `routes` (HTTP parsing and dispatch), `state` (the data, serialisable as-is into the
//!   state file and the inspection document) and `errors` (the real service's error body
//!   shape).
//! - [`distribution`] starts the two HTTPS services that distributing the provider needs,
//!   with the sandbox's own CA (`tls.rs`): [`tfc`], the Terraform Cloud private registry API
//!   (routes/state/errors like the others; kept in memory, not in the state file), and
//!   [`mirror`], a provider network mirror serving a directory (port P+5 and P+6).
//!
//! Service handlers are synchronous functions run under their service's lock; nothing holds
//! a lock across an `.await` (latency faults sleep before any lock is taken).

pub mod auth0;
pub mod control;
pub mod distribution;
pub mod emulator;
mod emulators;
pub mod entra;
pub mod faults;
pub mod grafana;
pub mod kubernetes;
pub mod mirror;
pub mod server;
pub mod shared;
pub mod state_file;
pub mod tfc;
mod tls;
mod util;
pub mod vault_proxy;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use faults::FaultSpec;
pub use server::Running;

/// Everything the sandbox needs to start. `Config::default()` listens on `127.0.0.1:0`
/// with random credentials and no state file.
#[derive(Debug, Clone)]
pub struct Config {
    /// IP every service binds to; port 0 gives every service its own random port, a
    /// non-zero port P gives control P, Vault P+1 (with `vault_upstream`), Grafana P+2, Auth0 P+3, Kubernetes P+4,
    /// the registry P+5, the mirror P+6 and Entra ID P+7.
    pub listen: SocketAddr,
    /// Load state from here at start (when it exists) and save it after every mutation.
    pub state_file: Option<PathBuf>,
    /// Faults active from the start.
    pub faults: Vec<FaultSpec>,
    /// Grafana admin login; `admin` (or restored) when `None`.
    pub grafana_user: Option<String>,
    /// Grafana admin password; random (or restored) when `None`.
    pub grafana_password: Option<String>,
    /// Organization of the emulated Terraform Cloud private registry (`ff-sandbox`).
    pub tfc_organization: Option<String>,
    /// Its API token; random when `None`.
    pub tfc_token: Option<String>,
    /// Directory the HTTPS network mirror serves (a `cargo xtask release` mirror tree).
    pub mirror_dir: Option<PathBuf>,
    /// Where to write the CA certificate of the HTTPS services (a temporary directory,
    /// removed at shutdown, when `None`).
    pub tls_dir: Option<PathBuf>,
    /// Auth0 management client id; random (or restored) when `None`.
    pub auth0_client_id: Option<String>,
    /// Auth0 management client secret; random (or restored) when `None`.
    pub auth0_client_secret: Option<String>,
    /// The Auth0 Management API's rate limit; the Free tenant's (2/s, burst 2) when `None`.
    pub auth0_rate_limit: Option<auth0::rate_limit::RateLimit>,
    /// Where to write the kubeconfig of the Kubernetes emulator; `None`: next to the state
    /// file (`<state file>.kubeconfig`), else a file in the temporary directory removed at
    /// shutdown.
    pub kubeconfig: Option<PathBuf>,
    /// Delay before a Deployment is ready and a CRD Established (default 300 ms).
    pub k8s_ready_delay_ms: Option<u64>,
    /// A real Vault (OpenBao) for the Vault port to forward to, through the fault layer
    /// (`vault_proxy`): `http://127.0.0.1:8200`. Without it the sandbox has no Vault port.
    pub vault_upstream: Option<String>,
    /// Verify EKS tokens through this STS endpoint (as aws-iam-authenticator does) instead of
    /// the sandbox's own AWS key.
    pub eks_sts_endpoint: Option<String>,
    /// With `eks_sts_endpoint`: also send the query signature in an `Authorization` header,
    /// for STS emulators that only read that (moto).
    pub eks_sts_authorization_header: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            faults: Vec::new(),
            grafana_user: None,
            grafana_password: None,
            tfc_organization: None,
            tfc_token: None,
            mirror_dir: None,
            tls_dir: None,
            auth0_client_id: None,
            auth0_client_secret: None,
            auth0_rate_limit: None,
            kubeconfig: None,
            k8s_ready_delay_ms: None,
            vault_upstream: None,
            eks_sts_endpoint: None,
            eks_sts_authorization_header: false,
        }
    }
}

/// The one JSON line printed at start: where each service listens and how to log in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Endpoints {
    pub control: String,
    /// With `--vault-upstream` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<VaultEndpoint>,
    pub grafana: GrafanaEndpoint,
    /// The Terraform Cloud private registry API (HTTPS).
    pub tfc: distribution::TfcEndpoint,
    /// The provider network mirror (HTTPS).
    pub mirror: distribution::MirrorEndpoint,
    pub auth0: Auth0Endpoint,
    pub kubernetes: KubernetesEndpoint,
    pub entra: EntraEndpoint,
}

/// The Entra ID (Azure AD) emulator: one tenant with one application, for AKS tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EntraEndpoint {
    /// Authority host (`http://127.0.0.1:PORT`), what `AZURE_AUTHORITY_HOST` takes.
    pub authority: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Its managed identity: `client_id`, and what App Service's `IDENTITY_ENDPOINT` and
    /// `IDENTITY_HEADER` hold (IMDS is the authority's `/metadata/identity/oauth2/token`).
    pub managed_identity: ManagedIdentityEndpoint,
}

/// The managed identity of the Entra ID emulator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManagedIdentityEndpoint {
    pub client_id: String,
    pub identity_endpoint: String,
    pub identity_header: String,
}

/// The Kubernetes emulator: HTTPS with the sandbox's own CA and a bearer token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KubernetesEndpoint {
    /// `https://127.0.0.1:PORT`.
    pub host: String,
    /// The CA that signed the serving certificate (PEM).
    pub ca_pem: String,
    /// The cluster admin's bearer token.
    pub token: String,
    /// A kubeconfig for kubectl holding the three above.
    pub kubeconfig: String,
    /// The AWS identity (and EKS cluster name) whose presigned EKS tokens are accepted.
    pub eks: kubernetes::eks::EksIdentity,
    /// Release manifests served on the control port for tests and examples.
    pub manifests: std::collections::BTreeMap<String, kubernetes::manifests::ManifestEndpoint>,
}

/// The Vault port: a reverse proxy, through the fault layer, to a real Vault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VaultEndpoint {
    /// Where clients send their Vault requests (`http://127.0.0.1:PORT`).
    pub address: String,
    /// The real server it forwards to (`--vault-upstream`); its token is the caller's.
    pub upstream: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GrafanaEndpoint {
    pub url: String,
    /// `user:password`, the form Grafana clients take for basic auth.
    pub auth: String,
    pub user: String,
    pub password: String,
}

/// The Auth0 tenant: `domain` is its base URL (the provider's `auth0.domain` accepts it),
/// and the management client's credentials for `client_credentials`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Auth0Endpoint {
    pub domain: String,
    pub client_id: String,
    pub client_secret: String,
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read state file {path}: {message}")]
    StateFile { path: PathBuf, message: String },
    #[error("invalid fault: {0}")]
    Fault(String),
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error("cannot set up the Kubernetes emulator: {0}")]
    Kubernetes(String),
    #[error("{0}")]
    VaultUpstream(String),
}

/// Entry point for in-process use (tests) and for the binary.
pub struct Sandbox;

impl Sandbox {
    /// Binds every service, loads the state file, installs the start-up faults and starts
    /// serving. The returned [`Running`] knows the bound endpoints and shuts everything down.
    pub async fn start(config: Config) -> Result<Running, StartError> {
        emulators::start(&config).await
    }
}
