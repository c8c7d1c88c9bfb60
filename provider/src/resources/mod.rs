//! The provider's resources, one file each, and the small helpers they share: schema
//! building blocks and access to the configured backends. Resources receive the
//! [`ProviderContext`] and import from the layers under it (context, backends, naming and
//! diagnostics), never the provider entry (which lists them) nor the configuration.

use std::collections::BTreeMap;

use tfplugin::schema::{Attribute, Constraint, IdentityAttribute, IdentitySchema};
use tfplugin::{AttributePath, Diagnostics, Dynamic, Type, Value};

use crate::context::{Backends, ProviderContext, Slot};
use crate::diag::DiagnosticsExt;

pub mod auth0_tenant_setup;
pub mod deployment;
pub mod ephemeral;
pub mod list;
pub mod platform_bootstrap;

/// An attribute of a given type, constraint and description.
pub fn attribute(ty: Type, constraint: Constraint, description: &str) -> Attribute {
    Attribute::new(ty, constraint, description)
}

/// The identity every resource of the provider declares (protocol 6.9): the deployment key,
/// which names the deployment in Vault, Grafana, Auth0 and the cluster.
pub fn key_identity_schema(what: &str) -> IdentitySchema {
    IdentitySchema {
        version: 0,
        attributes: BTreeMap::from([(
            "key".to_string(),
            IdentityAttribute {
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: format!("The deployment key of the {what}, such as `WM-Prod`."),
            },
        )]),
    }
}

/// The identity of a state whose deployment key is `key`; `None` while the key is unknown.
pub fn key_identity(key: &Value<String>) -> Option<Dynamic> {
    key.as_ref_option().map(|key| {
        Dynamic::Map(BTreeMap::from([(
            "key".to_string(),
            Dynamic::String(key.clone()),
        )]))
    })
}

/// The deployment key an `import` block's identity names; a diagnostic at `identity.key`
/// when it names none.
pub fn identity_key(diags: &mut Diagnostics, identity: &Dynamic, resource: &str) -> Option<String> {
    match identity.get("key").map(Dynamic::untyped) {
        Some(Dynamic::String(key)) => match crate::naming::DeploymentKey::parse(key) {
            Ok(_) => Some(key.clone()),
            Err(e) => {
                diags.error_at(
                    AttributePath::new("key"),
                    "Invalid deployment key in the import identity",
                    format!(
                        "The identity of the {resource} to import names {key:?}, which is not a \
                         deployment key: {e}. Give the key, such as identity = {{ key = \"WM-Prod\" }}."
                    ),
                );
                None
            }
        },
        Some(Dynamic::Unknown) => {
            diags.error_at(
                AttributePath::new("key"),
                "Import identity is not known",
                format!(
                    "The identity of the {resource} to import must be known when Terraform plans: \
                     give the deployment key as a literal or a variable, such as identity = {{ key \
                     = \"WM-Prod\" }}."
                ),
            );
            None
        }
        _ => {
            diags.error_at(
                AttributePath::new("key"),
                "Import identity has no key",
                format!(
                    "Import {resource} by its deployment key: identity = {{ key = \"WM-Prod\" }}."
                ),
            );
            None
        }
    }
}

/// `map(string)`.
pub fn string_map() -> Type {
    Type::map(Type::String)
}

/// `set(string)`.
pub fn string_set() -> Type {
    Type::set(Type::String)
}

/// The serde codec of optional nested blocks, shared with the provider configuration.
pub use crate::optional_block;

/// A map of strings as the state holds it.
pub type StateMap = BTreeMap<String, Value<String>>;

/// A plain map into the state's form.
pub fn to_state_map(map: &BTreeMap<String, String>) -> StateMap {
    map.iter()
        .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
        .collect()
}

/// The state's map as a plain map, `None` while any element is unknown.
pub fn from_state_map(map: &StateMap) -> Option<BTreeMap<String, String>> {
    map.iter()
        .map(|(k, v)| match v {
            Value::Value(v) => Some((k.clone(), v.clone())),
            Value::Null => Some((k.clone(), String::new())),
            Value::Unknown => None,
        })
        .collect()
}

/// A backend that is not configured; the diagnostic naming the setting is already recorded.
#[derive(Debug, Clone, Copy)]
pub struct NotConfigured;

/// A backend a resource needs, at plan time: `Ok(Some)` ready, `Ok(None)` known only at
/// apply, `Err` not configured (the diagnostic is recorded and names the setting).
pub fn plan_backend<'b, T>(
    diags: &mut Diagnostics,
    slot: &'b Slot<T>,
    system: &str,
    resource: &str,
) -> Result<Option<&'b T>, NotConfigured> {
    match slot {
        Slot::Ready(client) => Ok(Some(client)),
        Slot::Unknown => Ok(None),
        Slot::Missing(settings) => {
            diags.error_at(
                AttributePath::root(),
                format!("{system} is not configured"),
                format!(
                    "{resource} needs {system}, but the provider \"ff\" has no {settings}. Set it in \
                     the provider's {} block or in the environment.",
                    system.to_ascii_lowercase()
                ),
            );
            Err(NotConfigured)
        }
    }
}

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
pub const CONVERGE_WINDOW: std::time::Duration = std::time::Duration::from_secs(300);

/// The pause before convergence attempt `attempt` of a step (1-based; 2 and up are retries).
pub fn converge_backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(250 * u64::from(attempt.saturating_sub(1)).min(8))
}

/// The convergence attempts of one apply of one resource: how often each step failed
/// transiently, when the first attempt started, and why it stopped converging again.
#[derive(Debug)]
pub struct Convergence {
    started: std::time::Instant,
    window: std::time::Duration,
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
    /// The first attempt starts now.
    pub fn new() -> Self {
        Self::with_window(CONVERGE_WINDOW)
    }

    fn with_window(window: std::time::Duration) -> Self {
        Self {
            started: std::time::Instant::now(),
            window,
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
    /// transient error, attempts left for that step, within [`CONVERGE_WINDOW`]). When it
    /// says so, it has counted the attempt, logged it and waited the backoff.
    fn decide(&mut self, step: &str, error: &crate::backends::http::BackendError) -> Option<u32> {
        if !error.is_transient() {
            return None;
        }
        let failed = self.failures.entry(step.to_string()).or_default();
        *failed += 1;
        let elapsed = self.started.elapsed();
        if *failed >= CONVERGE_ATTEMPTS {
            self.gave_up = Some(format!(
                "This step failed {failed} times in a row; the provider converged {} times in {:.0} s within this apply and stopped there.",
                self.runs,
                elapsed.as_secs_f64()
            ));
            return None;
        }
        if elapsed >= self.window {
            self.gave_up = Some(format!(
                "The provider converged {} times in {:.0} s within this apply, the most it spends ({} s), and stopped there.",
                self.runs,
                elapsed.as_secs_f64(),
                self.window.as_secs()
            ));
            return None;
        }
        self.runs += 1;
        Some(*failed)
    }

    /// After an attempt of `deployment` failed at `step`: whether to run the convergence
    /// again. When it says so, it has counted the attempt, logged it and waited the backoff.
    pub async fn again(
        &mut self,
        deployment: &str,
        step: &str,
        error: &crate::backends::http::BackendError,
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
        crate::stop::sleep(converge_backoff(failed + 1))
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

/// The configured backends, or a diagnostic saying the provider was not configured.
pub fn backends(diags: &mut Diagnostics, context: &ProviderContext) -> Option<Backends> {
    let backends = context.backends();
    if backends.is_none() {
        diags.error_root(
            "Provider not configured",
            "Terraform called the resource before configuring the provider \"ff\"; this is a \
             bug in the calling tool, please report it.",
        );
    }
    backends
}

/// A backend a resource needs at apply (or refresh) time, when it must be usable.
pub fn apply_backend<'b, T>(
    diags: &mut Diagnostics,
    slot: &'b Slot<T>,
    system: &str,
    resource: &str,
) -> Option<&'b T> {
    match slot {
        Slot::Ready(client) => Some(client),
        Slot::Unknown => {
            diags.error_root(
                format!("{system} configuration is not known"),
                format!(
                    "{resource} needs {system}, but part of the provider's {} settings is still \
                     unknown. Apply the resources the provider configuration depends on first.",
                    system.to_ascii_lowercase()
                ),
            );
            None
        }
        Slot::Missing(settings) => {
            diags.error_root(
                format!("{system} is not configured"),
                format!(
                    "{resource} needs {system}, but the provider \"ff\" has no {settings}. Set it in \
                     the provider's {} block or in the environment.",
                    system.to_ascii_lowercase()
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use tfplugin::Value;
    use tfplugin::serde_tree::{from_dynamic, to_dynamic};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Block {
        url: Value<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "super::optional_block")]
        block: Value<Block>,
    }

    fn round_trip(value: Value<Block>) -> Value<Block> {
        let tree = to_dynamic(&Holder { block: value }).expect("encodes");
        from_dynamic::<Holder>(tree).expect("decodes").block
    }

    #[test]
    fn optional_block_keeps_unknown_null_and_value() {
        assert_eq!(round_trip(Value::Unknown), Value::Unknown);
        assert_eq!(round_trip(Value::Null), Value::Null);
        let block = Block {
            url: Value::Value("http://x".into()),
        };
        assert_eq!(
            round_trip(Value::Value(block)),
            Value::Value(Block {
                url: Value::Value("http://x".into())
            })
        );
    }

    fn status(code: u16) -> crate::backends::http::BackendError {
        crate::backends::http::BackendError::Status {
            system: crate::backends::http::System::Grafana,
            method: reqwest::Method::POST,
            path: "/api/folders".into(),
            status: reqwest::StatusCode::from_u16(code).expect("a status"),
            message: "boom".into(),
            code: None,
        }
    }

    fn timeout() -> crate::backends::http::BackendError {
        crate::backends::http::BackendError::Timeout {
            system: crate::backends::http::System::Grafana,
            address: "http://127.0.0.1:1".into(),
            method: reqwest::Method::POST,
            path: "/api/teams".into(),
            timeout: std::time::Duration::from_secs(2),
        }
    }

    #[test]
    fn each_step_has_its_own_attempts() {
        let mut convergence = super::Convergence::new();
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
        let mut convergence = super::Convergence::new();
        assert_eq!(convergence.decide("folder", &status(400)), None);
        assert_eq!(convergence.decide("folder", &status(501)), None);
        assert_eq!(convergence.explain("x"), "x", "no bound was reached");
    }

    #[test]
    fn no_attempt_starts_after_the_window() {
        let mut convergence = super::Convergence::with_window(std::time::Duration::ZERO);
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
    fn optional_block_rejects_two_elements() {
        #[derive(Serialize)]
        struct Two {
            block: Vec<Block>,
        }
        let two = Two {
            block: vec![Block { url: Value::Null }, Block { url: Value::Null }],
        };
        let tree = to_dynamic(&two).expect("encodes");
        let error = from_dynamic::<Holder>(tree).expect_err("two blocks are refused");
        assert!(error.to_string().contains("at most once"), "{error}");
    }
}
