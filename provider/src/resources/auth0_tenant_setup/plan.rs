//! Planning `ff_auth0_tenant_setup`: the defaults and everything the plan knows from the
//! configuration, the ids it keeps, and what a configuration asks for once every value is
//! known.

use std::collections::BTreeMap;

use tfplugin::{AttributePath, Diagnostics, Value};

use super::Auth0TenantSetupResource;
use super::model::{
    Api, App, DEFAULT_TOKEN_LIFETIME, Desired, RESOURCE, TenantSetupState, default_grant_types,
    list_of, set_map_of, set_of,
};
use crate::context::Backends;
use crate::diag::attr;
use crate::naming::{DeploymentKey, Names};
use crate::resources::lifecycle::{null_if_unknown, parse_key};
use crate::resources::{StateMap, backends, plan_backend};

impl Auth0TenantSetupResource {
    fn plan_backends(&self, diags: &mut Diagnostics) -> Option<Backends> {
        let backends = backends(diags, &self.context)?;
        let auth0 = plan_backend(diags, &backends.auth0, "Auth0", RESOURCE);
        let vault = plan_backend(diags, &backends.vault, "Vault", RESOURCE);
        if auth0.is_err() || vault.is_err() {
            return None;
        }
        Some(backends)
    }

    /// The planned state of a new setup (`prior` `None`) or of a change to one: the
    /// configuration with its defaults and computed values, and the attributes that force a
    /// replacement.
    pub(super) fn plan(
        &self,
        diags: &mut Diagnostics,
        prior: Option<&TenantSetupState>,
        proposed: TenantSetupState,
    ) -> Option<(TenantSetupState, Vec<AttributePath>)> {
        let backends = self.plan_backends(diags)?;
        let mut state = proposed;
        let mut replace = Vec::new();
        if let Some(prior) = prior
            && state.deployment_key != prior.deployment_key
        {
            replace.push(attr("deployment_key"));
        }
        match parse_key(diags, &state.deployment_key, "deployment_key") {
            Some(key) => plan_known(&mut state, &Names::new(&key, &backends.kv_mount)),
            None if diags.has_errors() => return None,
            None => {
                state.id = Value::Unknown;
                state.vault_paths = Value::Unknown;
            }
        }
        plan_computed(&mut state, prior.filter(|_| replace.is_empty()));
        Some((state, replace))
    }
}

/// The desired setup, when every value it depends on is known.
pub(super) fn desired_of(state: &TenantSetupState, kv_mount: &str) -> Option<Desired> {
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
pub(super) fn plan_known(state: &mut TenantSetupState, names: &Names) {
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

pub(super) fn plan_computed(state: &mut TenantSetupState, prior: Option<&TenantSetupState>) {
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

pub(super) fn null_unknowns(state: &mut TenantSetupState) {
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
    null_if_unknown(&mut state.api_id);
}
