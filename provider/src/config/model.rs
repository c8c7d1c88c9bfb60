//! The provider configuration as Terraform sends it: one optional block per backend and the
//! request timeout, and the defaults of the settings left out.

use serde::{Deserialize, Serialize};
use tfplugin::Value;

/// Default KV v2 mount of the deployments' secrets.
pub const DEFAULT_KV_MOUNT: &str = "deployments";
/// Default timeout of one request to a backend.
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: i64 = 30;

/// The `vault` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VaultBlock {
    /// Vault address.
    pub address: Value<String>,
    /// Vault token.
    pub token: Value<String>,
    /// Vault Enterprise namespace.
    pub namespace: Value<String>,
    /// KV v2 mount holding the deployments.
    pub kv_mount: Value<String>,
    /// Extra CA bundle file.
    pub ca_cert_file: Value<String>,
    /// Log in with a JWT instead of a token.
    #[serde(with = "crate::optional_block", default)]
    pub auth_login_jwt: Value<JwtLoginBlock>,
}

/// The `vault.auth_login_jwt` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JwtLoginBlock {
    /// Mount path of the JWT auth method.
    pub mount: Value<String>,
    /// Role to log in as.
    pub role: Value<String>,
    /// The JWT.
    pub jwt: Value<String>,
}

/// Default mount path of Vault's JWT auth method.
pub const DEFAULT_JWT_MOUNT: &str = "jwt";
/// Where Terraform Cloud puts the workload identity token of a run.
pub const JWT_ENV: &str = "TFC_WORKLOAD_IDENTITY_TOKEN";

/// The `auth0` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Auth0Block {
    /// Tenant domain.
    pub domain: Value<String>,
    /// Machine-to-machine client id.
    pub client_id: Value<String>,
    /// Machine-to-machine client secret.
    pub client_secret: Value<String>,
    /// Static Management API token.
    pub api_token: Value<String>,
    /// Extra CA bundle file.
    pub ca_cert_file: Value<String>,
}

/// The `grafana` block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GrafanaBlock {
    /// Grafana URL.
    pub url: Value<String>,
    /// `user:password` or a token.
    pub auth: Value<String>,
    /// Extra CA bundle file.
    pub ca_cert_file: Value<String>,
}

/// The provider configuration as Terraform sends it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// Vault settings.
    #[serde(with = "crate::optional_block")]
    pub vault: Value<VaultBlock>,
    /// Auth0 settings.
    #[serde(with = "crate::optional_block")]
    pub auth0: Value<Auth0Block>,
    /// Grafana settings.
    #[serde(with = "crate::optional_block")]
    pub grafana: Value<GrafanaBlock>,
    /// Timeout of one request.
    pub request_timeout_seconds: Value<i64>,
}
