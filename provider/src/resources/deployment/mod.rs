//! `ff_deployment`: phase 1 of a deployment in Vault and Grafana, and the naming authority.
//!
//! In Vault: the KV v2 path `<kv_mount>/<key>` (the mount is enabled if missing), a record of
//! the deployment at `<key>/deployment`, a read policy, and `generated_secrets` whose values
//! are drawn from the operating system's CSPRNG and written with `cas=0` so an existing
//! secret is never overwritten. In Grafana: a folder, a team with edit rights on it, a
//! service account and a token whose key goes to Vault at `<key>/grafana`, and optionally a
//! data source. The state holds names, ids and versions, never a secret value.
//!
//! Create and update share one idempotent `converge`: each object is looked up by its
//! derived name and adopted, created or corrected, and the state is filled in as it goes, so
//! a failure midway returns an error together with everything that was made. `read`
//! observes every object so that drift shows in the next plan. Destroy honours
//! `deletion_protection`.
//!
//! The files follow the lifecycle: `model` (state and records), `schema`, `validate`,
//! `plan`, `observe` (read and import), `converge` (create and update), `remove` (destroy).
//! The step error, its diagnostic and the converge-with-retry loop are the shared
//! [`lifecycle`](crate::resources::lifecycle) engine's.

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::{AttributePath, ClientCapabilities, Diagnostics, Dynamic, Resource};

use crate::backends::grafana::GrafanaClient;
use crate::backends::vault::VaultClient;
use crate::context::ProviderContext;
use crate::resources::{apply_backend, identity_key, key_identity, key_identity_schema};

mod converge;
mod model;
mod observe;
mod plan;
mod remove;
mod schema;
mod validate;

use model::RESOURCE;
pub use model::{DatasourceBlock, DeploymentPrivate, DeploymentState};
pub(crate) use observe::recorded_cloud_and_labels;
pub use schema::schema;
use validate::{given_values, validate_state};

/// `ff_deployment`.
#[derive(Debug)]
pub struct DeploymentResource {
    context: Arc<ProviderContext>,
}

impl DeploymentResource {
    /// The resource, sharing the provider's backends.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self { context }
    }

    fn clients<'b>(
        &self,
        diags: &mut Diagnostics,
        backends: &'b crate::context::Backends,
    ) -> Option<(&'b VaultClient, &'b GrafanaClient)> {
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE);
        let grafana = apply_backend(diags, &backends.grafana, "Grafana", RESOURCE);
        Some((vault?, grafana?))
    }
}

#[async_trait]
impl Resource for DeploymentResource {
    type State = DeploymentState;
    type Private = Option<DeploymentPrivate>;

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(key_identity_schema("deployment"))
    }

    fn identity(&self, state: &Self::State) -> Option<Dynamic> {
        key_identity(&state.key)
    }

    async fn import_identity(
        &self,
        diags: &mut Diagnostics,
        identity: Dynamic,
    ) -> Option<(Self::State, Self::Private)> {
        let key = identity_key(diags, &identity, "ff_deployment")?;
        Resource::import(self, diags, key).await
    }

    async fn validate(
        &self,
        diags: &mut Diagnostics,
        config: Self::State,
        _client: ClientCapabilities,
    ) {
        validate_state(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        self.refresh(diags, state, private_state).await
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        self.plan_new(diags, proposed_state, config_state).await
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        self.plan_change(
            diags,
            prior_state,
            proposed_state,
            config_state,
            prior_private_state,
        )
        .await
    }

    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<Self::Private> {
        self.plan_removal(diags, prior_state, prior_private_state)
            .await
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State,
        config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        self.apply(diags, None, planned_state, given_values(&config_state))
            .await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_state: Self::State,
        config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let given = given_values(&config_state);
        match self
            .apply(diags, Some(&prior_state), planned_state, given)
            .await
        {
            Some(done) => Some(done),
            // Nothing could be changed: keep the prior state.
            None => Some((prior_state, None)),
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<()> {
        self.destroy_deployment(diags, prior_state, planned_private_state)
            .await
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        self.import_key(diags, id).await
    }
}
