//! The one struct every router shares: each service's state behind its own lock, the fault
//! table and the request log. Handlers lock one field at a time and never across an await.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth0::state::Auth0State;
use crate::entra::state::EntraState;
use crate::faults::FaultTable;
use crate::grafana::state::GrafanaState;
use crate::kubernetes::state::KubeState;
use crate::state_file::{self, StateFile};
use crate::tfc::state::TfcState;
use crate::util::lock;
use crate::{Config, StartError};

/// The emulated services. Adding Auth0 or Kubernetes means a new variant here, a module
/// with its routes/state/errors, and a listener in `server.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Vault,
    Grafana,
    Auth0,
    /// The Terraform Cloud private registry API (HTTPS).
    Tfc,
    /// The provider network mirror (HTTPS).
    Mirror,
    Kubernetes,
    Entra,
}

impl Service {
    pub const ALL: [Service; 7] = [
        Service::Vault,
        Service::Grafana,
        Service::Auth0,
        Service::Kubernetes,
        Service::Tfc,
        Service::Mirror,
        Service::Entra,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Vault => "vault",
            Service::Grafana => "grafana",
            Service::Tfc => "tfc",
            Service::Mirror => "mirror",
            Service::Auth0 => "auth0",
            Service::Kubernetes => "kubernetes",
            Service::Entra => "entra",
        }
    }
}

/// One line of the request log. Bodies and header values are never recorded, except the
/// `User-Agent` (which names the client, never a credential).
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub service: &'static str,
    pub method: String,
    pub path: String,
    /// The request's `User-Agent` header, when it had one.
    pub user_agent: Option<String>,
    /// Whether the request carried an `Authorization` header (its value is never kept).
    pub authorization: bool,
    /// `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    /// `None`, the injected status (`"500"`), `"rate_limit"`, `"drop"` or `"latency"`.
    pub fault: Option<String>,
    pub fault_id: Option<u64>,
}

/// Requests seen by the service ports, oldest first (bounded).
#[derive(Debug, Default)]
pub struct RequestLog {
    next_seq: u64,
    entries: Vec<LogEntry>,
}

const MAX_LOG_ENTRIES: usize = 50_000;

impl RequestLog {
    /// Reserves the next sequence number (taken when the request arrives).
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn push(&mut self, entry: LogEntry) {
        if self.entries.len() >= MAX_LOG_ENTRIES {
            self.entries.remove(0);
        }
        self.entries.push(entry);
    }

    /// Entries in arrival order.
    pub fn entries(&self) -> Vec<LogEntry> {
        let mut out = self.entries.clone();
        out.sort_by_key(|e| e.seq);
        out
    }

    /// Records the answer of an entry logged when its request arrived.
    pub fn set_status(&mut self, seq: u64, status: Option<u16>) {
        if let Some(entry) = self.entries.iter_mut().rev().find(|e| e.seq == seq) {
            entry.status = status;
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

pub struct Shared {
    pub grafana: Mutex<GrafanaState>,
    pub auth0: Mutex<Auth0State>,
    pub kubernetes: Mutex<KubeState>,
    pub entra: Mutex<EntraState>,
    pub faults: Mutex<FaultTable>,
    pub log: Mutex<RequestLog>,
    pub state_file: Option<StateFile>,
    /// The private registry (in memory only, not in the state file).
    pub tfc: Mutex<TfcState>,
    /// Files of the HTTPS services (mirror root, CA directory).
    pub distribution: crate::distribution::Settings,
}

impl Shared {
    /// Builds the shared state: restored from the state file when it exists, credentials
    /// from the flags when given (they win over the file), start-up faults installed.
    pub fn load(config: &Config) -> Result<Shared, StartError> {
        let restored = match &config.state_file {
            Some(path) => state_file::load(path)?,
            None => None,
        };
        let (mut grafana, mut auth0, mut kubernetes, entra) = match restored {
            Some(doc) => (doc.grafana, doc.auth0, doc.kubernetes, doc.entra),
            None => (
                GrafanaState::new(),
                Auth0State::new(),
                KubeState::new(),
                EntraState::default(),
            ),
        };
        if let Some(delay) = config.k8s_ready_delay_ms {
            kubernetes.ready_delay_ms = delay;
        }
        if config.eks_sts_endpoint.is_some() {
            kubernetes.eks.sts_endpoint = config.eks_sts_endpoint.clone();
            kubernetes.eks.sts_authorization_header = config.eks_sts_authorization_header;
        }
        auth0.ensure_management(
            config.auth0_client_id.as_deref(),
            config.auth0_client_secret.as_deref(),
        );
        if let Some(limit) = config.auth0_rate_limit {
            limit.validate().map_err(StartError::Fault)?;
            auth0.rate_limit = limit;
        }
        grafana.ensure_admin(
            config.grafana_user.as_deref(),
            config.grafana_password.as_deref(),
        );
        let mut faults = FaultTable::default();
        for spec in &config.faults {
            faults.add(spec.clone()).map_err(StartError::Fault)?;
        }
        Ok(Shared {
            grafana: Mutex::new(grafana),
            auth0: Mutex::new(auth0),
            kubernetes: Mutex::new(kubernetes),
            entra: Mutex::new(entra),
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            state_file: config.state_file.clone().map(StateFile::new),
            tfc: Mutex::new(TfcState::new(
                config.tfc_organization.as_deref(),
                config.tfc_token.as_deref(),
            )),
            distribution: crate::distribution::Settings {
                mirror_dir: config.mirror_dir.clone(),
                tls_dir: config.tls_dir.clone(),
            },
        })
    }

    /// The inspection document served at `GET /_sandbox/state` (and saved as the state file).
    pub fn inspect(&self) -> Value {
        let grafana = serde_json::to_value(&*lock(&self.grafana)).unwrap_or(Value::Null);
        let tfc = serde_json::to_value(&*lock(&self.tfc)).unwrap_or(Value::Null);
        let auth0 = serde_json::to_value(&*lock(&self.auth0)).unwrap_or(Value::Null);
        let kubernetes = serde_json::to_value(&*lock(&self.kubernetes)).unwrap_or(Value::Null);
        let entra = serde_json::to_value(&*lock(&self.entra)).unwrap_or(Value::Null);
        json!({
            "grafana": grafana,
            "auth0": auth0,
            "kubernetes": kubernetes,
            "entra": entra,
            "tfc": tfc,
        })
    }

    /// Clears all service data (keeping credentials), faults and the request log. A real
    /// Vault behind the Vault port is not touched.
    pub fn reset(&self) {
        lock(&self.grafana).reset();
        lock(&self.tfc).reset();
        lock(&self.auth0).reset();
        lock(&self.kubernetes).reset();
        lock(&self.entra).reset();
        lock(&self.faults).clear();
        lock(&self.log).clear();
    }

    /// Saves the state file, when there is one. Errors are logged, not returned: a failed
    /// save must not turn a successful API call into a failure.
    pub async fn persist(&self) {
        if let Some(file) = &self.state_file
            && let Err(err) = file.save(self).await
        {
            tracing::error!(path = %file.path().display(), error = %err, "cannot write state file");
        }
    }
}
