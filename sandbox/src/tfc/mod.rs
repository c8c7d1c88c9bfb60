//! Emulation of the part of the Terraform Cloud / Enterprise API that publishing a private
//! provider uses — registry providers, GPG keys, provider versions and platforms, and the
//! upload links of the release files — plus what `terraform init` reads to install a
//! provider from that private registry (service discovery and the provider registry
//! protocol), served over HTTPS.
//!
//! - [`routes`]: HTTP parsing, bearer-token authentication, pagination;
//! - [`state`]: the registry's data and every rule the API applies to it;
//! - [`errors`]: JSON:API error documents, as the API answers them;
//! - [`openpgp`]: the key id of an uploaded GPG public key, as the registry derives it.
//!
//! One organization (`ff-sandbox` unless configured) with one API token; the registry is
//! kept in memory (not in the state file).

pub mod errors;
pub mod openpgp;
pub mod routes;
pub mod state;

pub use routes::router;
