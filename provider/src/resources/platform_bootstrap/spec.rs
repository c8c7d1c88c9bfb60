//! From the arguments to what the bootstrap is made of: the objects' [`Spec`] (with the
//! pinned manifests downloaded and checked), the published metadata, the cluster connection
//! and the timeouts. `None` while an argument they depend on is still unknown.

use std::collections::BTreeMap;
use std::time::Duration;

use tfplugin::{AttributePath, Diagnostics, Value};

use super::PlatformBootstrapResource;
use super::model::parse_duration;
use super::model::{ApplicationBlock, ArgocdBlock, BootstrapState, IngressBlock, TlsBlock};
use super::objects::{self, Spec};
use crate::backends::aws_credentials::WebIdentityRole;
use crate::backends::kubernetes::{ClusterAuth, Connection};
use crate::context::{Backends, Slot};
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::{DeploymentKey, Names};
use crate::resources::from_state_map;

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

/// A problem with an argument: where, and what.
pub(super) struct ArgError {
    pub(super) path: AttributePath,
    pub(super) summary: String,
    pub(super) detail: String,
}

/// An argument's problem as an error on its attribute.
pub(super) fn report_arg(diags: &mut Diagnostics, error: ArgError) {
    diags.error_at(error.path, error.summary, error.detail);
}

pub(super) fn arg_error(path: AttributePath, summary: &str, detail: impl Into<String>) -> ArgError {
    ArgError {
        path,
        summary: summary.to_string(),
        detail: detail.into(),
    }
}

pub(super) fn known_list(v: &Value<Vec<Value<String>>>) -> Option<Option<Vec<String>>> {
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

pub(super) fn known_str(v: &Value<String>) -> Option<Option<String>> {
    match v {
        Value::Value(s) => Some(Some(s.clone())),
        Value::Null => Some(None),
        Value::Unknown => None,
    }
}

/// What a step of [`PlatformBootstrapResource::spec`] gives: `Ok(None)` while an argument
/// it depends on is unknown.
type Step<T> = Result<Option<T>, ArgError>;

impl PlatformBootstrapResource {
    /// The objects' spec from the arguments; `Ok(None)` while an argument they depend on is
    /// unknown. Downloads (and checks) the pinned manifests. The steps run in this order, so
    /// that an argument still unknown stops the spec before a manifest is downloaded.
    pub(super) async fn spec(
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
        let Some(storage_classes) = storage_classes_of(state, &cloud) else {
            return Ok(None);
        };
        let Some(forward_zones) = forward_zones_of(state) else {
            return Ok(None);
        };
        let timeout = backends.request_timeout.max(Duration::from_secs(60));
        let mut releases = Vec::new();
        if let Some(ingress) = state.ingress.as_ref_option() {
            let Some(release) = self.ingress_release(ingress, &cloud, timeout).await? else {
                return Ok(None);
            };
            releases.push(release);
        }
        let mut argocd_namespace = None;
        if let Some(argocd) = state.argocd.as_ref_option() {
            let Some(release) = self.argocd_release(argocd, timeout).await? else {
                return Ok(None);
            };
            argocd_namespace = Some(release.namespace.clone());
            releases.push(release);
        }
        let application = match state.application.as_ref_option() {
            None => None,
            Some(app) => match application_of(app) {
                Some(application) => Some(application),
                None => return Ok(None),
            },
        };
        let tls = match state.tls.as_ref_option() {
            None => None,
            Some(block) => match tls_of(state, block, &names, &mut releases)? {
                Some(tls) => Some(tls),
                None => return Ok(None),
            },
        };
        let Some(rbac) = rbac_of(state) else {
            return Ok(None);
        };
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

    /// The ingress controller's release: its manifest downloaded and checked.
    async fn ingress_release(
        &self,
        ingress: &IngressBlock,
        cloud: &str,
        timeout: Duration,
    ) -> Step<objects::Release> {
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
        Ok(Some(objects::Release {
            name: "ingress",
            namespace: ns.unwrap_or_else(|| "ingress-nginx".into()),
            objects: Some(objects.as_ref().clone()),
            await_deployments: true,
            service_annotations: if internal {
                objects::internal_lb_annotations(cloud)
            } else {
                BTreeMap::new()
            },
        }))
    }

    /// ArgoCD's release: its manifest downloaded and checked.
    async fn argocd_release(
        &self,
        argocd: &ArgocdBlock,
        timeout: Duration,
    ) -> Step<objects::Release> {
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
        Ok(Some(objects::Release {
            name: "argocd",
            namespace: ns.unwrap_or_else(|| "argocd".into()),
            objects: Some(objects.as_ref().clone()),
            await_deployments: true,
            service_annotations: BTreeMap::new(),
        }))
    }
}

/// The storage classes: those of the arguments, or the cloud's defaults.
fn storage_classes_of(state: &BootstrapState, cloud: &str) -> Option<Vec<objects::StorageClass>> {
    match &state.storage_class {
        Value::Value(classes) if !classes.is_empty() => {
            let mut out = Vec::new();
            for class in classes {
                let Value::Value(c) = class else {
                    return None;
                };
                let (Some(name), Some(provisioner)) =
                    (c.name.as_ref_option(), c.provisioner.as_ref_option())
                else {
                    return None;
                };
                let parameters = match &c.parameters {
                    Value::Value(m) => from_state_map(m)?,
                    Value::Null => BTreeMap::new(),
                    Value::Unknown => return None,
                };
                out.push(objects::StorageClass {
                    name: name.clone(),
                    provisioner: provisioner.clone(),
                    parameters,
                    default: match c.default {
                        Value::Value(b) => b,
                        Value::Null => false,
                        Value::Unknown => return None,
                    },
                    reclaim_policy: known_str(&c.reclaim_policy)
                        .map(|v| v.unwrap_or_else(|| "Delete".into()))
                        .unwrap_or_default(),
                    volume_binding_mode: known_str(&c.volume_binding_mode)
                        .map(|v| v.unwrap_or_else(|| "WaitForFirstConsumer".into()))
                        .unwrap_or_default(),
                });
            }
            Some(out)
        }
        Value::Unknown => None,
        _ => Some(objects::default_storage_classes(cloud)),
    }
}

/// CoreDNS's forward zones: the servers of each zone.
fn forward_zones_of(state: &BootstrapState) -> Option<BTreeMap<String, Vec<String>>> {
    match state.coredns.as_ref_option().map(|c| &c.forward_zones) {
        None | Some(Value::Null) => Some(BTreeMap::new()),
        Some(Value::Unknown) => None,
        Some(Value::Value(zones)) => {
            let mut out = BTreeMap::new();
            for (zone, servers) in zones {
                match known_list(servers) {
                    Some(Some(list)) => {
                        out.insert(zone.clone(), list);
                    }
                    Some(None) => {}
                    None => return None,
                }
            }
            Some(out)
        }
    }
}

/// The ArgoCD Application of the `application` block.
fn application_of(app: &ApplicationBlock) -> Option<objects::Application> {
    let (Some(repo_url), Some(path), Some(revision), Some(secret)) = (
        app.repo_url.as_ref_option(),
        known_str(&app.path),
        known_str(&app.target_revision),
        known_str(&app.git_credentials_secret),
    ) else {
        return None;
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

/// The `tls` block: the ingress controller's release (already in `releases`) is given the
/// certificate's Secret as its default certificate.
fn tls_of(
    state: &BootstrapState,
    block: &TlsBlock,
    names: &Names,
    releases: &mut [objects::Release],
) -> Step<objects::Tls> {
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
    Ok(Some(objects::Tls {
        vault_secret: vault_secret.unwrap_or_else(|| "tls".into()),
        secret_name,
        namespace,
    }))
}

/// The role bindings of the `rbac` blocks.
fn rbac_of(state: &BootstrapState) -> Option<Vec<objects::RoleBinding>> {
    let mut rbac = Vec::new();
    if let Value::Value(bindings) = &state.rbac {
        for binding in bindings {
            let Value::Value(b) = binding else {
                return None;
            };
            let (Some(group), Some(role), Some(namespaces)) = (
                b.group.as_ref_option(),
                b.cluster_role.as_ref_option(),
                known_list(&b.namespaces),
            ) else {
                return None;
            };
            rbac.push(objects::RoleBinding {
                group: group.clone(),
                cluster_role: role.clone(),
                namespaces: namespaces.unwrap_or_default(),
            });
        }
    } else if state.rbac.is_unknown() {
        return None;
    }
    Some(rbac)
}

pub(super) fn manifest_detail(e: &crate::backends::manifests::ManifestError) -> String {
    format!(
        "{}.\n\nNothing was applied. Pin the SHA-256 of the release you reviewed \
         (sha256sum of the file at manifest_url), or fix the URL.",
        chain(e)
    )
}

/// The published metadata, `None` while unknown.
pub(super) fn metadata_of(
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

/// The connection, `None` while part of it is unknown.
pub(super) fn connection_of(state: &BootstrapState, timeout: Duration) -> Option<Connection> {
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

pub(super) fn timeout_of(state: &BootstrapState, which: &str) -> Duration {
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
