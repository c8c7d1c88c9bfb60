//! Validation of an `ff_auth0_tenant_setup` configuration: every closed set and reference,
//! each error at the attribute it concerns.

use std::collections::{BTreeMap, BTreeSet};

use tfplugin::{AttributePath, Diagnostics, Value};

use super::model::{
    APPLICATION_TYPES, ApiBlock, ApplicationBlock, GRANT_TYPES, MAX_METADATA_VALUE,
    MAX_TOKEN_LIFETIME, StrSet, TenantSetupState, default_grant_types, set_of,
};
use crate::diag::{DiagnosticsExt, attr};
use crate::naming;
use crate::resources::lifecycle::parse_key;

fn app_path(app: &str) -> AttributePath {
    AttributePath::new("application").key(app.to_string())
}

fn api_path(field: &'static str) -> AttributePath {
    AttributePath::new("api").index(0).attribute(field)
}

fn is_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && text.len() > "https://".len()
        && !text.chars().any(char::is_whitespace)
}

/// Application → whether it has the `client_credentials` grant type (`None` while unknown).
type ClientCredentials = BTreeMap<String, Option<bool>>;

/// The scopes the `api` block defines, as far as grants and roles may name them.
struct ApiScopes {
    /// Whether there is an `api` block at all.
    present: bool,
    /// Its scopes; `None` while unknown.
    scopes: Option<BTreeSet<String>>,
}

/// Check every closed set and reference of the configuration, with attribute paths.
pub(super) fn validate_config(diags: &mut Diagnostics, config: &TenantSetupState) {
    parse_key(diags, &config.deployment_key, "deployment_key");
    let mut client_credentials = ClientCredentials::new();
    if let Value::Value(apps) = &config.application {
        for (name, block) in apps {
            if let Some(has) = validate_application(diags, name, block) {
                client_credentials.insert(name.clone(), has);
            }
        }
    }
    let api = validate_api(diags, &config.api);
    validate_grants(diags, config, &client_credentials, &api);
    validate_roles(diags, &config.roles, &api);
    validate_rotation_trigger(diags, &config.rotation_trigger);
}

/// One `application` block: its name, type, URLs and grant types. Answers whether it has
/// the `client_credentials` grant type (`Some(None)` while unknown), `None` for a block
/// that is itself unknown.
fn validate_application(
    diags: &mut Diagnostics,
    name: &str,
    block: &Value<ApplicationBlock>,
) -> Option<Option<bool>> {
    if let Err(problem) = naming::validate_short_name("The application name", name) {
        diags.error_at(app_path(name), "Invalid application name", problem);
    }
    let Value::Value(block) = block else {
        return None;
    };
    let kind = block.kind.as_ref_option();
    if let Some(kind) = kind
        && !APPLICATION_TYPES.contains(&kind.as_str())
    {
        diags.error_at(
            app_path(name).attribute("type"),
            "Invalid application type",
            format!(
                "The type of application {name:?} must be one of {}; it is {kind:?}.",
                APPLICATION_TYPES.join(", ")
            ),
        );
    }
    validate_urls(diags, name, block);
    let grant_types = match (&block.grant_types, kind) {
        (Value::Null, Some(kind)) => Some(default_grant_types(kind)),
        (Value::Null, None) => None,
        (value, _) => set_of(value),
    };
    if let Some(grant_types) = &grant_types {
        validate_grant_types(diags, name, kind.map(String::as_str), grant_types);
    }
    Some(grant_types.map(|g| g.contains("client_credentials")))
}

/// The callback, logout and web-origin URLs of an application.
fn validate_urls(diags: &mut Diagnostics, name: &str, block: &ApplicationBlock) {
    for (field, list) in [
        ("callbacks", &block.callbacks),
        ("logout_urls", &block.logout_urls),
        ("web_origins", &block.web_origins),
    ] {
        for url in list.as_ref_option().into_iter().flatten() {
            if let Value::Value(url) = url
                && !is_url(url)
            {
                diags.error_at(
                    app_path(name).attribute(field),
                    "Invalid URL",
                    format!(
                        "{url:?} in {field} of application {name:?} is not an absolute http:// or https:// URL."
                    ),
                );
            }
        }
    }
}

/// The grant types of an application (named or defaulted), against its type.
fn validate_grant_types(
    diags: &mut Diagnostics,
    name: &str,
    kind: Option<&str>,
    grant_types: &BTreeSet<String>,
) {
    for grant in grant_types {
        if !GRANT_TYPES.contains(&grant.as_str()) {
            diags.error_at(
                app_path(name).attribute("grant_types"),
                "Invalid grant type",
                format!(
                    "{grant:?} is not a grant type this provider manages; use {}.",
                    GRANT_TYPES.join(", ")
                ),
            );
        }
    }
    if let Some(kind) = kind
        && (kind == "spa" || kind == "native")
        && grant_types.contains("client_credentials")
    {
        diags.error_at(
            app_path(name).attribute("grant_types"),
            "Grant type not allowed for the application type",
            format!(
                "Application {name:?} is a {kind} application, which has no secret to \
                 keep: client_credentials needs a regular_web or non_interactive application."
            ),
        );
    }
}

/// The `api` block: identifier, scope names and token lifetime. Answers the scopes that
/// grants and roles may name.
fn validate_api(diags: &mut Diagnostics, api: &Value<ApiBlock>) -> ApiScopes {
    let Value::Value(api) = api else {
        return ApiScopes {
            present: false,
            scopes: Some(BTreeSet::new()),
        };
    };
    if let Value::Value(identifier) = &api.identifier
        && identifier.trim().is_empty()
    {
        diags.error_at(
            api_path("identifier"),
            "Empty API identifier",
            "The API identifier must not be empty; use a URL such as https://api.example.com.",
        );
    }
    let scopes = match &api.scopes {
        Value::Value(map) => Some(map.keys().cloned().collect::<BTreeSet<_>>()),
        Value::Null => Some(BTreeSet::new()),
        Value::Unknown => None,
    };
    for scope in scopes.iter().flatten() {
        if scope.is_empty() || scope.chars().any(char::is_whitespace) {
            diags.error_at(
                api_path("scopes").key(scope.clone()),
                "Invalid scope",
                format!("The scope {scope:?} must be a non-empty name without spaces, such as \"read:orders\"."),
            );
        }
    }
    if let Value::Value(lifetime) = api.token_lifetime
        && !(1..=MAX_TOKEN_LIFETIME).contains(&lifetime)
    {
        diags.error_at(
            api_path("token_lifetime"),
            "Invalid token lifetime",
            format!("token_lifetime must be between 1 and {MAX_TOKEN_LIFETIME} seconds; it is {lifetime}."),
        );
    }
    ApiScopes {
        present: true,
        scopes,
    }
}

/// The scopes a grant or a role names, against the API's.
fn check_scopes(
    diags: &mut Diagnostics,
    api: &ApiScopes,
    path: AttributePath,
    what: &str,
    wanted: &StrSet,
) {
    let Some(wanted) = set_of(wanted) else { return };
    if wanted.is_empty() {
        return;
    }
    if !api.present {
        diags.error_at(
            path,
            "No API to grant scopes of",
            format!("{what} names scopes, but the setup has no api block defining them."),
        );
        return;
    }
    if let Some(scopes) = &api.scopes {
        for scope in wanted.iter().filter(|s| !scopes.contains(*s)) {
            diags.error_at(
                path.clone(),
                "Unknown scope",
                format!(
                    "{what} names the scope {scope:?}, which the api block does not define (scopes: {}).",
                    if scopes.is_empty() { "none".to_string() } else { scopes.iter().cloned().collect::<Vec<_>>().join(", ") }
                ),
            );
        }
    }
}

/// `grants`: each names an application that can use one, and scopes of the API.
fn validate_grants(
    diags: &mut Diagnostics,
    config: &TenantSetupState,
    client_credentials: &ClientCredentials,
    api: &ApiScopes,
) {
    let Value::Value(grants) = &config.grants else {
        return;
    };
    for (app, wanted) in grants {
        let path = AttributePath::new("grants").key(app.clone());
        if let Value::Value(apps) = &config.application {
            match client_credentials.get(app) {
                None if !apps.contains_key(app) => {
                    diags.error_at(
                        path.clone(),
                        "Grant for an unknown application",
                        format!(
                            "grants names the application {app:?}, which has no application block."
                        ),
                    );
                    continue;
                }
                Some(Some(false)) => {
                    diags.error_at(
                        path.clone(),
                        "Application cannot use a grant",
                        format!(
                            "Application {app:?} does not have the client_credentials grant type, \
                             which a machine-to-machine grant needs. Add it to its grant_types \
                             (or make it non_interactive)."
                        ),
                    );
                }
                _ => {}
            }
        }
        check_scopes(diags, api, path, &format!("The grant of {app:?}"), wanted);
    }
}

/// `roles`: each a valid name, with scopes of the API as permissions.
fn validate_roles(
    diags: &mut Diagnostics,
    roles: &Value<BTreeMap<String, StrSet>>,
    api: &ApiScopes,
) {
    let Value::Value(roles) = roles else { return };
    for (role, wanted) in roles {
        let path = AttributePath::new("roles").key(role.clone());
        if let Err(problem) = naming::validate_short_name("The role name", role) {
            diags.error_at(path.clone(), "Invalid role name", problem);
        }
        check_scopes(diags, api, path, &format!("Role {role:?}"), wanted);
    }
}

/// `rotation_trigger` fits in Auth0's client metadata.
fn validate_rotation_trigger(diags: &mut Diagnostics, trigger: &Value<String>) {
    if let Value::Value(trigger) = trigger
        && trigger.len() > MAX_METADATA_VALUE
    {
        diags.error_at(
            attr("rotation_trigger"),
            "rotation_trigger too long",
            format!(
                "rotation_trigger is kept in Auth0's client metadata, which holds at most {MAX_METADATA_VALUE} characters; it has {}.",
                trigger.len()
            ),
        );
    }
}
