//! Planning `ff_deployment`: what the plan can know from the configuration and the names,
//! the versions it keeps or leaves unknown, and the plan of a create or an update.

use std::collections::{BTreeMap, BTreeSet};

use tfplugin::{AttributePath, Diagnostics, Value};

use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::{self, DeploymentKey, Names};
use crate::resources::{backends, from_state_map, plan_backend, to_state_map};

use super::DeploymentResource;
use super::model::*;
use super::validate::*;

/// Planned `given_secret_versions`: null without given secrets; the prior versions while the
/// names are the same and the version is not bumped; else unknown (they will be written).
pub(super) fn plan_given_versions(
    state: &mut DeploymentState,
    prior: Option<&DeploymentState>,
    config: &DeploymentState,
) {
    let names: Option<BTreeSet<String>> = match &config.given_secrets_wo {
        Value::Value(map) => Some(map.keys().cloned().collect()),
        Value::Null => {
            state.given_secret_versions = Value::Null;
            return;
        }
        Value::Unknown => None,
    };
    let kept = prior.and_then(|p| {
        let versions = p.given_secret_versions.as_ref_option()?;
        let same_names = names.as_ref()? == &versions.keys().cloned().collect::<BTreeSet<_>>();
        let same_version = p.given_secrets_wo_version == state.given_secrets_wo_version;
        (same_names && same_version && versions.values().all(Value::is_value))
            .then(|| versions.clone())
    });
    state.given_secret_versions = match kept {
        Some(versions) => Value::Value(versions),
        None => Value::Unknown,
    };
}

pub(super) fn default_datasource_name(names: &Names, kind: &str) -> String {
    format!(
        "{}-{}",
        names.grafana_datasource_uid().trim_end_matches("-ds"),
        kind
    )
}

/// Fill in everything the plan can know from the configuration and the names.
pub(super) fn plan_known(state: &mut DeploymentState, key: &DeploymentKey, kv_mount: &str) {
    let names = Names::new(key, kv_mount);
    state.id = Value::Value(key.to_string());
    state.slug = Value::Value(names.slug().to_string());
    state.names = Value::Value(to_state_map(&names.all()));
    state.vault_path = Value::Value(names.vault_path());
    state.vault_policy = Value::Value(names.vault_policy());
    state.vault_policy_hcl = Value::Value(names.vault_policy_hcl());
    state.grafana_folder_uid = Value::Value(names.grafana_folder_uid());
    state.grafana_token_vault_path = Value::Value(format!(
        "{}/{}",
        names.kv_mount(),
        names.grafana_token_path()
    ));
    if state.display_name.is_null() {
        state.display_name = Value::Value(key.to_string());
    }
    if state.deletion_protection.is_null() {
        state.deletion_protection = Value::Value(true);
    }
    state.grafana_folder_title = state.display_name.clone();
    if let Value::Value(ds) = &mut state.grafana_datasource
        && ds.name.is_null()
    {
        ds.name = match &ds.kind {
            Value::Value(kind) => Value::Value(default_datasource_name(&names, kind)),
            _ => Value::Unknown,
        };
    }
    state.tags = match (&state.cloud, &state.labels) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        (cloud, labels) => match labels {
            Value::Value(m) => match from_state_map(m) {
                Some(m) => Value::Value(to_state_map(
                    &names.tags(cloud.as_ref_option().map(String::as_str), &m),
                )),
                None => Value::Unknown,
            },
            _ => Value::Value(to_state_map(
                &names.tags(cloud.as_ref_option().map(String::as_str), &BTreeMap::new()),
            )),
        },
    };
}

/// Planned `secret_versions`: the prior versions while every wanted secret has one, else
/// unknown (a secret will be written).
pub(super) fn plan_secret_versions(state: &mut DeploymentState, prior: Option<&DeploymentState>) {
    let wanted: Option<BTreeSet<String>> = match &state.generated_secrets {
        Value::Value(s) => s.iter().map(|v| v.as_ref_option().cloned()).collect(),
        Value::Null => Some(BTreeSet::new()),
        Value::Unknown => None,
    };
    let prior_versions = prior.and_then(|p| p.secret_versions.as_ref_option());
    state.secret_versions = match (wanted, prior_versions) {
        (Some(wanted), _) if wanted.is_empty() => Value::Value(BTreeMap::new()),
        (Some(wanted), Some(prior))
            if wanted
                .iter()
                .all(|n| prior.get(n).is_some_and(Value::is_value)) =>
        {
            Value::Value(
                prior
                    .iter()
                    .filter(|(n, _)| wanted.contains(*n))
                    .map(|(n, v)| (n.clone(), *v))
                    .collect(),
            )
        }
        _ => Value::Unknown,
    };
}

pub(super) fn keep_or_unknown<T: Clone>(prior: Option<&Value<T>>) -> Value<T> {
    match prior {
        Some(Value::Value(v)) => Value::Value(v.clone()),
        _ => Value::Unknown,
    }
}

impl DeploymentResource {
    pub(super) async fn plan_new(
        &self,
        diags: &mut Diagnostics,
        proposed_state: DeploymentState,
        config_state: DeploymentState,
    ) -> Option<(DeploymentState, Option<DeploymentPrivate>)> {
        let backends = backends(diags, &self.context)?;
        let vault = plan_backend(diags, &backends.vault, "Vault", RESOURCE);
        let grafana = plan_backend(diags, &backends.grafana, "Grafana", RESOURCE);
        let (Ok(vault), Ok(_)) = (vault, grafana) else {
            return None;
        };
        let mut state = proposed_state;
        let Some(key) = parse_key(diags, &state.key) else {
            if diags.has_errors() {
                return None;
            }
            // Key unknown until apply: every derived value is unknown too.
            state.id = Value::Unknown;
            state.slug = Value::Unknown;
            state.names = Value::Unknown;
            state.tags = Value::Unknown;
            state.vault_path = Value::Unknown;
            state.vault_policy = Value::Unknown;
            state.vault_policy_hcl = Value::Unknown;
            state.grafana_folder_uid = Value::Unknown;
            state.grafana_token_vault_path = Value::Unknown;
            state.grafana_folder_title = Value::Unknown;
            if state.display_name.is_null() {
                state.display_name = Value::Unknown;
            }
            if state.deletion_protection.is_null() {
                state.deletion_protection = Value::Value(true);
            }
            state.secret_versions = Value::Unknown;
            state.grafana_folder_id = Value::Unknown;
            state.grafana_team_id = Value::Unknown;
            state.grafana_service_account_id = Value::Unknown;
            state.grafana_token_id = Value::Unknown;
            return Some((
                state,
                Some(DeploymentPrivate {
                    incomplete: false,
                    replacing: true,
                }),
            ));
        };
        if let Err(other) = self.context.slugs.claim(&key) {
            diags.error_at(
                attr("key"),
                "Deployment keys clash",
                format!(
                    "The deployment keys {key:?} and {other:?} differ only in case, so both would be \
                     named {:?} in Grafana, Kubernetes and the cloud. Use one of them.",
                    key.slug()
                ),
            );
            return None;
        }
        if let Some(vault) = vault {
            match vault.kv_list(&backends.kv_mount, "").await {
                Ok(keys) => {
                    let clash = keys
                        .iter()
                        .map(|k| k.trim_end_matches('/'))
                        .filter_map(|k| DeploymentKey::parse(k).ok())
                        .find(|other| naming::slugs_clash(&key, other));
                    if let Some(other) = clash {
                        diags.error_at(
                            attr("key"),
                            "Deployment keys clash",
                            format!(
                                "Vault already holds a deployment {other:?} under {:?}; {key:?} differs only \
                                 in case and would share its names ({:?}). Use the existing key or another one.",
                                backends.kv_mount,
                                key.slug()
                            ),
                        );
                        return None;
                    }
                }
                Err(e) => {
                    diags.error_root(
                        "Vault cannot be reached",
                        format!(
                            "Planning deployment {key} needs Vault at {}: {}. Check the provider's vault \
                             settings (or VAULT_ADDR) and that Vault is up.",
                            vault.address(),
                            chain(&e)
                        ),
                    );
                    return None;
                }
            }
        }
        plan_known(&mut state, &key, &backends.kv_mount);
        plan_secret_versions(&mut state, None);
        plan_given_versions(&mut state, None, &config_state);
        state.grafana_folder_id = Value::Unknown;
        state.grafana_team_id = Value::Unknown;
        state.grafana_service_account_id = Value::Unknown;
        state.grafana_token_id = Value::Unknown;
        Some((
            state,
            Some(DeploymentPrivate {
                incomplete: false,
                replacing: true,
            }),
        ))
    }
}

impl DeploymentResource {
    pub(super) async fn plan_change(
        &self,
        diags: &mut Diagnostics,
        prior_state: DeploymentState,
        proposed_state: DeploymentState,
        config_state: DeploymentState,
        prior_private_state: Option<DeploymentPrivate>,
    ) -> Option<(
        DeploymentState,
        Option<DeploymentPrivate>,
        Vec<AttributePath>,
    )> {
        let backends = backends(diags, &self.context)?;
        let vault = plan_backend(diags, &backends.vault, "Vault", RESOURCE);
        let grafana = plan_backend(diags, &backends.grafana, "Grafana", RESOURCE);
        if vault.is_err() || grafana.is_err() {
            return None;
        }
        let mut state = proposed_state;
        let mut replace = Vec::new();
        if state.key != prior_state.key {
            replace.push(attr("key"));
        }
        let Some(key) = parse_key(diags, &state.key) else {
            if diags.has_errors() {
                return None;
            }
            return Some((state, prior_private_state, replace));
        };
        plan_known(&mut state, &key, &backends.kv_mount);
        if state.vault_path != prior_state.vault_path && prior_state.vault_path.is_value() {
            replace.push(attr("vault_path"));
        }
        if !replace.is_empty() && prior_state.deletion_protection != Value::Value(false) {
            diags.error_at(
                attr("key"),
                format!("Deployment {} is protected from deletion", prior_state.key.as_ref_option().cloned().unwrap_or_default()),
                "Changing the key (or the Vault mount) replaces the deployment, which deletes the old one, \
                 and deletion_protection is true for it. To replace it, set deletion_protection = false, \
                 apply, then change the key.",
            );
            return None;
        }
        if !replace.is_empty() {
            plan_secret_versions(&mut state, None);
            plan_given_versions(&mut state, None, &config_state);
            state.grafana_folder_id = Value::Unknown;
            state.grafana_team_id = Value::Unknown;
            state.grafana_service_account_id = Value::Unknown;
            state.grafana_token_id = Value::Unknown;
            return Some((state, prior_private_state, replace));
        }
        plan_secret_versions(&mut state, Some(&prior_state));
        plan_given_versions(&mut state, Some(&prior_state), &config_state);
        state.grafana_folder_id = keep_or_unknown(Some(&prior_state.grafana_folder_id));
        state.grafana_team_id = keep_or_unknown(Some(&prior_state.grafana_team_id));
        state.grafana_service_account_id =
            keep_or_unknown(Some(&prior_state.grafana_service_account_id));
        state.grafana_token_id = if state.grafana_service_account_id.is_unknown() {
            Value::Unknown
        } else {
            keep_or_unknown(Some(&prior_state.grafana_token_id))
        };
        Some((state, prior_private_state, replace))
    }
}
