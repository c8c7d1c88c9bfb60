//! The model of `ff_auth0_tenant_setup`: its state (the configuration's shape), what a
//! configuration asks for once every value is known, what Auth0 and Vault hold, and the
//! schema Terraform sees.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tfplugin::schema::{Block, BlockNesting, Constraint, Description, NestedBlock, Schema};
use tfplugin::{Type, Value};

use crate::backends::auth0::{Client, ClientGrant, Permission, ResourceServer, Role};
use crate::naming::Names;
use crate::resources::{StateMap, attribute, string_map};

pub(super) const RESOURCE: &str = "ff_auth0_tenant_setup";
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
pub(super) const MAX_TOKEN_LIFETIME: i64 = 2_592_000;
/// Auth0 keeps client metadata values up to this length.
pub(super) const MAX_METADATA_VALUE: usize = 255;

pub(super) type StrList = Value<Vec<Value<String>>>;
pub(super) type StrSet = Value<BTreeSet<Value<String>>>;
pub(super) type SetMap = Value<BTreeMap<String, StrSet>>;

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
pub(super) struct App {
    pub(super) kind: String,
    pub(super) callbacks: Vec<String>,
    pub(super) logout_urls: Vec<String>,
    pub(super) web_origins: Vec<String>,
    pub(super) grant_types: BTreeSet<String>,
}

/// The API as wanted.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Api {
    pub(super) identifier: String,
    pub(super) scopes: BTreeMap<String, String>,
    pub(super) token_lifetime: i64,
}

/// What the configuration asks for, once every value is known.
#[derive(Clone, Debug)]
pub(super) struct Desired {
    pub(super) names: Names,
    pub(super) apps: BTreeMap<String, App>,
    pub(super) api: Option<Api>,
    pub(super) grants: BTreeMap<String, BTreeSet<String>>,
    pub(super) roles: BTreeMap<String, BTreeSet<String>>,
    pub(super) rotation: Option<String>,
}

/// What Auth0 and Vault hold for one deployment.
#[derive(Debug, Default)]
pub(super) struct Observed {
    /// The deployment's clients by application (more than one only after a mishap).
    pub(super) clients: BTreeMap<String, Vec<Client>>,
    pub(super) api: Option<ResourceServer>,
    /// Grants of the deployment's clients to its API.
    pub(super) grants: Vec<ClientGrant>,
    /// The deployment's roles, with their permissions when they were read.
    pub(super) roles: BTreeMap<String, (Role, Option<Vec<Permission>>)>,
    /// Applications whose credentials in Vault match their client.
    pub(super) vault_ok: BTreeSet<String>,
}

impl Observed {
    pub(super) fn anything(&self) -> bool {
        !self.clients.is_empty() || self.api.is_some() || !self.roles.is_empty()
    }
}

/// The Vault record of an application's credentials.
#[derive(Serialize, Deserialize)]
pub(super) struct Credentials {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) domain: String,
    pub(super) audience: String,
}

// ---------------------------------------------------------------------------------------
// Reading the configuration's values
// ---------------------------------------------------------------------------------------

pub(super) fn default_grant_types(kind: &str) -> BTreeSet<String> {
    let names: &[&str] = if kind == "non_interactive" {
        &["client_credentials"]
    } else {
        &["authorization_code", "refresh_token"]
    };
    names.iter().map(|s| s.to_string()).collect()
}

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

pub(super) fn list_of(value: &StrList) -> Option<Vec<String>> {
    match value {
        Value::Value(items) => known_strings(items),
        Value::Null => Some(Vec::new()),
        Value::Unknown => None,
    }
}

pub(super) fn set_of(value: &StrSet) -> Option<BTreeSet<String>> {
    match value {
        Value::Value(items) => known_strings(items).map(|v| v.into_iter().collect()),
        Value::Null => Some(BTreeSet::new()),
        Value::Unknown => None,
    }
}

pub(super) fn set_map_of(value: &SetMap) -> Option<BTreeMap<String, BTreeSet<String>>> {
    match value {
        Value::Value(map) => map
            .iter()
            .map(|(k, v)| set_of(v).map(|s| (k.clone(), s)))
            .collect(),
        Value::Null => Some(BTreeMap::new()),
        Value::Unknown => None,
    }
}

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

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

/// The `application "NAME"` block.
fn application_block() -> Block {
    use Constraint::{Optional, OptionalComputed, Required};
    use Type::String as Str;
    let strings = || Type::list(Str);
    let string_set = || Type::set(Str);
    block_of(
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
    )
}

/// The `api` block.
fn api_block() -> Block {
    use Constraint::{Optional, OptionalComputed, Required};
    use Type::{Number, String as Str};
    block_of(
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
    )
}

/// The top-level attributes.
fn attributes() -> Vec<(&'static str, tfplugin::schema::Attribute)> {
    use Constraint::{Computed, Optional, Required};
    use Type::String as Str;
    vec![
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
    ]
}

/// The resource's schema.
pub fn schema() -> Schema {
    let application = application_block();
    let api = api_block();
    let attributes = attributes();
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
