//! One client per remote system. Each keeps the server's own status and message in its
//! errors ([`http::BackendError`]) and sends every request through [`http::Http`], the one
//! place that does TLS, retries and throttling.

pub mod aks_token;
pub mod auth0;
pub mod aws_credentials;
pub mod eks_token;
pub mod grafana;
pub mod http;
pub mod kubernetes;
pub mod manifests;
pub mod vault;
