//! `ff_auth0_tenant_setup`: a deployment's Auth0 applications, its API, the
//! machine-to-machine grants of the applications to the API, and roles with permissions on
//! it — with every application's credentials kept in Vault, never in the state.
//!
//! Every Auth0 object carries the deployment key: applications in their `client_metadata`
//! (`ff_deployment_key`, `ff_application`), the API in its name (`ff-<slug>-api`), roles in
//! their name (`ff-<slug>-<role>`) and description. Objects are found by that mark, so a
//! create adopts what an interrupted apply made, `terraform import ... WM-Prod` rebuilds
//! the whole state from Auth0, and nothing of another deployment is ever touched.
//!
//! Create and update share one idempotent `converge`; a failure midway returns an error
//! with what was made (an update keeps its progress in the state; a create records
//! nothing and the next apply adopts the objects by their mark). Client secrets go
//! straight from Auth0's answer to Vault at `<kv_mount>/<key>/auth0/<application>`
//! (`client_id`, `client_secret`, `domain`, `audience`); a change of `rotation_trigger`
//! rotates every secret (each client remembers in `ff_rotation` the trigger it was rotated
//! for, so a rotation cut short resumes where it stopped).
//!
//! Reads go through the Auth0 client's per-process list snapshots: refreshing a plan of
//! many setups costs one read of each list plus one per role (its permissions).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::Type;
use tfplugin::Value;
use tfplugin::schema::IdentitySchema;
use tfplugin::schema::{Block, BlockNesting, Constraint, Description, NestedBlock, Schema};
use tfplugin::{AttributePath, ClientCapabilities, Diagnostics, Dynamic, Resource};

use crate::backends::auth0::{
    Auth0Client, Client, ClientGrant, Permission, ResourceServer, Role, Secret,
};
use crate::backends::http::BackendError;
use crate::backends::vault::VaultClient;
use crate::context::{Backends, ProviderContext};
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::{
    self, AUTH0_META_APPLICATION, AUTH0_META_KEY, AUTH0_META_MANAGED_BY, AUTH0_META_ROTATION,
    DeploymentKey, MANAGED_BY, Names,
};
use crate::resources::{
    StateMap, apply_backend, attribute, backends, identity_key, key_identity, key_identity_schema,
    plan_backend, string_map,
};

const RESOURCE: &str = "ff_auth0_tenant_setup";
/// Application types Auth0 knows and the resource accepts.
pub const APPLICATION_TYPES: [&str; 4] = ["spa", "regular_web", "native", "non_interactive"];
/// Grant types an application may have.
pub const GRANT_TYPES: [&str; 5] = [
    "authorization_code",
    "implicit",
    "refresh_token",
    "client_credentials",
    "password",
];
/// Auth0's default access-token lifetime for an API, in seconds.
pub const DEFAULT_TOKEN_LIFETIME: i64 = 86_400;
/// The longest access-token lifetime Auth0 accepts (30 days).
const MAX_TOKEN_LIFETIME: i64 = 2_592_000;
/// Auth0 keeps client metadata values up to this length.
const MAX_METADATA_VALUE: usize = 255;

// ---------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------

type StrList = Value<Vec<Value<String>>>;
type StrSet = Value<BTreeSet<Value<String>>>;
type SetMap = Value<BTreeMap<String, StrSet>>;

/// One `application "NAME" { ... }` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicationBlock {
    /// `spa`, `regular_web`, `native` or `non_interactive`.
    #[serde(rename = "type")]
    pub kind: Value<String>,
    /// Allowed callback URLs.
    pub callbacks: StrList,
    /// Allowed logout URLs.
    pub logout_urls: StrList,
    /// Allowed web origins.
    pub web_origins: StrList,
    /// Grant types (default per type).
    pub grant_types: StrSet,
}

/// The `api { ... }` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiBlock {
    /// Identifier (audience).
    pub identifier: Value<String>,
    /// Scope → description.
    pub scopes: Value<StateMap>,
    /// Access-token lifetime in seconds.
    pub token_lifetime: Value<i64>,
}

/// State (and configuration) of `ff_auth0_tenant_setup`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TenantSetupState {
    /// Same as `deployment_key`.
    pub id: Value<String>,
    /// The deployment key.
    pub deployment_key: Value<String>,
    /// Applications by name.
    pub application: Value<BTreeMap<String, Value<ApplicationBlock>>>,
    /// The deployment's API.
    #[serde(with = "crate::resources::optional_block")]
    pub api: Value<ApiBlock>,
    /// Application → scopes of the API it may get tokens for.
    pub grants: SetMap,
    /// Role → permissions (scopes of the API).
    pub roles: SetMap,
    /// Changing it rotates every client secret.
    pub rotation_trigger: Value<String>,
    /// Application → Auth0 client id.
    pub client_ids: Value<StateMap>,
    /// Id of the API's resource server.
    pub api_id: Value<String>,
    /// Role → Auth0 role id.
    pub role_ids: Value<StateMap>,
    /// Application → Vault path of its credentials.
    pub vault_paths: Value<StateMap>,
}

/// An application as wanted, every value known.
#[derive(Clone, Debug, PartialEq)]
struct App {
    kind: String,
    callbacks: Vec<String>,
    logout_urls: Vec<String>,
    web_origins: Vec<String>,
    grant_types: BTreeSet<String>,
}

/// The API as wanted.
#[derive(Clone, Debug, PartialEq)]
struct Api {
    identifier: String,
    scopes: BTreeMap<String, String>,
    token_lifetime: i64,
}

/// What the configuration asks for, once every value is known.
#[derive(Clone, Debug)]
struct Desired {
    names: Names,
    apps: BTreeMap<String, App>,
    api: Option<Api>,
    grants: BTreeMap<String, BTreeSet<String>>,
    roles: BTreeMap<String, BTreeSet<String>>,
    rotation: Option<String>,
}

/// What Auth0 and Vault hold for one deployment.
#[derive(Debug, Default)]
struct Observed {
    /// The deployment's clients by application (more than one only after a mishap).
    clients: BTreeMap<String, Vec<Client>>,
    api: Option<ResourceServer>,
    /// Grants of the deployment's clients to its API.
    grants: Vec<ClientGrant>,
    /// The deployment's roles, with their permissions when they were read.
    roles: BTreeMap<String, (Role, Option<Vec<Permission>>)>,
    /// Applications whose credentials in Vault match their client.
    vault_ok: BTreeSet<String>,
}

impl Observed {
    fn anything(&self) -> bool {
        !self.clients.is_empty() || self.api.is_some() || !self.roles.is_empty()
    }
}

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

/// `ff_auth0_tenant_setup`.
pub struct Auth0TenantSetupResource {
    context: Arc<ProviderContext>,
}

impl std::fmt::Debug for Auth0TenantSetupResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0TenantSetupResource")
            .finish_non_exhaustive()
    }
}

impl Auth0TenantSetupResource {
    /// The resource, sharing the provider's backends.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self { context }
    }
}

fn block_of(description: &str, attributes: Vec<(&str, tfplugin::schema::Attribute)>) -> Block {
    Block {
        description: Description::markdown(description),
        attributes: attributes
            .into_iter()
            .map(|(n, a)| (n.to_string(), a))
            .collect(),
        blocks: Default::default(),
        deprecated: false,
    }
}

/// The resource's schema.
pub fn schema() -> Schema {
    use Constraint::{Computed, Optional, OptionalComputed, Required};
    use Type::{Number, String as Str};
    let strings = || Type::list(Str);
    let string_set = || Type::set(Str);
    let application = block_of(
        "An Auth0 application (client) of the deployment, named `ff-<slug>-<NAME>`; `NAME` is 1 to 32 lower-case letters, digits, `-` and `_`. Its credentials go to Vault at `<kv_mount>/<key>/auth0/<NAME>`.",
        vec![
            (
                "type",
                attribute(
                    Str,
                    Required,
                    "Application type: `spa`, `regular_web`, `native` or `non_interactive` (machine to machine). Changed in place.",
                ),
            ),
            (
                "callbacks",
                attribute(
                    strings(),
                    Optional,
                    "Allowed callback URLs (absolute `http://` or `https://` URLs).",
                ),
            ),
            (
                "logout_urls",
                attribute(strings(), Optional, "Allowed logout URLs."),
            ),
            (
                "web_origins",
                attribute(
                    strings(),
                    Optional,
                    "Allowed web origins (for silent authentication from a browser).",
                ),
            ),
            (
                "grant_types",
                attribute(
                    string_set(),
                    OptionalComputed,
                    "Grant types among `authorization_code`, `implicit`, `refresh_token`, `client_credentials` and `password`. Default: `client_credentials` for `non_interactive`, else `authorization_code` and `refresh_token`. `client_credentials` needs a `regular_web` or `non_interactive` application.",
                ),
            ),
        ],
    );
    let api = block_of(
        "The deployment's API: an Auth0 resource server named `ff-<slug>-api`.",
        vec![
            (
                "identifier",
                attribute(
                    Str,
                    Required,
                    "The API's identifier, the `audience` of its tokens, such as `https://api.wm-prod.example.com`. Auth0 cannot change it: a new identifier replaces the API (and its grants) within this resource.",
                ),
            ),
            (
                "scopes",
                attribute(
                    string_map(),
                    Optional,
                    "Scopes of the API: scope name (no spaces, such as `read:orders`) → description.",
                ),
            ),
            (
                "token_lifetime",
                attribute(
                    Number,
                    OptionalComputed,
                    "Lifetime of the API's access tokens in seconds, 1 to 2592000 (default 86400).",
                ),
            ),
        ],
    );
    let attributes = vec![
        ("id", attribute(Str, Computed, "The deployment key.")),
        (
            "deployment_key",
            attribute(
                Str,
                Required,
                "The deployment key, such as `WM-Prod` (usually `ff_deployment.NAME.key`). Every Auth0 object carries it. Changing it replaces the setup.",
            ),
        ),
        (
            "grants",
            attribute(
                Type::map(Type::set(Str)),
                Optional,
                "Machine-to-machine grants: application name → scopes of `api` it may request with `client_credentials`.",
            ),
        ),
        (
            "roles",
            attribute(
                Type::map(Type::set(Str)),
                Optional,
                "Roles: role name (as application names) → permissions, which are scopes of `api`. A role is named `ff-<slug>-<NAME>` in Auth0.",
            ),
        ),
        (
            "rotation_trigger",
            attribute(
                Str,
                Optional,
                "Any value; changing it rotates every application's client secret and updates Vault (at most 255 characters).",
            ),
        ),
        (
            "client_ids",
            attribute(
                string_map(),
                Computed,
                "Application name → Auth0 client id.",
            ),
        ),
        (
            "api_id",
            attribute(Str, Computed, "Id of the API's Auth0 resource server."),
        ),
        (
            "role_ids",
            attribute(string_map(), Computed, "Role name → Auth0 role id."),
        ),
        (
            "vault_paths",
            attribute(
                string_map(),
                Computed,
                "Application name → Vault path (`<kv_mount>/<key>/auth0/<NAME>`) of its credentials: `client_id`, `client_secret`, `domain`, `audience`.",
            ),
        ),
    ];
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "A deployment's authentication in Auth0: applications, an API, machine-to-machine \
                 grants and roles, every object marked with the deployment key. Client secrets \
                 are written to Vault, never to the state. Import with \
                 `terraform import ff_auth0_tenant_setup.NAME KEY`.",
            ),
            attributes: attributes
                .into_iter()
                .map(|(n, a)| (n.to_string(), a))
                .collect(),
            blocks: [
                (
                    "application".to_string(),
                    NestedBlock::new(BlockNesting::Map, application),
                ),
                ("api".to_string(), NestedBlock::optional(api)),
            ]
            .into_iter()
            .collect(),
            deprecated: false,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Validation and planning helpers
// ---------------------------------------------------------------------------------------

/// The grant types an application gets when its block names none.
fn default_grant_types(kind: &str) -> BTreeSet<String> {
    let names: &[&str] = if kind == "non_interactive" {
        &["client_credentials"]
    } else {
        &["authorization_code", "refresh_token"]
    };
    names.iter().map(|s| s.to_string()).collect()
}

fn app_path(app: &str) -> AttributePath {
    AttributePath::new("application").key(app.to_string())
}

fn api_path(field: &'static str) -> AttributePath {
    AttributePath::new("api").index(0).attribute(field)
}

/// A list or set of strings, `None` while anything in it is unknown.
fn known_strings<'v>(values: impl IntoIterator<Item = &'v Value<String>>) -> Option<Vec<String>> {
    values
        .into_iter()
        .map(|v| match v {
            Value::Value(s) => Some(s.clone()),
            Value::Null => Some(String::new()),
            Value::Unknown => None,
        })
        .collect()
}

fn list_of(value: &StrList) -> Option<Vec<String>> {
    match value {
        Value::Value(items) => known_strings(items),
        Value::Null => Some(Vec::new()),
        Value::Unknown => None,
    }
}

fn set_of(value: &StrSet) -> Option<BTreeSet<String>> {
    match value {
        Value::Value(items) => known_strings(items).map(|v| v.into_iter().collect()),
        Value::Null => Some(BTreeSet::new()),
        Value::Unknown => None,
    }
}

fn set_map_of(value: &SetMap) -> Option<BTreeMap<String, BTreeSet<String>>> {
    match value {
        Value::Value(map) => map
            .iter()
            .map(|(k, v)| set_of(v).map(|s| (k.clone(), s)))
            .collect(),
        Value::Null => Some(BTreeMap::new()),
        Value::Unknown => None,
    }
}

fn is_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && text.len() > "https://".len()
        && !text.chars().any(char::is_whitespace)
}

fn parse_key(diags: &mut Diagnostics, key: &Value<String>) -> Option<DeploymentKey> {
    match key {
        Value::Value(k) => match DeploymentKey::parse(k) {
            Ok(key) => Some(key),
            Err(e) => {
                diags.error_at(
                    attr("deployment_key"),
                    "Invalid deployment key",
                    format!("{e}. Example of a valid key: \"WM-Prod\"."),
                );
                None
            }
        },
        _ => None,
    }
}

/// Check every closed set and reference of the configuration, with attribute paths.
fn validate_config(diags: &mut Diagnostics, config: &TenantSetupState) {
    parse_key(diags, &config.deployment_key);
    let mut client_credentials: BTreeMap<String, Option<bool>> = BTreeMap::new();
    if let Value::Value(apps) = &config.application {
        for (name, block) in apps {
            if let Err(problem) = naming::validate_short_name("The application name", name) {
                diags.error_at(app_path(name), "Invalid application name", problem);
            }
            let Value::Value(block) = block else { continue };
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
            let grant_types = match (&block.grant_types, kind) {
                (Value::Null, Some(kind)) => Some(default_grant_types(kind)),
                (Value::Null, None) => None,
                (value, _) => set_of(value),
            };
            if let Some(grant_types) = &grant_types {
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
            client_credentials.insert(
                name.clone(),
                grant_types.map(|g| g.contains("client_credentials")),
            );
        }
    }
    let mut scopes: Option<BTreeSet<String>> = Some(BTreeSet::new());
    let mut has_api = false;
    if let Value::Value(api) = &config.api {
        has_api = true;
        if let Value::Value(identifier) = &api.identifier
            && identifier.trim().is_empty()
        {
            diags.error_at(
                api_path("identifier"),
                "Empty API identifier",
                "The API identifier must not be empty; use a URL such as https://api.example.com.",
            );
        }
        scopes = match &api.scopes {
            Value::Value(map) => Some(map.keys().cloned().collect()),
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
    }
    let check_scopes = |diags: &mut Diagnostics,
                        path: AttributePath,
                        what: &str,
                        wanted: &StrSet| {
        let Some(wanted) = set_of(wanted) else { return };
        if wanted.is_empty() {
            return;
        }
        if !has_api {
            diags.error_at(
                path,
                "No API to grant scopes of",
                format!("{what} names scopes, but the setup has no api block defining them."),
            );
            return;
        }
        if let Some(scopes) = &scopes {
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
    };
    if let Value::Value(grants) = &config.grants {
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
            check_scopes(diags, path, &format!("The grant of {app:?}"), wanted);
        }
    }
    if let Value::Value(roles) = &config.roles {
        for (role, wanted) in roles {
            let path = AttributePath::new("roles").key(role.clone());
            if let Err(problem) = naming::validate_short_name("The role name", role) {
                diags.error_at(path.clone(), "Invalid role name", problem);
            }
            check_scopes(diags, path, &format!("Role {role:?}"), wanted);
        }
    }
    if let Value::Value(trigger) = &config.rotation_trigger
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

/// The desired setup, when every value it depends on is known.
fn desired_of(state: &TenantSetupState, kv_mount: &str) -> Option<Desired> {
    let key = DeploymentKey::parse(state.deployment_key.as_ref_option()?).ok()?;
    let names = Names::new(&key, kv_mount);
    let mut apps = BTreeMap::new();
    match &state.application {
        Value::Value(blocks) => {
            for (name, block) in blocks {
                let block = block.as_ref_option()?;
                let kind = block.kind.as_ref_option()?.clone();
                let grant_types = match &block.grant_types {
                    Value::Null => default_grant_types(&kind),
                    other => set_of(other)?,
                };
                apps.insert(
                    name.clone(),
                    App {
                        callbacks: list_of(&block.callbacks)?,
                        logout_urls: list_of(&block.logout_urls)?,
                        web_origins: list_of(&block.web_origins)?,
                        grant_types,
                        kind,
                    },
                );
            }
        }
        Value::Null => {}
        Value::Unknown => return None,
    }
    let api = match &state.api {
        Value::Value(api) => Some(Api {
            identifier: api.identifier.as_ref_option()?.clone(),
            scopes: match &api.scopes {
                Value::Value(map) => map
                    .iter()
                    .map(|(k, v)| match v {
                        Value::Unknown => None,
                        v => Some((k.clone(), v.as_ref_option().cloned().unwrap_or_default())),
                    })
                    .collect::<Option<_>>()?,
                Value::Null => BTreeMap::new(),
                Value::Unknown => return None,
            },
            token_lifetime: match api.token_lifetime {
                Value::Value(n) => n,
                Value::Null => DEFAULT_TOKEN_LIFETIME,
                Value::Unknown => return None,
            },
        }),
        Value::Null => None,
        Value::Unknown => return None,
    };
    Some(Desired {
        names,
        apps,
        api,
        grants: set_map_of(&state.grants)?,
        roles: set_map_of(&state.roles)?,
        rotation: match &state.rotation_trigger {
            Value::Value(t) => Some(t.clone()),
            Value::Null => None,
            Value::Unknown => return None,
        },
    })
}

/// Fill in the defaults and everything the plan knows from the configuration.
fn plan_known(state: &mut TenantSetupState, names: &Names) {
    state.id = Value::Value(names.key().to_string());
    if let Value::Value(blocks) = &mut state.application {
        for block in blocks.values_mut() {
            if let Value::Value(block) = block
                && block.grant_types.is_null()
            {
                block.grant_types = match &block.kind {
                    Value::Value(kind) => Value::Value(
                        default_grant_types(kind)
                            .into_iter()
                            .map(Value::Value)
                            .collect(),
                    ),
                    _ => Value::Unknown,
                };
            }
        }
    }
    if let Value::Value(api) = &mut state.api
        && api.token_lifetime.is_null()
    {
        api.token_lifetime = Value::Value(DEFAULT_TOKEN_LIFETIME);
    }
    state.vault_paths = match &state.application {
        Value::Value(blocks) => Value::Value(
            blocks
                .keys()
                .map(|app| (app.clone(), Value::Value(names.auth0_vault_path(app))))
                .collect(),
        ),
        Value::Null => Value::Value(BTreeMap::new()),
        Value::Unknown => Value::Unknown,
    };
}

/// Planned ids of a map of objects: the prior id of each one that stays, unknown for new
/// ones.
fn plan_ids<T>(
    wanted: &Value<BTreeMap<String, T>>,
    prior: Option<&Value<StateMap>>,
) -> Value<StateMap> {
    let Value::Value(wanted) = wanted else {
        return match wanted {
            Value::Null => Value::Value(BTreeMap::new()),
            _ => Value::Unknown,
        };
    };
    let prior = prior.and_then(|p| p.as_ref_option());
    Value::Value(
        wanted
            .keys()
            .map(|name| {
                let id = prior
                    .and_then(|p| p.get(name))
                    .filter(|v| v.is_value())
                    .cloned()
                    .unwrap_or(Value::Unknown);
                (name.clone(), id)
            })
            .collect(),
    )
}

fn plan_computed(state: &mut TenantSetupState, prior: Option<&TenantSetupState>) {
    state.client_ids = plan_ids(&state.application, prior.map(|p| &p.client_ids));
    state.role_ids = plan_ids(&state.roles, prior.map(|p| &p.role_ids));
    state.api_id = match (&state.api, prior) {
        (Value::Null, _) => Value::Null,
        (Value::Value(api), Some(prior))
            if prior.api_id.is_value()
                && api.identifier.is_value()
                && prior.api.as_ref_option().map(|a| &a.identifier) == Some(&api.identifier) =>
        {
            prior.api_id.clone()
        }
        _ => Value::Unknown,
    };
}

fn null_unknowns(state: &mut TenantSetupState) {
    fn fix_map(map: &mut Value<StateMap>) {
        match map {
            Value::Unknown => *map = Value::Value(BTreeMap::new()),
            Value::Value(m) => m.retain(|_, v| v.is_value()),
            Value::Null => {}
        }
    }
    fix_map(&mut state.client_ids);
    fix_map(&mut state.role_ids);
    fix_map(&mut state.vault_paths);
    if state.api_id.is_unknown() {
        state.api_id = Value::Null;
    }
}

// ---------------------------------------------------------------------------------------
// Remote operations
// ---------------------------------------------------------------------------------------

/// A failed step: what was being done, and why it failed.
struct StepError {
    step: String,
    error: Box<BackendError>,
}

trait Step<T> {
    fn step(self, step: impl Into<String>) -> Result<T, StepError>;
}

impl<T> Step<T> for Result<T, BackendError> {
    fn step(self, step: impl Into<String>) -> Result<T, StepError> {
        self.map_err(|error| StepError {
            step: step.into(),
            error: Box::new(error),
        })
    }
}

fn refused(step: impl Into<String>, message: String) -> StepError {
    StepError {
        step: step.into(),
        error: Box::new(BackendError::Config(message)),
    }
}

fn report(diags: &mut Diagnostics, key: &str, failure: &StepError, what: &str) {
    let code = failure
        .error
        .code()
        .map(|code| format!(" (Auth0 error code {code})"))
        .unwrap_or_default();
    diags.error_root(
        format!("Auth0 setup {key}: {} failed", failure.step),
        format!("{}{code}.\n\n{what}", chain(failure.error.as_ref())),
    );
}

/// The Vault record of an application's credentials.
#[derive(Serialize, Deserialize)]
struct Credentials {
    client_id: String,
    client_secret: String,
    domain: String,
    audience: String,
}

fn vault_metadata(names: &Names) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("managed-by".to_string(), MANAGED_BY.to_string()),
        ("kind".to_string(), "auth0-client".to_string()),
        ("deployment-key".to_string(), names.key().to_string()),
    ])
}

/// Everything of the deployment in Auth0 (and, with `vault`, which credentials in Vault
/// are current).
async fn observe(
    auth0: &Auth0Client,
    vault: Option<&VaultClient>,
    names: &Names,
    with_permissions: bool,
) -> Result<Observed, StepError> {
    let owner = names.key().as_str();
    let (clients, servers, grants, roles) = tokio::join!(
        auth0.clients(owner),
        auth0.resource_servers(owner),
        auth0.client_grants(owner),
        auth0.roles(owner),
    );
    let clients = clients.step("reading the Auth0 applications")?;
    let servers = servers.step("reading the Auth0 APIs")?;
    let grants = grants.step("reading the Auth0 client grants")?;
    let roles = roles.step("reading the Auth0 roles")?;

    let mut observed = Observed::default();
    for client in clients.iter() {
        if client.metadata(AUTH0_META_KEY) != Some(owner) {
            continue;
        }
        if let Some(app) = client.metadata(AUTH0_META_APPLICATION) {
            observed
                .clients
                .entry(app.to_string())
                .or_default()
                .push(client.clone());
        }
    }
    observed.api = servers
        .iter()
        .find(|rs| !rs.is_system && rs.name == names.auth0_api())
        .cloned();
    if let Some(api) = &observed.api {
        let ids: BTreeSet<&str> = observed
            .clients
            .values()
            .flatten()
            .map(|c| c.client_id.as_str())
            .collect();
        observed.grants = grants
            .iter()
            .filter(|g| g.audience == api.identifier && ids.contains(g.client_id.as_str()))
            .cloned()
            .collect();
    }
    let marker = names.auth0_role_description();
    for role in roles.iter() {
        if role.description.as_deref() == Some(marker.as_str())
            && let Some(name) = names.auth0_role_of(&role.name)
        {
            observed
                .roles
                .insert(name.to_string(), (role.clone(), None));
        }
    }
    if with_permissions {
        let reads = observed.roles.iter().map(|(name, (role, _))| async move {
            (name.clone(), auth0.role_permissions(&role.id).await)
        });
        for (name, permissions) in futures::future::join_all(reads).await {
            let permissions = permissions.step(format!(
                "reading the permissions of the Auth0 role {name:?}"
            ))?;
            if let Some(entry) = observed.roles.get_mut(&name) {
                entry.1 = Some(permissions);
            }
        }
    }
    if let Some(vault) = vault {
        let audience = observed
            .api
            .as_ref()
            .map(|a| a.identifier.clone())
            .unwrap_or_default();
        let domain = auth0.domain();
        let mount = names.kv_mount();
        let checks = observed.clients.iter().filter_map(|(app, clients)| {
            let client = clients.first()?;
            let path = names.auth0_secret_path(app);
            Some(async move {
                (
                    app.clone(),
                    client.client_id.clone(),
                    vault.kv_read(mount, &path).await,
                )
            })
        });
        for (app, client_id, record) in futures::future::join_all(checks).await {
            let record = record.step(format!(
                "reading the credentials of application {app:?} in Vault"
            ))?;
            let current = record
                .and_then(|r| {
                    serde_json::from_value::<Credentials>(Json::Object(
                        r.data.into_iter().collect(),
                    ))
                    .ok()
                })
                .is_some_and(|c| {
                    c.client_id == client_id
                        && !c.client_secret.is_empty()
                        && c.domain == domain
                        && c.audience == audience
                });
            if current {
                observed.vault_ok.insert(app);
            }
        }
    }
    Ok(observed)
}

/// A list as the state shows it: empty lists keep the prior form (absent or `[]`).
fn list_value(items: &[String], prior: Option<&StrList>) -> StrList {
    if items.is_empty() && !prior.is_some_and(|p| p.is_value()) {
        Value::Null
    } else {
        Value::Value(items.iter().cloned().map(Value::Value).collect())
    }
}

fn set_value<'s>(items: impl IntoIterator<Item = &'s String>) -> StrSet {
    Value::Value(items.into_iter().cloned().map(Value::Value).collect())
}

/// The state that describes what was observed; `prior` supplies the form of empty values.
fn state_of(
    observed: &Observed,
    names: &Names,
    prior: Option<&TenantSetupState>,
) -> TenantSetupState {
    let mut state = TenantSetupState {
        id: Value::Value(names.key().to_string()),
        deployment_key: Value::Value(names.key().to_string()),
        ..Default::default()
    };
    let prior_apps = prior.and_then(|p| p.application.as_ref_option());
    let mut applications = BTreeMap::new();
    let mut client_ids = BTreeMap::new();
    let mut vault_paths = BTreeMap::new();
    let mut rotations: BTreeSet<Option<String>> = BTreeSet::new();
    for (app, clients) in &observed.clients {
        let Some(client) = clients.first() else {
            continue;
        };
        let prior_block = prior_apps
            .and_then(|a| a.get(app))
            .and_then(|b| b.as_ref_option());
        let lists = |items: &Option<Vec<String>>, prior: Option<&StrList>| {
            list_value(items.as_deref().unwrap_or_default(), prior)
        };
        applications.insert(
            app.clone(),
            Value::Value(ApplicationBlock {
                kind: client.app_type.clone().into(),
                callbacks: lists(&client.callbacks, prior_block.map(|b| &b.callbacks)),
                logout_urls: lists(
                    &client.allowed_logout_urls,
                    prior_block.map(|b| &b.logout_urls),
                ),
                web_origins: lists(&client.web_origins, prior_block.map(|b| &b.web_origins)),
                grant_types: set_value(
                    client
                        .grant_types
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .collect::<BTreeSet<_>>(),
                ),
            }),
        );
        client_ids.insert(app.clone(), Value::Value(client.client_id.clone()));
        if observed.vault_ok.contains(app) {
            vault_paths.insert(app.clone(), Value::Value(names.auth0_vault_path(app)));
        }
        rotations.insert(client.metadata(AUTH0_META_ROTATION).map(str::to_string));
    }
    state.application = Value::Value(applications);
    state.client_ids = Value::Value(client_ids);
    state.vault_paths = Value::Value(vault_paths);

    // Every client rotated for the same trigger: that is the trigger. Clients that disagree
    // (a rotation cut short): show one the configuration cannot have, so that the next plan
    // finishes the rotation.
    let prior_trigger = prior.and_then(|p| p.rotation_trigger.as_ref_option().cloned());
    state.rotation_trigger = match rotations.len() {
        0 => prior_trigger.into(),
        1 => rotations.into_iter().next().flatten().into(),
        _ => rotations
            .into_iter()
            .find(|r| *r != prior_trigger)
            .flatten()
            .into(),
    };

    if let Some(api) = &observed.api {
        state.api = Value::Value(ApiBlock {
            identifier: Value::Value(api.identifier.clone()),
            scopes: Value::Value(
                api.scopes
                    .iter()
                    .flatten()
                    .map(|s| {
                        (
                            s.value.clone(),
                            Value::Value(s.description.clone().unwrap_or_default()),
                        )
                    })
                    .collect(),
            ),
            token_lifetime: Value::Value(api.token_lifetime.unwrap_or(DEFAULT_TOKEN_LIFETIME)),
        });
        // An API without scopes shows them absent unless the prior state had `{}`.
        if let Value::Value(block) = &mut state.api
            && block.scopes.as_ref_option().is_some_and(BTreeMap::is_empty)
            && !prior
                .and_then(|p| p.api.as_ref_option())
                .is_some_and(|a| a.scopes.is_value())
        {
            block.scopes = Value::Null;
        }
        state.api_id = Value::Value(api.id.clone());
    }

    let app_of: BTreeMap<&str, &str> = observed
        .clients
        .iter()
        .flat_map(|(app, clients)| {
            clients
                .iter()
                .map(move |c| (c.client_id.as_str(), app.as_str()))
        })
        .collect();
    let mut grants: BTreeMap<String, StrSet> = BTreeMap::new();
    for grant in &observed.grants {
        if let Some(app) = app_of.get(grant.client_id.as_str()) {
            grants.insert(
                app.to_string(),
                set_value(grant.scope.iter().collect::<BTreeSet<_>>()),
            );
        }
    }
    state.grants = if grants.is_empty() && !prior.is_some_and(|p| p.grants.is_value()) {
        Value::Null
    } else {
        Value::Value(grants)
    };

    let identifier = observed.api.as_ref().map(|a| a.identifier.as_str());
    let mut roles: BTreeMap<String, StrSet> = BTreeMap::new();
    let mut role_ids = BTreeMap::new();
    for (name, (role, permissions)) in &observed.roles {
        let scopes: BTreeSet<&String> = permissions
            .iter()
            .flatten()
            .filter(|p| Some(p.resource_server_identifier.as_str()) == identifier)
            .map(|p| &p.permission_name)
            .collect();
        roles.insert(name.clone(), set_value(scopes));
        role_ids.insert(name.clone(), Value::Value(role.id.clone()));
    }
    state.roles = if roles.is_empty() && !prior.is_some_and(|p| p.roles.is_value()) {
        Value::Null
    } else {
        Value::Value(roles)
    };
    state.role_ids = Value::Value(role_ids);
    state
}

fn client_body(names: &Names, name: &str, app: &App, rotation: Option<&str>) -> Json {
    let mut metadata = json!({
        AUTH0_META_KEY: names.key().to_string(),
        AUTH0_META_APPLICATION: name,
        AUTH0_META_MANAGED_BY: MANAGED_BY,
    });
    if let Some(rotation) = rotation {
        metadata[AUTH0_META_ROTATION] = json!(rotation);
    }
    json!({
        "name": names.auth0_application(name),
        "description": names.auth0_application_description(name),
        "app_type": app.kind,
        "callbacks": app.callbacks,
        "allowed_logout_urls": app.logout_urls,
        "web_origins": app.web_origins,
        "grant_types": app.grant_types.iter().collect::<Vec<_>>(),
        "client_metadata": metadata,
    })
}

/// Whether a client already has every setting of the application (rotation aside).
fn client_matches(client: &Client, names: &Names, name: &str, app: &App) -> bool {
    let list = |items: &Option<Vec<String>>| items.clone().unwrap_or_default();
    client.name == names.auth0_application(name)
        && client.app_type.as_deref() == Some(app.kind.as_str())
        && list(&client.callbacks) == app.callbacks
        && list(&client.allowed_logout_urls) == app.logout_urls
        && list(&client.web_origins) == app.web_origins
        && list(&client.grant_types)
            .into_iter()
            .collect::<BTreeSet<_>>()
            == app.grant_types
        && client.metadata(AUTH0_META_MANAGED_BY) == Some(MANAGED_BY)
}

/// The remote side of an apply: the clients and the place to put secrets.
struct Remote<'r> {
    auth0: &'r Auth0Client,
    vault: &'r VaultClient,
}

impl Remote<'_> {
    async fn write_credentials(
        &self,
        names: &Names,
        app: &str,
        client_id: &str,
        secret: &Secret,
        audience: &str,
    ) -> Result<(), StepError> {
        let record = Credentials {
            client_id: client_id.to_string(),
            client_secret: secret.expose().to_string(),
            domain: self.auth0.domain(),
            audience: audience.to_string(),
        };
        let data = match serde_json::to_value(&record) {
            Ok(Json::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        let path = names.auth0_secret_path(app);
        let step = format!("writing the credentials of application {app:?} to Vault");
        self.vault
            .kv_write(names.kv_mount(), &path, &data, None)
            .await
            .step(step.clone())?;
        self.vault
            .kv_write_metadata(names.kv_mount(), &path, &vault_metadata(names))
            .await
            .step(step)?;
        tracing::info!(deployment = %names.key(), application = %app, "wrote the application's credentials to Vault");
        Ok(())
    }

    /// Make Auth0 and Vault match `desired`, recording progress in `state`.
    async fn converge(
        &self,
        desired: &Desired,
        state: &mut TenantSetupState,
    ) -> Result<(), StepError> {
        let names = &desired.names;
        let owner = names.key().as_str();
        let auth0 = self.auth0;
        // Usually ff_deployment has enabled the mount already; a setup used on its own
        // enables it too.
        self.vault
            .ensure_kv2_mount(names.kv_mount())
            .await
            .step(format!(
                "enabling the KV v2 mount {:?} in Vault",
                names.kv_mount()
            ))?;
        let observed = observe(auth0, Some(self.vault), names, true).await?;
        let mut client_ids: StateMap = BTreeMap::new();
        let mut vault_paths: StateMap = BTreeMap::new();
        let mut role_ids: StateMap = BTreeMap::new();
        for (app, clients) in &observed.clients {
            if let Some(c) = clients.first()
                && desired.apps.contains_key(app)
            {
                client_ids.insert(app.clone(), Value::Value(c.client_id.clone()));
                if observed.vault_ok.contains(app) {
                    vault_paths.insert(app.clone(), Value::Value(names.auth0_vault_path(app)));
                }
            }
        }
        state.client_ids = Value::Value(client_ids.clone());
        state.vault_paths = Value::Value(vault_paths.clone());
        state.api_id = observed.api.as_ref().map(|a| a.id.clone()).into();
        for (name, (role, _)) in &observed.roles {
            if desired.roles.contains_key(name) {
                role_ids.insert(name.clone(), Value::Value(role.id.clone()));
            }
        }
        state.role_ids = Value::Value(role_ids.clone());

        // The API first: grants and roles refer to it.
        let api_name = names.auth0_api();
        let mut api_changed = false;
        let api = match (&desired.api, &observed.api) {
            (None, existing) => {
                if let Some(existing) = existing {
                    auth0
                        .delete_resource_server(owner, &existing.id)
                        .await
                        .step(format!("deleting the Auth0 API {api_name:?}"))?;
                }
                state.api_id = Value::Null;
                None
            }
            (Some(wanted), existing) => {
                let existing = match existing {
                    Some(rs) if rs.identifier != wanted.identifier => {
                        // Auth0 cannot change an identifier: replace the API.
                        auth0
                            .delete_resource_server(owner, &rs.id)
                            .await
                            .step(format!(
                                "deleting the Auth0 API {api_name:?} to change its identifier"
                            ))?;
                        state.api_id = Value::Null;
                        api_changed = true;
                        None
                    }
                    other => other.clone(),
                };
                let body = json!({
                    "name": api_name,
                    "scopes": wanted.scopes.iter().map(|(value, description)| json!({"value": value, "description": description})).collect::<Vec<_>>(),
                    "token_lifetime": wanted.token_lifetime,
                });
                let rs = match existing {
                    Some(rs) => {
                        let scopes: BTreeMap<String, String> = rs
                            .scopes
                            .iter()
                            .flatten()
                            .map(|s| (s.value.clone(), s.description.clone().unwrap_or_default()))
                            .collect();
                        if scopes != wanted.scopes
                            || rs.token_lifetime != Some(wanted.token_lifetime)
                        {
                            auth0
                                .update_resource_server(owner, &rs.id, body)
                                .await
                                .step(format!("updating the Auth0 API {api_name:?}"))?;
                        }
                        rs
                    }
                    None => {
                        if let Some(other) =
                            auth0
                                .resource_server(&wanted.identifier)
                                .await
                                .step(format!(
                                    "looking up the API identifier {:?}",
                                    wanted.identifier
                                ))?
                        {
                            return Err(refused(
                                format!("creating the Auth0 API {api_name:?}"),
                                format!(
                                    "the identifier {:?} already belongs to the Auth0 API {:?}, which is not \
                                     this deployment's; choose another identifier, or delete that API",
                                    wanted.identifier, other.name
                                ),
                            ));
                        }
                        let mut create = body;
                        create["identifier"] = json!(wanted.identifier);
                        api_changed = true;
                        auth0
                            .create_resource_server(owner, create)
                            .await
                            .step(format!("creating the Auth0 API {api_name:?}"))?
                    }
                };
                state.api_id = Value::Value(rs.id.clone());
                Some(wanted.identifier.clone())
            }
        };
        let audience = api.clone().unwrap_or_default();
        if api_changed {
            // Every application's record names the audience.
            vault_paths.clear();
            state.vault_paths = Value::Value(vault_paths.clone());
        }

        // Applications, each with its credentials in Vault.
        for (name, app) in &desired.apps {
            let label = format!("{name:?} ({})", names.auth0_application(name));
            let existing = observed.clients.get(name).cloned().unwrap_or_default();
            for extra in existing.iter().skip(1) {
                auth0
                    .delete_client(owner, &extra.client_id)
                    .await
                    .step(format!(
                        "deleting a duplicate of the Auth0 application {label}"
                    ))?;
            }
            let client_id = match existing.first() {
                Some(client) => {
                    let rotate =
                        client.metadata(AUTH0_META_ROTATION) != desired.rotation.as_deref();
                    if rotate {
                        let secret =
                            auth0
                                .rotate_secret(owner, &client.client_id)
                                .await
                                .step(format!(
                                    "rotating the secret of the Auth0 application {label}"
                                ))?;
                        vault_paths.remove(name);
                        state.vault_paths = Value::Value(vault_paths.clone());
                        self.write_credentials(names, name, &client.client_id, &secret, &audience)
                            .await?;
                        tracing::info!(deployment = %owner, application = %name, "rotated the client secret");
                    }
                    if rotate || !client_matches(client, names, name, app) {
                        auth0
                            .update_client(
                                owner,
                                &client.client_id,
                                client_body(names, name, app, desired.rotation.as_deref()),
                            )
                            .await
                            .step(format!("updating the Auth0 application {label}"))?;
                    }
                    if !rotate && !vault_paths.contains_key(name) {
                        let secret = auth0.client_secret(&client.client_id).await.step(format!(
                            "reading the secret of the Auth0 application {label}"
                        ))?;
                        self.write_credentials(names, name, &client.client_id, &secret, &audience)
                            .await?;
                    }
                    client.client_id.clone()
                }
                None => {
                    let created = auth0
                        .create_client(
                            owner,
                            client_body(names, name, app, desired.rotation.as_deref()),
                        )
                        .await
                        .step(format!("creating the Auth0 application {label}"))?;
                    client_ids.insert(name.clone(), Value::Value(created.client.client_id.clone()));
                    state.client_ids = Value::Value(client_ids.clone());
                    self.write_credentials(
                        names,
                        name,
                        &created.client.client_id,
                        &created.secret,
                        &audience,
                    )
                    .await?;
                    tracing::info!(deployment = %owner, application = %name, "created the Auth0 application");
                    created.client.client_id
                }
            };
            client_ids.insert(name.clone(), Value::Value(client_id));
            vault_paths.insert(name.clone(), Value::Value(names.auth0_vault_path(name)));
            state.client_ids = Value::Value(client_ids.clone());
            state.vault_paths = Value::Value(vault_paths.clone());
        }

        // Grants of the applications to the API.
        if let Some(identifier) = &api {
            let existing: BTreeMap<&str, &ClientGrant> = if api_changed {
                BTreeMap::new()
            } else {
                observed
                    .grants
                    .iter()
                    .map(|g| (g.client_id.as_str(), g))
                    .collect()
            };
            for (name, scopes) in &desired.grants {
                let Some(Value::Value(client_id)) = client_ids.get(name) else {
                    continue;
                };
                let scope: Vec<String> = scopes.iter().cloned().collect();
                let step = format!("granting application {name:?} the scopes of the Auth0 API");
                match existing.get(client_id.as_str()) {
                    Some(grant) => {
                        if grant.scope.iter().cloned().collect::<BTreeSet<_>>() != *scopes {
                            auth0
                                .update_client_grant(owner, &grant.id, &scope)
                                .await
                                .step(step)?;
                        }
                    }
                    None => {
                        auth0
                            .create_client_grant(owner, client_id, identifier, &scope)
                            .await
                            .step(step)?;
                    }
                }
            }
            let granted: BTreeSet<&str> = desired
                .grants
                .keys()
                .filter_map(|name| {
                    client_ids
                        .get(name)
                        .and_then(|v| v.as_ref_option())
                        .map(String::as_str)
                })
                .collect();
            for grant in existing
                .values()
                .filter(|g| !granted.contains(g.client_id.as_str()))
            {
                auth0
                    .delete_client_grant(owner, &grant.id)
                    .await
                    .step("removing a grant of the Auth0 API")?;
            }
        }

        // Roles and their permissions on the API.
        let marker = names.auth0_role_description();
        for (name, scopes) in &desired.roles {
            let role_name = names.auth0_role(name);
            let (role_id, current) = match observed.roles.get(name) {
                Some((role, permissions)) => {
                    (role.id.clone(), permissions.clone().unwrap_or_default())
                }
                None => {
                    let role = match auth0.create_role(owner, &role_name, &marker).await {
                        Ok(role) => role,
                        Err(e) if e.status().is_some_and(|s| s.as_u16() == 409) => {
                            return Err(refused(
                                format!("creating the Auth0 role {role_name:?}"),
                                format!(
                                    "Auth0 already has a role named {role_name:?} that does not belong to \
                                     deployment {owner} (its description is not {marker:?}); rename the role \
                                     in the configuration or in Auth0"
                                ),
                            ));
                        }
                        Err(e) => {
                            return Err(e).step(format!("creating the Auth0 role {role_name:?}"));
                        }
                    };
                    (role.id, Vec::new())
                }
            };
            role_ids.insert(name.clone(), Value::Value(role_id.clone()));
            state.role_ids = Value::Value(role_ids.clone());
            let wanted: BTreeSet<Permission> = match &api {
                Some(identifier) => scopes
                    .iter()
                    .map(|s| Permission {
                        resource_server_identifier: identifier.clone(),
                        permission_name: s.clone(),
                    })
                    .collect(),
                None => BTreeSet::new(),
            };
            let on_api: BTreeSet<Permission> = current
                .into_iter()
                .filter(|p| Some(&p.resource_server_identifier) == api.as_ref())
                .collect();
            let add: Vec<Permission> = wanted.difference(&on_api).cloned().collect();
            let remove: Vec<Permission> = on_api.difference(&wanted).cloned().collect();
            let step = format!("setting the permissions of the Auth0 role {role_name:?}");
            auth0
                .remove_role_permissions(owner, &role_id, &remove)
                .await
                .step(step.clone())?;
            auth0
                .add_role_permissions(owner, &role_id, &add)
                .await
                .step(step)?;
        }
        for (name, (role, _)) in observed
            .roles
            .iter()
            .filter(|(n, _)| !desired.roles.contains_key(*n))
        {
            auth0.delete_role(owner, &role.id).await.step(format!(
                "deleting the Auth0 role {:?}",
                names.auth0_role(name)
            ))?;
        }

        // Applications no longer wanted, with their credentials.
        for (name, clients) in observed
            .clients
            .iter()
            .filter(|(n, _)| !desired.apps.contains_key(*n))
        {
            for client in clients {
                auth0
                    .delete_client(owner, &client.client_id)
                    .await
                    .step(format!("deleting the Auth0 application {name:?}"))?;
            }
        }
        self.remove_credentials(names, Some(&desired.apps.keys().cloned().collect()))
            .await?;
        Ok(())
    }

    /// Delete the credentials in Vault of every application not in `keep` (all when `None`).
    async fn remove_credentials(
        &self,
        names: &Names,
        keep: Option<&BTreeSet<String>>,
    ) -> Result<(), StepError> {
        let mount = names.kv_mount();
        let listed = self
            .vault
            .kv_list(mount, &names.auth0_secrets_folder())
            .await
            .step("listing the Auth0 credentials in Vault")?;
        for app in listed.iter().filter(|k| !k.ends_with('/')) {
            if keep.is_some_and(|k| k.contains(app)) {
                continue;
            }
            self.vault
                .kv_delete_all(mount, &names.auth0_secret_path(app))
                .await
                .step(format!(
                    "deleting the credentials of application {app:?} from Vault"
                ))?;
        }
        Ok(())
    }

    /// Delete everything of the deployment in Auth0 and its credentials in Vault.
    async fn remove(&self, names: &Names) -> Result<(), StepError> {
        let owner = names.key().as_str();
        let observed = observe(self.auth0, None, names, false).await?;
        for (name, (role, _)) in &observed.roles {
            self.auth0.delete_role(owner, &role.id).await.step(format!(
                "deleting the Auth0 role {:?}",
                names.auth0_role(name)
            ))?;
        }
        for (name, clients) in &observed.clients {
            for client in clients {
                self.auth0
                    .delete_client(owner, &client.client_id)
                    .await
                    .step(format!("deleting the Auth0 application {name:?}"))?;
            }
        }
        if let Some(api) = &observed.api {
            self.auth0
                .delete_resource_server(owner, &api.id)
                .await
                .step(format!("deleting the Auth0 API {:?}", api.name))?;
        }
        self.remove_credentials(names, None).await
    }
}

// ---------------------------------------------------------------------------------------
// Resource
// ---------------------------------------------------------------------------------------

impl Auth0TenantSetupResource {
    /// The deployment keys the tenant's objects carry in their marks: the applications'
    /// `client_metadata` and the roles' descriptions (what `terraform query` lists).
    pub(crate) async fn marked_keys(
        &self,
        auth0: &Auth0Client,
    ) -> Result<std::collections::BTreeSet<DeploymentKey>, crate::backends::http::BackendError>
    {
        let (clients, roles) = tokio::join!(auth0.clients(""), auth0.roles(""));
        let mut keys = std::collections::BTreeSet::new();
        for client in clients?.iter() {
            if let Some(key) = client.metadata(AUTH0_META_KEY)
                && let Ok(key) = DeploymentKey::parse(key)
            {
                keys.insert(key);
            }
        }
        for role in roles?.iter() {
            let marked = role
                .description
                .as_deref()
                .and_then(Names::key_of_auth0_role_description);
            if let Some(key) = marked
                && Names::new(&key, "").auth0_role_of(&role.name).is_some()
            {
                keys.insert(key);
            }
        }
        Ok(keys)
    }

    /// The Auth0 client and Vault, when both are usable; the diagnostic otherwise. The
    /// client is the provider's one, built when it was configured, so that every setup
    /// shares its token, its list snapshots and its rate-limit gate.
    pub(crate) async fn clients<'b>(
        &self,
        diags: &mut Diagnostics,
        backends: &'b Backends,
    ) -> Option<(Arc<Auth0Client>, &'b VaultClient)> {
        let auth0 = apply_backend(diags, &backends.auth0, "Auth0", RESOURCE);
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE);
        Some((auth0?.clone(), vault?))
    }

    fn key_of(diags: &mut Diagnostics, state: &TenantSetupState) -> Option<DeploymentKey> {
        let key = state
            .deployment_key
            .as_ref_option()
            .and_then(|k| DeploymentKey::parse(k).ok());
        if key.is_none() {
            diags.error_at(
                attr("deployment_key"),
                "Invalid deployment key in the state",
                "The state holds no valid deployment key; remove the resource from the state and import it again.",
            );
        }
        key
    }

    fn plan_backends(&self, diags: &mut Diagnostics) -> Option<Backends> {
        let backends = backends(diags, &self.context)?;
        let auth0 = plan_backend(diags, &backends.auth0, "Auth0", RESOURCE);
        let vault = plan_backend(diags, &backends.vault, "Vault", RESOURCE);
        if auth0.is_err() || vault.is_err() {
            return None;
        }
        Some(backends)
    }

    async fn apply(
        &self,
        diags: &mut Diagnostics,
        prior: Option<&TenantSetupState>,
        planned: TenantSetupState,
    ) -> Option<(TenantSetupState, ())> {
        let backends = backends(diags, &self.context)?;
        let (auth0, vault) = self.clients(diags, &backends).await?;
        let Some(desired) = desired_of(&planned, &backends.kv_mount) else {
            diags.error_root(
                "Auth0 setup configuration is not fully known",
                "Some arguments of ff_auth0_tenant_setup were still unknown at apply time.",
            );
            return None;
        };
        let mut state = planned;
        plan_known(&mut state, &desired.names);
        let remote = Remote {
            auth0: &auth0,
            vault,
        };
        let owner = desired.names.key().as_str();
        let writes_before = auth0.writes_sent(owner);
        let mut convergence = super::Convergence::new();
        let outcome = loop {
            let outcome = remote.converge(&desired, &mut state).await;
            if let Err(failure) = &outcome
                && convergence
                    .again(owner, &failure.step, &failure.error)
                    .await
            {
                continue;
            }
            break outcome;
        };
        null_unknowns(&mut state);
        match outcome {
            Ok(()) => Some((state, ())),
            Err(failure) => {
                let key = desired.names.key().to_string();
                // A write whose answer was lost (a timeout, a dropped connection) may have
                // made an object whose id the state cannot hold: the setup is recorded all
                // the same, so that a destroy or the next apply finds it by its mark.
                let wrote = auth0.writes_sent(owner) != writes_before;
                match prior {
                    None if !made_anything(&state) && !wrote => {
                        report(
                            diags,
                            &key,
                            &failure,
                            &convergence.explain(
                                "Nothing was made, and nothing was recorded in the state. Fix the cause and \
                             apply again.",
                            ),
                        );
                        None
                    }
                    None => {
                        report(
                            diags,
                            &key,
                            &failure,
                            &convergence.explain(
                                "Everything made before this step is recorded in the state, so nothing is \
                             orphaned: Terraform marks the setup tainted, and the next apply replaces it \
                             (deleting what was made, then creating the whole setup) or a destroy removes it.",
                            ),
                        );
                        Some((state, ()))
                    }
                    Some(prior) => {
                        report(
                            diags,
                            &key,
                            &failure,
                            &convergence.explain(
                                "Everything changed before this step is recorded in the state. Fix the cause and \
                             apply again to finish.",
                            ),
                        );
                        // The trigger counts as applied only once every secret was rotated.
                        state.rotation_trigger = prior.rotation_trigger.clone();
                        Some((state, ()))
                    }
                }
            }
        }
    }
}

/// Whether a (failed) create made any Auth0 object: a client, the API or a role has an id.
fn made_anything(state: &TenantSetupState) -> bool {
    let any_id = |ids: &Value<StateMap>| {
        ids.as_ref_option()
            .is_some_and(|m| m.values().any(Value::is_value))
    };
    any_id(&state.client_ids) || state.api_id.is_value() || any_id(&state.role_ids)
}

#[async_trait]
impl Resource for Auth0TenantSetupResource {
    type State = TenantSetupState;
    type Private = ();

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(key_identity_schema("Auth0 setup"))
    }

    fn identity(&self, state: &Self::State) -> Option<Dynamic> {
        key_identity(&state.deployment_key)
    }

    async fn import_identity(
        &self,
        diags: &mut Diagnostics,
        identity: Dynamic,
    ) -> Option<(Self::State, Self::Private)> {
        let key = identity_key(diags, &identity, "ff_auth0_tenant_setup")?;
        Resource::import(self, diags, key).await
    }

    async fn validate(
        &self,
        diags: &mut Diagnostics,
        config: Self::State,
        _client: ClientCapabilities,
    ) {
        validate_config(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let backends = backends(diags, &self.context)?;
        let Some((auth0, vault)) = self.clients(diags, &backends).await else {
            return Some((state, private_state));
        };
        let Some(key) = Self::key_of(diags, &state) else {
            return Some((state, private_state));
        };
        let names = Names::new(&key, &backends.kv_mount);
        match observe(&auth0, Some(vault), &names, true).await {
            Ok(observed) if !observed.anything() => {
                tracing::info!(deployment = %key, "the Auth0 setup no longer exists");
                None
            }
            Ok(observed) => Some((state_of(&observed, &names, Some(&state)), private_state)),
            Err(failure) => {
                report(
                    diags,
                    key.as_str(),
                    &failure,
                    "The state was left as it was.",
                );
                Some((state, private_state))
            }
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        _config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        let backends = self.plan_backends(diags)?;
        let mut state = proposed_state;
        match parse_key(diags, &state.deployment_key) {
            Some(key) => plan_known(&mut state, &Names::new(&key, &backends.kv_mount)),
            None if diags.has_errors() => return None,
            None => {
                state.id = Value::Unknown;
                state.vault_paths = Value::Unknown;
            }
        }
        plan_computed(&mut state, None);
        Some((state, ()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        _config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let backends = self.plan_backends(diags)?;
        let mut state = proposed_state;
        let mut replace = Vec::new();
        if state.deployment_key != prior_state.deployment_key {
            replace.push(attr("deployment_key"));
        }
        match parse_key(diags, &state.deployment_key) {
            Some(key) => plan_known(&mut state, &Names::new(&key, &backends.kv_mount)),
            None if diags.has_errors() => return None,
            None => {
                state.id = Value::Unknown;
                state.vault_paths = Value::Unknown;
            }
        }
        plan_computed(
            &mut state,
            if replace.is_empty() {
                Some(&prior_state)
            } else {
                None
            },
        );
        Some((state, prior_private_state, replace))
    }

    async fn plan_destroy(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<Self::Private> {
        Some(prior_private_state)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State,
        _config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        self.apply(diags, None, planned_state).await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_state: Self::State,
        _config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        match self.apply(diags, Some(&prior_state), planned_state).await {
            Some(done) => Some(done),
            None => Some((prior_state, ())),
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<()> {
        let backends = backends(diags, &self.context)?;
        let (auth0, vault) = self.clients(diags, &backends).await?;
        let key = Self::key_of(diags, &prior_state)?;
        let names = Names::new(&key, &backends.kv_mount);
        let remote = Remote {
            auth0: &auth0,
            vault,
        };
        match remote.remove(&names).await {
            Ok(()) => Some(()),
            Err(failure) => {
                report(
                    diags,
                    key.as_str(),
                    &failure,
                    "Objects deleted before this step stay deleted; run terraform destroy again to finish.",
                );
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let key = match DeploymentKey::parse(id.trim()) {
            Ok(key) => key,
            Err(e) => {
                diags.error_root(
                    "Invalid import id",
                    format!(
                        "Import ff_auth0_tenant_setup by its deployment key, such as WM-Prod: {e}."
                    ),
                );
                return None;
            }
        };
        let backends = backends(diags, &self.context)?;
        let (auth0, vault) = self.clients(diags, &backends).await?;
        let names = Names::new(&key, &backends.kv_mount);
        match observe(&auth0, Some(vault), &names, true).await {
            Ok(observed) if observed.anything() => Some((state_of(&observed, &names, None), ())),
            Ok(_) => {
                diags.error_root(
                    format!("Auth0 setup {key} not found"),
                    format!(
                        "The Auth0 tenant at {} holds no application with client_metadata {AUTH0_META_KEY} = {key:?}, \
                         no API named {:?} and no role of the deployment.",
                        auth0.base_url(),
                        names.auth0_api()
                    ),
                );
                None
            }
            Err(failure) => {
                report(diags, key.as_str(), &failure, "Nothing was imported.");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> StrList {
        Value::Value(items.iter().map(|s| Value::Value(s.to_string())).collect())
    }

    fn config() -> TenantSetupState {
        let mut apps = BTreeMap::new();
        apps.insert(
            "portal".to_string(),
            Value::Value(ApplicationBlock {
                kind: Value::Value("spa".into()),
                callbacks: strings(&["https://portal.example/cb"]),
                ..Default::default()
            }),
        );
        apps.insert(
            "worker".to_string(),
            Value::Value(ApplicationBlock {
                kind: Value::Value("non_interactive".into()),
                ..Default::default()
            }),
        );
        TenantSetupState {
            deployment_key: Value::Value("WM-Prod".into()),
            application: Value::Value(apps),
            api: Value::Value(ApiBlock {
                identifier: Value::Value("https://api.example".into()),
                scopes: Value::Value(BTreeMap::from([(
                    "read:data".to_string(),
                    Value::Value("Read".to_string()),
                )])),
                token_lifetime: Value::Null,
            }),
            grants: Value::Value(BTreeMap::from([(
                "worker".to_string(),
                Value::Value(BTreeSet::from([Value::Value("read:data".to_string())])),
            )])),
            ..Default::default()
        }
    }

    fn error_paths(config: &TenantSetupState) -> Vec<String> {
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, config);
        diags
            .errors()
            .iter()
            .map(|d| d.attribute.clone().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn a_valid_configuration_passes() {
        assert_eq!(error_paths(&config()), Vec::<String>::new());
    }

    #[test]
    fn closed_sets_and_references_are_checked_with_paths() {
        let mut bad = config();
        if let Value::Value(apps) = &mut bad.application {
            if let Some(Value::Value(portal)) = apps.get_mut("portal") {
                portal.kind = Value::Value("tv".into());
                portal.callbacks = strings(&["portal.example/cb"]);
            }
            if let Some(Value::Value(worker)) = apps.get_mut("worker") {
                worker.grant_types =
                    Value::Value(BTreeSet::from([Value::Value("magic".to_string())]));
            }
        }
        bad.grants = Value::Value(BTreeMap::from([
            (
                "worker".to_string(),
                Value::Value(BTreeSet::from([Value::Value("write:data".to_string())])),
            ),
            ("ghost".to_string(), Value::Value(BTreeSet::new())),
        ]));
        bad.roles = Value::Value(BTreeMap::from([(
            "Admin".to_string(),
            Value::Value(BTreeSet::new()),
        )]));
        let paths = error_paths(&bad);
        for expected in [
            "application[\"portal\"].type",
            "application[\"portal\"].callbacks",
            "application[\"worker\"].grant_types",
            "grants[\"ghost\"]",
            "grants[\"worker\"]",
            "roles[\"Admin\"]",
        ] {
            assert!(
                paths.iter().any(|p| p == expected),
                "missing {expected} in {paths:?}"
            );
        }
    }

    #[test]
    fn spa_cannot_use_client_credentials() {
        let mut bad = config();
        bad.grants = Value::Value(BTreeMap::from([(
            "portal".to_string(),
            Value::Value(BTreeSet::from([Value::Value("read:data".to_string())])),
        )]));
        assert_eq!(error_paths(&bad), vec!["grants[\"portal\"]".to_string()]);
    }

    #[test]
    fn plan_fills_defaults_and_paths() {
        let mut state = config();
        let key = DeploymentKey::parse("WM-Prod").unwrap_or_else(|e| panic!("{e}"));
        let names = Names::new(&key, "deployments");
        plan_known(&mut state, &names);
        plan_computed(&mut state, None);
        let desired = desired_of(&state, "deployments").expect("known");
        assert_eq!(
            desired.apps["portal"].grant_types,
            BTreeSet::from([
                "authorization_code".to_string(),
                "refresh_token".to_string()
            ])
        );
        assert_eq!(
            desired.api.as_ref().map(|a| a.token_lifetime),
            Some(DEFAULT_TOKEN_LIFETIME)
        );
        assert_eq!(
            state
                .vault_paths
                .as_ref_option()
                .and_then(|m| m.get("worker"))
                .cloned(),
            Some(Value::Value("deployments/WM-Prod/auth0/worker".to_string()))
        );
        assert!(matches!(
            state
                .client_ids
                .as_ref_option()
                .and_then(|m| m.get("portal")),
            Some(Value::Unknown)
        ));
        assert!(state.api_id.is_unknown());
    }

    #[test]
    fn observed_state_round_trips_the_configuration() {
        let key = DeploymentKey::parse("WM-Prod").unwrap_or_else(|e| panic!("{e}"));
        let names = Names::new(&key, "deployments");
        let mut planned = config();
        plan_known(&mut planned, &names);
        let desired = desired_of(&planned, "deployments").expect("known");
        let mut observed = Observed::default();
        for (i, (name, app)) in desired.apps.iter().enumerate() {
            let mut body = client_body(&names, name, app, None);
            body["client_id"] = json!(format!("id{i}"));
            let client: Client = serde_json::from_value(body).unwrap_or_default();
            assert!(client_matches(&client, &names, name, app));
            observed.clients.insert(name.clone(), vec![client]);
        }
        observed.api = Some(ResourceServer {
            id: "rs1".into(),
            name: names.auth0_api(),
            identifier: "https://api.example".into(),
            scopes: Some(vec![crate::backends::auth0::Scope {
                value: "read:data".into(),
                description: Some("Read".into()),
            }]),
            token_lifetime: Some(DEFAULT_TOKEN_LIFETIME),
            is_system: false,
        });
        observed.grants = vec![ClientGrant {
            id: "g1".into(),
            client_id: "id1".into(),
            audience: "https://api.example".into(),
            scope: vec!["read:data".into()],
        }];
        let state = state_of(&observed, &names, None);
        assert_eq!(state.application, planned.application);
        assert_eq!(state.api, planned.api);
        assert_eq!(state.grants, planned.grants);
        assert_eq!(state.roles, Value::Null);
    }
}
