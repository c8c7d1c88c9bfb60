//! Planning: the defaults of optional and computed arguments, and the `objects` attribute as
//! planned (each object's id and digest, Vault's side included). Never contacts the cluster.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};
use tfplugin::{Diagnostics, Value};

use super::model::BootstrapState;
use super::objects::{self, Planned, Spec};
use super::spec::report_arg;
use super::spec::{known_list, known_str};
use super::{PlatformBootstrapResource, RESOURCE};
use crate::naming::{DeploymentKey, Names};
use crate::resources::{backends, plan_backend};

/// Defaults of optional and computed arguments, filled in at plan.
pub(super) fn fill_defaults(state: &mut BootstrapState) {
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
pub(super) fn role_body(names: &Names, spec: &Spec, state: &BootstrapState) -> Json {
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
pub(super) fn vault_config_digest(state: &BootstrapState) -> Option<String> {
    let cluster = state.cluster.as_ref_option()?;
    let host = cluster.host.as_ref_option()?;
    let ca = known_str(&cluster.cluster_ca_certificate)?;
    Some(objects::digest(&json!({"host": host, "ca": ca})))
}

pub(super) fn vault_ids(names: &Names) -> (String, String) {
    let mount = names.vault_kubernetes_auth_mount();
    (
        format!("vault/auth/{mount}/config"),
        format!("vault/auth/{mount}/role/{}", names.vault_kubernetes_role()),
    )
}

/// The `objects` attribute as planned.
pub(super) fn planned_objects(
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

impl PlatformBootstrapResource {
    pub(super) async fn plan(
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_left_out_is_the_pinned_release_of_the_cloud() {
        use crate::resources::platform_bootstrap::model::{ArgocdBlock, IngressBlock};
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
}
