//! The one struct every router shares: each service's state behind its own lock, the fault
//! table and the request log. Handlers lock one field at a time and never across an await.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::entra::state::EntraState;
use crate::faults::FaultTable;
use crate::grafana::state::GrafanaState;
use crate::kubernetes::state::KubeState;
use crate::state_file::{self, StateFile};
use crate::util::lock;
use crate::vault::state::VaultState;
use crate::{Config, StartError};

/// The emulated services. Adding Auth0 or Kubernetes means a new variant here, a module
/// with its routes/state/errors, and a listener in `server.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Vault,
    Grafana,
    Kubernetes,
    Entra,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::Vault,
        Service::Grafana,
        Service::Kubernetes,
        Service::Entra,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Vault => "vault",
            Service::Grafana => "grafana",
            Service::Kubernetes => "kubernetes",
            Service::Entra => "entra",
        }
    }
}

/// One line of the request log. Header values and bodies are never recorded.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub service: &'static str,
    pub method: String,
    pub path: String,
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

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

pub struct Shared {
    pub vault: Mutex<VaultState>,
    pub grafana: Mutex<GrafanaState>,
    pub kubernetes: Mutex<KubeState>,
    pub entra: Mutex<EntraState>,
    pub faults: Mutex<FaultTable>,
    pub log: Mutex<RequestLog>,
    pub state_file: Option<StateFile>,
}

impl Shared {
    /// Builds the shared state: restored from the state file when it exists, credentials
    /// from the flags when given (they win over the file), start-up faults installed.
    pub fn load(config: &Config) -> Result<Shared, StartError> {
        let restored = match &config.state_file {
            Some(path) => state_file::load(path)?,
            None => None,
        };
        let (mut vault, mut grafana, mut kubernetes, entra) = match restored {
            Some(doc) => (doc.vault, doc.grafana, doc.kubernetes, doc.entra),
            None => (
                VaultState::new(),
                GrafanaState::new(),
                KubeState::new(),
                EntraState::default(),
            ),
        };
        if let Some(delay) = config.k8s_ready_delay_ms {
            kubernetes.ready_delay_ms = delay;
        }
        vault.ensure_root_token(config.vault_token.as_deref());
        grafana.ensure_admin(
            config.grafana_user.as_deref(),
            config.grafana_password.as_deref(),
        );
        let mut faults = FaultTable::default();
        for spec in &config.faults {
            faults.add(spec.clone()).map_err(StartError::Fault)?;
        }
        Ok(Shared {
            vault: Mutex::new(vault),
            grafana: Mutex::new(grafana),
            kubernetes: Mutex::new(kubernetes),
            entra: Mutex::new(entra),
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            state_file: config.state_file.clone().map(StateFile::new),
        })
    }

    /// The inspection document served at `GET /_sandbox/state` (and saved as the state file).
    pub fn inspect(&self) -> Value {
        let vault = serde_json::to_value(&*lock(&self.vault)).unwrap_or(Value::Null);
        let grafana = serde_json::to_value(&*lock(&self.grafana)).unwrap_or(Value::Null);
        let kubernetes = serde_json::to_value(&*lock(&self.kubernetes)).unwrap_or(Value::Null);
        let entra = serde_json::to_value(&*lock(&self.entra)).unwrap_or(Value::Null);
        json!({ "vault": vault, "grafana": grafana, "kubernetes": kubernetes, "entra": entra })
    }

    /// Clears all service data (keeping tokens and credentials), faults and the request log.
    pub fn reset(&self) {
        lock(&self.vault).reset();
        lock(&self.grafana).reset();
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
