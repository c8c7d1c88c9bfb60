//! The `ff` provider: the tfplugin [`Provider`] and the list of its resource types.
//!
//! The top of the crate's layers: it reads the configuration ([`crate::config`]), hands the
//! clients built from it to the resources through the [`ProviderContext`], and lists the
//! resources. Nothing below imports it.

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::ephemeral::DynEphemeralResource;
use tfplugin::list::DynListResource;
use tfplugin::schema::Schema;
use tfplugin::{ConfigureContext, Diagnostics, DynResource, Provider};

use crate::config;
use crate::context::{ProviderContext, Slot};
use crate::resources::{auth0_tenant_setup, deployment, ephemeral, list, platform_bootstrap};
use crate::stop;

/// The provider.
pub struct FfProvider {
    context: Arc<ProviderContext>,
    catalog: Catalog,
}

impl Default for FfProvider {
    fn default() -> Self {
        let context = Arc::new(ProviderContext::default());
        let catalog = Catalog::new(&context);
        Self { context, catalog }
    }
}

impl FfProvider {
    /// A provider waiting to be configured.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Provider for FfProvider {
    type Config = config::ProviderConfig;

    fn schema(&self) -> Schema {
        config::provider_schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: config::ProviderConfig) {
        config::validate_config(diags, &config);
    }

    async fn configure(
        &self,
        diags: &mut Diagnostics,
        config: config::ProviderConfig,
        context: ConfigureContext,
    ) {
        tracing::info!(
            terraform_version = context.terraform_version,
            "configuring the provider"
        );
        let backends = config::resolve(diags, &config);
        tracing::debug!(
            vault = slot_state(&backends.vault),
            grafana = slot_state(&backends.grafana),
            auth0 = slot_state(&backends.auth0),
            "backends resolved"
        );
        self.context.set(backends);
    }

    fn resources(&self) -> Vec<(String, Arc<dyn DynResource>)> {
        self.catalog.resources()
    }

    fn list_resources(&self) -> Vec<(String, Arc<dyn DynListResource>)> {
        self.catalog.lists()
    }

    fn ephemeral_resources(&self) -> Vec<(String, Arc<dyn DynEphemeralResource>)> {
        self.catalog.ephemeral()
    }

    fn stop(&self) {
        stop::request();
    }
}

fn slot_state<T>(slot: &Slot<T>) -> &'static str {
    match slot {
        Slot::Ready(_) => "configured",
        Slot::Unknown => "known at apply",
        Slot::Missing(_) => "not configured",
    }
}

/// The provider's types, made once per process: the resources, and the list resources that
/// share them (and so share their clients, such as Auth0's token).
pub struct Catalog {
    context: Arc<ProviderContext>,
    deployment: Arc<deployment::DeploymentResource>,
    auth0: Arc<auth0_tenant_setup::Auth0TenantSetupResource>,
    bootstrap: Arc<platform_bootstrap::PlatformBootstrapResource>,
}

impl Catalog {
    /// Every type, over the provider's `context`.
    pub fn new(context: &Arc<ProviderContext>) -> Self {
        Self {
            context: context.clone(),
            deployment: Arc::new(deployment::DeploymentResource::new(context.clone())),
            auth0: Arc::new(auth0_tenant_setup::Auth0TenantSetupResource::new(
                context.clone(),
            )),
            bootstrap: Arc::new(platform_bootstrap::PlatformBootstrapResource::new(
                context.clone(),
            )),
        }
    }

    /// The managed resource types, by full type name.
    pub fn resources(&self) -> Vec<(String, Arc<dyn DynResource>)> {
        vec![
            (
                "ff_deployment".to_string(),
                self.deployment.clone() as Arc<dyn DynResource>,
            ),
            ("ff_auth0_tenant_setup".to_string(), self.auth0.clone()),
            ("ff_platform_bootstrap".to_string(), self.bootstrap.clone()),
        ]
    }

    /// The ephemeral resource types.
    pub fn ephemeral(&self) -> Vec<(String, Arc<dyn DynEphemeralResource>)> {
        vec![
            (
                "ff_secret".to_string(),
                Arc::new(ephemeral::SecretEphemeral::new(self.context.clone()))
                    as Arc<dyn DynEphemeralResource>,
            ),
            (
                "ff_cluster_token".to_string(),
                Arc::new(ephemeral::ClusterTokenEphemeral::new(self.context.clone())),
            ),
        ]
    }

    /// The list resource types (`terraform query`), named as the types they list.
    pub fn lists(&self) -> Vec<(String, Arc<dyn DynListResource>)> {
        vec![
            (
                "ff_deployment".to_string(),
                Arc::new(list::DeploymentList::new(
                    self.context.clone(),
                    self.deployment.clone(),
                )) as Arc<dyn DynListResource>,
            ),
            (
                "ff_auth0_tenant_setup".to_string(),
                Arc::new(list::Auth0SetupList::new(
                    self.context.clone(),
                    self.auth0.clone(),
                )),
            ),
            (
                "ff_platform_bootstrap".to_string(),
                Arc::new(list::BootstrapList::new(
                    self.context.clone(),
                    self.bootstrap.clone(),
                )),
            ),
        ]
    }
}
