//! HashiCorp Vault client: token auth, mounts, KV v2 and ACL policies.
//!
//! Only the parts of the HTTP API (<https://developer.hashicorp.com/vault/api-docs>) that the
//! resources use. Every call goes through [`Http`], so errors keep Vault's status and its
//! `errors` messages, and 5xx/transport failures are retried.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{BackendError, Call, Http, HttpSettings};

/// A Vault server and the token to talk to it with.
#[derive(Clone, Debug)]
pub struct VaultClient {
    http: Http,
    token: String,
    namespace: Option<String>,
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
    /// A client for the Vault at `settings.base_url`.
    pub fn new(
        settings: HttpSettings,
        token: String,
        namespace: Option<String>,
    ) -> Result<Self, BackendError> {
        Ok(Self {
            http: Http::new(settings, parse_vault_error)?,
            token,
            namespace: namespace.filter(|n| !n.is_empty()),
        })
    }

    /// Vault's address.
    pub fn address(&self) -> &str {
        self.http.base_url()
    }

    fn call(&self, method: Method, path: &str) -> Call {
        let mut call = Call::new(method, format!("/v1/{}", path.trim_start_matches('/')))
            .header("x-vault-token", &self.token);
        if let Some(ns) = &self.namespace {
            call = call.header("x-vault-namespace", ns);
        }
        call
    }

    async fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<Option<T>, BackendError> {
        match self.http.send(call).await {
            Ok(reply) => reply.json::<Envelope<T>>().map(|e| Some(e.data)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Check the token (`auth/token/lookup-self`).
    pub async fn lookup_self(&self) -> Result<Value, BackendError> {
        let reply = self
            .http
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
        let reply = self.http.send(self.call(Method::GET, "sys/mounts")).await?;
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
        match self.http.send(call).await {
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
        match self.http.send(call).await {
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
        self.http.send(call).await.map(|_| ())
    }

    /// Delete a KV v2 secret with all its versions and metadata; a missing one is fine.
    pub async fn kv_delete_all(&self, mount: &str, path: &str) -> Result<(), BackendError> {
        let call = self.call(Method::DELETE, &format!("{mount}/metadata/{path}"));
        match self.http.send(call).await {
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
        self.http.send(call).await.map(|_| ())
    }

    /// Delete an ACL policy; a missing one is fine.
    pub async fn delete_policy(&self, name: &str) -> Result<(), BackendError> {
        let call = self.call(Method::DELETE, &format!("sys/policies/acl/{name}"));
        match self.http.send(call).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The enabled auth method at `path` (`kubernetes-wm-prod`), if any.
    pub async fn auth_method(&self, path: &str) -> Result<Option<Value>, BackendError> {
        let reply = self.http.send(self.call(Method::GET, "sys/auth")).await?;
        let table: Value = reply.json()?;
        let key = format!("{}/", path.trim_matches('/'));
        Ok(table
            .get("data")
            .and_then(|d| d.get(&key))
            .or_else(|| table.get(&key))
            .cloned())
    }

    /// Enable an auth method of `kind` at `path`.
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
        self.http.send(call).await.map(|_| ())
    }

    /// Disable the auth method at `path` (with everything configured in it); a missing one
    /// is fine.
    pub async fn disable_auth(&self, path: &str) -> Result<(), BackendError> {
        let call = self.call(
            Method::DELETE,
            &format!("sys/auth/{}", path.trim_matches('/')),
        );
        self.http.send(call).await.map(|_| ())
    }

    /// Read the `data` at a logical path (an auth method's config or role); `None` on 404.
    pub async fn read_data(&self, path: &str) -> Result<Option<Value>, BackendError> {
        self.get_optional(self.call(Method::GET, path)).await
    }

    /// Write a JSON body to a logical path (an auth method's config or role).
    pub async fn write_data(&self, path: &str, body: Value) -> Result<(), BackendError> {
        let call = self.call(Method::POST, path).json(body).idempotent(true);
        self.http.send(call).await.map(|_| ())
    }
}
