//! Everything the Kubernetes emulator holds, and the verbs on it. Objects are stored as
//! JSON under `group/plural/namespace/name` whatever their kind, so a CRD's objects are
//! stored like any other. Serialised as-is into the inspection document and the state file.
//!
//! Controllers are emulated where the provider waits on them: a Deployment reports ready
//! replicas `ready_delay_ms` after each change of its spec, a CRD becomes Established (and
//! its kind discoverable) after the same delay, a `kubernetes.io/service-account-token`
//! Secret gets its token, and a new namespace gets its `default` service account.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::errors::KubeError;
use super::fields;
use super::resources::{self, ResourceType};
use super::strategic;
use crate::util::{random_alnum, random_uuid};

/// Default delay before a Deployment is ready and a CRD is Established.
pub const DEFAULT_READY_DELAY_MS: u64 = 300;

/// The sandbox CA and serving certificate, PEM.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TlsMaterial {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KubeState {
    /// Bearer token of the cluster admin (the kubeconfig's user).
    pub admin_token: String,
    #[serde(default)]
    pub tls: TlsMaterial,
    pub resource_version: u64,
    /// `group/plural/namespace/name` → object.
    pub objects: BTreeMap<String, Value>,
    /// Key → Unix milliseconds when the object's controller reports it ready.
    #[serde(default)]
    pub ready_at: BTreeMap<String, i64>,
    /// Service-account tokens issued: token → `namespace/name`.
    #[serde(default)]
    pub tokens: BTreeMap<String, String>,
    #[serde(default = "default_delay")]
    pub ready_delay_ms: u64,
    /// The AWS identity whose EKS tokens are accepted.
    #[serde(default)]
    pub eks: super::eks::EksIdentity,
    /// The callers STS vouched for (STS mode), in order.
    #[serde(default)]
    pub eks_callers: Vec<super::eks::EksCaller>,
}

fn default_delay() -> u64 {
    DEFAULT_READY_DELAY_MS
}

/// How an object is changed by a PATCH.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PatchKind {
    Merge,
    Strategic,
    Json,
}

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// RFC 3339 in seconds, as the API server writes timestamps.
pub fn timestamp(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

/// The issuer of the service-account tokens, which is also the API server's audience.
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// How a service-account token was issued.
enum Issued {
    /// By the token controller, into a `kubernetes.io/service-account-token` Secret.
    Legacy { secret_name: String },
    /// By the TokenRequest API (what projected volumes hold).
    Bound { expires: i64, audiences: Vec<Value> },
}

/// The claims of a token the sandbox issued (an empty map for anything else).
fn token_claims(token: &str) -> serde_json::Map<String, Value> {
    token
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|claims| claims.as_object().cloned())
        .unwrap_or_default()
}

pub fn key(group: &str, plural: &str, namespace: &str, name: &str) -> String {
    format!("{group}/{plural}/{namespace}/{name}")
}

const COREFILE: &str = ".:53 {\n    errors\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n      pods insecure\n      fallthrough in-addr.arpa ip6.arpa\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n";

impl KubeState {
    /// A fresh cluster: the system namespaces and the CoreDNS configuration an EKS cluster
    /// starts with.
    pub fn new() -> KubeState {
        let mut state = KubeState {
            admin_token: format!("ffk8s.{}", random_alnum(32)),
            tls: TlsMaterial::default(),
            resource_version: 1000,
            objects: BTreeMap::new(),
            ready_at: BTreeMap::new(),
            tokens: BTreeMap::new(),
            ready_delay_ms: DEFAULT_READY_DELAY_MS,
            eks: super::eks::EksIdentity::default(),
            eks_callers: Vec::new(),
        };
        state.seed();
        state
    }

    fn seed(&mut self) {
        let now = now_ms();
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let object = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            let _ = self.store_new(&namespaces(), "", object, "kube-apiserver", now);
        }
        let coredns = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "coredns", "namespace": "kube-system",
                         "labels": {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"}},
            "data": {"Corefile": COREFILE},
        });
        let configmaps = self.builtin("", "configmaps");
        let _ = self.store_new(&configmaps, "kube-system", coredns, "eks", now);
    }

    /// Back to a fresh cluster, keeping the credentials and certificates.
    pub fn reset(&mut self) {
        let (token, tls, delay, eks) = (
            self.admin_token.clone(),
            self.tls.clone(),
            self.ready_delay_ms,
            self.eks.clone(),
        );
        *self = KubeState::new();
        self.eks = eks;
        self.admin_token = token;
        self.tls = tls;
        self.ready_delay_ms = delay;
    }

    fn builtin(&self, group: &str, plural: &str) -> ResourceType {
        resources::builtin()
            .into_iter()
            .find(|r| r.group == group && r.plural == plural)
            .unwrap_or_else(namespaces)
    }

    /// Built-in types plus the kinds of Established CRDs.
    pub fn resource_types(&self) -> Vec<ResourceType> {
        let now = now_ms();
        let mut all = resources::builtin();
        for (key, crd) in self
            .objects
            .iter()
            .filter(|(k, _)| k.starts_with("apiextensions.k8s.io/customresourcedefinitions/"))
        {
            if self.is_ready(key, now)
                && let Some(rt) = resources::from_crd(crd)
                && !all
                    .iter()
                    .any(|r| r.group == rt.group && r.plural == rt.plural)
            {
                all.push(rt);
            }
        }
        all
    }

    pub fn find_type(&self, group: &str, version: &str, plural: &str) -> Option<ResourceType> {
        self.resource_types().into_iter().find(|r| {
            r.group == group && r.plural == plural && r.versions.iter().any(|v| v == version)
        })
    }

    fn is_ready(&self, key: &str, now: i64) -> bool {
        self.ready_at.get(key).is_none_or(|at| now >= *at)
    }

    /// Whether a token may call the API.
    pub fn authenticate(&self, token: &str) -> bool {
        if token.starts_with("k8s-aws-v1.") {
            return match super::eks::verify(&self.eks, token, OffsetDateTime::now_utc()) {
                Ok(()) => true,
                Err(reason) => {
                    tracing::debug!(reason, "EKS token refused");
                    false
                }
            };
        }
        if token == self.admin_token {
            return true;
        }
        // A service-account token made for other audiences (`kubectl create token
        // --audience vault`) is not the API server's to accept.
        self.tokens.contains_key(token)
            && match token_claims(token).get("aud") {
                Some(Value::Array(aud)) => aud.iter().any(|a| a == ISSUER),
                Some(Value::String(aud)) => aud == ISSUER,
                _ => true,
            }
    }

    fn next_version(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    fn check_namespace(&self, rt: &ResourceType, namespace: &str) -> Result<(), KubeError> {
        if !rt.namespaced {
            return Ok(());
        }
        if namespace.is_empty() {
            return Err(KubeError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        if !self
            .objects
            .contains_key(&key("", "namespaces", "", namespace))
        {
            return Err(KubeError::not_found("", "namespaces", namespace));
        }
        Ok(())
    }

    /// An object as the API shows it: its status computed by the emulated controllers and
    /// its `apiVersion` the one asked for.
    pub fn present(&self, rt: &ResourceType, version: &str, key: &str, object: &Value) -> Value {
        let mut object = object.clone();
        let ready = self.is_ready(key, now_ms());
        object["apiVersion"] = json!(rt.api_version(version));
        object["kind"] = json!(rt.kind);
        match (rt.group.as_str(), rt.plural.as_str()) {
            ("apps", "deployments") => {
                let replicas = object
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                let generation = object
                    .pointer("/metadata/generation")
                    .cloned()
                    .unwrap_or(json!(1));
                let ready_count = if ready { replicas } else { 0 };
                object["status"] = json!({
                    "observedGeneration": generation,
                    "replicas": replicas,
                    "updatedReplicas": replicas,
                    "readyReplicas": ready_count,
                    "availableReplicas": ready_count,
                    "conditions": [
                        {"type": "Available", "status": if ready { "True" } else { "False" },
                         "reason": if ready { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" }},
                        {"type": "Progressing", "status": "True",
                         "reason": if ready { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" }},
                    ],
                });
            }
            ("apiextensions.k8s.io", "customresourcedefinitions") => {
                let names = object
                    .pointer("/spec/names")
                    .cloned()
                    .unwrap_or(Value::Null);
                object["status"] = json!({
                    "acceptedNames": names,
                    "conditions": [
                        {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
                        {"type": "Established", "status": if ready { "True" } else { "False" },
                         "reason": if ready { "InitialNamesAccepted" } else { "Installing" }},
                    ],
                    "storedVersions": [object.pointer("/spec/versions/0/name").cloned().unwrap_or(Value::Null)],
                });
            }
            ("", "namespaces") => object["status"] = json!({"phase": "Active"}),
            _ => {}
        }
        object
    }

    pub fn get(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<(String, Value), KubeError> {
        let key = key(&rt.group, &rt.plural, namespace, name);
        match self.objects.get(&key) {
            Some(object) => Ok((key, object.clone())),
            None => Err(KubeError::not_found(&rt.group, &rt.plural, name)),
        }
    }

    /// Objects of a type, in one namespace or all.
    pub fn list(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<(String, Value)> {
        let prefix = match namespace {
            Some(ns) if rt.namespaced => key(&rt.group, &rt.plural, ns, ""),
            _ => format!("{}/{}/", rt.group, rt.plural),
        };
        self.objects
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// POST.
    pub fn create(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        mut body: Value,
        manager: &str,
    ) -> Result<(String, Value), KubeError> {
        generate_name(&mut body);
        let name = object_name(&body)?;
        check_identity(rt, namespace, &name, &body)?;
        self.check_namespace(rt, namespace)?;
        if self
            .objects
            .contains_key(&key(&rt.group, &rt.plural, namespace, &name))
        {
            return Err(KubeError::already_exists(&rt.group, &rt.plural, &name));
        }
        self.store_new(rt, namespace, body, manager, now_ms())
    }

    fn store_new(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        mut body: Value,
        manager: &str,
        now: i64,
    ) -> Result<(String, Value), KubeError> {
        let name = object_name(&body)?;
        strip_server_fields(&mut body);
        let mut object = body.clone();
        fields::record_update(
            &json!({}),
            &mut object,
            manager,
            &rt.api_version(&rt.version),
            &timestamp(now),
        );
        self.finish(rt, namespace, &name, None, object, now)
    }

    /// PUT.
    pub fn replace(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        mut body: Value,
        manager: &str,
    ) -> Result<(String, Value), KubeError> {
        check_identity(rt, namespace, name, &body)?;
        let (_, old) = self.get(rt, namespace, name)?;
        if let Some(version) = body
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            && Some(version)
                != old
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
        {
            return Err(KubeError::stale(&rt.group, &rt.plural, name));
        }
        let base = managed_fields_base(&old, &body);
        strip_server_fields(&mut body);
        keep_server_fields(&old, &mut body);
        let now = now_ms();
        fields::record_update(
            &base,
            &mut body,
            manager,
            &rt.api_version(&rt.version),
            &timestamp(now),
        );
        self.finish(rt, namespace, name, Some(&old), body, now)
    }

    /// PATCH (merge, strategic or JSON patch).
    pub fn patch(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        kind: PatchKind,
        patch: &Value,
        manager: &str,
    ) -> Result<(String, Value), KubeError> {
        let (_, old) = self.get(rt, namespace, name)?;
        let mut object = old.clone();
        match kind {
            PatchKind::Merge => fields::merge_patch(&mut object, patch),
            PatchKind::Strategic => strategic::apply(&mut object, patch, &rt.group, &rt.plural)
                .map_err(|e| KubeError::invalid(&rt.kind, name, e))?,
            PatchKind::Json => fields::json_patch(&mut object, patch)
                .map_err(|e| KubeError::invalid(&rt.kind, name, e))?,
        }
        // A resourceVersion in the patched object is a precondition, as for an update.
        if let Some(version) = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            && Some(version)
                != old
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
        {
            return Err(KubeError::stale(&rt.group, &rt.plural, name));
        }
        let base = managed_fields_base(&old, &object);
        strip_server_fields(&mut object);
        keep_server_fields(&old, &mut object);
        let now = now_ms();
        fields::record_update(
            &base,
            &mut object,
            manager,
            &rt.api_version(&rt.version),
            &timestamp(now),
        );
        self.finish(rt, namespace, name, Some(&old), object, now)
    }

    /// PATCH with `application/apply-patch+yaml`: server-side apply (creates when missing).
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &mut self,
        rt: &ResourceType,
        version: &str,
        namespace: &str,
        name: &str,
        config: Value,
        manager: &str,
        force: bool,
    ) -> Result<(String, Value), KubeError> {
        check_identity(rt, namespace, name, &config)?;
        if config
            .pointer("/metadata/managedFields")
            .is_some_and(|m| !m.is_null() && m != &json!([]))
        {
            return Err(KubeError::bad_request("metadata.managedFields must be nil"));
        }
        self.check_namespace(rt, namespace)?;
        let now = now_ms();
        let existing = self
            .objects
            .get(&key(&rt.group, &rt.plural, namespace, name))
            .cloned();
        let live = existing.clone().unwrap_or_else(|| json!({}));
        let api_version = rt.api_version(version);
        let mut object = fields::apply(
            &live,
            &config,
            manager,
            &api_version,
            force,
            &timestamp(now),
        )
        .map_err(|conflicts| KubeError::apply_conflicts(&conflicts))?;
        if let Some(old) = &existing {
            // The apply computed the new managedFields: keep those, not the old ones.
            let managed = object.pointer("/metadata/managedFields").cloned();
            keep_server_fields(old, &mut object);
            if let Some(managed) = managed {
                object["metadata"]["managedFields"] = managed;
            }
        }
        self.finish(rt, namespace, name, existing.as_ref(), object, now)
    }

    /// Validate, fill the server's fields, run the emulated controllers, store.
    fn finish(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        old: Option<&Value>,
        mut object: Value,
        now: i64,
    ) -> Result<(String, Value), KubeError> {
        let key = key(&rt.group, &rt.plural, namespace, name);
        if rt.plural == "customresourcedefinitions" {
            resources::validate_crd(&object, name)
                .map_err(|e| KubeError::invalid(&rt.kind, name, e))?;
        }
        if !object.get("metadata").is_some_and(Value::is_object) {
            object["metadata"] = json!({});
        }
        object["apiVersion"] = json!(rt.api_version(&rt.version));
        object["kind"] = json!(rt.kind);
        let meta = &mut object["metadata"];
        meta["name"] = json!(name);
        if rt.namespaced {
            meta["namespace"] = json!(namespace);
        }
        let spec_changed = old.is_none_or(|o| o.get("spec") != object.get("spec"));
        match old {
            None => {
                object["metadata"]["uid"] = json!(random_uuid());
                object["metadata"]["creationTimestamp"] = json!(timestamp(now));
                object["metadata"]["generation"] = json!(1);
            }
            Some(old) => {
                let generation = old
                    .pointer("/metadata/generation")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                object["metadata"]["generation"] = json!(if spec_changed {
                    generation + 1
                } else {
                    generation
                });
                if old == &object {
                    return Ok((key, object));
                }
                let mut unchanged = object.clone();
                unchanged["metadata"]["resourceVersion"] =
                    old["metadata"]["resourceVersion"].clone();
                unchanged["metadata"]["managedFields"] = old["metadata"]["managedFields"].clone();
                if &unchanged == old {
                    // Nothing but bookkeeping changed: the server keeps the resourceVersion.
                    object["metadata"]["resourceVersion"] =
                        old["metadata"]["resourceVersion"].clone();
                    self.objects.insert(key.clone(), object.clone());
                    return Ok((key, object));
                }
            }
        }
        object["metadata"]["resourceVersion"] = json!(self.next_version());
        if let Value::Object(map) = &mut object {
            map.remove("status");
        }
        match (rt.group.as_str(), rt.plural.as_str()) {
            ("apps", "deployments") | ("apiextensions.k8s.io", "customresourcedefinitions")
                if spec_changed =>
            {
                self.ready_at
                    .insert(key.clone(), now + self.ready_delay_ms as i64);
            }
            ("", "secrets") => {
                merge_string_data(&mut object);
                self.fill_token_secret(namespace, &mut object);
            }
            _ => {}
        }
        let created_namespace = old.is_none() && rt.plural == "namespaces" && rt.group.is_empty();
        self.objects.insert(key.clone(), object.clone());
        if created_namespace {
            let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount",
                            "metadata": {"name": "default", "namespace": name}});
            let accounts = self.builtin("", "serviceaccounts");
            let _ = self.store_new(&accounts, name, sa, "kube-controller-manager", now);
        }
        Ok((key, object))
    }

    /// The token controller: a `kubernetes.io/service-account-token` Secret gets a token for
    /// the service account its annotation names.
    fn fill_token_secret(&mut self, namespace: &str, secret: &mut Value) {
        if secret.get("type").and_then(Value::as_str) != Some("kubernetes.io/service-account-token")
        {
            return;
        }
        if secret.pointer("/data/token").is_some() {
            return;
        }
        let Some(account) = secret
            .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return;
        };
        let secret_name = secret
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let token = self.issue_token(namespace, &account, Issued::Legacy { secret_name });
        if !secret.get("data").is_some_and(Value::is_object) {
            secret["data"] = json!({});
        }
        secret["data"]["token"] = json!(STANDARD.encode(&token));
        secret["data"]["namespace"] = json!(STANDARD.encode(namespace));
        secret["data"]["ca.crt"] = json!(STANDARD.encode(&self.tls.ca_pem));
    }

    /// A JWT for a service account, with the claims the API server puts in its tokens
    /// (https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#bound-service-account-token-volume
    /// for bound tokens: `iss`, `sub`, `aud`, `iat`, `nbf`, `exp`, `jti` and
    /// `kubernetes.io.{namespace, serviceaccount.{name, uid}}`; legacy Secret tokens carry
    /// `iss: kubernetes/serviceaccount` and the flat `kubernetes.io/serviceaccount/...`
    /// claims, without expiry). Clients such as Vault's Kubernetes auth read these claims
    /// and compare them with the TokenReview's answer. The signature is random: only this
    /// sandbox can check a token, through its token table or a TokenReview.
    fn issue_token(&mut self, namespace: &str, account: &str, issued: Issued) -> String {
        let accounts = self.builtin("", "serviceaccounts");
        let uid = self
            .get(&accounts, namespace, account)
            .ok()
            .and_then(|(_, sa)| {
                sa.pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let now = now_ms() / 1000;
        let payload = match issued {
            Issued::Legacy { secret_name } => json!({
                "iss": "kubernetes/serviceaccount",
                "sub": format!("system:serviceaccount:{namespace}:{account}"),
                "kubernetes.io/serviceaccount/namespace": namespace,
                "kubernetes.io/serviceaccount/secret.name": secret_name,
                "kubernetes.io/serviceaccount/service-account.name": account,
                "kubernetes.io/serviceaccount/service-account.uid": uid,
            }),
            Issued::Bound { expires, audiences } => json!({
                "iss": ISSUER,
                "sub": format!("system:serviceaccount:{namespace}:{account}"),
                "aud": audiences,
                "iat": now,
                "nbf": now,
                "exp": expires,
                "jti": random_alnum(24),
                "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": account, "uid": uid}},
            }),
        };
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"ff-sandbox"}"#);
        let token = format!(
            "{header}.{}.{}",
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            random_alnum(43)
        );
        self.tokens
            .insert(token.clone(), format!("{namespace}/{account}"));
        token
    }

    /// `POST serviceaccounts/<name>/token`.
    pub fn token_request(
        &mut self,
        namespace: &str,
        account: &str,
        body: &Value,
    ) -> Result<Value, KubeError> {
        let accounts = self.builtin("", "serviceaccounts");
        self.get(&accounts, namespace, account)?;
        let seconds = body
            .pointer("/spec/expirationSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(3600)
            .max(600);
        let expires = now_ms() + seconds * 1000;
        // No audiences asked: the API server's own.
        let audiences = body
            .pointer("/spec/audiences")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .cloned()
            .unwrap_or_else(|| vec![json!(ISSUER)]);
        let token = self.issue_token(
            namespace,
            account,
            Issued::Bound {
                expires: expires / 1000,
                audiences: audiences.clone(),
            },
        );
        Ok(json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": account, "namespace": namespace, "creationTimestamp": null},
            "spec": {"audiences": audiences,
                     "expirationSeconds": seconds, "boundObjectRef": null},
            "status": {"token": token, "expirationTimestamp": timestamp(expires)},
        }))
    }

    /// `POST tokenreviews`
    /// (https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-review-v1/):
    /// an issued token of an existing service account is authenticated, with the audiences
    /// it is valid for among those asked (`spec.audiences`, else the API server's own); a
    /// token none of whose audiences is asked for is not.
    pub fn token_review(&self, body: &Value) -> Value {
        let token = body
            .pointer("/spec/token")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let asked: Vec<String> = body
            .pointer("/spec/audiences")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| vec![ISSUER.to_string()]);
        let status = match self.tokens.get(token) {
            Some(account) => {
                let (namespace, name) = account.split_once('/').unwrap_or(("", account));
                let accounts = self.builtin("", "serviceaccounts");
                let uid = self
                    .get(&accounts, namespace, name)
                    .ok()
                    .and_then(|(_, sa)| sa.pointer("/metadata/uid").cloned())
                    .unwrap_or(Value::Null);
                // Legacy tokens have no audience: they are valid for the API server's.
                let audiences: Vec<String> = match token_claims(token).get("aud") {
                    Some(Value::Array(aud)) => aud
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    Some(Value::String(aud)) => vec![aud.clone()],
                    _ => vec![ISSUER.to_string()],
                };
                let valid: Vec<&String> = asked.iter().filter(|a| audiences.contains(a)).collect();
                if uid.is_null() {
                    json!({"authenticated": false, "error": "service account not found"})
                } else if valid.is_empty() {
                    json!({"authenticated": false,
                           "error": "[invalid bearer token, token audiences is invalid for the target audiences]"})
                } else {
                    json!({"authenticated": true, "audiences": valid, "user": {
                        "username": format!("system:serviceaccount:{namespace}:{name}"),
                        "uid": uid,
                        "groups": ["system:serviceaccounts", format!("system:serviceaccounts:{namespace}"), "system:authenticated"],
                        "extra": {},
                    }})
                }
            }
            None => json!({"authenticated": false, "error": "invalid bearer token"}),
        };
        json!({"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
               "metadata": {"creationTimestamp": null}, "spec": body.get("spec").cloned().unwrap_or(json!({})),
               "status": status})
    }

    /// DELETE. A namespace takes its objects with it; a CRD takes the objects of its kind.
    pub fn delete(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<Value, KubeError> {
        let (key, object) = self.get(rt, namespace, name)?;
        self.objects.remove(&key);
        self.ready_at.remove(&key);
        if rt.group.is_empty() && rt.plural == "namespaces" {
            let inside: Vec<String> = self
                .objects
                .keys()
                .filter(|k| k.split('/').nth(2) == Some(name))
                .cloned()
                .collect();
            for k in inside {
                self.objects.remove(&k);
                self.ready_at.remove(&k);
            }
            self.tokens
                .retain(|_, account| !account.starts_with(&format!("{name}/")));
        }
        if rt.plural == "customresourcedefinitions"
            && let Some(defined) = resources::from_crd(&object)
        {
            let prefix = format!("{}/{}/", defined.group, defined.plural);
            self.objects.retain(|k, _| !k.starts_with(&prefix));
        }
        if rt.group.is_empty() && rt.plural == "serviceaccounts" {
            let account = format!("{namespace}/{name}");
            self.tokens.retain(|_, a| *a != account);
        }
        self.resource_version += 1;
        let mut details =
            json!({"name": name, "kind": rt.plural, "uid": object.pointer("/metadata/uid")});
        if !rt.group.is_empty() {
            details["group"] = json!(rt.group);
        }
        Ok(
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}),
        )
    }
}

impl Default for KubeState {
    fn default() -> Self {
        KubeState::new()
    }
}

fn namespaces() -> ResourceType {
    ResourceType {
        group: String::new(),
        version: "v1".into(),
        kind: "Namespace".into(),
        plural: "namespaces".into(),
        singular: "namespace".into(),
        namespaced: false,
        short_names: vec!["ns".into()],
        versions: vec!["v1".into()],
        custom: false,
    }
}

/// A create without `metadata.name` but with `generateName` gets the prefix and five random
/// characters, as the API server names it
/// (<https://kubernetes.io/docs/reference/using-api/api-concepts/#generated-values>; the
/// characters are those of apimachinery's `utilrand.String`).
fn generate_name(body: &mut Value) {
    use rand::Rng;
    const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let has_name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let Some(prefix) = body
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
    else {
        return;
    };
    if has_name {
        return;
    }
    let mut rng = rand::thread_rng();
    let suffix: String = (0..5)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect();
    body["metadata"]["name"] = json!(format!("{prefix}{suffix}"));
}

/// A Secret's `stringData` is merged into `data` (base64) on write and never stored or shown
/// (<https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/secret-v1/>).
fn merge_string_data(secret: &mut Value) {
    let Some(Value::Object(strings)) = secret.as_object_mut().and_then(|m| m.remove("stringData"))
    else {
        return;
    };
    if !secret.get("data").is_some_and(Value::is_object) {
        secret["data"] = json!({});
    }
    for (key, value) in strings {
        if let Some(text) = value.as_str() {
            secret["data"][key.as_str()] = json!(STANDARD.encode(text));
        }
    }
}

fn object_name(body: &Value) -> Result<String, KubeError> {
    match body.pointer("/metadata/name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => Ok(name.to_string()),
        _ => Err(KubeError::invalid(
            body.get("kind").and_then(Value::as_str).unwrap_or("Object"),
            "",
            "metadata.name: Required value: name or generateName is required",
        )),
    }
}

/// The body's kind, group, name and namespace must match the URL.
fn check_identity(
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    body: &Value,
) -> Result<(), KubeError> {
    if !body.is_object() {
        return Err(KubeError::bad_request(
            "the body of the request is not an object",
        ));
    }
    if let Some(kind) = body.get("kind").and_then(Value::as_str)
        && kind != rt.kind
    {
        return Err(KubeError::bad_request(format!(
            "the kind of the provided object ({kind}) does not match the resource ({})",
            rt.kind
        )));
    }
    if let Some(api_version) = body.get("apiVersion").and_then(Value::as_str) {
        let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        if group != rt.group {
            return Err(KubeError::bad_request(format!(
                "the API version in the data ({api_version}) does not match the expected API group {:?}",
                rt.group
            )));
        }
    }
    if let Some(body_name) = body.pointer("/metadata/name").and_then(Value::as_str)
        && body_name != name
    {
        return Err(KubeError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    if rt.namespaced
        && let Some(body_ns) = body.pointer("/metadata/namespace").and_then(Value::as_str)
        && body_ns != namespace
    {
        return Err(KubeError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

/// The object whose `managedFields` an update (PUT or a non-apply PATCH) starts from: the
/// stored one, unless the request sets other, non-empty `managedFields`, which then replace
/// them — a list holding one empty entry clears them — as documented in
/// <https://kubernetes.io/docs/reference/using-api/server-side-apply/#clearing-managedfields>.
/// kubectl relies on this when `apply --server-side` takes over what a client-side apply
/// owned (<https://kubernetes.io/docs/reference/using-api/server-side-apply/#upgrading-from-client-side-apply-to-server-side-apply>).
fn managed_fields_base(old: &Value, new: &Value) -> Value {
    let given = new.pointer("/metadata/managedFields");
    let mut base = old.clone();
    match given.and_then(Value::as_array) {
        Some(entries) if !entries.is_empty() && given != old.pointer("/metadata/managedFields") => {
            let reset = entries.len() == 1 && entries[0].as_object().is_some_and(|e| e.is_empty());
            base["metadata"]["managedFields"] = if reset {
                json!([])
            } else {
                Value::Array(entries.clone())
            };
        }
        _ => {}
    }
    base
}

/// Drop what clients may not set.
fn strip_server_fields(object: &mut Value) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
        ] {
            meta.remove(field);
        }
    }
    if let Value::Object(map) = object {
        map.remove("status");
    }
}

/// Keep the server-owned fields of the stored object across an update.
fn keep_server_fields(old: &Value, object: &mut Value) {
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    for field in [
        "uid",
        "creationTimestamp",
        "generation",
        "resourceVersion",
        "managedFields",
    ] {
        if let Some(value) = old.pointer(&format!("/metadata/{field}")) {
            object["metadata"][field] = value.clone();
        }
    }
}

/// A label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`.
pub fn matches_labels(
    selector: &str,
    labels: &serde_json::Map<String, Value>,
) -> Result<bool, String> {
    for requirement in split_requirements(selector) {
        let requirement = requirement.trim();
        if requirement.is_empty() {
            continue;
        }
        let label = |k: &str| labels.get(k.trim()).and_then(Value::as_str);
        let ok = if let Some(k) = requirement.strip_prefix('!') {
            label(k).is_none()
        } else if let Some((k, v)) = requirement.split_once("!=") {
            label(k) != Some(v.trim())
        } else if let Some((k, v)) = requirement
            .split_once("==")
            .or_else(|| requirement.split_once('='))
        {
            label(k) == Some(v.trim())
        } else if let Some((k, set)) = requirement.split_once(" notin ") {
            let set = parse_set(set)?;
            label(k).is_none_or(|v| !set.iter().any(|s| s == v))
        } else if let Some((k, set)) = requirement.split_once(" in ") {
            let set = parse_set(set)?;
            label(k).is_some_and(|v| set.iter().any(|s| s == v))
        } else {
            label(requirement).is_some()
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn split_requirements(selector: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in selector.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}

fn parse_set(text: &str) -> Result<Vec<String>, String> {
    let inner = text
        .trim()
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| {
            format!("unable to parse requirement: {text:?} is not a set in parentheses")
        })?;
    Ok(inner.split(',').map(|s| s.trim().to_string()).collect())
}

/// A field selector on `metadata.name` / `metadata.namespace`.
pub fn matches_fields(selector: &str, object: &Value) -> Result<bool, String> {
    for requirement in selector.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        let (field, negate, value) = if let Some((f, v)) = requirement.split_once("!=") {
            (f, true, v)
        } else if let Some((f, v)) = requirement
            .split_once("==")
            .or_else(|| requirement.split_once('='))
        {
            (f, false, v)
        } else {
            return Err(format!("invalid field selector {requirement:?}"));
        };
        let actual = match field.trim() {
            "metadata.name" => object.pointer("/metadata/name"),
            "metadata.namespace" => object.pointer("/metadata/namespace"),
            other => return Err(format!("field label not supported: {other}")),
        }
        .and_then(Value::as_str)
        .unwrap_or_default();
        if (actual == value.trim()) == negate {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selectors() {
        let labels = json!({"a": "1", "b": "2"});
        let labels = labels.as_object().unwrap();
        assert!(matches_labels("a=1,b", labels).unwrap());
        assert!(!matches_labels("a!=1", labels).unwrap());
        assert!(matches_labels("!c,a in (1,3)", labels).unwrap());
        assert!(!matches_labels("b notin (2)", labels).unwrap());
        assert!(matches_labels("", labels).unwrap());
    }

    #[test]
    fn deployments_become_ready_after_the_delay() {
        let mut state = KubeState::new();
        state.ready_delay_ms = 60_000;
        let rt = state.find_type("apps", "v1", "deployments").unwrap();
        let body = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 2}});
        let (key, object) = state
            .apply(&rt, "v1", "default", "d", body, "tf", false)
            .unwrap();
        assert_eq!(
            state.present(&rt, "v1", &key, &object)["status"]["readyReplicas"],
            0
        );
        state.ready_at.insert(key.clone(), 0);
        assert_eq!(
            state.present(&rt, "v1", &key, &object)["status"]["readyReplicas"],
            2
        );
    }

    #[test]
    fn an_apply_over_another_managers_object_records_both_managers() {
        let mut state = KubeState::new();
        let rt = state.find_type("", "v1", "configmaps").unwrap();
        let theirs = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"other": "1"}});
        state
            .apply(&rt, "v1", "default", "c", theirs, "kubectl", false)
            .unwrap();
        let ours = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"mine": "2"}});
        let (_, object) = state
            .apply(&rt, "v1", "default", "c", ours, "tf", false)
            .unwrap();
        let managers: Vec<String> = fields::managed(&object)
            .into_iter()
            .map(|e| e.manager)
            .collect();
        assert_eq!(managers, vec!["kubectl", "tf"]);
        let release = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let (_, object) = state
            .apply(&rt, "v1", "default", "c", release, "tf", false)
            .unwrap();
        assert_eq!(object["data"], json!({"other": "1"}));
    }

    #[test]
    fn an_update_that_sets_managed_fields_replaces_them() {
        // What `kubectl apply --server-side` sends to take over a client-side apply's fields.
        let mut state = KubeState::new();
        let rt = state.find_type("", "v1", "configmaps").unwrap();
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
        let (_, created) = state
            .create(&rt, "default", body, "kubectl-client-side-apply")
            .unwrap();
        let mut taken_over = fields::managed(&created);
        taken_over[0].manager = "kubectl".into();
        taken_over[0].operation = "Apply".into();
        let mut entries = created.clone();
        fields::set_managed(&mut entries, &taken_over);
        let patch = json!([{"op": "replace", "path": "/metadata/managedFields",
                            "value": entries["metadata"]["managedFields"]}]);
        let (_, patched) = state
            .patch(&rt, "default", "c", PatchKind::Json, &patch, "kubectl")
            .unwrap();
        let managers: Vec<(String, String)> = fields::managed(&patched)
            .into_iter()
            .map(|e| (e.manager, e.operation))
            .collect();
        assert_eq!(managers, vec![("kubectl".into(), "Apply".into())]);
        // An empty list changes nothing; one empty entry clears them.
        let (_, same) = state
            .patch(
                &rt,
                "default",
                "c",
                PatchKind::Merge,
                &json!({"metadata": {"managedFields": []}}),
                "x",
            )
            .unwrap();
        assert_eq!(fields::managed(&same).len(), 1);
        let (_, cleared) = state
            .patch(
                &rt,
                "default",
                "c",
                PatchKind::Merge,
                &json!({"metadata": {"managedFields": [{}]}}),
                "x",
            )
            .unwrap();
        assert!(fields::managed(&cleared).is_empty());
    }

    #[test]
    fn a_resource_version_in_a_patch_is_a_precondition() {
        let mut state = KubeState::new();
        let rt = state.find_type("", "v1", "configmaps").unwrap();
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        state.create(&rt, "default", body, "t").unwrap();
        let stale = json!({"metadata": {"resourceVersion": "1"}, "data": {"a": "1"}});
        let err = state
            .patch(&rt, "default", "c", PatchKind::Merge, &stale, "t")
            .unwrap_err();
        assert_eq!((err.code.as_u16(), err.reason), (409, "Conflict"));
    }

    #[test]
    fn generated_names_and_string_data() {
        let mut state = KubeState::new();
        let rt = state.find_type("", "v1", "secrets").unwrap();
        let body = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"generateName": "db-"},
                          "data": {"a": "YQ=="}, "stringData": {"b": "bee"}});
        let (_, secret) = state.create(&rt, "default", body, "t").unwrap();
        let name = secret["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with("db-") && name.len() == 8, "{name}");
        assert_eq!(secret["data"], json!({"a": "YQ==", "b": "YmVl"}));
        assert!(secret.get("stringData").is_none());
    }

    #[test]
    fn namespaced_objects_need_their_namespace() {
        let mut state = KubeState::new();
        let rt = state.find_type("", "v1", "configmaps").unwrap();
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
        let err = state
            .apply(&rt, "v1", "missing", "x", body, "tf", false)
            .unwrap_err();
        assert_eq!(err.code.as_u16(), 404);
        assert_eq!(err.message, "namespaces \"missing\" not found");
    }
}
