//! `ff_deployment`: phase 1 of a deployment in Vault and Grafana, and the naming authority.
//!
//! In Vault: the KV v2 path `<kv_mount>/<key>` (the mount is enabled if missing), a record of
//! the deployment at `<key>/deployment`, a read policy, and `generated_secrets` whose values
//! are drawn from the operating system's CSPRNG and written with `cas=0` so an existing
//! secret is never overwritten. In Grafana: a folder, a team with edit rights on it, a
//! service account and a token whose key goes to Vault at `<key>/grafana`, and optionally a
//! data source. The state holds names, ids and versions, never a secret value.
//!
//! Create and update share one idempotent `converge`: each object is looked up by its
//! derived name and adopted, created or corrected, and the state is filled in as it goes, so
//! a failure midway returns an error together with everything that was made. `read`
//! observes every object so that drift shows in the next plan. Destroy honours
//! `deletion_protection`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::Type;
use tfplugin::Value;
use tfplugin::schema::IdentitySchema;
use tfplugin::schema::{Block, Constraint, Description, NestedBlock, Schema};
use tfplugin::{AttributePath, ClientCapabilities, Diagnostics, Dynamic, Resource};

use crate::backends::grafana::{DataSource, Folder, GrafanaClient, ServiceAccount, Team};
use crate::backends::http::BackendError;
use crate::backends::vault::{CasWrite, KvMetadata, VaultClient};
use crate::context::ProviderContext;
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::{self, DeploymentKey, MANAGED_BY, Names};
use crate::resources::lifecycle::{
    self, Converged, Step, StepError, converge_with_retry, null_if_unknown,
};
use crate::resources::{
    StateMap, apply_backend, attribute, backends, from_state_map, identity_key, key_identity,
    key_identity_schema, optional_block, plan_backend, string_map, string_set, to_state_map,
};

const RESOURCE: &str = "ff_deployment";
/// Length of a generated secret (alphanumeric: about 238 bits).
const SECRET_LENGTH: usize = 40;
/// Grafana permission level the deployment's team gets on its folder (2 = edit).
const TEAM_FOLDER_PERMISSION: i64 = 2;
/// Organisation role of the deployment's service account.
const SERVICE_ACCOUNT_ROLE: &str = "Viewer";
/// Custom metadata marking a secret the provider generated.
const META_MANAGED_BY: &str = "managed-by";
const META_KIND: &str = "kind";
const META_KEY: &str = "deployment-key";

// ---------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------

/// The optional Grafana data source block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasourceBlock {
    /// Data source name.
    pub name: Value<String>,
    /// Plugin type.
    #[serde(rename = "type")]
    pub kind: Value<String>,
    /// URL.
    pub url: Value<String>,
}

/// State (and configuration) of `ff_deployment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentState {
    /// Same as `key`.
    pub id: Value<String>,
    /// The deployment key.
    pub key: Value<String>,
    /// Human-readable name.
    pub display_name: Value<String>,
    /// `aws` or `azure`.
    pub cloud: Value<String>,
    /// Cloud region.
    pub region: Value<String>,
    /// User labels.
    pub labels: Value<StateMap>,
    /// Names of the secrets generated in Vault.
    pub generated_secrets: Value<BTreeSet<Value<String>>>,
    /// Whether destroy is refused.
    pub deletion_protection: Value<bool>,
    /// Optional Grafana data source.
    #[serde(with = "optional_block")]
    pub grafana_datasource: Value<DatasourceBlock>,
    /// Lower-case slug of the key.
    pub slug: Value<String>,
    /// Every derived name.
    pub names: Value<StateMap>,
    /// Tags for the cloud resources.
    pub tags: Value<StateMap>,
    /// `<kv_mount>/<key>`.
    pub vault_path: Value<String>,
    /// Name of the read policy.
    pub vault_policy: Value<String>,
    /// Text of the read policy as Vault holds it.
    pub vault_policy_hcl: Value<String>,
    /// Version of each generated secret.
    pub secret_versions: Value<BTreeMap<String, Value<i64>>>,
    /// Grafana folder uid.
    pub grafana_folder_uid: Value<String>,
    /// Grafana folder id.
    pub grafana_folder_id: Value<i64>,
    /// Grafana folder title as Grafana holds it.
    pub grafana_folder_title: Value<String>,
    /// Grafana team id.
    pub grafana_team_id: Value<i64>,
    /// Grafana service account id.
    pub grafana_service_account_id: Value<i64>,
    /// Id of the service-account token whose key is in Vault.
    pub grafana_token_id: Value<i64>,
    /// Where in Vault the token is kept.
    pub grafana_token_vault_path: Value<String>,
    /// Secrets the user gives, by name (write-only: never in the plan or the state).
    #[serde(default)]
    pub given_secrets_wo: Value<BTreeMap<String, Value<String>>>,
    /// Bumped to write the given secrets again.
    #[serde(default)]
    pub given_secrets_wo_version: Value<i64>,
    /// Version in Vault of each given secret.
    #[serde(default)]
    pub given_secret_versions: Value<BTreeMap<String, Value<i64>>>,
}

/// What the configuration asks for, once every value is known.
#[derive(Clone, Debug)]
struct Desired {
    names: Names,
    display_name: String,
    cloud: Option<String>,
    region: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    secrets: Option<BTreeSet<String>>,
    deletion_protection: bool,
    datasource: Option<Datasource>,
    /// The given secrets: their values (from the configuration: write-only) and version.
    given: Option<Given>,
}

/// The secrets the user gives, as the apply sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Given {
    values: BTreeMap<String, String>,
    version: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Datasource {
    name: String,
    kind: String,
    url: String,
}

/// The non-secret record of a deployment, kept in Vault at `<key>/deployment`: the source
/// of `terraform import`, and where applications find the deployment's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Record {
    key: String,
    display_name: String,
    #[serde(default)]
    cloud: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    generated_secrets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    given_secrets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    given_secrets_version: Option<i64>,
    #[serde(default = "default_true")]
    deletion_protection: bool,
    #[serde(default)]
    managed_by: String,
}

fn default_true() -> bool {
    true
}

impl Record {
    fn of(desired: &Desired) -> Self {
        Self {
            key: desired.names.key().to_string(),
            display_name: desired.display_name.clone(),
            cloud: desired.cloud.clone(),
            region: desired.region.clone(),
            labels: desired.labels.clone(),
            generated_secrets: desired
                .secrets
                .as_ref()
                .map(|s| s.iter().cloned().collect()),
            given_secrets: desired
                .given
                .as_ref()
                .map(|g| g.values.keys().cloned().collect()),
            given_secrets_version: desired.given.as_ref().and_then(|g| g.version),
            deletion_protection: desired.deletion_protection,
            managed_by: MANAGED_BY.to_string(),
        }
    }

    fn to_data(&self) -> BTreeMap<String, Json> {
        match serde_json::to_value(self) {
            Ok(Json::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        }
    }

    fn from_data(data: &BTreeMap<String, Json>) -> Option<Self> {
        serde_json::from_value(Json::Object(data.clone().into_iter().collect())).ok()
    }
}

/// What exists remotely for one deployment.
#[derive(Debug, Default)]
struct Observed {
    record: Option<Record>,
    policy: Option<String>,
    secrets: BTreeMap<String, u64>,
    given: BTreeMap<String, u64>,
    folder: Option<Folder>,
    team: Option<Team>,
    account: Option<ServiceAccount>,
    token_id: Option<i64>,
    datasource: Option<DataSource>,
}

impl Observed {
    fn anything(&self) -> bool {
        self.record.is_some()
            || self.policy.is_some()
            || !self.secrets.is_empty()
            || !self.given.is_empty()
            || self.folder.is_some()
            || self.team.is_some()
            || self.account.is_some()
            || self.datasource.is_some()
    }
}

/// The Grafana token as kept in Vault (the key itself is never put in the state).
#[derive(Serialize, Deserialize)]
struct TokenRecord {
    token: String,
    token_id: i64,
    service_account_id: i64,
    url: String,
}

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

/// `ff_deployment`.
#[derive(Debug)]
pub struct DeploymentResource {
    context: Arc<ProviderContext>,
}

impl DeploymentResource {
    /// The resource, sharing the provider's backends.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self { context }
    }
}

/// The resource's schema.
pub fn schema() -> Schema {
    use Constraint::{Computed, Optional, OptionalComputed, Required};
    use Type::{Bool, Number, String as Str};
    let attributes = [
        ("id", attribute(Str, Computed, "The deployment key.")),
        (
            "key",
            attribute(
                Str,
                Required,
                "The deployment key, such as `WM-Prod`: 2 to 32 letters, digits and single hyphens, starting with a letter. Every name of the deployment derives from it. Changing it replaces the deployment.",
            ),
        ),
        (
            "display_name",
            attribute(
                Str,
                OptionalComputed,
                "Human-readable name of the deployment; the Grafana folder's title. Defaults to the key.",
            ),
        ),
        (
            "cloud",
            attribute(
                Str,
                Required,
                "Cloud the deployment runs in: `aws` or `azure`.",
            ),
        ),
        (
            "region",
            attribute(
                Str,
                Optional,
                "Cloud region of the deployment, such as `eu-west-1` or `westeurope`.",
            ),
        ),
        (
            "labels",
            attribute(
                string_map(),
                Optional,
                "Labels added to the deployment's tags and Kubernetes labels. Keys are lower-case letters, digits, `-`, `_` and `.`; values fit a Kubernetes label value.",
            ),
        ),
        (
            "generated_secrets",
            attribute(
                string_set(),
                Optional,
                "Names of secrets the provider generates in Vault at `<vault_path>/<name>` (key `value`, 40 random characters from the operating system's CSPRNG). An existing secret is never overwritten. Their values never enter the Terraform state.",
            ),
        ),
        (
            "deletion_protection",
            attribute(
                Bool,
                OptionalComputed,
                "While `true` (the default), destroying the deployment fails (at plan with Terraform 1.3 and newer, at apply before), and so does changing its `key` (which replaces it). A deployment Terraform replaces because its creation failed midway (it is tainted) is not deleted while protected: its objects are kept and adopted by the create that follows.",
            ),
        ),
        (
            "slug",
            attribute(
                Str,
                Computed,
                "The key in lower case: a DNS-1123 label used in most derived names.",
            ),
        ),
        (
            "names",
            attribute(
                string_map(),
                Computed,
                "Every name derived from the key: `slug`, `vault_path`, `vault_policy`, `grafana_folder_uid`, `grafana_team`, `grafana_service_account`, `grafana_datasource_uid`, `auth0_api`, `auth0_application_prefix`, `k8s_namespace`, `vault_kubernetes_auth_mount`, `cluster`, `resource_group`, `vnet`, `workspace`, `repository`, and the cluster modules' `vpc`, `cluster_iam_role`, `node_group`, `jumpbox`, `kms_alias`, `managed_identity`, `route_table`, `nat_gateway`.",
            ),
        ),
        (
            "tags",
            attribute(
                string_map(),
                Computed,
                "Tags for AWS `default_tags` or Azure `tags`: `ff:deployment-key`, `ff:managed-by`, `ff:cloud` and the labels.",
            ),
        ),
        (
            "vault_path",
            attribute(
                Str,
                Computed,
                "The deployment's Vault path, `<kv_mount>/<key>`.",
            ),
        ),
        (
            "vault_policy",
            attribute(
                Str,
                Computed,
                "Name of the Vault ACL policy granting read access to the deployment's secrets.",
            ),
        ),
        (
            "vault_policy_hcl",
            attribute(Str, Computed, "Text of that policy as Vault holds it."),
        ),
        (
            "secret_versions",
            attribute(
                Type::map(Number),
                Computed,
                "Current version of each generated secret.",
            ),
        ),
        (
            "grafana_folder_uid",
            attribute(Str, Computed, "Uid of the deployment's Grafana folder."),
        ),
        (
            "grafana_folder_id",
            attribute(Number, Computed, "Numeric id of the Grafana folder."),
        ),
        (
            "grafana_folder_title",
            attribute(
                Str,
                Computed,
                "Title of the Grafana folder as Grafana holds it.",
            ),
        ),
        (
            "grafana_team_id",
            attribute(
                Number,
                Computed,
                "Id of the deployment's Grafana team, which can edit the folder.",
            ),
        ),
        (
            "grafana_service_account_id",
            attribute(
                Number,
                Computed,
                "Id of the deployment's Grafana service account.",
            ),
        ),
        (
            "grafana_token_id",
            attribute(
                Number,
                Computed,
                "Id of the service-account token whose key is kept in Vault.",
            ),
        ),
        (
            "grafana_token_vault_path",
            attribute(
                Str,
                Computed,
                "Vault path holding the Grafana token (`token`, `token_id`, `service_account_id`, `url`).",
            ),
        ),
        (
            "given_secrets_wo",
            attribute(
                Type::map(Str),
                Optional,
                "Secrets you give (not generated), by name: each is written to Vault at `<vault_path>/<name>` (key `value`). Write-only: the values never enter the plan or the state, which keep the names and versions only (`given_secret_versions`). They are written when first given and again when `given_secrets_wo_version` changes, not when only a value changes. Needs Terraform 1.11 or later; older versions refuse it at validation.",
            )
            .write_only(),
        ),
        (
            "given_secrets_wo_version",
            attribute(
                Number,
                Optional,
                "Bump it to write the given secrets to Vault again (after changing a value).",
            ),
        ),
        (
            "given_secret_versions",
            attribute(
                Type::map(Number),
                Computed,
                "Version in Vault of each given secret; a secret deleted from Vault is written again from the configuration at the next apply.",
            ),
        ),
    ];
    let datasource = Block {
        description: Description::markdown(
            "A Grafana data source for the deployment, with uid `ff-<slug>-ds`.",
        ),
        attributes: [
            (
                "name",
                attribute(
                    Str,
                    OptionalComputed,
                    "Data source name; defaults to `ff-<slug>-<type>`.",
                ),
            ),
            (
                "type",
                attribute(
                    Str,
                    Required,
                    "Data source plugin type, such as `prometheus` or `loki`.",
                ),
            ),
            ("url", attribute(Str, Required, "URL of the data source.")),
        ]
        .into_iter()
        .map(|(n, a)| (n.to_string(), a))
        .collect(),
        blocks: Default::default(),
        deprecated: false,
    };
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "A customer deployment in Vault and Grafana, keyed by its deployment key, and the \
                 authority for every name derived from the key. Secrets are generated inside Vault \
                 and never enter the state. Import with `terraform import ff_deployment.NAME KEY`.",
            ),
            attributes: attributes
                .into_iter()
                .map(|(n, a)| (n.to_string(), a))
                .collect(),
            blocks: [(
                "grafana_datasource".to_string(),
                NestedBlock::optional(datasource),
            )]
            .into_iter()
            .collect(),
            deprecated: false,
        },
    }
}

/// What a deployment's record in Vault says of its cloud and labels (what `terraform query`
/// filters on); `None` when there is no record (a deployment made by hand).
pub(crate) async fn recorded_cloud_and_labels(
    vault: &VaultClient,
    names: &Names,
) -> Result<Option<(Option<String>, BTreeMap<String, String>)>, BackendError> {
    let record = vault
        .kv_read(names.kv_mount(), &names.record_path())
        .await?;
    Ok(record
        .and_then(|s| Record::from_data(&s.data))
        .map(|r| (r.cloud, r.labels.unwrap_or_default())))
}

// ---------------------------------------------------------------------------------------
// Validation and planning helpers
// ---------------------------------------------------------------------------------------

fn parse_key(diags: &mut Diagnostics, key: &Value<String>) -> Option<DeploymentKey> {
    lifecycle::parse_key(diags, key, "key")
}

fn validate_state(diags: &mut Diagnostics, config: &DeploymentState) {
    parse_key(diags, &config.key);
    if let Value::Value(cloud) = &config.cloud
        && cloud != "aws"
        && cloud != "azure"
    {
        diags.error_at(
            attr("cloud"),
            "Invalid cloud",
            format!("cloud must be \"aws\" or \"azure\"; it is {cloud:?}."),
        );
    }
    if let Value::Value(region) = &config.region
        && !(region.len() <= 64
            && region.starts_with(|c: char| c.is_ascii_lowercase())
            && region.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        diags.error_at(
            attr("region"),
            "Invalid region",
            format!(
                "region must be a cloud region name such as \"eu-west-1\" (AWS) or \"westeurope\" (Azure); it is {region:?}."
            ),
        );
    }
    if let Value::Value(name) = &config.display_name
        && name.trim().is_empty()
    {
        diags.error_at(
            attr("display_name"),
            "Empty display name",
            "display_name must not be empty; remove it to use the key.",
        );
    }
    if let Value::Value(labels) = &config.labels {
        for (k, v) in labels {
            let value = match v {
                Value::Value(v) => v.as_str(),
                Value::Null => "",
                Value::Unknown => continue,
            };
            if let Err(problem) = naming::validate_label(k, value) {
                diags.error_at(
                    AttributePath::new("labels").key(k.clone()),
                    "Invalid label",
                    problem,
                );
            }
        }
    }
    if let Value::Value(secrets) = &config.generated_secrets {
        for name in secrets.iter().filter_map(|s| s.as_ref_option()) {
            if let Err(problem) = naming::validate_secret_name(name) {
                diags.error_at(attr("generated_secrets"), "Invalid secret name", problem);
            }
        }
    }
    if let Value::Value(given) = &config.given_secrets_wo {
        let generated: BTreeSet<&String> = config
            .generated_secrets
            .as_ref_option()
            .map(|s| s.iter().filter_map(|v| v.as_ref_option()).collect())
            .unwrap_or_default();
        for name in given.keys() {
            // The path names the secret, never its value.
            let at = AttributePath::new("given_secrets_wo").key(name.clone());
            if let Err(problem) = naming::validate_secret_name(name) {
                diags.error_at(at.clone(), "Invalid secret name", problem);
            }
            if generated.contains(name) {
                diags.error_at(
                    at,
                    "Secret both given and generated",
                    format!(
                        "{name:?} is in generated_secrets too: a secret is either generated by the \
                         provider or given by you. Remove it from one of them."
                    ),
                );
            }
        }
    }
    if let Value::Value(version) = config.given_secrets_wo_version
        && version < 0
    {
        diags.error_at(
            attr("given_secrets_wo_version"),
            "Invalid given secrets version",
            format!("given_secrets_wo_version is {version}; use 1, then bump it to write the given secrets again."),
        );
    }
    if let Value::Value(ds) = &config.grafana_datasource {
        if let Value::Value(url) = &ds.url
            && url::Url::parse(url).is_err()
        {
            diags.error_at(
                AttributePath::new("grafana_datasource")
                    .index(0)
                    .attribute("url"),
                "Invalid data source URL",
                format!("{url:?} is not a URL."),
            );
        }
        if let Value::Value(kind) = &ds.kind
            && kind.trim().is_empty()
        {
            diags.error_at(
                AttributePath::new("grafana_datasource")
                    .index(0)
                    .attribute("type"),
                "Empty data source type",
                "type must name a Grafana data source plugin, such as \"prometheus\".",
            );
        }
    }
}

fn known_string(v: &Value<String>) -> Option<Option<String>> {
    match v {
        Value::Value(s) => Some(Some(s.clone())),
        Value::Null => Some(None),
        Value::Unknown => None,
    }
}

/// The desired deployment, when every value it depends on is known.
fn desired_of(state: &DeploymentState, kv_mount: &str) -> Option<Desired> {
    let key = DeploymentKey::parse(state.key.as_ref_option()?).ok()?;
    let names = Names::new(&key, kv_mount);
    let display_name = known_string(&state.display_name)?.unwrap_or_else(|| key.to_string());
    let labels = match &state.labels {
        Value::Value(m) => Some(from_state_map(m)?),
        Value::Null => None,
        Value::Unknown => return None,
    };
    let secrets = match &state.generated_secrets {
        Value::Value(s) => Some(
            s.iter()
                .map(|v| v.as_ref_option().cloned())
                .collect::<Option<BTreeSet<String>>>()?,
        ),
        Value::Null => None,
        Value::Unknown => return None,
    };
    let datasource = match &state.grafana_datasource {
        Value::Value(ds) => {
            let kind = ds.kind.as_ref_option()?.clone();
            Some(Datasource {
                name: known_string(&ds.name)?
                    .unwrap_or_else(|| default_datasource_name(&names, &kind)),
                url: ds.url.as_ref_option()?.clone(),
                kind,
            })
        }
        Value::Null => None,
        Value::Unknown => return None,
    };
    Some(Desired {
        display_name,
        cloud: known_string(&state.cloud)?,
        region: known_string(&state.region)?,
        labels,
        secrets,
        deletion_protection: match state.deletion_protection {
            Value::Value(b) => b,
            Value::Null => true,
            Value::Unknown => return None,
        },
        datasource,
        names,
        given: None,
    })
}

/// The given secrets' values in a configuration: `None` when it gives none, or when a value is
/// not known.
fn given_values(config: &DeploymentState) -> Option<BTreeMap<String, String>> {
    config
        .given_secrets_wo
        .as_ref_option()?
        .iter()
        .map(|(name, value)| Some((name.clone(), value.as_ref_option()?.clone())))
        .collect()
}

/// Planned `given_secret_versions`: null without given secrets; the prior versions while the
/// names are the same and the version is not bumped; else unknown (they will be written).
fn plan_given_versions(
    state: &mut DeploymentState,
    prior: Option<&DeploymentState>,
    config: &DeploymentState,
) {
    let names: Option<BTreeSet<String>> = match &config.given_secrets_wo {
        Value::Value(map) => Some(map.keys().cloned().collect()),
        Value::Null => {
            state.given_secret_versions = Value::Null;
            return;
        }
        Value::Unknown => None,
    };
    let kept = prior.and_then(|p| {
        let versions = p.given_secret_versions.as_ref_option()?;
        let same_names = names.as_ref()? == &versions.keys().cloned().collect::<BTreeSet<_>>();
        let same_version = p.given_secrets_wo_version == state.given_secrets_wo_version;
        (same_names && same_version && versions.values().all(Value::is_value))
            .then(|| versions.clone())
    });
    state.given_secret_versions = match kept {
        Some(versions) => Value::Value(versions),
        None => Value::Unknown,
    };
}

fn default_datasource_name(names: &Names, kind: &str) -> String {
    format!(
        "{}-{}",
        names.grafana_datasource_uid().trim_end_matches("-ds"),
        kind
    )
}

/// Fill in everything the plan can know from the configuration and the names.
fn plan_known(state: &mut DeploymentState, key: &DeploymentKey, kv_mount: &str) {
    let names = Names::new(key, kv_mount);
    state.id = Value::Value(key.to_string());
    state.slug = Value::Value(names.slug().to_string());
    state.names = Value::Value(to_state_map(&names.all()));
    state.vault_path = Value::Value(names.vault_path());
    state.vault_policy = Value::Value(names.vault_policy());
    state.vault_policy_hcl = Value::Value(names.vault_policy_hcl());
    state.grafana_folder_uid = Value::Value(names.grafana_folder_uid());
    state.grafana_token_vault_path = Value::Value(format!(
        "{}/{}",
        names.kv_mount(),
        names.grafana_token_path()
    ));
    if state.display_name.is_null() {
        state.display_name = Value::Value(key.to_string());
    }
    if state.deletion_protection.is_null() {
        state.deletion_protection = Value::Value(true);
    }
    state.grafana_folder_title = state.display_name.clone();
    if let Value::Value(ds) = &mut state.grafana_datasource
        && ds.name.is_null()
    {
        ds.name = match &ds.kind {
            Value::Value(kind) => Value::Value(default_datasource_name(&names, kind)),
            _ => Value::Unknown,
        };
    }
    state.tags = match (&state.cloud, &state.labels) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        (cloud, labels) => match labels {
            Value::Value(m) => match from_state_map(m) {
                Some(m) => Value::Value(to_state_map(
                    &names.tags(cloud.as_ref_option().map(String::as_str), &m),
                )),
                None => Value::Unknown,
            },
            _ => Value::Value(to_state_map(
                &names.tags(cloud.as_ref_option().map(String::as_str), &BTreeMap::new()),
            )),
        },
    };
}

/// Planned `secret_versions`: the prior versions while every wanted secret has one, else
/// unknown (a secret will be written).
fn plan_secret_versions(state: &mut DeploymentState, prior: Option<&DeploymentState>) {
    let wanted: Option<BTreeSet<String>> = match &state.generated_secrets {
        Value::Value(s) => s.iter().map(|v| v.as_ref_option().cloned()).collect(),
        Value::Null => Some(BTreeSet::new()),
        Value::Unknown => None,
    };
    let prior_versions = prior.and_then(|p| p.secret_versions.as_ref_option());
    state.secret_versions = match (wanted, prior_versions) {
        (Some(wanted), _) if wanted.is_empty() => Value::Value(BTreeMap::new()),
        (Some(wanted), Some(prior))
            if wanted
                .iter()
                .all(|n| prior.get(n).is_some_and(Value::is_value)) =>
        {
            Value::Value(
                prior
                    .iter()
                    .filter(|(n, _)| wanted.contains(*n))
                    .map(|(n, v)| (n.clone(), *v))
                    .collect(),
            )
        }
        _ => Value::Unknown,
    };
}

fn keep_or_unknown<T: Clone>(prior: Option<&Value<T>>) -> Value<T> {
    match prior {
        Some(Value::Value(v)) => Value::Value(v.clone()),
        _ => Value::Unknown,
    }
}

fn null_unknowns(state: &mut DeploymentState) {
    null_if_unknown(&mut state.tags);
    null_if_unknown(&mut state.secret_versions);
    null_if_unknown(&mut state.given_secret_versions);
    null_if_unknown(&mut state.grafana_folder_id);
    null_if_unknown(&mut state.grafana_folder_title);
    null_if_unknown(&mut state.grafana_team_id);
    null_if_unknown(&mut state.grafana_service_account_id);
    null_if_unknown(&mut state.grafana_token_id);
    null_if_unknown(&mut state.vault_policy_hcl);
}

// ---------------------------------------------------------------------------------------
// Remote operations
// ---------------------------------------------------------------------------------------

/// The diagnostic of a failed step of the deployment `key`.
fn report(diags: &mut Diagnostics, key: &str, failure: &StepError, what: &str) {
    lifecycle::report(diags, &format!("Deployment {key}"), failure, what);
}

fn random_secret() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(SECRET_LENGTH)
        .map(char::from)
        .collect()
}

fn managed_metadata(names: &Names, kind: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (META_MANAGED_BY.to_string(), MANAGED_BY.to_string()),
        (META_KIND.to_string(), kind.to_string()),
        (META_KEY.to_string(), names.key().to_string()),
    ])
}

/// Hints that make observing cheaper or possible: ids from the state, secret names.
#[derive(Default)]
struct Hints {
    team_id: Option<i64>,
    account_id: Option<i64>,
    secret_names: BTreeSet<String>,
    given_names: BTreeSet<String>,
}

impl Hints {
    fn of(state: &DeploymentState) -> Self {
        Self {
            team_id: state.grafana_team_id.as_ref_option().copied(),
            account_id: state.grafana_service_account_id.as_ref_option().copied(),
            secret_names: state
                .generated_secrets
                .as_ref_option()
                .map(|s| {
                    s.iter()
                        .filter_map(|v| v.as_ref_option().cloned())
                        .collect()
                })
                .unwrap_or_default(),
            given_names: state
                .given_secret_versions
                .as_ref_option()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }
}

/// What Vault holds of a deployment.
struct VaultObserved {
    record: Option<Record>,
    policy: Option<String>,
    secrets: BTreeMap<String, u64>,
    given: BTreeMap<String, u64>,
    token: Option<TokenRecord>,
}

/// The live version of each secret `names_to_check` names.
async fn live_versions(
    vault: &VaultClient,
    names: &Names,
    names_to_check: &BTreeSet<String>,
) -> Result<BTreeMap<String, u64>, StepError> {
    let mount = names.kv_mount();
    let checks = names_to_check.iter().map(|name| async move {
        (
            name.clone(),
            vault.kv_metadata(mount, &names.secret_path(name)).await,
        )
    });
    let mut versions = BTreeMap::new();
    for (name, metadata) in futures::future::join_all(checks).await {
        if let Some(metadata) = metadata.step(format!("reading the secret {name:?} in Vault"))?
            && metadata.latest_is_live()
        {
            versions.insert(name, metadata.current_version);
        }
    }
    Ok(versions)
}

async fn observe_vault(
    vault: &VaultClient,
    names: &Names,
    hints: &Hints,
) -> Result<VaultObserved, StepError> {
    let mount = names.kv_mount();
    let (record_path, policy_name, token_path) = (
        names.record_path(),
        names.vault_policy(),
        names.grafana_token_path(),
    );
    let (record, policy, token) = tokio::join!(
        vault.kv_read(mount, &record_path),
        vault.policy(&policy_name),
        vault.kv_read(mount, &token_path),
    );
    let record = record
        .step("reading the deployment record in Vault")?
        .and_then(|s| Record::from_data(&s.data));
    let policy = policy.step("reading the Vault policy")?;
    let token = token
        .step("reading the Grafana token in Vault")?
        .and_then(|s| {
            serde_json::from_value::<TokenRecord>(Json::Object(s.data.into_iter().collect())).ok()
        });
    let mut names_to_check = hints.secret_names.clone();
    if let Some(listed) = record.as_ref().and_then(|r| r.generated_secrets.as_ref()) {
        names_to_check.extend(listed.iter().cloned());
    }
    let mut given_to_check = hints.given_names.clone();
    if let Some(listed) = record.as_ref().and_then(|r| r.given_secrets.as_ref()) {
        given_to_check.extend(listed.iter().cloned());
    }
    let (secrets, given) = tokio::join!(
        live_versions(vault, names, &names_to_check),
        live_versions(vault, names, &given_to_check)
    );
    Ok(VaultObserved {
        record,
        policy,
        secrets: secrets?,
        given: given?,
        token,
    })
}

async fn observe_grafana(
    grafana: &GrafanaClient,
    names: &Names,
    hints: &Hints,
) -> Result<
    (
        Option<Folder>,
        Option<Team>,
        Option<ServiceAccount>,
        Vec<i64>,
        Option<DataSource>,
    ),
    StepError,
> {
    let folder_uid = names.grafana_folder_uid();
    let datasource_uid = names.grafana_datasource_uid();
    let team = async {
        match hints.team_id {
            Some(id) => grafana
                .team(id)
                .await
                .map(|t| t.filter(|t| t.name == names.grafana_team())),
            None => grafana.team_by_name(&names.grafana_team()).await,
        }
    };
    let account = async {
        match hints.account_id {
            Some(id) => grafana
                .service_account(id)
                .await
                .map(|a| a.filter(|a| a.name == names.grafana_service_account())),
            None => {
                grafana
                    .service_account_by_name(&names.grafana_service_account())
                    .await
            }
        }
    };
    let (folder, team, account, datasource) = tokio::join!(
        grafana.folder(&folder_uid),
        team,
        account,
        grafana.datasource(&datasource_uid),
    );
    let folder = folder.step("reading the Grafana folder")?;
    let team = team.step("reading the Grafana team")?;
    let account = account.step("reading the Grafana service account")?;
    let datasource = datasource.step("reading the Grafana data source")?;
    let tokens = match &account {
        Some(a) => {
            let token_name = names.grafana_token_name();
            grafana
                .tokens(a.id)
                .await
                .step("reading the Grafana service account's tokens")?
                .into_iter()
                .filter(|t| t.name == token_name)
                .map(|t| t.id)
                .collect()
        }
        None => Vec::new(),
    };
    Ok((folder, team, account, tokens, datasource))
}

async fn observe(
    vault: &VaultClient,
    grafana: &GrafanaClient,
    names: &Names,
    hints: &Hints,
) -> Result<Observed, StepError> {
    let (v, g) = tokio::join!(
        observe_vault(vault, names, hints),
        observe_grafana(grafana, names, hints)
    );
    let VaultObserved {
        record,
        policy,
        secrets,
        given,
        token: token_record,
    } = v?;
    let (folder, team, account, tokens, datasource) = g?;
    // The token counts only when Grafana has it and Vault holds its key for this account.
    let token_id = match (&account, token_record) {
        (Some(account), Some(record))
            if record.service_account_id == account.id && tokens.contains(&record.token_id) =>
        {
            Some(record.token_id)
        }
        _ => None,
    };
    Ok(Observed {
        record,
        policy,
        secrets,
        given,
        folder,
        team,
        account,
        token_id,
        datasource,
    })
}

/// The state that describes what was observed. `prior` supplies what only Terraform knows
/// (`deletion_protection`).
fn state_of(
    observed: &Observed,
    names: &Names,
    prior: Option<&DeploymentState>,
) -> DeploymentState {
    let mut state = DeploymentState::default();
    let key = names.key();
    match &observed.record {
        Some(record) => {
            state.display_name = Value::Value(record.display_name.clone());
            state.cloud = record.cloud.clone().into();
            state.region = record.region.clone().into();
            state.labels = record.labels.as_ref().map(to_state_map).into();
            state.generated_secrets = record
                .generated_secrets
                .as_ref()
                .map(|names| {
                    names
                        .iter()
                        .filter(|n| observed.secrets.contains_key(*n))
                        .map(|n| Value::Value(n.clone()))
                        .collect()
                })
                .into();
            state.deletion_protection = Value::Value(record.deletion_protection);
            state.given_secrets_wo_version = record.given_secrets_version.into();
        }
        None => {
            // Without the record the settings are unknown to Vault: show them as absent so
            // that the next plan writes the record again.
            state.display_name = Value::Null;
            state.deletion_protection = Value::Value(true);
        }
    }
    if let Some(prior) = prior
        && prior.deletion_protection.is_value()
    {
        state.deletion_protection = prior.deletion_protection;
    }
    if let Some(prior) = prior {
        // Configuration only: what Terraform holds wins over the record.
        state.given_secrets_wo_version = prior.given_secrets_wo_version;
    }
    state.grafana_datasource = observed
        .datasource
        .as_ref()
        .map(|ds| DatasourceBlock {
            name: Value::Value(ds.name.clone()),
            kind: Value::Value(ds.kind.clone()),
            url: Value::Value(ds.url.clone()),
        })
        .into();

    plan_known(&mut state, key, names.kv_mount());
    // plan_known derives these from the configuration; replace them by what exists.
    state.display_name = observed
        .record
        .as_ref()
        .map(|r| r.display_name.clone())
        .into();
    state.vault_policy_hcl = observed.policy.clone().into();
    state.secret_versions = Value::Value(
        observed
            .secrets
            .iter()
            .map(|(n, v)| (n.clone(), Value::Value(*v as i64)))
            .collect(),
    );
    let given_recorded = observed
        .record
        .as_ref()
        .is_some_and(|r| r.given_secrets.is_some());
    let given_held = prior.is_some_and(|p| p.given_secret_versions.is_value());
    state.given_secret_versions = if given_recorded || given_held || !observed.given.is_empty() {
        Value::Value(
            observed
                .given
                .iter()
                .map(|(n, v)| (n.clone(), Value::Value(*v as i64)))
                .collect(),
        )
    } else {
        Value::Null
    };
    state.grafana_folder_id = observed.folder.as_ref().map(|f| f.id).into();
    state.grafana_folder_title = observed.folder.as_ref().map(|f| f.title.clone()).into();
    state.grafana_team_id = observed.team.as_ref().map(|t| t.id).into();
    state.grafana_service_account_id = observed.account.as_ref().map(|a| a.id).into();
    state.grafana_token_id = observed.token_id.into();
    state.key = Value::Value(key.to_string());
    state
}

/// The given (write-only) secrets of `desired` in Vault, with their versions in `state`.
async fn converge_given(
    vault: &VaultClient,
    desired: &Desired,
    prior: Option<&DeploymentState>,
    state: &mut DeploymentState,
) -> Result<(), StepError> {
    let names = &desired.names;
    let mount = names.kv_mount();
    let prior_versions: BTreeMap<String, Value<i64>> = prior
        .and_then(|p| p.given_secret_versions.as_ref_option().cloned())
        .unwrap_or_default();
    let bumped = prior.is_some_and(|p| {
        p.given_secrets_wo_version.as_ref_option().copied()
            != desired.given.as_ref().and_then(|g| g.version)
    });
    let mut versions: BTreeMap<String, Value<i64>> = BTreeMap::new();
    if let Some(given) = &desired.given {
        let live = live_versions(vault, names, &given.values.keys().cloned().collect()).await?;
        for (name, value) in &given.values {
            let kept = prior_versions
                .get(name)
                .and_then(Value::as_ref_option)
                .copied();
            let version = match (live.get(name), kept) {
                (Some(live), Some(_)) if !bumped => *live as i64,
                _ => {
                    let path = names.secret_path(name);
                    let data = BTreeMap::from([("value".to_string(), Json::String(value.clone()))]);
                    let step = format!("writing the given secret {name:?} to Vault");
                    let written = match vault
                        .kv_write(mount, &path, &data, None)
                        .await
                        .step(step.clone())?
                    {
                        CasWrite::Written(version) => version,
                        CasWrite::Mismatch => live.get(name).copied().unwrap_or(0),
                    };
                    let mut custom = vault
                        .kv_metadata(mount, &path)
                        .await
                        .step(step.clone())?
                        .and_then(|m| m.custom_metadata)
                        .unwrap_or_default();
                    custom.extend(managed_metadata(names, "given"));
                    vault
                        .kv_write_metadata(mount, &path, &custom)
                        .await
                        .step(step)?;
                    tracing::info!(deployment = %names.key(), secret = %name, version = written, "wrote a given secret to Vault");
                    written as i64
                }
            };
            versions.insert(name.clone(), Value::Value(version));
            state.given_secret_versions = Value::Value(versions.clone());
        }
    }
    for name in prior_versions.keys() {
        let still = desired
            .given
            .as_ref()
            .is_some_and(|g| g.values.contains_key(name));
        if !still {
            vault
                .kv_delete_all(mount, &names.secret_path(name))
                .await
                .step(format!("deleting the given secret {name:?} from Vault"))?;
        }
    }
    state.given_secret_versions = match &desired.given {
        Some(_) => Value::Value(versions),
        None => Value::Null,
    };
    Ok(())
}

/// Make the remote objects match `desired`, recording progress in `state`.
async fn converge(
    vault: &VaultClient,
    grafana: &GrafanaClient,
    desired: &Desired,
    prior: Option<&DeploymentState>,
    state: &mut DeploymentState,
) -> Result<(), StepError> {
    let names = &desired.names;
    let mount = names.kv_mount();
    let key = names.key().to_string();

    // Vault: mount, record, policy.
    vault
        .ensure_kv2_mount(mount)
        .await
        .step(format!("enabling the KV v2 mount {mount:?} in Vault"))?;
    let record = Record::of(desired);
    let existing = vault
        .kv_read(mount, &names.record_path())
        .await
        .step("reading the deployment record in Vault")?;
    if existing
        .as_ref()
        .and_then(|s| Record::from_data(&s.data))
        .as_ref()
        != Some(&record)
    {
        vault
            .kv_write(mount, &names.record_path(), &record.to_data(), None)
            .await
            .step("writing the deployment record in Vault")?;
        vault
            .kv_write_metadata(
                mount,
                &names.record_path(),
                &managed_metadata(names, "record"),
            )
            .await
            .step("labelling the deployment record in Vault")?;
    }
    let hcl = names.vault_policy_hcl();
    let policy = vault
        .policy(&names.vault_policy())
        .await
        .step("reading the Vault policy")?;
    if policy.as_deref() != Some(hcl.as_str()) {
        vault
            .put_policy(&names.vault_policy(), &hcl)
            .await
            .step(format!(
                "writing the Vault policy {:?}",
                names.vault_policy()
            ))?;
    }
    state.vault_policy_hcl = Value::Value(hcl);

    // Vault: generated secrets, each written only if it does not exist (cas=0), then kept.
    let wanted = desired.secrets.clone().unwrap_or_default();
    let mut versions: BTreeMap<String, Value<i64>> = BTreeMap::new();
    state.secret_versions = Value::Value(versions.clone());
    for name in &wanted {
        let path = names.secret_path(name);
        let step = format!("generating the secret {name:?} in Vault");
        let metadata: Option<KvMetadata> =
            vault.kv_metadata(mount, &path).await.step(step.clone())?;
        // `None` when the secret carries the labels; else the custom metadata it has.
        let unlabelled = |m: &KvMetadata| {
            (m.custom(META_MANAGED_BY) != Some(MANAGED_BY))
                .then(|| m.custom_metadata.clone().unwrap_or_default())
        };
        let (version, unlabelled) = match metadata {
            Some(m) if m.latest_is_live() => (m.current_version, unlabelled(&m)),
            existing => {
                let cas = existing.map(|m| m.current_version).unwrap_or(0);
                let data = BTreeMap::from([("value".to_string(), Json::String(random_secret()))]);
                match vault
                    .kv_write(mount, &path, &data, Some(cas))
                    .await
                    .step(step.clone())?
                {
                    CasWrite::Written(version) => {
                        tracing::info!(deployment = %key, secret = %name, version, "generated a secret in Vault");
                        (version, Some(BTreeMap::new()))
                    }
                    // Written meanwhile — by someone else, or by this very write when its
                    // answer was lost and the retry found it: keep it.
                    CasWrite::Mismatch => {
                        let now = vault.kv_metadata(mount, &path).await.step(step.clone())?;
                        (
                            now.as_ref().map(|m| m.current_version).unwrap_or(cas + 1),
                            now.as_ref().map_or(Some(BTreeMap::new()), unlabelled),
                        )
                    }
                }
            }
        };
        // A secret kept without the labels (its write's answer was lost before they were
        // set, or it was made by hand) gets them, as one generated here has; other custom
        // metadata it carries stays.
        if let Some(mut custom) = unlabelled {
            custom.extend(managed_metadata(names, "generated"));
            vault
                .kv_write_metadata(mount, &path, &custom)
                .await
                .step(step.clone())?;
        }
        versions.insert(name.clone(), Value::Value(version as i64));
        state.secret_versions = Value::Value(versions.clone());
    }
    if let Some(prior_secrets) = prior.and_then(|p| p.secret_versions.as_ref_option()) {
        for name in prior_secrets.keys().filter(|n| !wanted.contains(*n)) {
            vault
                .kv_delete_all(mount, &names.secret_path(name))
                .await
                .step(format!("deleting the secret {name:?} from Vault"))?;
        }
    }

    // Vault: given secrets, written when new, when their version is bumped, or when the
    // secret is gone from Vault; their values come from the configuration only.
    converge_given(vault, desired, prior, state).await?;

    // Grafana: folder.
    let uid = names.grafana_folder_uid();
    let folder = match grafana
        .folder(&uid)
        .await
        .step("reading the Grafana folder")?
    {
        Some(folder) => folder,
        None => match grafana.create_folder(&uid, &desired.display_name).await {
            Ok(folder) => folder,
            // Created by a concurrent or interrupted run: adopt it.
            Err(e)
                if e.status()
                    .is_some_and(|s| s.as_u16() == 409 || s.as_u16() == 412) =>
            {
                grafana
                    .folder(&uid)
                    .await
                    .step("reading the Grafana folder")?
                    .ok_or(e)
                    .step("creating the Grafana folder")?
            }
            Err(e) => return Err(e).step(format!("creating the Grafana folder {uid:?}")),
        },
    };
    let folder = if folder.title != desired.display_name {
        grafana
            .rename_folder(&uid, &desired.display_name)
            .await
            .step(format!("renaming the Grafana folder {uid:?}"))?
    } else {
        folder
    };
    state.grafana_folder_id = Value::Value(folder.id);
    state.grafana_folder_title = Value::Value(folder.title.clone());

    // Grafana: team, with edit rights on the folder.
    let team_name = names.grafana_team();
    let prior_team = prior.and_then(|p| p.grafana_team_id.as_ref_option().copied());
    let team = match prior_team {
        Some(id) => grafana
            .team(id)
            .await
            .step("reading the Grafana team")?
            .filter(|t| t.name == team_name),
        None => None,
    };
    let team_id = match team {
        Some(team) => team.id,
        None => match grafana
            .team_by_name(&team_name)
            .await
            .step("reading the Grafana team")?
        {
            Some(team) => team.id,
            None => grafana
                .create_team(&team_name)
                .await
                .step(format!("creating the Grafana team {team_name:?}"))?,
        },
    };
    state.grafana_team_id = Value::Value(team_id);
    grafana
        .set_folder_team_permission(&uid, team_id, TEAM_FOLDER_PERMISSION)
        .await
        .step("giving the Grafana team edit rights on its folder")?;

    // Grafana: service account and its token, whose key goes to Vault.
    let account_name = names.grafana_service_account();
    let account = match grafana
        .service_account_by_name(&account_name)
        .await
        .step("reading the Grafana service account")?
    {
        Some(account) => account,
        None => grafana
            .create_service_account(&account_name, SERVICE_ACCOUNT_ROLE)
            .await
            .step(format!(
                "creating the Grafana service account {account_name:?}"
            ))?,
    };
    state.grafana_service_account_id = Value::Value(account.id);
    let token_name = names.grafana_token_name();
    let tokens = grafana
        .tokens(account.id)
        .await
        .step("reading the Grafana service account's tokens")?;
    let kept = vault
        .kv_read(mount, &names.grafana_token_path())
        .await
        .step("reading the Grafana token in Vault")?
        .and_then(|s| {
            serde_json::from_value::<TokenRecord>(Json::Object(s.data.into_iter().collect())).ok()
        })
        .filter(|r| {
            r.service_account_id == account.id
                && tokens
                    .iter()
                    .any(|t| t.id == r.token_id && t.name == token_name)
        });
    let token_id = match kept {
        Some(record) => record.token_id,
        None => {
            // The key of an existing token cannot be read back: replace it.
            for stale in tokens.iter().filter(|t| t.name == token_name) {
                grafana
                    .delete_token(account.id, stale.id)
                    .await
                    .step("revoking the previous Grafana token")?;
            }
            let token = grafana
                .create_token(account.id, &token_name)
                .await
                .step("creating the Grafana service account token")?;
            let record = TokenRecord {
                token: token.key,
                token_id: token.id,
                service_account_id: account.id,
                url: grafana.url().to_string(),
            };
            let data = match serde_json::to_value(&record) {
                Ok(Json::Object(map)) => map.into_iter().collect(),
                _ => BTreeMap::new(),
            };
            vault
                .kv_write(mount, &names.grafana_token_path(), &data, None)
                .await
                .step("writing the Grafana token to Vault")?;
            vault
                .kv_write_metadata(
                    mount,
                    &names.grafana_token_path(),
                    &managed_metadata(names, "grafana-token"),
                )
                .await
                .step("labelling the Grafana token in Vault")?;
            tracing::info!(deployment = %key, token_id = token.id, "minted a Grafana token and stored it in Vault");
            token.id
        }
    };
    state.grafana_token_id = Value::Value(token_id);

    // Grafana: data source.
    let ds_uid = names.grafana_datasource_uid();
    let existing = grafana
        .datasource(&ds_uid)
        .await
        .step("reading the Grafana data source")?;
    match &desired.datasource {
        Some(ds) => {
            let same = existing
                .as_ref()
                .is_some_and(|e| e.name == ds.name && e.kind == ds.kind && e.url == ds.url);
            if !same {
                grafana
                    .put_datasource(&ds_uid, &ds.name, &ds.kind, &ds.url, existing.is_some())
                    .await
                    .step(format!("writing the Grafana data source {ds_uid:?}"))?;
            }
        }
        None => {
            if existing.is_some() {
                grafana
                    .delete_datasource(&ds_uid)
                    .await
                    .step(format!("deleting the Grafana data source {ds_uid:?}"))?;
            }
        }
    }
    Ok(())
}

/// Delete everything of the deployment, the reverse of `converge`.
async fn remove(
    vault: &VaultClient,
    grafana: &GrafanaClient,
    names: &Names,
    state: &DeploymentState,
) -> Result<(), StepError> {
    let mount = names.kv_mount();
    grafana
        .delete_datasource(&names.grafana_datasource_uid())
        .await
        .step("deleting the Grafana data source")?;
    let account = match state.grafana_service_account_id.as_ref_option() {
        Some(id) => Some(*id),
        None => grafana
            .service_account_by_name(&names.grafana_service_account())
            .await
            .step("reading the Grafana service account")?
            .map(|a| a.id),
    };
    if let Some(id) = account {
        grafana
            .delete_service_account(id)
            .await
            .step("deleting the Grafana service account")?;
    }
    vault
        .kv_delete_all(mount, &names.grafana_token_path())
        .await
        .step("deleting the Grafana token from Vault")?;
    let team = match state.grafana_team_id.as_ref_option() {
        Some(id) => Some(*id),
        None => grafana
            .team_by_name(&names.grafana_team())
            .await
            .step("reading the Grafana team")?
            .map(|t| t.id),
    };
    if let Some(id) = team {
        grafana
            .delete_team(id)
            .await
            .step("deleting the Grafana team")?;
    }
    grafana
        .delete_folder(&names.grafana_folder_uid())
        .await
        .step("deleting the Grafana folder")?;
    let mut secrets: BTreeSet<String> = state
        .secret_versions
        .as_ref_option()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let hints = Hints::of(state);
    secrets.extend(hints.secret_names);
    // Given secrets too: the deployment owns what it wrote.
    secrets.extend(hints.given_names);
    for name in secrets {
        vault
            .kv_delete_all(mount, &names.secret_path(&name))
            .await
            .step(format!("deleting the secret {name:?} from Vault"))?;
    }
    vault
        .delete_policy(&names.vault_policy())
        .await
        .step("deleting the Vault policy")?;
    vault
        .kv_delete_all(mount, &names.record_path())
        .await
        .step("deleting the deployment record from Vault")?;
    Ok(())
}

/// What `ff_deployment` keeps in Terraform's private state, to tell the destroy that
/// replaces a tainted deployment from a `terraform destroy` (Terraform before 1.3 asks the
/// provider nothing before destroying, so both arrive as the same call).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentPrivate {
    /// The create that made this state failed midway (Terraform taints the deployment).
    pub incomplete: bool,
    /// Planned as a create: Terraform hands this to the destroy that comes first when it
    /// replaces a tainted deployment.
    pub replacing: bool,
}

const PROTECTED_DETAIL: &str = "deletion_protection is true for this deployment. To destroy it, \
    set deletion_protection = false, apply, and destroy again.";

// ---------------------------------------------------------------------------------------
// Resource
// ---------------------------------------------------------------------------------------

impl DeploymentResource {
    fn clients<'b>(
        &self,
        diags: &mut Diagnostics,
        backends: &'b crate::context::Backends,
    ) -> Option<(&'b VaultClient, &'b GrafanaClient)> {
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE);
        let grafana = apply_backend(diags, &backends.grafana, "Grafana", RESOURCE);
        Some((vault?, grafana?))
    }

    async fn apply(
        &self,
        diags: &mut Diagnostics,
        prior: Option<&DeploymentState>,
        planned: DeploymentState,
        given: Option<BTreeMap<String, String>>,
    ) -> Option<(DeploymentState, Option<DeploymentPrivate>)> {
        let backends = backends(diags, &self.context)?;
        let (vault, grafana) = self.clients(diags, &backends)?;
        let Some(mut desired) = desired_of(&planned, &backends.kv_mount) else {
            diags.error_root(
                "Deployment configuration is not fully known",
                "Some arguments of ff_deployment were still unknown at apply time.",
            );
            return None;
        };
        desired.given = given.map(|values| Given {
            values,
            version: planned.given_secrets_wo_version.as_ref_option().copied(),
        });
        let mut state = planned;
        plan_known(&mut state, desired.names.key(), &backends.kv_mount);
        state.display_name = Value::Value(desired.display_name.clone());
        let desired = &desired;
        let (mut state, converged) = converge_with_retry(
            desired.names.key().as_str(),
            state,
            |mut state| async move {
                let result = converge(vault, grafana, desired, prior, &mut state).await;
                (state, result)
            },
        )
        .await;
        let Converged {
            result,
            convergence,
        } = converged;
        null_unknowns(&mut state);
        match result {
            Ok(()) => Some((state, None)),
            Err(failure) => {
                let nothing_made = prior.is_none()
                    && state.vault_policy_hcl.is_null()
                    && state.grafana_folder_id.is_null();
                report(
                    diags,
                    desired.names.key().as_str(),
                    &failure,
                    &convergence.explain(if nothing_made {
                        "Nothing of the deployment was recorded in the state. Fix the cause and apply again."
                    } else {
                        "Everything made before this step is recorded in the state. Fix the cause and \
                         apply again: the next apply adopts what exists and finishes the deployment \
                         without duplicating anything."
                    }),
                );
                if nothing_made {
                    None
                } else {
                    let private = prior.is_none().then_some(DeploymentPrivate {
                        incomplete: true,
                        replacing: false,
                    });
                    Some((state, private))
                }
            }
        }
    }
}

#[async_trait]
impl Resource for DeploymentResource {
    type State = DeploymentState;
    type Private = Option<DeploymentPrivate>;

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(key_identity_schema("deployment"))
    }

    fn identity(&self, state: &Self::State) -> Option<Dynamic> {
        key_identity(&state.key)
    }

    async fn import_identity(
        &self,
        diags: &mut Diagnostics,
        identity: Dynamic,
    ) -> Option<(Self::State, Self::Private)> {
        let key = identity_key(diags, &identity, "ff_deployment")?;
        Resource::import(self, diags, key).await
    }

    async fn validate(
        &self,
        diags: &mut Diagnostics,
        config: Self::State,
        _client: ClientCapabilities,
    ) {
        validate_state(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let backends = backends(diags, &self.context)?;
        let Some((vault, grafana)) = self.clients(diags, &backends) else {
            return Some((state, private_state));
        };
        let Some(key) = state
            .key
            .as_ref_option()
            .and_then(|k| DeploymentKey::parse(k).ok())
        else {
            diags.error_at(attr("key"), "Invalid deployment key in the state", "The state holds no valid deployment key; remove the resource from the state and import it again.");
            return Some((state, private_state));
        };
        let names = Names::new(&key, &backends.kv_mount);
        match observe(vault, grafana, &names, &Hints::of(&state)).await {
            Ok(observed) if !observed.anything() => {
                tracing::info!(deployment = %key, "the deployment no longer exists");
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
        config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        let backends = backends(diags, &self.context)?;
        let vault = plan_backend(diags, &backends.vault, "Vault", RESOURCE);
        let grafana = plan_backend(diags, &backends.grafana, "Grafana", RESOURCE);
        let (Ok(vault), Ok(_)) = (vault, grafana) else {
            return None;
        };
        let mut state = proposed_state;
        let Some(key) = parse_key(diags, &state.key) else {
            if diags.has_errors() {
                return None;
            }
            // Key unknown until apply: every derived value is unknown too.
            state.id = Value::Unknown;
            state.slug = Value::Unknown;
            state.names = Value::Unknown;
            state.tags = Value::Unknown;
            state.vault_path = Value::Unknown;
            state.vault_policy = Value::Unknown;
            state.vault_policy_hcl = Value::Unknown;
            state.grafana_folder_uid = Value::Unknown;
            state.grafana_token_vault_path = Value::Unknown;
            state.grafana_folder_title = Value::Unknown;
            if state.display_name.is_null() {
                state.display_name = Value::Unknown;
            }
            if state.deletion_protection.is_null() {
                state.deletion_protection = Value::Value(true);
            }
            state.secret_versions = Value::Unknown;
            state.grafana_folder_id = Value::Unknown;
            state.grafana_team_id = Value::Unknown;
            state.grafana_service_account_id = Value::Unknown;
            state.grafana_token_id = Value::Unknown;
            return Some((
                state,
                Some(DeploymentPrivate {
                    incomplete: false,
                    replacing: true,
                }),
            ));
        };
        if let Err(other) = self.context.slugs.claim(&key) {
            diags.error_at(
                attr("key"),
                "Deployment keys clash",
                format!(
                    "The deployment keys {key:?} and {other:?} differ only in case, so both would be \
                     named {:?} in Grafana, Kubernetes and the cloud. Use one of them.",
                    key.slug()
                ),
            );
            return None;
        }
        if let Some(vault) = vault {
            match vault.kv_list(&backends.kv_mount, "").await {
                Ok(keys) => {
                    let clash = keys
                        .iter()
                        .map(|k| k.trim_end_matches('/'))
                        .filter_map(|k| DeploymentKey::parse(k).ok())
                        .find(|other| naming::slugs_clash(&key, other));
                    if let Some(other) = clash {
                        diags.error_at(
                            attr("key"),
                            "Deployment keys clash",
                            format!(
                                "Vault already holds a deployment {other:?} under {:?}; {key:?} differs only \
                                 in case and would share its names ({:?}). Use the existing key or another one.",
                                backends.kv_mount,
                                key.slug()
                            ),
                        );
                        return None;
                    }
                }
                Err(e) => {
                    diags.error_root(
                        "Vault cannot be reached",
                        format!(
                            "Planning deployment {key} needs Vault at {}: {}. Check the provider's vault \
                             settings (or VAULT_ADDR) and that Vault is up.",
                            vault.address(),
                            chain(&e)
                        ),
                    );
                    return None;
                }
            }
        }
        plan_known(&mut state, &key, &backends.kv_mount);
        plan_secret_versions(&mut state, None);
        plan_given_versions(&mut state, None, &config_state);
        state.grafana_folder_id = Value::Unknown;
        state.grafana_team_id = Value::Unknown;
        state.grafana_service_account_id = Value::Unknown;
        state.grafana_token_id = Value::Unknown;
        Some((
            state,
            Some(DeploymentPrivate {
                incomplete: false,
                replacing: true,
            }),
        ))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let backends = backends(diags, &self.context)?;
        let vault = plan_backend(diags, &backends.vault, "Vault", RESOURCE);
        let grafana = plan_backend(diags, &backends.grafana, "Grafana", RESOURCE);
        if vault.is_err() || grafana.is_err() {
            return None;
        }
        let mut state = proposed_state;
        let mut replace = Vec::new();
        if state.key != prior_state.key {
            replace.push(attr("key"));
        }
        let Some(key) = parse_key(diags, &state.key) else {
            if diags.has_errors() {
                return None;
            }
            return Some((state, prior_private_state, replace));
        };
        plan_known(&mut state, &key, &backends.kv_mount);
        if state.vault_path != prior_state.vault_path && prior_state.vault_path.is_value() {
            replace.push(attr("vault_path"));
        }
        if !replace.is_empty() && prior_state.deletion_protection != Value::Value(false) {
            diags.error_at(
                attr("key"),
                format!("Deployment {} is protected from deletion", prior_state.key.as_ref_option().cloned().unwrap_or_default()),
                "Changing the key (or the Vault mount) replaces the deployment, which deletes the old one, \
                 and deletion_protection is true for it. To replace it, set deletion_protection = false, \
                 apply, then change the key.",
            );
            return None;
        }
        if !replace.is_empty() {
            plan_secret_versions(&mut state, None);
            plan_given_versions(&mut state, None, &config_state);
            state.grafana_folder_id = Value::Unknown;
            state.grafana_team_id = Value::Unknown;
            state.grafana_service_account_id = Value::Unknown;
            state.grafana_token_id = Value::Unknown;
            return Some((state, prior_private_state, replace));
        }
        plan_secret_versions(&mut state, Some(&prior_state));
        plan_given_versions(&mut state, Some(&prior_state), &config_state);
        state.grafana_folder_id = keep_or_unknown(Some(&prior_state.grafana_folder_id));
        state.grafana_team_id = keep_or_unknown(Some(&prior_state.grafana_team_id));
        state.grafana_service_account_id =
            keep_or_unknown(Some(&prior_state.grafana_service_account_id));
        state.grafana_token_id = if state.grafana_service_account_id.is_unknown() {
            Value::Unknown
        } else {
            keep_or_unknown(Some(&prior_state.grafana_token_id))
        };
        Some((state, prior_private_state, replace))
    }

    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<Self::Private> {
        if prior_state.deletion_protection != Value::Value(false) {
            let key = prior_state.key.as_ref_option().cloned().unwrap_or_default();
            diags.error_root(
                format!("Deployment {key} is protected from deletion"),
                PROTECTED_DETAIL,
            );
            return None;
        }
        Some(prior_private_state)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State,
        config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        self.apply(diags, None, planned_state, given_values(&config_state))
            .await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_state: Self::State,
        config_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let given = given_values(&config_state);
        match self
            .apply(diags, Some(&prior_state), planned_state, given)
            .await
        {
            Some(done) => Some(done),
            // Nothing could be changed: keep the prior state.
            None => Some((prior_state, None)),
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<()> {
        let key_text = prior_state.key.as_ref_option().cloned().unwrap_or_default();
        if prior_state.deletion_protection != Value::Value(false) {
            // Terraform 1.3 and newer refuse a protected destroy or key change at plan. Before
            // 1.3, a destroy reaches this point unasked: it is refused unless the private
            // state shows the first half of a replacement of a tainted deployment (a create
            // that failed midway), which keeps what exists so that the create that follows
            // adopts it instead of regenerating the secrets.
            let replacing = planned_private_state
                .as_ref()
                .is_some_and(|p| p.incomplete || p.replacing);
            if !replacing {
                diags.error_root(
                    format!("Deployment {key_text} is protected from deletion"),
                    PROTECTED_DETAIL,
                );
                return None;
            }
            diags.warning_root(
                format!("Deployment {key_text} is replaced and protected: nothing was deleted"),
                "Its objects in Vault and Grafana were left in place because deletion_protection is true; \
                 the create that follows adopts them. To delete them, set deletion_protection = false.",
            );
            return Some(());
        }
        let backends = backends(diags, &self.context)?;
        let (vault, grafana) = self.clients(diags, &backends)?;
        let Ok(key) = DeploymentKey::parse(&key_text) else {
            diags.error_at(
                attr("key"),
                "Invalid deployment key in the state",
                "The state holds no valid deployment key.",
            );
            return None;
        };
        let names = Names::new(&key, &backends.kv_mount);
        match remove(vault, grafana, &names, &prior_state).await {
            Ok(()) => Some(()),
            Err(failure) => {
                report(
                    diags,
                    &key_text,
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
                    format!("Import ff_deployment by its deployment key, such as WM-Prod: {e}."),
                );
                return None;
            }
        };
        let backends = backends(diags, &self.context)?;
        let (vault, grafana) = self.clients(diags, &backends)?;
        let names = Names::new(&key, &backends.kv_mount);
        match observe(vault, grafana, &names, &Hints::default()).await {
            Ok(observed) if observed.anything() => Some((state_of(&observed, &names, None), None)),
            Ok(_) => {
                diags.error_root(
                    format!("Deployment {key} not found"),
                    format!(
                        "Neither Vault ({} under {}) nor Grafana (folder {:?}, team {:?}) holds anything of deployment {key}.",
                        vault.address(),
                        names.vault_path(),
                        names.grafana_folder_uid(),
                        names.grafana_team()
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
