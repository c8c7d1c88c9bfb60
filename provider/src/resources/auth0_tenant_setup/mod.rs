//! `ff_auth0_tenant_setup`: a deployment's Auth0 applications, its API, the
//! machine-to-machine grants of the applications to the API, and roles with permissions on
//! it — with every application's credentials kept in Vault, never in the state.
//!
//! Every Auth0 object carries the deployment key: applications in their `client_metadata`
//! (`ff_deployment_key`, `ff_application`), the API in its name (`ff-<slug>-api`), roles in
//! their name (`ff-<slug>-<role>`) and description. Objects are found by that mark, so a
//! create adopts what an interrupted apply made, `terraform import ... WM-Prod` rebuilds
//! the whole state from Auth0, and nothing of another deployment is ever touched.
//!
//! Create and update share one idempotent `converge`; a failure midway returns an error
//! with what was made (an update keeps its progress in the state; a create records
//! nothing and the next apply adopts the objects by their mark). Client secrets go
//! straight from Auth0's answer to Vault at `<kv_mount>/<key>/auth0/<application>`
//! (`client_id`, `client_secret`, `domain`, `audience`); a change of `rotation_trigger`
//! rotates every secret (each client remembers in `ff_rotation` the trigger it was rotated
//! for, so a rotation cut short resumes where it stopped).
//!
//! Reads go through the Auth0 client's per-process list snapshots: refreshing a plan of
//! many setups costs one read of each list plus one per role (its permissions).
//!
//! One file per concern: [`model`] (state, schema), [`validate`] (the configuration's
//! closed sets and references), [`plan`], [`observe`] (read, import, the keys `terraform
//! query` lists), [`converge`] (create and update) and [`remove`] (destroy).

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::{AttributePath, ClientCapabilities, Diagnostics, Dynamic, Resource};

use crate::backends::auth0::Auth0Client;
use crate::backends::http::BackendError;
use crate::backends::vault::VaultClient;
use crate::context::{Backends, ProviderContext};
use crate::diag::{DiagnosticsExt, attr};
use crate::naming::DeploymentKey;
use crate::resources::lifecycle::{self, Step, StepError};
use crate::resources::{apply_backend, identity_key, key_identity, key_identity_schema};

mod converge;
mod model;
mod observe;
mod plan;
mod remove;
#[cfg(test)]
mod tests;
mod validate;

use model::RESOURCE;
pub use model::{
    APPLICATION_TYPES, ApiBlock, ApplicationBlock, DEFAULT_TOKEN_LIFETIME, GRANT_TYPES,
    TenantSetupState, schema,
};

/// `ff_auth0_tenant_setup`.
pub struct Auth0TenantSetupResource {
    context: Arc<ProviderContext>,
}

impl std::fmt::Debug for Auth0TenantSetupResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0TenantSetupResource")
            .finish_non_exhaustive()
    }
}

impl Auth0TenantSetupResource {
    /// The resource, sharing the provider's backends.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self { context }
    }
}

// ---------------------------------------------------------------------------------------
// Step errors (the lifecycle engine's, with Auth0's error code)
// ---------------------------------------------------------------------------------------

/// The failure of a step of `key`'s setup as a diagnostic, with Auth0's error code when
/// it gave one.
fn report(diags: &mut Diagnostics, key: &str, failure: &StepError, what: &str) {
    let code = failure
        .error()
        .code()
        .map(|code| format!(" (Auth0 error code {code})"))
        .unwrap_or_default();
    lifecycle::report_noted(diags, &format!("Auth0 setup {key}"), failure, &code, what);
}

/// A step the provider refuses to take, for `message`.
fn refused(step: impl Into<String>, message: String) -> StepError {
    StepError::new(step, BackendError::Config(message))
}

impl Auth0TenantSetupResource {
    /// The Auth0 client and Vault, when both are usable; the diagnostic otherwise. The
    /// client is the provider's one, built when it was configured, so that every setup
    /// shares its token, its list snapshots and its rate-limit gate.
    pub(crate) async fn clients<'b>(
        &self,
        diags: &mut Diagnostics,
        backends: &'b Backends,
    ) -> Option<(Arc<Auth0Client>, &'b VaultClient)> {
        let auth0 = apply_backend(diags, &backends.auth0, "Auth0", RESOURCE);
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE);
        Some((auth0?.clone(), vault?))
    }

    pub(super) fn key_of(
        diags: &mut Diagnostics,
        state: &TenantSetupState,
    ) -> Option<DeploymentKey> {
        let key = state
            .deployment_key
            .as_ref_option()
            .and_then(|k| DeploymentKey::parse(k).ok());
        if key.is_none() {
            diags.error_at(
                attr("deployment_key"),
                "Invalid deployment key in the state",
                "The state holds no valid deployment key; remove the resource from the state and import it again.",
            );
        }
        key
    }
}

#[async_trait]
impl Resource for Auth0TenantSetupResource {
    type State = TenantSetupState;
    type Private = ();

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(key_identity_schema("Auth0 setup"))
    }

    fn identity(&self, state: &Self::State) -> Option<Dynamic> {
        key_identity(&state.deployment_key)
    }

    async fn import_identity(
        &self,
        diags: &mut Diagnostics,
        identity: Dynamic,
    ) -> Option<(Self::State, Self::Private)> {
        let key = identity_key(diags, &identity, "ff_auth0_tenant_setup")?;
        Resource::import(self, diags, key).await
    }

    async fn validate(
        &self,
        diags: &mut Diagnostics,
        config: Self::State,
        _client: ClientCapabilities,
    ) {
        validate::validate_config(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let state = self.refresh(diags, state).await?;
        Some((state, private_state))
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        _config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        let (state, _) = self.plan(diags, None, proposed_state)?;
        Some((state, ()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        _config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let (state, replace) = self.plan(diags, Some(&prior_state), proposed_state)?;
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
        self.apply(diags, None, planned_state).await
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
            Some(done) => Some(done),
            None => Some((prior_state, ())),
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<()> {
        self.remove_setup(diags, prior_state).await
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let state = self.import_key(diags, id).await?;
        Some((state, ()))
    }
}
