//! `terraform query` (Terraform ≥ 1.14): a list resource for each resource type, listing the
//! deployments that `terraform import` adopts — those the provider made and those made by
//! hand — with the filters a platform team filters a fleet by: cloud, labels and a key prefix.
//!
//! - `ff_deployment`: every top-level path of the KV mount that is a deployment key, and every
//!   Grafana folder `ff-<slug>` (a deployment made by hand may have either);
//! - `ff_auth0_tenant_setup`: every deployment key the Auth0 tenant's objects carry in their
//!   marks (application metadata, role descriptions);
//! - `ff_platform_bootstrap`: every deployment with a bootstrap record in Vault.
//!
//! With `include_resource`, each object's state is what `terraform import` would make of it
//! (the import itself runs), so that `-generate-config-out` writes configuration whose first
//! plan after the adoption is empty. Requests grow with the number of deployments listed, a
//! few per deployment: one list per system, then the import's reads (or, to filter by cloud
//! or labels without the state, the deployment record).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use serde::Deserialize;
use tfplugin::list::{ListRequest, ListResource, Listed};
use tfplugin::schema::{Block, Constraint, Schema};
use tfplugin::{Diagnostics, Resource, Type, Value};

use crate::backends::vault::VaultClient;
use crate::context::ProviderContext;
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::{DeploymentKey, Names};
use crate::resources::auth0_tenant_setup::{Auth0TenantSetupResource, TenantSetupState};
use crate::resources::deployment::{
    DeploymentResource, DeploymentState, recorded_cloud_and_labels,
};
use crate::resources::platform_bootstrap::{BootstrapState, PlatformBootstrapResource};
use crate::resources::{apply_backend, attribute, backends, key_identity, string_map};

/// How many deployments are read at the same time.
const CONCURRENCY: usize = 8;

/// The `config` block of a `list` block: the filters.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    /// `aws` or `azure`.
    pub cloud: Value<String>,
    /// Keys starting with this (letters compared without case).
    pub key_prefix: Value<String>,
    /// Labels the deployment must carry, each with this value.
    pub labels: Value<BTreeMap<String, Value<String>>>,
}

fn filters_schema(what: &str) -> Schema {
    Schema::new(
        Block::new(format!(
            "Lists the {what}s that `terraform import` adopts, whether the provider made them or \
             they were made by hand. Every filter is optional; a deployment without a record in \
             Vault has no cloud or labels, and is left out when either is asked for."
        ))
        .attribute(
            "cloud",
            attribute(Type::String, Constraint::Optional, "Only deployments in this cloud: `aws` or `azure`."),
        )
        .attribute(
            "key_prefix",
            attribute(
                Type::String,
                Constraint::Optional,
                "Only deployment keys that start with this, such as `WM-` (letters compared without case).",
            ),
        )
        .attribute(
            "labels",
            attribute(
                string_map(),
                Constraint::Optional,
                "Only deployments that carry every one of these labels with these values.",
            ),
        ),
    )
}

/// The filters as plain values.
struct Wanted {
    cloud: Option<String>,
    prefix: Option<String>,
    labels: BTreeMap<String, String>,
}

impl Wanted {
    fn of(filters: &Filters) -> Self {
        Self {
            cloud: filters.cloud.as_ref_option().cloned(),
            prefix: filters
                .key_prefix
                .as_ref_option()
                .map(|p| p.to_ascii_lowercase()),
            labels: filters
                .labels
                .as_ref_option()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether filtering needs the deployment's cloud or labels.
    fn needs_record(&self) -> bool {
        self.cloud.is_some() || !self.labels.is_empty()
    }

    fn key_matches(&self, key: &DeploymentKey) -> bool {
        self.prefix
            .as_ref()
            .is_none_or(|p| key.as_str().to_ascii_lowercase().starts_with(p))
    }

    fn record_matches(&self, cloud: Option<&str>, labels: &BTreeMap<String, String>) -> bool {
        self.cloud.as_deref().is_none_or(|c| cloud == Some(c))
            && self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
    }
}

/// Checks the filters at validation.
fn validate_filters(diags: &mut Diagnostics, filters: &Filters) {
    if let Value::Value(cloud) = &filters.cloud
        && !matches!(cloud.as_str(), "aws" | "azure")
    {
        diags.error_at(
            attr("cloud"),
            "Invalid cloud",
            format!("cloud is {cloud:?}; a deployment runs in \"aws\" or \"azure\"."),
        );
    }
    if let Value::Value(prefix) = &filters.key_prefix
        && !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        diags.error_at(
            attr("key_prefix"),
            "Invalid key prefix",
            format!(
                "key_prefix is {prefix:?}; deployment keys hold only letters, digits and hyphens, so \
                 no key would start with it."
            ),
        );
    }
}

/// The deployment keys among the top-level paths of the KV mount.
async fn vault_keys(
    diags: &mut Diagnostics,
    vault: &VaultClient,
    mount: &str,
) -> Option<BTreeSet<DeploymentKey>> {
    match vault.kv_list(mount, "").await {
        Ok(entries) => Some(
            entries
                .iter()
                .filter_map(|e| e.strip_suffix('/'))
                .filter_map(|k| DeploymentKey::parse(k).ok())
                .collect(),
        ),
        Err(e) => {
            diags.error_root(
                "Listing the deployments in Vault failed",
                format!(
                    "The deployments are listed from the KV mount {mount:?} of Vault at {}: {}.",
                    vault.address(),
                    chain(&e)
                ),
            );
            None
        }
    }
}

/// Imports each key (with the resource's own import) and keeps those the filters admit.
async fn import_each<R, F>(
    diags: &mut Diagnostics,
    resource: &Arc<R>,
    keys: Vec<DeploymentKey>,
    what: &str,
    admit: F,
) -> Vec<(DeploymentKey, R::State)>
where
    R: Resource,
    F: Fn(&R::State) -> bool,
{
    let imports = keys.into_iter().map(|key| {
        let resource = resource.clone();
        async move {
            let mut local = Diagnostics::default();
            let imported = resource.import(&mut local, key.to_string()).await;
            (key, imported, local)
        }
    });
    let mut found = Vec::new();
    let mut stream = futures::stream::iter(imports).buffered(CONCURRENCY);
    while let Some((key, imported, local)) = stream.next().await {
        match imported {
            Some((state, _)) if !local.has_errors() => {
                if admit(&state) {
                    found.push((key, state));
                }
            }
            _ => {
                let reason = local
                    .errors()
                    .iter()
                    .map(|d| format!("{}: {}", d.summary, d.detail))
                    .collect::<Vec<_>>()
                    .join(" ");
                diags.warning_root(
                    format!("The {what} {key} could not be read"),
                    format!("It is left out of the list. {reason}"),
                );
            }
        }
    }
    found
}

/// Reads the deployment records of `keys` and keeps those the filters admit.
async fn filter_by_record(
    diags: &mut Diagnostics,
    vault: &VaultClient,
    mount: &str,
    keys: Vec<DeploymentKey>,
    wanted: &Wanted,
) -> Vec<DeploymentKey> {
    if !wanted.needs_record() {
        return keys;
    }
    let reads = keys.into_iter().map(|key| async move {
        let names = Names::new(&key, mount);
        let record = recorded_cloud_and_labels(vault, &names).await;
        (key, record)
    });
    let mut kept = Vec::new();
    let mut stream = futures::stream::iter(reads).buffered(CONCURRENCY);
    while let Some((key, record)) = stream.next().await {
        match record {
            Ok(Some((cloud, labels))) if wanted.record_matches(cloud.as_deref(), &labels) => {
                kept.push(key)
            }
            Ok(_) => {}
            Err(e) => diags.warning_root(
                format!("The deployment record of {key} could not be read"),
                format!("It is left out of the list: {}.", chain(&e)),
            ),
        }
    }
    kept
}

fn listed<S>(found: Vec<(DeploymentKey, S)>, include: bool) -> Vec<Listed<S>> {
    found
        .into_iter()
        .filter_map(|(key, state)| {
            Some(Listed {
                display_name: key.to_string(),
                identity: key_identity(&Value::Value(key.to_string()))?,
                state: include.then_some(state),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// ff_deployment
// ---------------------------------------------------------------------------------------

/// `list "ff_deployment"`.
pub struct DeploymentList {
    context: Arc<ProviderContext>,
    resource: Arc<DeploymentResource>,
}

impl DeploymentList {
    /// The list over `resource`.
    pub fn new(context: Arc<ProviderContext>, resource: Arc<DeploymentResource>) -> Self {
        Self { context, resource }
    }
}

#[async_trait]
impl ListResource for DeploymentList {
    type Config = Filters;
    type State = DeploymentState;

    fn schema(&self) -> Schema {
        filters_schema("deployment")
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Filters) {
        validate_filters(diags, &config);
    }

    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: Filters,
        request: ListRequest,
    ) -> Vec<Listed<DeploymentState>> {
        let wanted = Wanted::of(&config);
        let Some(backends) = backends(diags, &self.context) else {
            return Vec::new();
        };
        let vault = apply_backend(diags, &backends.vault, "Vault", "ff_deployment");
        let grafana = apply_backend(diags, &backends.grafana, "Grafana", "ff_deployment");
        let (Some(vault), Some(grafana)) = (vault, grafana) else {
            return Vec::new();
        };
        let Some(mut keys) = vault_keys(diags, vault, &backends.kv_mount).await else {
            return Vec::new();
        };
        // Deployments made by hand may have only their Grafana folder `ff-<slug>`: its title
        // is the key when it is one with that slug (the title defaults to the key), else the
        // slug is.
        match grafana.folders().await {
            Ok(folders) => {
                let slugs: BTreeSet<String> = keys.iter().map(|k| k.slug().to_string()).collect();
                for folder in folders {
                    let Some(slug) = folder.uid.strip_prefix("ff-") else {
                        continue;
                    };
                    if slugs.contains(slug) {
                        continue;
                    }
                    let key = DeploymentKey::parse(&folder.title)
                        .ok()
                        .filter(|k| k.slug() == slug)
                        .or_else(|| DeploymentKey::parse(slug).ok());
                    if let Some(key) = key {
                        keys.insert(key);
                    }
                }
            }
            Err(e) => diags.warning_root(
                "Listing Grafana's folders failed",
                format!(
                    "Deployments that exist only in Grafana are left out of the list: {}.",
                    chain(&e)
                ),
            ),
        }
        let keys: Vec<DeploymentKey> = keys.into_iter().filter(|k| wanted.key_matches(k)).collect();
        if !request.include_resource && !wanted.needs_record() {
            return listed(
                keys.into_iter()
                    .map(|k| (k, DeploymentState::default()))
                    .collect(),
                false,
            );
        }
        let found = import_each(diags, &self.resource, keys, "deployment", |state| {
            let labels = state
                .labels
                .as_ref_option()
                .and_then(crate::resources::from_state_map)
                .unwrap_or_default();
            wanted.record_matches(state.cloud.as_ref_option().map(String::as_str), &labels)
        })
        .await;
        listed(found, request.include_resource)
    }
}

// ---------------------------------------------------------------------------------------
// ff_auth0_tenant_setup
// ---------------------------------------------------------------------------------------

/// `list "ff_auth0_tenant_setup"`.
pub struct Auth0SetupList {
    context: Arc<ProviderContext>,
    resource: Arc<Auth0TenantSetupResource>,
}

impl Auth0SetupList {
    /// The list over the resource.
    pub fn new(context: Arc<ProviderContext>, resource: Arc<Auth0TenantSetupResource>) -> Self {
        Self { context, resource }
    }
}

#[async_trait]
impl ListResource for Auth0SetupList {
    type Config = Filters;
    type State = TenantSetupState;

    fn schema(&self) -> Schema {
        filters_schema("Auth0 setup")
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Filters) {
        validate_filters(diags, &config);
    }

    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: Filters,
        request: ListRequest,
    ) -> Vec<Listed<TenantSetupState>> {
        let wanted = Wanted::of(&config);
        let Some(backends) = backends(diags, &self.context) else {
            return Vec::new();
        };
        let Some((auth0, vault)) = self.resource.clients(diags, &backends).await else {
            return Vec::new();
        };
        let keys = match self.resource.marked_keys(&auth0).await {
            Ok(keys) => keys,
            Err(e) => {
                diags.error_root(
                    "Listing the Auth0 setups failed",
                    format!(
                        "The setups are found by the marks of the Auth0 tenant at {}: {}.",
                        auth0.base_url(),
                        chain(&e)
                    ),
                );
                return Vec::new();
            }
        };
        let keys: Vec<DeploymentKey> = keys.into_iter().filter(|k| wanted.key_matches(k)).collect();
        let keys = filter_by_record(diags, vault, &backends.kv_mount, keys, &wanted).await;
        if !request.include_resource {
            return listed(
                keys.into_iter()
                    .map(|k| (k, TenantSetupState::default()))
                    .collect(),
                false,
            );
        }
        let found = import_each(diags, &self.resource, keys, "Auth0 setup", |_| true).await;
        listed(found, true)
    }
}

// ---------------------------------------------------------------------------------------
// ff_platform_bootstrap
// ---------------------------------------------------------------------------------------

/// `list "ff_platform_bootstrap"`.
pub struct BootstrapList {
    context: Arc<ProviderContext>,
    resource: Arc<PlatformBootstrapResource>,
}

impl BootstrapList {
    /// The list over `resource`.
    pub fn new(context: Arc<ProviderContext>, resource: Arc<PlatformBootstrapResource>) -> Self {
        Self { context, resource }
    }
}

#[async_trait]
impl ListResource for BootstrapList {
    type Config = Filters;
    type State = BootstrapState;

    fn schema(&self) -> Schema {
        filters_schema("platform bootstrap")
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Filters) {
        validate_filters(diags, &config);
    }

    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: Filters,
        request: ListRequest,
    ) -> Vec<Listed<BootstrapState>> {
        let wanted = Wanted::of(&config);
        let Some(backends) = backends(diags, &self.context) else {
            return Vec::new();
        };
        let Some(vault) = apply_backend(diags, &backends.vault, "Vault", "ff_platform_bootstrap")
        else {
            return Vec::new();
        };
        let mount = backends.kv_mount.as_str();
        let Some(keys) = vault_keys(diags, vault, mount).await else {
            return Vec::new();
        };
        let keys: Vec<DeploymentKey> = keys.into_iter().filter(|k| wanted.key_matches(k)).collect();
        // A bootstrap is there when its record is.
        let checks = keys.into_iter().map(|key| async move {
            let names = Names::new(&key, mount);
            let record = vault
                .kv_metadata(mount, &names.platform_record_path())
                .await;
            (key, record)
        });
        let mut with_record = Vec::new();
        let mut stream = futures::stream::iter(checks).buffered(CONCURRENCY);
        while let Some((key, record)) = stream.next().await {
            match record {
                Ok(Some(metadata)) if metadata.latest_is_live() => with_record.push(key),
                Ok(_) => {}
                Err(e) => diags.warning_root(
                    format!("The bootstrap record of {key} could not be read"),
                    format!("It is left out of the list: {}.", chain(&e)),
                ),
            }
        }
        let keys = filter_by_record(diags, vault, mount, with_record, &wanted).await;
        if !request.include_resource {
            return listed(
                keys.into_iter()
                    .map(|k| (k, BootstrapState::default()))
                    .collect(),
                false,
            );
        }
        let found = import_each(diags, &self.resource, keys, "platform bootstrap", |_| true).await;
        listed(found, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> DeploymentKey {
        DeploymentKey::parse(k).expect("valid key")
    }

    #[test]
    fn filters_match_prefix_cloud_and_labels() {
        let wanted = Wanted::of(&Filters {
            cloud: Value::Value("aws".into()),
            key_prefix: Value::Value("wm-".into()),
            labels: Value::Value(BTreeMap::from([(
                "team".into(),
                Value::Value("platform".into()),
            )])),
        });
        assert!(wanted.key_matches(&key("WM-Prod")));
        assert!(!wanted.key_matches(&key("AC-Prod")));
        assert!(wanted.needs_record());
        let labels = BTreeMap::from([("team".to_string(), "platform".to_string())]);
        assert!(wanted.record_matches(Some("aws"), &labels));
        assert!(!wanted.record_matches(Some("azure"), &labels));
        assert!(!wanted.record_matches(None, &labels));
        assert!(!wanted.record_matches(Some("aws"), &BTreeMap::new()));
        assert!(!Wanted::of(&Filters::default()).needs_record());
    }

    #[test]
    fn bad_filters_are_refused_with_their_path() {
        let mut diags = Diagnostics::default();
        validate_filters(
            &mut diags,
            &Filters {
                cloud: Value::Value("gcp".into()),
                key_prefix: Value::Value("WM_".into()),
                labels: Value::Null,
            },
        );
        let paths: Vec<String> = diags
            .errors()
            .iter()
            .map(|d| d.attribute.clone().unwrap_or_default().to_string())
            .collect();
        assert_eq!(paths, vec!["cloud", "key_prefix"]);
    }
}
