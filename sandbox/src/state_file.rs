//! The state file: the inspection document plus a format number, loaded at start and
//! written atomically (temp file + rename) after every mutating request and at shutdown,
//! so a sandbox killed with SIGKILL keeps everything it acknowledged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::Method;
use serde_json::{Map, Value};

use crate::StartError;
use crate::shared::Shared;

const FORMAT: u32 = 1;

/// What the file holds: `format` and one section per service that keeps state, under its
/// name (today `grafana`, `auth0`, `kubernetes` and `entra`, in that order). Each service
/// reads its own section back when it is built; sections no service claims are ignored
/// (files written while Vault was emulated also have a `vault` section).
pub struct Document {
    pub format: u32,
    pub sections: Map<String, Value>,
}

impl Document {
    /// Takes a service's section out of the document (`None` when the file has none).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.sections.remove(name)
    }
}

/// Reads the state file; `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> Result<Option<Document>, StartError> {
    let failed = |message: String| StartError::StateFile {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(failed(err.to_string())),
    };
    let mut sections = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(sections)) => sections,
        Ok(_) => return Err(failed("invalid type: expected a JSON object".to_string())),
        Err(err) => return Err(failed(err.to_string())),
    };
    let format = match sections.remove("format") {
        Some(format) => serde_json::from_value::<u32>(format).map_err(|e| failed(e.to_string()))?,
        None => return Err(failed("missing field `format`".to_string())),
    };
    if format != FORMAT {
        return Err(failed(format!(
            "unsupported format {format} (expected {FORMAT})"
        )));
    }
    Ok(Some(Document { format, sections }))
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
        let bytes = render(shared)?.into_bytes();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(std::io::Error::other)?
    }
}

/// The document, pretty-printed: `format`, then each service's section in registration
/// order, indented as one pretty-printed object would be.
fn render(shared: &Shared) -> std::io::Result<String> {
    let mut out = format!("{{\n  \"format\": {FORMAT}");
    for emulator in &shared.emulators {
        let Some(section) = emulator.snapshot() else {
            continue;
        };
        let section = section.map_err(std::io::Error::other)?;
        let name =
            serde_json::to_string(emulator.service().name()).map_err(std::io::Error::other)?;
        // Pretty-printed JSON has no raw newline inside a string: every line break is
        // structure, nested one level deeper here.
        out.push_str(&format!(",\n  {name}: {}", section.replace('\n', "\n  ")));
    }
    out.push_str("\n}");
    Ok(out)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use serde::Serialize;
    use serde_json::json;

    use super::*;
    use crate::emulator::{Emulator, Service};

    /// A service whose state-file section is the given value (`None`: keeps none).
    struct Fixed(Service, Option<Value>);

    impl Emulator for Fixed {
        fn service(&self) -> Service {
            self.0
        }
        fn injected_status(&self, _status: u16) -> Response<Body> {
            Response::default()
        }
        fn rate_limited(&self, _path: &str, _retry_after_s: u64) -> Response<Body> {
            Response::default()
        }
        fn snapshot(&self) -> Option<serde_json::Result<String>> {
            self.1.as_ref().map(serde_json::to_string_pretty)
        }
    }

    /// The file as it was written when its sections were fields of one struct.
    #[derive(Serialize)]
    struct AsOneStruct<'a> {
        format: u32,
        grafana: &'a Value,
        auth0: &'a Value,
    }

    #[test]
    fn the_file_is_the_pretty_printed_document_with_sections_in_registration_order() {
        let grafana = json!({
            "admin": {"user": "admin", "password": "line\nbreak \"quoted\""},
            "folders": [],
            "empty": {},
            "nested": [1, {"deeper": [true, null, 2.5]}],
        });
        let auth0 = json!({"clients": [{"name": "a"}], "rate_limit": {"per_second": 2.0}});
        let shared = Shared::new(
            &crate::Config::default(),
            vec![
                Arc::new(Fixed(Service::Grafana, Some(grafana.clone()))),
                Arc::new(Fixed(Service::Vault, None)),
                Arc::new(Fixed(Service::Auth0, Some(auth0.clone()))),
            ],
        )
        .unwrap();
        let rendered = render(&shared).unwrap();
        let expected = serde_json::to_string_pretty(&AsOneStruct {
            format: FORMAT,
            grafana: &grafana,
            auth0: &auth0,
        })
        .unwrap();
        assert_eq!(rendered, expected);

        let dir =
            std::env::temp_dir().join(format!("ff-sandbox-state-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        write_atomically(&path, rendered.as_bytes()).unwrap();
        let mut document = load(&path).unwrap().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(document.format, FORMAT);
        assert_eq!(document.take("grafana"), Some(grafana));
        assert_eq!(document.take("auth0"), Some(auth0));
        assert!(document.sections.is_empty());
    }
}
