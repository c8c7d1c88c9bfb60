//! Creating and updating `ff_auth0_tenant_setup`: one idempotent convergence of Auth0 and
//! Vault to the configuration, step by step (the API, the applications with their
//! credentials, the grants, the roles, then what is no longer wanted), each step recording
//! its progress in the state.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};
use tfplugin::{Diagnostics, Value};

use super::model::{Api, App, Credentials, Desired, Observed, TenantSetupState};
use super::observe::observe;
use super::plan::{desired_of, null_unknowns, plan_known};
use super::{Auth0TenantSetupResource, Step, StepError, refused, report};
use crate::backends::auth0::{
    Auth0Client, Client, ClientGrant, Permission, ResourceServer, Secret,
};
use crate::backends::vault::VaultClient;
use crate::diag::DiagnosticsExt;
use crate::naming::{
    AUTH0_META_APPLICATION, AUTH0_META_KEY, AUTH0_META_MANAGED_BY, AUTH0_META_ROTATION, MANAGED_BY,
    Names,
};
use crate::resources::lifecycle::{Converged, converge_with_retry};
use crate::resources::{StateMap, backends};

fn vault_metadata(names: &Names) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("managed-by".to_string(), MANAGED_BY.to_string()),
        ("kind".to_string(), "auth0-client".to_string()),
        ("deployment-key".to_string(), names.key().to_string()),
    ])
}

pub(super) fn client_body(names: &Names, name: &str, app: &App, rotation: Option<&str>) -> Json {
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
pub(super) fn client_matches(client: &Client, names: &Names, name: &str, app: &App) -> bool {
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
pub(super) struct Remote<'r> {
    pub(super) auth0: &'r Auth0Client,
    pub(super) vault: &'r VaultClient,
}

/// The ids and Vault paths a convergence has established so far, kept in step with the
/// state it records them in, so that a failure at any step leaves them in the state.
struct Progress<'s> {
    state: &'s mut TenantSetupState,
    client_ids: StateMap,
    vault_paths: StateMap,
    role_ids: StateMap,
}

impl<'s> Progress<'s> {
    /// What was observed of the wanted applications and roles, and the observed API.
    fn observed(state: &'s mut TenantSetupState, desired: &Desired, observed: &Observed) -> Self {
        let names = &desired.names;
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
        Self {
            state,
            client_ids,
            vault_paths,
            role_ids,
        }
    }

    fn api_id(&mut self, id: Option<&str>) {
        self.state.api_id = id.map(str::to_string).into();
    }

    fn client_id(&mut self, app: &str, id: &str) {
        self.client_ids
            .insert(app.to_string(), Value::Value(id.to_string()));
        self.state.client_ids = Value::Value(self.client_ids.clone());
    }

    /// The client id of an application, once known.
    fn client_id_of(&self, app: &str) -> Option<&str> {
        self.client_ids
            .get(app)
            .and_then(|v| v.as_ref_option())
            .map(String::as_str)
    }

    fn vault_path(&mut self, app: &str, path: Option<String>) {
        match path {
            Some(path) => self.vault_paths.insert(app.to_string(), Value::Value(path)),
            None => self.vault_paths.remove(app),
        };
        self.state.vault_paths = Value::Value(self.vault_paths.clone());
    }

    fn no_vault_paths(&mut self) {
        self.vault_paths.clear();
        self.state.vault_paths = Value::Value(self.vault_paths.clone());
    }

    fn role_id(&mut self, role: &str, id: &str) {
        self.role_ids
            .insert(role.to_string(), Value::Value(id.to_string()));
        self.state.role_ids = Value::Value(self.role_ids.clone());
    }
}

/// The API as the convergence left it: its identifier (the audience of the applications'
/// credentials), and whether it is new (so that grants and credentials naming the old one
/// are stale).
struct ApiOutcome {
    identifier: Option<String>,
    changed: bool,
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
    pub(super) async fn converge(
        &self,
        desired: &Desired,
        state: &mut TenantSetupState,
    ) -> Result<(), StepError> {
        let names = &desired.names;
        // Usually ff_deployment has enabled the mount already; a setup used on its own
        // enables it too.
        self.vault
            .ensure_kv2_mount(names.kv_mount())
            .await
            .step(format!(
                "enabling the KV v2 mount {:?} in Vault",
                names.kv_mount()
            ))?;
        let observed = observe(self.auth0, Some(self.vault), names, true).await?;
        let mut progress = Progress::observed(state, desired, &observed);

        // The API first: grants and roles refer to it.
        let api = self.converge_api(desired, &observed, &mut progress).await?;
        if api.changed {
            // Every application's record names the audience.
            progress.no_vault_paths();
        }
        let audience = api.identifier.clone().unwrap_or_default();
        for (name, app) in &desired.apps {
            self.converge_application(desired, &observed, &mut progress, name, app, &audience)
                .await?;
        }
        if let Some(identifier) = &api.identifier {
            self.converge_grants(desired, &observed, &progress, identifier, api.changed)
                .await?;
        }
        for (name, scopes) in &desired.roles {
            self.converge_role(
                desired,
                &observed,
                &mut progress,
                name,
                scopes,
                api.identifier.as_ref(),
            )
            .await?;
        }
        self.remove_unwanted(desired, &observed).await
    }

    /// The API: deleted when none is wanted, replaced when its identifier changes, created
    /// or updated otherwise.
    async fn converge_api(
        &self,
        desired: &Desired,
        observed: &Observed,
        progress: &mut Progress<'_>,
    ) -> Result<ApiOutcome, StepError> {
        let owner = desired.names.key().as_str();
        let api_name = desired.names.auth0_api();
        let Some(wanted) = &desired.api else {
            if let Some(existing) = &observed.api {
                self.auth0
                    .delete_resource_server(owner, &existing.id)
                    .await
                    .step(format!("deleting the Auth0 API {api_name:?}"))?;
            }
            progress.api_id(None);
            return Ok(ApiOutcome {
                identifier: None,
                changed: false,
            });
        };
        let mut changed = false;
        let existing = match &observed.api {
            Some(rs) if rs.identifier != wanted.identifier => {
                // Auth0 cannot change an identifier: replace the API.
                self.auth0
                    .delete_resource_server(owner, &rs.id)
                    .await
                    .step(format!(
                        "deleting the Auth0 API {api_name:?} to change its identifier"
                    ))?;
                progress.api_id(None);
                changed = true;
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
            Some(rs) => self.update_api(owner, &api_name, rs, wanted, body).await?,
            None => {
                changed = true;
                self.create_api(owner, &api_name, wanted, body).await?
            }
        };
        progress.api_id(Some(&rs.id));
        Ok(ApiOutcome {
            identifier: Some(wanted.identifier.clone()),
            changed,
        })
    }

    /// Update the existing API when its scopes or token lifetime differ.
    async fn update_api(
        &self,
        owner: &str,
        api_name: &str,
        rs: ResourceServer,
        wanted: &Api,
        body: Json,
    ) -> Result<ResourceServer, StepError> {
        let scopes: BTreeMap<String, String> = rs
            .scopes
            .iter()
            .flatten()
            .map(|s| (s.value.clone(), s.description.clone().unwrap_or_default()))
            .collect();
        if scopes != wanted.scopes || rs.token_lifetime != Some(wanted.token_lifetime) {
            self.auth0
                .update_resource_server(owner, &rs.id, body)
                .await
                .step(format!("updating the Auth0 API {api_name:?}"))?;
        }
        Ok(rs)
    }

    /// Create the API, refusing an identifier another API already has.
    async fn create_api(
        &self,
        owner: &str,
        api_name: &str,
        wanted: &Api,
        body: Json,
    ) -> Result<ResourceServer, StepError> {
        if let Some(other) = self
            .auth0
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
        self.auth0
            .create_resource_server(owner, create)
            .await
            .step(format!("creating the Auth0 API {api_name:?}"))
    }

    /// One application, with its credentials in Vault: duplicates deleted, the client
    /// created or updated (its secret rotated when the trigger changed).
    async fn converge_application(
        &self,
        desired: &Desired,
        observed: &Observed,
        progress: &mut Progress<'_>,
        name: &str,
        app: &App,
        audience: &str,
    ) -> Result<(), StepError> {
        let names = &desired.names;
        let owner = names.key().as_str();
        let label = format!("{name:?} ({})", names.auth0_application(name));
        let existing = observed.clients.get(name).cloned().unwrap_or_default();
        for extra in existing.iter().skip(1) {
            self.auth0
                .delete_client(owner, &extra.client_id)
                .await
                .step(format!(
                    "deleting a duplicate of the Auth0 application {label}"
                ))?;
        }
        let client_id = match existing.first() {
            Some(client) => {
                self.update_application(desired, progress, name, app, client, audience)
                    .await?;
                client.client_id.clone()
            }
            None => {
                let created = self
                    .auth0
                    .create_client(
                        owner,
                        client_body(names, name, app, desired.rotation.as_deref()),
                    )
                    .await
                    .step(format!("creating the Auth0 application {label}"))?;
                progress.client_id(name, &created.client.client_id);
                self.write_credentials(
                    names,
                    name,
                    &created.client.client_id,
                    &created.secret,
                    audience,
                )
                .await?;
                tracing::info!(deployment = %owner, application = %name, "created the Auth0 application");
                created.client.client_id
            }
        };
        progress.client_id(name, &client_id);
        progress.vault_path(name, Some(names.auth0_vault_path(name)));
        Ok(())
    }

    /// An existing client: its secret rotated (and written to Vault) when the trigger
    /// changed, its settings updated when they differ, its credentials written to Vault
    /// when they are not current there.
    async fn update_application(
        &self,
        desired: &Desired,
        progress: &mut Progress<'_>,
        name: &str,
        app: &App,
        client: &Client,
        audience: &str,
    ) -> Result<(), StepError> {
        let names = &desired.names;
        let owner = names.key().as_str();
        let label = format!("{name:?} ({})", names.auth0_application(name));
        let rotate = client.metadata(AUTH0_META_ROTATION) != desired.rotation.as_deref();
        if rotate {
            let secret = self
                .auth0
                .rotate_secret(owner, &client.client_id)
                .await
                .step(format!(
                    "rotating the secret of the Auth0 application {label}"
                ))?;
            progress.vault_path(name, None);
            self.write_credentials(names, name, &client.client_id, &secret, audience)
                .await?;
            tracing::info!(deployment = %owner, application = %name, "rotated the client secret");
        }
        if rotate || !client_matches(client, names, name, app) {
            self.auth0
                .update_client(
                    owner,
                    &client.client_id,
                    client_body(names, name, app, desired.rotation.as_deref()),
                )
                .await
                .step(format!("updating the Auth0 application {label}"))?;
        }
        if !rotate && !progress.vault_paths.contains_key(name) {
            let secret = self
                .auth0
                .client_secret(&client.client_id)
                .await
                .step(format!(
                    "reading the secret of the Auth0 application {label}"
                ))?;
            self.write_credentials(names, name, &client.client_id, &secret, audience)
                .await?;
        }
        Ok(())
    }

    /// The grants of the applications to the API `identifier`: created, updated to their
    /// scopes, and deleted when no longer wanted.
    async fn converge_grants(
        &self,
        desired: &Desired,
        observed: &Observed,
        progress: &Progress<'_>,
        identifier: &str,
        api_changed: bool,
    ) -> Result<(), StepError> {
        let owner = desired.names.key().as_str();
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
            let Some(client_id) = progress.client_id_of(name) else {
                continue;
            };
            let scope: Vec<String> = scopes.iter().cloned().collect();
            let step = format!("granting application {name:?} the scopes of the Auth0 API");
            match existing.get(client_id) {
                Some(grant) => {
                    if grant.scope.iter().cloned().collect::<BTreeSet<_>>() != *scopes {
                        self.auth0
                            .update_client_grant(owner, &grant.id, &scope)
                            .await
                            .step(step)?;
                    }
                }
                None => {
                    self.auth0
                        .create_client_grant(owner, client_id, identifier, &scope)
                        .await
                        .step(step)?;
                }
            }
        }
        let granted: BTreeSet<&str> = desired
            .grants
            .keys()
            .filter_map(|name| progress.client_id_of(name))
            .collect();
        for grant in existing
            .values()
            .filter(|g| !granted.contains(g.client_id.as_str()))
        {
            self.auth0
                .delete_client_grant(owner, &grant.id)
                .await
                .step("removing a grant of the Auth0 API")?;
        }
        Ok(())
    }

    /// One role: created when missing (refused when another deployment's role has its
    /// name), its permissions on the API set to `scopes`.
    async fn converge_role(
        &self,
        desired: &Desired,
        observed: &Observed,
        progress: &mut Progress<'_>,
        name: &str,
        scopes: &BTreeSet<String>,
        api: Option<&String>,
    ) -> Result<(), StepError> {
        let names = &desired.names;
        let owner = names.key().as_str();
        let role_name = names.auth0_role(name);
        let (role_id, current) = match observed.roles.get(name) {
            Some((role, permissions)) => (role.id.clone(), permissions.clone().unwrap_or_default()),
            None => (self.create_role(names, &role_name).await?, Vec::new()),
        };
        progress.role_id(name, &role_id);
        let wanted: BTreeSet<Permission> = match api {
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
            .filter(|p| Some(&p.resource_server_identifier) == api)
            .collect();
        let add: Vec<Permission> = wanted.difference(&on_api).cloned().collect();
        let remove: Vec<Permission> = on_api.difference(&wanted).cloned().collect();
        let step = format!("setting the permissions of the Auth0 role {role_name:?}");
        self.auth0
            .remove_role_permissions(owner, &role_id, &remove)
            .await
            .step(step.clone())?;
        self.auth0
            .add_role_permissions(owner, &role_id, &add)
            .await
            .step(step)
    }

    /// Create a role of the deployment; its id.
    async fn create_role(&self, names: &Names, role_name: &str) -> Result<String, StepError> {
        let owner = names.key().as_str();
        let marker = names.auth0_role_description();
        match self.auth0.create_role(owner, role_name, &marker).await {
            Ok(role) => Ok(role.id),
            Err(e) if e.status().is_some_and(|s| s.as_u16() == 409) => Err(refused(
                format!("creating the Auth0 role {role_name:?}"),
                format!(
                    "Auth0 already has a role named {role_name:?} that does not belong to \
                     deployment {owner} (its description is not {marker:?}); rename the role \
                     in the configuration or in Auth0"
                ),
            )),
            Err(e) => Err(e).step(format!("creating the Auth0 role {role_name:?}")),
        }
    }

    /// Roles and applications no longer wanted, and the credentials of applications no
    /// longer wanted.
    async fn remove_unwanted(
        &self,
        desired: &Desired,
        observed: &Observed,
    ) -> Result<(), StepError> {
        let names = &desired.names;
        let owner = names.key().as_str();
        for (name, (role, _)) in observed
            .roles
            .iter()
            .filter(|(n, _)| !desired.roles.contains_key(*n))
        {
            self.auth0.delete_role(owner, &role.id).await.step(format!(
                "deleting the Auth0 role {:?}",
                names.auth0_role(name)
            ))?;
        }
        for (name, clients) in observed
            .clients
            .iter()
            .filter(|(n, _)| !desired.apps.contains_key(*n))
        {
            for client in clients {
                self.auth0
                    .delete_client(owner, &client.client_id)
                    .await
                    .step(format!("deleting the Auth0 application {name:?}"))?;
            }
        }
        self.remove_credentials(names, Some(&desired.apps.keys().cloned().collect()))
            .await
    }
}

impl Auth0TenantSetupResource {
    /// Create (`prior` `None`) or update: converge to `planned`, again while the failures
    /// are transient, and say what a failure left behind.
    pub(super) async fn apply(
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
        let (remote, desired) = (&remote, &desired);
        let (mut state, converged) = converge_with_retry(owner, state, |mut state| async move {
            let result = remote.converge(desired, &mut state).await;
            (state, result)
        })
        .await;
        let Converged {
            result: outcome,
            convergence,
        } = converged;
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
