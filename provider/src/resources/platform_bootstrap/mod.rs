//! `ff_platform_bootstrap`: phases 3 and 4 of a deployment on its Kubernetes cluster.
//!
//! - [`model`]: the state and the schema;
//! - [`objects`]: the objects computed from the arguments (and the pinned manifests), their
//!   ids and digests, the CoreDNS text, the drift comparison;
//! - this file: planning, the apply (`converge`, shared by create and update), reading,
//!   import and destroy.
//!
//! Planning never contacts the cluster: the connection is a resource argument that may still
//! be unknown (the cluster is created in the same plan). The plan downloads the pinned
//! manifests (checking their SHA-256) to list every object it will apply with its digest.
//! The apply downloads and checks them again before touching anything, applies Namespaces
//! and CRDs, waits for the CRDs to be Established, applies every other object concurrently
//! (server-side apply, field manager `terraform-provider-ff`), then waits for the releases'
//! Deployments while it configures Vault's Kubernetes auth method. Progress is recorded
//! object by object, so a failure returns an error together with what was applied. A
//! non-secret record of the arguments is kept in Vault at `<kv_mount>/<key>/platform`: the
//! source of `terraform import`.
//!
//! Secrets whose data come from Vault (the ArgoCD repository's Git credentials, the ingress
//! controller's default certificate of `tls`) are planned without their data and filled in
//! at apply; a refresh compares them with what Vault holds now, so a new certificate in
//! Vault shows as drift. Only the certificate's SHA-256 reaches the state.

mod model;
pub mod objects;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::{Value as Json, json};
use tfplugin::Value;
use tfplugin::schema::IdentitySchema;
use tfplugin::schema::Schema;
use tfplugin::{AttributePath, ClientCapabilities, Diagnostics, Dynamic, Resource};

pub use model::{BootstrapState, schema};

use crate::backends::aws_credentials::WebIdentityRole;
use crate::backends::kubernetes::{ClusterAuth, Connection, KubeClient, KubeError};
use crate::backends::manifests::ManifestCache;
use crate::backends::vault::VaultClient;
use crate::context::{Backends, ProviderContext, Slot};
use crate::diag::{DiagnosticsExt, attr, block_attr, chain};
use crate::naming::{DeploymentKey, Names};
use crate::resources::{
    apply_backend, backends, from_state_map, identity_key, key_identity, key_identity_schema,
    plan_backend,
};
use model::parse_duration;
use objects::{Handling, Planned, Spec, Wave};

const RESOURCE: &str = "ff_platform_bootstrap";
/// How many objects are applied or deleted at once.
const CONCURRENCY: usize = 24;
const DRIFTED: &str = "drifted";

/// `ff_platform_bootstrap`.
#[derive(Debug)]
pub struct PlatformBootstrapResource {
    context: Arc<ProviderContext>,
    manifests: ManifestCache,
}

impl PlatformBootstrapResource {
    /// The resource, sharing the provider's backends.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self {
            context,
            manifests: ManifestCache::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

/// A problem with an argument: where, and what.
struct ArgError {
    path: AttributePath,
    summary: String,
    detail: String,
}

fn arg_error(path: AttributePath, summary: &str, detail: impl Into<String>) -> ArgError {
    ArgError {
        path,
        summary: summary.to_string(),
        detail: detail.into(),
    }
}

fn known_list(v: &Value<Vec<Value<String>>>) -> Option<Option<Vec<String>>> {
    match v {
        Value::Value(items) => items
            .iter()
            .map(|i| i.as_ref_option().cloned())
            .collect::<Option<Vec<_>>>()
            .map(Some),
        Value::Null => Some(None),
        Value::Unknown => None,
    }
}

fn known_str(v: &Value<String>) -> Option<Option<String>> {
    match v {
        Value::Value(s) => Some(Some(s.clone())),
        Value::Null => Some(None),
        Value::Unknown => None,
    }
}

fn validate(diags: &mut Diagnostics, state: &BootstrapState) {
    if let Value::Value(key) = &state.deployment_key
        && let Err(e) = DeploymentKey::parse(key)
    {
        diags.error_at(
            attr("deployment_key"),
            "Invalid deployment key",
            format!("{e}. Example of a valid key: \"WM-Prod\"."),
        );
    }
    if let Value::Value(cloud) = &state.cloud
        && cloud != "aws"
        && cloud != "azure"
    {
        diags.error_at(
            attr("cloud"),
            "Invalid cloud",
            format!("cloud must be \"aws\" or \"azure\"; it is {cloud:?}."),
        );
    }
    match &state.cluster {
        Value::Null => diags.error_at(attr("cluster"), "Missing cluster block", "ff_platform_bootstrap needs a cluster block with the host and one way to authenticate (eks, aks, exec, client_certificate and client_key, or token)."),
        Value::Value(cluster) => {
            // Set, or not known yet (a value from elsewhere, a dynamic block whose for_each
            // is unknown — everything from a variable during `terraform validate`).
            let state = |known: bool, unknown: bool| (known, unknown && !known);
            let methods = [
                state(cluster.token.is_value(), cluster.token.is_unknown()),
                state(cluster.exec.is_value(), cluster.exec.is_unknown()),
                state(cluster.eks.is_value(), cluster.eks.is_unknown()),
                state(cluster.aks.is_value(), cluster.aks.is_unknown()),
                state(
                    cluster.client_certificate.is_value() || cluster.client_key.is_value(),
                    cluster.client_certificate.is_unknown() || cluster.client_key.is_unknown(),
                ),
            ];
            let count = methods.iter().filter(|(set, _)| *set).count();
            let maybe = methods.iter().filter(|(_, unknown)| *unknown).count();
            if count > 1 || count + maybe == 0 {
                diags.error_at(attr("cluster").index(0), "One way to authenticate to the cluster", format!("Set exactly one of eks, aks, exec, client_certificate with client_key, or token in the cluster block; {count} are set."));
            }
            if cluster.client_certificate.is_null() != cluster.client_key.is_null() {
                diags.error_at(block_attr("cluster", "client_key"), "Incomplete client certificate", "client_certificate and client_key go together.");
            }
            if let Value::Value(host) = &cluster.host
                && !matches!(url::Url::parse(host), Ok(u) if u.scheme() == "https" && u.host().is_some())
            {
                diags.error_at(block_attr("cluster", "host"), "Invalid cluster host", format!("host must be an https:// URL such as https://api.cluster.example:6443; it is {host:?}."));
            }
            if let Value::Value(proxy) = &cluster.proxy_url
                && !matches!(url::Url::parse(proxy), Ok(u) if matches!(u.scheme(), "socks5" | "socks5h" | "http" | "https"))
            {
                diags.error_at(block_attr("cluster", "proxy_url"), "Invalid proxy URL", format!("proxy_url must be a socks5:// or http:// URL; it is {proxy:?}."));
            }
        }
        Value::Unknown => {}
    }
    for (name, url, sha) in [
        (
            "ingress",
            state
                .ingress
                .as_ref_option()
                .map(|b| (&b.manifest_url, &b.sha256)),
        ),
        (
            "argocd",
            state
                .argocd
                .as_ref_option()
                .map(|b| (&b.manifest_url, &b.sha256)),
        ),
    ]
    .into_iter()
    .filter_map(|(n, b)| b.map(|(u, s)| (n, u, s)))
    {
        if url.is_null() != sha.is_null() {
            let missing = if url.is_null() {
                "manifest_url"
            } else {
                "sha256"
            };
            diags.error_at(
                AttributePath::new(name).index(0).attribute(missing),
                "Manifest URL and digest go together",
                format!(
                    "Set both manifest_url and sha256 to pin another release, or neither to use the release the provider pins; {missing} is missing."
                ),
            );
        }
        if let Value::Value(sha) = sha
            && (sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()))
        {
            diags.error_at(
                AttributePath::new(name).index(0).attribute("sha256"),
                "Invalid SHA-256",
                format!("sha256 must be 64 hexadecimal digits; it is {sha:?}."),
            );
        }
        if let Value::Value(url) = url
            && !matches!(url::Url::parse(url), Ok(u) if matches!(u.scheme(), "http" | "https"))
        {
            diags.error_at(
                AttributePath::new(name).index(0).attribute("manifest_url"),
                "Invalid manifest URL",
                format!("manifest_url must be an http(s) URL; it is {url:?}."),
            );
        }
    }
    if state.application.is_value() && state.argocd.is_null() {
        diags.error_at(
            attr("application"),
            "ArgoCD is needed",
            "The application block creates an ArgoCD Application: add an argocd block.",
        );
    }
    if state.tls.is_value() && state.ingress.is_null() {
        diags.error_at(
            attr("tls"),
            "The ingress controller is needed",
            "The tls block makes a certificate from Vault the ingress controller's default certificate: add an ingress block.",
        );
    }
    if let Value::Value(timeouts) = &state.timeouts {
        for (name, value) in [
            ("create", &timeouts.create),
            ("update", &timeouts.update),
            ("delete", &timeouts.delete),
        ] {
            if let Value::Value(text) = value
                && parse_duration(text).is_none()
            {
                diags.error_at(
                    AttributePath::new("timeouts").index(0).attribute(name),
                    "Invalid duration",
                    format!("{text:?} is not a duration such as \"30s\", \"10m\" or \"1h\"."),
                );
            }
        }
    }
    if let Value::Value(namespaces) = &state.app_namespaces {
        for ns in namespaces.iter().filter_map(|n| n.as_ref_option()) {
            if !crate::naming::is_dns1123_label(ns) {
                diags.error_at(
                    attr("app_namespaces"),
                    "Invalid namespace",
                    format!("{ns:?} is not a Kubernetes namespace name (a DNS-1123 label)."),
                );
            }
        }
    }
    validate::formats(diags, state);
}

/// Defaults of optional and computed arguments, filled in at plan.
fn fill_defaults(state: &mut BootstrapState) {
    if let Some(key) = state
        .deployment_key
        .as_ref_option()
        .and_then(|k| DeploymentKey::parse(k).ok())
    {
        let names = Names::new(&key, "");
        state.id = Value::Value(key.to_string());
        state.vault_auth_mount = Value::Value(names.vault_kubernetes_auth_mount());
        state.vault_auth_role = Value::Value(names.vault_kubernetes_role());
        state.metadata_configmap = Value::Value(names.k8s_metadata_configmap());
        if state.app_namespaces.is_null() {
            state.app_namespaces = Value::Value(vec![Value::Value(names.k8s_namespace())]);
        }
    } else {
        state.id = Value::Unknown;
        state.vault_auth_mount = Value::Unknown;
        state.vault_auth_role = Value::Unknown;
        state.metadata_configmap = Value::Unknown;
        if state.app_namespaces.is_null() {
            state.app_namespaces = Value::Unknown;
        }
    }
    let default = |v: &mut Value<String>, d: &str| {
        if v.is_null() {
            *v = Value::Value(d.to_string());
        }
    };
    if let Value::Value(cluster) = &mut state.cluster {
        if let Value::Value(exec) = &mut cluster.exec {
            default(
                &mut exec.api_version,
                "client.authentication.k8s.io/v1beta1",
            );
        }
        if let Value::Value(aks) = &mut cluster.aks {
            default(
                &mut aks.server_app_id,
                crate::backends::aks_token::AKS_SERVER_APP_ID,
            );
        }
    }
    if let Value::Value(classes) = &mut state.storage_class {
        for class in classes.iter_mut().filter_map(|c| match c {
            Value::Value(c) => Some(c),
            _ => None,
        }) {
            if class.default.is_null() {
                class.default = Value::Value(false);
            }
            default(&mut class.reclaim_policy, "Delete");
            default(&mut class.volume_binding_mode, "WaitForFirstConsumer");
        }
    }
    // A manifest left out is the pinned release of the cloud (both halves together: a URL
    // without its digest, or the reverse, is refused at validation).
    let cloud = state.cloud.clone();
    let pin = |url: &mut Value<String>,
               sha: &mut Value<String>,
               pinned: Option<objects::PinnedManifest>| {
        if url.is_null() && sha.is_null() {
            match pinned {
                Some(pinned) => {
                    *url = Value::Value(pinned.url.to_string());
                    *sha = Value::Value(pinned.sha256.to_string());
                }
                None => {
                    *url = Value::Unknown;
                    *sha = Value::Unknown;
                }
            }
        }
    };
    if let Value::Value(ingress) = &mut state.ingress {
        let pinned = match &cloud {
            Value::Value(cloud) => Some(objects::default_ingress_manifest(cloud)),
            Value::Null => Some(objects::default_ingress_manifest("aws")),
            Value::Unknown => None,
        };
        pin(&mut ingress.manifest_url, &mut ingress.sha256, pinned);
        default(&mut ingress.namespace, "ingress-nginx");
        if ingress.internal.is_null() {
            ingress.internal = Value::Value(true);
        }
    }
    if let Value::Value(argocd) = &mut state.argocd {
        pin(
            &mut argocd.manifest_url,
            &mut argocd.sha256,
            Some(objects::DEFAULT_ARGOCD_MANIFEST),
        );
        default(&mut argocd.namespace, "argocd");
    }
    if let Value::Value(app) = &mut state.application {
        default(&mut app.path, ".");
        default(&mut app.target_revision, "HEAD");
        default(&mut app.git_credentials_secret, "git");
    }
    if let Value::Value(tls) = &mut state.tls {
        default(&mut tls.vault_secret, "tls");
        if tls.secret_name.is_null() {
            tls.secret_name = match state
                .deployment_key
                .as_ref_option()
                .and_then(|k| DeploymentKey::parse(k).ok())
            {
                Some(key) => Value::Value(Names::new(&key, "").k8s_tls_secret()),
                None => Value::Unknown,
            };
        }
    }
    if let Value::Value(vault) = &mut state.vault_auth {
        if vault.service_accounts.is_null() {
            vault.service_accounts = Value::Value(vec![Value::Value("*".into())]);
        }
        default(&mut vault.token_ttl, "1h");
    }
}

/// The Vault role's settings.
fn role_body(names: &Names, spec: &Spec, state: &BootstrapState) -> Json {
    let vault = state.vault_auth.as_ref_option();
    let accounts: Vec<String> = vault
        .and_then(|v| known_list(&v.service_accounts).flatten())
        .unwrap_or_else(|| vec!["*".into()]);
    let ttl = vault
        .and_then(|v| v.token_ttl.as_ref_option().cloned())
        .unwrap_or_else(|| "1h".into());
    json!({
        "bound_service_account_names": accounts,
        "bound_service_account_namespaces": spec.app_namespaces,
        "token_policies": [names.vault_policy()],
        "token_ttl": ttl,
    })
}

/// What the Vault side is configured with, `None` while the cluster's address is unknown.
fn vault_config_digest(state: &BootstrapState) -> Option<String> {
    let cluster = state.cluster.as_ref_option()?;
    let host = cluster.host.as_ref_option()?;
    let ca = known_str(&cluster.cluster_ca_certificate)?;
    Some(objects::digest(&json!({"host": host, "ca": ca})))
}

fn vault_ids(names: &Names) -> (String, String) {
    let mount = names.vault_kubernetes_auth_mount();
    (
        format!("vault/auth/{mount}/config"),
        format!("vault/auth/{mount}/role/{}", names.vault_kubernetes_role()),
    )
}

impl PlatformBootstrapResource {
    /// The objects' spec from the arguments; `Ok(None)` while an argument they depend on is
    /// unknown. Downloads (and checks) the pinned manifests.
    async fn spec(
        &self,
        state: &BootstrapState,
        backends: &Backends,
    ) -> Result<Option<Spec>, ArgError> {
        let Some(key) = state.deployment_key.as_ref_option() else {
            return Ok(None);
        };
        let key = DeploymentKey::parse(key).map_err(|e| {
            arg_error(
                attr("deployment_key"),
                "Invalid deployment key",
                e.to_string(),
            )
        })?;
        let names = Names::new(&key, &backends.kv_mount);
        let Some(cloud) = state.cloud.as_ref_option().cloned() else {
            return Ok(None);
        };
        let app_namespaces = match known_list(&state.app_namespaces) {
            Some(Some(list)) => list,
            Some(None) => vec![names.k8s_namespace()],
            None => return Ok(None),
        };
        let storage_classes = match &state.storage_class {
            Value::Value(classes) if !classes.is_empty() => {
                let mut out = Vec::new();
                for class in classes {
                    let Value::Value(c) = class else {
                        return Ok(None);
                    };
                    let (Some(name), Some(provisioner)) =
                        (c.name.as_ref_option(), c.provisioner.as_ref_option())
                    else {
                        return Ok(None);
                    };
                    let parameters = match &c.parameters {
                        Value::Value(m) => match from_state_map(m) {
                            Some(m) => m,
                            None => return Ok(None),
                        },
                        Value::Null => BTreeMap::new(),
                        Value::Unknown => return Ok(None),
                    };
                    out.push(objects::StorageClass {
                        name: name.clone(),
                        provisioner: provisioner.clone(),
                        parameters,
                        default: match c.default {
                            Value::Value(b) => b,
                            Value::Null => false,
                            Value::Unknown => return Ok(None),
                        },
                        reclaim_policy: known_str(&c.reclaim_policy)
                            .map(|v| v.unwrap_or_else(|| "Delete".into()))
                            .unwrap_or_default(),
                        volume_binding_mode: known_str(&c.volume_binding_mode)
                            .map(|v| v.unwrap_or_else(|| "WaitForFirstConsumer".into()))
                            .unwrap_or_default(),
                    });
                }
                out
            }
            Value::Unknown => return Ok(None),
            _ => objects::default_storage_classes(&cloud),
        };
        let forward_zones = match state.coredns.as_ref_option().map(|c| &c.forward_zones) {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Unknown) => return Ok(None),
            Some(Value::Value(zones)) => {
                let mut out = BTreeMap::new();
                for (zone, servers) in zones {
                    match known_list(servers) {
                        Some(Some(list)) => {
                            out.insert(zone.clone(), list);
                        }
                        Some(None) => {}
                        None => return Ok(None),
                    }
                }
                out
            }
        };
        let timeout = backends.request_timeout.max(Duration::from_secs(60));
        let mut releases = Vec::new();
        if let Some(ingress) = state.ingress.as_ref_option() {
            let (Some(url), Some(sha), Some(ns)) = (
                ingress.manifest_url.as_ref_option(),
                ingress.sha256.as_ref_option(),
                known_str(&ingress.namespace),
            ) else {
                return Ok(None);
            };
            let objects = self
                .manifests
                .objects(url, sha, timeout)
                .await
                .map_err(|e| {
                    arg_error(
                        AttributePath::new("ingress").index(0).attribute("sha256"),
                        "Ingress controller manifest cannot be used",
                        manifest_detail(&e),
                    )
                })?;
            let internal = match ingress.internal {
                Value::Value(b) => b,
                Value::Null => true,
                Value::Unknown => return Ok(None),
            };
            releases.push(objects::Release {
                name: "ingress",
                namespace: ns.unwrap_or_else(|| "ingress-nginx".into()),
                objects: Some(objects.as_ref().clone()),
                await_deployments: true,
                service_annotations: if internal {
                    objects::internal_lb_annotations(&cloud)
                } else {
                    BTreeMap::new()
                },
            });
        }
        let mut argocd_namespace = None;
        if let Some(argocd) = state.argocd.as_ref_option() {
            let (Some(url), Some(sha), Some(ns)) = (
                argocd.manifest_url.as_ref_option(),
                argocd.sha256.as_ref_option(),
                known_str(&argocd.namespace),
            ) else {
                return Ok(None);
            };
            let objects = self
                .manifests
                .objects(url, sha, timeout)
                .await
                .map_err(|e| {
                    arg_error(
                        AttributePath::new("argocd").index(0).attribute("sha256"),
                        "ArgoCD manifest cannot be used",
                        manifest_detail(&e),
                    )
                })?;
            let ns = ns.unwrap_or_else(|| "argocd".into());
            argocd_namespace = Some(ns.clone());
            releases.push(objects::Release {
                name: "argocd",
                namespace: ns,
                objects: Some(objects.as_ref().clone()),
                await_deployments: true,
                service_annotations: BTreeMap::new(),
            });
        }
        let application = match state.application.as_ref_option() {
            None => None,
            Some(app) => {
                let (Some(repo_url), Some(path), Some(revision), Some(secret)) = (
                    app.repo_url.as_ref_option(),
                    known_str(&app.path),
                    known_str(&app.target_revision),
                    known_str(&app.git_credentials_secret),
                ) else {
                    return Ok(None);
                };
                Some(objects::Application {
                    repo_url: repo_url.clone(),
                    path: path.unwrap_or_else(|| ".".into()),
                    target_revision: revision.unwrap_or_else(|| "HEAD".into()),
                    credentials: match secret.as_deref() {
                        Some("") => None,
                        Some(s) => Some(s.to_string()),
                        None => Some("git".to_string()),
                    },
                })
            }
        };
        let tls = match state.tls.as_ref_option() {
            None => None,
            Some(block) => {
                let (Some(vault_secret), Some(secret_name)) = (
                    known_str(&block.vault_secret),
                    known_str(&block.secret_name),
                ) else {
                    return Ok(None);
                };
                let secret_name = secret_name.unwrap_or_else(|| names.k8s_tls_secret());
                let Some(release) = releases.iter_mut().find(|r| r.name == "ingress") else {
                    if state.ingress.is_unknown() {
                        return Ok(None);
                    }
                    return Err(arg_error(
                        attr("tls"),
                        "The ingress controller is needed",
                        "The tls block makes a certificate from Vault the ingress controller's default certificate: add an ingress block.",
                    ));
                };
                let Some(manifest) = release.objects.as_mut() else {
                    return Ok(None);
                };
                let Some(namespace) =
                    objects::inject_default_certificate(manifest, &release.namespace, &secret_name)
                else {
                    return Err(arg_error(
                        attr("tls"),
                        "No ingress controller in the manifest",
                        format!(
                            "The tls block sets --default-ssl-certificate on the ingress controller's container, the one whose args hold {:?} in a Deployment of the ingress manifest; the manifest at ingress.manifest_url has none.",
                            objects::INGRESS_CONTROLLER_BINARY
                        ),
                    ));
                };
                Some(objects::Tls {
                    vault_secret: vault_secret.unwrap_or_else(|| "tls".into()),
                    secret_name,
                    namespace,
                })
            }
        };
        let mut rbac = Vec::new();
        if let Value::Value(bindings) = &state.rbac {
            for binding in bindings {
                let Value::Value(b) = binding else {
                    return Ok(None);
                };
                let (Some(group), Some(role), Some(namespaces)) = (
                    b.group.as_ref_option(),
                    b.cluster_role.as_ref_option(),
                    known_list(&b.namespaces),
                ) else {
                    return Ok(None);
                };
                rbac.push(objects::RoleBinding {
                    group: group.clone(),
                    cluster_role: role.clone(),
                    namespaces: namespaces.unwrap_or_default(),
                });
            }
        } else if state.rbac.is_unknown() {
            return Ok(None);
        }
        Ok(Some(Spec {
            metadata: metadata_of(state, &names, &cloud, backends),
            names,
            cloud,
            app_namespaces,
            storage_classes,
            forward_zones,
            releases,
            argocd_namespace,
            application,
            tls,
            rbac,
        }))
    }
}

fn manifest_detail(e: &crate::backends::manifests::ManifestError) -> String {
    format!(
        "{}.\n\nNothing was applied. Pin the SHA-256 of the release you reviewed \
         (sha256sum of the file at manifest_url), or fix the URL.",
        chain(e)
    )
}

/// The published metadata, `None` while unknown.
fn metadata_of(
    state: &BootstrapState,
    names: &Names,
    cloud: &str,
    backends: &Backends,
) -> Option<BTreeMap<String, String>> {
    let vault_address = match &backends.vault {
        Slot::Ready(v) => v.address().to_string(),
        _ => return None,
    };
    let mut data = BTreeMap::from([
        ("deployment_key".to_string(), names.key().to_string()),
        ("slug".to_string(), names.slug().to_string()),
        ("cloud".to_string(), cloud.to_string()),
        ("vault_address".to_string(), vault_address),
        (
            "vault_auth_path".to_string(),
            format!("auth/{}", names.vault_kubernetes_auth_mount()),
        ),
        ("vault_auth_role".to_string(), names.vault_kubernetes_role()),
        ("vault_kv_path".to_string(), names.vault_path()),
    ]);
    if let Some(meta) = state.metadata.as_ref_option() {
        if let Some(domain) = known_str(&meta.auth0_domain)? {
            data.insert("auth0_domain".into(), domain);
        }
        if let Some(audience) = known_str(&meta.auth0_audience)? {
            data.insert("auth0_audience".into(), audience);
        }
        match &meta.auth0_client_ids {
            Value::Value(ids) => {
                for (app, id) in from_state_map(ids)? {
                    data.insert(format!("auth0_client_id.{app}"), id);
                }
            }
            Value::Null => {}
            Value::Unknown => return None,
        }
    }
    Some(data)
}

/// The `objects` attribute as planned.
fn planned_objects(
    planned: &[Planned],
    spec: &Spec,
    state: &BootstrapState,
) -> BTreeMap<String, Value<String>> {
    let names = &spec.names;
    let mut map: BTreeMap<String, Value<String>> = planned
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                p.digest.clone().map(Value::Value).unwrap_or(Value::Unknown),
            )
        })
        .collect();
    let (config_id, role_id) = vault_ids(names);
    map.insert(
        config_id,
        vault_config_digest(state)
            .map(Value::Value)
            .unwrap_or(Value::Unknown),
    );
    map.insert(
        role_id,
        Value::Value(objects::digest(&role_body(names, spec, state))),
    );
    map
}

/// The connection, `None` while part of it is unknown.
fn connection_of(state: &BootstrapState, timeout: Duration) -> Option<Connection> {
    let cluster = state.cluster.as_ref_option()?;
    let host = cluster.host.as_ref_option()?.clone();
    let ca_pem = known_str(&cluster.cluster_ca_certificate)?;
    let proxy_url = known_str(&cluster.proxy_url)?;
    let auth = if let Value::Value(aks) = &cluster.aks {
        ClusterAuth::Aks {
            tenant_id: known_str(&aks.tenant_id)?,
            server_app_id: known_str(&aks.server_app_id)?
                .unwrap_or_else(|| crate::backends::aks_token::AKS_SERVER_APP_ID.to_string()),
        }
    } else if let Value::Value(eks) = &cluster.eks {
        ClusterAuth::Eks {
            cluster_name: eks.cluster_name.as_ref_option()?.clone(),
            region: known_str(&eks.region)?,
            web_identity: match &eks.assume_role_with_web_identity {
                Value::Null => None,
                Value::Unknown => return None,
                Value::Value(w) => Some(WebIdentityRole {
                    role_arn: w.role_arn.as_ref_option()?.clone(),
                    session_name: known_str(&w.session_name)?,
                    token_file: known_str(&w.web_identity_token_file)?,
                    token_variable: known_str(&w.web_identity_token_variable)?,
                }),
            },
        }
    } else if let Value::Value(token) = &cluster.token {
        ClusterAuth::Token(token.clone())
    } else if let Value::Value(exec) = &cluster.exec {
        ClusterAuth::Exec {
            api_version: known_str(&exec.api_version)?
                .unwrap_or_else(|| "client.authentication.k8s.io/v1beta1".into()),
            command: exec.command.as_ref_option()?.clone(),
            args: known_list(&exec.args)?.unwrap_or_default(),
            env: match &exec.env {
                Value::Value(m) => from_state_map(m)?.into_iter().collect(),
                Value::Null => Vec::new(),
                Value::Unknown => return None,
            },
        }
    } else if let (Value::Value(certificate), Value::Value(key)) =
        (&cluster.client_certificate, &cluster.client_key)
    {
        ClusterAuth::ClientCertificate {
            certificate: certificate.clone(),
            key: key.clone(),
        }
    } else {
        return None;
    };
    Some(Connection {
        host,
        ca_pem,
        auth,
        proxy_url,
        timeout,
    })
}

fn timeout_of(state: &BootstrapState, which: &str) -> Duration {
    let default = if which == "delete" {
        Duration::from_secs(300)
    } else {
        Duration::from_secs(600)
    };
    state
        .timeouts
        .as_ref_option()
        .and_then(|t| match which {
            "create" => t.create.as_ref_option(),
            "update" => t.update.as_ref_option(),
            _ => t.delete.as_ref_option(),
        })
        .and_then(|s| parse_duration(s))
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// Remote operations
// ---------------------------------------------------------------------------------------

/// A failed step and why.
struct StepError {
    step: String,
    cause: String,
}

fn step<E: std::error::Error>(step: impl Into<String>) -> impl FnOnce(E) -> StepError {
    let step = step.into();
    move |e| StepError {
        step,
        cause: chain(&e),
    }
}

/// The Vault secret data of a `VaultData` object; a TLS one must hold a PEM `tls.crt` and
/// `tls.key`.
async fn vault_secret(
    vault: &VaultClient,
    names: &Names,
    path: &str,
    tls: bool,
) -> Result<BTreeMap<String, Json>, StepError> {
    let at = format!("{}/{path}", names.kv_mount());
    let what = if tls {
        "the TLS certificate and key"
    } else {
        "the Git credentials"
    };
    let step_text = format!("reading {what} from Vault at {at}");
    match vault.kv_read(names.kv_mount(), path).await {
        Ok(Some(secret)) => {
            if tls {
                check_tls_secret(&at, &secret.data).map_err(|cause| StepError {
                    step: step_text,
                    cause,
                })?;
            }
            Ok(secret.data)
        }
        Ok(None) => Err(StepError {
            step: step_text,
            cause: if tls {
                format!(
                    "there is no secret at {at}; write the certificate (with its chain) and its private key there, PEM, as tls.crt and tls.key, or set tls.vault_secret to the secret that holds them"
                )
            } else {
                format!(
                    "there is no secret at {at}; write the repository's credentials there (keys such as username and password, or sshPrivateKey), or set application.git_credentials_secret = \"\" for a public repository"
                )
            },
        }),
        Err(e) => Err(step(step_text)(e)),
    }
}

/// Whether a Vault secret holds a PEM certificate as `tls.crt` and a PEM private key as
/// `tls.key`; the problem names the path and the field, never the content.
fn check_tls_secret(at: &str, data: &BTreeMap<String, Json>) -> Result<(), String> {
    for (field, labels, shape) in [
        (
            "tls.crt",
            &["CERTIFICATE"][..],
            "a PEM certificate (-----BEGIN CERTIFICATE-----)",
        ),
        (
            "tls.key",
            &["PRIVATE KEY"][..],
            "a PEM private key (-----BEGIN PRIVATE KEY----- or an RSA or EC one)",
        ),
    ] {
        match data.get(field) {
            None => {
                return Err(format!(
                    "the secret at {at} has no field {field}; it must hold the certificate as tls.crt and its private key as tls.key, both PEM"
                ));
            }
            Some(value) => {
                if !value
                    .as_str()
                    .is_some_and(|text| validate::has_pem(text, labels))
                {
                    return Err(format!(
                        "the field {field} of the secret at {at} is not {shape}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// SHA-256 (hex) of the certificate PEM of a TLS secret read from Vault.
fn certificate_digest(
    secrets: &BTreeMap<String, BTreeMap<String, Json>>,
    path: &str,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let certificate = secrets.get(path)?.get("tls.crt")?.as_str()?;
    Some(hex::encode(Sha256::digest(certificate.as_bytes())))
}

/// The object to send: Vault data filled in.
fn materialize(planned: &Planned, secrets: &BTreeMap<String, BTreeMap<String, Json>>) -> Json {
    let mut object = planned.object.clone();
    if let Handling::VaultData { path, tls } = &planned.handling
        && let Some(values) = secrets.get(path)
    {
        for (k, v) in objects::secret_data(values, *tls) {
            object["data"][k] = v;
        }
    }
    object
}

/// Apply one object; returns what to record for it.
async fn apply_one(
    kube: &KubeClient,
    names: &Names,
    planned: &Planned,
    object: Json,
) -> Result<(), StepError> {
    let (api_version, kind, namespace, name) = planned.identity();
    let what =
        crate::backends::kubernetes::describe(&api_version, &kind, namespace.as_deref(), &name);
    match &planned.handling {
        Handling::CorefileSection { section } => {
            let markers = names.coredns_markers();
            let live = kube
                .get(&api_version, &kind, namespace.as_deref(), &name)
                .await
                .map_err(step(format!("reading {what}")))?;
            let corefile = live
                .as_ref()
                .and_then(|l| l.pointer("/data/Corefile"))
                .and_then(Json::as_str)
                .unwrap_or_default();
            let updated = objects::replace_section(corefile, &markers, Some(section));
            let mut body = object;
            body["data"] = json!({"Corefile": updated});
            kube.apply(&body)
                .await
                .map_err(step(format!("applying {what}")))?;
        }
        _ => {
            kube.apply(&object)
                .await
                .map_err(step(format!("applying {what}")))?;
        }
    }
    tracing::debug!(object = %planned.id, "applied");
    Ok(())
}

/// Whether the live object matches what is planned.
async fn observe_one(
    kube: &KubeClient,
    names: &Names,
    planned: &Planned,
    object: &Json,
) -> Result<Option<bool>, KubeError> {
    let (api_version, kind, namespace, name) = planned.identity();
    let Some(live) = kube
        .get(&api_version, &kind, namespace.as_deref(), &name)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(match &planned.handling {
        Handling::CorefileSection { section } => {
            let corefile = live
                .pointer("/data/Corefile")
                .and_then(Json::as_str)
                .unwrap_or_default();
            objects::section_of(corefile, &names.coredns_markers()).as_deref()
                == Some(section.as_str())
        }
        _ => objects::is_subset(object, &live),
    }))
}

/// The reviewer's token, once the token controller has filled it in.
async fn reviewer_token(
    kube: &KubeClient,
    names: &Names,
    deadline: Instant,
) -> Result<String, StepError> {
    let name = names.k8s_vault_reviewer();
    loop {
        let secret = kube
            .get("v1", "Secret", Some("kube-system"), &name)
            .await
            .map_err(step("reading the Vault reviewer's token Secret"))?;
        if let Some(token) = secret
            .as_ref()
            .and_then(|s| s.pointer("/data/token"))
            .and_then(Json::as_str)
            .and_then(|b| {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b).ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|t| !t.is_empty())
        {
            return Ok(token);
        }
        if Instant::now() >= deadline {
            return Err(StepError {
                step: "waiting for the Vault reviewer's token".into(),
                cause: format!(
                    "the Secret kube-system/{name} of type kubernetes.io/service-account-token got no token: is the token controller running?"
                ),
            });
        }
        if crate::stop::sleep(Duration::from_millis(150))
            .await
            .is_err()
        {
            return Err(StepError {
                step: "waiting for the Vault reviewer's token".into(),
                cause: crate::stop::Stopped.to_string(),
            });
        }
    }
}

/// `(group, kind)` of the kinds the bootstrap's own CRDs define.
fn custom_kinds(planned: &[Planned]) -> BTreeSet<(String, String)> {
    planned
        .iter()
        .filter(|p| p.object["kind"] == "CustomResourceDefinition")
        .filter_map(|p| {
            let group = p.object.pointer("/spec/group")?.as_str()?;
            let kind = p.object.pointer("/spec/names/kind")?.as_str()?;
            Some((group.to_string(), kind.to_string()))
        })
        .collect()
}

fn is_custom(custom: &BTreeSet<(String, String)>, planned: &Planned) -> bool {
    let (api_version, kind, _, _) = planned.identity();
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    custom.contains(&(group.to_string(), kind))
}

type Applied = Vec<(String, Option<String>, Result<(), StepError>)>;

/// Apply objects concurrently; each with its outcome.
async fn apply_batch(
    kube: &KubeClient,
    names: &Names,
    batch: &[&Planned],
    secrets: &BTreeMap<String, BTreeMap<String, Json>>,
) -> Applied {
    let pending: Vec<_> = batch
        .iter()
        .map(|p| async move {
            let object = materialize(p, secrets);
            (
                p.id.clone(),
                p.digest.clone(),
                apply_one(kube, names, p, object).await,
            )
        })
        .collect();
    futures::stream::iter(pending)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// Record what was applied; the first failure, if any.
fn record(
    recorded: &mut BTreeMap<String, Value<String>>,
    applied: Applied,
) -> Result<(), StepError> {
    let mut first_error = None;
    for (id, digest, result) in applied {
        match result {
            Ok(()) => {
                recorded.insert(id, digest.map(Value::Value).unwrap_or(Value::Null));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// The Vault data of every `VaultData` object, by path.
async fn vault_secrets(
    vault: &VaultClient,
    names: &Names,
    planned: &[Planned],
) -> Result<BTreeMap<String, BTreeMap<String, Json>>, StepError> {
    let mut secrets = BTreeMap::new();
    for p in planned {
        if let Handling::VaultData { path, tls } = &p.handling
            && !secrets.contains_key(path)
        {
            secrets.insert(path.clone(), vault_secret(vault, names, path, *tls).await?);
        }
    }
    Ok(secrets)
}

/// Enable the cluster's Kubernetes auth method in Vault unless it is.
async fn enable_vault_auth(vault: &VaultClient, names: &Names) -> Result<(), StepError> {
    let mount = names.vault_kubernetes_auth_mount();
    if vault
        .auth_method(&mount)
        .await
        .map_err(step("reading Vault's auth methods"))?
        .is_none()
    {
        vault
            .enable_auth(
                &mount,
                "kubernetes",
                &format!(
                    "Cluster of deployment {} (managed by terraform-provider-ff)",
                    names.key()
                ),
            )
            .await
            .map_err(step(format!("enabling the Vault auth method {mount}")))?;
    }
    Ok(())
}

/// Configure Vault's Kubernetes auth method for the cluster.
async fn converge_vault(
    vault: &VaultClient,
    kube: &KubeClient,
    names: &Names,
    connection: &Connection,
    role: &Json,
    deadline: Instant,
) -> Result<(), StepError> {
    let mount = names.vault_kubernetes_auth_mount();
    let token = reviewer_token(kube, names, deadline).await?;
    let config = json!({
        "kubernetes_host": connection.host,
        "kubernetes_ca_cert": connection.ca_pem.clone().unwrap_or_default(),
        "token_reviewer_jwt": token,
        "disable_local_ca_jwt": true,
    });
    let role_path = format!("auth/{mount}/role/{}", names.vault_kubernetes_role());
    let config_path = format!("auth/{mount}/config");
    let (configured, role_written) = tokio::join!(
        vault.write_data(&config_path, config),
        vault.write_data(&role_path, role.clone()),
    );
    configured.map_err(step(format!("configuring the Vault auth method {mount}")))?;
    role_written.map_err(step(format!(
        "writing the Vault role {}",
        names.vault_kubernetes_role()
    )))?;
    Ok(())
}

/// The digests Vault's side matches: `(config, role)`, each `None` when missing or drifted.
async fn observe_vault(
    vault: &VaultClient,
    names: &Names,
    connection: &Connection,
    role: &Json,
) -> Result<(Option<bool>, Option<bool>), StepError> {
    let mount = names.vault_kubernetes_auth_mount();
    if vault
        .auth_method(&mount)
        .await
        .map_err(step("reading Vault's auth methods"))?
        .is_none()
    {
        return Ok((None, None));
    }
    let config = vault
        .read_data(&format!("auth/{mount}/config"))
        .await
        .map_err(step("reading the Vault auth method's config"))?;
    let config_ok = config.map(|c| {
        c["kubernetes_host"].as_str() == Some(connection.host.as_str())
            && c["kubernetes_ca_cert"].as_str().unwrap_or_default()
                == connection.ca_pem.clone().unwrap_or_default()
            && c["token_reviewer_jwt_set"].as_bool().unwrap_or(true)
    });
    let live_role = vault
        .read_data(&format!(
            "auth/{mount}/role/{}",
            names.vault_kubernetes_role()
        ))
        .await
        .map_err(step("reading the Vault role"))?;
    let role_ok = live_role.map(|r| {
        let set = |v: &Json| -> BTreeSet<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        set(&r["bound_service_account_names"]) == set(&role["bound_service_account_names"])
            && set(&r["bound_service_account_namespaces"])
                == set(&role["bound_service_account_namespaces"])
            && set(&r["token_policies"]) == set(&role["token_policies"])
    });
    Ok((config_ok, role_ok))
}

/// `apps/v1/Deployment/ns/name` → `(apps/v1, Deployment, Some(ns), name)`.
fn parse_id(id: &str) -> Option<(String, String, Option<String>, String)> {
    let parts: Vec<&str> = id.split('/').collect();
    let kind_at = parts
        .iter()
        .position(|p| p.chars().next().is_some_and(|c| c.is_ascii_uppercase()))?;
    let api_version = parts[..kind_at].join("/");
    match &parts[kind_at + 1..] {
        [name] => Some((
            api_version,
            parts[kind_at].to_string(),
            None,
            name.to_string(),
        )),
        [ns, name] => Some((
            api_version,
            parts[kind_at].to_string(),
            Some(ns.to_string()),
            name.to_string(),
        )),
        _ => None,
    }
}

/// Delete (or release) the objects of `ids`, in reverse order of the waves.
async fn remove(kube: &KubeClient, names: &Names, ids: &[String]) -> Result<(), StepError> {
    let (foundation, others): (Vec<&String>, Vec<&String>) = ids
        .iter()
        .filter(|id| !id.starts_with("vault/"))
        .partition(|id| {
            parse_id(id).is_some_and(|(_, kind, _, _)| {
                kind == "Namespace" || kind == "CustomResourceDefinition"
            })
        });
    for batch in [others, foundation] {
        let pending: Vec<_> = batch
            .into_iter()
            .map(|id| remove_one(kube, names, id))
            .collect();
        let results: Vec<Result<(), StepError>> = futures::stream::iter(pending)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for result in results {
            result?;
        }
    }
    Ok(())
}

async fn remove_one(kube: &KubeClient, names: &Names, id: &str) -> Result<(), StepError> {
    let Some((api_version, kind, namespace, name)) = parse_id(id) else {
        return Ok(());
    };
    let what =
        crate::backends::kubernetes::describe(&api_version, &kind, namespace.as_deref(), &name);
    let Some(live) = kube
        .get(&api_version, &kind, namespace.as_deref(), &name)
        .await
        .map_err(step(format!("reading {what}")))?
    else {
        return Ok(());
    };
    let release = |data: Json| json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": namespace}, "data": data});
    if kind == "ConfigMap" && namespace.as_deref() == Some("kube-system") && name == "coredns" {
        // Give the Corefile back without the deployment's section.
        let corefile = live
            .pointer("/data/Corefile")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let rest = objects::replace_section(corefile, &names.coredns_markers(), None);
        kube.apply(&release(json!({"Corefile": rest})))
            .await
            .map_err(step(format!("removing the deployment's zones from {what}")))?;
    } else if kind == "ConfigMap"
        && namespace.as_deref() == Some("kube-system")
        && name == "coredns-custom"
    {
        // Applying without our key drops it; the other keys are not ours.
        kube.apply(&release(json!({})))
            .await
            .map_err(step(format!("removing the deployment's zones from {what}")))?;
    } else if objects::is_ours(&live, names) {
        kube.delete(&api_version, &kind, namespace.as_deref(), &name)
            .await
            .map_err(step(format!("deleting {what}")))?;
    } else {
        tracing::warn!(object = %id, "not deleted: it does not carry the deployment's labels");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Resource
// ---------------------------------------------------------------------------------------

fn report(diags: &mut Diagnostics, key: &str, failure: &StepError, what: &str) {
    diags.error_root(
        format!("Platform bootstrap {key}: {} failed", failure.step),
        format!("{}.\n\n{what}", failure.cause),
    );
}

fn report_arg(diags: &mut Diagnostics, error: ArgError) {
    diags.error_at(error.path, error.summary, error.detail);
}

impl PlatformBootstrapResource {
    async fn plan(
        &self,
        diags: &mut Diagnostics,
        mut state: BootstrapState,
    ) -> Option<BootstrapState> {
        let backends = backends(diags, &self.context)?;
        plan_backend(diags, &backends.vault, "Vault", RESOURCE).ok()?;
        // The objects of the prior state (Terraform proposes them for a computed attribute).
        let prior_objects = state.objects.as_ref_option().cloned();
        fill_defaults(&mut state);
        let mut tls_id = None;
        state.objects = match self.spec(&state, &backends).await {
            Err(e) => {
                report_arg(diags, e);
                return None;
            }
            Ok(None) => Value::Unknown,
            Ok(Some(spec)) => match objects::plan(&spec) {
                Some(planned) => {
                    tls_id = spec.tls.as_ref().map(objects::Tls::id);
                    Value::Value(planned_objects(&planned, &spec, &state))
                }
                None => Value::Unknown,
            },
        };
        // The certificate's digest stays as it is unless its Secret is (re)applied: created,
        // changed, deleted in the cluster, or differing from Vault's certificate (`drifted`).
        if let Value::Value(tls) = &mut state.tls {
            let unchanged = match (&tls_id, &state.objects, &prior_objects) {
                (Some(id), Value::Value(now), Some(prior)) => {
                    now.get(id).is_some_and(Value::is_value) && now.get(id) == prior.get(id)
                }
                _ => false,
            };
            if !(unchanged && tls.certificate_sha256.is_value()) {
                tls.certificate_sha256 = Value::Unknown;
            }
        }
        Some(state)
    }

    /// Create and update: make the cluster and Vault match `planned`.
    async fn apply(
        &self,
        diags: &mut Diagnostics,
        prior: Option<&BootstrapState>,
        planned: BootstrapState,
    ) -> Option<BootstrapState> {
        let backends = backends(diags, &self.context)?;
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE)?.clone();
        let mut state = planned;
        let key = state
            .deployment_key
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        let spec = match self.spec(&state, &backends).await {
            Ok(Some(spec)) => spec,
            Ok(None) => {
                diags.error_root(
                    "Bootstrap arguments are not fully known",
                    "Some arguments of ff_platform_bootstrap were still unknown at apply time.",
                );
                return None;
            }
            Err(e) => {
                report_arg(diags, e);
                return None;
            }
        };
        let Some(planned) = objects::plan(&spec) else {
            diags.error_root(
                "Bootstrap arguments are not fully known",
                "A release manifest was still unknown at apply time.",
            );
            return None;
        };
        let Some(connection) = connection_of(&state, backends.request_timeout) else {
            diags.error_at(
                attr("cluster"),
                "Cluster connection is not known",
                "The cluster block was still unknown at apply time.",
            );
            return None;
        };
        let names = spec.names.clone();
        let role = role_body(&names, &spec, &state);
        let deadline =
            Instant::now() + timeout_of(&state, if prior.is_some() { "update" } else { "create" });
        let started = Instant::now();

        // Everything that can fail without changing anything comes first, concurrently: the
        // Git credentials from Vault and the discovery of the built-in kinds.
        let kube = match KubeClient::connect(&connection).await {
            Ok(k) => k,
            Err(e) => {
                diags.error_at(
                    attr("cluster"),
                    "Cluster connection cannot be used",
                    format!("{}.\n\nNothing was applied.", chain(&e)),
                );
                return prior.cloned();
            }
        };
        let custom = custom_kinds(&planned);
        let builtin_versions: Vec<String> = planned
            .iter()
            .filter(|p| !is_custom(&custom, p))
            .map(|p| p.identity().0)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (secrets, discovered) = tokio::join!(
            vault_secrets(&vault, &names, &planned),
            kube.prefetch(&builtin_versions)
        );
        let secrets = match (secrets, discovered) {
            (Ok(secrets), Ok(())) => secrets,
            (Err(failure), _) => {
                report(diags, &key, &failure, "Nothing was applied.");
                return prior.cloned();
            }
            (_, Err(e)) => {
                report(
                    diags,
                    &key,
                    &step("asking the cluster which kinds it serves")(e),
                    "Nothing was applied.",
                );
                return prior.cloned();
            }
        };

        // The digest of the certificate read from Vault (unless the plan already knew it).
        if let (Some(tls), Value::Value(block)) = (&spec.tls, &mut state.tls)
            && !block.certificate_sha256.is_value()
        {
            block.certificate_sha256 =
                certificate_digest(&secrets, &names.secret_path(&tls.vault_secret))
                    .map(Value::Value)
                    .unwrap_or(Value::Null);
        }

        let mut recorded: BTreeMap<String, Value<String>> = prior
            .and_then(|p| p.objects.as_ref_option().cloned())
            .unwrap_or_default();
        let outcome = self
            .converge(
                &kube,
                &vault,
                &names,
                &planned,
                &secrets,
                &connection,
                &role,
                &state,
                deadline,
                &mut recorded,
            )
            .await;
        let wanted: BTreeSet<String> = planned_objects(&planned, &spec, &state)
            .keys()
            .cloned()
            .collect();
        let outcome = match outcome {
            Ok(()) => {
                // Objects of the previous apply that are no longer wanted.
                let stale: Vec<String> = recorded
                    .keys()
                    .filter(|id| !wanted.contains(*id))
                    .cloned()
                    .collect();
                match remove(&kube, &names, &stale).await {
                    Ok(()) => {
                        for id in &stale {
                            recorded.remove(id);
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        state.objects = Value::Value(recorded);
        match outcome {
            Ok(()) => {
                tracing::info!(deployment = %key, objects = planned.len(), elapsed_ms = started.elapsed().as_millis() as u64, "platform bootstrapped");
                Some(state)
            }
            Err(failure) => {
                report(
                    diags,
                    &key,
                    &failure,
                    "The objects applied before this step are recorded in the state; fix the cause and apply again.",
                );
                Some(state)
            }
        }
    }

    /// Apply every object and configure Vault, recording each object applied. Namespaces and
    /// CRDs go first (with Vault's auth method enabled meanwhile); then the objects of
    /// built-in kinds are applied while the CRDs are awaited until Established, after which
    /// the objects of their kinds follow; last, the releases' Deployments are awaited while
    /// Vault is configured with the reviewer's token.
    #[allow(clippy::too_many_arguments)]
    async fn converge(
        &self,
        kube: &KubeClient,
        vault: &VaultClient,
        names: &Names,
        planned: &[Planned],
        secrets: &BTreeMap<String, BTreeMap<String, Json>>,
        connection: &Connection,
        role: &Json,
        state: &BootstrapState,
        deadline: Instant,
        recorded: &mut BTreeMap<String, Value<String>>,
    ) -> Result<(), StepError> {
        let custom = custom_kinds(planned);
        let foundation: Vec<&Planned> = planned
            .iter()
            .filter(|p| p.wave == Wave::Foundation)
            .collect();
        let builtin: Vec<&Planned> = planned
            .iter()
            .filter(|p| p.wave == Wave::Objects && !is_custom(&custom, p))
            .collect();
        let custom_objects: Vec<&Planned> = planned
            .iter()
            .filter(|p| p.wave == Wave::Objects && is_custom(&custom, p))
            .collect();
        tracing::info!(
            namespaces_and_crds = foundation.len(),
            objects = builtin.len(),
            custom_objects = custom_objects.len(),
            "applying objects"
        );

        let (enabled, applied) = tokio::join!(
            enable_vault_auth(vault, names),
            apply_batch(kube, names, &foundation, secrets)
        );
        record(recorded, applied)?;
        enabled?;

        let crds: Vec<String> = foundation
            .iter()
            .filter(|p| p.object["kind"] == "CustomResourceDefinition")
            .map(|p| p.identity().3)
            .collect();
        let custom_path = async {
            let waits = crds
                .iter()
                .map(|name| kube.wait_crd_established(name, deadline));
            for result in futures::future::join_all(waits).await {
                result.map_err(step("waiting for the CRDs to be Established"))?;
            }
            let versions: Vec<String> = custom_objects
                .iter()
                .map(|p| p.identity().0)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            kube.prefetch(&versions)
                .await
                .map_err(step("asking the cluster which kinds its CRDs serve"))?;
            Ok::<_, StepError>(apply_batch(kube, names, &custom_objects, secrets).await)
        };
        let (applied, custom_applied) =
            tokio::join!(apply_batch(kube, names, &builtin, secrets), custom_path);
        record(recorded, applied)?;
        record(recorded, custom_applied?)?;

        // The releases' Deployments become ready while Vault is configured.
        let deployments = planned.iter().filter(|p| p.await_ready).map(|p| {
            let (_, _, namespace, name) = p.identity();
            async move {
                kube.wait_deployment_ready(
                    namespace.as_deref().unwrap_or("default"),
                    &name,
                    deadline,
                )
                .await
            }
        });
        let (ready, vault_done, recorded_in_vault) = tokio::join!(
            futures::future::join_all(deployments),
            converge_vault(vault, kube, names, connection, role, deadline),
            write_record(vault, names, state),
        );
        vault_done?;
        recorded_in_vault?;
        let (config_id, role_id) = vault_ids(names);
        recorded.insert(
            config_id,
            vault_config_digest(state)
                .map(Value::Value)
                .unwrap_or(Value::Null),
        );
        recorded.insert(role_id, Value::Value(objects::digest(role)));
        for result in ready {
            result.map_err(step(
                "waiting for the ingress controller and ArgoCD to become ready",
            ))?;
        }
        Ok(())
    }

    /// Read and import: what exists of the bootstrap described by `state`.
    async fn observe(
        &self,
        diags: &mut Diagnostics,
        state: BootstrapState,
    ) -> Option<Option<BootstrapState>> {
        let backends = backends(diags, &self.context)?;
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE)?.clone();
        let key = state
            .deployment_key
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        let Some(connection) = connection_of(&state, backends.request_timeout) else {
            diags.warning_root(
                format!("Platform bootstrap {key}: the cluster was not checked"),
                "The state holds no complete cluster connection (a token or client key is never recorded for import). The next apply uses the configuration's connection.",
            );
            return Some(Some(state));
        };
        let spec = match self.spec(&state, &backends).await {
            Ok(Some(spec)) => spec,
            Ok(None) => return Some(Some(state)),
            Err(e) => {
                report_arg(diags, e);
                return None;
            }
        };
        let planned = objects::plan(&spec)?;
        let names = spec.names.clone();
        let role = role_body(&names, &spec, &state);
        let mut secrets = BTreeMap::new();
        for p in &planned {
            if let Handling::VaultData { path, tls } = &p.handling
                && let Ok(data) = vault_secret(&vault, &names, path, *tls).await
            {
                secrets.insert(path.clone(), data);
            }
        }
        let kube = match KubeClient::connect(&connection).await {
            Ok(k) => k,
            Err(e) => {
                diags.error_at(
                    attr("cluster"),
                    "Cluster connection cannot be used",
                    chain(&e),
                );
                return None;
            }
        };
        let checks: Vec<_> = planned
            .iter()
            .map(|p| {
                let object = materialize(p, &secrets);
                let kube = &kube;
                let names = &names;
                async move { (p, observe_one(kube, names, p, &object).await) }
            })
            .collect();
        let results: Vec<(&Planned, Result<Option<bool>, KubeError>)> =
            futures::stream::iter(checks)
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        let mut observed: BTreeMap<String, Value<String>> = BTreeMap::new();
        for (p, result) in results {
            match result {
                Ok(None) => {}
                Ok(Some(true)) => {
                    observed.insert(
                        p.id.clone(),
                        p.digest.clone().map(Value::Value).unwrap_or(Value::Null),
                    );
                }
                Ok(Some(false)) => {
                    observed.insert(p.id.clone(), Value::Value(DRIFTED.into()));
                }
                Err(e) => {
                    diags.error_root(
                        format!("Platform bootstrap {key}: reading the cluster failed"),
                        format!("{}.\n\nThe state was left as it was.", chain(&e)),
                    );
                    return Some(Some(state));
                }
            }
        }
        let (config_ok, role_ok) = match observe_vault(&vault, &names, &connection, &role).await {
            Ok(r) => r,
            Err(failure) => {
                report(diags, &key, &failure, "The state was left as it was.");
                return Some(Some(state));
            }
        };
        let (config_id, role_id) = vault_ids(&names);
        match config_ok {
            Some(true) => observed.insert(
                config_id,
                vault_config_digest(&state)
                    .map(Value::Value)
                    .unwrap_or(Value::Null),
            ),
            Some(false) => observed.insert(config_id, Value::Value(DRIFTED.into())),
            None => None,
        };
        match role_ok {
            Some(true) => observed.insert(role_id, Value::Value(objects::digest(&role))),
            Some(false) => observed.insert(role_id, Value::Value(DRIFTED.into())),
            None => None,
        };
        if observed.is_empty() {
            tracing::info!(deployment = %key, "the platform bootstrap no longer exists");
            return Some(None);
        }
        let mut state = state;
        // The cluster holds Vault's certificate: record its digest.
        if let (Some(tls), Value::Value(block)) = (&spec.tls, &mut state.tls)
            && observed
                .get(&tls.id())
                .and_then(Value::as_ref_option)
                .is_some_and(|d| d != DRIFTED)
            && let Some(digest) =
                certificate_digest(&secrets, &names.secret_path(&tls.vault_secret))
        {
            block.certificate_sha256 = Value::Value(digest);
        }
        state.objects = Value::Value(observed);
        Some(Some(state))
    }
}

/// The non-secret record of the arguments in Vault, for import.
async fn write_record(
    vault: &VaultClient,
    names: &Names,
    state: &BootstrapState,
) -> Result<(), StepError> {
    let mut record = state.clone();
    if let Value::Value(cluster) = &mut record.cluster {
        cluster.token = Value::Null;
        cluster.client_key = Value::Null;
    }
    record.objects = Value::Null;
    let text = serde_json::to_string(&record).map_err(|e| StepError {
        step: "recording the bootstrap in Vault".into(),
        cause: e.to_string(),
    })?;
    let data = BTreeMap::from([
        ("arguments".to_string(), Json::String(text)),
        (
            "managed_by".to_string(),
            Json::String(crate::naming::MANAGED_BY.into()),
        ),
    ]);
    vault
        .ensure_kv2_mount(names.kv_mount())
        .await
        .map_err(step(format!(
            "enabling the KV v2 mount {:?} in Vault",
            names.kv_mount()
        )))?;
    vault
        .kv_write(names.kv_mount(), &names.platform_record_path(), &data, None)
        .await
        .map_err(step("recording the bootstrap in Vault"))?;
    Ok(())
}

#[async_trait]
impl Resource for PlatformBootstrapResource {
    type State = BootstrapState;
    type Private = ();

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(key_identity_schema("platform bootstrap"))
    }

    fn identity(&self, state: &Self::State) -> Option<Dynamic> {
        key_identity(&state.deployment_key)
    }

    async fn import_identity(
        &self,
        diags: &mut Diagnostics,
        identity: Dynamic,
    ) -> Option<(Self::State, Self::Private)> {
        let key = identity_key(diags, &identity, "ff_platform_bootstrap")?;
        Resource::import(self, diags, key).await
    }

    async fn validate(
        &self,
        diags: &mut Diagnostics,
        config: Self::State,
        _client: ClientCapabilities,
    ) {
        validate(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        match self.observe(diags, state.clone()).await {
            Some(Some(observed)) => Some((observed, private_state)),
            Some(None) => None,
            None => Some((state, private_state)),
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        _config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        self.plan(diags, proposed_state).await.map(|s| (s, ()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        _config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let mut replace = Vec::new();
        if proposed_state.deployment_key != prior_state.deployment_key {
            replace.push(attr("deployment_key"));
        }
        let state = self.plan(diags, proposed_state).await?;
        Some((state, prior_private_state, replace))
    }

    async fn plan_destroy(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<Self::Private> {
        Some(prior_private_state)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State,
        _config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let state = self.apply(diags, None, planned_state).await?;
        if state.objects.as_ref_option().is_none_or(|o| o.is_empty()) && diags.has_errors() {
            return None;
        }
        Some((state, ()))
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_state: Self::State,
        _config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        match self.apply(diags, Some(&prior_state), planned_state).await {
            Some(state) => Some((state, ())),
            None => Some((prior_state, ())),
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<()> {
        let backends = backends(diags, &self.context)?;
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE)?.clone();
        let key_text = prior_state
            .deployment_key
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        let Ok(key) = DeploymentKey::parse(&key_text) else {
            diags.error_at(
                attr("deployment_key"),
                "Invalid deployment key in the state",
                "The state holds no valid deployment key.",
            );
            return None;
        };
        let names = Names::new(&key, &backends.kv_mount);
        let Some(connection) = connection_of(&prior_state, backends.request_timeout) else {
            diags.error_at(attr("cluster"), "Cluster connection is not known", "The state holds no complete cluster connection: apply once with the configuration's connection, then destroy.");
            return None;
        };
        let kube = match KubeClient::connect(&connection).await {
            Ok(k) => k,
            Err(e) => {
                diags.error_at(
                    attr("cluster"),
                    "Cluster connection cannot be used",
                    chain(&e),
                );
                return None;
            }
        };
        let mut ids: Vec<String> = prior_state
            .objects
            .as_ref_option()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        ids.sort();
        let outcome = async {
            vault
                .disable_auth(&names.vault_kubernetes_auth_mount())
                .await
                .map_err(step("disabling the Vault auth method"))?;
            remove(&kube, &names, &ids).await?;
            vault
                .kv_delete_all(names.kv_mount(), &names.platform_record_path())
                .await
                .map_err(step("deleting the bootstrap's record from Vault"))
        }
        .await;
        match outcome {
            Ok(()) => Some(()),
            Err(failure) => {
                report(
                    diags,
                    &key_text,
                    &failure,
                    "Objects deleted before this step stay deleted; run terraform destroy again to finish.",
                );
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let key = match DeploymentKey::parse(id.trim()) {
            Ok(key) => key,
            Err(e) => {
                diags.error_root(
                    "Invalid import id",
                    format!(
                        "Import ff_platform_bootstrap by its deployment key, such as WM-Prod: {e}."
                    ),
                );
                return None;
            }
        };
        let backends = backends(diags, &self.context)?;
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE)?.clone();
        let names = Names::new(&key, &backends.kv_mount);
        let record = match vault
            .kv_read(names.kv_mount(), &names.platform_record_path())
            .await
        {
            Ok(Some(secret)) => secret
                .data
                .get("arguments")
                .and_then(Json::as_str)
                .and_then(|t| serde_json::from_str::<BootstrapState>(t).ok()),
            Ok(None) => None,
            Err(e) => {
                diags.error_root(
                    format!("Platform bootstrap {key}: reading its record in Vault failed"),
                    format!("{}.\n\nNothing was imported.", chain(&e)),
                );
                return None;
            }
        };
        let Some(state) = record else {
            diags.error_root(
                format!("Platform bootstrap {key} not found"),
                format!("Vault at {} holds no record of a platform bootstrap at {}/{}: it is written by the apply of ff_platform_bootstrap.", vault.address(), names.kv_mount(), names.platform_record_path()),
            );
            return None;
        };
        match self.observe(diags, state).await {
            Some(Some(state)) => Some((state, ())),
            _ => {
                if !diags.has_errors() {
                    diags.error_root(format!("Platform bootstrap {key} not found"), "Its record is in Vault, but nothing of it exists in the cluster or in Vault's auth methods.");
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::model::{ClusterBlock, EksBlock};
    use super::*;

    /// Errors `validate` reports for a bootstrap with this cluster block.
    fn auth_errors(cluster: ClusterBlock) -> usize {
        let state = BootstrapState {
            deployment_key: Value::Value("WM-Prod".into()),
            cloud: Value::Value("aws".into()),
            cluster: Value::Value(ClusterBlock {
                host: Value::Value("https://api.cluster.example".into()),
                ..cluster
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        diags.errors().len()
    }

    #[test]
    fn exactly_one_way_to_authenticate_unknown_blocks_aside() {
        let eks = || {
            Value::Value(EksBlock {
                cluster_name: Value::Value("ff-wm-prod".into()),
                ..Default::default()
            })
        };
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: eks(),
                ..Default::default()
            }),
            0
        );
        assert_eq!(auth_errors(ClusterBlock::default()), 1, "none");
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: eks(),
                token: Value::Value("t".into()),
                ..Default::default()
            }),
            1,
            "two"
        );
        // One dynamic block per cloud, both unknown while Terraform validates.
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: Value::Unknown,
                aks: Value::Unknown,
                ..Default::default()
            }),
            0
        );
        assert_eq!(
            auth_errors(ClusterBlock {
                eks: eks(),
                token: Value::Unknown,
                ..Default::default()
            }),
            0
        );
    }

    #[test]
    fn tls_needs_ingress_and_a_pem_certificate_and_key() {
        let state = BootstrapState {
            deployment_key: Value::Value("WM-Prod".into()),
            cloud: Value::Value("aws".into()),
            cluster: Value::Value(ClusterBlock {
                host: Value::Value("https://api.cluster.example".into()),
                token: Value::Value("t".into()),
                ..Default::default()
            }),
            tls: Value::Value(model::TlsBlock::default()),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        assert_eq!(diags.errors().len(), 1, "{:?}", diags.errors());
        assert!(format!("{:?}", diags.errors()[0]).contains("ingress"));

        let key = "-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n-----END PRIVATE KEY-----\n";
        let crt = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let data = |pairs: &[(&str, &str)]| -> BTreeMap<String, Json> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
                .collect()
        };
        let at = "deployments/WM-Prod/tls";
        assert_eq!(
            check_tls_secret(at, &data(&[("tls.crt", crt), ("tls.key", key)])),
            Ok(())
        );
        let missing = check_tls_secret(at, &data(&[("tls.crt", crt)])).unwrap_err();
        assert!(
            missing.contains(at) && missing.contains("tls.key"),
            "{missing}"
        );
        let swapped =
            check_tls_secret(at, &data(&[("tls.crt", key), ("tls.key", crt)])).unwrap_err();
        assert!(
            swapped.contains("tls.crt") && swapped.contains(at),
            "{swapped}"
        );
        assert!(!swapped.contains("SECRETKEYBYTES"), "no content: {swapped}");
        let not_pem = check_tls_secret(
            at,
            &data(&[("tls.crt", crt), ("tls.key", "SECRETKEYBYTES")]),
        )
        .unwrap_err();
        assert!(
            not_pem.contains("tls.key") && !not_pem.contains("SECRETKEYBYTES"),
            "{not_pem}"
        );
        let secrets = BTreeMap::from([(
            "WM-Prod/tls".to_string(),
            data(&[("tls.crt", crt), ("tls.key", key)]),
        )]);
        let digest = certificate_digest(&secrets, "WM-Prod/tls").unwrap_or_default();
        assert_eq!(digest.len(), 64);
        assert_eq!(certificate_digest(&secrets, "WM-Prod/other"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn ids_parse_back() {
        assert_eq!(
            parse_id("apps/v1/Deployment/argocd/argocd-server"),
            Some((
                "apps/v1".into(),
                "Deployment".into(),
                Some("argocd".into()),
                "argocd-server".into()
            ))
        );
        assert_eq!(
            parse_id("v1/Namespace/wm-prod"),
            Some(("v1".into(), "Namespace".into(), None, "wm-prod".into()))
        );
        assert_eq!(parse_id("vault/auth/x/config"), None);
    }

    #[test]
    fn a_manifest_left_out_is_the_pinned_release_of_the_cloud() {
        use super::model::{ArgocdBlock, IngressBlock};
        let planned = |cloud: Value<String>, ingress: IngressBlock| {
            let mut state = BootstrapState {
                deployment_key: Value::Value("WM-Prod".into()),
                cloud,
                ingress: Value::Value(ingress),
                argocd: Value::Value(ArgocdBlock::default()),
                ..Default::default()
            };
            fill_defaults(&mut state);
            state
        };
        let aws = planned(Value::Value("aws".into()), IngressBlock::default());
        let ingress = aws.ingress.as_ref_option().expect("ingress");
        assert_eq!(
            ingress.manifest_url,
            Value::Value(objects::default_ingress_manifest("aws").url.to_string())
        );
        assert!(
            matches!(&ingress.manifest_url, Value::Value(u) if u.contains("/controller-v1.15.1/deploy/static/provider/aws/"))
        );
        let argocd = aws.argocd.as_ref_option().expect("argocd");
        assert_eq!(
            argocd.sha256,
            Value::Value(objects::DEFAULT_ARGOCD_MANIFEST.sha256.to_string())
        );
        let azure = planned(Value::Value("azure".into()), IngressBlock::default());
        assert!(matches!(
            &azure.ingress.as_ref_option().expect("ingress").manifest_url,
            Value::Value(u) if u.contains("/provider/cloud/")
        ));
        // A cloud not known yet leaves the default unknown; a manifest set stays.
        let unknown = planned(Value::Unknown, IngressBlock::default());
        assert!(
            unknown
                .ingress
                .as_ref_option()
                .expect("ingress")
                .sha256
                .is_unknown()
        );
        let own = planned(
            Value::Value("aws".into()),
            IngressBlock {
                manifest_url: Value::Value("https://example.com/m.yaml".into()),
                sha256: Value::Value("0".repeat(64)),
                ..Default::default()
            },
        );
        assert_eq!(
            own.ingress.as_ref_option().expect("ingress").manifest_url,
            Value::Value("https://example.com/m.yaml".into())
        );
        for pinned in [
            objects::default_ingress_manifest("aws"),
            objects::default_ingress_manifest("azure"),
            objects::DEFAULT_ARGOCD_MANIFEST,
        ] {
            assert!(pinned.url.starts_with("https://raw.githubusercontent.com/"));
            assert_eq!(pinned.sha256.len(), 64);
            assert!(pinned.sha256.chars().all(|c| c.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn a_manifest_url_without_its_digest_is_refused() {
        use super::model::IngressBlock;
        let state = BootstrapState {
            deployment_key: Value::Value("WM-Prod".into()),
            cloud: Value::Value("aws".into()),
            ingress: Value::Value(IngressBlock {
                manifest_url: Value::Value("https://example.com/m.yaml".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        assert!(
            diags
                .errors()
                .iter()
                .any(|e| format!("{e:?}").contains("sha256 is missing")),
            "{:?}",
            diags.errors()
        );
    }
}
