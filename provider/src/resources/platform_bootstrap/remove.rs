//! Destroy, and the removal of objects no longer wanted: objects are deleted (or, for the
//! shared CoreDNS ConfigMaps, given back without the deployment's part) in reverse order of
//! the waves; Vault's auth method and the bootstrap's record go with them.

use futures::StreamExt;
use serde_json::{Value as Json, json};

use tfplugin::Diagnostics;

use super::model::BootstrapState;
use super::objects;
use super::spec::connection_of;
use super::{CONCURRENCY, PlatformBootstrapResource, RESOURCE, StepError, report, step};
use crate::backends::kubernetes::KubeClient;
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::{DeploymentKey, Names};
use crate::resources::{apply_backend, backends};

/// `apps/v1/Deployment/ns/name` → `(apps/v1, Deployment, Some(ns), name)`.
pub(super) fn parse_id(id: &str) -> Option<(String, String, Option<String>, String)> {
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
pub(super) async fn remove(
    kube: &KubeClient,
    names: &Names,
    ids: &[String],
) -> Result<(), StepError> {
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

pub(super) async fn remove_one(
    kube: &KubeClient,
    names: &Names,
    id: &str,
) -> Result<(), StepError> {
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

impl PlatformBootstrapResource {
    /// Destroy: Vault's auth method, every object of the state, then the record in Vault.
    pub(super) async fn remove_all(
        &self,
        diags: &mut Diagnostics,
        prior_state: BootstrapState,
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
