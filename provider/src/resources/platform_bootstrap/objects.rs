//! The objects a bootstrap applies, computed from its arguments alone (and the release
//! manifests), so that the plan can list every one of them with the digest of what will be
//! applied, without contacting the cluster.
//!
//! An object's id is `<apiVersion>/<Kind>/<namespace>/<name>` (no namespace for
//! cluster-scoped kinds); its digest is the SHA-256 (16 hex digits) of the object as applied,
//! with secret values left out (Secrets whose data comes from Vault are digested with a
//! reference to the Vault path instead). Comparing an object with what the cluster holds is a
//! subset check, so fields the API server adds (defaults, status) are not drift.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::naming::{MANAGED_BY, Names};

/// Kinds that are cluster-scoped (besides CRDs' own declared scope).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "IngressClass",
    "PersistentVolume",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
    "RuntimeClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
];

/// When an object is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wave {
    /// Namespaces and CRDs, first.
    Foundation,
    /// Everything else, concurrently, once the CRDs are Established.
    Objects,
}

/// How an object is handled.
#[derive(Clone, Debug, PartialEq)]
pub enum Handling {
    /// Applied, compared and deleted as a whole.
    Owned,
    /// A shared object (AKS `coredns-custom`): the provider applies and releases only its
    /// own fields; destroy never deletes the object.
    SharedFields,
    /// The EKS Corefile: the provider rewrites the text between its markers.
    CorefileSection {
        /// Text between the markers.
        section: String,
    },
    /// A Secret whose data are the keys of a Vault secret (never in the state).
    VaultData {
        /// Path inside the KV mount.
        path: String,
        /// A `kubernetes.io/tls` Secret: only `tls.crt` and `tls.key` are taken, and they
        /// must be PEM.
        tls: bool,
    },
}

/// One object to apply.
#[derive(Clone, Debug)]
pub struct Planned {
    /// `apps/v1/Deployment/argocd/argocd-server`.
    pub id: String,
    /// The object (for `VaultData`, without its data).
    pub object: Value,
    /// When it is applied.
    pub wave: Wave,
    /// How.
    pub handling: Handling,
    /// Digest of what is applied; `None` while part of it is unknown.
    pub digest: Option<String>,
    /// A Deployment of a release manifest, awaited until ready.
    pub await_ready: bool,
}

impl Planned {
    /// `(apiVersion, kind, namespace, name)`.
    pub fn identity(&self) -> (String, String, Option<String>, String) {
        crate::backends::kubernetes::identity(&self.object)
    }
}

/// A release manifest of the bootstrap.
#[derive(Clone, Debug)]
pub struct Release {
    /// `ingress` or `argocd`.
    pub name: &'static str,
    /// Namespace for its namespaced objects that carry none.
    pub namespace: String,
    /// Its objects, `None` while the manifest is not known.
    pub objects: Option<Vec<Value>>,
    /// Deployments are awaited.
    pub await_deployments: bool,
    /// Annotations added to its `LoadBalancer` Services.
    pub service_annotations: BTreeMap<String, String>,
}

/// A storage class to create.
#[derive(Clone, Debug, PartialEq)]
pub struct StorageClass {
    /// Name.
    pub name: String,
    /// CSI provisioner.
    pub provisioner: String,
    /// Parameters.
    pub parameters: BTreeMap<String, String>,
    /// The cluster's default class.
    pub default: bool,
    /// `Delete` or `Retain`.
    pub reclaim_policy: String,
    /// `WaitForFirstConsumer` or `Immediate`.
    pub volume_binding_mode: String,
}

/// A group bound to a cluster role, cluster-wide or in some namespaces.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleBinding {
    /// The identity provider's group.
    pub group: String,
    /// The ClusterRole.
    pub cluster_role: String,
    /// Empty: cluster-wide.
    pub namespaces: Vec<String>,
}

/// The app-of-apps.
#[derive(Clone, Debug, PartialEq)]
pub struct Application {
    /// Git repository.
    pub repo_url: String,
    /// Path in it.
    pub path: String,
    /// Revision.
    pub target_revision: String,
    /// Vault secret (under the deployment's path) with the Git credentials; `None`: none.
    pub credentials: Option<String>,
}

/// The ingress controller's default certificate.
#[derive(Clone, Debug, PartialEq)]
pub struct Tls {
    /// Vault secret (under the deployment's path) with `tls.crt` and `tls.key`.
    pub vault_secret: String,
    /// The `kubernetes.io/tls` Secret.
    pub secret_name: String,
    /// The ingress controller's namespace, where the Secret goes.
    pub namespace: String,
}

impl Tls {
    /// The Secret's object id.
    pub fn id(&self) -> String {
        format!("v1/Secret/{}/{}", self.namespace, self.secret_name)
    }
}

/// The keys of a `kubernetes.io/tls` Secret.
pub const TLS_KEYS: [&str; 2] = ["tls.crt", "tls.key"];

/// The argument that marks the ingress-nginx controller's container.
pub const INGRESS_CONTROLLER_BINARY: &str = "/nginx-ingress-controller";
const DEFAULT_CERTIFICATE_FLAG: &str = "--default-ssl-certificate";

fn is_controller_container(container: &Value) -> bool {
    container
        .get("args")
        .and_then(Value::as_array)
        .is_some_and(|args| {
            args.iter()
                .any(|a| a.as_str().map(str::trim) == Some(INGRESS_CONTROLLER_BINARY))
        })
}

/// Make `<namespace>/<secret_name>` the default certificate of the ingress controller: adds
/// `--default-ssl-certificate=<namespace>/<secret_name>` (replacing any such flag) to the
/// args of the containers running `/nginx-ingress-controller` in the first Deployment that
/// has one. The namespace is the Deployment's (its own, else `release_namespace`), which is
/// returned; `None` when the manifest has no such Deployment.
pub fn inject_default_certificate(
    objects: &mut [Value],
    release_namespace: &str,
    secret_name: &str,
) -> Option<String> {
    let deployment = objects.iter_mut().find(|o| {
        o.get("kind").and_then(Value::as_str) == Some("Deployment")
            && o.pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .is_some_and(|cs| cs.iter().any(is_controller_container))
    })?;
    let namespace = deployment
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or(release_namespace)
        .to_string();
    let flag = format!("{DEFAULT_CERTIFICATE_FLAG}={namespace}/{secret_name}");
    let containers = deployment
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)?;
    for container in containers.iter_mut().filter(|c| is_controller_container(c)) {
        let Some(args) = container.get_mut("args").and_then(Value::as_array_mut) else {
            continue;
        };
        // Drop a flag the manifest sets, in either form (`--flag=value`, `--flag value`).
        let mut kept: Vec<Value> = Vec::with_capacity(args.len() + 1);
        let mut skip_value = false;
        for arg in args.drain(..) {
            let text = arg.as_str().unwrap_or_default();
            if skip_value {
                skip_value = false;
                if !text.starts_with('-') {
                    continue;
                }
            }
            if text == DEFAULT_CERTIFICATE_FLAG {
                skip_value = true;
                continue;
            }
            if text.starts_with(&format!("{DEFAULT_CERTIFICATE_FLAG}=")) {
                continue;
            }
            kept.push(arg);
        }
        kept.push(Value::String(flag.clone()));
        *args = kept;
    }
    Some(namespace)
}

/// Everything the objects derive from.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Names.
    pub names: Names,
    /// `aws` or `azure`.
    pub cloud: String,
    /// Application namespaces.
    pub app_namespaces: Vec<String>,
    /// Storage classes.
    pub storage_classes: Vec<StorageClass>,
    /// CoreDNS forwarding: zone → servers.
    pub forward_zones: BTreeMap<String, Vec<String>>,
    /// Releases.
    pub releases: Vec<Release>,
    /// ArgoCD's namespace when ArgoCD is installed.
    pub argocd_namespace: Option<String>,
    /// The app-of-apps.
    pub application: Option<Application>,
    /// The ingress controller's default certificate.
    pub tls: Option<Tls>,
    /// Role bindings.
    pub rbac: Vec<RoleBinding>,
    /// The published metadata; `None` while unknown.
    pub metadata: Option<BTreeMap<String, String>>,
}

/// The default storage classes of a cloud.
pub fn default_storage_classes(cloud: &str) -> Vec<StorageClass> {
    match cloud {
        "azure" => vec![StorageClass {
            name: "managed-csi-premium".into(),
            provisioner: "disk.csi.azure.com".into(),
            parameters: BTreeMap::from([("skuname".into(), "Premium_LRS".into())]),
            default: true,
            reclaim_policy: "Delete".into(),
            volume_binding_mode: "WaitForFirstConsumer".into(),
        }],
        _ => vec![StorageClass {
            name: "gp3-encrypted".into(),
            provisioner: "ebs.csi.aws.com".into(),
            parameters: BTreeMap::from([
                ("type".into(), "gp3".into()),
                ("encrypted".into(), "true".into()),
            ]),
            default: true,
            reclaim_policy: "Delete".into(),
            volume_binding_mode: "WaitForFirstConsumer".into(),
        }],
    }
}

/// A release manifest named by its URL and pinned by the SHA-256 of its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinnedManifest {
    pub url: &'static str,
    pub sha256: &'static str,
}

/// The ingress-nginx release used when the `ingress` block names no manifest: controller
/// v1.15.1, its static manifest for the cloud (AWS: the Network Load Balancer variant; Azure:
/// the generic cloud one). The digests are those of the files at the release's tag, computed
/// from the repository's git objects.
pub fn default_ingress_manifest(cloud: &str) -> PinnedManifest {
    match cloud {
        "azure" => PinnedManifest {
            url: "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.15.1/deploy/static/provider/cloud/deploy.yaml",
            sha256: "502fddca66b09c20dd48b6d0a792a9671cd663a3a0d2a8bda5ae990d13b6c5b2",
        },
        _ => PinnedManifest {
            url: "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.15.1/deploy/static/provider/aws/deploy.yaml",
            sha256: "fa1f90396ba5d646ce3019c95c36c6457c80aa6bd8a97c3db0d15ed8e7c20a9b",
        },
    }
}

/// The ArgoCD release used when the `argocd` block names no manifest: v3.5.1's
/// `manifests/install.yaml` (images pinned to that version), digest as above.
pub const DEFAULT_ARGOCD_MANIFEST: PinnedManifest = PinnedManifest {
    url: "https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml",
    sha256: "795a3a972224da6a7f9d32c3e946445f062b60fb46028476715affeb688236e3",
};

/// Annotations that make a `LoadBalancer` Service internal on a cloud.
pub fn internal_lb_annotations(cloud: &str) -> BTreeMap<String, String> {
    match cloud {
        "azure" => BTreeMap::from([(
            "service.beta.kubernetes.io/azure-load-balancer-internal".into(),
            "true".into(),
        )]),
        _ => BTreeMap::from([
            (
                "service.beta.kubernetes.io/aws-load-balancer-scheme".into(),
                "internal".into(),
            ),
            (
                "service.beta.kubernetes.io/aws-load-balancer-internal".into(),
                "true".into(),
            ),
        ]),
    }
}

fn labels(names: &Names) -> Value {
    Value::Object(
        names
            .k8s_labels()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

fn with_labels(mut object: Value, names: &Names) -> Value {
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    let meta = &mut object["metadata"];
    if !meta.get("labels").is_some_and(Value::is_object) {
        meta["labels"] = json!({});
    }
    if let (Some(target), Value::Object(ours)) = (meta["labels"].as_object_mut(), labels(names)) {
        for (k, v) in ours {
            target.insert(k, v);
        }
    }
    object
}

/// `<apiVersion>/<Kind>/<namespace>/<name>`.
pub fn object_id(object: &Value) -> String {
    let (api_version, kind, namespace, name) = crate::backends::kubernetes::identity(object);
    match namespace {
        Some(ns) => format!("{api_version}/{kind}/{ns}/{name}"),
        None => format!("{api_version}/{kind}/{name}"),
    }
}

/// 16 hex digits of the SHA-256 of a value's JSON (keys sorted).
pub fn digest(value: &Value) -> String {
    let mut text = Vec::with_capacity(1024);
    canonical(value, &mut text);
    hex::encode(Sha256::digest(&text))[..16].to_string()
}

/// Compact JSON with every object's keys in byte order, written into one buffer (digests are
/// computed for every object of every bootstrap at each plan, so this stays cheap).
fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(&String, &Value)> = map.iter().collect();
            fields.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in fields.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                scalar(key, out);
                out.push(b':');
                canonical(item, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        other => scalar(other, out),
    }
}

/// A string, number, boolean or null as compact JSON.
fn scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing these into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The objects being planned, in apply order.
struct Objects {
    out: Vec<Planned>,
}

impl Objects {
    /// Adds `object`, in the foundation wave when it is a Namespace or a CRD, with its
    /// digest when its content is `known`.
    fn push(&mut self, object: Value, handling: Handling, await_ready: bool, known: bool) {
        let wave = match object.get("kind").and_then(Value::as_str) {
            Some("Namespace" | "CustomResourceDefinition") => Wave::Foundation,
            _ => Wave::Objects,
        };
        let digest_of = match &handling {
            Handling::CorefileSection { section } => json!({"corefile-section": section}),
            Handling::VaultData { path, .. } => {
                json!({"object": object, "data-from-vault": path})
            }
            _ => object.clone(),
        };
        self.out.push(Planned {
            id: object_id(&object),
            digest: known.then(|| digest(&digest_of)),
            object,
            wave,
            handling,
            await_ready,
        });
    }
}

/// Every object of the bootstrap, in apply order; `None` while a release manifest is unknown.
pub fn plan(spec: &Spec) -> Option<Vec<Planned>> {
    let mut planned = Objects { out: Vec::new() };
    namespaces(&mut planned, spec)?;
    storage_classes(&mut planned, spec);
    coredns(&mut planned, spec);
    releases(&mut planned, spec);
    tls(&mut planned, spec);
    rbac(&mut planned, spec);
    vault_reviewer(&mut planned, spec);
    metadata(&mut planned, spec);
    argocd(&mut planned, spec);
    Some(planned.out)
}

/// Namespaces: the applications', then the releases' when their manifest has none; `None` while
/// a release manifest is unknown.
fn namespaces(planned: &mut Objects, spec: &Spec) -> Option<()> {
    let names = &spec.names;
    let mut namespaces: BTreeSet<String> = BTreeSet::new();
    for ns in &spec.app_namespaces {
        if namespaces.insert(ns.clone()) {
            planned.push(
                with_labels(
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
                    names,
                ),
                Handling::Owned,
                false,
                true,
            );
        }
    }
    for release in &spec.releases {
        let objects = release.objects.as_ref()?;
        let defines_namespace = objects.iter().any(|o| {
            o.get("kind").and_then(Value::as_str) == Some("Namespace")
                && o.pointer("/metadata/name").and_then(Value::as_str)
                    == Some(release.namespace.as_str())
        });
        if !defines_namespace && namespaces.insert(release.namespace.clone()) {
            planned.push(
                with_labels(
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": release.namespace}}),
                    names,
                ),
                Handling::Owned,
                false,
                true,
            );
        }
    }
    Some(())
}

/// The storage classes.
fn storage_classes(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    for class in &spec.storage_classes {
        let mut object = json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": class.name},
            "provisioner": class.provisioner,
            "parameters": class.parameters,
            "reclaimPolicy": class.reclaim_policy,
            "volumeBindingMode": class.volume_binding_mode,
            "allowVolumeExpansion": true,
        });
        if class.default {
            object["metadata"]["annotations"] =
                json!({"storageclass.kubernetes.io/is-default-class": "true"});
        }
        planned.push(with_labels(object, names), Handling::Owned, false, true);
    }
}

/// CoreDNS forwarding: AKS reads extra server blocks from coredns-custom; on EKS the
/// deployment's blocks go into the Corefile between markers.
fn coredns(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    if !spec.forward_zones.is_empty() {
        let blocks = corefile_blocks(&spec.forward_zones);
        if spec.cloud == "azure" {
            let object = json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "coredns-custom", "namespace": "kube-system"},
                "data": {names.coredns_custom_key(): blocks},
            });
            planned.push(object, Handling::SharedFields, false, true);
        } else {
            let object = json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "coredns", "namespace": "kube-system"},
            });
            planned.push(
                object,
                Handling::CorefileSection { section: blocks },
                false,
                true,
            );
        }
    }
}

/// The releases' objects, labelled, in their namespace, internal load balancers annotated.
fn releases(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    let mut cluster_scoped: BTreeSet<String> =
        CLUSTER_SCOPED.iter().map(|s| s.to_string()).collect();
    for release in &spec.releases {
        for object in release.objects.iter().flatten() {
            if object.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
                && object.pointer("/spec/scope").and_then(Value::as_str) == Some("Cluster")
                && let Some(kind) = object.pointer("/spec/names/kind").and_then(Value::as_str)
            {
                cluster_scoped.insert(kind.to_string());
            }
        }
    }
    for release in &spec.releases {
        for object in release.objects.iter().flatten() {
            let mut object = with_labels(object.clone(), names);
            let kind = object
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if cluster_scoped.contains(&kind) {
                if let Some(meta) = object["metadata"].as_object_mut() {
                    meta.remove("namespace");
                }
            } else if object.pointer("/metadata/namespace").is_none() {
                object["metadata"]["namespace"] = json!(release.namespace);
            }
            if kind == "Service"
                && object.pointer("/spec/type").and_then(Value::as_str) == Some("LoadBalancer")
                && !release.service_annotations.is_empty()
            {
                if !object["metadata"]
                    .get("annotations")
                    .is_some_and(Value::is_object)
                {
                    object["metadata"]["annotations"] = json!({});
                }
                for (k, v) in &release.service_annotations {
                    object["metadata"]["annotations"][k] = json!(v);
                }
            }
            let await_ready = release.await_deployments && kind == "Deployment";
            planned.push(object, Handling::Owned, await_ready, true);
        }
    }
}

/// The ingress controller's default certificate, its data from Vault.
fn tls(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    if let Some(tls) = &spec.tls {
        let object = with_labels(
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": tls.secret_name, "namespace": tls.namespace}}),
            names,
        );
        planned.push(
            object,
            Handling::VaultData {
                path: names.secret_path(&tls.vault_secret),
                tls: true,
            },
            false,
            true,
        );
    }
}

/// The RBAC bindings.
fn rbac(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    for binding in &spec.rbac {
        let subject = json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": binding.group}]);
        let role_ref = json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": binding.cluster_role});
        let name = names.k8s_rbac_binding(&binding.group);
        if binding.namespaces.is_empty() {
            planned.push(
                with_labels(
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                    "metadata": {"name": name}, "roleRef": role_ref, "subjects": subject}),
                    names,
                ),
                Handling::Owned,
                false,
                true,
            );
        } else {
            for ns in &binding.namespaces {
                planned.push(
                    with_labels(
                        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                        "metadata": {"name": name, "namespace": ns}, "roleRef": role_ref, "subjects": subject}),
                        names,
                    ),
                    Handling::Owned,
                    false,
                    true,
                );
            }
        }
    }
}

/// Vault's reviewer: a service account, its long-lived token Secret, and the right to
/// review tokens.
fn vault_reviewer(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    let reviewer = names.k8s_vault_reviewer();
    planned.push(
        with_labels(
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": reviewer, "namespace": "kube-system"}}),
            names,
        ),
        Handling::Owned,
        false,
        true,
    );
    planned.push(
        with_labels(
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": reviewer, "namespace": "kube-system",
                         "annotations": {"kubernetes.io/service-account.name": reviewer}}}),
            names,
        ),
        Handling::Owned,
        false,
        true,
    );
    planned.push(
        with_labels(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": reviewer},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"},
            "subjects": [{"kind": "ServiceAccount", "name": reviewer, "namespace": "kube-system"}]}),
            names,
        ),
        Handling::Owned,
        false,
        true,
    );
}

/// The deployment's metadata where the applications and ArgoCD read it.
fn metadata(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    let mut metadata_namespaces: Vec<String> = spec.app_namespaces.clone();
    if let Some(ns) = &spec.argocd_namespace
        && !metadata_namespaces.contains(ns)
    {
        metadata_namespaces.push(ns.clone());
    }
    for ns in metadata_namespaces {
        let data = spec.metadata.clone().unwrap_or_default();
        planned.push(
            with_labels(
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": names.k8s_metadata_configmap(), "namespace": ns},
                "data": data}),
                names,
            ),
            Handling::Owned,
            false,
            spec.metadata.is_some(),
        );
    }
}

/// ArgoCD: the repository and the app-of-apps.
fn argocd(planned: &mut Objects, spec: &Spec) {
    let names = &spec.names;
    if let (Some(ns), Some(app)) = (&spec.argocd_namespace, &spec.application) {
        if let Some(secret) = &app.credentials {
            let object = with_labels(
                json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": names.argocd_repository_secret(), "namespace": ns,
                             "labels": {"argocd.argoproj.io/secret-type": "repository"}},
                "data": {"type": STANDARD.encode("git"), "url": STANDARD.encode(&app.repo_url)}}),
                names,
            );
            planned.push(
                object,
                Handling::VaultData {
                    path: names.secret_path(secret),
                    tls: false,
                },
                false,
                true,
            );
        }
        let destination = spec
            .app_namespaces
            .first()
            .cloned()
            .unwrap_or_else(|| names.k8s_namespace());
        planned.push(
            with_labels(
                json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": names.argocd_application(), "namespace": ns},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": app.repo_url, "path": app.path, "targetRevision": app.target_revision},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": destination},
                    "syncPolicy": {"automated": {"prune": true, "selfHeal": true}},
                }}),
                names,
            ),
            Handling::Owned,
            false,
            true,
        );
    }
}

/// The CoreDNS server blocks for the forward zones.
pub fn corefile_blocks(zones: &BTreeMap<String, Vec<String>>) -> String {
    let mut text = String::new();
    for (zone, servers) in zones {
        text.push_str(&format!(
            "{zone}:53 {{\n    errors\n    cache 30\n    forward . {}\n}}\n",
            servers.join(" ")
        ));
    }
    text
}

/// A Corefile with the deployment's section (between its markers) replaced by `section`
/// (removed when `None`); the rest is kept byte for byte.
pub fn replace_section(
    corefile: &str,
    markers: &(String, String),
    section: Option<&str>,
) -> String {
    let (begin, end) = markers;
    let mut kept = String::new();
    let mut inside = false;
    for line in corefile.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == begin {
            inside = true;
            continue;
        }
        if inside {
            if trimmed == end {
                inside = false;
            }
            continue;
        }
        kept.push_str(line);
    }
    match section {
        Some(section) => {
            if !kept.is_empty() && !kept.ends_with('\n') {
                kept.push('\n');
            }
            format!("{kept}{begin}\n{section}{end}\n")
        }
        None => kept,
    }
}

/// The deployment's section of a Corefile, if present.
pub fn section_of(corefile: &str, markers: &(String, String)) -> Option<String> {
    let (begin, end) = markers;
    let start = corefile.find(&format!("{begin}\n"))? + begin.len() + 1;
    let stop = corefile[start..]
        .find(&format!("{end}\n"))
        .map(|i| start + i)?;
    Some(corefile[start..stop].to_string())
}

/// Whether every field of `desired` is in `live` with the same value (lists compared element
/// by element, so defaults the server adds inside list items are not drift).
pub fn is_subset(desired: &Value, live: &Value) -> bool {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => d
            .iter()
            .all(|(k, v)| l.get(k).is_some_and(|lv| is_subset(v, lv))),
        (Value::Array(d), Value::Array(l)) => {
            d.len() == l.len() && d.iter().zip(l).all(|(a, b)| is_subset(a, b))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// A `data` map from a Vault secret's string values (base64, as Secrets hold them); for a
/// TLS Secret, only `tls.crt` and `tls.key`.
pub fn secret_data(values: &BTreeMap<String, Value>, tls: bool) -> Map<String, Value> {
    values
        .iter()
        .filter(|(k, _)| !tls || TLS_KEYS.contains(&k.as_str()))
        .filter_map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), Value::String(STANDARD.encode(s))))
        })
        .collect()
}

/// The managed-by label value, for checks before deleting.
pub fn is_ours(live: &Value, names: &Names) -> bool {
    live.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .is_some_and(|l| {
            l.get(crate::naming::K8S_KEY_LABEL).and_then(Value::as_str)
                == Some(names.key().as_str())
                && l.get(crate::naming::K8S_MANAGED_BY_LABEL)
                    .and_then(Value::as_str)
                    == Some(MANAGED_BY)
        })
}

#[cfg(test)]
mod tests {

    /// The digest formula before it wrote into one buffer: digests in existing states must
    /// not change.
    fn canonical_reference(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let sorted: BTreeMap<&String, String> = map
                    .iter()
                    .map(|(k, v)| (k, canonical_reference(v)))
                    .collect();
                let fields: Vec<String> = sorted
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", Value::String((*k).clone())))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }
            Value::Array(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(canonical_reference)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            other => other.to_string(),
        }
    }

    #[test]
    fn canonical_form_is_unchanged() {
        let value = json!({
            "zeta": [1, 2.5, -3, null, true, "x\"y\\z\n\u{1}"],
            "alpha": {"b": {"é": "ü", "a": []}, "A": {}, "a b": "tab\tend"},
            "kind": "ConfigMap",
            "n": 12345678901234567u64,
        });
        let mut out = Vec::new();
        canonical(&value, &mut out);
        assert_eq!(
            String::from_utf8(out).ok(),
            Some(canonical_reference(&value))
        );
        assert_eq!(
            digest(&value),
            hex::encode(Sha256::digest(canonical_reference(&value).as_bytes()))[..16].to_string()
        );
    }

    use super::*;
    use crate::naming::DeploymentKey;

    fn spec() -> Spec {
        let key = DeploymentKey::parse("WM-Prod").unwrap_or_else(|e| panic!("{e}"));
        Spec {
            names: Names::new(&key, "deployments"),
            cloud: "aws".into(),
            app_namespaces: vec!["wm-prod".into()],
            storage_classes: default_storage_classes("aws"),
            forward_zones: BTreeMap::from([("corp.example".into(), vec!["10.0.0.2".into()])]),
            releases: vec![Release {
                name: "argocd",
                namespace: "argocd".into(),
                objects: Some(vec![
                    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "applications.argoproj.io"}, "spec": {"scope": "Namespaced", "names": {"kind": "Application"}}}),
                    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "argocd-server"}}),
                ]),
                await_deployments: true,
                service_annotations: BTreeMap::new(),
            }],
            argocd_namespace: Some("argocd".into()),
            application: Some(Application {
                repo_url: "https://git.example/platform.git".into(),
                path: "apps".into(),
                target_revision: "main".into(),
                credentials: Some("git".into()),
            }),
            tls: None,
            rbac: vec![RoleBinding {
                group: "admins".into(),
                cluster_role: "cluster-admin".into(),
                namespaces: vec![],
            }],
            metadata: None,
        }
    }

    #[test]
    fn plan_lists_every_object_with_namespaces_and_crds_first() {
        let planned = plan(&spec()).unwrap_or_default();
        let ids: Vec<&str> = planned.iter().map(|p| p.id.as_str()).collect();
        for expected in [
            "v1/Namespace/wm-prod",
            "v1/Namespace/argocd",
            "storage.k8s.io/v1/StorageClass/gp3-encrypted",
            "v1/ConfigMap/kube-system/coredns",
            "apiextensions.k8s.io/v1/CustomResourceDefinition/applications.argoproj.io",
            "apps/v1/Deployment/argocd/argocd-server",
            "v1/Secret/argocd/ff-wm-prod-repo",
            "argoproj.io/v1alpha1/Application/argocd/ff-wm-prod",
            "rbac.authorization.k8s.io/v1/ClusterRoleBinding/ff-wm-prod-admins",
            "v1/ConfigMap/wm-prod/ff-deployment",
        ] {
            assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
        }
        let metadata = planned
            .iter()
            .find(|p| p.id == "v1/ConfigMap/wm-prod/ff-deployment");
        assert!(
            metadata.is_some_and(|p| p.digest.is_none()),
            "unknown metadata, unknown digest"
        );
        assert!(
            planned
                .iter()
                .filter(|p| p.id != "v1/ConfigMap/wm-prod/ff-deployment"
                    && p.id != "v1/ConfigMap/argocd/ff-deployment")
                .all(|p| p.digest.is_some())
        );
        assert!(planned.iter().any(|p| p.await_ready));
        let crd = planned
            .iter()
            .find(|p| p.id.contains("CustomResourceDefinition"));
        assert_eq!(crd.map(|p| p.wave), Some(Wave::Foundation));
    }

    fn controller_deployment(args: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "ingress-nginx-controller"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "args": ["--x"]},
            {"name": "controller", "args": args},
        ]}}}})
    }

    #[test]
    fn default_certificate_goes_on_the_controller_container_only() {
        let mut objects = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "other"},
                "spec": {"template": {"spec": {"containers": [{"name": "a", "args": ["/other"]}]}}}}),
            controller_deployment(json!([
                "/nginx-ingress-controller",
                "--ingress-class=nginx"
            ])),
        ];
        let ns = inject_default_certificate(&mut objects, "ingress-nginx", "ff-wm-prod-tls");
        assert_eq!(ns.as_deref(), Some("ingress-nginx"));
        assert_eq!(
            objects[1].pointer("/spec/template/spec/containers/1/args"),
            Some(&json!([
                "/nginx-ingress-controller",
                "--ingress-class=nginx",
                "--default-ssl-certificate=ingress-nginx/ff-wm-prod-tls"
            ]))
        );
        assert_eq!(
            objects[1].pointer("/spec/template/spec/containers/0/args"),
            Some(&json!(["--x"])),
            "other containers untouched"
        );
        assert_eq!(
            objects[0].pointer("/spec/template/spec/containers/0/args"),
            Some(&json!(["/other"])),
            "other Deployments untouched"
        );
        // Applied again (or on a manifest that sets one): one flag, ours.
        let again = inject_default_certificate(&mut objects, "ingress-nginx", "ff-wm-prod-tls");
        assert_eq!(again.as_deref(), Some("ingress-nginx"));
        let args = objects[1]
            .pointer("/spec/template/spec/containers/1/args")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            args.as_array().map(|a| a
                .iter()
                .filter(|x| x.as_str().is_some_and(|s| s.contains("default-ssl")))
                .count()),
            Some(1)
        );
    }

    #[test]
    fn default_certificate_replaces_the_manifests_in_either_form() {
        let mut objects = vec![controller_deployment(json!([
            "/nginx-ingress-controller",
            "--default-ssl-certificate",
            "default/upstream",
            "--default-ssl-certificate=default/other",
            "--v=2"
        ]))];
        objects[0]["metadata"]["namespace"] = json!("edge");
        let ns = inject_default_certificate(&mut objects, "ingress-nginx", "ff-x-tls");
        assert_eq!(
            ns.as_deref(),
            Some("edge"),
            "the Deployment's own namespace"
        );
        assert_eq!(
            objects[0].pointer("/spec/template/spec/containers/1/args"),
            Some(&json!([
                "/nginx-ingress-controller",
                "--v=2",
                "--default-ssl-certificate=edge/ff-x-tls"
            ]))
        );
    }

    #[test]
    fn no_controller_no_default_certificate() {
        let mut objects = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}}}),
        ];
        let before = objects.clone();
        assert_eq!(inject_default_certificate(&mut objects, "ns", "s"), None);
        assert_eq!(objects, before);
    }

    #[test]
    fn tls_secret_is_planned_with_its_data_from_vault() {
        let mut spec = spec();
        spec.tls = Some(Tls {
            vault_secret: "tls".into(),
            secret_name: "ff-wm-prod-tls".into(),
            namespace: "ingress-nginx".into(),
        });
        let planned = plan(&spec).unwrap_or_default();
        let secret = planned
            .iter()
            .find(|p| p.id == "v1/Secret/ingress-nginx/ff-wm-prod-tls");
        let Some(secret) = secret else {
            panic!("no TLS Secret planned");
        };
        assert_eq!(secret.object["type"], "kubernetes.io/tls");
        assert_eq!(
            secret.object["metadata"]["labels"]["ff/deployment-key"],
            "WM-Prod"
        );
        assert!(secret.object.get("data").is_none(), "no data planned");
        assert_eq!(
            secret.handling,
            Handling::VaultData {
                path: "WM-Prod/tls".into(),
                tls: true
            }
        );
        assert!(secret.digest.is_some());
        let values = BTreeMap::from([
            ("tls.crt".to_string(), json!("CERT")),
            ("tls.key".to_string(), json!("KEY")),
            ("note".to_string(), json!("x")),
        ]);
        let data = secret_data(&values, true);
        assert_eq!(
            data.keys().cloned().collect::<Vec<_>>(),
            vec!["tls.crt", "tls.key"]
        );
        assert_eq!(secret_data(&values, false).len(), 3);
    }

    #[test]
    fn corefile_section_is_replaced_and_removed() {
        let markers = ("# BEGIN x".to_string(), "# END x".to_string());
        let base = ".:53 {\n    forward . /etc/resolv.conf\n}\n";
        let with = replace_section(base, &markers, Some("corp:53 {\n}\n"));
        assert_eq!(
            section_of(&with, &markers).as_deref(),
            Some("corp:53 {\n}\n")
        );
        let again = replace_section(&with, &markers, Some("other:53 {\n}\n"));
        assert_eq!(again.matches("# BEGIN x").count(), 1);
        assert_eq!(replace_section(&again, &markers, None), base);
    }

    #[test]
    fn subset_ignores_server_defaults() {
        let desired = json!({"spec": {"containers": [{"name": "a"}]}});
        let live = json!({"spec": {"containers": [{"name": "a", "imagePullPolicy": "IfNotPresent"}]}, "status": {}});
        assert!(is_subset(&desired, &live));
        assert!(!is_subset(
            &json!({"data": {"k": "1"}}),
            &json!({"data": {"k": "2"}})
        ));
        assert_eq!(
            digest(&json!({"b": 1, "a": 2})),
            digest(&json!({"a": 2, "b": 1}))
        );
    }
}
