//! HashiCorp Vault emulator (HTTP API v1): token auth, the mount table, KV version 2 and
//! ACL policies. https://developer.hashicorp.com/vault/api-docs
//!
//! - `routes`: `/v1/...` → [`routes::VaultRequest`] → dispatch (system, token, engines).
//! - `state`: mounts, KV data, policies, tokens — the inspection/state-file shape.
//! - `errors` / `response`: Vault's error body and response envelope.
//! - `sys`, `kv`, `policies`, `token`: one backend each, synchronous, run under the lock.
//! - `auth_methods` (the `sys/auth` table, Kubernetes auth), `jwt` (JWT auth: config,
//!   roles, login), `acl` (what a non-root token's policies allow).

pub mod acl;
pub mod auth_methods;
pub mod errors;
pub mod jwt;
pub mod kv;
pub mod policies;
pub mod response;
pub mod routes;
pub mod state;
pub mod sys;
pub mod token;

pub use routes::router;
