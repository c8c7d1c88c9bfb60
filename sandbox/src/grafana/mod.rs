//! Grafana emulator (HTTP API, one organisation): folders and folder permissions, teams,
//! service accounts and their tokens, data sources, health.
//! https://grafana.com/docs/grafana/latest/developers/http_api/
//!
//! - `routes`: the router, authentication (`Caller`), body/paging helpers.
//! - `state`: what is held — the inspection/state-file shape.
//! - `errors`: Grafana's error bodies.
//! - `folders`, `teams`, `service_accounts`, `datasources`: one resource each; handlers
//!   take the lock, change the state and answer without awaiting.

pub mod datasources;
pub mod errors;
pub mod folders;
pub mod routes;
pub mod service_accounts;
pub mod state;
pub mod teams;

pub use routes::router;
