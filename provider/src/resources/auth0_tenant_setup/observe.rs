//! Observing `ff_auth0_tenant_setup`: what Auth0 and Vault hold for a deployment, found by
//! the deployment key every object carries, and the state that describes it (read, import,
//! and the keys `terraform query` lists).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;
use tfplugin::{Diagnostics, Value};

use super::model::{
    ApiBlock, ApplicationBlock, Credentials, DEFAULT_TOKEN_LIFETIME, Observed, StrList, StrSet,
    TenantSetupState,
};
use super::{Auth0TenantSetupResource, Step, StepError, report};
use crate::backends::auth0::{Auth0Client, ClientGrant, ResourceServer, Role};
use crate::backends::http::BackendError;
use crate::backends::vault::VaultClient;
use crate::diag::DiagnosticsExt;
use crate::naming::{
    AUTH0_META_APPLICATION, AUTH0_META_KEY, AUTH0_META_ROTATION, DeploymentKey, Names,
};
use crate::resources::{StateMap, backends};

/// Everything of the deployment in Auth0 (and, with `vault`, which credentials in Vault
/// are current).
pub(super) async fn observe(
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
    observed.grants = grants_to_api(&observed, &grants);
    observed.roles = marked_roles(names, &roles);
    if with_permissions {
        read_permissions(auth0, &mut observed).await?;
    }
    if let Some(vault) = vault {
        observed.vault_ok = current_credentials(auth0, vault, names, &observed).await?;
    }
    Ok(observed)
}

/// The grants of the deployment's clients to its API (none without an API).
fn grants_to_api(observed: &Observed, grants: &[ClientGrant]) -> Vec<ClientGrant> {
    let Some(api) = &observed.api else {
        return Vec::new();
    };
    let ids: BTreeSet<&str> = observed
        .clients
        .values()
        .flatten()
        .map(|c| c.client_id.as_str())
        .collect();
    grants
        .iter()
        .filter(|g| g.audience == api.identifier && ids.contains(g.client_id.as_str()))
        .cloned()
        .collect()
}

/// The deployment's roles by name: those whose description is the deployment's mark.
fn marked_roles(
    names: &Names,
    roles: &[Role],
) -> BTreeMap<String, (Role, Option<Vec<crate::backends::auth0::Permission>>)> {
    let marker = names.auth0_role_description();
    let mut found = BTreeMap::new();
    for role in roles.iter() {
        if role.description.as_deref() == Some(marker.as_str())
            && let Some(name) = names.auth0_role_of(&role.name)
        {
            found.insert(name.to_string(), (role.clone(), None));
        }
    }
    found
}

/// Read the permissions of every observed role.
async fn read_permissions(auth0: &Auth0Client, observed: &mut Observed) -> Result<(), StepError> {
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
    Ok(())
}

/// The applications whose credentials in Vault match their client, the tenant and the API.
async fn current_credentials(
    auth0: &Auth0Client,
    vault: &VaultClient,
    names: &Names,
    observed: &Observed,
) -> Result<BTreeSet<String>, StepError> {
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
    let mut current = BTreeSet::new();
    for (app, client_id, record) in futures::future::join_all(checks).await {
        let record = record.step(format!(
            "reading the credentials of application {app:?} in Vault"
        ))?;
        let matches = record
            .and_then(|r| {
                serde_json::from_value::<Credentials>(Json::Object(r.data.into_iter().collect()))
                    .ok()
            })
            .is_some_and(|c| {
                c.client_id == client_id
                    && !c.client_secret.is_empty()
                    && c.domain == domain
                    && c.audience == audience
            });
        if matches {
            current.insert(app);
        }
    }
    Ok(current)
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

/// A map of sets as the state shows it: an empty map keeps the prior form (absent or `{}`).
fn set_map_value(
    map: BTreeMap<String, StrSet>,
    prior: Option<&Value<BTreeMap<String, StrSet>>>,
) -> Value<BTreeMap<String, StrSet>> {
    if map.is_empty() && !prior.is_some_and(|p| p.is_value()) {
        Value::Null
    } else {
        Value::Value(map)
    }
}

/// The state that describes what was observed; `prior` supplies the form of empty values.
pub(super) fn state_of(
    observed: &Observed,
    names: &Names,
    prior: Option<&TenantSetupState>,
) -> TenantSetupState {
    let mut state = TenantSetupState {
        id: Value::Value(names.key().to_string()),
        deployment_key: Value::Value(names.key().to_string()),
        ..Default::default()
    };
    observed_applications(&mut state, observed, names, prior);
    if let Some(api) = &observed.api {
        state.api = Value::Value(api_block(api, prior));
        state.api_id = Value::Value(api.id.clone());
    }
    state.grants = set_map_value(observed_grants(observed), prior.map(|p| &p.grants));
    let (roles, role_ids) = observed_roles(observed);
    state.roles = set_map_value(roles, prior.map(|p| &p.roles));
    state.role_ids = Value::Value(role_ids);
    state
}

/// The applications, their client ids, Vault paths and rotation trigger in `state`.
fn observed_applications(
    state: &mut TenantSetupState,
    observed: &Observed,
    names: &Names,
    prior: Option<&TenantSetupState>,
) {
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
}

/// The `api` block that describes an observed API.
fn api_block(api: &ResourceServer, prior: Option<&TenantSetupState>) -> ApiBlock {
    let scopes: StateMap = api
        .scopes
        .iter()
        .flatten()
        .map(|s| {
            (
                s.value.clone(),
                Value::Value(s.description.clone().unwrap_or_default()),
            )
        })
        .collect();
    // An API without scopes shows them absent unless the prior state had `{}`.
    let scopes = if scopes.is_empty()
        && !prior
            .and_then(|p| p.api.as_ref_option())
            .is_some_and(|a| a.scopes.is_value())
    {
        Value::Null
    } else {
        Value::Value(scopes)
    };
    ApiBlock {
        identifier: Value::Value(api.identifier.clone()),
        scopes,
        token_lifetime: Value::Value(api.token_lifetime.unwrap_or(DEFAULT_TOKEN_LIFETIME)),
    }
}

/// Application → the scopes of the API it is granted.
fn observed_grants(observed: &Observed) -> BTreeMap<String, StrSet> {
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
    grants
}

/// Role → its permissions on the API, and role → its id.
fn observed_roles(observed: &Observed) -> (BTreeMap<String, StrSet>, StateMap) {
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
    (roles, role_ids)
}

impl Auth0TenantSetupResource {
    /// The deployment keys the tenant's objects carry in their marks: the applications'
    /// `client_metadata` and the roles' descriptions (what `terraform query` lists).
    pub(crate) async fn marked_keys(
        &self,
        auth0: &Auth0Client,
    ) -> Result<BTreeSet<DeploymentKey>, BackendError> {
        let (clients, roles) = tokio::join!(auth0.clients(""), auth0.roles(""));
        let mut keys = BTreeSet::new();
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

    /// Refresh: the state as Auth0 and Vault hold it, `None` when the setup is gone, the
    /// state as it was when they cannot be read.
    pub(super) async fn refresh(
        &self,
        diags: &mut Diagnostics,
        state: TenantSetupState,
    ) -> Option<TenantSetupState> {
        let backends = backends(diags, &self.context)?;
        let Some((auth0, vault)) = self.clients(diags, &backends).await else {
            return Some(state);
        };
        let Some(key) = Self::key_of(diags, &state) else {
            return Some(state);
        };
        let names = Names::new(&key, &backends.kv_mount);
        match observe(&auth0, Some(vault), &names, true).await {
            Ok(observed) if !observed.anything() => {
                tracing::info!(deployment = %key, "the Auth0 setup no longer exists");
                None
            }
            Ok(observed) => Some(state_of(&observed, &names, Some(&state))),
            Err(failure) => {
                report(
                    diags,
                    key.as_str(),
                    &failure,
                    "The state was left as it was.",
                );
                Some(state)
            }
        }
    }

    /// Import: the whole state rebuilt from Auth0 and Vault by the deployment key `id`.
    pub(super) async fn import_key(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<TenantSetupState> {
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
            Ok(observed) if observed.anything() => Some(state_of(&observed, &names, None)),
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
