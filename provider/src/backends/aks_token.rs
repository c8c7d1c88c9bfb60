//! AKS authentication tokens from the Azure credentials of the environment: an OAuth 2.0
//! client-credentials grant at Microsoft Entra ID for the AKS server application
//! (`6dae42f8-4368-4678-94ff-3960e28e3630`), what `kubelogin get-token` does
//! (<https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>),
//! or a managed identity's token. One token is obtained per apply or refresh and never
//! stored.
//!
//! The credentials are looked for as azurerm looks for them (the first one configured is
//! used; see [`chain_token`]): a client certificate, a client secret, a federated token
//! (workload identity federation, what HCP Terraform's dynamic credentials hand over), then
//! a managed identity. The authority is `https://login.microsoftonline.com`, or the national
//! cloud's for `ARM_ENVIRONMENT` = `usgovernment` / `china`, or `AZURE_AUTHORITY_HOST` when set
//! (as with the Azure SDKs). No secret, assertion or token is ever logged or put in a
//! message.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::Method;
use serde::Deserialize;

use super::http::{BackendError, Call, Http, HttpSettings, RetryPolicy, System};

/// The AKS Entra ID server application: the audience of AKS tokens.
pub const AKS_SERVER_APP_ID: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";

/// A service principal's client secret credentials.
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

/// A bearer token for an AKS cluster with Entra ID integration, with a client secret.
pub async fn token(
    credentials: &ArmCredentials,
    server_app_id: &str,
    timeout: Duration,
) -> Result<String, BackendError> {
    grant(
        &credentials.tenant_id,
        &credentials.client_id,
        ("client_secret", credentials.client_secret.clone()),
        server_app_id,
        timeout,
    )
    .await
}

/// The client assertion type of RFC 7523.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client-credentials grant with one credential field (`client_secret`, or a
/// `client_assertion`).
async fn grant(
    tenant_id: &str,
    client_id: &str,
    (name, value): (&str, String),
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
    let mut form = vec![
        ("grant_type".into(), "client_credentials".into()),
        ("client_id".into(), client_id.to_string()),
    ];
    if name == "client_assertion" {
        form.push(("client_assertion_type".into(), JWT_BEARER.into()));
    }
    form.push((name.to_string(), value));
    form.push(("scope".into(), format!("{server_app_id}/.default")));
    let call = Call::new(Method::POST, format!("/{tenant_id}/oauth2/v2.0/token"))
        .form(form)
        .idempotent(true);
    Ok(http.send(call).await?.json::<Granted>()?.access_token)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The first of `names` that is set: (name, value).
fn first_env(names: &[&str]) -> Option<(String, String)> {
    names
        .iter()
        .find_map(|n| env(n).map(|v| (n.to_string(), v)))
}

/// One source tried and what it said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The source, with the variables that configure it.
    pub source: String,
    /// Why it gave nothing.
    pub outcome: String,
}

/// No token: every source tried, in order, and what each said.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", render(.tried))]
pub struct ChainError {
    /// The sources tried, in order.
    pub tried: Vec<Attempt>,
}

fn render(tried: &[Attempt]) -> String {
    let mut text = String::from("no Entra ID token could be obtained; tried, in order:");
    for (n, attempt) in tried.iter().enumerate() {
        text.push_str(&format!(
            "\n  {}. {}: {}",
            n + 1,
            attempt.source,
            attempt.outcome
        ));
    }
    text
}

/// The sources, in the order azurerm tries them.
const CERTIFICATE: &str = "client certificate (ARM_CLIENT_CERTIFICATE_PATH or ARM_CLIENT_CERTIFICATE, with ARM_CLIENT_CERTIFICATE_PASSWORD; or AZURE_CLIENT_CERTIFICATE_PATH)";
const SECRET: &str = "client secret (ARM_CLIENT_SECRET or AZURE_CLIENT_SECRET)";
const FEDERATED: &str = "workload identity federation (ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH or AZURE_FEDERATED_TOKEN_FILE)";
const MANAGED: &str = "managed identity (IDENTITY_ENDPOINT with IDENTITY_HEADER, or ARM_USE_MSI=true for the instance metadata service)";

/// A token for `server_app_id` with the first Azure credential the environment configures,
/// in azurerm's order: a client certificate, a client secret, a federated token, a managed
/// identity. The client is `ARM_CLIENT_ID` (else `AZURE_CLIENT_ID`), the tenant `tenant_id`
/// (else `ARM_TENANT_ID`, else `AZURE_TENANT_ID`). The one configured is used and its
/// failure is the answer (as azurerm); the error lists every source looked at, in order.
pub async fn chain_token(
    tenant_id: Option<&str>,
    server_app_id: &str,
    timeout: Duration,
) -> Result<String, ChainError> {
    let mut tried = Vec::new();
    let client_id = first_env(&["ARM_CLIENT_ID", "AZURE_CLIENT_ID"]).map(|(_, v)| v);
    let tenant = tenant_id
        .map(str::to_string)
        .or_else(|| first_env(&["ARM_TENANT_ID", "AZURE_TENANT_ID"]).map(|(_, v)| v));
    let fail = |mut tried: Vec<Attempt>, source: &str, outcome: String| {
        tried.push(Attempt {
            source: source.to_string(),
            outcome,
        });
        Err(ChainError { tried })
    };
    let not_set = |tried: &mut Vec<Attempt>, source: &str| {
        tried.push(Attempt {
            source: source.to_string(),
            outcome: "not configured".into(),
        })
    };
    // The client and tenant the first three need.
    let identity = |source: &str| -> Result<(String, String), String> {
        match (&client_id, &tenant) {
            (Some(c), Some(t)) => Ok((c.clone(), t.clone())),
            (None, _) => Err(format!(
                "failed: {source} needs ARM_CLIENT_ID (or AZURE_CLIENT_ID), which is not set"
            )),
            (_, None) => Err(format!(
                "failed: {source} needs the tenant: aks.tenant_id, ARM_TENANT_ID or AZURE_TENANT_ID"
            )),
        }
    };
    let entra = |e: BackendError| format!("failed: {}", crate::diag::chain(&e));

    // 1. A client certificate.
    let certificate = first_env(&[
        "ARM_CLIENT_CERTIFICATE_PATH",
        "AZURE_CLIENT_CERTIFICATE_PATH",
    ])
    .map(|(name, path)| (name, Some(path)))
    .or_else(|| env("ARM_CLIENT_CERTIFICATE").map(|_| ("ARM_CLIENT_CERTIFICATE".into(), None)));
    if let Some((variable, path)) = certificate {
        let (client, tenant) = match identity("the client certificate") {
            Ok(found) => found,
            Err(outcome) => return fail(tried, CERTIFICATE, outcome),
        };
        let bytes = match &path {
            Some(path) => match std::fs::read(path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    return fail(
                        tried,
                        CERTIFICATE,
                        format!("failed: {variable} names {path}, which cannot be read: {e}"),
                    );
                }
            },
            None => match STANDARD.decode(env("ARM_CLIENT_CERTIFICATE").unwrap_or_default().trim())
            {
                Ok(bytes) => bytes,
                Err(_) => {
                    return fail(
                        tried,
                        CERTIFICATE,
                        "failed: ARM_CLIENT_CERTIFICATE is not base64 (of a PKCS#12 file)".into(),
                    );
                }
            },
        };
        let password = first_env(&[
            "ARM_CLIENT_CERTIFICATE_PASSWORD",
            "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        ])
        .map(|(_, v)| v)
        .unwrap_or_default();
        let audience = format!("{}/{tenant}/oauth2/v2.0/token", authority());
        let assertion = match ClientCertificate::load(&bytes, &password)
            .and_then(|c| c.assertion(&client, &audience))
        {
            Ok(assertion) => assertion,
            Err(reason) => return fail(tried, CERTIFICATE, format!("failed: {reason}")),
        };
        return match grant(
            &tenant,
            &client,
            ("client_assertion", assertion),
            server_app_id,
            timeout,
        )
        .await
        {
            Ok(token) => Ok(token),
            Err(e) => fail(tried, CERTIFICATE, entra(e)),
        };
    }
    not_set(&mut tried, CERTIFICATE);

    // 2. A client secret.
    if let Some((_, secret)) = first_env(&["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"]) {
        let (client, tenant) = match identity("the client secret") {
            Ok(found) => found,
            Err(outcome) => return fail(tried, SECRET, outcome),
        };
        return match grant(
            &tenant,
            &client,
            ("client_secret", secret),
            server_app_id,
            timeout,
        )
        .await
        {
            Ok(token) => Ok(token),
            Err(e) => fail(tried, SECRET, entra(e)),
        };
    }
    not_set(&mut tried, SECRET);

    // 3. A federated token: given, or in a file.
    let federated = match env("ARM_OIDC_TOKEN") {
        Some(token) => Some(Ok(token)),
        None => first_env(&["ARM_OIDC_TOKEN_FILE_PATH", "AZURE_FEDERATED_TOKEN_FILE"]).map(
            |(variable, path)| {
                std::fs::read_to_string(&path)
                    .map(|t| t.trim().to_string())
                    .map_err(|e| {
                        format!("failed: {variable} names {path}, which cannot be read: {e}")
                    })
            },
        ),
    };
    if let Some(token) = federated {
        let token = match token {
            Ok(token) if !token.is_empty() => token,
            Ok(_) => return fail(tried, FEDERATED, "failed: the token is empty".into()),
            Err(outcome) => return fail(tried, FEDERATED, outcome),
        };
        let (client, tenant) = match identity("the federated token") {
            Ok(found) => found,
            Err(outcome) => return fail(tried, FEDERATED, outcome),
        };
        return match grant(
            &tenant,
            &client,
            ("client_assertion", token),
            server_app_id,
            timeout,
        )
        .await
        {
            Ok(token) => Ok(token),
            Err(e) => fail(tried, FEDERATED, entra(e)),
        };
    }
    not_set(&mut tried, FEDERATED);

    // 4. A managed identity: App Service / Container Apps, else IMDS when asked for.
    let app_service = env("IDENTITY_ENDPOINT").zip(env("IDENTITY_HEADER"));
    let use_msi = env("ARM_USE_MSI").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    if app_service.is_some() || use_msi {
        return match managed_identity_token(
            app_service,
            client_id.as_deref(),
            server_app_id,
            timeout,
        )
        .await
        {
            Ok(token) => Ok(token),
            Err(e) => fail(tried, MANAGED, entra(e)),
        };
    }
    not_set(&mut tried, MANAGED);
    Err(ChainError { tried })
}

/// A managed identity's token: from App Service's `IDENTITY_ENDPOINT` (with
/// `X-IDENTITY-HEADER`), else from the instance metadata service
/// (`AZURE_POD_IDENTITY_AUTHORITY_HOST`, default `http://169.254.169.254`).
async fn managed_identity_token(
    app_service: Option<(String, String)>,
    client_id: Option<&str>,
    server_app_id: &str,
    timeout: Duration,
) -> Result<String, BackendError> {
    #[derive(Deserialize)]
    struct Granted {
        access_token: String,
    }
    let (base_url, call) = match app_service {
        Some((endpoint, header)) => (
            endpoint,
            Call::new(Method::GET, "")
                .query("api-version", "2019-08-01")
                .header("x-identity-header", &header),
        ),
        None => (
            format!(
                "{}/metadata/identity/oauth2/token",
                env("AZURE_POD_IDENTITY_AUTHORITY_HOST")
                    .unwrap_or_else(|| "http://169.254.169.254".into())
                    .trim_end_matches('/')
            ),
            Call::new(Method::GET, "")
                .query("api-version", "2018-02-01")
                .header("metadata", "true"),
        ),
    };
    let mut call = call.query("resource", server_app_id);
    if let Some(client_id) = client_id {
        call = call.query("client_id", client_id);
    }
    let http = Http::new(
        HttpSettings {
            system: System::EntraId,
            base_url,
            ca_pem: None,
            timeout,
            retry: RetryPolicy::default(),
        },
        parse_error,
    )?;
    Ok(http.send(call).await?.json::<Granted>()?.access_token)
}

/// A client certificate and its private key (RSA), from a PKCS#12 file (what azurerm takes)
/// or PEM (certificate and key in one file).
pub struct ClientCertificate {
    /// The certificate, DER.
    certificate: Vec<u8>,
    key: ring::signature::RsaKeyPair,
}

impl ClientCertificate {
    /// From the file's bytes; `password` opens a PKCS#12 file.
    pub fn load(bytes: &[u8], password: &str) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes).ok();
        if let Some(pem) = text.filter(|t| t.contains("-----BEGIN")) {
            let block = |label: &str| -> Option<Vec<u8>> {
                let body: String = pem
                    .split(&format!("-----BEGIN {label}-----"))
                    .nth(1)?
                    .split(&format!("-----END {label}-----"))
                    .next()?
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                STANDARD.decode(body).ok()
            };
            let certificate = block("CERTIFICATE").ok_or("the PEM file holds no CERTIFICATE")?;
            let key = match (block("PRIVATE KEY"), block("RSA PRIVATE KEY")) {
                (Some(pkcs8), _) => ring::signature::RsaKeyPair::from_pkcs8(&pkcs8),
                (None, Some(pkcs1)) => ring::signature::RsaKeyPair::from_der(&pkcs1),
                (None, None) => {
                    return Err("the PEM file holds no unencrypted RSA private key".into());
                }
            }
            .map_err(|e| format!("the private key is not a usable RSA key: {e}"))?;
            return Ok(Self { certificate, key });
        }
        let store = p12_keystore::KeyStore::from_pkcs12(
            bytes,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| {
            format!(
                "the PKCS#12 file cannot be opened (wrong ARM_CLIENT_CERTIFICATE_PASSWORD?): {e}"
            )
        })?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or("the PKCS#12 file holds no private key with its certificate")?;
        let certificate = chain
            .certs()
            .first()
            .ok_or("the PKCS#12 file holds no certificate for its key")?
            .as_der()
            .to_vec();
        let key = ring::signature::RsaKeyPair::from_pkcs8(chain.key().as_der()).map_err(|e| {
            format!("the private key is not a usable RSA key (2048 bits or more): {e}")
        })?;
        Ok(Self { certificate, key })
    }

    /// The base64url SHA-1 thumbprint (`x5t`).
    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(sha1_digest(&self.certificate))
    }

    /// A client assertion for `client_id` at the token endpoint `audience`, valid for ten
    /// minutes: RS256, the certificate's thumbprint in `x5t`
    /// (<https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials>).
    pub fn assertion(&self, client_id: &str, audience: &str) -> Result<String, String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t()});
        let mut jti = [0u8; 16];
        rand::Rng::fill(&mut rand::thread_rng(), &mut jti);
        let claims = serde_json::json!({
            "aud": audience, "iss": client_id, "sub": client_id,
            "jti": hex::encode(jti), "nbf": now, "iat": now, "exp": now + 600,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "the client assertion cannot be signed".to_string())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// SHA-1, for the certificate thumbprint Entra names certificates by.
fn sha1_digest(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
        .as_ref()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_error_lists_every_source_in_order() {
        let err = ChainError {
            tried: vec![
                Attempt {
                    source: CERTIFICATE.into(),
                    outcome: "not configured".into(),
                },
                Attempt {
                    source: SECRET.into(),
                    outcome: "failed: AADSTS7000215".into(),
                },
            ],
        };
        let text = err.to_string();
        assert!(
            text.starts_with("no Entra ID token could be obtained; tried, in order:\n  1. client certificate")
                && text.contains("\n  2. client secret (ARM_CLIENT_SECRET or AZURE_CLIENT_SECRET): failed: AADSTS7000215"),
            "{text}"
        );
    }

    #[test]
    fn bad_certificates_are_refused_with_a_reason() {
        assert!(ClientCertificate::load(b"not a certificate", "").is_err());
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let err = ClientCertificate::load(pem, "").err().unwrap_or_default();
        assert!(err.contains("no unencrypted RSA private key"), "{err}");
    }

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
