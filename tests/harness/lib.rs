//! Harness of the end-to-end tests.
//!
//! Each test drives real terraforms — 1.0.3 and 1.15.5 always (installed by
//! `scripts/install-tools.sh`), and the `terraform` on `PATH` when it is yet another version
//! (see [`tools::terraforms`]) — through `init`, `apply`, `plan`, `import` and `destroy`,
//! against an `ff-sandbox` started for that test alone. Terraform finds the freshly built
//! provider through a CLI configuration of the test's own (`dev_overrides`, plus a
//! filesystem mirror so that `init` succeeds offline).
//!
//! - [`tools`]: where the terraform binaries and the built provider and sandbox are;
//! - [`sandbox`]: a sandbox process, its control API and its emulated services, with a real
//!   Vault behind its Vault port;
//! - [`openbao`]: that real Vault, an OpenBao dev server, and what it holds;
//! - [`terraform`]: a working directory and the terraform commands run in it;
//! - [`check`]: comparisons that print expected against actual;
//! - [`release`]: the output of the release command and throwaway GPG keys;
//! - [`modules`]: the repository's HCL modules and examples, parsed: the static check and
//!   the README tables;
//! - [`moto`]: a moto server (AWS) for one test, and what it holds;
//! - [`faults`]: the resources under fault, what the sandbox holds of them, and the remote
//!   calls they make (the fault matrix and the interrupted applies);
//! - [`jwt`]: throwaway RSA keys, the JWTs they sign, and Vault's JWT auth method set up
//!   to trust them;
//! - [`oidc`]: a test OpenID Connect issuer (discovery document and keys) for workload
//!   identity tokens, a client certificate, and the files HCP Terraform writes for AWS.

pub mod check;
pub mod faults;
pub mod jwt;
pub mod modules;
pub mod moto;
pub mod oidc;
pub mod openbao;
pub mod release;
pub mod sandbox;
pub mod terraform;
pub mod tools;
