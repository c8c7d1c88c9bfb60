//! terraform-provider-ff: a Terraform provider that turns a customer deployment — Vault,
//! Auth0, Grafana and a Kubernetes platform — into one `terraform apply`, keyed by a short
//! deployment key such as `WM-Prod`.
//!
//! Map of the crate, in layers that only point down (a module imports only from the layers
//! under it; `tests/layering.rs` fails on an upward import or a circle):
//! 1. [`provider`]: the tfplugin provider and the list of its resource types;
//! 2. [`resources`]: one module per resource (`ff_deployment`, …), each receiving the context;
//! 3. [`config`]: the provider configuration — model, schema, validation, and building every
//!    backend's client from it (Auth0's included);
//! 4. [`context`]: what the resources receive: the configured clients ([`context::Backends`]);
//! 5. [`backends`]: one client per remote system, over one HTTP layer that retries and throttles;
//! 6. [`naming`]: the deployment key and every name derived from it; [`diag`]: diagnostics a
//!    user can act on; [`logging`]: logs in Terraform's JSON form; [`stop`]: Terraform asked
//!    the provider to stop, waits end early; [`optional_block`]: the serde codec of an
//!    optional nested block.
//!
//! `main.rs` only checks how it was started and serves the plugin.

pub mod backends;
pub mod config;
pub mod context;
pub mod diag;
pub mod logging;
pub mod naming;
pub mod optional_block;
pub mod provider;
pub mod resources;
pub mod stop;

/// The provider's version, as `--version` prints it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
