//! Fault injection: the fault table, the decision for one request, and the tower layer that
//! applies it in front of every service router (and writes the request log).
//!
//! Evaluation, per request, in fault id order: a fault *matches* when its service, method
//! and path regex match. A matching fault counts the request; it is *eligible* once more
//! than `after` matching requests have been counted and while it has fired fewer than
//! `times` times; an eligible fault with a `probability` then draws from its own seeded
//! generator (so the sequence is deterministic for a given seed and request order).
//! Latency faults that fire add up; the first `status`, `rate_limit` or `drop` fault that
//! fires ends the evaluation and decides the answer.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::response::Response;
use http::Request;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::emulator::{Emulator, Service};
use crate::shared::{LogEntry, Shared};
use crate::util::lock;

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with `status` and the service's own error body, without touching state.
    Status,
    /// Answer 429 with the service's rate-limit headers (`Retry-After`).
    RateLimit,
    /// Close the connection without any response.
    Drop,
    /// Sleep `latency_ms`, then process normally (or, with `answer_late`, process, then
    /// sleep before answering).
    Latency,
}

fn star() -> String {
    "*".to_string()
}

/// A fault as given on the command line or to `POST /_sandbox/faults`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// `vault`, `grafana`, `auth0` or `*`.
    #[serde(default = "star")]
    pub service: String,
    /// An HTTP method (`POST`, `LIST`, ...) or `*`.
    #[serde(default = "star")]
    pub method: String,
    /// Regex searched in the request path (no query string); empty matches everything.
    #[serde(default)]
    pub path: String,
    pub kind: FaultKind,
    /// For `status`: the status to answer with (default 500).
    #[serde(default)]
    pub status: Option<u16>,
    /// For `latency`: how long to sleep.
    #[serde(default)]
    pub latency_ms: u64,
    /// For `latency`: handle the request first and sleep before answering (the change is
    /// made, only the answer is late), instead of sleeping before handling it.
    #[serde(default)]
    pub answer_late: bool,
    /// Fire at most this many times (`None`: forever).
    #[serde(default)]
    pub times: Option<u64>,
    /// Let the first N matching requests through untouched.
    #[serde(default)]
    pub after: u64,
    /// Fire for this fraction of eligible requests (`None`: all).
    #[serde(default)]
    pub probability: Option<f64>,
    /// Seed for `probability` (`None`: random).
    #[serde(default)]
    pub seed: Option<u64>,
    /// For `rate_limit`: the `Retry-After` value in seconds (default 1).
    #[serde(default)]
    pub retry_after_s: Option<u64>,
}

impl FaultSpec {
    /// Checks everything JSON decoding cannot (service name, method, ranges, regex).
    pub fn check(&self) -> Result<(), String> {
        self.validate().map(|_| ())
    }

    fn validate(&self) -> Result<Regex, String> {
        if self.service != "*" && !Service::ALL.iter().any(|s| s.name() == self.service) {
            return Err(format!(
                "unknown service {:?} (expected one of {:?} or \"*\")",
                self.service,
                Service::ALL.map(Service::name)
            ));
        }
        if self.method != "*"
            && (self.method.is_empty() || !self.method.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(format!("invalid method {:?}", self.method));
        }
        if let Some(status) = self.status
            && !(200..=599).contains(&status)
        {
            return Err(format!(
                "status {status} is not an HTTP status between 200 and 599"
            ));
        }
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(format!("probability {p} is not between 0 and 1"));
        }
        Regex::new(&self.path).map_err(|e| format!("invalid path regex {:?}: {e}", self.path))
    }
}

struct ActiveFault {
    id: u64,
    spec: FaultSpec,
    path: Regex,
    matched: u64,
    fired: u64,
    rng: StdRng,
}

impl ActiveFault {
    fn matches(&self, service: Service, method: &str, path: &str) -> bool {
        (self.spec.service == "*" || self.spec.service == service.name())
            && (self.spec.method == "*" || self.spec.method.eq_ignore_ascii_case(method))
            && self.path.is_match(path)
    }

    /// Counts a matching request and tells whether the fault fires for it.
    fn fires(&mut self) -> bool {
        self.matched += 1;
        if self.matched <= self.spec.after {
            return false;
        }
        if self.spec.times.is_some_and(|times| self.fired >= times) {
            return false;
        }
        if let Some(p) = self.spec.probability
            && self.rng.r#gen::<f64>() >= p
        {
            return false;
        }
        self.fired += 1;
        true
    }
}

/// The decided outcome for one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    /// Total sleep before handling, from latency faults that fired.
    pub latency_ms: u64,
    /// Total sleep after handling and before answering (`answer_late` latency faults).
    pub late_ms: u64,
    /// Id of the first latency fault that fired (for the log when nothing else fires).
    pub latency_id: Option<u64>,
    /// The status/rate-limit/drop fault that fired, if any.
    pub terminal: Option<(u64, Terminal)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Terminal {
    Status(u16),
    RateLimit { retry_after_s: u64 },
    Drop,
}

impl Decision {
    /// The log's `fault` and `fault_id` fields.
    fn log_fields(&self) -> (Option<String>, Option<u64>) {
        match self.terminal {
            Some((id, Terminal::Status(status))) => (Some(status.to_string()), Some(id)),
            Some((id, Terminal::RateLimit { .. })) => (Some("rate_limit".into()), Some(id)),
            Some((id, Terminal::Drop)) => (Some("drop".into()), Some(id)),
            None if self.latency_id.is_some() => (Some("latency".into()), self.latency_id),
            None => (None, None),
        }
    }
}

/// All active faults, in id order.
#[derive(Default)]
pub struct FaultTable {
    next_id: u64,
    faults: Vec<ActiveFault>,
}

impl FaultTable {
    /// Validates and installs a fault; returns its id.
    pub fn add(&mut self, spec: FaultSpec) -> Result<u64, String> {
        let path = spec.validate()?;
        self.next_id += 1;
        let rng = match spec.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        self.faults.push(ActiveFault {
            id: self.next_id,
            spec,
            path,
            matched: 0,
            fired: 0,
            rng,
        });
        Ok(self.next_id)
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        self.faults.len() != before
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// The faults as JSON, each with its id and how often it matched and fired.
    pub fn list(&self) -> Value {
        Value::Array(
            self.faults
                .iter()
                .map(|f| {
                    let mut v = serde_json::to_value(&f.spec).unwrap_or_else(|_| json!({}));
                    if let Value::Object(map) = &mut v {
                        map.insert("id".into(), json!(f.id));
                        map.insert("matched".into(), json!(f.matched));
                        map.insert("fired".into(), json!(f.fired));
                    }
                    v
                })
                .collect(),
        )
    }

    /// Decides what happens to one request (and counts it against every matching fault
    /// evaluated).
    pub fn decide(&mut self, service: Service, method: &str, path: &str) -> Decision {
        let mut decision = Decision::default();
        for fault in &mut self.faults {
            if !fault.matches(service, method, path) || !fault.fires() {
                continue;
            }
            match fault.spec.kind {
                FaultKind::Latency => {
                    let sleep = if fault.spec.answer_late {
                        &mut decision.late_ms
                    } else {
                        &mut decision.latency_ms
                    };
                    *sleep = sleep.saturating_add(fault.spec.latency_ms);
                    decision.latency_id.get_or_insert(fault.id);
                }
                FaultKind::Status => {
                    let status = fault.spec.status.unwrap_or(500);
                    decision.terminal = Some((fault.id, Terminal::Status(status)));
                    break;
                }
                FaultKind::RateLimit => {
                    let retry_after_s = fault.spec.retry_after_s.unwrap_or(1);
                    decision.terminal = Some((fault.id, Terminal::RateLimit { retry_after_s }));
                    break;
                }
                FaultKind::Drop => {
                    decision.terminal = Some((fault.id, Terminal::Drop));
                    break;
                }
            }
        }
        decision
    }
}

/// The error a service returns to make hyper close the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
pub struct DroppedConnection;

/// Tower layer applying faults and writing the request log for one service, which answers
/// the injected faults in its own shape.
#[derive(Clone)]
pub struct FaultLayer {
    shared: Arc<Shared>,
    emulator: Arc<dyn Emulator>,
}

impl FaultLayer {
    pub fn new(shared: Arc<Shared>, emulator: Arc<dyn Emulator>) -> Self {
        FaultLayer { shared, emulator }
    }
}

impl<S> tower::Layer<S> for FaultLayer {
    type Service = FaultService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        FaultService {
            inner,
            shared: self.shared.clone(),
            emulator: self.emulator.clone(),
        }
    }
}

#[derive(Clone)]
pub struct FaultService<S> {
    inner: S,
    shared: Arc<Shared>,
    emulator: Arc<dyn Emulator>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B> tower::Service<Request<B>> for FaultService<S>
where
    S: tower::Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
{
    type Response = Response;
    type Error = DroppedConnection;
    type Future = BoxFuture<Result<Response, DroppedConnection>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self.inner.poll_ready(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => Poll::Pending,
        }
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // The clone that was driven to readiness handles this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        let emulator = self.emulator.clone();
        let service = emulator.service();
        Box::pin(async move {
            let method = req.method().as_str().to_string();
            let path = req.uri().path().to_string();
            let user_agent = req
                .headers()
                .get(http::header::USER_AGENT)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let authorization = req.headers().contains_key(http::header::AUTHORIZATION);
            let seq = lock(&shared.log).next_seq();
            let decision = lock(&shared.faults).decide(service, &method, &path);
            let (fault, fault_id) = decision.log_fields();
            let entry = LogEntry {
                seq,
                service: service.name(),
                method,
                path,
                user_agent,
                authorization,
                status: None,
                fault,
                fault_id,
            };
            // A held request is logged as it arrives (status null until it is answered, and
            // for good when the client goes away first), so that a test can act while it is
            // in flight.
            let held = decision.latency_ms > 0 || decision.late_ms > 0;
            if held {
                lock(&shared.log).push(entry.clone());
            }
            if decision.latency_ms > 0 {
                // No lock is held here.
                tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
            }
            // An injected answer is sent once the request body is read, as a real server
            // answers: answering mid-upload would make the client see a broken pipe instead
            // of the status.
            let response = match decision.terminal {
                Some((_, Terminal::Drop)) => None,
                Some((_, Terminal::Status(status))) => {
                    drain(req).await;
                    Some(emulator.injected_status(status))
                }
                Some((_, Terminal::RateLimit { retry_after_s })) => {
                    drain(req).await;
                    Some(emulator.rate_limited(&entry.path, retry_after_s))
                }
                None => match inner.call(req).await {
                    Ok(response) => Some(response),
                    Err(never) => match never {},
                },
            };
            if decision.late_ms > 0 {
                // The request was handled; only the answer waits (no lock is held).
                tokio::time::sleep(Duration::from_millis(decision.late_ms)).await;
            }
            let status = response.as_ref().map(|r| r.status().as_u16());
            if held {
                lock(&shared.log).set_status(seq, status);
            } else {
                lock(&shared.log).push(LogEntry { status, ..entry });
            }
            response.ok_or(DroppedConnection)
        })
    }
}

/// Read and discard a request's body.
async fn drain<B: http_body::Body>(req: Request<B>) {
    let _ = http_body_util::BodyExt::collect(req.into_body()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: Value) -> FaultSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn after_and_times_bound_the_firing_window() {
        let mut table = FaultTable::default();
        table
            .add(spec(
                json!({"kind":"status","status":503,"after":2,"times":2}),
            ))
            .unwrap();
        let fired: Vec<bool> = (0..6)
            .map(|_| {
                table
                    .decide(Service::Vault, "GET", "/v1/x")
                    .terminal
                    .is_some()
            })
            .collect();
        assert_eq!(fired, vec![false, false, true, true, false, false]);
    }

    #[test]
    fn non_matching_requests_are_not_counted() {
        let mut table = FaultTable::default();
        table
            .add(spec(json!({"service":"grafana","method":"POST","path":"^/api/teams$","kind":"drop","times":1})))
            .unwrap();
        assert_eq!(
            table.decide(Service::Vault, "POST", "/api/teams"),
            Decision::default()
        );
        assert_eq!(
            table.decide(Service::Grafana, "GET", "/api/teams"),
            Decision::default()
        );
        assert_eq!(
            table.decide(Service::Grafana, "POST", "/api/teams/search"),
            Decision::default()
        );
        assert!(
            table
                .decide(Service::Grafana, "post", "/api/teams")
                .terminal
                .is_some()
        );
    }

    #[test]
    fn invalid_specs_are_rejected() {
        let mut table = FaultTable::default();
        assert!(table.add(spec(json!({"kind":"drop","path":"("}))).is_err());
        assert!(
            table
                .add(spec(json!({"kind":"drop","service":"consul"})))
                .is_err()
        );
        assert!(
            table
                .add(spec(json!({"kind":"drop","probability":1.5})))
                .is_err()
        );
        assert!(serde_json::from_value::<FaultSpec>(json!({"kind":"explode"})).is_err());
    }
}
