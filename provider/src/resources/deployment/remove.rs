//! Destroy: `deletion_protection`, and deleting everything of a deployment in the reverse
//! order of the convergence.

use std::collections::BTreeSet;

use tfplugin::{Diagnostics, Value};

use crate::backends::grafana::GrafanaClient;
use crate::backends::vault::VaultClient;
use crate::diag::{DiagnosticsExt, attr};
use crate::naming::{DeploymentKey, Names};
use crate::resources::backends;
use crate::resources::lifecycle::{Step, StepError};

use super::DeploymentResource;
use super::converge::*;
use super::model::*;
use super::observe::*;

pub(super) const PROTECTED_DETAIL: &str = "deletion_protection is true for this deployment. To destroy it, \
    set deletion_protection = false, apply, and destroy again.";

/// Delete everything of the deployment, the reverse of `converge`.
pub(super) async fn remove(
    vault: &VaultClient,
    grafana: &GrafanaClient,
    names: &Names,
    state: &DeploymentState,
) -> Result<(), StepError> {
    let mount = names.kv_mount();
    grafana
        .delete_datasource(&names.grafana_datasource_uid())
        .await
        .step("deleting the Grafana data source")?;
    let account = match state.grafana_service_account_id.as_ref_option() {
        Some(id) => Some(*id),
        None => grafana
            .service_account_by_name(&names.grafana_service_account())
            .await
            .step("reading the Grafana service account")?
            .map(|a| a.id),
    };
    if let Some(id) = account {
        grafana
            .delete_service_account(id)
            .await
            .step("deleting the Grafana service account")?;
    }
    vault
        .kv_delete_all(mount, &names.grafana_token_path())
        .await
        .step("deleting the Grafana token from Vault")?;
    let team = match state.grafana_team_id.as_ref_option() {
        Some(id) => Some(*id),
        None => grafana
            .team_by_name(&names.grafana_team())
            .await
            .step("reading the Grafana team")?
            .map(|t| t.id),
    };
    if let Some(id) = team {
        grafana
            .delete_team(id)
            .await
            .step("deleting the Grafana team")?;
    }
    grafana
        .delete_folder(&names.grafana_folder_uid())
        .await
        .step("deleting the Grafana folder")?;
    let mut secrets: BTreeSet<String> = state
        .secret_versions
        .as_ref_option()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let hints = Hints::of(state);
    secrets.extend(hints.secret_names);
    // Given secrets too: the deployment owns what it wrote.
    secrets.extend(hints.given_names);
    for name in secrets {
        vault
            .kv_delete_all(mount, &names.secret_path(&name))
            .await
            .step(format!("deleting the secret {name:?} from Vault"))?;
    }
    vault
        .delete_policy(&names.vault_policy())
        .await
        .step("deleting the Vault policy")?;
    vault
        .kv_delete_all(mount, &names.record_path())
        .await
        .step("deleting the deployment record from Vault")?;
    Ok(())
}

impl DeploymentResource {
    pub(super) async fn plan_removal(
        &self,
        diags: &mut Diagnostics,
        prior_state: DeploymentState,
        prior_private_state: Option<DeploymentPrivate>,
    ) -> Option<Option<DeploymentPrivate>> {
        if prior_state.deletion_protection != Value::Value(false) {
            let key = prior_state.key.as_ref_option().cloned().unwrap_or_default();
            diags.error_root(
                format!("Deployment {key} is protected from deletion"),
                PROTECTED_DETAIL,
            );
            return None;
        }
        Some(prior_private_state)
    }
}

impl DeploymentResource {
    pub(super) async fn destroy_deployment(
        &self,
        diags: &mut Diagnostics,
        prior_state: DeploymentState,
        planned_private_state: Option<DeploymentPrivate>,
    ) -> Option<()> {
        let key_text = prior_state.key.as_ref_option().cloned().unwrap_or_default();
        if prior_state.deletion_protection != Value::Value(false) {
            // Terraform 1.3 and newer refuse a protected destroy or key change at plan. Before
            // 1.3, a destroy reaches this point unasked: it is refused unless the private
            // state shows the first half of a replacement of a tainted deployment (a create
            // that failed midway), which keeps what exists so that the create that follows
            // adopts it instead of regenerating the secrets.
            let replacing = planned_private_state
                .as_ref()
                .is_some_and(|p| p.incomplete || p.replacing);
            if !replacing {
                diags.error_root(
                    format!("Deployment {key_text} is protected from deletion"),
                    PROTECTED_DETAIL,
                );
                return None;
            }
            diags.warning_root(
                format!("Deployment {key_text} is replaced and protected: nothing was deleted"),
                "Its objects in Vault and Grafana were left in place because deletion_protection is true; \
                 the create that follows adopts them. To delete them, set deletion_protection = false.",
            );
            return Some(());
        }
        let backends = backends(diags, &self.context)?;
        let (vault, grafana) = self.clients(diags, &backends)?;
        let Ok(key) = DeploymentKey::parse(&key_text) else {
            diags.error_at(
                attr("key"),
                "Invalid deployment key in the state",
                "The state holds no valid deployment key.",
            );
            return None;
        };
        let names = Names::new(&key, &backends.kv_mount);
        match remove(vault, grafana, &names, &prior_state).await {
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
