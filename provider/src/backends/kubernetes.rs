//! Kubernetes API client on `kube` + `k8s-openapi` (rustls): built from the connection a
//! resource carries in its arguments (host, CA, and a token, an exec plugin or a client
//! certificate; optionally through a SOCKS5 or HTTP proxy), server-side apply with the field
//! manager `terraform-provider-ff`, objects of any kind through discovery (so a CRD applied a
//! moment ago can be used as soon as it is Established), and the waits the bootstrap needs.
//!
//! Every failure becomes a [`KubeError`] in [`wrap`], which keeps the API server's own code,
//! reason and message; [`KubeClient::retrying`] is the one place that retries (5xx, 429 and
//! transport errors, with backoff). Nothing here logs a header, a token or an object body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::config::{
    AuthInfo, Cluster, Context, ExecConfig, KubeConfigOptions, Kubeconfig, NamedAuthInfo,
    NamedCluster, NamedContext,
};
use kube::discovery::ApiResource;
use serde_json::Value;

/// The field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "terraform-provider-ff";

/// How the provider authenticates to the cluster.
#[derive(Clone)]
pub enum ClusterAuth {
    /// A token from Entra ID for the AKS server application, with the Azure credentials of
    /// the environment (certificate, secret, federated token or managed identity).
    Aks {
        /// Tenant; `ARM_TENANT_ID` when `None`.
        tenant_id: Option<String>,
        /// The server application (audience).
        server_app_id: String,
    },
    /// A token presigned with AWS credentials: the SDKs' chain, or a role assumed with a web
    /// identity token.
    Eks {
        /// The EKS cluster's name.
        cluster_name: String,
        /// Its region; `AWS_REGION` / `AWS_DEFAULT_REGION` when `None`.
        region: Option<String>,
        /// A role to assume with a web identity token instead of the chain.
        web_identity: Option<super::aws_credentials::WebIdentityRole>,
    },
    /// A bearer token.
    Token(String),
    /// A client certificate and key (PEM).
    ClientCertificate {
        /// Certificate.
        certificate: String,
        /// Private key.
        key: String,
    },
    /// An exec credential plugin (`aws eks get-token`, `kubelogin`...).
    Exec {
        /// `client.authentication.k8s.io/v1beta1` or `v1`.
        api_version: String,
        /// Command.
        command: String,
        /// Arguments.
        args: Vec<String>,
        /// Extra environment.
        env: Vec<(String, String)>,
    },
}

impl std::fmt::Debug for ClusterAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterAuth::Token(_) => f.write_str("Token(..)"),
            ClusterAuth::Aks { .. } => f.write_str("Aks(..)"),
            ClusterAuth::Eks { cluster_name, .. } => write!(f, "Eks({cluster_name:?})"),
            ClusterAuth::ClientCertificate { .. } => f.write_str("ClientCertificate(..)"),
            ClusterAuth::Exec { command, .. } => write!(f, "Exec({command:?})"),
        }
    }
}

/// Where the cluster is and how to reach it.
#[derive(Clone, Debug)]
pub struct Connection {
    /// `https://host:port`.
    pub host: String,
    /// CA bundle (PEM); the system roots when `None`.
    pub ca_pem: Option<String>,
    /// Authentication.
    pub auth: ClusterAuth,
    /// `socks5://…` or `http://…` proxy.
    pub proxy_url: Option<String>,
    /// Timeout of one request.
    pub timeout: Duration,
}

/// A failed call to the Kubernetes API.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// The API server answered with an error `Status`; its code, reason and message are kept.
    #[error("Kubernetes at {host} answered {code} {reason} to {verb} {what}: {message}")]
    Api {
        /// API server.
        host: String,
        /// What was being done (`apply`, `get`, `delete`…).
        verb: String,
        /// The object or resource, such as `apps/v1 Deployment argocd/argocd-server`.
        what: String,
        /// HTTP status.
        code: u16,
        /// `NotFound`, `Conflict`…
        reason: String,
        /// The server's message.
        message: String,
    },
    /// The API server could not be reached, or its answer could not be read.
    #[error("Kubernetes at {host} could not be reached ({verb} {what}): {reason}")]
    Unreachable {
        /// API server.
        host: String,
        /// Verb.
        verb: String,
        /// Object.
        what: String,
        /// What the transport or TLS layer said.
        reason: String,
    },
    /// The API server answered with a body that is not what the API returns (not JSON, or
    /// not the expected shape): sending the request again would not help.
    #[error("Kubernetes at {host} gave an answer to {verb} {what} that cannot be read: {reason}")]
    Unreadable {
        /// API server.
        host: String,
        /// Verb.
        verb: String,
        /// Object.
        what: String,
        /// What decoding said.
        reason: String,
    },
    /// The cluster does not serve a kind.
    #[error(
        "the cluster at {host} does not serve {api_version} {kind} (is its CustomResourceDefinition installed?)"
    )]
    UnknownKind {
        /// API server.
        host: String,
        /// apiVersion.
        api_version: String,
        /// Kind.
        kind: String,
    },
    /// A wait ran out of time.
    #[error("gave up after {waited:?} waiting for {what}: {state}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        waited: Duration,
        /// The last state seen.
        state: String,
    },
    /// The connection settings cannot be used.
    #[error("{0}")]
    Config(String),
    /// Terraform asked the provider to stop while this waited.
    #[error("stopped waiting for {what}: Terraform asked the provider to stop")]
    Stopped {
        /// What was awaited.
        what: String,
    },
}

impl KubeError {
    /// The API server's HTTP status, if it answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            KubeError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
    /// Whether the server said 404.
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }
    fn retryable(&self) -> bool {
        match self {
            KubeError::Api { code, .. } => {
                *code == 429 || (500..600).contains(code) && *code != 501
            }
            KubeError::Unreachable { .. } => true,
            _ => false,
        }
    }
}

/// The one place a `kube` error becomes a [`KubeError`].
pub fn wrap(host: &str, verb: &str, what: &str, err: kube::Error) -> KubeError {
    match err {
        kube::Error::Api(status) => KubeError::Api {
            host: host.to_string(),
            verb: verb.to_string(),
            what: what.to_string(),
            code: status.code,
            reason: status.reason,
            message: status.message,
        },
        kube::Error::SerdeError(_) | kube::Error::FromUtf8(_) => KubeError::Unreadable {
            host: host.to_string(),
            verb: verb.to_string(),
            what: what.to_string(),
            reason: crate::diag::chain(&err),
        },
        other => KubeError::Unreachable {
            host: host.to_string(),
            verb: verb.to_string(),
            what: what.to_string(),
            reason: crate::diag::chain(&other),
        },
    }
}

/// A resolved kind: where its objects live.
#[derive(Clone, Debug)]
pub struct Kind {
    /// For the dynamic API.
    pub resource: ApiResource,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

/// A client of one cluster.
#[derive(Clone)]
pub struct KubeClient {
    client: kube::Client,
    host: String,
    /// Discovery, per group-version: kind → resolved kind.
    discovered: Arc<Mutex<HashMap<String, HashMap<String, Kind>>>>,
    /// One lock per group-version, held while discovery is asked about it: the bootstraps
    /// sharing this client ask once, not each.
    discovering: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// Requests in flight, at most [`IN_FLIGHT`]: every bootstrap of the cluster shares
    /// this client, and each connection the pool opens costs a TLS handshake.
    in_flight: Arc<tokio::sync::Semaphore>,
}

/// How many requests one client sends at once (terraform's default parallelism is 10
/// resources, each sending a few).
const IN_FLIGHT: usize = 16;

impl std::fmt::Debug for KubeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KubeClient({})", self.host)
    }
}

/// How long a client is handed out again to later operations on the same cluster with the
/// same credentials. Tokens presigned for EKS live 15 minutes and Entra ID tokens about an
/// hour, so a client made with one is replaced well before it expires (an operation that is
/// still running keeps its own copy).
const CLIENT_REUSE: Duration = Duration::from_secs(300);

/// The clients of this provider process, by [`Connection::fingerprint`]: every bootstrap of
/// one cluster shares one connection pool (no TLS handshake per resource) and one discovery
/// cache.
static CLIENTS: std::sync::LazyLock<tokio::sync::Mutex<ClientCache>> =
    std::sync::LazyLock::new(Default::default);

/// Connection fingerprint → when its slot was made, and the slot (empty until a client was
/// made for it).
type ClientCache = HashMap<[u8; 32], (Instant, Arc<tokio::sync::Mutex<Option<KubeClient>>>)>;

impl Connection {
    /// A digest of everything that makes a client: address, CA, proxy, timeout and the
    /// credentials (hashed, so that the cache holds no copy of them in its keys).
    fn fingerprint(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        let mut field = |value: &str| {
            hash.update((value.len() as u64).to_le_bytes());
            hash.update(value.as_bytes());
        };
        field(&self.host);
        field(self.ca_pem.as_deref().unwrap_or("\u{0}none"));
        field(self.proxy_url.as_deref().unwrap_or("\u{0}none"));
        field(&self.timeout.as_millis().to_string());
        match &self.auth {
            ClusterAuth::Aks {
                tenant_id,
                server_app_id,
            } => {
                field("aks");
                field(tenant_id.as_deref().unwrap_or("\u{0}none"));
                field(server_app_id);
            }
            ClusterAuth::Eks {
                cluster_name,
                region,
                web_identity,
            } => {
                field("eks");
                field(cluster_name);
                field(region.as_deref().unwrap_or("\u{0}none"));
                match web_identity {
                    None => field("\u{0}none"),
                    Some(role) => {
                        field(&role.role_arn);
                        field(role.session_name.as_deref().unwrap_or("\u{0}none"));
                        field(role.token_file.as_deref().unwrap_or("\u{0}none"));
                        field(role.token_variable.as_deref().unwrap_or("\u{0}none"));
                    }
                }
            }
            ClusterAuth::Token(token) => {
                field("token");
                field(token);
            }
            ClusterAuth::ClientCertificate { certificate, key } => {
                field("certificate");
                field(certificate);
                field(key);
            }
            ClusterAuth::Exec {
                api_version,
                command,
                args,
                env,
            } => {
                field("exec");
                field(api_version);
                field(command);
                field(&args.len().to_string());
                for arg in args {
                    field(arg);
                }
                field(&env.len().to_string());
                for (name, value) in env {
                    field(name);
                    field(value);
                }
            }
        }
        hash.finalize().into()
    }
}

impl KubeClient {
    /// A client for the cluster; nothing is sent until the first call (exec plugins run then).
    /// A client made for the same connection in the last few minutes is reused, with its
    /// open connections and what discovery found.
    pub async fn connect(connection: &Connection) -> Result<Self, KubeError> {
        let key = connection.fingerprint();
        // The map is locked only to find or enter the slot; the slot is held while its client
        // is made, so that concurrent operations on one cluster wait for the first one's
        // client, and operations on other clusters (an AKS token request) do not wait.
        let slot = {
            let mut clients = CLIENTS.lock().await;
            let now = Instant::now();
            clients.retain(|_, (made, _)| now.duration_since(*made) < CLIENT_REUSE);
            clients
                .entry(key)
                .or_insert_with(|| (now, Arc::default()))
                .1
                .clone()
        };
        let mut made = slot.lock().await;
        if let Some(client) = made.as_ref() {
            return Ok(client.clone());
        }
        // A failure leaves the slot empty: the next operation tries again.
        let client = Self::build(connection).await?;
        *made = Some(client.clone());
        Ok(client)
    }

    /// A new client for the cluster.
    async fn build(connection: &Connection) -> Result<Self, KubeError> {
        let user = match &connection.auth {
            ClusterAuth::Aks { .. } | ClusterAuth::Eks { .. } => AuthInfo {
                token: cloud_token(&connection.auth, connection.timeout)
                    .await?
                    .map(secrecy::SecretString::from),
                ..Default::default()
            },
            ClusterAuth::Token(token) => AuthInfo {
                token: Some(secrecy::SecretString::from(token.clone())),
                ..Default::default()
            },
            ClusterAuth::ClientCertificate { certificate, key } => AuthInfo {
                client_certificate_data: Some(STANDARD.encode(certificate)),
                client_key_data: Some(secrecy::SecretString::from(STANDARD.encode(key))),
                ..Default::default()
            },
            ClusterAuth::Exec {
                api_version,
                command,
                args,
                env,
            } => AuthInfo {
                exec: Some(ExecConfig {
                    api_version: Some(api_version.clone()),
                    command: Some(command.clone()),
                    args: Some(args.clone()),
                    env: Some(
                        env.iter()
                            .map(|(name, value)| {
                                HashMap::from([
                                    ("name".to_string(), name.clone()),
                                    ("value".to_string(), value.clone()),
                                ])
                            })
                            .collect(),
                    ),
                    drop_env: None,
                    interactive_mode: None,
                    provide_cluster_info: false,
                    cluster: None,
                }),
                ..Default::default()
            },
        };
        let kubeconfig = Kubeconfig {
            clusters: vec![NamedCluster {
                name: "cluster".into(),
                cluster: Some(Cluster {
                    server: Some(connection.host.clone()),
                    certificate_authority_data: connection
                        .ca_pem
                        .as_ref()
                        .map(|pem| STANDARD.encode(pem)),
                    proxy_url: connection.proxy_url.clone(),
                    ..Default::default()
                }),
            }],
            auth_infos: vec![NamedAuthInfo {
                name: "user".into(),
                auth_info: Some(user),
            }],
            contexts: vec![NamedContext {
                name: "context".into(),
                context: Some(Context {
                    cluster: "cluster".into(),
                    user: Some("user".into()),
                    ..Default::default()
                }),
            }],
            current_context: Some("context".into()),
            ..Default::default()
        };
        let mut config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|e| {
                    KubeError::Config(format!(
                        "the cluster connection cannot be used: {}",
                        crate::diag::chain(&e)
                    ))
                })?;
        config.connect_timeout = Some(Duration::from_secs(10).min(connection.timeout));
        config.read_timeout = Some(connection.timeout);
        config.write_timeout = Some(connection.timeout);
        let client = kube::Client::try_from(config).map_err(|e| {
            KubeError::Config(format!(
                "the Kubernetes client cannot be set up: {}",
                crate::diag::chain(&e)
            ))
        })?;
        Ok(Self {
            client,
            host: connection.host.clone(),
            discovered: Arc::default(),
            discovering: Arc::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT)),
        })
    }

    /// The API server address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Run `call` until it succeeds, fails for good, or 4 attempts were made.
    async fn retrying<T, F, Fut>(&self, verb: &str, what: &str, mut call: F) -> Result<T, KubeError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, kube::Error>>,
    {
        let mut attempt = 0u32;
        loop {
            let started = Instant::now();
            // The semaphore is never closed; were it, the call would go unthrottled.
            let permit = self.in_flight.acquire().await.ok();
            let outcome = call().await;
            drop(permit);
            match outcome {
                Ok(value) => {
                    tracing::debug!(
                        verb,
                        what,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "kubernetes request done"
                    );
                    return Ok(value);
                }
                Err(err) => {
                    let err = wrap(&self.host, verb, what, err);
                    if attempt >= 3 || !err.retryable() {
                        return Err(err);
                    }
                    attempt += 1;
                    let delay = Duration::from_millis(200 * (1 << attempt));
                    tracing::debug!(
                        verb,
                        what,
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        "retrying a Kubernetes request"
                    );
                    crate::stop::sleep(delay)
                        .await
                        .map_err(|_| KubeError::Stopped {
                            what: what.to_string(),
                        })?;
                }
            }
        }
    }

    /// Where objects of `api_version`/`kind` live; discovery is asked once per group-version
    /// (again when the kind is missing, since a CRD may have just been Established).
    pub async fn kind(&self, api_version: &str, kind: &str) -> Result<Kind, KubeError> {
        for fresh in [false, true] {
            if fresh && kind.is_empty() {
                break;
            }
            if !fresh && let Some(found) = self.cached(api_version, kind) {
                return Ok(found);
            }
            let gate = match self.discovering.lock() {
                Ok(mut gates) => gates.entry(api_version.to_string()).or_default().clone(),
                Err(_) => Arc::default(),
            };
            let _asking = gate.lock().await;
            // Whoever held the lock before may have found it.
            if let Some(found) = self.cached(api_version, kind) {
                return Ok(found);
            }
            let list = if api_version.contains('/') {
                self.retrying("discover", api_version, || {
                    self.client.list_api_group_resources(api_version)
                })
                .await
            } else {
                self.retrying("discover", api_version, || {
                    self.client.list_core_api_resources(api_version)
                })
                .await
            };
            let kinds: HashMap<String, Kind> = match list {
                Ok(list) => list
                    .resources
                    .iter()
                    .filter(|r| !r.name.contains('/'))
                    .map(|r| {
                        let (group, version) = match api_version.split_once('/') {
                            Some((g, v)) => (g.to_string(), v.to_string()),
                            None => (String::new(), api_version.to_string()),
                        };
                        (
                            r.kind.clone(),
                            Kind {
                                resource: ApiResource {
                                    group,
                                    version,
                                    api_version: api_version.to_string(),
                                    kind: r.kind.clone(),
                                    plural: r.name.clone(),
                                },
                                namespaced: r.namespaced,
                            },
                        )
                    })
                    .collect(),
                Err(e) if e.is_not_found() => HashMap::new(),
                Err(e) => return Err(e),
            };
            if let Ok(mut cache) = self.discovered.lock() {
                cache.insert(api_version.to_string(), kinds);
            }
            if let Some(found) = self.cached(api_version, kind) {
                return Ok(found);
            }
        }
        Err(KubeError::UnknownKind {
            host: self.host.clone(),
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        })
    }

    /// Ask discovery about every group-version in `api_versions` not asked yet, concurrently,
    /// so that the applies that follow do not each wait for it.
    pub async fn prefetch(&self, api_versions: &[String]) -> Result<(), KubeError> {
        let missing: Vec<&String> = {
            let cache = self
                .discovered
                .lock()
                .map_err(|_| KubeError::Config("discovery cache poisoned".into()))?;
            api_versions
                .iter()
                .filter(|v| !cache.contains_key(v.as_str()))
                .collect()
        };
        let fetches = missing.into_iter().map(|api_version| async move {
            match self.kind(api_version, "").await {
                Ok(_) | Err(KubeError::UnknownKind { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        });
        for result in futures::future::join_all(fetches).await {
            result?;
        }
        Ok(())
    }

    fn cached(&self, api_version: &str, kind: &str) -> Option<Kind> {
        self.discovered
            .lock()
            .ok()?
            .get(api_version)?
            .get(kind)
            .cloned()
    }

    fn api(&self, kind: &Kind, namespace: Option<&str>) -> Api<DynamicObject> {
        match namespace {
            Some(ns) if kind.namespaced => {
                Api::namespaced_with(self.client.clone(), ns, &kind.resource)
            }
            _ => Api::all_with(self.client.clone(), &kind.resource),
        }
    }

    /// Server-side apply of `object` (forced: the provider owns what it sets).
    pub async fn apply(&self, object: &Value) -> Result<Value, KubeError> {
        let (api_version, kind, namespace, name) = identity(object);
        let resolved = self.kind(&api_version, &kind).await?;
        let mut body = object.clone();
        if !resolved.namespaced
            && let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut)
        {
            meta.remove("namespace");
        }
        let dynamic: DynamicObject = serde_json::from_value(body).map_err(|e| {
            KubeError::Config(format!("{kind} {name} is not a Kubernetes object: {e}"))
        })?;
        let api = self.api(&resolved, namespace.as_deref());
        let what = describe(&api_version, &kind, namespace.as_deref(), &name);
        let params = PatchParams::apply(FIELD_MANAGER).force();
        let patch = Patch::Apply(&dynamic);
        let applied = self
            .retrying("apply", &what, || api.patch(&name, &params, &patch))
            .await?;
        serde_json::to_value(applied).map_err(|e| KubeError::Config(format!("{what}: {e}")))
    }

    /// An object, `None` when it does not exist.
    pub async fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, KubeError> {
        let resolved = match self.kind(api_version, kind).await {
            Ok(k) => k,
            Err(KubeError::UnknownKind { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let api = self.api(&resolved, namespace);
        let what = describe(api_version, kind, namespace, name);
        let found = self.retrying("get", &what, || api.get_opt(name)).await?;
        found
            .map(|o| serde_json::to_value(o).map_err(|e| KubeError::Config(format!("{what}: {e}"))))
            .transpose()
    }

    /// Delete an object; a missing one (or kind) is fine.
    pub async fn delete(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<(), KubeError> {
        let resolved = match self.kind(api_version, kind).await {
            Ok(k) => k,
            Err(KubeError::UnknownKind { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let api = self.api(&resolved, namespace);
        let what = describe(api_version, kind, namespace, name);
        let params = DeleteParams::background();
        match self
            .retrying("delete", &what, || api.delete(name, &params))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Wait until the CRD `name` is Established.
    pub async fn wait_crd_established(
        &self,
        name: &str,
        deadline: Instant,
    ) -> Result<(), KubeError> {
        let api: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        let what = format!("CustomResourceDefinition {name} to be Established");
        let started = Instant::now();
        loop {
            let crd = self
                .retrying("get", &format!("CustomResourceDefinition {name}"), || {
                    api.get_opt(name)
                })
                .await?;
            let established = crd
                .as_ref()
                .and_then(|c| c.status.as_ref())
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c.type_ == "Established" && c.status == "True")
                });
            if established {
                tracing::info!(
                    crd = name,
                    waited_ms = started.elapsed().as_millis() as u64,
                    "CRD established"
                );
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(KubeError::Timeout {
                    what,
                    waited: started.elapsed(),
                    state: if crd.is_some() {
                        "not Established yet".into()
                    } else {
                        "it does not exist".into()
                    },
                });
            }
            crate::stop::sleep(Duration::from_millis(150))
                .await
                .map_err(|_| KubeError::Stopped {
                    what: what.to_string(),
                })?;
        }
    }

    /// Wait until a Deployment has all its replicas updated and ready, logging progress.
    pub async fn wait_deployment_ready(
        &self,
        namespace: &str,
        name: &str,
        deadline: Instant,
    ) -> Result<(), KubeError> {
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), namespace);
        let what = format!("Deployment {namespace}/{name}");
        let started = Instant::now();
        let mut last_log = Instant::now();
        loop {
            let deployment = self.retrying("get", &what, || api.get_opt(name)).await?;
            let (ready, state) = match &deployment {
                None => (false, "it does not exist".to_string()),
                Some(d) => {
                    let wanted = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                    let generation = d.metadata.generation.unwrap_or(0);
                    let status = d.status.clone().unwrap_or_default();
                    let ready_count = status.ready_replicas.unwrap_or(0);
                    let updated = status.updated_replicas.unwrap_or(0);
                    let observed = status.observed_generation.unwrap_or(0);
                    (
                        observed >= generation && ready_count >= wanted && updated >= wanted,
                        format!("{ready_count}/{wanted} replicas ready, {updated} updated"),
                    )
                }
            };
            if ready {
                tracing::info!(deployment = %what, waited_ms = started.elapsed().as_millis() as u64, "deployment ready");
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(KubeError::Timeout {
                    what: format!("{what} to become ready"),
                    waited: started.elapsed(),
                    state,
                });
            }
            if last_log.elapsed() >= Duration::from_secs(5) {
                tracing::info!(deployment = %what, state = %state, waited_s = started.elapsed().as_secs(), "still waiting for the deployment to become ready");
                last_log = Instant::now();
            }
            crate::stop::sleep(Duration::from_millis(200))
                .await
                .map_err(|_| KubeError::Stopped { what: what.clone() })?;
        }
    }
}

/// The bearer token the provider obtains itself for `auth`: an Entra ID token for an AKS
/// server application (the Azure credentials of the environment, see
/// [`super::aks_token::chain_token`]), or an EKS token presigned with AWS credentials (see
/// [`super::aws_credentials`]); `None` for the other ways to authenticate. Also what the
/// `ff_cluster_token` ephemeral resource hands out.
pub async fn cloud_token(
    auth: &ClusterAuth,
    timeout: Duration,
) -> Result<Option<String>, KubeError> {
    match auth {
        ClusterAuth::Aks {
            tenant_id,
            server_app_id,
        } => {
            let token = super::aks_token::chain_token(tenant_id.as_deref(), server_app_id, timeout)
                .await
                .map_err(|e| KubeError::Config(format!("no AKS token could be obtained: {e}")))?;
            Ok(Some(token))
        }
        ClusterAuth::Eks {
            cluster_name,
            region,
            web_identity,
        } => {
            let region = region
                .clone()
                .or_else(|| std::env::var("AWS_REGION").ok())
                .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
                .filter(|r| !r.is_empty())
                .ok_or_else(|| {
                    KubeError::Config(
                        "the eks block names no region and neither AWS_REGION nor AWS_DEFAULT_REGION is set"
                            .into(),
                    )
                })?;
            let found = super::aws_credentials::find(&region, web_identity.as_ref(), timeout)
                .await
                .map_err(|e| {
                    KubeError::Config(format!(
                        "no EKS token could be presigned for the cluster {cluster_name}: {e}"
                    ))
                })?;
            tracing::debug!(source = %found.source, cluster = %cluster_name, "presigning an EKS token");
            let token = super::eks_token::token(&found.credentials, &region, cluster_name)
                .map_err(KubeError::Config)?;
            Ok(Some(token))
        }
        _ => Ok(None),
    }
}

/// `(apiVersion, kind, namespace, name)` of an object.
pub fn identity(object: &Value) -> (String, String, Option<String>, String) {
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    (
        text("/apiVersion").unwrap_or_default(),
        text("/kind").unwrap_or_default(),
        text("/metadata/namespace"),
        text("/metadata/name").unwrap_or_default(),
    )
}

/// `apps/v1 Deployment argocd/argocd-server`.
pub fn describe(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{api_version} {kind} {ns}/{name}"),
        None => format!("{api_version} {kind} {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_answer_is_not_retried_but_a_server_error_is() {
        let garbled = match serde_json::from_slice::<serde_json::Value>(b"\x8f not json") {
            Err(err) => kube::Error::SerdeError(err),
            Ok(_) => panic!("garbage parsed"),
        };
        let unreadable = wrap("https://k", "get", "v1 ConfigMap n/x", garbled);
        assert!(
            matches!(unreadable, KubeError::Unreadable { .. }),
            "{unreadable:?}"
        );
        assert!(!unreadable.retryable());
        let busy = KubeError::Api {
            host: "https://k".into(),
            verb: "get".into(),
            what: "v1 ConfigMap n/x".into(),
            code: 503,
            reason: "ServiceUnavailable".into(),
            message: "busy".into(),
        };
        assert!(busy.retryable());
    }

    fn connection(host: &str, token: &str) -> Connection {
        Connection {
            host: host.to_string(),
            ca_pem: None,
            auth: ClusterAuth::Token(token.to_string()),
            proxy_url: None,
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn the_fingerprint_tells_connections_apart_and_holds_no_credential() {
        let token = "sandbox-token-with-a-recognisable-value";
        let base = connection("https://127.0.0.1:6443", token);
        assert_eq!(base.fingerprint(), base.clone().fingerprint());
        assert_ne!(
            base.fingerprint(),
            connection("https://127.0.0.1:6443", "another-token").fingerprint()
        );
        assert_ne!(
            base.fingerprint(),
            connection("https://127.0.0.1:6444", token).fingerprint()
        );
        let mut slower = base.clone();
        slower.timeout = Duration::from_secs(6);
        assert_ne!(base.fingerprint(), slower.fingerprint());
        // Field boundaries count: moving a character from one field to the next changes it.
        let split = |a: &str, b: &str| Connection {
            auth: ClusterAuth::ClientCertificate {
                certificate: a.into(),
                key: b.into(),
            },
            ..base.clone()
        };
        assert_ne!(
            split("ab", "c").fingerprint(),
            split("a", "bc").fingerprint()
        );
        // The key is a digest: no run of the token's bytes is in it.
        let key = base.fingerprint();
        assert!(
            !key.windows(4)
                .any(|w| token.as_bytes().windows(4).any(|t| t == w)),
            "the cache key holds part of the token"
        );
    }

    #[tokio::test]
    async fn connect_reuses_the_client_of_the_same_connection_only() {
        // Nothing is sent until the first call, so an address nothing listens on will do.
        let a = connection("https://127.0.0.1:9", "reuse-test-token-a");
        let first = KubeClient::connect(&a).await.expect("a client");
        let again = KubeClient::connect(&a.clone()).await.expect("a client");
        assert!(
            Arc::ptr_eq(&first.discovered, &again.discovered),
            "the same connection got a new client"
        );
        let c = connection("https://127.0.0.1:9", "reuse-test-token-c");
        let (one, two) = tokio::join!(KubeClient::connect(&c), KubeClient::connect(&c));
        let (one, two) = (one.expect("a client"), two.expect("a client"));
        assert!(
            Arc::ptr_eq(&one.discovered, &two.discovered),
            "concurrent operations on one connection made two clients"
        );
        let other = KubeClient::connect(&connection("https://127.0.0.1:9", "reuse-test-token-b"))
            .await
            .expect("a client");
        assert!(
            !Arc::ptr_eq(&first.discovered, &other.discovered),
            "another token shared a client"
        );
    }
}
