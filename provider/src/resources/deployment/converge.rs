//! Create and update: one idempotent convergence, step by step, each object looked up by its
//! derived name and adopted, created or corrected, retried within the apply by the lifecycle
//! engine.

use std::collections::BTreeMap;

use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::Value as Json;
use tfplugin::{Diagnostics, Value};

use crate::backends::grafana::GrafanaClient;
use crate::backends::vault::{CasWrite, KvMetadata, VaultClient};
use crate::diag::DiagnosticsExt;
use crate::naming::{MANAGED_BY, Names};
use crate::resources::backends;
use crate::resources::lifecycle::{
    self, Converged, Step, StepError, converge_with_retry, null_if_unknown,
};

use super::DeploymentResource;
use super::model::*;
use super::observe::*;
use super::plan::*;
use super::validate::*;

pub(super) fn null_unknowns(state: &mut DeploymentState) {
    null_if_unknown(&mut state.tags);
    null_if_unknown(&mut state.secret_versions);
    null_if_unknown(&mut state.given_secret_versions);
    null_if_unknown(&mut state.grafana_folder_id);
    null_if_unknown(&mut state.grafana_folder_title);
    null_if_unknown(&mut state.grafana_team_id);
    null_if_unknown(&mut state.grafana_service_account_id);
    null_if_unknown(&mut state.grafana_token_id);
    null_if_unknown(&mut state.vault_policy_hcl);
}

/// The diagnostic of a failed step of the deployment `key`.
pub(super) fn report(diags: &mut Diagnostics, key: &str, failure: &StepError, what: &str) {
    lifecycle::report(diags, &format!("Deployment {key}"), failure, what);
}

pub(super) fn random_secret() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(SECRET_LENGTH)
        .map(char::from)
        .collect()
}

pub(super) fn managed_metadata(names: &Names, kind: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (META_MANAGED_BY.to_string(), MANAGED_BY.to_string()),
        (META_KIND.to_string(), kind.to_string()),
        (META_KEY.to_string(), names.key().to_string()),
    ])
}

/// The given (write-only) secrets of `desired` in Vault, with their versions in `state`.
pub(super) async fn converge_given(
    vault: &VaultClient,
    desired: &Desired,
    prior: Option<&DeploymentState>,
    state: &mut DeploymentState,
) -> Result<(), StepError> {
    let names = &desired.names;
    let mount = names.kv_mount();
    let prior_versions: BTreeMap<String, Value<i64>> = prior
        .and_then(|p| p.given_secret_versions.as_ref_option().cloned())
        .unwrap_or_default();
    let bumped = prior.is_some_and(|p| {
        p.given_secrets_wo_version.as_ref_option().copied()
            != desired.given.as_ref().and_then(|g| g.version)
    });
    let mut versions: BTreeMap<String, Value<i64>> = BTreeMap::new();
    if let Some(given) = &desired.given {
        let live = live_versions(vault, names, &given.values.keys().cloned().collect()).await?;
        for (name, value) in &given.values {
            let kept = prior_versions
                .get(name)
                .and_then(Value::as_ref_option)
                .copied();
            let version = match (live.get(name), kept) {
                (Some(live), Some(_)) if !bumped => *live as i64,
                _ => {
                    let path = names.secret_path(name);
                    let data = BTreeMap::from([("value".to_string(), Json::String(value.clone()))]);
                    let step = format!("writing the given secret {name:?} to Vault");
                    let written = match vault
                        .kv_write(mount, &path, &data, None)
                        .await
                        .step(step.clone())?
                    {
                        CasWrite::Written(version) => version,
                        CasWrite::Mismatch => live.get(name).copied().unwrap_or(0),
                    };
                    let mut custom = vault
                        .kv_metadata(mount, &path)
                        .await
                        .step(step.clone())?
                        .and_then(|m| m.custom_metadata)
                        .unwrap_or_default();
                    custom.extend(managed_metadata(names, "given"));
                    vault
                        .kv_write_metadata(mount, &path, &custom)
                        .await
                        .step(step)?;
                    tracing::info!(deployment = %names.key(), secret = %name, version = written, "wrote a given secret to Vault");
                    written as i64
                }
            };
            versions.insert(name.clone(), Value::Value(version));
            state.given_secret_versions = Value::Value(versions.clone());
        }
    }
    for name in prior_versions.keys() {
        let still = desired
            .given
            .as_ref()
            .is_some_and(|g| g.values.contains_key(name));
        if !still {
            vault
                .kv_delete_all(mount, &names.secret_path(name))
                .await
                .step(format!("deleting the given secret {name:?} from Vault"))?;
        }
    }
    state.given_secret_versions = match &desired.given {
        Some(_) => Value::Value(versions),
        None => Value::Null,
    };
    Ok(())
}

/// Make the remote objects match `desired`, recording progress in `state`.
pub(super) async fn converge(
    vault: &VaultClient,
    grafana: &GrafanaClient,
    desired: &Desired,
    prior: Option<&DeploymentState>,
    state: &mut DeploymentState,
) -> Result<(), StepError> {
    let names = &desired.names;
    let mount = names.kv_mount();
    let key = names.key().to_string();

    // Vault: mount, record, policy.
    vault
        .ensure_kv2_mount(mount)
        .await
        .step(format!("enabling the KV v2 mount {mount:?} in Vault"))?;
    let record = Record::of(desired);
    let existing = vault
        .kv_read(mount, &names.record_path())
        .await
        .step("reading the deployment record in Vault")?;
    if existing
        .as_ref()
        .and_then(|s| Record::from_data(&s.data))
        .as_ref()
        != Some(&record)
    {
        vault
            .kv_write(mount, &names.record_path(), &record.to_data(), None)
            .await
            .step("writing the deployment record in Vault")?;
        vault
            .kv_write_metadata(
                mount,
                &names.record_path(),
                &managed_metadata(names, "record"),
            )
            .await
            .step("labelling the deployment record in Vault")?;
    }
    let hcl = names.vault_policy_hcl();
    let policy = vault
        .policy(&names.vault_policy())
        .await
        .step("reading the Vault policy")?;
    if policy.as_deref() != Some(hcl.as_str()) {
        vault
            .put_policy(&names.vault_policy(), &hcl)
            .await
            .step(format!(
                "writing the Vault policy {:?}",
                names.vault_policy()
            ))?;
    }
    state.vault_policy_hcl = Value::Value(hcl);

    // Vault: generated secrets, each written only if it does not exist (cas=0), then kept.
    let wanted = desired.secrets.clone().unwrap_or_default();
    let mut versions: BTreeMap<String, Value<i64>> = BTreeMap::new();
    state.secret_versions = Value::Value(versions.clone());
    for name in &wanted {
        let path = names.secret_path(name);
        let step = format!("generating the secret {name:?} in Vault");
        let metadata: Option<KvMetadata> =
            vault.kv_metadata(mount, &path).await.step(step.clone())?;
        // `None` when the secret carries the labels; else the custom metadata it has.
        let unlabelled = |m: &KvMetadata| {
            (m.custom(META_MANAGED_BY) != Some(MANAGED_BY))
                .then(|| m.custom_metadata.clone().unwrap_or_default())
        };
        let (version, unlabelled) = match metadata {
            Some(m) if m.latest_is_live() => (m.current_version, unlabelled(&m)),
            existing => {
                let cas = existing.map(|m| m.current_version).unwrap_or(0);
                let data = BTreeMap::from([("value".to_string(), Json::String(random_secret()))]);
                match vault
                    .kv_write(mount, &path, &data, Some(cas))
                    .await
                    .step(step.clone())?
                {
                    CasWrite::Written(version) => {
                        tracing::info!(deployment = %key, secret = %name, version, "generated a secret in Vault");
                        (version, Some(BTreeMap::new()))
                    }
                    // Written meanwhile — by someone else, or by this very write when its
                    // answer was lost and the retry found it: keep it.
                    CasWrite::Mismatch => {
                        let now = vault.kv_metadata(mount, &path).await.step(step.clone())?;
                        (
                            now.as_ref().map(|m| m.current_version).unwrap_or(cas + 1),
                            now.as_ref().map_or(Some(BTreeMap::new()), unlabelled),
                        )
                    }
                }
            }
        };
        // A secret kept without the labels (its write's answer was lost before they were
        // set, or it was made by hand) gets them, as one generated here has; other custom
        // metadata it carries stays.
        if let Some(mut custom) = unlabelled {
            custom.extend(managed_metadata(names, "generated"));
            vault
                .kv_write_metadata(mount, &path, &custom)
                .await
                .step(step.clone())?;
        }
        versions.insert(name.clone(), Value::Value(version as i64));
        state.secret_versions = Value::Value(versions.clone());
    }
    if let Some(prior_secrets) = prior.and_then(|p| p.secret_versions.as_ref_option()) {
        for name in prior_secrets.keys().filter(|n| !wanted.contains(*n)) {
            vault
                .kv_delete_all(mount, &names.secret_path(name))
                .await
                .step(format!("deleting the secret {name:?} from Vault"))?;
        }
    }

    // Vault: given secrets, written when new, when their version is bumped, or when the
    // secret is gone from Vault; their values come from the configuration only.
    converge_given(vault, desired, prior, state).await?;

    // Grafana: folder.
    let uid = names.grafana_folder_uid();
    let folder = match grafana
        .folder(&uid)
        .await
        .step("reading the Grafana folder")?
    {
        Some(folder) => folder,
        None => match grafana.create_folder(&uid, &desired.display_name).await {
            Ok(folder) => folder,
            // Created by a concurrent or interrupted run: adopt it.
            Err(e)
                if e.status()
                    .is_some_and(|s| s.as_u16() == 409 || s.as_u16() == 412) =>
            {
                grafana
                    .folder(&uid)
                    .await
                    .step("reading the Grafana folder")?
                    .ok_or(e)
                    .step("creating the Grafana folder")?
            }
            Err(e) => return Err(e).step(format!("creating the Grafana folder {uid:?}")),
        },
    };
    let folder = if folder.title != desired.display_name {
        grafana
            .rename_folder(&uid, &desired.display_name)
            .await
            .step(format!("renaming the Grafana folder {uid:?}"))?
    } else {
        folder
    };
    state.grafana_folder_id = Value::Value(folder.id);
    state.grafana_folder_title = Value::Value(folder.title.clone());

    // Grafana: team, with edit rights on the folder.
    let team_name = names.grafana_team();
    let prior_team = prior.and_then(|p| p.grafana_team_id.as_ref_option().copied());
    let team = match prior_team {
        Some(id) => grafana
            .team(id)
            .await
            .step("reading the Grafana team")?
            .filter(|t| t.name == team_name),
        None => None,
    };
    let team_id = match team {
        Some(team) => team.id,
        None => match grafana
            .team_by_name(&team_name)
            .await
            .step("reading the Grafana team")?
        {
            Some(team) => team.id,
            None => grafana
                .create_team(&team_name)
                .await
                .step(format!("creating the Grafana team {team_name:?}"))?,
        },
    };
    state.grafana_team_id = Value::Value(team_id);
    grafana
        .set_folder_team_permission(&uid, team_id, TEAM_FOLDER_PERMISSION)
        .await
        .step("giving the Grafana team edit rights on its folder")?;

    // Grafana: service account and its token, whose key goes to Vault.
    let account_name = names.grafana_service_account();
    let account = match grafana
        .service_account_by_name(&account_name)
        .await
        .step("reading the Grafana service account")?
    {
        Some(account) => account,
        None => grafana
            .create_service_account(&account_name, SERVICE_ACCOUNT_ROLE)
            .await
            .step(format!(
                "creating the Grafana service account {account_name:?}"
            ))?,
    };
    state.grafana_service_account_id = Value::Value(account.id);
    let token_name = names.grafana_token_name();
    let tokens = grafana
        .tokens(account.id)
        .await
        .step("reading the Grafana service account's tokens")?;
    let kept = vault
        .kv_read(mount, &names.grafana_token_path())
        .await
        .step("reading the Grafana token in Vault")?
        .and_then(|s| {
            serde_json::from_value::<TokenRecord>(Json::Object(s.data.into_iter().collect())).ok()
        })
        .filter(|r| {
            r.service_account_id == account.id
                && tokens
                    .iter()
                    .any(|t| t.id == r.token_id && t.name == token_name)
        });
    let token_id = match kept {
        Some(record) => record.token_id,
        None => {
            // The key of an existing token cannot be read back: replace it.
            for stale in tokens.iter().filter(|t| t.name == token_name) {
                grafana
                    .delete_token(account.id, stale.id)
                    .await
                    .step("revoking the previous Grafana token")?;
            }
            let token = grafana
                .create_token(account.id, &token_name)
                .await
                .step("creating the Grafana service account token")?;
            let record = TokenRecord {
                token: token.key,
                token_id: token.id,
                service_account_id: account.id,
                url: grafana.url().to_string(),
            };
            let data = match serde_json::to_value(&record) {
                Ok(Json::Object(map)) => map.into_iter().collect(),
                _ => BTreeMap::new(),
            };
            vault
                .kv_write(mount, &names.grafana_token_path(), &data, None)
                .await
                .step("writing the Grafana token to Vault")?;
            vault
                .kv_write_metadata(
                    mount,
                    &names.grafana_token_path(),
                    &managed_metadata(names, "grafana-token"),
                )
                .await
                .step("labelling the Grafana token in Vault")?;
            tracing::info!(deployment = %key, token_id = token.id, "minted a Grafana token and stored it in Vault");
            token.id
        }
    };
    state.grafana_token_id = Value::Value(token_id);

    // Grafana: data source.
    let ds_uid = names.grafana_datasource_uid();
    let existing = grafana
        .datasource(&ds_uid)
        .await
        .step("reading the Grafana data source")?;
    match &desired.datasource {
        Some(ds) => {
            let same = existing
                .as_ref()
                .is_some_and(|e| e.name == ds.name && e.kind == ds.kind && e.url == ds.url);
            if !same {
                grafana
                    .put_datasource(&ds_uid, &ds.name, &ds.kind, &ds.url, existing.is_some())
                    .await
                    .step(format!("writing the Grafana data source {ds_uid:?}"))?;
            }
        }
        None => {
            if existing.is_some() {
                grafana
                    .delete_datasource(&ds_uid)
                    .await
                    .step(format!("deleting the Grafana data source {ds_uid:?}"))?;
            }
        }
    }
    Ok(())
}

impl DeploymentResource {
    pub(super) async fn apply(
        &self,
        diags: &mut Diagnostics,
        prior: Option<&DeploymentState>,
        planned: DeploymentState,
        given: Option<BTreeMap<String, String>>,
    ) -> Option<(DeploymentState, Option<DeploymentPrivate>)> {
        let backends = backends(diags, &self.context)?;
        let (vault, grafana) = self.clients(diags, &backends)?;
        let Some(mut desired) = desired_of(&planned, &backends.kv_mount) else {
            diags.error_root(
                "Deployment configuration is not fully known",
                "Some arguments of ff_deployment were still unknown at apply time.",
            );
            return None;
        };
        desired.given = given.map(|values| Given {
            values,
            version: planned.given_secrets_wo_version.as_ref_option().copied(),
        });
        let mut state = planned;
        plan_known(&mut state, desired.names.key(), &backends.kv_mount);
        state.display_name = Value::Value(desired.display_name.clone());
        let desired = &desired;
        let (mut state, converged) = converge_with_retry(
            desired.names.key().as_str(),
            state,
            |mut state| async move {
                let result = converge(vault, grafana, desired, prior, &mut state).await;
                (state, result)
            },
        )
        .await;
        let Converged {
            result,
            convergence,
        } = converged;
        null_unknowns(&mut state);
        match result {
            Ok(()) => Some((state, None)),
            Err(failure) => {
                let nothing_made = prior.is_none()
                    && state.vault_policy_hcl.is_null()
                    && state.grafana_folder_id.is_null();
                report(
                    diags,
                    desired.names.key().as_str(),
                    &failure,
                    &convergence.explain(if nothing_made {
                        "Nothing of the deployment was recorded in the state. Fix the cause and apply again."
                    } else {
                        "Everything made before this step is recorded in the state. Fix the cause and \
                         apply again: the next apply adopts what exists and finishes the deployment \
                         without duplicating anything."
                    }),
                );
                if nothing_made {
                    None
                } else {
                    let private = prior.is_none().then_some(DeploymentPrivate {
                        incomplete: true,
                        replacing: false,
                    });
                    Some((state, private))
                }
            }
        }
    }
}
