//! One client per remote system. Each keeps the server's own status and message in its
//! errors ([`http::BackendError`]) and sends every request through [`http::Http`], the one
//! place that does TLS, retries and throttling.

pub mod auth0;
pub mod grafana;
pub mod http;
pub mod vault;
