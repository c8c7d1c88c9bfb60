//! The one HTTP layer under every backend client.
//!
//! It owns what all remote systems share: TLS (verified by default, an extra CA bundle can
//! be given), the `User-Agent`, timeouts, the single place where an HTTP failure becomes a
//! [`BackendError`] that keeps the server's status and message, retries with jittered
//! backoff, and throttling. Throttling is shared by every request of the provider process to
//! the same backend through one [`RateGate`]:
//!
//! - **pacing**: once a server has sent `X-RateLimit-Limit`, `-Remaining` and `-Reset`, the
//!   gate keeps a token bucket of its own that mirrors the server's (size = the limit, rate
//!   learnt from how long the server says a refill takes) and spaces requests so that they
//!   arrive as tokens become available, instead of bursting into 429s. Until the first such
//!   answer, only one request is in flight, so that a burst of parallel resources cannot
//!   overrun a bucket whose size is not known yet.
//! - **waiting out 429s**: a 429 closes the gate for every request until the server's
//!   `Retry-After` (or the next token), within a bounded total wait per call that ends in
//!   [`BackendError::RateLimited`].
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
    /// Terraform asked the provider to stop before the request was (re)sent.
    #[error("{method} {path} to {system} was not sent: Terraform asked the provider to stop")]
    Stopped {
        /// Which system.
        system: System,
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
    },
}

impl BackendError {
    /// The HTTP status the server answered, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            BackendError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// Whether doing the same work again may succeed: a 5xx answer other than 501, or no
    /// answer at all (the connection was refused or dropped, or the answer did not come
    /// within the timeout: a create that timed out may have been carried out as much as one
    /// whose connection dropped). The request itself was already retried when it was
    /// idempotent; for one that is not (a create), the caller decides, after looking for
    /// what the lost request may have made. Rate limiting is not transient here: the client
    /// already waited as long as it allows.
    pub fn is_transient(&self) -> bool {
        match self {
            BackendError::Status { status, .. } => matches!(status.as_u16(), 500 | 502 | 503 | 504),
            BackendError::Unreachable { .. } | BackendError::Timeout { .. } => true,
            _ => false,
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

/// The throttling state shared by every request of the provider process to one backend.
#[derive(Debug, Default)]
pub struct RateGate {
    state: Mutex<GateState>,
    /// Woken when the first answer tells whether the server paces.
    probed: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct GateState {
    /// Nothing is sent before this instant (a 429, or an empty bucket without pacing).
    until: Option<Instant>,
    /// Whether an answer has told whether the server sends rate-limit headers.
    learned: bool,
    /// A request is finding out (only one at a time until `learned`).
    probing: bool,
    /// The mirror of the server's bucket, once its headers were seen.
    pacer: Option<Pacer>,
}

/// A token bucket mirroring the server's: tokens are reserved when a request is sent, so a
/// negative count is a queue, and each request waits for its own token.
#[derive(Debug, Clone, Copy)]
struct Pacer {
    capacity: f64,
    /// Requests per second; the largest the server's headers have shown to be safe.
    rate: f64,
    /// After a 429: a rate the estimates may no longer raise `rate` above (a server whose
    /// reset is not rounded up makes estimates run high).
    ceiling: Option<f64>,
    tokens: f64,
    at: Instant,
}

impl Pacer {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.at = now;
    }
}

/// The headers a rate-limited server sends with each answer.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RateHeaders {
    limit: u64,
    remaining: u64,
    /// Unix seconds when the bucket is full again.
    reset: u64,
}

impl RateHeaders {
    fn of(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Some(Self {
            limit: number("x-ratelimit-limit")?,
            remaining: number("x-ratelimit-remaining")?,
            reset: number("x-ratelimit-reset")?,
        })
    }

    /// A refill rate that is at most the server's: at least `limit - remaining - 1` tokens
    /// (`remaining` is rounded down, so up to one more may be missing) come back by `reset`,
    /// which the server rounds up to a whole second. Both roundings make the estimate low,
    /// never high. `None` while that many are not missing.
    fn rate_estimate(&self, now_epoch: f64) -> Option<f64> {
        let missing = self.limit.saturating_sub(self.remaining).saturating_sub(1) as f64;
        let seconds = self.reset as f64 - now_epoch;
        (missing > 0.0 && seconds > 0.0).then(|| (missing / seconds).min(10_000.0))
    }
}

/// What a caller holds while its request is the probe; dropping it lets the others go.
struct Probe<'g> {
    gate: &'g RateGate,
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.probing = false;
        drop(state);
        self.gate.probed.notify_waiters();
    }
}

impl RateGate {
    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn close_until(&self, until: Instant) {
        let mut state = self.lock();
        if state.until.is_none_or(|current| current < until) {
            state.until = Some(until);
        }
    }

    /// Wait for this request's turn; returns how long it waited and, for the first request,
    /// the probe that holds the others back until its answer is seen.
    async fn acquire(&self) -> (Duration, Option<Probe<'_>>) {
        let start = Instant::now();
        loop {
            let notified = self.probed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            enum Turn {
                Go,
                Probe,
                Queued(Duration),
                Closed(Duration),
                AwaitProbe,
            }
            let turn = {
                let mut state = self.lock();
                let now = Instant::now();
                match state.until.filter(|until| *until > now) {
                    Some(until) => Turn::Closed(until - now),
                    None if !state.learned && state.probing => Turn::AwaitProbe,
                    None if !state.learned => {
                        state.probing = true;
                        Turn::Probe
                    }
                    None => match state.pacer.as_mut() {
                        None => Turn::Go,
                        Some(pacer) => {
                            // Reserve a token; a deficit is this request's place in the queue.
                            pacer.refill(now);
                            pacer.tokens -= 1.0;
                            let deficit = -pacer.tokens;
                            if deficit <= 0.0 {
                                Turn::Go
                            } else {
                                Turn::Queued(Duration::from_secs_f64(deficit / pacer.rate))
                            }
                        }
                    },
                }
            };
            // The lock is released before any sleep.
            let wait = match turn {
                Turn::Go => return (start.elapsed(), None),
                Turn::Probe => return (start.elapsed(), Some(Probe { gate: self })),
                Turn::Queued(wait) => {
                    let _ = crate::stop::sleep(wait).await;
                    return (start.elapsed(), None);
                }
                Turn::Closed(wait) => Some(wait),
                Turn::AwaitProbe => None,
            };
            // Closed, or waiting for the probe: sleep, then look again.
            match wait {
                Some(wait) => {
                    if crate::stop::sleep(wait).await.is_err() {
                        return (start.elapsed(), None);
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Learn from an answer's rate-limit headers.
    fn observe(&self, headers: &HeaderMap, status: StatusCode) {
        let rate_headers = RateHeaders::of(headers);
        let mut state = self.lock();
        state.learned = true;
        let Some(h) = rate_headers else {
            return;
        };
        let now = Instant::now();
        let now_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let estimate = h.rate_estimate(now_epoch);
        let capacity = (h.limit as f64).max(1.0);
        let pacer = state.pacer.get_or_insert(Pacer {
            capacity,
            // Until the server shows a refill, assume one bucket per second.
            rate: estimate.unwrap_or(capacity),
            ceiling: None,
            tokens: h.remaining as f64,
            at: now,
        });
        pacer.refill(now);
        pacer.capacity = capacity;
        if let Some(estimate) = estimate
            && estimate > pacer.rate
            && status != StatusCode::TOO_MANY_REQUESTS
        {
            pacer.rate = pacer.ceiling.map_or(estimate, |c| estimate.min(c));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            // We were ahead of the server: slow down a little, for good, and start from
            // empty.
            let slower = (pacer.rate * 0.9).max(0.01);
            pacer.ceiling = Some(pacer.ceiling.map_or(slower, |c| c.min(slower)));
            pacer.rate = slower;
            pacer.tokens = pacer.tokens.min(0.0);
        } else {
            pacer.tokens = pacer.tokens.min(h.remaining as f64);
        }
    }

    /// How long after a 429 the next token comes, by this gate's own count.
    fn next_token(&self) -> Option<Duration> {
        let state = self.lock();
        state
            .pacer
            .map(|p| Duration::from_secs_f64((1.0 / p.rate).min(60.0)))
    }
}

/// One request, as a backend client describes it.
#[derive(Clone, Debug)]
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
            let (waited, probe) = self.gate.acquire().await;
            throttled += waited;
            if crate::stop::requested() {
                return Err(self.stopped(&call));
            }
            let started = Instant::now();
            let outcome = self.send_once(&call).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            if let Ok(reply) = &outcome {
                self.gate.observe(&reply.headers, reply.status);
            }
            drop(probe);
            match outcome {
                Ok(reply) if reply.status == StatusCode::TOO_MANY_REQUESTS => {
                    // The server's word first; with a mirror of its bucket, no longer than
                    // the next token (the reset it names is when the bucket is full).
                    let told = rate_limit_wait(&reply.headers).unwrap_or(Duration::from_secs(1));
                    let wait = match (
                        reply.headers.contains_key("retry-after"),
                        self.gate.next_token(),
                    ) {
                        (false, Some(next)) => told.min(next),
                        _ => told,
                    };
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
                    if RateHeaders::of(&reply.headers).is_none()
                        && let Some(until) = empty_bucket_until(&reply.headers)
                    {
                        self.gate.close_until(until);
                    }
                    if reply.status.is_server_error()
                        && call.idempotent
                        && attempt < policy.max_retries
                        && reply.status != StatusCode::NOT_IMPLEMENTED
                    {
                        attempt += 1;
                        self.backoff(attempt, &call, &format!("status {}", reply.status))
                            .await?;
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
                        self.backoff(attempt, &call, &transport_reason(&err))
                            .await?;
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

    fn stopped(&self, call: &Call) -> BackendError {
        BackendError::Stopped {
            system: self.settings.system,
            method: call.method.clone(),
            path: call.path.clone(),
        }
    }

    /// Waits before attempt `attempt`; a stop asked for meanwhile ends the wait with an error.
    async fn backoff(&self, attempt: u32, call: &Call, reason: &str) -> Result<(), BackendError> {
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
        crate::stop::sleep(delay)
            .await
            .map_err(|_| self.stopped(call))
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

/// Check that `value` is an absolute http(s) URL.
pub fn check_url(value: &str) -> Result<(), String> {
    match url::Url::parse(value) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(format!(
            "{value:?} is not an http:// or https:// URL (scheme {:?})",
            u.scheme()
        )),
        Err(e) => Err(format!("{value:?} is not a URL: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("http://127.0.0.1:8200").is_ok());
        assert!(check_url("https://vault.example.com").is_ok());
        assert!(check_url("vault.example.com").is_err());
        assert!(check_url("ftp://x").is_err());
    }

    #[test]
    fn transient_failures_are_5xx_and_lost_or_late_answers() {
        let status = |code: u16| BackendError::Status {
            system: System::Grafana,
            method: Method::POST,
            path: "/api/teams".into(),
            status: StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
            message: String::new(),
            code: None,
        };
        for code in [500, 502, 503, 504] {
            assert!(status(code).is_transient(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 429, 501] {
            assert!(!status(code).is_transient(), "{code}");
        }
        let dropped = BackendError::Unreachable {
            system: System::Auth0,
            address: "https://tenant.example".into(),
            method: Method::POST,
            path: "/api/v2/clients".into(),
            reason: "connection closed before message completed".into(),
        };
        assert!(dropped.is_transient());
        let slow = BackendError::Timeout {
            system: System::Vault,
            address: "https://vault.example".into(),
            method: Method::GET,
            path: "/v1/sys/mounts".into(),
            timeout: Duration::from_secs(1),
        };
        assert!(
            slow.is_transient(),
            "a timed-out create may have been carried out"
        );
        let throttled = BackendError::RateLimited {
            system: System::Auth0,
            method: Method::POST,
            path: "/api/v2/clients".into(),
            waited: Duration::from_secs(120),
            limit: Duration::from_secs(120),
        };
        assert!(!throttled.is_transient(), "429s were already waited out");
        assert!(!BackendError::Config("bad".into()).is_transient());
    }

    #[test]
    fn retry_after_wins_over_reset() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("2"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1"));
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(2)));
    }

    fn epoch() -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
    }

    fn rate_headers(limit: u64, remaining: u64, reset: u64) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("x-ratelimit-limit", limit),
            ("x-ratelimit-remaining", remaining),
            ("x-ratelimit-reset", reset),
        ] {
            headers.insert(name, HeaderValue::from(value));
        }
        headers
    }

    #[test]
    fn rate_estimate_is_never_above_the_server_rate() {
        // 2 tokens refilled at 2/s: with none left (between 1 and 2 missing), the bucket is
        // full within 1 s, which the server rounds up to a whole second.
        let h = RateHeaders {
            limit: 2,
            remaining: 0,
            reset: (epoch() + 0.6).ceil() as u64,
        };
        let estimate = h.rate_estimate(epoch()).expect("a refill is pending");
        assert!((0.5..=2.0 + 1e-9).contains(&estimate), "{estimate}");
        let full = RateHeaders {
            limit: 2,
            remaining: 1,
            reset: epoch() as u64 + 1,
        };
        assert_eq!(full.rate_estimate(epoch()), None);
    }

    #[tokio::test]
    async fn pacing_spaces_requests_at_the_learnt_rate() {
        let gate = RateGate::default();
        let (_, probe) = gate.acquire().await;
        assert!(probe.is_some(), "the first request probes");
        // The server says: bucket of 2, none left, full again within the second after next.
        let now = epoch();
        gate.observe(
            &rate_headers(2, 0, (now + 0.5).ceil() as u64),
            StatusCode::OK,
        );
        drop(probe);
        let start = Instant::now();
        for _ in 0..3 {
            let (_, probe) = gate.acquire().await;
            assert!(probe.is_none());
        }
        let elapsed = start.elapsed();
        // One token missing for sure, back by the reset (0.5 to 1.5 s away): a rate between
        // 2/3 and 2 per second, so three tokens take 1.5 to 4.5 s.
        assert!(
            elapsed >= Duration::from_millis(1400) && elapsed <= Duration::from_millis(4600),
            "{elapsed:?}"
        );
    }

    #[tokio::test]
    async fn only_one_request_until_the_limits_are_known() {
        let gate = Arc::new(RateGate::default());
        let (_, probe) = gate.acquire().await;
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let _ = gate.acquire().await;
                started.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !waiting.is_finished(),
            "the second request waits for the probe"
        );
        gate.observe(&HeaderMap::new(), StatusCode::OK);
        drop(probe);
        let waited = waiting.await.expect("joined");
        assert!(waited >= Duration::from_millis(150), "{waited:?}");
        // No rate-limit headers: nothing paces afterwards.
        let (waited, probe) = gate.acquire().await;
        assert!(probe.is_none() && waited < Duration::from_millis(50));
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
