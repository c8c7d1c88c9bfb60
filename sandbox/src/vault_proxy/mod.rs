//! Vault is real: the sandbox does not emulate it. With `--vault-upstream URL` its Vault
//! port is a reverse proxy in front of a real server — OpenBao, the open-source fork of
//! Vault with the same HTTP API (`bao server -dev`) — so that Vault gets the same fault
//! model, request log and control API as the emulated services: the fault layer
//! (`faults.rs`) stands in front of this router exactly as it stands in front of Grafana's,
//! and decides before anything is forwarded whether to delay, answer a 5xx or a 429 in
//! Vault's own shape (`errors.rs`), or drop the connection.
//!
//! What reaches this router is forwarded as it came: method (`LIST` too), path, query
//! string, headers (`X-Vault-Token`, `X-Vault-Namespace`, …) and body; the upstream's
//! status, headers and body go back unchanged. Hop-by-hop headers are not forwarded in
//! either direction, and `Host` names the upstream. Redirects are passed back, not
//! followed, and the environment's proxy settings are not used (the upstream is local).
//! An upstream that cannot be reached answers 502 with Vault's error body naming it.
//!
//! The sandbox holds nothing of Vault: `/_sandbox/state` has no `vault` section, the state
//! file none either, and `POST /_sandbox/reset` leaves the upstream as it is. Ask the real
//! server (its address is `vault.upstream` in the endpoints line) what it holds.

pub mod errors;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderMap, HeaderName, header};

/// Largest request body forwarded (Vault's own default `max_request_size` is 32 MiB).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The real Vault the proxy forwards to.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// `http://127.0.0.1:8200`, without a trailing slash.
    base: String,
    client: reqwest::Client,
}

impl Upstream {
    /// An upstream at `url` (`http://` or `https://`, no path); the error says what is wrong.
    pub fn new(url: &str) -> Result<Upstream, String> {
        let parsed = url::Url::parse(url)
            .map_err(|e| format!("--vault-upstream {url:?} is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(format!(
                "--vault-upstream {url:?} must be an http:// or https:// address such as \
                 http://127.0.0.1:8200"
            ));
        }
        if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
            return Err(format!(
                "--vault-upstream {url:?} must be the server's address without a path \
                 (requests keep their own /v1/... path)"
            ));
        }
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client for the Vault upstream: {e}"))?;
        Ok(Upstream {
            base: url.trim_end_matches('/').to_string(),
            client,
        })
    }

    /// The upstream's address, as given.
    pub fn address(&self) -> &str {
        &self.base
    }
}

/// The Vault port as the shared parts see it: faults answered in Vault's shape; nothing
/// to inspect, save or reset (the real server keeps its own state).
impl crate::emulator::Emulator for Upstream {
    fn service(&self) -> crate::emulator::Service {
        crate::emulator::Service::Vault
    }

    fn injected_status(&self, status: u16) -> Response {
        errors::injected_status(status)
    }

    fn rate_limited(&self, path: &str, retry_after_s: u64) -> Response {
        errors::rate_limited(path, retry_after_s)
    }
}

/// Every path of the Vault port goes to the upstream.
pub fn router(upstream: Arc<Upstream>) -> Router {
    Router::new().fallback(forward).with_state(upstream)
}

/// Headers that belong to one connection, not to the request (RFC 9110 §7.6.1), plus those
/// the client library sets itself for the new request.
fn connection_bound(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    // Headers named in `Connection` are hop-by-hop as well.
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect();
    headers
        .iter()
        .filter(|(name, _)| !connection_bound(name) && !named.iter().any(|n| n == name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

async fn forward(State(upstream): State<Arc<Upstream>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(err) => return errors::unreadable_request(&err.to_string()),
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let url = format!("{}{path_and_query}", upstream.base);
    let sent = upstream
        .client
        .request(parts.method.clone(), url)
        .headers(end_to_end(&parts.headers))
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(err) => return errors::unreachable(&upstream.base, &cause_chain(&err)),
    };
    let status = answer.status();
    let headers = end_to_end(answer.headers());
    let body = match answer.bytes().await {
        Ok(body) => body,
        Err(err) => return errors::unreachable(&upstream.base, &cause_chain(&err)),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// An error and its causes on one line (`a: b: c`), for the 502 message.
fn cause_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_must_be_an_http_address_without_a_path() {
        assert!(Upstream::new("http://127.0.0.1:8200").is_ok());
        assert_eq!(
            Upstream::new("http://127.0.0.1:8200/").map(|u| u.address().to_string()),
            Ok("http://127.0.0.1:8200".to_string())
        );
        for bad in [
            "127.0.0.1:8200",
            "ftp://x",
            "http://127.0.0.1:8200/v1",
            "not a url",
        ] {
            assert!(Upstream::new(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        let mut headers = HeaderMap::new();
        headers.insert("x-vault-token", "t".parse().unwrap());
        headers.insert("x-vault-namespace", "admin".parse().unwrap());
        headers.insert("host", "127.0.0.1:1".parse().unwrap());
        headers.insert("connection", "keep-alive, x-private".parse().unwrap());
        headers.insert("x-private", "1".parse().unwrap());
        headers.insert("transfer-encoding", "chunked".parse().unwrap());
        let kept = end_to_end(&headers);
        let mut names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, vec!["x-vault-namespace", "x-vault-token"]);
    }
}
