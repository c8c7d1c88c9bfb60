//! Validation of the provider configuration as written (not the environment): each value
//! that cannot work is an error at its attribute, before anything is built.

use tfplugin::{AttributePath, Diagnostics, Value};

use super::model::ProviderConfig;
use crate::backends::auth0::auth0_base_url;
use crate::backends::http::check_url;
use crate::diag::{DiagnosticsExt, attr, block_attr};

/// What is wrong with a JWT's form (three base64url parts, a JSON header naming `alg`),
/// without quoting it.
pub fn jwt_format_problem(jwt: &str) -> Option<String> {
    use base64::Engine;
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    if parts.len() != 3 {
        return Some(format!(
            "a JWT has three dot-separated parts; this value has {}",
            parts.len()
        ));
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Some("a part of the JWT is empty (an unsigned JWT cannot log in)".into());
    }
    let base64url = |p: &str| {
        p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    if !parts.iter().all(|p| base64url(p)) {
        return Some("the JWT holds characters outside base64url".into());
    }
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[0].trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    match header {
        Some(h) if h.get("alg").and_then(serde_json::Value::as_str).is_some() => None,
        _ => {
            Some("the JWT's header is not a JSON object naming its signing algorithm (alg)".into())
        }
    }
}

/// Path of an attribute of `vault.auth_login_jwt`.
pub(crate) fn jwt_attr(name: &'static str) -> AttributePath {
    AttributePath::new("vault")
        .index(0)
        .attribute("auth_login_jwt")
        .index(0)
        .attribute(name)
}

/// What is wrong with a Vault mount path or role name.
fn vault_name_problem(value: &str, what: &str, slashes: bool) -> Option<String> {
    let trimmed = value.trim_matches('/');
    if trimmed.is_empty() {
        return Some(format!("the {what} is empty"));
    }
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '*' | '+' | '?' | '#'))
        || (!slashes && value.contains('/'))
    {
        return Some(format!(
            "the {what} {value:?} holds characters Vault does not accept in it"
        ));
    }
    None
}

/// Where a setting's value came from, for messages.
#[derive(Clone, Copy)]
pub(crate) enum Source {
    /// Written in the provider configuration.
    Config,
    /// Read from this environment variable.
    Env(&'static str),
}

/// Where a value came from, as messages say it.
pub(crate) fn from_where(source: Source) -> String {
    match source {
        Source::Config => "in the provider configuration".to_string(),
        Source::Env(name) => format!("from the environment variable {name}"),
    }
}

/// An error at `path` when `value` is not an absolute http(s) URL.
pub(crate) fn check_url_setting(
    diags: &mut Diagnostics,
    path: AttributePath,
    what: &str,
    value: &str,
    source: Source,
) {
    if let Err(problem) = check_url(value) {
        diags.error_at(
            path,
            format!("Invalid {what}"),
            format!(
                "The {what} {} must be an absolute URL such as https://host:port: {problem}.",
                from_where(source)
            ),
        );
    }
}

fn check_not_empty(
    diags: &mut Diagnostics,
    path: AttributePath,
    what: &str,
    value: &Value<String>,
) {
    if let Value::Value(v) = value
        && v.trim().is_empty()
    {
        diags.error_at(
            path,
            format!("Empty {what}"),
            format!("The {what} is set to an empty string; set a value or remove the attribute."),
        );
    }
}

/// Validation of the values written in the configuration (not the environment).
pub fn validate_config(diags: &mut Diagnostics, config: &ProviderConfig) {
    if let Value::Value(vault) = &config.vault {
        if let Value::Value(address) = &vault.address {
            check_url_setting(
                diags,
                block_attr("vault", "address"),
                "Vault address",
                address,
                Source::Config,
            );
        }
        check_not_empty(
            diags,
            block_attr("vault", "token"),
            "Vault token",
            &vault.token,
        );
        check_not_empty(
            diags,
            block_attr("vault", "kv_mount"),
            "Vault KV mount",
            &vault.kv_mount,
        );
        if let Value::Value(login) = &vault.auth_login_jwt {
            if let Value::Value(mount) = &login.mount
                && let Some(problem) = vault_name_problem(mount, "JWT auth mount", true)
            {
                diags.error_at(
                    jwt_attr("mount"),
                    "Invalid Vault JWT auth mount",
                    format!("{problem}: give the path the JWT auth method is enabled at, such as \"jwt\"."),
                );
            }
            if let Value::Value(role) = &login.role
                && let Some(problem) = vault_name_problem(role, "JWT role", false)
            {
                diags.error_at(
                    jwt_attr("role"),
                    "Invalid Vault JWT role",
                    format!("{problem}: give the name of a role of the JWT auth method."),
                );
            }
            if let Value::Value(jwt) = &login.jwt
                && let Some(problem) = jwt_format_problem(jwt)
            {
                diags.error_at(
                    jwt_attr("jwt"),
                    "Invalid JWT",
                    format!(
                        "The JWT in the provider configuration is not a signed JWT: {problem}."
                    ),
                );
            }
        }
        if let Value::Value(mount) = &vault.kv_mount
            && (mount.trim_matches('/').is_empty() || mount.contains(['*', '+', ' ']))
        {
            diags.error_at(
                block_attr("vault", "kv_mount"),
                "Invalid Vault KV mount",
                format!(
                    "The KV mount {mount:?} must be a Vault mount path such as \"deployments\"."
                ),
            );
        }
    }
    if let Value::Value(grafana) = &config.grafana {
        if let Value::Value(url) = &grafana.url {
            check_url_setting(
                diags,
                block_attr("grafana", "url"),
                "Grafana URL",
                url,
                Source::Config,
            );
        }
        check_not_empty(
            diags,
            block_attr("grafana", "auth"),
            "Grafana auth",
            &grafana.auth,
        );
    }
    if let Value::Value(auth0) = &config.auth0 {
        if let Value::Value(domain) = &auth0.domain
            && let Err(problem) = auth0_base_url(domain)
        {
            diags.error_at(
                block_attr("auth0", "domain"),
                "Invalid Auth0 domain",
                problem,
            );
        }
        check_not_empty(
            diags,
            block_attr("auth0", "client_id"),
            "Auth0 client id",
            &auth0.client_id,
        );
        check_not_empty(
            diags,
            block_attr("auth0", "client_secret"),
            "Auth0 client secret",
            &auth0.client_secret,
        );
        check_not_empty(
            diags,
            block_attr("auth0", "api_token"),
            "Auth0 API token",
            &auth0.api_token,
        );
    }
    if let Value::Value(seconds) = config.request_timeout_seconds
        && !(1..=3600).contains(&seconds)
    {
        diags.error_at(
            attr("request_timeout_seconds"),
            "Invalid request timeout",
            format!("request_timeout_seconds must be between 1 and 3600; it is {seconds}."),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{JwtLoginBlock, VaultBlock};

    #[test]
    fn jwt_forms() {
        // {"alg":"RS256"} . {} . sig
        assert_eq!(jwt_format_problem("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"), None);
        for bad in [
            "",
            "a.b",
            "a..c",
            "a.b.c.d",
            "e30.e30.c2ln",
            "eyJhbGciOiJSUzI1NiJ9.e30.s ig",
        ] {
            let problem = jwt_format_problem(bad);
            assert!(problem.is_some(), "{bad:?}");
            assert!(
                !problem.unwrap_or_default().contains("c2ln"),
                "never quoted"
            );
        }
    }

    #[test]
    fn jwt_login_settings_are_checked_with_their_paths() {
        let config = ProviderConfig {
            vault: Value::Value(VaultBlock {
                auth_login_jwt: Value::Value(JwtLoginBlock {
                    mount: Value::Value("j w t".into()),
                    role: Value::Value("a/b".into()),
                    jwt: Value::Value("secret-looking.value".into()),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, &config);
        let paths: Vec<String> = diags
            .errors()
            .iter()
            .map(|d| d.attribute.clone().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            paths,
            vec![
                "vault[0].auth_login_jwt[0].mount",
                "vault[0].auth_login_jwt[0].role",
                "vault[0].auth_login_jwt[0].jwt"
            ],
            "{:?}",
            diags.errors()
        );
        assert!(
            diags
                .errors()
                .iter()
                .all(|d| !format!("{d:?}").contains("secret-looking")),
            "the JWT is never quoted"
        );
    }

    #[test]
    fn invalid_config_names_the_attribute() {
        let config = ProviderConfig {
            vault: Value::Value(VaultBlock {
                address: Value::Value("not-a-url".into()),
                token: Value::Value("".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, &config);
        let paths: Vec<String> = diags
            .errors()
            .iter()
            .map(|d| d.attribute.clone().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            paths,
            vec!["vault[0].address", "vault[0].token"],
            "{:?}",
            diags.errors()
        );
    }
}
