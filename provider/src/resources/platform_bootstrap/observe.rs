//! Read and import: what exists of a bootstrap in the cluster and in Vault, compared with
//! what its arguments plan.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use serde_json::Value as Json;
use tfplugin::{Diagnostics, Value};

use super::converge::{certificate_digest, materialize, vault_secret};
use super::model::BootstrapState;
use super::objects::{self, Handling, Planned};
use super::plan::{role_body, vault_config_digest, vault_ids};
use super::spec::connection_of;
use super::spec::report_arg;
use super::{CONCURRENCY, DRIFTED, PlatformBootstrapResource, RESOURCE, StepError, report, step};
use crate::backends::kubernetes::{Connection, KubeClient, KubeError};
use crate::backends::vault::VaultClient;
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::{DeploymentKey, Names};
use crate::resources::{apply_backend, backends};

/// Whether the live object matches what is planned.
pub(super) async fn observe_one(
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

/// The digests Vault's side matches: `(config, role)`, each `None` when missing or drifted.
pub(super) async fn observe_vault(
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

/// What each planned object is in the cluster: its digest when the live object matches,
/// `drifted` when it differs; an object missing is left out. The first failure to read one
/// fails them all.
async fn observe_objects(
    kube: &KubeClient,
    names: &Names,
    planned: &[Planned],
    secrets: &BTreeMap<String, BTreeMap<String, Json>>,
) -> Result<BTreeMap<String, Value<String>>, KubeError> {
    let checks: Vec<_> = planned
        .iter()
        .map(|p| {
            let object = materialize(p, secrets);
            async move { (p, observe_one(kube, names, p, &object).await) }
        })
        .collect();
    let results: Vec<(&Planned, Result<Option<bool>, KubeError>)> = futures::stream::iter(checks)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut observed: BTreeMap<String, Value<String>> = BTreeMap::new();
    for (p, result) in results {
        match result? {
            None => {}
            Some(true) => {
                observed.insert(
                    p.id.clone(),
                    p.digest.clone().map(Value::Value).unwrap_or(Value::Null),
                );
            }
            Some(false) => {
                observed.insert(p.id.clone(), Value::Value(DRIFTED.into()));
            }
        }
    }
    Ok(observed)
}

/// Vault's side as observed: the auth method's config and role, each with its digest when it
/// matches, `drifted` when it differs, left out when missing.
fn record_vault(
    observed: &mut BTreeMap<String, Value<String>>,
    names: &Names,
    state: &BootstrapState,
    role: &Json,
    config_ok: Option<bool>,
    role_ok: Option<bool>,
) {
    let (config_id, role_id) = vault_ids(names);
    match config_ok {
        Some(true) => observed.insert(
            config_id,
            vault_config_digest(state)
                .map(Value::Value)
                .unwrap_or(Value::Null),
        ),
        Some(false) => observed.insert(config_id, Value::Value(DRIFTED.into())),
        None => None,
    };
    match role_ok {
        Some(true) => observed.insert(role_id, Value::Value(objects::digest(role))),
        Some(false) => observed.insert(role_id, Value::Value(DRIFTED.into())),
        None => None,
    };
}

impl PlatformBootstrapResource {
    /// Read and import: what exists of the bootstrap described by `state`.
    pub(super) async fn observe(
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
        let mut observed = match observe_objects(&kube, &names, &planned, &secrets).await {
            Ok(observed) => observed,
            Err(e) => {
                diags.error_root(
                    format!("Platform bootstrap {key}: reading the cluster failed"),
                    format!("{}.\n\nThe state was left as it was.", chain(&e)),
                );
                return Some(Some(state));
            }
        };
        let (config_ok, role_ok) = match observe_vault(&vault, &names, &connection, &role).await {
            Ok(r) => r,
            Err(failure) => {
                report(diags, &key, &failure, "The state was left as it was.");
                return Some(Some(state));
            }
        };
        record_vault(&mut observed, &names, &state, &role, config_ok, role_ok);
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

    /// Import by deployment key: the arguments recorded in Vault, then what exists of them.
    pub(super) async fn import_key(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<BootstrapState> {
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
            Some(Some(state)) => Some(state),
            _ => {
                if !diags.has_errors() {
                    diags.error_root(format!("Platform bootstrap {key} not found"), "Its record is in Vault, but nothing of it exists in the cluster or in Vault's auth methods.");
                }
                None
            }
        }
    }
}
