//! HashiCorp Vault client: token auth (with renewal), JWT login, mounts, KV v2 and ACL
//! policies.
//!
//! Only the parts of the HTTP API (<https://developer.hashicorp.com/vault/api-docs>) that the
//! resources use. Every call goes through [`Http`], so errors keep Vault's status and its
//! `errors` messages, and 5xx/transport failures are retried.
//!
//! # The token
//!
//! Every clone of a client shares one [`Session`]: the current token and its lease, so a
//! provider process looks its token up once and renews it once for all resources.
//!
//! - A configured token (`token`, `VAULT_TOKEN`) is looked up once (`auth/token/lookup-self`)
//!   on first use. A token without a TTL (root tokens, periodic tokens seen without one) is
//!   used as it is. A token with a TTL is renewed (`auth/token/renew-self`) whenever less
//!   than half of its lease is left — before a call, and by a background task while no call
//!   is made — so an apply that lasts longer than the TTL keeps working. A token that cannot
//!   be renewed (not renewable, or at its maximum TTL) is used until it expires; a warning
//!   says so once.
//! - With `auth_login_jwt`, the client logs in (`auth/<mount>/login` with the role and the
//!   JWT) on first use, and logs in again when less than half of the lease is left or when
//!   Vault answers 403 (the token expired or was revoked); the call is then retried once.
//!
//! Refreshes are single-flight: concurrent calls wait for the one refresh in progress
//! instead of sending their own. A failed refresh is not repeated for a second.
//! Tokens and the JWT are never logged, and no error message contains them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{BackendError, Call, Http, HttpSettings};

/// How the provider authenticates to Vault.
#[derive(Clone)]
pub enum VaultAuth {
    /// A token from the configuration or `VAULT_TOKEN`.
    Token(String),
    /// The JWT auth method: `auth/<mount>/login` with `role` and `jwt`.
    Jwt {
        /// Mount path of the JWT auth method (`jwt`).
        mount: String,
        /// Role to log in as.
        role: String,
        /// The signed JWT (Terraform Cloud's workload identity token).
        jwt: String,
    },
}

impl std::fmt::Debug for VaultAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultAuth::Token(_) => f.write_str("Token(..)"),
            VaultAuth::Jwt { mount, role, .. } => {
                write!(f, "Jwt {{ mount: {mount:?}, role: {role:?}, .. }}")
            }
        }
    }
}

/// A Vault server and the token to talk to it with.
#[derive(Clone)]
pub struct VaultClient {
    session: Arc<Session>,
}

impl std::fmt::Debug for VaultClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultClient")
            .field("address", &self.address())
            .field("auth", &self.session.auth)
            .field("namespace", &self.session.namespace)
            .finish()
    }
}

/// What every clone of a client shares: the HTTP client and the token with its lease.
struct Session {
    http: Http,
    namespace: Option<String>,
    auth: VaultAuth,
    token: Mutex<TokenState>,
    /// Held while the token is being looked up, renewed or obtained.
    refresh: tokio::sync::Mutex<()>,
    /// Whether the background task that keeps the lease alive runs.
    keeper: AtomicBool,
    /// The enabled auth methods (`sys/auth`) as last read, and when: every bootstrap asks
    /// whether its own method exists, and the table lists all of them, so reading it once
    /// per command instead of once per resource keeps a refresh linear in the fleet's size.
    auth_table: tokio::sync::Mutex<Option<(Instant, Arc<AuthTable>)>>,
    /// The mounts found (or made) to be KV version 2, and when: every resource's create
    /// makes sure of its mount, and `sys/mounts` lists them all, so a fleet's apply asks once
    /// per mount instead of once per resource.
    kv2_mounts: Mutex<BTreeMap<String, Instant>>,
}

/// The enabled auth methods by path (`kubernetes-wm-prod/`).
type AuthTable = serde_json::Map<String, Value>;

/// How long the `sys/auth` table, and which mounts are KV version 2, are answered from
/// memory (about one refresh of a large fleet); the methods this client enables or disables
/// are entered in the table as it does.
const TABLE_TTL: Duration = Duration::from_secs(30);

#[derive(Default)]
struct TokenState {
    /// The token in use; `None` before the first login.
    token: Option<String>,
    lease: Lease,
    /// Bumped whenever a new token or lease is obtained: a call that saw a 403 with an
    /// older generation knows that someone else already refreshed.
    generation: u64,
    /// The last refresh failed at this instant (not retried for a second).
    failed_at: Option<Instant>,
    /// The last failure, for callers that have no token at all.
    failure: Option<String>,
    /// A warning about a lease that cannot be extended was logged.
    warned: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Lease {
    /// Not looked up yet.
    #[default]
    Unknown,
    /// Never expires (or could not be looked up: used as it is).
    Unmanaged,
    /// Expires at `at`; `ttl` is the length of the lease granted last.
    Expires {
        at: Instant,
        ttl: Duration,
        renewable: bool,
    },
}

/// How long a failed refresh is not retried.
const REFRESH_BACKOFF: Duration = Duration::from_secs(1);

impl Lease {
    /// A lease with `left` seconds to go out of `length`; 0 left means no expiry.
    fn expiring(left: u64, length: u64, renewable: bool) -> Lease {
        if left == 0 {
            return Lease::Unmanaged;
        }
        Lease::Expires {
            at: Instant::now() + Duration::from_secs(left),
            ttl: Duration::from_secs(length.max(left)),
            renewable,
        }
    }

    /// When a refresh is due: once half of the lease is gone.
    fn refresh_at(&self) -> Option<Instant> {
        match self {
            Lease::Expires { at, ttl, .. } => at.checked_sub(*ttl / 2),
            _ => None,
        }
    }
}

/// The `auth` block of a login or renewal.
#[derive(Deserialize)]
struct AuthReply {
    auth: AuthData,
}

#[derive(Deserialize)]
struct AuthData {
    client_token: String,
    #[serde(default)]
    lease_duration: u64,
    #[serde(default)]
    renewable: bool,
}

/// The fields of `lookup-self` the session needs.
#[derive(Deserialize)]
struct LookupData {
    /// Seconds left.
    #[serde(default)]
    ttl: u64,
    /// The lease length the token was created with.
    #[serde(default)]
    creation_ttl: u64,
    #[serde(default)]
    renewable: bool,
}

impl Session {
    fn call(&self, method: Method, path: &str) -> Call {
        let mut call = Call::new(method, format!("/v1/{}", path.trim_start_matches('/')));
        if let Some(ns) = &self.namespace {
            call = call.header("x-vault-namespace", ns);
        }
        call
    }

    fn state(&self) -> std::sync::MutexGuard<'_, TokenState> {
        match self.token.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The token to send now, refreshing it first when that is due; with its generation.
    async fn current(self: &Arc<Self>) -> Result<(String, u64), BackendError> {
        if let Some(ready) = self.ready_token(false) {
            return Ok(ready);
        }
        self.refresh(None).await?;
        if let Some(ready) = self.ready_token(true) {
            return Ok(ready);
        }
        let state = self.state();
        Err(BackendError::Config(state.failure.clone().unwrap_or_else(
            || "no Vault token could be obtained".to_string(),
        )))
    }

    /// The token when no refresh is due (or `anyway`, when one has just been tried).
    fn ready_token(&self, anyway: bool) -> Option<(String, u64)> {
        let state = self.state();
        let token = state.token.clone()?;
        let due = match state.lease {
            Lease::Unknown => true,
            Lease::Unmanaged => false,
            lease => lease.refresh_at().is_none_or(|at| Instant::now() >= at),
        };
        let backing_off = state
            .failed_at
            .is_some_and(|at| at.elapsed() < REFRESH_BACKOFF);
        (anyway || !due || backing_off).then_some((token, state.generation))
    }

    /// Look up, renew or log in, as the lease and the kind of auth call for. With
    /// `after_denied`, a call made with that generation was answered 403: a login method
    /// logs in again unless someone already did.
    async fn refresh(self: &Arc<Self>, after_denied: Option<u64>) -> Result<(), BackendError> {
        let _guard = self.refresh.lock().await;
        let (token, lease, generation) = {
            let state = self.state();
            if state
                .failed_at
                .is_some_and(|at| at.elapsed() < REFRESH_BACKOFF)
            {
                return Ok(());
            }
            (state.token.clone(), state.lease, state.generation)
        };
        if let Some(seen) = after_denied
            && seen != generation
        {
            return Ok(());
        }
        let due = after_denied.is_some()
            || lease == Lease::Unknown
            || lease.refresh_at().is_some_and(|at| Instant::now() >= at);
        if token.is_some() && !due {
            return Ok(());
        }
        let outcome = match (&self.auth, token) {
            (VaultAuth::Jwt { .. }, _) => self.login().await,
            (VaultAuth::Token(token), _) if lease == Lease::Unknown => {
                self.look_up(token.clone()).await;
                return self.renew_if_due().await;
            }
            (VaultAuth::Token(_), _) if after_denied.is_some() => return Ok(()),
            (VaultAuth::Token(_), _) => return self.renew_if_due().await,
        };
        self.record(outcome)
    }

    fn record(
        self: &Arc<Self>,
        outcome: Result<(String, Lease), BackendError>,
    ) -> Result<(), BackendError> {
        let mut state = self.state();
        match outcome {
            Ok((token, lease)) => {
                state.token = Some(token);
                state.lease = lease;
                state.generation += 1;
                state.failed_at = None;
                state.failure = None;
                drop(state);
                self.start_keeper(lease);
                Ok(())
            }
            Err(e) => {
                state.failed_at = Some(Instant::now());
                state.failure = Some(super::super::diag::chain(&e));
                Err(e)
            }
        }
    }

    /// `auth/token/lookup-self`, once: learns whether and when the configured token
    /// expires. A token that cannot be looked up is used as it is.
    async fn look_up(self: &Arc<Self>, token: String) {
        let call = self
            .call(Method::GET, "auth/token/lookup-self")
            .header("x-vault-token", &token);
        let lease = match self
            .http
            .send(call)
            .await
            .and_then(|reply| reply.json::<Envelope<LookupData>>())
        {
            Ok(found) => {
                tracing::debug!(
                    ttl_s = found.data.ttl,
                    renewable = found.data.renewable,
                    "looked up the Vault token"
                );
                Lease::expiring(
                    found.data.ttl,
                    found.data.creation_ttl,
                    found.data.renewable,
                )
            }
            Err(e) => {
                tracing::debug!(
                    error = %super::super::diag::chain(&e),
                    "the Vault token could not be looked up; it is used without renewal"
                );
                Lease::Unmanaged
            }
        };
        let mut state = self.state();
        state.token = Some(token);
        state.lease = lease;
        state.generation += 1;
        drop(state);
        self.start_keeper(lease);
    }

    /// `auth/token/renew-self` when half of the lease is gone and the token is renewable.
    async fn renew_if_due(self: &Arc<Self>) -> Result<(), BackendError> {
        let (token, lease) = {
            let state = self.state();
            (state.token.clone(), state.lease)
        };
        let (Some(token), Lease::Expires { at, ttl, renewable }) = (token, lease) else {
            return Ok(());
        };
        let now = Instant::now();
        if lease.refresh_at().is_some_and(|due| now < due) {
            return Ok(());
        }
        if now >= at {
            self.warn_once("the Vault token has expired: Vault will refuse it");
            self.state().lease = Lease::Unmanaged;
            return Ok(());
        }
        if !renewable {
            self.warn_once("the Vault token is not renewable: it is used until it expires");
            return Ok(());
        }
        let call = self
            .call(Method::POST, "auth/token/renew-self")
            .header("x-vault-token", &token)
            .json(json!({ "increment": ttl.as_secs() }))
            .idempotent(true);
        let outcome = match self
            .http
            .send(call)
            .await
            .and_then(|r| r.json::<AuthReply>())
        {
            Ok(renewed) => {
                let granted = renewed.auth.lease_duration;
                tracing::info!(lease_s = granted, "renewed the Vault token");
                // Less than asked: the token reached its maximum TTL; it is not renewed
                // again (nothing more would be granted).
                let capped = Duration::from_secs(granted) < ttl;
                if capped {
                    self.warn_once(
                        "the Vault token reached its maximum TTL: it cannot be renewed further",
                    );
                }
                let lease =
                    Lease::expiring(granted, ttl.as_secs(), renewed.auth.renewable && !capped);
                Ok((token, lease))
            }
            Err(e) => {
                tracing::warn!(
                    error = %super::super::diag::chain(&e),
                    "the Vault token could not be renewed"
                );
                Err(e)
            }
        };
        // A failed renewal leaves the token as it is: it may still have time left.
        let _ = self.record(outcome);
        Ok(())
    }

    /// `auth/<mount>/login` with the role and the JWT.
    async fn login(&self) -> Result<(String, Lease), BackendError> {
        let VaultAuth::Jwt { mount, role, jwt } = &self.auth else {
            return Err(BackendError::Config("no login method is configured".into()));
        };
        let call = self
            .call(
                Method::POST,
                &format!("auth/{}/login", mount.trim_matches('/')),
            )
            .json(json!({ "role": role, "jwt": jwt }))
            .idempotent(true);
        let reply = self.http.send(call).await.map_err(|e| match e {
            BackendError::Status {
                system,
                method,
                path,
                status,
                message,
                code,
            } => BackendError::Status {
                system,
                method,
                path,
                status,
                message: format!("logging in with the JWT as role {role:?} was refused: {message}"),
                code,
            },
            other => other,
        })?;
        let auth = reply.json::<AuthReply>()?.auth;
        if auth.client_token.is_empty() {
            return Err(BackendError::Config(format!(
                "Vault answered the JWT login at auth/{mount}/login without a token"
            )));
        }
        tracing::info!(
            mount = %mount, role = %role, lease_s = auth.lease_duration,
            "logged in to Vault with a JWT"
        );
        Ok((
            auth.client_token,
            Lease::expiring(auth.lease_duration, auth.lease_duration, auth.renewable),
        ))
    }

    fn warn_once(&self, message: &str) {
        let mut state = self.state();
        if !state.warned {
            state.warned = true;
            tracing::warn!("{message}");
        }
    }

    /// Start the task that refreshes an expiring lease while no call is made (once per
    /// session; it ends when the last client is dropped).
    fn start_keeper(self: &Arc<Self>, lease: Lease) {
        if !matches!(lease, Lease::Expires { .. }) || self.keeper.swap(true, Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.keeper.store(false, Ordering::SeqCst);
            return;
        };
        let weak: Weak<Session> = Arc::downgrade(self);
        runtime.spawn(async move {
            loop {
                let next = {
                    let Some(session) = weak.upgrade() else {
                        return;
                    };
                    let is_login = matches!(session.auth, VaultAuth::Jwt { .. });
                    let state = session.state();
                    match state.lease {
                        // Nothing left to do for a configured token that cannot be renewed.
                        Lease::Expires {
                            renewable: false, ..
                        }
                        | Lease::Unmanaged
                            if !is_login =>
                        {
                            session.keeper.store(false, Ordering::SeqCst);
                            return;
                        }
                        // Expired (a failed refresh): calls log in again on demand, and
                        // the next login restarts this task.
                        Lease::Expires { at, .. } if at <= Instant::now() => {
                            session.keeper.store(false, Ordering::SeqCst);
                            return;
                        }
                        lease => match lease.refresh_at() {
                            Some(at) => at.max(Instant::now() + Duration::from_millis(200)),
                            None => Instant::now() + Duration::from_secs(1),
                        },
                    }
                };
                tokio::time::sleep_until(next.into()).await;
                let Some(session) = weak.upgrade() else {
                    return;
                };
                let _ = session.refresh(None).await;
            }
        });
    }
}

/// A KV v2 secret's metadata.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct KvMetadata {
    /// Latest version number.
    #[serde(default)]
    pub current_version: u64,
    /// Custom metadata (string map).
    #[serde(default)]
    pub custom_metadata: Option<BTreeMap<String, String>>,
    /// Per-version state.
    #[serde(default)]
    pub versions: BTreeMap<String, KvVersion>,
}

/// State of one version of a KV v2 secret.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct KvVersion {
    /// Empty unless soft-deleted.
    #[serde(default)]
    pub deletion_time: String,
    /// Whether the version was destroyed.
    #[serde(default)]
    pub destroyed: bool,
}

impl KvMetadata {
    /// Whether the latest version can be read (neither soft-deleted nor destroyed).
    pub fn latest_is_live(&self) -> bool {
        self.versions
            .get(&self.current_version.to_string())
            .is_some_and(|v| v.deletion_time.is_empty() && !v.destroyed)
    }
    /// A custom metadata value.
    pub fn custom(&self, key: &str) -> Option<&str> {
        self.custom_metadata
            .as_ref()
            .and_then(|m| m.get(key))
            .map(String::as_str)
    }
}

/// A KV v2 secret's latest readable data and version.
#[derive(Clone, Debug)]
pub struct KvSecret {
    /// The key/value data.
    pub data: BTreeMap<String, Value>,
    /// Its version.
    pub version: u64,
}

/// Outcome of a check-and-set write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CasWrite {
    /// Written as this version.
    Written(u64),
    /// Not written: the secret's version was not the expected one.
    Mismatch,
}

fn parse_vault_error(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<String>,
    }
    let message = serde_json::from_slice::<Errors>(body)
        .ok()
        .map(|e| e.errors.join("; "))
        .filter(|m| !m.is_empty());
    (message, None)
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

impl VaultClient {
    /// A client for the Vault at `settings.base_url`, using `token`.
    pub fn new(
        settings: HttpSettings,
        token: String,
        namespace: Option<String>,
    ) -> Result<Self, BackendError> {
        Self::with_auth(settings, VaultAuth::Token(token), namespace)
    }

    /// A client for the Vault at `settings.base_url`, authenticating with `auth`.
    pub fn with_auth(
        settings: HttpSettings,
        auth: VaultAuth,
        namespace: Option<String>,
    ) -> Result<Self, BackendError> {
        let token = match &auth {
            VaultAuth::Token(token) => Some(token.clone()),
            VaultAuth::Jwt { .. } => None,
        };
        Ok(Self {
            session: Arc::new(Session {
                http: Http::new(settings, parse_vault_error)?,
                namespace: namespace.filter(|n| !n.is_empty()),
                auth,
                token: Mutex::new(TokenState {
                    token,
                    ..TokenState::default()
                }),
                refresh: tokio::sync::Mutex::new(()),
                keeper: AtomicBool::new(false),
                auth_table: tokio::sync::Mutex::new(None),
                kv2_mounts: Mutex::new(BTreeMap::new()),
            }),
        })
    }

    /// Vault's address.
    pub fn address(&self) -> &str {
        self.session.http.base_url()
    }

    fn call(&self, method: Method, path: &str) -> Call {
        self.session.call(method, path)
    }

    /// Send a call with the current token (renewed or obtained first when due); a 403 with
    /// a token from a login logs in again and sends the call once more.
    async fn send(&self, call: Call) -> Result<super::http::Reply, BackendError> {
        let (token, generation) = self.session.current().await?;
        let retry = matches!(self.session.auth, VaultAuth::Jwt { .. }).then(|| call.clone());
        match self
            .session
            .http
            .send(call.header("x-vault-token", &token))
            .await
        {
            Err(e) if e.status() == Some(StatusCode::FORBIDDEN) && retry.is_some() => {
                tracing::info!("Vault answered 403: logging in again");
                self.session.refresh(Some(generation)).await?;
                let (token, _) = self.session.current().await?;
                match retry {
                    Some(call) => {
                        self.session
                            .http
                            .send(call.header("x-vault-token", &token))
                            .await
                    }
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    async fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<Option<T>, BackendError> {
        match self.send(call).await {
            Ok(reply) => reply.json::<Envelope<T>>().map(|e| Some(e.data)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Check the token (`auth/token/lookup-self`).
    pub async fn lookup_self(&self) -> Result<Value, BackendError> {
        let reply = self
            .send(self.call(Method::GET, "auth/token/lookup-self"))
            .await?;
        // Only the non-secret fields are kept.
        let data: Envelope<Value> = reply.json()?;
        let mut safe = data.data;
        if let Some(map) = safe.as_object_mut() {
            map.remove("id");
        }
        Ok(safe)
    }

    /// The type and options of the mount at `path`, if mounted.
    pub async fn mount(&self, path: &str) -> Result<Option<Value>, BackendError> {
        let path = path.trim_matches('/');
        let reply = self.send(self.call(Method::GET, "sys/mounts")).await?;
        let mounts: Value = reply.json()?;
        let key = format!("{path}/");
        // Newer Vaults nest the table under `data`; older ones put it at the top level.
        Ok(mounts
            .get("data")
            .and_then(|d| d.get(&key))
            .or_else(|| mounts.get(&key))
            .cloned())
    }

    /// Enable a KV v2 secrets engine at `path` unless something is mounted there; fails
    /// when the existing mount is not KV v2.
    pub async fn ensure_kv2_mount(&self, path: &str) -> Result<bool, BackendError> {
        if self.kv2_mount_known(path) {
            return Ok(false);
        }
        let made = self.check_or_make_kv2_mount(path).await?;
        if let Ok(mut known) = self.session.kv2_mounts.lock() {
            known.insert(path.trim_matches('/').to_string(), Instant::now());
        }
        Ok(made)
    }

    /// Whether `path` was found or made to be KV version 2 in the last [`TABLE_TTL`].
    fn kv2_mount_known(&self, path: &str) -> bool {
        self.session.kv2_mounts.lock().is_ok_and(|known| {
            known
                .get(path.trim_matches('/'))
                .is_some_and(|at| at.elapsed() < TABLE_TTL)
        })
    }

    async fn check_or_make_kv2_mount(&self, path: &str) -> Result<bool, BackendError> {
        if let Some(existing) = self.mount(path).await? {
            let kind = existing.get("type").and_then(Value::as_str).unwrap_or("");
            let version = existing
                .pointer("/options/version")
                .and_then(Value::as_str)
                .unwrap_or("1");
            if kind != "kv" || version != "2" {
                return Err(BackendError::Config(format!(
                    "the Vault mount {path:?} holds a {kind} engine (version {version}), not KV version 2"
                )));
            }
            return Ok(false);
        }
        let call = self
            .call(
                Method::POST,
                &format!("sys/mounts/{}", path.trim_matches('/')),
            )
            .json(json!({
                "type": "kv",
                "description": "Deployments managed by terraform-provider-ff",
                "options": {"version": "2"}
            }))
            .idempotent(true);
        match self.send(call).await {
            Ok(_) => Ok(true),
            // Another apply enabled it meanwhile.
            Err(e)
                if e.status() == Some(StatusCode::BAD_REQUEST)
                    && self.mount(path).await?.is_some() =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Read the latest version of a KV v2 secret; `None` when missing, deleted or destroyed.
    pub async fn kv_read(&self, mount: &str, path: &str) -> Result<Option<KvSecret>, BackendError> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(default)]
            data: Option<BTreeMap<String, Value>>,
            metadata: Meta,
        }
        #[derive(Deserialize)]
        struct Meta {
            version: u64,
        }
        let call = self.call(Method::GET, &format!("{mount}/data/{path}"));
        Ok(self.get_optional::<Data>(call).await?.and_then(|d| {
            d.data.map(|data| KvSecret {
                data,
                version: d.metadata.version,
            })
        }))
    }

    /// Read a KV v2 secret's metadata; `None` when there is none.
    pub async fn kv_metadata(
        &self,
        mount: &str,
        path: &str,
    ) -> Result<Option<KvMetadata>, BackendError> {
        let call = self.call(Method::GET, &format!("{mount}/metadata/{path}"));
        self.get_optional(call).await
    }

    /// Write a KV v2 secret; with `cas`, only if its current version is `cas` (0: only if it
    /// does not exist).
    pub async fn kv_write(
        &self,
        mount: &str,
        path: &str,
        data: &BTreeMap<String, Value>,
        cas: Option<u64>,
    ) -> Result<CasWrite, BackendError> {
        #[derive(Deserialize)]
        struct Written {
            version: u64,
        }
        let mut body = json!({ "data": data });
        if let Some(cas) = cas {
            body["options"] = json!({ "cas": cas });
        }
        // A check-and-set write may be repeated: a repeat after a lost answer is refused
        // with a mismatch, which the caller resolves by reading.
        let call = self
            .call(Method::POST, &format!("{mount}/data/{path}"))
            .json(body)
            .idempotent(true);
        match self.send(call).await {
            Ok(reply) => Ok(CasWrite::Written(
                reply.json::<Envelope<Written>>()?.data.version,
            )),
            Err(BackendError::Status {
                status: StatusCode::BAD_REQUEST,
                message,
                ..
            }) if cas.is_some() && message.contains("check-and-set") => Ok(CasWrite::Mismatch),
            Err(e) => Err(e),
        }
    }

    /// Set a KV v2 secret's custom metadata.
    pub async fn kv_write_metadata(
        &self,
        mount: &str,
        path: &str,
        custom: &BTreeMap<String, String>,
    ) -> Result<(), BackendError> {
        let call = self
            .call(Method::POST, &format!("{mount}/metadata/{path}"))
            .json(json!({ "custom_metadata": custom }))
            .idempotent(true);
        self.send(call).await.map(|_| ())
    }

    /// Delete a KV v2 secret with all its versions and metadata; a missing one is fine.
    pub async fn kv_delete_all(&self, mount: &str, path: &str) -> Result<(), BackendError> {
        let call = self.call(Method::DELETE, &format!("{mount}/metadata/{path}"));
        match self.send(call).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// List the keys under a KV v2 folder (sub-folders end with `/`); empty when none.
    pub async fn kv_list(&self, mount: &str, path: &str) -> Result<Vec<String>, BackendError> {
        #[derive(Deserialize)]
        struct Keys {
            #[serde(default)]
            keys: Vec<String>,
        }
        let path = path.trim_matches('/');
        let call = self
            .call(Method::GET, &format!("{mount}/metadata/{path}"))
            .query("list", "true");
        Ok(self
            .get_optional::<Keys>(call)
            .await?
            .map(|k| k.keys)
            .unwrap_or_default())
    }

    /// An ACL policy's text; `None` when it does not exist.
    pub async fn policy(&self, name: &str) -> Result<Option<String>, BackendError> {
        #[derive(Deserialize)]
        struct Policy {
            #[serde(default)]
            policy: String,
        }
        let call = self.call(Method::GET, &format!("sys/policies/acl/{name}"));
        Ok(self.get_optional::<Policy>(call).await?.map(|p| p.policy))
    }

    /// Create or replace an ACL policy.
    pub async fn put_policy(&self, name: &str, hcl: &str) -> Result<(), BackendError> {
        let call = self
            .call(Method::PUT, &format!("sys/policies/acl/{name}"))
            .json(json!({ "policy": hcl }));
        self.send(call).await.map(|_| ())
    }

    /// Delete an ACL policy; a missing one is fine.
    pub async fn delete_policy(&self, name: &str) -> Result<(), BackendError> {
        let call = self.call(Method::DELETE, &format!("sys/policies/acl/{name}"));
        match self.send(call).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The enabled auth method at `path` (`kubernetes-wm-prod`), if any.
    /// The table is read at most once per [`TABLE_TTL`] (concurrent callers share the
    /// read).
    pub async fn auth_method(&self, path: &str) -> Result<Option<Value>, BackendError> {
        let key = format!("{}/", path.trim_matches('/'));
        let mut cached = self.session.auth_table.lock().await;
        if let Some((at, table)) = cached.as_ref()
            && at.elapsed() < TABLE_TTL
        {
            return Ok(table.get(&key).cloned());
        }
        let reply = self.send(self.call(Method::GET, "sys/auth")).await?;
        let table = auth_table(reply.json()?);
        let found = table.get(&key).cloned();
        *cached = Some((Instant::now(), Arc::new(table)));
        Ok(found)
    }

    /// Enter (`Some`) or remove (`None`) a method in the cached `sys/auth` table.
    async fn note_auth_method(&self, path: &str, method: Option<Value>) {
        let key = format!("{}/", path.trim_matches('/'));
        if let Some((_, table)) = self.session.auth_table.lock().await.as_mut() {
            let table = Arc::make_mut(table);
            match method {
                Some(method) => table.insert(key, method),
                None => table.remove(&key),
            };
        }
    }

    /// Enable an auth method of `kind` at `path`.
    ///
    /// Enabling is not idempotent in Vault: when an attempt was carried out but its answer
    /// was lost (a timeout), the retry gets `400 path is already in use`. So on an error,
    /// an auth method of `kind` found at `path` counts as enabled.
    pub async fn enable_auth(
        &self,
        path: &str,
        kind: &str,
        description: &str,
    ) -> Result<(), BackendError> {
        let call = self
            .call(
                Method::POST,
                &format!("sys/auth/{}", path.trim_matches('/')),
            )
            .json(json!({ "type": kind, "description": description }))
            .idempotent(true);
        match self.send(call).await {
            Ok(_) => {
                self.note_auth_method(
                    path,
                    Some(json!({ "type": kind, "description": description })),
                )
                .await;
                Ok(())
            }
            Err(error) => {
                // Read the table afresh: the cached one predates this attempt.
                *self.session.auth_table.lock().await = None;
                match self.auth_method(path).await {
                    Ok(Some(method))
                        if method.get("type").and_then(Value::as_str) == Some(kind) =>
                    {
                        Ok(())
                    }
                    _ => Err(error),
                }
            }
        }
    }

    /// Disable the auth method at `path` (with everything configured in it); a missing one
    /// is fine.
    pub async fn disable_auth(&self, path: &str) -> Result<(), BackendError> {
        let call = self.call(
            Method::DELETE,
            &format!("sys/auth/{}", path.trim_matches('/')),
        );
        let outcome = self.send(call).await.map(|_| ());
        if outcome.is_ok() {
            self.note_auth_method(path, None).await;
        } else {
            // It may or may not be gone: read the table again next time.
            *self.session.auth_table.lock().await = None;
        }
        outcome
    }

    /// Read the `data` at a logical path (an auth method's config or role); `None` on 404.
    pub async fn read_data(&self, path: &str) -> Result<Option<Value>, BackendError> {
        self.get_optional(self.call(Method::GET, path)).await
    }

    /// Write a JSON body to a logical path (an auth method's config or role).
    pub async fn write_data(&self, path: &str, body: Value) -> Result<(), BackendError> {
        let call = self.call(Method::POST, path).json(body).idempotent(true);
        self.send(call).await.map(|_| ())
    }
}

/// The methods of a `sys/auth` answer by path (`kubernetes-wm-prod/`): Vault lists them both
/// at the top level and under `data`; `data` wins.
fn auth_table(answer: Value) -> serde_json::Map<String, Value> {
    let Value::Object(mut top) = answer else {
        return serde_json::Map::new();
    };
    let data = match top.remove("data") {
        Some(Value::Object(data)) => data,
        _ => serde_json::Map::new(),
    };
    let mut table: serde_json::Map<String, Value> = top
        .into_iter()
        .filter(|(k, v)| k.ends_with('/') && v.is_object())
        .collect();
    table.extend(data);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auth_table_is_read_from_data_and_the_top_level() {
        let table = auth_table(json!({
            "token/": {"type": "token"},
            "kubernetes-a/": {"type": "kubernetes", "description": "top"},
            "request_id": "x",
            "lease_duration": 0,
            "data": {
                "token/": {"type": "token"},
                "kubernetes-a/": {"type": "kubernetes", "description": "data"},
                "kubernetes-b/": {"type": "kubernetes"},
            },
        }));
        let keys: Vec<&str> = table.keys().map(String::as_str).collect();
        assert_eq!(keys, ["kubernetes-a/", "kubernetes-b/", "token/"]);
        assert_eq!(table["kubernetes-a/"]["description"], "data");
        assert!(
            auth_table(json!({"kubernetes-c/": {"type": "kubernetes"}}))
                .contains_key("kubernetes-c/")
        );
        assert!(auth_table(json!("not a table")).is_empty());
    }
}
