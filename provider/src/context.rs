//! What the resources receive: the [`ProviderContext`], holding the [`Backends`] — every
//! client already built by [`crate::config`] — once Terraform configured the provider.
//!
//! Below the configuration and above the backends: resources import this, never the
//! provider entry or the configuration.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::backends::auth0::Auth0Client;
use crate::backends::grafana::GrafanaClient;
use crate::backends::vault::VaultClient;
use crate::naming::SlugRegistry;

/// A backend as the resources see it.
#[derive(Clone, Debug)]
pub enum Slot<T> {
    /// Configured and usable.
    Ready(T),
    /// Part of its configuration is not known until apply.
    Unknown,
    /// Not configured: names the missing settings.
    Missing(String),
}

/// All backends, once the provider is configured.
#[derive(Clone, Debug)]
pub struct Backends {
    /// Vault client.
    pub vault: Slot<VaultClient>,
    /// The KV v2 mount of the deployments.
    pub kv_mount: String,
    /// Grafana client.
    pub grafana: Slot<GrafanaClient>,
    /// Auth0 client (one per configured provider: its token and snapshots are shared).
    pub auth0: Slot<Arc<Auth0Client>>,
    /// Timeout of one request.
    pub request_timeout: Duration,
}

/// What the provider shares with its resources.
#[derive(Debug, Default)]
pub struct ProviderContext {
    backends: RwLock<Option<Backends>>,
    /// Slugs claimed by the deployment keys seen in this process.
    pub slugs: SlugRegistry,
}

impl ProviderContext {
    /// The configured backends; `None` before Terraform configured the provider.
    pub fn backends(&self) -> Option<Backends> {
        match self.backends.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Hand the backends built from the configuration to the resources.
    pub fn set(&self, backends: Backends) {
        match self.backends.write() {
            Ok(mut guard) => *guard = Some(backends),
            Err(poisoned) => *poisoned.into_inner() = Some(backends),
        }
    }
}
