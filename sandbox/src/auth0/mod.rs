//! Auth0 emulator: the Authentication API's `POST /oauth/token` (client credentials) and the
//! subset of the Management API v2 that `ff_auth0_tenant_setup` uses — clients (with
//! rotate-secret), resource servers, client grants, roles and their permissions.
//! <https://auth0.com/docs/api/management/v2>
//!
//! - `routes`: the router, bearer-token authentication, the rate limiter in front of every
//!   Management API call, paging (`page`, `per_page`, `include_totals`) and field selection.
//! - `state`: what is held — the inspection/state-file shape.
//! - `errors`: the Management API error body (`statusCode`, `error`, `message`,
//!   `errorCode`) and the Authentication API's (`error`, `error_description`).
//! - `rate_limit`: the token bucket and the `X-RateLimit-*` headers.
//! - `clients`, `resource_servers`, `client_grants`, `roles`: one resource each; handlers
//!   run under the Auth0 lock and never await.

pub mod client_grants;
pub mod clients;
pub mod errors;
pub mod rate_limit;
pub mod resource_servers;
pub mod roles;
pub mod routes;
pub mod state;

pub use routes::router;
