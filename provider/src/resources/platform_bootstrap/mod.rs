//! `ff_platform_bootstrap`: phases 3 and 4 of a deployment on its Kubernetes cluster.
//!
//! A file per step of its lifecycle:
//!
//! - [`model`]: the state and the schema;
//! - [`validate`]: every check of the arguments (and of the certificate read from Vault);
//! - [`spec`]: from the arguments to the objects' spec, the connection and the timeouts;
//! - [`objects`]: the objects computed from the spec (and the pinned manifests), their
//!   ids and digests, the CoreDNS text, the drift comparison;
//! - [`plan`]: the defaults and the `objects` attribute as planned;
//! - [`observe`]: read and import;
//! - [`converge`]: the apply, shared by create and update;
//! - [`remove`]: destroy, and the removal of objects no longer wanted;
//! - this file: the resource's wiring.
//!
//! Planning never contacts the cluster: the connection is a resource argument that may still
//! be unknown (the cluster is created in the same plan). The plan downloads the pinned
//! manifests (checking their SHA-256) to list every object it will apply with its digest.
//! The apply downloads and checks them again before touching anything, applies Namespaces
//! and CRDs, waits for the CRDs to be Established, applies every other object concurrently
//! (server-side apply, field manager `terraform-provider-ff`), then waits for the releases'
//! Deployments while it configures Vault's Kubernetes auth method. Progress is recorded
//! object by object, so a failure returns an error together with what was applied. A
//! non-secret record of the arguments is kept in Vault at `<kv_mount>/<key>/platform`: the
//! source of `terraform import`.
//!
//! Secrets whose data come from Vault (the ArgoCD repository's Git credentials, the ingress
//! controller's default certificate of `tls`) are planned without their data and filled in
//! at apply; a refresh compares them with what Vault holds now, so a new certificate in
//! Vault shows as drift. Only the certificate's SHA-256 reaches the state.

mod converge;
mod model;
pub mod objects;
mod observe;
mod plan;
mod remove;
mod spec;
mod validate;

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::schema::IdentitySchema;
use tfplugin::schema::Schema;
use tfplugin::{AttributePath, ClientCapabilities, Diagnostics, Dynamic, Resource};

pub use model::{BootstrapState, schema};

use crate::backends::manifests::ManifestCache;
use crate::context::ProviderContext;
use crate::diag::attr;
use crate::resources::lifecycle::{self, Cause};
use crate::resources::{identity_key, key_identity, key_identity_schema};

const RESOURCE: &str = "ff_platform_bootstrap";
/// How many objects are applied or deleted at once.
const CONCURRENCY: usize = 24;
const DRIFTED: &str = "drifted";

/// `ff_platform_bootstrap`.
#[derive(Debug)]
pub struct PlatformBootstrapResource {
    context: Arc<ProviderContext>,
    manifests: ManifestCache,
}

impl PlatformBootstrapResource {
    /// The resource, sharing the provider's backends.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self {
            context,
            manifests: ManifestCache::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Remote operations
// ---------------------------------------------------------------------------------------

/// A failed step of the bootstrap: the engine's, with a [`Cause`] of any type.
type StepError = lifecycle::StepError<Cause>;

/// Names the step an error of the layers below belongs to: `.map_err(step("…"))`.
fn step<E: std::error::Error + Send + Sync + 'static>(
    step: impl Into<String>,
) -> impl FnOnce(E) -> StepError {
    let step = step.into();
    move |e| StepError::new(step, Cause::of(e))
}

// ---------------------------------------------------------------------------------------
// Resource
// ---------------------------------------------------------------------------------------

/// The engine's report, with the bootstrap's subject.
fn report(diags: &mut Diagnostics, key: &str, failure: &StepError, what: &str) {
    lifecycle::report(diags, &format!("Platform bootstrap {key}"), failure, what);
}

#[async_trait]
impl Resource for PlatformBootstrapResource {
    type State = BootstrapState;
    type Private = ();

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(key_identity_schema("platform bootstrap"))
    }

    fn identity(&self, state: &Self::State) -> Option<Dynamic> {
        key_identity(&state.deployment_key)
    }

    async fn import_identity(
        &self,
        diags: &mut Diagnostics,
        identity: Dynamic,
    ) -> Option<(Self::State, Self::Private)> {
        let key = identity_key(diags, &identity, "ff_platform_bootstrap")?;
        Resource::import(self, diags, key).await
    }

    async fn validate(
        &self,
        diags: &mut Diagnostics,
        config: Self::State,
        _client: ClientCapabilities,
    ) {
        validate::validate(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        match self.observe(diags, state.clone()).await {
            Some(Some(observed)) => Some((observed, private_state)),
            Some(None) => None,
            None => Some((state, private_state)),
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        _config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        self.plan(diags, proposed_state).await.map(|s| (s, ()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        _config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let mut replace = Vec::new();
        if proposed_state.deployment_key != prior_state.deployment_key {
            replace.push(attr("deployment_key"));
        }
        let state = self.plan(diags, proposed_state).await?;
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
        let state = self.apply(diags, None, planned_state).await?;
        if state.objects.as_ref_option().is_none_or(|o| o.is_empty()) && diags.has_errors() {
            return None;
        }
        Some((state, ()))
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
            Some(state) => Some((state, ())),
            None => Some((prior_state, ())),
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<()> {
        self.remove_all(diags, prior_state).await
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        self.import_key(diags, id).await.map(|state| (state, ()))
    }
}
