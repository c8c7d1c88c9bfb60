//! Auth0 Management API v2 client: clients, resource servers, client grants, roles and
//! their permissions. <https://auth0.com/docs/api/management/v2>
//!
//! - **Token**: with client credentials, a Management API token is fetched once
//!   (`POST /oauth/token`, audience `https://<domain>/api/v2/`) and reused until a minute
//!   before it expires; a 401 drops it and the call is tried once more with a new one. A
//!   static `api_token` is used as it is.
//! - **Lists** are read whole, page by page (`page` from 0, `per_page=100`,
//!   `include_totals=true`), and kept per provider process in a [`Catalog`]: every resource
//!   of a plan shares one read of each list. A snapshot serves a deployment only while this
//!   process has written nothing of that deployment since the snapshot was taken; each
//!   writing method names the deployment it writes for.
//! - **Throttling, retries, errors**: every call goes through [`Http`], whose gate paces
//!   requests by Auth0's `X-RateLimit-*` headers for the whole process and waits out 429s;
//!   errors keep Auth0's `statusCode`, `message` and `errorCode`.
//!
//! Client secrets are returned only by [`Auth0Client::create_client`],
//! [`Auth0Client::rotate_secret`] and [`Auth0Client::client_secret`], wrapped in [`Secret`]
//! whose `Debug` shows nothing; lists ask Auth0 for the fields without the secret.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::http::{BackendError, Call, Http, HttpSettings, check_url};

/// Auth0 Management API credentials.
#[derive(Clone)]
pub enum Auth0Credentials {
    /// `client_credentials` grant.
    Client {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
    },
    /// A static token.
    Token(String),
}

impl std::fmt::Debug for Auth0Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth0Credentials::Client { client_id, .. } => {
                write!(f, "Client {{ client_id: {client_id:?}, .. }}")
            }
            Auth0Credentials::Token(_) => f.write_str("Token(..)"),
        }
    }
}

/// `example.eu.auth0.com` → `https://example.eu.auth0.com`; a full URL is kept.
pub fn auth0_base_url(domain: &str) -> Result<String, String> {
    let domain = domain.trim().trim_end_matches('/');
    if domain.starts_with("http://") || domain.starts_with("https://") {
        check_url(domain)?;
        return Ok(domain.to_string());
    }
    let url = format!("https://{domain}");
    match url::Url::parse(&url) {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) && u.path() == "/" => Ok(url),
        _ => Err(format!(
            "{domain:?} is not an Auth0 domain such as \"example.eu.auth0.com\""
        )),
    }
}

/// Entries per page when reading a list (Auth0's maximum).
const PER_PAGE: usize = 100;
/// A token is renewed this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);
/// How long a list snapshot may serve (within one provider process).
const SNAPSHOT_TTL: Duration = Duration::from_secs(300);
/// Fields read when listing clients: everything the resource compares, not the secret.
const CLIENT_FIELDS: &str =
    "client_id,name,app_type,callbacks,allowed_logout_urls,web_origins,grant_types,client_metadata";

/// A secret value; its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, to hand to Vault.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// An application (client), without its secret.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Client {
    /// Client id.
    pub client_id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// `spa`, `regular_web`, `native` or `non_interactive`.
    #[serde(default)]
    pub app_type: Option<String>,
    /// Allowed callback URLs.
    #[serde(default)]
    pub callbacks: Option<Vec<String>>,
    /// Allowed logout URLs.
    #[serde(default)]
    pub allowed_logout_urls: Option<Vec<String>>,
    /// Allowed web origins.
    #[serde(default)]
    pub web_origins: Option<Vec<String>>,
    /// Grant types.
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// Metadata (string values).
    #[serde(default)]
    pub client_metadata: Option<BTreeMap<String, Value>>,
}

impl Client {
    /// A metadata value, when it is a string.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.client_metadata
            .as_ref()
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    }
}

/// A scope of a resource server.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Scope {
    /// Scope name.
    pub value: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A resource server (API).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ResourceServer {
    /// Id.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Identifier (audience).
    pub identifier: String,
    /// Scopes.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
    /// Access token lifetime in seconds.
    #[serde(default)]
    pub token_lifetime: Option<i64>,
    /// The tenant's own Management API.
    #[serde(default)]
    pub is_system: bool,
}

/// A client grant.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ClientGrant {
    /// Id.
    pub id: String,
    /// Client id.
    pub client_id: String,
    /// Audience (resource server identifier).
    pub audience: String,
    /// Granted scopes.
    #[serde(default)]
    pub scope: Vec<String>,
}

/// A role.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Role {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A permission of a role.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Permission {
    /// Resource server identifier.
    pub resource_server_identifier: String,
    /// Permission (scope) name.
    pub permission_name: String,
}

/// A client just created, with its secret.
#[derive(Clone, Debug)]
pub struct NewClient {
    /// The client.
    pub client: Client,
    /// Its secret.
    pub secret: Secret,
}

/// Auth0's error bodies: the Management API's `{statusCode, error, message, errorCode}`
/// and the Authentication API's `{error, error_description}`.
fn parse_auth0_error(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        message: Option<String>,
        #[serde(default, rename = "errorCode")]
        error_code: Option<String>,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => match (b.message, b.error_description) {
            (Some(message), _) => (Some(message), b.error_code.or(b.error)),
            (None, Some(description)) => (Some(description), b.error),
            (None, None) => (None, b.error_code.or(b.error)),
        },
        Err(_) => (None, None),
    }
}

struct CachedToken {
    value: String,
    renew_at: Instant,
}

/// A list read whole, and the write generation it was started at.
struct Snapshot<T> {
    started: u64,
    at: Instant,
    items: Arc<Vec<T>>,
}

/// The lists of one provider process, shared by its resources.
#[derive(Default)]
pub struct Catalog {
    generation: AtomicU64,
    written: std::sync::Mutex<HashMap<String, u64>>,
    clients: tokio::sync::Mutex<Option<Snapshot<Client>>>,
    resource_servers: tokio::sync::Mutex<Option<Snapshot<ResourceServer>>>,
    client_grants: tokio::sync::Mutex<Option<Snapshot<ClientGrant>>>,
    roles: tokio::sync::Mutex<Option<Snapshot<Role>>>,
}

impl Catalog {
    fn written_at(&self, owner: &str) -> u64 {
        match self.written.lock() {
            Ok(m) => m.get(owner).copied().unwrap_or(0),
            Err(p) => p.into_inner().get(owner).copied().unwrap_or(0),
        }
    }

    /// Record that objects of `owner` were just written: snapshots taken before no longer
    /// serve it.
    fn mark_written(&self, owner: &str) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        match self.written.lock() {
            Ok(mut m) => m.insert(owner.to_string(), generation),
            Err(p) => p.into_inner().insert(owner.to_string(), generation),
        };
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

/// An Auth0 tenant's Management API.
pub struct Auth0Client {
    /// The Management API.
    http: Http,
    /// The Authentication API (`/oauth/token`): Auth0 limits it with a bucket of its own,
    /// so it has a rate-limit gate of its own.
    authentication: Http,
    credentials: Auth0Credentials,
    token: tokio::sync::Mutex<Option<CachedToken>>,
    catalog: Catalog,
}

impl std::fmt::Debug for Auth0Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0Client")
            .field("base_url", &self.http.base_url())
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Auth0Client {
    /// A client for the tenant at `settings.base_url`.
    pub fn new(
        settings: HttpSettings,
        credentials: Auth0Credentials,
    ) -> Result<Self, BackendError> {
        Ok(Self {
            authentication: Http::new(settings.clone(), parse_auth0_error)?,
            http: Http::new(settings, parse_auth0_error)?,
            credentials,
            token: tokio::sync::Mutex::new(None),
            catalog: Catalog::default(),
        })
    }

    /// A counter of the writes sent for `owner`'s objects (whatever their outcome): when
    /// it moved, a write may have changed Auth0 even if its answer never came.
    pub fn writes_sent(&self, owner: &str) -> u64 {
        self.catalog.written_at(owner)
    }

    /// The tenant's base URL.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    /// The tenant's domain as applications use it: the host for `https://` tenants, the
    /// whole base URL otherwise (a local sandbox).
    pub fn domain(&self) -> String {
        let base = self.base_url().trim_end_matches('/');
        base.strip_prefix("https://").unwrap_or(base).to_string()
    }

    /// The Management API's audience.
    fn audience(&self) -> String {
        format!("{}/api/v2/", self.base_url().trim_end_matches('/'))
    }

    async fn bearer(&self) -> Result<String, BackendError> {
        let (client_id, client_secret) = match &self.credentials {
            Auth0Credentials::Token(token) => return Ok(token.clone()),
            Auth0Credentials::Client {
                client_id,
                client_secret,
            } => (client_id, client_secret),
        };
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        #[derive(Deserialize)]
        struct Issued {
            access_token: String,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let call = Call::new(Method::POST, "/oauth/token")
            .json(json!({
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "audience": self.audience(),
            }))
            .idempotent(true);
        let issued: Issued = self.authentication.send(call).await?.json()?;
        let lifetime = Duration::from_secs(issued.expires_in.unwrap_or(86_400));
        tracing::debug!(
            expires_in_s = lifetime.as_secs(),
            "obtained an Auth0 Management API token"
        );
        *cached = Some(CachedToken {
            value: issued.access_token.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN),
        });
        Ok(issued.access_token)
    }

    /// Send a Management API call built by `build` (called again for the retry after a
    /// 401 with client credentials).
    async fn send(&self, build: impl Fn() -> Call) -> Result<super::http::Reply, BackendError> {
        let token = self.bearer().await?;
        let outcome = self
            .http
            .send(build().header("authorization", &format!("Bearer {token}")))
            .await;
        match outcome {
            Err(e)
                if e.status() == Some(StatusCode::UNAUTHORIZED)
                    && matches!(self.credentials, Auth0Credentials::Client { .. }) =>
            {
                *self.token.lock().await = None;
                let token = self.bearer().await?;
                self.http
                    .send(build().header("authorization", &format!("Bearer {token}")))
                    .await
            }
            other => other,
        }
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        build: impl Fn() -> Call,
    ) -> Result<T, BackendError> {
        self.send(build).await?.json()
    }

    /// A list read whole, page by page.
    async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>, BackendError> {
        let mut items: Vec<T> = Vec::new();
        for page in 0.. {
            let reply: Value = self
                .send_json(|| {
                    let mut call = Call::new(Method::GET, path)
                        .query("page", page)
                        .query("per_page", PER_PAGE)
                        .query("include_totals", "true");
                    for (name, value) in query {
                        call = call.query(name, value);
                    }
                    call
                })
                .await?;
            let (batch, total) = match reply {
                // `include_totals` is honoured: `{start, limit, length, total, <key>}`.
                Value::Object(mut map) => (
                    map.remove(key).unwrap_or(Value::Array(Vec::new())),
                    map.get("total").and_then(Value::as_u64),
                ),
                // A server that ignores it answers the bare page.
                list @ Value::Array(_) => (list, None),
                _ => (Value::Array(Vec::new()), Some(0)),
            };
            let batch: Vec<T> =
                serde_json::from_value(batch).map_err(|e| BackendError::Decode {
                    system: super::http::System::Auth0,
                    method: Method::GET,
                    path: path.to_string(),
                    detail: format!("the {key} list: {:?} error", e.classify()),
                })?;
            let count = batch.len();
            items.extend(batch);
            let done = match total {
                Some(total) => items.len() as u64 >= total,
                None => count < PER_PAGE,
            };
            if done || count == 0 {
                break;
            }
        }
        Ok(items)
    }

    async fn cached<T, F, Fut>(
        &self,
        slot: &tokio::sync::Mutex<Option<Snapshot<T>>>,
        owner: &str,
        fetch: F,
    ) -> Result<Arc<Vec<T>>, BackendError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<T>, BackendError>>,
    {
        // One read at a time per list: concurrent resources wait for it and share it.
        let mut snapshot = slot.lock().await;
        if let Some(s) = snapshot.as_ref()
            && self.catalog.written_at(owner) <= s.started
            && s.at.elapsed() < SNAPSHOT_TTL
        {
            return Ok(s.items.clone());
        }
        let started = self.catalog.generation.load(Ordering::SeqCst);
        let items = Arc::new(fetch().await?);
        *snapshot = Some(Snapshot {
            started,
            at: Instant::now(),
            items: items.clone(),
        });
        Ok(items)
    }

    /// Every client (without secrets), as seen by the deployment `owner`.
    pub async fn clients(&self, owner: &str) -> Result<Arc<Vec<Client>>, BackendError> {
        self.cached(&self.catalog.clients, owner, || {
            self.list_all(
                "/api/v2/clients",
                "clients",
                &[("fields", CLIENT_FIELDS), ("include_fields", "true")],
            )
        })
        .await
    }

    /// Every resource server.
    pub async fn resource_servers(
        &self,
        owner: &str,
    ) -> Result<Arc<Vec<ResourceServer>>, BackendError> {
        self.cached(&self.catalog.resource_servers, owner, || {
            self.list_all("/api/v2/resource-servers", "resource_servers", &[])
        })
        .await
    }

    /// Every client grant.
    pub async fn client_grants(&self, owner: &str) -> Result<Arc<Vec<ClientGrant>>, BackendError> {
        self.cached(&self.catalog.client_grants, owner, || {
            self.list_all("/api/v2/client-grants", "client_grants", &[])
        })
        .await
    }

    /// Every role.
    pub async fn roles(&self, owner: &str) -> Result<Arc<Vec<Role>>, BackendError> {
        self.cached(&self.catalog.roles, owner, || {
            self.list_all("/api/v2/roles", "roles", &[])
        })
        .await
    }

    /// Create a client; its secret comes with it.
    pub async fn create_client(&self, owner: &str, body: Value) -> Result<NewClient, BackendError> {
        #[derive(Deserialize)]
        struct Created {
            #[serde(flatten)]
            client: Client,
            #[serde(default)]
            client_secret: Option<String>,
        }
        let created: Result<Created, _> = self
            .send_json(|| Call::new(Method::POST, "/api/v2/clients").json(body.clone()))
            .await;
        self.catalog.mark_written(owner);
        let created = created?;
        Ok(NewClient {
            client: created.client,
            secret: Secret(created.client_secret.unwrap_or_default()),
        })
    }

    /// Change some of a client's settings.
    pub async fn update_client(
        &self,
        owner: &str,
        id: &str,
        body: Value,
    ) -> Result<(), BackendError> {
        let path = format!("/api/v2/clients/{}", encode(id));
        let outcome = self
            .send(|| {
                Call::new(Method::PATCH, path.clone())
                    .json(body.clone())
                    .idempotent(true)
            })
            .await;
        self.catalog.mark_written(owner);
        outcome.map(|_| ())
    }

    /// Delete a client (a missing one is fine); Auth0 deletes its grants with it.
    pub async fn delete_client(&self, owner: &str, id: &str) -> Result<(), BackendError> {
        let path = format!("/api/v2/clients/{}", encode(id));
        let outcome = self.send(|| Call::new(Method::DELETE, path.clone())).await;
        self.catalog.mark_written(owner);
        ignore_not_found(outcome)
    }

    /// Give a client a new secret.
    pub async fn rotate_secret(&self, owner: &str, id: &str) -> Result<Secret, BackendError> {
        #[derive(Deserialize)]
        struct Rotated {
            client_secret: String,
        }
        let path = format!("/api/v2/clients/{}/rotate-secret", encode(id));
        let outcome: Result<Rotated, _> = self
            .send_json(|| Call::new(Method::POST, path.clone()))
            .await;
        self.catalog.mark_written(owner);
        Ok(Secret(outcome?.client_secret))
    }

    /// A client's current secret (for a client whose secret Vault lacks).
    pub async fn client_secret(&self, id: &str) -> Result<Secret, BackendError> {
        #[derive(Deserialize)]
        struct WithSecret {
            client_secret: String,
        }
        let path = format!("/api/v2/clients/{}", encode(id));
        let reply: WithSecret = self
            .send_json(|| {
                Call::new(Method::GET, path.clone())
                    .query("fields", "client_id,client_secret")
                    .query("include_fields", "true")
            })
            .await?;
        Ok(Secret(reply.client_secret))
    }

    /// Create a resource server.
    pub async fn create_resource_server(
        &self,
        owner: &str,
        body: Value,
    ) -> Result<ResourceServer, BackendError> {
        let outcome = self
            .send_json(|| Call::new(Method::POST, "/api/v2/resource-servers").json(body.clone()))
            .await;
        self.catalog.mark_written(owner);
        outcome
    }

    /// A resource server by id or identifier; `None` when there is none.
    pub async fn resource_server(
        &self,
        id_or_identifier: &str,
    ) -> Result<Option<ResourceServer>, BackendError> {
        let path = format!("/api/v2/resource-servers/{}", encode(id_or_identifier));
        match self
            .send_json(|| Call::new(Method::GET, path.clone()))
            .await
        {
            Ok(rs) => Ok(Some(rs)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Change a resource server's name, scopes or token lifetime.
    pub async fn update_resource_server(
        &self,
        owner: &str,
        id: &str,
        body: Value,
    ) -> Result<(), BackendError> {
        let path = format!("/api/v2/resource-servers/{}", encode(id));
        let outcome = self
            .send(|| {
                Call::new(Method::PATCH, path.clone())
                    .json(body.clone())
                    .idempotent(true)
            })
            .await;
        self.catalog.mark_written(owner);
        outcome.map(|_| ())
    }

    /// Delete a resource server (a missing one is fine).
    pub async fn delete_resource_server(&self, owner: &str, id: &str) -> Result<(), BackendError> {
        let path = format!("/api/v2/resource-servers/{}", encode(id));
        let outcome = self.send(|| Call::new(Method::DELETE, path.clone())).await;
        self.catalog.mark_written(owner);
        ignore_not_found(outcome)
    }

    /// Grant a client scopes of an API.
    pub async fn create_client_grant(
        &self,
        owner: &str,
        client_id: &str,
        audience: &str,
        scope: &[String],
    ) -> Result<ClientGrant, BackendError> {
        let body = json!({ "client_id": client_id, "audience": audience, "scope": scope });
        let outcome = self
            .send_json(|| Call::new(Method::POST, "/api/v2/client-grants").json(body.clone()))
            .await;
        self.catalog.mark_written(owner);
        outcome
    }

    /// Change a grant's scopes.
    pub async fn update_client_grant(
        &self,
        owner: &str,
        id: &str,
        scope: &[String],
    ) -> Result<(), BackendError> {
        let path = format!("/api/v2/client-grants/{}", encode(id));
        let body = json!({ "scope": scope });
        let outcome = self
            .send(|| {
                Call::new(Method::PATCH, path.clone())
                    .json(body.clone())
                    .idempotent(true)
            })
            .await;
        self.catalog.mark_written(owner);
        outcome.map(|_| ())
    }

    /// Delete a grant (a missing one is fine).
    pub async fn delete_client_grant(&self, owner: &str, id: &str) -> Result<(), BackendError> {
        let path = format!("/api/v2/client-grants/{}", encode(id));
        let outcome = self.send(|| Call::new(Method::DELETE, path.clone())).await;
        self.catalog.mark_written(owner);
        ignore_not_found(outcome)
    }

    /// Create a role.
    pub async fn create_role(
        &self,
        owner: &str,
        name: &str,
        description: &str,
    ) -> Result<Role, BackendError> {
        let body = json!({ "name": name, "description": description });
        let outcome = self
            .send_json(|| Call::new(Method::POST, "/api/v2/roles").json(body.clone()))
            .await;
        self.catalog.mark_written(owner);
        outcome
    }

    /// Delete a role (a missing one is fine).
    pub async fn delete_role(&self, owner: &str, id: &str) -> Result<(), BackendError> {
        let path = format!("/api/v2/roles/{}", encode(id));
        let outcome = self.send(|| Call::new(Method::DELETE, path.clone())).await;
        self.catalog.mark_written(owner);
        ignore_not_found(outcome)
    }

    /// A role's permissions (every page).
    pub async fn role_permissions(&self, id: &str) -> Result<Vec<Permission>, BackendError> {
        let path = format!("/api/v2/roles/{}/permissions", encode(id));
        self.list_all(&path, "permissions", &[]).await
    }

    /// Add permissions to a role.
    pub async fn add_role_permissions(
        &self,
        owner: &str,
        id: &str,
        permissions: &[Permission],
    ) -> Result<(), BackendError> {
        self.change_permissions(owner, id, permissions, Method::POST)
            .await
    }

    /// Remove permissions from a role.
    pub async fn remove_role_permissions(
        &self,
        owner: &str,
        id: &str,
        permissions: &[Permission],
    ) -> Result<(), BackendError> {
        self.change_permissions(owner, id, permissions, Method::DELETE)
            .await
    }

    async fn change_permissions(
        &self,
        owner: &str,
        id: &str,
        permissions: &[Permission],
        method: Method,
    ) -> Result<(), BackendError> {
        if permissions.is_empty() {
            return Ok(());
        }
        let path = format!("/api/v2/roles/{}/permissions", encode(id));
        let body = json!({
            "permissions": permissions
                .iter()
                .map(|p| json!({
                    "resource_server_identifier": p.resource_server_identifier,
                    "permission_name": p.permission_name,
                }))
                .collect::<Vec<_>>()
        });
        // Adding or removing the same permissions twice is harmless.
        let outcome = self
            .send(|| {
                Call::new(method.clone(), path.clone())
                    .json(body.clone())
                    .idempotent(true)
            })
            .await;
        self.catalog.mark_written(owner);
        outcome.map(|_| ())
    }
}

fn ignore_not_found(outcome: Result<super::http::Reply, BackendError>) -> Result<(), BackendError> {
    match outcome {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Percent-encode a path segment (ids are plain; identifiers are URLs).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth0_domains() {
        assert_eq!(
            auth0_base_url("t.eu.auth0.com"),
            Ok("https://t.eu.auth0.com".into())
        );
        assert_eq!(
            auth0_base_url("http://127.0.0.1:9/"),
            Ok("http://127.0.0.1:9".into())
        );
        assert!(auth0_base_url("not a domain").is_err());
        assert!(auth0_base_url("t.eu.auth0.com/api").is_err());
    }

    #[test]
    fn errors_keep_auth0_code_and_message() {
        let body = br#"{"statusCode":404,"error":"Not Found","message":"The client does not exist","errorCode":"inexistent_client"}"#;
        assert_eq!(
            parse_auth0_error(body),
            (
                Some("The client does not exist".to_string()),
                Some("inexistent_client".to_string())
            )
        );
        let oauth = br#"{"error":"access_denied","error_description":"Unauthorized"}"#;
        assert_eq!(
            parse_auth0_error(oauth),
            (
                Some("Unauthorized".to_string()),
                Some("access_denied".to_string())
            )
        );
        assert_eq!(parse_auth0_error(b"<html>"), (None, None));
    }

    #[test]
    fn identifiers_are_encoded() {
        assert_eq!(
            encode("https://api.example/v1"),
            "https%3A%2F%2Fapi.example%2Fv1"
        );
        assert_eq!(encode("rol_Ab-1"), "rol_Ab-1");
    }

    #[test]
    fn secrets_do_not_show() {
        let secret = Secret("s3cr3t-value".to_string());
        assert!(!format!("{secret:?}").contains("s3cr3t"));
    }

    #[test]
    fn snapshots_serve_an_owner_until_it_writes() {
        let catalog = Catalog::default();
        let started = catalog.generation.load(Ordering::SeqCst);
        assert!(catalog.written_at("WM-Prod") <= started);
        catalog.mark_written("WM-Prod");
        assert!(
            catalog.written_at("WM-Prod") > started,
            "a write after the snapshot"
        );
        assert!(
            catalog.written_at("WM-Stage") <= started,
            "other deployments still served"
        );
    }
}
