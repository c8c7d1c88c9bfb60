//! The one struct every shared part uses: the registered services (through
//! [`Emulator`]), the fault table and the request log. Each service keeps its own state
//! behind its own lock; handlers lock one at a time and never across an await.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::emulator::Emulator;
use crate::faults::FaultTable;
use crate::state_file::StateFile;
use crate::util::lock;
use crate::{Config, StartError};

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
    /// The services whose state is inspected, saved and reset, in state-file order.
    pub emulators: Vec<Arc<dyn Emulator>>,
    pub faults: Mutex<FaultTable>,
    pub log: Mutex<RequestLog>,
    pub state_file: Option<StateFile>,
}

impl Shared {
    /// The shared parts around the services (already restored from the state file): the
    /// start-up faults installed, an empty request log.
    pub fn new(config: &Config, emulators: Vec<Arc<dyn Emulator>>) -> Result<Shared, StartError> {
        let mut faults = FaultTable::default();
        for spec in &config.faults {
            faults.add(spec.clone()).map_err(StartError::Fault)?;
        }
        Ok(Shared {
            emulators,
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            state_file: config.state_file.clone().map(StateFile::new),
        })
    }

    /// The inspection document served at `GET /_sandbox/state`: one section per service
    /// that holds something.
    pub fn inspect(&self) -> Value {
        let mut document = Map::new();
        for emulator in &self.emulators {
            if let Some(section) = emulator.inspect() {
                document.insert(emulator.service().name().to_string(), section);
            }
        }
        Value::Object(document)
    }

    /// Clears all service data (keeping credentials), faults and the request log. A real
    /// Vault behind the Vault port is not touched.
    pub fn reset(&self) {
        for emulator in &self.emulators {
            emulator.reset();
        }
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
