//! Destroying `ff_auth0_tenant_setup`: everything of the deployment in Auth0, found by its
//! mark, and its applications' credentials in Vault.

use std::collections::BTreeSet;

use tfplugin::Diagnostics;

use super::converge::Remote;
use super::model::TenantSetupState;
use super::observe::observe;
use super::{Auth0TenantSetupResource, Step, StepError, report};
use crate::naming::Names;
use crate::resources::backends;

impl Remote<'_> {
    /// Delete the credentials in Vault of every application not in `keep` (all when `None`).
    pub(super) async fn remove_credentials(
        &self,
        names: &Names,
        keep: Option<&BTreeSet<String>>,
    ) -> Result<(), StepError> {
        let mount = names.kv_mount();
        let listed = self
            .vault
            .kv_list(mount, &names.auth0_secrets_folder())
            .await
            .step("listing the Auth0 credentials in Vault")?;
        for app in listed.iter().filter(|k| !k.ends_with('/')) {
            if keep.is_some_and(|k| k.contains(app)) {
                continue;
            }
            self.vault
                .kv_delete_all(mount, &names.auth0_secret_path(app))
                .await
                .step(format!(
                    "deleting the credentials of application {app:?} from Vault"
                ))?;
        }
        Ok(())
    }

    /// Delete everything of the deployment in Auth0 and its credentials in Vault.
    pub(super) async fn remove(&self, names: &Names) -> Result<(), StepError> {
        let owner = names.key().as_str();
        let observed = observe(self.auth0, None, names, false).await?;
        for (name, (role, _)) in &observed.roles {
            self.auth0.delete_role(owner, &role.id).await.step(format!(
                "deleting the Auth0 role {:?}",
                names.auth0_role(name)
            ))?;
        }
        for (name, clients) in &observed.clients {
            for client in clients {
                self.auth0
                    .delete_client(owner, &client.client_id)
                    .await
                    .step(format!("deleting the Auth0 application {name:?}"))?;
            }
        }
        if let Some(api) = &observed.api {
            self.auth0
                .delete_resource_server(owner, &api.id)
                .await
                .step(format!("deleting the Auth0 API {:?}", api.name))?;
        }
        self.remove_credentials(names, None).await
    }
}

impl Auth0TenantSetupResource {
    /// Destroy: delete the setup; a failure says what stays to do.
    pub(super) async fn remove_setup(
        &self,
        diags: &mut Diagnostics,
        prior_state: TenantSetupState,
    ) -> Option<()> {
        let backends = backends(diags, &self.context)?;
        let (auth0, vault) = self.clients(diags, &backends).await?;
        let key = Self::key_of(diags, &prior_state)?;
        let names = Names::new(&key, &backends.kv_mount);
        let remote = Remote {
            auth0: &auth0,
            vault,
        };
        match remote.remove(&names).await {
            Ok(()) => Some(()),
            Err(failure) => {
                report(
                    diags,
                    key.as_str(),
                    &failure,
                    "Objects deleted before this step stay deleted; run terraform destroy again to finish.",
                );
                None
            }
        }
    }
}
