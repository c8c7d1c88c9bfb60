//! AKS authentication tokens from the `ARM_*` credentials of the environment: an OAuth 2.0
//! client-credentials grant at Microsoft Entra ID for the AKS server application
//! (`6dae42f8-4368-4678-94ff-3960e28e3630`), what `kubelogin get-token --login spn` does
//! (<https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>).
//! One token is obtained per apply or refresh and never stored.
//!
//! Credentials: `ARM_CLIENT_ID`, `ARM_CLIENT_SECRET` and `ARM_TENANT_ID` (what the azurerm
//! provider reads). Certificates, OIDC and managed identities are not supported: use `exec`
//! with `kubelogin` for those. The authority is `https://login.microsoftonline.com`, or the
//! national cloud's for `ARM_ENVIRONMENT` = `usgovernment` / `china`, or
//! `AZURE_AUTHORITY_HOST` when set (as with the Azure SDKs).

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;

use super::http::{BackendError, Call, Http, HttpSettings, RetryPolicy, System};

/// The AKS Entra ID server application: the audience of AKS tokens.
pub const AKS_SERVER_APP_ID: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";

/// A service principal's credentials.
#[derive(Clone)]
pub struct ArmCredentials {
    /// Tenant.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for ArmCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ArmCredentials({}, {}, ..)",
            self.tenant_id, self.client_id
        )
    }
}

impl ArmCredentials {
    /// From the environment; `tenant_id` overrides `ARM_TENANT_ID`.
    pub fn from_env(tenant_id: Option<&str>) -> Result<Self, String> {
        let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let tenant = tenant_id
            .map(str::to_string)
            .or_else(|| get("ARM_TENANT_ID"));
        match (tenant, get("ARM_CLIENT_ID"), get("ARM_CLIENT_SECRET")) {
            (Some(tenant_id), Some(client_id), Some(client_secret)) => Ok(Self {
                tenant_id,
                client_id,
                client_secret,
            }),
            _ => Err(
                "the aks authentication obtains a token with the service principal of the environment, \
                 but ARM_TENANT_ID (or aks.tenant_id), ARM_CLIENT_ID and ARM_CLIENT_SECRET are not all \
                 set (certificates, OIDC and managed identities are not read: use an exec block running \
                 kubelogin for those)"
                    .to_string(),
            ),
        }
    }
}

/// The Entra ID authority to ask.
pub fn authority() -> String {
    if let Ok(host) = std::env::var("AZURE_AUTHORITY_HOST")
        && !host.trim().is_empty()
    {
        return host.trim().trim_end_matches('/').to_string();
    }
    match std::env::var("ARM_ENVIRONMENT")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "usgovernment" => "https://login.microsoftonline.us".into(),
        "china" => "https://login.chinacloudapi.cn".into(),
        _ => "https://login.microsoftonline.com".into(),
    }
}

/// Entra ID's error body: `error_description` starts with the `AADSTS` code.
fn parse_error(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct Error {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<Error>(body) {
        Ok(e) => (
            e.error_description
                .map(|d| d.lines().next().unwrap_or_default().trim().to_string()),
            e.error,
        ),
        Err(_) => (None, None),
    }
}

/// A bearer token for an AKS cluster with Entra ID integration.
pub async fn token(
    credentials: &ArmCredentials,
    server_app_id: &str,
    timeout: Duration,
) -> Result<String, BackendError> {
    #[derive(Deserialize)]
    struct Granted {
        access_token: String,
    }
    let http = Http::new(
        HttpSettings {
            system: System::EntraId,
            base_url: authority(),
            ca_pem: None,
            timeout,
            retry: RetryPolicy::default(),
        },
        parse_error,
    )?;
    let call = Call::new(
        Method::POST,
        format!("/{}/oauth2/v2.0/token", credentials.tenant_id),
    )
    .form(vec![
        ("grant_type".into(), "client_credentials".into()),
        ("client_id".into(), credentials.client_id.clone()),
        ("client_secret".into(), credentials.client_secret.clone()),
        ("scope".into(), format!("{server_app_id}/.default")),
    ])
    .idempotent(true);
    Ok(http.send(call).await?.json::<Granted>()?.access_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_errors_keep_the_aadsts_line() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"}"#;
        let (message, code) = parse_error(body);
        assert_eq!(
            message.as_deref(),
            Some("AADSTS7000215: Invalid client secret provided.")
        );
        assert_eq!(code.as_deref(), Some("invalid_client"));
    }
}
