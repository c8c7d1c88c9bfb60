//! The provider's resources, a folder each (a file per lifecycle concern), and the small helpers they share: schema
//! building blocks and access to the configured backends. Resources receive the
//! [`ProviderContext`] and import from the layers under it (context, backends, naming and
//! diagnostics), never the provider entry (which lists them) nor the configuration. The
//! lifecycle engine (a failed step, its diagnostic, converging again) is in [`lifecycle`].

use std::collections::BTreeMap;

use tfplugin::schema::{Attribute, Constraint, IdentityAttribute, IdentitySchema};
use tfplugin::{AttributePath, Diagnostics, Dynamic, Type, Value};

use crate::context::{Backends, ProviderContext, Slot};
use crate::diag::DiagnosticsExt;

pub mod auth0_tenant_setup;
pub mod deployment;
pub mod ephemeral;
pub mod lifecycle;
pub mod list;
pub mod platform_bootstrap;

pub use lifecycle::{CONVERGE_ATTEMPTS, CONVERGE_WINDOW, Convergence, converge_backoff};

/// An attribute of a given type, constraint and description.
pub fn attribute(ty: Type, constraint: Constraint, description: &str) -> Attribute {
    Attribute::new(ty, constraint, description)
}

/// The identity every resource of the provider declares (protocol 6.9): the deployment key,
/// which names the deployment in Vault, Grafana, Auth0 and the cluster.
pub fn key_identity_schema(what: &str) -> IdentitySchema {
    IdentitySchema {
        version: 0,
        attributes: BTreeMap::from([(
            "key".to_string(),
            IdentityAttribute {
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: format!("The deployment key of the {what}, such as `WM-Prod`."),
            },
        )]),
    }
}

/// The identity of a state whose deployment key is `key`; `None` while the key is unknown.
pub fn key_identity(key: &Value<String>) -> Option<Dynamic> {
    key.as_ref_option().map(|key| {
        Dynamic::Map(BTreeMap::from([(
            "key".to_string(),
            Dynamic::String(key.clone()),
        )]))
    })
}

/// The deployment key an `import` block's identity names; a diagnostic at `identity.key`
/// when it names none.
pub fn identity_key(diags: &mut Diagnostics, identity: &Dynamic, resource: &str) -> Option<String> {
    match identity.get("key").map(Dynamic::untyped) {
        Some(Dynamic::String(key)) => match crate::naming::DeploymentKey::parse(key) {
            Ok(_) => Some(key.clone()),
            Err(e) => {
                diags.error_at(
                    AttributePath::new("key"),
                    "Invalid deployment key in the import identity",
                    format!(
                        "The identity of the {resource} to import names {key:?}, which is not a \
                         deployment key: {e}. Give the key, such as identity = {{ key = \"WM-Prod\" }}."
                    ),
                );
                None
            }
        },
        Some(Dynamic::Unknown) => {
            diags.error_at(
                AttributePath::new("key"),
                "Import identity is not known",
                format!(
                    "The identity of the {resource} to import must be known when Terraform plans: \
                     give the deployment key as a literal or a variable, such as identity = {{ key \
                     = \"WM-Prod\" }}."
                ),
            );
            None
        }
        _ => {
            diags.error_at(
                AttributePath::new("key"),
                "Import identity has no key",
                format!(
                    "Import {resource} by its deployment key: identity = {{ key = \"WM-Prod\" }}."
                ),
            );
            None
        }
    }
}

/// `map(string)`.
pub fn string_map() -> Type {
    Type::map(Type::String)
}

/// `set(string)`.
pub fn string_set() -> Type {
    Type::set(Type::String)
}

/// The serde codec of optional nested blocks, shared with the provider configuration.
pub use crate::optional_block;

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

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use tfplugin::Value;
    use tfplugin::serde_tree::{from_dynamic, to_dynamic};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Block {
        url: Value<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "super::optional_block")]
        block: Value<Block>,
    }

    fn round_trip(value: Value<Block>) -> Value<Block> {
        let tree = to_dynamic(&Holder { block: value }).expect("encodes");
        from_dynamic::<Holder>(tree).expect("decodes").block
    }

    #[test]
    fn optional_block_keeps_unknown_null_and_value() {
        assert_eq!(round_trip(Value::Unknown), Value::Unknown);
        assert_eq!(round_trip(Value::Null), Value::Null);
        let block = Block {
            url: Value::Value("http://x".into()),
        };
        assert_eq!(
            round_trip(Value::Value(block)),
            Value::Value(Block {
                url: Value::Value("http://x".into())
            })
        );
    }

    #[test]
    fn optional_block_rejects_two_elements() {
        #[derive(Serialize)]
        struct Two {
            block: Vec<Block>,
        }
        let two = Two {
            block: vec![Block { url: Value::Null }, Block { url: Value::Null }],
        };
        let tree = to_dynamic(&two).expect("encodes");
        let error = from_dynamic::<Holder>(tree).expect_err("two blocks are refused");
        assert!(error.to_string().contains("at most once"), "{error}");
    }
}
