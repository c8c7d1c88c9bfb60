//! `ff_deployment`'s model: the state Terraform holds, what the configuration asks for
//! (`Desired`), what Vault records of a deployment, and what exists remotely (`Observed`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::Value;

use crate::backends::grafana::{DataSource, Folder, ServiceAccount, Team};
use crate::naming::{MANAGED_BY, Names};
use crate::resources::{StateMap, optional_block};

pub(super) const RESOURCE: &str = "ff_deployment";

/// Length of a generated secret (alphanumeric: about 238 bits).
pub(super) const SECRET_LENGTH: usize = 40;

/// Grafana permission level the deployment's team gets on its folder (2 = edit).
pub(super) const TEAM_FOLDER_PERMISSION: i64 = 2;

/// Organisation role of the deployment's service account.
pub(super) const SERVICE_ACCOUNT_ROLE: &str = "Viewer";

/// Custom metadata marking a secret the provider generated.
pub(super) const META_MANAGED_BY: &str = "managed-by";

pub(super) const META_KIND: &str = "kind";

pub(super) const META_KEY: &str = "deployment-key";

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
pub(super) struct Desired {
    pub(super) names: Names,
    pub(super) display_name: String,
    pub(super) cloud: Option<String>,
    pub(super) region: Option<String>,
    pub(super) labels: Option<BTreeMap<String, String>>,
    pub(super) secrets: Option<BTreeSet<String>>,
    pub(super) deletion_protection: bool,
    pub(super) datasource: Option<Datasource>,
    /// The given secrets: their values (from the configuration: write-only) and version.
    pub(super) given: Option<Given>,
}

/// The secrets the user gives, as the apply sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Given {
    pub(super) values: BTreeMap<String, String>,
    pub(super) version: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Datasource {
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) url: String,
}

/// The non-secret record of a deployment, kept in Vault at `<key>/deployment`: the source
/// of `terraform import`, and where applications find the deployment's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Record {
    pub(super) key: String,
    pub(super) display_name: String,
    #[serde(default)]
    pub(super) cloud: Option<String>,
    #[serde(default)]
    pub(super) region: Option<String>,
    #[serde(default)]
    pub(super) labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub(super) generated_secrets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) given_secrets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) given_secrets_version: Option<i64>,
    #[serde(default = "default_true")]
    pub(super) deletion_protection: bool,
    #[serde(default)]
    pub(super) managed_by: String,
}

pub(super) fn default_true() -> bool {
    true
}

impl Record {
    pub(super) fn of(desired: &Desired) -> Self {
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

    pub(super) fn to_data(&self) -> BTreeMap<String, Json> {
        match serde_json::to_value(self) {
            Ok(Json::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        }
    }

    pub(super) fn from_data(data: &BTreeMap<String, Json>) -> Option<Self> {
        serde_json::from_value(Json::Object(data.clone().into_iter().collect())).ok()
    }
}

/// What exists remotely for one deployment.
#[derive(Debug, Default)]
pub(super) struct Observed {
    pub(super) record: Option<Record>,
    pub(super) policy: Option<String>,
    pub(super) secrets: BTreeMap<String, u64>,
    pub(super) given: BTreeMap<String, u64>,
    pub(super) folder: Option<Folder>,
    pub(super) team: Option<Team>,
    pub(super) account: Option<ServiceAccount>,
    pub(super) token_id: Option<i64>,
    pub(super) datasource: Option<DataSource>,
}

impl Observed {
    pub(super) fn anything(&self) -> bool {
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
pub(super) struct TokenRecord {
    pub(super) token: String,
    pub(super) token_id: i64,
    pub(super) service_account_id: i64,
    pub(super) url: String,
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
