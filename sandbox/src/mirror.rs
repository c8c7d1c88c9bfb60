//! A provider network mirror: the static document tree of the Provider Network Mirror
//! Protocol (<https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol>)
//! served from a directory, over HTTPS (the protocol requires `https:`).
//!
//! The directory is the `mirror/` tree that `cargo xtask release` writes (or the output of
//! `terraform providers mirror`): `:hostname/:namespace/:type/index.json`,
//! `:hostname/:namespace/:type/:version.json` and the zips they point at by relative URL.
//! A request outside the directory, or for something it does not hold, is a 404 — the
//! answer the protocol gives for "this mirror has no such provider or version".

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// What the mirror serves.
#[derive(Debug, Clone, Default)]
pub struct MirrorState {
    /// The document root; `None`: every request is a 404.
    pub dir: Option<PathBuf>,
}

pub fn router(state: Arc<MirrorState>) -> Router {
    Router::new().fallback(serve).with_state(state)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found\n",
    )
        .into_response()
}

async fn serve(State(state): State<Arc<MirrorState>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "the mirror is read-only\n",
        )
            .into_response();
    }
    let Some(root) = &state.dir else {
        return not_found();
    };
    let Some(path) = resolve(root, uri.path()) else {
        return not_found();
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(_) => return not_found(),
    };
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/json",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    };
    let length = bytes.len();
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&length.to_string()) {
        response.headers_mut().insert(header::CONTENT_LENGTH, value);
    }
    response
}

/// The file under `root` that a request path names, refusing anything that would leave
/// the root (`..`, absolute segments) and directories.
fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = request_path.trim_start_matches('/');
    if relative.is_empty() || relative.contains('\\') || relative.contains('\0') {
        return None;
    }
    let mut path = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => path.push(part),
            _ => return None,
        }
    }
    path.is_file().then_some(path)
}

/// The mirror as the shared parts see it: a static file server, holding no state.
impl crate::emulator::Emulator for MirrorState {
    fn service(&self) -> crate::emulator::Service {
        crate::emulator::Service::Mirror
    }

    fn injected_status(&self, status: u16) -> Response {
        plain_status(status)
    }

    fn rate_limited(&self, _path: &str, retry_after_s: u64) -> Response {
        let mut response = plain_status(429);
        if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// A plain-text status, as a static file server answers.
fn plain_status(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Body::from(format!(
        "{}\n",
        status.canonical_reason().unwrap_or("error")
    )));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let dir = std::env::temp_dir().join(format!("ff-mirror-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/index.json"), "{}").unwrap();
        assert_eq!(
            resolve(&dir, "/a/index.json"),
            Some(dir.join("a/index.json"))
        );
        assert_eq!(resolve(&dir, "/a/../a/index.json"), None);
        assert_eq!(resolve(&dir, "/a"), None, "directories are not served");
        assert_eq!(resolve(&dir, "/"), None);
        assert_eq!(resolve(&dir, "/a/missing.json"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
