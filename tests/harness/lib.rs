//! Harness of the end-to-end tests.
//!
//! Each test drives a real `terraform` binary — the pinned 1.0.3 always, and the newer one on
//! `PATH` when there is one — through `init`, `apply`, `plan`, `import` and `destroy`,
//! against an `ff-sandbox` started for that test alone. Terraform finds the freshly built
//! provider through a CLI configuration of the test's own (`dev_overrides`, plus a
//! filesystem mirror so that `init` succeeds offline).
//!
//! - [`tools`]: where the terraform binaries and the built provider and sandbox are;
//! - [`sandbox`]: a sandbox process, its control API and its emulated services;
//! - [`terraform`]: a working directory and the terraform commands run in it;
//! - [`check`]: comparisons that print expected against actual;
//! - [`release`]: the output of the release command and throwaway GPG keys;
//! - [`modules`]: the repository's HCL modules and examples, parsed: the static check and
//!   the README tables;
//! - [`moto`]: a moto server (AWS) for one test, and what it holds;
//! - [`jwt`]: throwaway RSA keys, the JWTs they sign, and Vault's JWT auth method set up
//!   to trust them.

pub mod check;
pub mod jwt;
pub mod modules;
pub mod moto;
pub mod release;
pub mod sandbox;
pub mod terraform;
pub mod tools;
