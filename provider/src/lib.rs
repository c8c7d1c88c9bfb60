//! terraform-provider-ff: a Terraform provider that turns a customer deployment — Vault,
//! Auth0, Grafana and a Kubernetes platform — into one `terraform apply`, keyed by a short
//! deployment key such as `WM-Prod`.
//!
//! Map of the crate:
//! - [`provider`]: the provider schema, configuration and the backends handed to resources;
//! - [`resources`]: one module per resource (`ff_deployment`, …);
//! - [`backends`]: one client per remote system, over one HTTP layer that retries and throttles;
//! - [`naming`]: the deployment key and every name derived from it;
//! - [`diag`]: diagnostics a user can act on; [`logging`]: logs in Terraform's JSON form;
//! - [`stop`]: Terraform asked the provider to stop: waits end early.
//!
//! `main.rs` only checks how it was started and serves the plugin.

pub mod backends;
pub mod diag;
pub mod logging;
pub mod naming;
pub mod provider;
pub mod resources;
pub mod stop;

/// The provider's version, as `--version` prints it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
