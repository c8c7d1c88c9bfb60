//! The [`Provider`] trait: what a provider serves, and its configuration.

use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::diagnostics::Diagnostics;
use crate::ephemeral::DynEphemeralResource;
use crate::list::DynListResource;
use crate::resource::{ClientCapabilities, DynResource};
use crate::schema::Schema;

/// What `ConfigureProvider` brings besides the configuration.
#[derive(Clone, Debug, Default)]
pub struct ConfigureContext {
    /// The calling Terraform's version, such as `1.15.5` (empty when it does not say).
    pub terraform_version: String,
    /// What the calling Terraform can handle.
    pub client: ClientCapabilities,
}

/// A provider: its configuration and the types it serves.
///
/// The server asks for [`schema`](Provider::schema) and the type lists on first use, not at
/// start-up, so a provider pays for building them only when Terraform asks.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The model of the provider's configuration.
    type Config: DeserializeOwned + Send;

    /// The provider configuration's schema.
    fn schema(&self) -> Schema;

    /// Checks a configuration (values may be unknown).
    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config) {
        let _ = (diags, config);
    }

    /// Configures the provider before any resource operation.
    async fn configure(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config,
        context: ConfigureContext,
    );

    /// The managed resource types, by full type name (`ff_deployment`).
    fn resources(&self) -> Vec<(String, Arc<dyn DynResource>)>;

    /// The ephemeral resource types, by full type name.
    fn ephemeral_resources(&self) -> Vec<(String, Arc<dyn DynEphemeralResource>)> {
        Vec::new()
    }

    /// The list resource types, each named as the managed resource type it lists.
    fn list_resources(&self) -> Vec<(String, Arc<dyn DynListResource>)> {
        Vec::new()
    }

    /// Terraform asked the provider to stop (`StopProvider`, or an interrupt reached the
    /// plugin): operations in flight should end soon, recording what they made. Called at
    /// most a few times; must not block.
    fn stop(&self) {}
}
