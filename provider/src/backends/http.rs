//! The one HTTP layer under every backend client.
//!
//! It owns what all remote systems share: TLS (verified by default, an extra CA bundle can
//! be given), the `User-Agent`, timeouts, the single place where an HTTP failure becomes a
//! [`BackendError`] that keeps the server's status and message, retries with jittered
//! backoff, and throttling. Throttling is shared by every request of the provider process to
//! the same backend: a 429 (or a response saying the rate-limit bucket is empty) closes a
//! [`RateGate`] that all later requests wait on, for a bounded total time.
//!
//! Nothing here logs a header or a body: requests are logged by method, path and status.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `terraform-provider-ff/VERSION`, sent with every request.
pub const USER_AGENT: &str = concat!("terraform-provider-ff/", env!("CARGO_PKG_VERSION"));

/// The remote system a client talks to, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    /// HashiCorp Vault.
    Vault,
    /// Grafana.
    Grafana,
    /// Auth0 Management API.
    Auth0,
    /// A Kubernetes API server.
    Kubernetes,
    /// Where release manifests are downloaded from.
    Manifests,
    /// Microsoft Entra ID (Azure AD), for AKS tokens.
    EntraId,
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            System::Vault => "Vault",
            System::Grafana => "Grafana",
            System::Auth0 => "Auth0",
            System::Kubernetes => "Kubernetes",
            System::Manifests => "The manifest source",
            System::EntraId => "Microsoft Entra ID",
        })
    }
}

/// A failed call to a remote system.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The server answered with an error status; its own message and code are kept.
    #[error("{system} answered {status} to {method} {path}: {message}")]
    Status {
        /// Which system.
        system: System,
        /// HTTP method.
        method: Method,
        /// Request path (no query string).
        path: String,
        /// HTTP status.
        status: StatusCode,
        /// The server's own message.
        message: String,
        /// The server's own error code, when it has one (Auth0 `errorCode`).
        code: Option<String>,
    },
    /// The server could not be reached or dropped the connection.
    #[error("{system} at {address} could not be reached ({method} {path}): {reason}")]
    Unreachable {
        /// Which system.
        system: System,
        /// Base address.
        address: String,
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// What the transport said.
        reason: String,
    },
    /// No answer within the client timeout.
    #[error("{system} at {address} did not answer {method} {path} within {timeout:?}")]
    Timeout {
        /// Which system.
        system: System,
        /// Base address.
        address: String,
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The server kept answering 429 for longer than the provider waits.
    #[error(
        "{system} kept rate-limiting {method} {path}: waited {waited:?} in all, the limit is {limit:?}"
    )]
    RateLimited {
        /// Which system.
        system: System,
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// Time spent waiting.
        waited: Duration,
        /// The bound on waiting.
        limit: Duration,
    },
    /// The answer could not be decoded.
    #[error("{system} sent an answer to {method} {path} that could not be read: {detail}")]
    Decode {
        /// Which system.
        system: System,
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// What was wrong, without the body's content.
        detail: String,
    },
    /// The client could not be set up from the configuration.
    #[error("{0}")]
    Config(String),
}

impl BackendError {
    /// The HTTP status the server answered, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            BackendError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// Whether the server said 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }
    /// The server's error code (Auth0 `errorCode`), if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            BackendError::Status { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// How many times and how fast to retry.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt for 5xx and transport errors.
    pub max_retries: u32,
    /// First backoff; doubles each retry, ±50% jitter.
    pub base_delay: Duration,
    /// Longest single backoff.
    pub max_delay: Duration,
    /// Longest total wait on rate limiting for one call.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(4),
            max_rate_limit_wait: Duration::from_secs(120),
        }
    }
}

/// Settings of one backend's HTTP client.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Which system.
    pub system: System,
    /// Base URL; request paths are appended to it.
    pub base_url: String,
    /// Extra CA certificates (PEM) to trust besides the system's.
    pub ca_pem: Option<Vec<u8>>,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Retries and throttling.
    pub retry: RetryPolicy,
}

/// Which parsed error message and code a system puts in its error bodies.
pub type ErrorParser = fn(&[u8]) -> (Option<String>, Option<String>);

/// Shared "do not send before" instant of one backend.
#[derive(Debug, Default)]
pub struct RateGate {
    until: Mutex<Option<Instant>>,
}

impl RateGate {
    fn close_until(&self, until: Instant) {
        let mut guard = match self.until.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if guard.is_none_or(|current| current < until) {
            *guard = Some(until);
        }
    }

    fn open_at(&self) -> Option<Instant> {
        let guard = match self.until.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard.filter(|until| *until > Instant::now())
    }

    /// Wait until the gate is open; returns how long it waited.
    async fn wait(&self) -> Duration {
        let start = Instant::now();
        // The lock is released before sleeping; another request may push the instant
        // further meanwhile, so look again after each sleep.
        while let Some(until) = self.open_at() {
            tokio::time::sleep_until(until.into()).await;
        }
        start.elapsed()
    }
}

/// One request, as a backend client describes it.
#[derive(Debug)]
pub struct Call {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Value>,
    form: Option<Vec<(String, String)>>,
    raw_body: Option<(String, Vec<u8>)>,
    idempotent: bool,
}

impl Call {
    /// A request; GET, PUT, DELETE and LIST count as idempotent, POST and PATCH do not
    /// unless [`Call::idempotent`] says so.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = !matches!(method, Method::POST | Method::PATCH);
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            form: None,
            raw_body: None,
            idempotent,
        }
    }
    /// Add a query parameter.
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }
    /// Add a header (invalid values are dropped; callers only pass ASCII tokens).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            let mut value = value;
            value.set_sensitive(true);
            self.headers.insert(HeaderName::from_static(name), value);
        }
        self
    }
    /// A JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form(mut self, fields: Vec<(String, String)>) -> Self {
        self.form = Some(fields);
        self
    }
    /// A body with its own content type.
    pub fn raw(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.raw_body = Some((content_type.to_string(), body));
        self
    }
    /// Declare whether repeating this request is harmless (a retry after a lost answer).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
    /// The request path.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }
}

/// A successful answer.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Vec<u8>,
    system: System,
    method: Method,
    path: String,
}

impl Reply {
    /// Decode the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, BackendError> {
        serde_json::from_slice(&self.body).map_err(|e| BackendError::Decode {
            system: self.system,
            method: self.method.clone(),
            path: self.path.clone(),
            // The error's category and position only: its text may quote the body.
            detail: format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ),
        })
    }
}

/// The HTTP client of one backend.
#[derive(Clone, Debug)]
pub struct Http {
    client: reqwest::Client,
    settings: Arc<HttpSettings>,
    gate: Arc<RateGate>,
    parse_error: ErrorParser,
}

impl Http {
    /// Build the client; fails when the CA bundle cannot be read.
    pub fn new(settings: HttpSettings, parse_error: ErrorParser) -> Result<Self, BackendError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(10).min(settings.timeout))
            .pool_idle_timeout(Duration::from_secs(30))
            .https_only(false);
        if let Some(pem) = &settings.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                BackendError::Config(format!(
                    "the CA bundle for {} is not valid PEM: {e}",
                    settings.system
                ))
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| {
            BackendError::Config(format!(
                "the HTTP client for {} could not be set up: {e}",
                settings.system
            ))
        })?;
        Ok(Self {
            client,
            settings: Arc::new(settings),
            gate: Arc::new(RateGate::default()),
            parse_error,
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.settings.base_url
    }

    /// Send a request with retries and throttling; an error status becomes
    /// [`BackendError::Status`].
    pub async fn send(&self, call: Call) -> Result<Reply, BackendError> {
        let settings = &self.settings;
        let policy = &settings.retry;
        let mut attempt: u32 = 0;
        let mut throttled = Duration::ZERO;
        loop {
            throttled += self.gate.wait().await;
            let started = Instant::now();
            let outcome = self.send_once(&call).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match outcome {
                Ok(reply) if reply.status == StatusCode::TOO_MANY_REQUESTS => {
                    let wait = rate_limit_wait(&reply.headers).unwrap_or(Duration::from_secs(1));
                    tracing::debug!(
                        system = %settings.system, method = %call.method, path = %call.path,
                        wait_ms = wait.as_millis() as u64,
                        "rate limited, waiting before the next request"
                    );
                    if throttled + wait > policy.max_rate_limit_wait {
                        return Err(BackendError::RateLimited {
                            system: settings.system,
                            method: call.method.clone(),
                            path: call.path.clone(),
                            waited: throttled,
                            limit: policy.max_rate_limit_wait,
                        });
                    }
                    self.gate.close_until(Instant::now() + wait);
                }
                Ok(reply) => {
                    tracing::debug!(
                        system = %settings.system, method = %call.method, path = %call.path,
                        status = reply.status.as_u16(), elapsed_ms, attempt,
                        "request done"
                    );
                    if let Some(until) = empty_bucket_until(&reply.headers) {
                        self.gate.close_until(until);
                    }
                    if reply.status.is_server_error()
                        && call.idempotent
                        && attempt < policy.max_retries
                        && reply.status != StatusCode::NOT_IMPLEMENTED
                    {
                        attempt += 1;
                        self.backoff(attempt, &call, &format!("status {}", reply.status))
                            .await;
                        continue;
                    }
                    if reply.status.is_client_error() || reply.status.is_server_error() {
                        let (message, code) = (self.parse_error)(&reply.body);
                        return Err(BackendError::Status {
                            system: settings.system,
                            method: call.method.clone(),
                            path: call.path.clone(),
                            status: reply.status,
                            message: message.unwrap_or_else(|| {
                                reply
                                    .status
                                    .canonical_reason()
                                    .unwrap_or("error")
                                    .to_string()
                            }),
                            code,
                        });
                    }
                    return Ok(reply);
                }
                Err(err) => {
                    let retryable = call.idempotent || err.is_connect();
                    if retryable && attempt < policy.max_retries {
                        attempt += 1;
                        self.backoff(attempt, &call, &transport_reason(&err)).await;
                        continue;
                    }
                    return Err(if err.is_timeout() {
                        BackendError::Timeout {
                            system: settings.system,
                            address: settings.base_url.clone(),
                            method: call.method.clone(),
                            path: call.path.clone(),
                            timeout: settings.timeout,
                        }
                    } else {
                        BackendError::Unreachable {
                            system: settings.system,
                            address: settings.base_url.clone(),
                            method: call.method.clone(),
                            path: call.path.clone(),
                            reason: transport_reason(&err),
                        }
                    });
                }
            }
        }
    }

    async fn backoff(&self, attempt: u32, call: &Call, reason: &str) {
        let policy = &self.settings.retry;
        let exp = policy
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
        let capped = exp.min(policy.max_delay);
        let jitter = rand::thread_rng().gen_range(0.5..1.5);
        let delay = capped.mul_f64(jitter);
        tracing::debug!(
            system = %self.settings.system, method = %call.method, path = %call.path,
            attempt, delay_ms = delay.as_millis() as u64, reason,
            "retrying after a failed attempt"
        );
        tokio::time::sleep(delay).await;
    }

    async fn send_once(&self, call: &Call) -> Result<Reply, reqwest::Error> {
        let url = format!(
            "{}{}",
            self.settings.base_url.trim_end_matches('/'),
            call.path
        );
        let mut request = self
            .client
            .request(call.method.clone(), url)
            .headers(call.headers.clone());
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        } else if let Some(form) = &call.form {
            request = request.form(form);
        } else if let Some((content_type, body)) = &call.raw_body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                .body(body.clone());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
            system: self.settings.system,
            method: call.method.clone(),
            path: call.path.clone(),
        })
    }
}

/// A short description of a transport failure, without URLs' query strings.
fn transport_reason(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection refused or failed"
    } else if err.is_body() || err.is_decode() {
        "the connection broke while reading the answer"
    } else {
        "the connection was closed without an answer"
    };
    let mut source = std::error::Error::source(err);
    let mut innermost = None;
    while let Some(cause) = source {
        innermost = Some(cause.to_string());
        source = cause.source();
    }
    match innermost {
        Some(cause) => format!("{kind} ({cause})"),
        None => kind.to_string(),
    }
}

/// How long a 429 asks to wait: `Retry-After` seconds, else `X-RateLimit-Reset` (epoch
/// seconds) from now.
fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(seconds) = header("retry-after").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(seconds.clamp(0.0, 3600.0)));
    }
    header("x-ratelimit-reset")
        .and_then(|v| v.parse::<u64>().ok())
        .map(|reset| until_epoch(reset).max(Duration::from_millis(100)))
}

/// When a response says the bucket is empty (`X-RateLimit-Remaining: 0`), the instant its
/// `X-RateLimit-Reset` names.
fn empty_bucket_until(headers: &HeaderMap) -> Option<Instant> {
    let remaining = headers
        .get("x-ratelimit-remaining")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    if remaining > 0 {
        return None;
    }
    let reset = headers
        .get("x-ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Instant::now() + until_epoch(reset))
}

fn until_epoch(epoch_seconds: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(epoch_seconds)
        .saturating_sub(now)
        .min(Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_over_reset() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("2"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1"));
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(2)));
    }

    #[test]
    fn empty_bucket_closes_until_reset() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        let reset = HeaderValue::from_str(&(now + 2).to_string()).expect("ascii");
        headers.insert("x-ratelimit-reset", reset);
        let until = empty_bucket_until(&headers).expect("closed");
        assert!(until > Instant::now() + Duration::from_millis(500));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("3"));
        assert!(empty_bucket_until(&headers).is_none());
    }
}
