//! The state file: the inspection document plus a format number, loaded at start and
//! written atomically (temp file + rename) after every mutating request and at shutdown,
//! so a sandbox killed with SIGKILL keeps everything it acknowledged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::StartError;
use crate::auth0::state::Auth0State;
use crate::entra::state::EntraState;
use crate::grafana::state::GrafanaState;
use crate::kubernetes::state::KubeState;
use crate::shared::Shared;
use crate::util::lock;

const FORMAT: u32 = 1;

/// What the file holds.
#[derive(Serialize, Deserialize)]
pub struct Document {
    pub format: u32,
    /// (Files written while Vault was emulated also have a `vault` section, which is
    /// ignored: Vault is a real server now, keeping its own state.)
    pub grafana: GrafanaState,
    /// Absent from files written before the Auth0 emulator existed.
    #[serde(default)]
    pub auth0: Auth0State,
    /// Absent from files written before the Kubernetes emulator existed.
    #[serde(default)]
    pub kubernetes: KubeState,
    /// Absent from files written before the Entra ID emulator existed.
    #[serde(default)]
    pub entra: EntraState,
}

/// Reads the state file; `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> Result<Option<Document>, StartError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(StartError::StateFile {
                path: path.to_path_buf(),
                message: err.to_string(),
            });
        }
    };
    let doc: Document = serde_json::from_slice(&bytes).map_err(|err| StartError::StateFile {
        path: path.to_path_buf(),
        message: err.to_string(),
    })?;
    if doc.format != FORMAT {
        return Err(StartError::StateFile {
            path: path.to_path_buf(),
            message: format!("unsupported format {} (expected {FORMAT})", doc.format),
        });
    }
    Ok(Some(doc))
}

/// Where to save, plus a lock that orders concurrent saves: each save snapshots the state
/// after taking it, so the last write on disk is never older than an earlier one.
pub struct StateFile {
    path: PathBuf,
    writing: tokio::sync::Mutex<()>,
}

impl StateFile {
    pub fn new(path: PathBuf) -> Self {
        StateFile {
            path,
            writing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn save(&self, shared: &Shared) -> std::io::Result<()> {
        let _ordered = self.writing.lock().await;
        let bytes = {
            let grafana = lock(&shared.grafana);
            let auth0 = lock(&shared.auth0);
            let kubernetes = lock(&shared.kubernetes);
            let entra = lock(&shared.entra);
            serde_json::to_vec_pretty(&DocumentRef {
                format: FORMAT,
                grafana: &grafana,
                auth0: &auth0,
                kubernetes: &kubernetes,
                entra: &entra,
            })
            .map_err(std::io::Error::other)?
        };
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(std::io::Error::other)?
    }
}

#[derive(Serialize)]
struct DocumentRef<'a> {
    format: u32,
    grafana: &'a GrafanaState,
    auth0: &'a Auth0State,
    kubernetes: &'a KubeState,
    entra: &'a EntraState,
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Axum middleware: after a request that may have changed state (anything but GET, HEAD,
/// OPTIONS), save the state file before answering.
pub async fn persist_after_mutation(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let mutating = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) && request.method().as_str() != "LIST";
    let response = next.run(request).await;
    if mutating && shared.state_file.is_some() {
        shared.persist().await;
    }
    response
}
