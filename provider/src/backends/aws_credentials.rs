//! AWS credentials found the way the AWS SDKs find them, with the official SDK's own
//! providers (`aws-config`), tried one after the other so that a failure can say what was
//! tried, in order:
//!
//! 1. environment variables: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
//! 2. the shared config and credentials files (`AWS_CONFIG_FILE`, default `~/.aws/config`;
//!    `AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`; profile `AWS_PROFILE`, default
//!    `default`): static keys, `role_arn` with `web_identity_token_file` (what an HCP Terraform
//!    agent writes for dynamic credentials), `role_arn` with `source_profile` or
//!    `credential_source`, `credential_process`;
//! 3. web identity from the environment: `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`
//!    (`AWS_ROLE_SESSION_NAME`), exchanged with STS `AssumeRoleWithWebIdentity`;
//! 4. container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`: ECS
//!    task roles, EKS Pod Identity);
//! 5. the EC2 instance metadata service (IMDSv2; `AWS_EC2_METADATA_DISABLED=true` skips it).
//!
//! That is the SDKs' default chain, and it behaves like it: a source that is not configured
//! passes on to the next; a source that is configured but fails (a token file that cannot be
//! read, STS refusing the token) ends the search with its error.
//!
//! Instead of that chain, [`WebIdentityRole`] is the explicit way HCP Terraform's generic
//! workload identity token takes: a role ARN exchanged with STS `AssumeRoleWithWebIdentity`
//! for the token in `TFC_WORKLOAD_IDENTITY_TOKEN` (or another variable, or a file).
//!
//! STS is reached at `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the region's
//! endpoint, as the SDKs do. HTTPS goes through rustls with *ring* (the provider's one
//! TLS stack). No credential or token is ever logged or put in a message: errors carry the
//! sources' names and what went wrong with them.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::region::Region;

/// The variable HCP Terraform puts its generic workload identity token in.
pub const TFC_TOKEN_VARIABLE: &str = "TFC_WORKLOAD_IDENTITY_TOKEN";

/// The session name given to STS when none is configured.
const DEFAULT_SESSION_NAME: &str = "terraform-provider-ff";

/// The explicit alternative to the chain: a role assumed with a web identity token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentityRole {
    /// The role to assume.
    pub role_arn: String,
    /// The STS session name; `terraform-provider-ff` when `None`.
    pub session_name: Option<String>,
    /// A file holding the token; when `None`, the variable `token_variable` holds it.
    pub token_file: Option<String>,
    /// The environment variable holding the token; `TFC_WORKLOAD_IDENTITY_TOKEN` when `None`.
    pub token_variable: Option<String>,
}

/// Credentials and where they came from (for logs; never the values).
pub struct Found {
    /// The credentials.
    pub credentials: Credentials,
    /// The source that gave them, such as `shared config and credentials files`.
    pub source: String,
}

/// One source tried and what it said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The source, with the settings that configure it.
    pub source: String,
    /// Why it gave nothing.
    pub outcome: String,
}

/// No credentials: every source tried, in order, and what each said.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", render(.tried))]
pub struct ChainError {
    /// The sources tried, in order.
    pub tried: Vec<Attempt>,
}

fn render(tried: &[Attempt]) -> String {
    let mut text = String::from("no usable AWS credentials were found; tried, in order:");
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

/// The HTTPS client of the SDK's providers and STS client: rustls with *ring*. Made once per
/// process, when the first EKS token is needed (never at start-up).
fn http_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    static CLIENT: std::sync::LazyLock<SharedHttpClient> = std::sync::LazyLock::new(|| {
        aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https()
    });
    CLIENT.clone()
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `NAME=value` for settings that are paths or names (never a secret), `NAME unset` else.
fn setting(name: &str) -> String {
    match env(name) {
        Some(value) => format!("{name}={value}"),
        None => format!("{name} unset"),
    }
}

/// How a source's failure reads: a source that is not configured, or what went wrong.
fn outcome(err: &CredentialsError) -> String {
    match err {
        CredentialsError::CredentialsNotLoaded(_) => {
            format!("not configured ({})", crate::diag::chain(err))
        }
        other => format!("failed: {}", crate::diag::chain(other)),
    }
}

/// The sources of the SDKs' default chain, in their order, each with its description.
fn default_chain(config: &ProviderConfig) -> Vec<(String, Box<dyn ProvideCredentials>)> {
    use aws_config::ecs::EcsCredentialsProvider;
    use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
    use aws_config::imds::credentials::ImdsCredentialsProvider;
    use aws_config::profile::ProfileFileCredentialsProvider;
    use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    vec![
        (
            "environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN"
                .to_string(),
            Box::new(EnvironmentVariableCredentialsProvider::new()),
        ),
        (
            format!(
                "shared config and credentials files (profile \"{profile}\"; {}, {})",
                setting("AWS_CONFIG_FILE"),
                setting("AWS_SHARED_CREDENTIALS_FILE")
            ),
            Box::new(
                ProfileFileCredentialsProvider::builder()
                    .configure(config)
                    .build(),
            ),
        ),
        (
            format!(
                "web identity ({}, {})",
                setting("AWS_ROLE_ARN"),
                setting("AWS_WEB_IDENTITY_TOKEN_FILE")
            ),
            Box::new(
                WebIdentityTokenCredentialsProvider::builder()
                    .configure(config)
                    .build(),
            ),
        ),
        (
            "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI)"
                .to_string(),
            Box::new(EcsCredentialsProvider::builder().configure(config).build()),
        ),
        (
            format!(
                "EC2 instance metadata (IMDSv2; {})",
                setting("AWS_EC2_METADATA_DISABLED")
            ),
            Box::new(ImdsCredentialsProvider::builder().configure(config).build()),
        ),
    ]
}

/// Credentials for calls in `region`: from `role` when given, else from the SDKs' default
/// chain. `timeout` bounds the whole search.
pub async fn find(
    region: &str,
    role: Option<&WebIdentityRole>,
    timeout: Duration,
) -> Result<Found, ChainError> {
    let bound = timeout.max(Duration::from_secs(5));
    let search = async {
        match role {
            Some(role) => assume_role_with_web_identity(region, role).await,
            None => search_default_chain(region).await,
        }
    };
    match tokio::time::timeout(bound, search).await {
        Ok(found) => found,
        Err(_) => Err(ChainError {
            tried: vec![Attempt {
                source: "the AWS credential sources".into(),
                outcome: format!("gave no answer within {bound:?}"),
            }],
        }),
    }
}

async fn search_default_chain(region: &str) -> Result<Found, ChainError> {
    let config = ProviderConfig::without_region()
        .with_region(Some(Region::new(region.to_string())))
        .with_http_client(http_client());
    let mut tried = Vec::new();
    for (source, provider) in default_chain(&config) {
        match provider.provide_credentials().await {
            Ok(credentials) => {
                tracing::debug!(source = %source, "AWS credentials found");
                return Ok(Found {
                    credentials,
                    source,
                });
            }
            Err(err) => {
                let not_configured = matches!(err, CredentialsError::CredentialsNotLoaded(_));
                tried.push(Attempt {
                    source,
                    outcome: outcome(&err),
                });
                // As the SDKs' chain: only a source that is not configured passes on.
                if !not_configured {
                    break;
                }
            }
        }
    }
    Err(ChainError { tried })
}

/// The token of an explicit web identity: its file, else its variable.
fn web_identity_token(role: &WebIdentityRole) -> Result<(String, String), Attempt> {
    let variable = role
        .token_variable
        .clone()
        .unwrap_or_else(|| TFC_TOKEN_VARIABLE.to_string());
    let source = match &role.token_file {
        Some(file) => format!(
            "AssumeRoleWithWebIdentity of {} with the token in {file}",
            role.role_arn
        ),
        None => format!(
            "AssumeRoleWithWebIdentity of {} with the token in {variable}",
            role.role_arn
        ),
    };
    let token = match &role.token_file {
        Some(file) => std::fs::read_to_string(file)
            .map(|t| t.trim().to_string())
            .map_err(|e| Attempt {
                source: source.clone(),
                outcome: format!("failed: the token file cannot be read: {e}"),
            })?,
        None => env(&variable).ok_or_else(|| Attempt {
            source: source.clone(),
            outcome: format!(
                "not configured ({variable} is not set; in HCP Terraform, set the workspace \
                 variable TFC_WORKLOAD_IDENTITY_AUDIENCE so that every run gets a token)"
            ),
        })?,
    };
    if token.is_empty() {
        return Err(Attempt {
            source,
            outcome: "failed: the token is empty".into(),
        });
    }
    Ok((source, token))
}

async fn assume_role_with_web_identity(
    region: &str,
    role: &WebIdentityRole,
) -> Result<Found, ChainError> {
    let (source, token) = web_identity_token(role).map_err(|attempt| ChainError {
        tried: vec![attempt],
    })?;
    // The SDK's own configuration: the region given, the endpoint from AWS_ENDPOINT_URL_STS /
    // AWS_ENDPOINT_URL (or the profile's), no credentials (the call is not signed).
    let sdk_config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .http_client(http_client())
        .no_credentials()
        .load()
        .await;
    let client = aws_sdk_sts::Client::new(&sdk_config);
    let session_name = role
        .session_name
        .clone()
        .unwrap_or_else(|| DEFAULT_SESSION_NAME.into());
    let answer = client
        .assume_role_with_web_identity()
        .role_arn(&role.role_arn)
        .role_session_name(session_name)
        .web_identity_token(token)
        .send()
        .await;
    let fail = |outcome: String| ChainError {
        tried: vec![Attempt {
            source: source.clone(),
            outcome,
        }],
    };
    let answer = answer.map_err(|e| {
        fail(format!(
            "failed: STS answered {}",
            aws_sdk_sts::error::DisplayErrorContext(&e)
        ))
    })?;
    let granted = answer
        .credentials
        .ok_or_else(|| fail("failed: STS answered without credentials".into()))?;
    let expiry = std::time::SystemTime::try_from(granted.expiration).ok();
    tracing::debug!(role = %role.role_arn, "assumed the role with the web identity token");
    Ok(Found {
        credentials: Credentials::new(
            granted.access_key_id,
            granted.secret_access_key,
            Some(granted.session_token),
            expiry,
            "AssumeRoleWithWebIdentity",
        ),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_error_lists_every_source_in_order() {
        let err = ChainError {
            tried: vec![
                Attempt {
                    source: "environment variables".into(),
                    outcome: "not configured (unset)".into(),
                },
                Attempt {
                    source: "shared config".into(),
                    outcome: "failed: bad profile".into(),
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "no usable AWS credentials were found; tried, in order:\n  1. environment variables: not configured (unset)\n  2. shared config: failed: bad profile"
        );
    }

    #[test]
    fn an_explicit_role_without_its_token_says_which_variable() {
        let role = WebIdentityRole {
            role_arn: "arn:aws:iam::123456789012:role/run".into(),
            session_name: None,
            token_file: None,
            token_variable: Some("FF_TEST_NO_SUCH_TOKEN_VARIABLE".into()),
        };
        let attempt = web_identity_token(&role).expect_err("no token");
        assert!(
            attempt
                .outcome
                .contains("FF_TEST_NO_SUCH_TOKEN_VARIABLE is not set"),
            "{attempt:?}"
        );
        let from_file = WebIdentityRole {
            token_file: Some("/nonexistent/ff-token".into()),
            ..role
        };
        let attempt = web_identity_token(&from_file).expect_err("no file");
        assert!(
            attempt.source.contains("/nonexistent/ff-token")
                && attempt.outcome.starts_with("failed"),
            "{attempt:?}"
        );
    }
}
