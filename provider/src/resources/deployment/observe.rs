//! Observing a deployment in Vault and Grafana: `read` (refresh), `import`, and the state
//! that describes what exists.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;
use tfplugin::{Diagnostics, Value};

use crate::backends::grafana::{DataSource, Folder, GrafanaClient, ServiceAccount, Team};
use crate::backends::http::BackendError;
use crate::backends::vault::VaultClient;
use crate::diag::{DiagnosticsExt, attr};
use crate::naming::{DeploymentKey, Names};
use crate::resources::lifecycle::{Step, StepError};
use crate::resources::{backends, to_state_map};

use super::DeploymentResource;
use super::converge::*;
use super::model::*;
use super::plan::*;

/// What a deployment's record in Vault says of its cloud and labels (what `terraform query`
/// filters on); `None` when there is no record (a deployment made by hand).
pub(crate) async fn recorded_cloud_and_labels(
    vault: &VaultClient,
    names: &Names,
) -> Result<Option<(Option<String>, BTreeMap<String, String>)>, BackendError> {
    let record = vault
        .kv_read(names.kv_mount(), &names.record_path())
        .await?;
    Ok(record
        .and_then(|s| Record::from_data(&s.data))
        .map(|r| (r.cloud, r.labels.unwrap_or_default())))
}

/// Hints that make observing cheaper or possible: ids from the state, secret names.
#[derive(Default)]
pub(super) struct Hints {
    pub(super) team_id: Option<i64>,
    pub(super) account_id: Option<i64>,
    pub(super) secret_names: BTreeSet<String>,
    pub(super) given_names: BTreeSet<String>,
}

impl Hints {
    pub(super) fn of(state: &DeploymentState) -> Self {
        Self {
            team_id: state.grafana_team_id.as_ref_option().copied(),
            account_id: state.grafana_service_account_id.as_ref_option().copied(),
            secret_names: state
                .generated_secrets
                .as_ref_option()
                .map(|s| {
                    s.iter()
                        .filter_map(|v| v.as_ref_option().cloned())
                        .collect()
                })
                .unwrap_or_default(),
            given_names: state
                .given_secret_versions
                .as_ref_option()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }
}

/// What Vault holds of a deployment.
pub(super) struct VaultObserved {
    pub(super) record: Option<Record>,
    pub(super) policy: Option<String>,
    pub(super) secrets: BTreeMap<String, u64>,
    pub(super) given: BTreeMap<String, u64>,
    pub(super) token: Option<TokenRecord>,
}

/// The live version of each secret `names_to_check` names.
pub(super) async fn live_versions(
    vault: &VaultClient,
    names: &Names,
    names_to_check: &BTreeSet<String>,
) -> Result<BTreeMap<String, u64>, StepError> {
    let mount = names.kv_mount();
    let checks = names_to_check.iter().map(|name| async move {
        (
            name.clone(),
            vault.kv_metadata(mount, &names.secret_path(name)).await,
        )
    });
    let mut versions = BTreeMap::new();
    for (name, metadata) in futures::future::join_all(checks).await {
        if let Some(metadata) = metadata.step(format!("reading the secret {name:?} in Vault"))?
            && metadata.latest_is_live()
        {
            versions.insert(name, metadata.current_version);
        }
    }
    Ok(versions)
}

pub(super) async fn observe_vault(
    vault: &VaultClient,
    names: &Names,
    hints: &Hints,
) -> Result<VaultObserved, StepError> {
    let mount = names.kv_mount();
    let (record_path, policy_name, token_path) = (
        names.record_path(),
        names.vault_policy(),
        names.grafana_token_path(),
    );
    let (record, policy, token) = tokio::join!(
        vault.kv_read(mount, &record_path),
        vault.policy(&policy_name),
        vault.kv_read(mount, &token_path),
    );
    let record = record
        .step("reading the deployment record in Vault")?
        .and_then(|s| Record::from_data(&s.data));
    let policy = policy.step("reading the Vault policy")?;
    let token = token
        .step("reading the Grafana token in Vault")?
        .and_then(|s| {
            serde_json::from_value::<TokenRecord>(Json::Object(s.data.into_iter().collect())).ok()
        });
    let mut names_to_check = hints.secret_names.clone();
    if let Some(listed) = record.as_ref().and_then(|r| r.generated_secrets.as_ref()) {
        names_to_check.extend(listed.iter().cloned());
    }
    let mut given_to_check = hints.given_names.clone();
    if let Some(listed) = record.as_ref().and_then(|r| r.given_secrets.as_ref()) {
        given_to_check.extend(listed.iter().cloned());
    }
    let (secrets, given) = tokio::join!(
        live_versions(vault, names, &names_to_check),
        live_versions(vault, names, &given_to_check)
    );
    Ok(VaultObserved {
        record,
        policy,
        secrets: secrets?,
        given: given?,
        token,
    })
}

pub(super) async fn observe_grafana(
    grafana: &GrafanaClient,
    names: &Names,
    hints: &Hints,
) -> Result<
    (
        Option<Folder>,
        Option<Team>,
        Option<ServiceAccount>,
        Vec<i64>,
        Option<DataSource>,
    ),
    StepError,
> {
    let folder_uid = names.grafana_folder_uid();
    let datasource_uid = names.grafana_datasource_uid();
    let team = async {
        match hints.team_id {
            Some(id) => grafana
                .team(id)
                .await
                .map(|t| t.filter(|t| t.name == names.grafana_team())),
            None => grafana.team_by_name(&names.grafana_team()).await,
        }
    };
    let account = async {
        match hints.account_id {
            Some(id) => grafana
                .service_account(id)
                .await
                .map(|a| a.filter(|a| a.name == names.grafana_service_account())),
            None => {
                grafana
                    .service_account_by_name(&names.grafana_service_account())
                    .await
            }
        }
    };
    let (folder, team, account, datasource) = tokio::join!(
        grafana.folder(&folder_uid),
        team,
        account,
        grafana.datasource(&datasource_uid),
    );
    let folder = folder.step("reading the Grafana folder")?;
    let team = team.step("reading the Grafana team")?;
    let account = account.step("reading the Grafana service account")?;
    let datasource = datasource.step("reading the Grafana data source")?;
    let tokens = match &account {
        Some(a) => {
            let token_name = names.grafana_token_name();
            grafana
                .tokens(a.id)
                .await
                .step("reading the Grafana service account's tokens")?
                .into_iter()
                .filter(|t| t.name == token_name)
                .map(|t| t.id)
                .collect()
        }
        None => Vec::new(),
    };
    Ok((folder, team, account, tokens, datasource))
}

pub(super) async fn observe(
    vault: &VaultClient,
    grafana: &GrafanaClient,
    names: &Names,
    hints: &Hints,
) -> Result<Observed, StepError> {
    let (v, g) = tokio::join!(
        observe_vault(vault, names, hints),
        observe_grafana(grafana, names, hints)
    );
    let VaultObserved {
        record,
        policy,
        secrets,
        given,
        token: token_record,
    } = v?;
    let (folder, team, account, tokens, datasource) = g?;
    // The token counts only when Grafana has it and Vault holds its key for this account.
    let token_id = match (&account, token_record) {
        (Some(account), Some(record))
            if record.service_account_id == account.id && tokens.contains(&record.token_id) =>
        {
            Some(record.token_id)
        }
        _ => None,
    };
    Ok(Observed {
        record,
        policy,
        secrets,
        given,
        folder,
        team,
        account,
        token_id,
        datasource,
    })
}

/// The state that describes what was observed. `prior` supplies what only Terraform knows
/// (`deletion_protection`).
pub(super) fn state_of(
    observed: &Observed,
    names: &Names,
    prior: Option<&DeploymentState>,
) -> DeploymentState {
    let mut state = DeploymentState::default();
    let key = names.key();
    match &observed.record {
        Some(record) => {
            state.display_name = Value::Value(record.display_name.clone());
            state.cloud = record.cloud.clone().into();
            state.region = record.region.clone().into();
            state.labels = record.labels.as_ref().map(to_state_map).into();
            state.generated_secrets = record
                .generated_secrets
                .as_ref()
                .map(|names| {
                    names
                        .iter()
                        .filter(|n| observed.secrets.contains_key(*n))
                        .map(|n| Value::Value(n.clone()))
                        .collect()
                })
                .into();
            state.deletion_protection = Value::Value(record.deletion_protection);
            state.given_secrets_wo_version = record.given_secrets_version.into();
        }
        None => {
            // Without the record the settings are unknown to Vault: show them as absent so
            // that the next plan writes the record again.
            state.display_name = Value::Null;
            state.deletion_protection = Value::Value(true);
        }
    }
    if let Some(prior) = prior
        && prior.deletion_protection.is_value()
    {
        state.deletion_protection = prior.deletion_protection;
    }
    if let Some(prior) = prior {
        // Configuration only: what Terraform holds wins over the record.
        state.given_secrets_wo_version = prior.given_secrets_wo_version;
    }
    state.grafana_datasource = observed
        .datasource
        .as_ref()
        .map(|ds| DatasourceBlock {
            name: Value::Value(ds.name.clone()),
            kind: Value::Value(ds.kind.clone()),
            url: Value::Value(ds.url.clone()),
        })
        .into();

    plan_known(&mut state, key, names.kv_mount());
    // plan_known derives these from the configuration; replace them by what exists.
    state.display_name = observed
        .record
        .as_ref()
        .map(|r| r.display_name.clone())
        .into();
    state.vault_policy_hcl = observed.policy.clone().into();
    state.secret_versions = Value::Value(
        observed
            .secrets
            .iter()
            .map(|(n, v)| (n.clone(), Value::Value(*v as i64)))
            .collect(),
    );
    let given_recorded = observed
        .record
        .as_ref()
        .is_some_and(|r| r.given_secrets.is_some());
    let given_held = prior.is_some_and(|p| p.given_secret_versions.is_value());
    state.given_secret_versions = if given_recorded || given_held || !observed.given.is_empty() {
        Value::Value(
            observed
                .given
                .iter()
                .map(|(n, v)| (n.clone(), Value::Value(*v as i64)))
                .collect(),
        )
    } else {
        Value::Null
    };
    state.grafana_folder_id = observed.folder.as_ref().map(|f| f.id).into();
    state.grafana_folder_title = observed.folder.as_ref().map(|f| f.title.clone()).into();
    state.grafana_team_id = observed.team.as_ref().map(|t| t.id).into();
    state.grafana_service_account_id = observed.account.as_ref().map(|a| a.id).into();
    state.grafana_token_id = observed.token_id.into();
    state.key = Value::Value(key.to_string());
    state
}

impl DeploymentResource {
    pub(super) async fn refresh(
        &self,
        diags: &mut Diagnostics,
        state: DeploymentState,
        private_state: Option<DeploymentPrivate>,
    ) -> Option<(DeploymentState, Option<DeploymentPrivate>)> {
        let backends = backends(diags, &self.context)?;
        let Some((vault, grafana)) = self.clients(diags, &backends) else {
            return Some((state, private_state));
        };
        let Some(key) = state
            .key
            .as_ref_option()
            .and_then(|k| DeploymentKey::parse(k).ok())
        else {
            diags.error_at(attr("key"), "Invalid deployment key in the state", "The state holds no valid deployment key; remove the resource from the state and import it again.");
            return Some((state, private_state));
        };
        let names = Names::new(&key, &backends.kv_mount);
        match observe(vault, grafana, &names, &Hints::of(&state)).await {
            Ok(observed) if !observed.anything() => {
                tracing::info!(deployment = %key, "the deployment no longer exists");
                None
            }
            Ok(observed) => Some((state_of(&observed, &names, Some(&state)), private_state)),
            Err(failure) => {
                report(
                    diags,
                    key.as_str(),
                    &failure,
                    "The state was left as it was.",
                );
                Some((state, private_state))
            }
        }
    }
}

impl DeploymentResource {
    pub(super) async fn import_key(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(DeploymentState, Option<DeploymentPrivate>)> {
        let key = match DeploymentKey::parse(id.trim()) {
            Ok(key) => key,
            Err(e) => {
                diags.error_root(
                    "Invalid import id",
                    format!("Import ff_deployment by its deployment key, such as WM-Prod: {e}."),
                );
                return None;
            }
        };
        let backends = backends(diags, &self.context)?;
        let (vault, grafana) = self.clients(diags, &backends)?;
        let names = Names::new(&key, &backends.kv_mount);
        match observe(vault, grafana, &names, &Hints::default()).await {
            Ok(observed) if observed.anything() => Some((state_of(&observed, &names, None), None)),
            Ok(_) => {
                diags.error_root(
                    format!("Deployment {key} not found"),
                    format!(
                        "Neither Vault ({} under {}) nor Grafana (folder {:?}, team {:?}) holds anything of deployment {key}.",
                        vault.address(),
                        names.vault_path(),
                        names.grafana_folder_uid(),
                        names.grafana_team()
                    ),
                );
                None
            }
            Err(failure) => {
                report(diags, key.as_str(), &failure, "Nothing was imported.");
                None
            }
        }
    }
}
