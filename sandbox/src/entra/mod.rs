//! Microsoft Entra ID (Azure AD) emulator: the OAuth 2.0 client-credentials token endpoint
//! (`POST /<tenant>/oauth2/v2.0/token`) for one application of one tenant, enough for the
//! provider to get an AKS token from `ARM_*` credentials; the Kubernetes emulator accepts the
//! tokens it issues for the AKS server application, as an AKS cluster with Entra ID
//! integration does.
//! <https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>
//!
//! - `state`: the tenant, the application's credentials (secret, certificates, federated
//!   identity credentials), its managed identity, the tokens issued;
//! - `assertion`: client assertions, certificates' and federated tokens', checked as Entra does;
//! - `routes`: the token endpoint; errors in Entra's shape (`error`, `error_description`
//!   starting with the `AADSTS` code, `error_codes`).

pub mod assertion;
pub mod routes;
pub mod state;

pub use routes::router;
