//! The lifecycle engine the resources share: a failed step, its diagnostic, and the
//! converge-with-retry loop of an apply, written once.
//!
//! # API
//!
//! - [`StepError<E>`]: one step of a convergence failed — what was being done (`step`, a
//!   phrase such as `creating the Grafana team "WM-Prod"`) and the error of the layer below,
//!   kept whole as the [`std::error::Error::source`] (by default a
//!   [`BackendError`]). Build it with [`StepError::new`] or, from a `Result`, with
//!   [`Step::step`]: `vault.put(..).await.step("writing the record")?`.
//! - [`Cause`]: the error of a step whose causes are of several types (the platform
//!   bootstrap's: Kubernetes, Vault, manifests, serde, or only a sentence), boxed with its
//!   source chain: `StepError<Cause>`.
//! - [`report`] turns a failure into the error diagnostic the resources have always made:
//!   summary `"{subject}: {step} failed"`, detail `"{cause chain}.\n\n{what}"`, at the root
//!   of the resource. [`report_noted`] puts a note (such as Auth0's error code) right after
//!   the cause chain.
//! - [`converge_with_retry`] runs one reconcile attempt (a closure taking the state and
//!   returning a future that makes the remote objects match the plan, recording progress in
//!   the state, and gives the state back with its result) until it
//!   succeeds, or fails with an error that is not [`Transient`], or the [`ConvergePolicy`]
//!   says to stop. It returns the last result with the [`Convergence`], whose
//!   [`Convergence::explain`] prefixes the diagnostic's advice with why the provider stopped
//!   converging again. The policy (how many attempts per step, within how long, what pause)
//!   is separate from the reconcile step.
//! - Shared validation and state helpers: [`parse_key`] (a deployment key attribute, with its
//!   diagnostic at the attribute) and [`null_if_unknown`] (what an apply leaves unknown
//!   becomes null in the state).
//!
//! A resource's apply then reads:
//!
//! ```ignore
//! let (state, converged) = converge_with_retry(key, state, |mut state| async move {
//!     let result = converge(clients, desired, &mut state).await;
//!     (state, result)
//! })
//! .await;
//! if let Err(failure) = &converged.result {
//!     report(diags, &format!("Deployment {key}"), failure, &converged.convergence.explain(advice));
//! }
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::time::{Duration, Instant};

use tfplugin::{Diagnostics, Value};

use crate::backends::http::BackendError;
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::DeploymentKey;

// ---------------------------------------------------------------------------------------
// One failed step
// ---------------------------------------------------------------------------------------

/// A failed step: what was being done, and the error of the layer below that made it fail
/// (its [`Error::source`]).
#[derive(Debug)]
pub struct StepError<E = BackendError> {
    step: String,
    error: Box<E>,
}

impl<E> StepError<E> {
    /// `step` (what was being done) failed with `error`.
    pub fn new(step: impl Into<String>, error: E) -> Self {
        Self {
            step: step.into(),
            error: Box::new(error),
        }
    }

    /// What was being done, such as `enabling the KV v2 mount "ff" in Vault`.
    pub fn step(&self) -> &str {
        &self.step
    }

    /// The error that made the step fail.
    pub fn error(&self) -> &E {
        &self.error
    }
}

impl<E> fmt::Display for StepError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.step)
    }
}

impl<E: Error + 'static> Error for StepError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self.error.as_ref())
    }
}

/// The error of a step whose causes are of several types, as the platform bootstrap's
/// are (Kubernetes, Vault, manifests, serde) or only a sentence (`there is no secret at
/// …`): any error, boxed, with its own [`Error::source`] chain, so that the diagnostic's
/// cause chain reads exactly as the error's own.
#[derive(Debug)]
pub struct Cause(Box<dyn Error + Send + Sync>);

impl Cause {
    /// `error`, keeping its source chain.
    pub fn of<E: Error + Send + Sync + 'static>(error: E) -> Self {
        Self(Box::new(error))
    }

    /// A cause that is only a sentence.
    pub fn text(text: impl Into<String>) -> Self {
        Self(text.into().into())
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Error for Cause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

/// Names the step a `Result` belongs to: `result.step("reading the record")?`.
pub trait Step<T, E> {
    /// The error, if any, as a failure of `step`.
    fn step(self, step: impl Into<String>) -> Result<T, StepError<E>>;
}

impl<T, E> Step<T, E> for Result<T, E> {
    fn step(self, step: impl Into<String>) -> Result<T, StepError<E>> {
        self.map_err(|error| StepError::new(step, error))
    }
}

/// Whether an error may go away by itself, so that converging again is worth it.
pub trait Transient {
    /// A 5xx answer, a dropped connection, no answer within the timeout.
    fn is_transient(&self) -> bool;
}

impl Transient for BackendError {
    fn is_transient(&self) -> bool {
        BackendError::is_transient(self)
    }
}

impl<E: Transient + ?Sized> Transient for Box<E> {
    fn is_transient(&self) -> bool {
        E::is_transient(self)
    }
}

/// The error diagnostic of a failed step of `subject` (such as `Deployment WM-Prod`):
/// summary `"{subject}: {step} failed"`, detail the cause chain, then `what` (the advice).
pub fn report<E: Error + 'static>(
    diags: &mut Diagnostics,
    subject: &str,
    failure: &StepError<E>,
    what: &str,
) {
    report_noted(diags, subject, failure, "", what);
}

/// As [`report`], with `note` (such as ` (Auth0 error code …)`) right after the cause chain.
pub fn report_noted<E: Error + 'static>(
    diags: &mut Diagnostics,
    subject: &str,
    failure: &StepError<E>,
    note: &str,
    what: &str,
) {
    diags.error_root(
        format!("{subject}: {} failed", failure.step),
        format!("{}{note}.\n\n{what}", chain(failure.error.as_ref())),
    );
}

// ---------------------------------------------------------------------------------------
// Converge with retry
// ---------------------------------------------------------------------------------------

/// How many times a resource runs its whole convergence within one apply after a step
/// failed transiently: a 5xx answer, a dropped connection or no answer within the timeout,
/// which the HTTP client could not retry itself because the request was not idempotent (a
/// create), or could not get through with its own retries. Each convergence first looks for
/// what exists and adopts it, so running it again after a create whose answer was lost finds
/// the object instead of making a second one. The count is per step: a later step failing
/// means the run got further, so it gets its own attempts; one step failing this many times
/// ends the apply.
pub const CONVERGE_ATTEMPTS: u32 = 3;

/// How long one apply keeps converging again: no new attempt starts after this much time
/// since the first, so a remote system that keeps failing ends the apply with its error
/// instead of holding it. One attempt is itself bounded by the HTTP client's timeout and
/// retries.
pub const CONVERGE_WINDOW: Duration = Duration::from_secs(300);

/// The pause before convergence attempt `attempt` of a step (1-based; 2 and up are retries).
pub fn converge_backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * u64::from(attempt.saturating_sub(1)).min(8))
}

/// When to converge again after a transient failure, apart from what a convergence does.
#[derive(Debug, Clone, Copy)]
pub struct ConvergePolicy {
    /// Failures of one step that end the apply.
    pub attempts: u32,
    /// No new attempt starts after this much time since the first.
    pub window: Duration,
}

impl ConvergePolicy {
    /// [`CONVERGE_ATTEMPTS`] within [`CONVERGE_WINDOW`].
    pub const DEFAULT: Self = Self {
        attempts: CONVERGE_ATTEMPTS,
        window: CONVERGE_WINDOW,
    };

    /// The pause before attempt `attempt` of a step; see [`converge_backoff`].
    pub fn backoff(&self, attempt: u32) -> Duration {
        converge_backoff(attempt)
    }
}

impl Default for ConvergePolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The convergence attempts of one apply of one resource: how often each step failed
/// transiently, when the first attempt started, and why it stopped converging again.
#[derive(Debug)]
pub struct Convergence {
    started: Instant,
    policy: ConvergePolicy,
    failures: BTreeMap<String, u32>,
    runs: u32,
    gave_up: Option<String>,
}

impl Default for Convergence {
    fn default() -> Self {
        Self::new()
    }
}

impl Convergence {
    /// The first attempt starts now, under [`ConvergePolicy::DEFAULT`].
    pub fn new() -> Self {
        Self::with_policy(ConvergePolicy::DEFAULT)
    }

    /// The first attempt starts now, under `policy`.
    pub fn with_policy(policy: ConvergePolicy) -> Self {
        Self {
            started: Instant::now(),
            policy,
            failures: BTreeMap::new(),
            runs: 1,
            gave_up: None,
        }
    }

    /// How many times the convergence ran so far.
    pub fn runs(&self) -> u32 {
        self.runs
    }

    /// The attempt just made failed at `step` with `error`: whether to converge again (a
    /// transient error, attempts left for that step, within the policy's window), and if so
    /// how many times that step failed so far. When it says so, it has counted the attempt.
    fn decide<E: Transient + ?Sized>(&mut self, step: &str, error: &E) -> Option<u32> {
        if !error.is_transient() {
            return None;
        }
        let failed = self.failures.entry(step.to_string()).or_default();
        *failed += 1;
        let elapsed = self.started.elapsed();
        if *failed >= self.policy.attempts {
            self.gave_up = Some(format!(
                "This step failed {failed} times in a row; the provider converged {} times in {:.0} s within this apply and stopped there.",
                self.runs,
                elapsed.as_secs_f64()
            ));
            return None;
        }
        if elapsed >= self.policy.window {
            self.gave_up = Some(format!(
                "The provider converged {} times in {:.0} s within this apply, the most it spends ({} s), and stopped there.",
                self.runs,
                elapsed.as_secs_f64(),
                self.policy.window.as_secs()
            ));
            return None;
        }
        self.runs += 1;
        Some(*failed)
    }

    /// After an attempt of `deployment` failed at `step`: whether to run the convergence
    /// again. When it says so, it has counted the attempt, logged it and waited the backoff.
    pub async fn again<E: Transient + ?Sized>(
        &mut self,
        deployment: &str,
        step: &str,
        error: &E,
    ) -> bool {
        let Some(failed) = self.decide(step, error) else {
            return false;
        };
        tracing::warn!(
            deployment,
            run = self.runs,
            step,
            "a step failed transiently; converging again"
        );
        crate::stop::sleep(self.policy.backoff(failed + 1))
            .await
            .is_ok()
    }

    /// `what` (the advice of a failure's diagnostic), preceded by why the provider stopped
    /// converging again, when it stopped for a bound rather than for the error itself.
    pub fn explain(&self, what: &str) -> String {
        match &self.gave_up {
            Some(why) => format!("{why} {what}"),
            None => what.to_string(),
        }
    }
}

/// What [`converge_with_retry`] ends with: the last attempt's result and the attempts made.
#[derive(Debug)]
pub struct Converged<E = BackendError> {
    /// `Ok` when the last attempt converged; else the step it failed at.
    pub result: Result<(), StepError<E>>,
    /// The attempts, for [`Convergence::explain`].
    pub convergence: Convergence,
}

/// Run `reconcile` (one whole convergence of `owner`, such as a deployment key) under
/// [`ConvergePolicy::DEFAULT`] until it succeeds or should not run again. The state the
/// attempts fill in goes through each attempt and comes back with the outcome:
/// `reconcile` takes it and returns it with its result, so that the attempt's future
/// borrows nothing of the loop (and stays `Send`).
pub async fn converge_with_retry<S, E, Fut>(
    owner: &str,
    state: S,
    reconcile: impl FnMut(S) -> Fut,
) -> (S, Converged<E>)
where
    E: Transient,
    Fut: Future<Output = (S, Result<(), StepError<E>>)>,
{
    converge_with_policy(ConvergePolicy::DEFAULT, owner, state, reconcile).await
}

/// [`converge_with_retry`] under `policy`.
pub async fn converge_with_policy<S, E, Fut>(
    policy: ConvergePolicy,
    owner: &str,
    mut state: S,
    mut reconcile: impl FnMut(S) -> Fut,
) -> (S, Converged<E>)
where
    E: Transient,
    Fut: Future<Output = (S, Result<(), StepError<E>>)>,
{
    let mut convergence = Convergence::with_policy(policy);
    loop {
        let (next, result) = reconcile(state).await;
        state = next;
        if let Err(failure) = &result
            && convergence
                .again(owner, &failure.step, failure.error.as_ref())
                .await
        {
            continue;
        }
        return (
            state,
            Converged {
                result,
                convergence,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// The deployment key in `key` (the attribute `attribute`), when it is known; a diagnostic
/// at the attribute when it is not a valid key.
pub fn parse_key(
    diags: &mut Diagnostics,
    key: &Value<String>,
    attribute: &'static str,
) -> Option<DeploymentKey> {
    match key {
        Value::Value(k) => match DeploymentKey::parse(k) {
            Ok(key) => Some(key),
            Err(e) => {
                diags.error_at(
                    attr(attribute),
                    "Invalid deployment key",
                    format!("{e}. Example of a valid key: \"WM-Prod\"."),
                );
                None
            }
        },
        _ => None,
    }
}

/// An attribute still unknown after an apply becomes null: the state Terraform keeps may
/// hold no unknown value.
pub fn null_if_unknown<T>(value: &mut Value<T>) {
    if value.is_unknown() {
        *value = Value::Null;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> BackendError {
        BackendError::Status {
            system: crate::backends::http::System::Grafana,
            method: reqwest::Method::POST,
            path: "/api/folders".into(),
            status: reqwest::StatusCode::from_u16(code).expect("a status"),
            message: "boom".into(),
            code: None,
        }
    }

    fn timeout() -> BackendError {
        BackendError::Timeout {
            system: crate::backends::http::System::Grafana,
            address: "http://127.0.0.1:1".into(),
            method: reqwest::Method::POST,
            path: "/api/teams".into(),
            timeout: Duration::from_secs(2),
        }
    }

    #[test]
    fn each_step_has_its_own_attempts() {
        let mut convergence = Convergence::new();
        // Five creates each failing once (the fault matrix arms them all): the run gets
        // further every time, so it never runs out of attempts.
        for step in ["folder", "team", "account", "token", "data source"] {
            assert!(convergence.decide(step, &status(500)).is_some(), "{step}");
        }
        assert_eq!(convergence.runs(), 6);
        assert_eq!(convergence.explain("Apply again."), "Apply again.");
        // One step failing again and again ends it at the third failure.
        assert_eq!(convergence.decide("team", &timeout()), Some(2));
        assert_eq!(convergence.decide("team", &timeout()), None);
        let explained = convergence.explain("Apply again.");
        assert!(
            explained
                .starts_with("This step failed 3 times in a row; the provider converged 7 times")
                && explained.ends_with("Apply again."),
            "{explained}"
        );
    }

    #[test]
    fn errors_that_are_not_transient_end_at_once() {
        let mut convergence = Convergence::new();
        assert_eq!(convergence.decide("folder", &status(400)), None);
        assert_eq!(convergence.decide("folder", &status(501)), None);
        assert_eq!(convergence.explain("x"), "x", "no bound was reached");
    }

    #[test]
    fn no_attempt_starts_after_the_window() {
        let mut convergence = Convergence::with_policy(ConvergePolicy {
            window: Duration::ZERO,
            ..ConvergePolicy::DEFAULT
        });
        assert_eq!(convergence.decide("folder", &status(503)), None);
        assert!(
            convergence
                .explain("x")
                .contains("the most it spends (0 s)"),
            "{}",
            convergence.explain("x")
        );
    }

    #[test]
    fn a_step_error_keeps_its_source() {
        let failure: Result<(), _> = Err(status(500)).step("creating the folder");
        let failure = failure.expect_err("failed");
        assert_eq!(failure.to_string(), "creating the folder failed");
        let source = failure.source().expect("the backend error is the source");
        assert_eq!(source.to_string(), status(500).to_string());
    }

    #[test]
    fn the_report_names_subject_step_cause_and_advice() {
        let failure = StepError::new("creating the folder", status(500));
        let mut diags = Diagnostics::default();
        report_noted(
            &mut diags,
            "Deployment WM-Prod",
            &failure,
            " (note)",
            "Apply again.",
        );
        let diag = diags.items.first().expect("one diagnostic");
        assert_eq!(
            diag.summary,
            "Deployment WM-Prod: creating the folder failed"
        );
        assert_eq!(
            diag.detail,
            format!("{} (note).\n\nApply again.", chain(&status(500)))
        );
    }

    #[test]
    fn a_cause_reads_as_the_error_it_boxes() {
        // An error with a source of its own: the chain through Cause is the error's own.
        let failure = StepError::new("reading the secret", Cause::of(status(503)));
        let mut diags = Diagnostics::default();
        report(
            &mut diags,
            "Platform bootstrap WM-Prod",
            &failure,
            "Apply again.",
        );
        let diag = diags.items.first().expect("one diagnostic");
        assert_eq!(
            diag.summary,
            "Platform bootstrap WM-Prod: reading the secret failed"
        );
        assert_eq!(
            diag.detail,
            format!("{}.\n\nApply again.", chain(&status(503)))
        );
        // An error whose source is another error: both parts of the chain are kept.
        let layered = Cause::of(StepError::new("listing", status(500)));
        assert_eq!(chain(&layered), format!("listing failed: {}", status(500)));
        // A sentence is the whole cause.
        let text = StepError::new("waiting", Cause::text("there is no secret at ff/x"));
        assert_eq!(chain(text.error()), "there is no secret at ff/x");
        assert!(text.error().source().is_none());
    }

    #[tokio::test]
    async fn converging_stops_at_success_or_a_lasting_error() {
        // Two transient failures of different steps, then success: three runs, and the
        // state each attempt filled in comes back.
        let mut errors = vec![status(503), status(502)].into_iter();
        let (attempts, converged) = converge_with_retry("WM-Prod", 0u32, |attempts| {
            let error = errors.next();
            async move {
                let result = match error {
                    Some(error) => Err(StepError::new(format!("step {attempts}"), error)),
                    None => Ok(()),
                };
                (attempts + 1, result)
            }
        })
        .await;
        assert!(converged.result.is_ok());
        assert_eq!(attempts, 3);
        assert_eq!(converged.convergence.runs(), 3);

        // An error that is not transient ends it at once.
        let (attempts, converged) = converge_with_retry("WM-Prod", 0u32, |attempts| async move {
            (
                attempts + 1,
                Err::<(), _>(StepError::new("creating the folder", status(400))),
            )
        })
        .await;
        assert_eq!(attempts, 1);
        assert_eq!(
            converged.result.expect_err("failed").step(),
            "creating the folder"
        );
    }
}
