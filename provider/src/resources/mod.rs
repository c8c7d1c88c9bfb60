//! The provider's resources, one file each, and the small helpers they share: schema
//! building blocks and access to the configured backends.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics, DynamicResource};

use crate::diag::DiagnosticsExt;
use crate::provider::{Backends, ProviderContext, Slot};

pub mod auth0_tenant_setup;
pub mod deployment;
pub mod platform_bootstrap;

/// Every resource, by its name without the `ff_` prefix.
pub fn all(context: &Arc<ProviderContext>) -> HashMap<String, Box<dyn DynamicResource>> {
    HashMap::from([
        (
            "deployment".to_string(),
            Box::new(deployment::DeploymentResource::new(context.clone()))
                as Box<dyn DynamicResource>,
        ),
        (
            "auth0_tenant_setup".to_string(),
            Box::new(auth0_tenant_setup::Auth0TenantSetupResource::new(
                context.clone(),
            )) as Box<dyn DynamicResource>,
        ),
        (
            "platform_bootstrap".to_string(),
            Box::new(platform_bootstrap::PlatformBootstrapResource::new(
                context.clone(),
            )) as Box<dyn DynamicResource>,
        ),
    ])
}

/// An attribute of a given type, constraint and description.
pub fn attribute(
    attr_type: AttributeType,
    constraint: AttributeConstraint,
    description: &str,
) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

/// `map(string)`.
pub fn string_map() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}

/// `set(string)`.
pub fn string_set() -> AttributeType {
    AttributeType::Set(Box::new(AttributeType::String))
}

/// A map of strings as the state holds it.
pub type StateMap = BTreeMap<String, Value<String>>;

/// A plain map into the state's form.
pub fn to_state_map(map: &BTreeMap<String, String>) -> StateMap {
    map.iter()
        .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
        .collect()
}

/// The state's map as a plain map, `None` while any element is unknown.
pub fn from_state_map(map: &StateMap) -> Option<BTreeMap<String, String>> {
    map.iter()
        .map(|(k, v)| match v {
            Value::Value(v) => Some((k.clone(), v.clone())),
            Value::Null => Some((k.clone(), String::new())),
            Value::Unknown => None,
        })
        .collect()
}

/// A backend that is not configured; the diagnostic naming the setting is already recorded.
#[derive(Debug, Clone, Copy)]
pub struct NotConfigured;

/// A backend a resource needs, at plan time: `Ok(Some)` ready, `Ok(None)` known only at
/// apply, `Err` not configured (the diagnostic is recorded and names the setting).
pub fn plan_backend<'b, T>(
    diags: &mut Diagnostics,
    slot: &'b Slot<T>,
    system: &str,
    resource: &str,
) -> Result<Option<&'b T>, NotConfigured> {
    match slot {
        Slot::Ready(client) => Ok(Some(client)),
        Slot::Unknown => Ok(None),
        Slot::Missing(settings) => {
            diags.error_at(
                AttributePath::root(),
                format!("{system} is not configured"),
                format!(
                    "{resource} needs {system}, but the provider \"ff\" has no {settings}. Set it in \
                     the provider's {} block or in the environment.",
                    system.to_ascii_lowercase()
                ),
            );
            Err(NotConfigured)
        }
    }
}

/// The configured backends, or a diagnostic saying the provider was not configured.
pub fn backends(diags: &mut Diagnostics, context: &ProviderContext) -> Option<Backends> {
    let backends = context.backends();
    if backends.is_none() {
        diags.error_root(
            "Provider not configured",
            "Terraform called the resource before configuring the provider \"ff\"; this is a \
             bug in the calling tool, please report it.",
        );
    }
    backends
}

/// A backend a resource needs at apply (or refresh) time, when it must be usable.
pub fn apply_backend<'b, T>(
    diags: &mut Diagnostics,
    slot: &'b Slot<T>,
    system: &str,
    resource: &str,
) -> Option<&'b T> {
    match slot {
        Slot::Ready(client) => Some(client),
        Slot::Unknown => {
            diags.error_root(
                format!("{system} configuration is not known"),
                format!(
                    "{resource} needs {system}, but part of the provider's {} settings is still \
                     unknown. Apply the resources the provider configuration depends on first.",
                    system.to_ascii_lowercase()
                ),
            );
            None
        }
        Slot::Missing(settings) => {
            diags.error_root(
                format!("{system} is not configured"),
                format!(
                    "{resource} needs {system}, but the provider \"ff\" has no {settings}. Set it in \
                     the provider's {} block or in the environment.",
                    system.to_ascii_lowercase()
                ),
            );
            None
        }
    }
}
