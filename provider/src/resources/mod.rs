//! The provider's resources, one file each, and the small helpers they share: schema
//! building blocks and access to the configured backends. The lifecycle engine (a failed
//! step, its diagnostic, converging again) is in [`lifecycle`].

use std::collections::BTreeMap;
use std::sync::Arc;

use tfplugin::ephemeral::DynEphemeralResource;
use tfplugin::list::DynListResource;
use tfplugin::schema::{Attribute, Constraint, IdentityAttribute, IdentitySchema};
use tfplugin::{AttributePath, Diagnostics, DynResource, Dynamic, Type, Value};

use crate::diag::DiagnosticsExt;
use crate::provider::{Backends, ProviderContext, Slot};

pub mod auth0_tenant_setup;
pub mod deployment;
pub mod ephemeral;
pub mod lifecycle;
pub mod list;
pub mod platform_bootstrap;

pub use lifecycle::{CONVERGE_ATTEMPTS, CONVERGE_WINDOW, Convergence, converge_backoff};

/// The provider's types, made once per process: the resources, and the list resources that
/// share them (and so share their clients, such as Auth0's token).
pub struct Catalog {
    context: Arc<ProviderContext>,
    deployment: Arc<deployment::DeploymentResource>,
    auth0: Arc<auth0_tenant_setup::Auth0TenantSetupResource>,
    bootstrap: Arc<platform_bootstrap::PlatformBootstrapResource>,
}

impl Catalog {
    /// Every type, over the provider's `context`.
    pub fn new(context: &Arc<ProviderContext>) -> Self {
        Self {
            context: context.clone(),
            deployment: Arc::new(deployment::DeploymentResource::new(context.clone())),
            auth0: Arc::new(auth0_tenant_setup::Auth0TenantSetupResource::new(
                context.clone(),
            )),
            bootstrap: Arc::new(platform_bootstrap::PlatformBootstrapResource::new(
                context.clone(),
            )),
        }
    }

    /// The managed resource types, by full type name.
    pub fn resources(&self) -> Vec<(String, Arc<dyn DynResource>)> {
        vec![
            (
                "ff_deployment".to_string(),
                self.deployment.clone() as Arc<dyn DynResource>,
            ),
            ("ff_auth0_tenant_setup".to_string(), self.auth0.clone()),
            ("ff_platform_bootstrap".to_string(), self.bootstrap.clone()),
        ]
    }

    /// The ephemeral resource types.
    pub fn ephemeral(&self) -> Vec<(String, Arc<dyn DynEphemeralResource>)> {
        vec![
            (
                "ff_secret".to_string(),
                Arc::new(ephemeral::SecretEphemeral::new(self.context.clone()))
                    as Arc<dyn DynEphemeralResource>,
            ),
            (
                "ff_cluster_token".to_string(),
                Arc::new(ephemeral::ClusterTokenEphemeral::new(self.context.clone())),
            ),
        ]
    }

    /// The list resource types (`terraform query`), named as the types they list.
    pub fn lists(&self) -> Vec<(String, Arc<dyn DynListResource>)> {
        vec![
            (
                "ff_deployment".to_string(),
                Arc::new(list::DeploymentList::new(
                    self.context.clone(),
                    self.deployment.clone(),
                )) as Arc<dyn DynListResource>,
            ),
            (
                "ff_auth0_tenant_setup".to_string(),
                Arc::new(list::Auth0SetupList::new(
                    self.context.clone(),
                    self.auth0.clone(),
                )),
            ),
            (
                "ff_platform_bootstrap".to_string(),
                Arc::new(list::BootstrapList::new(
                    self.context.clone(),
                    self.bootstrap.clone(),
                )),
            ),
        ]
    }
}

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

/// Serde codec of an optional nested block (list nesting, at most one element) as a
/// [`Value`]: a present block is a one-element list, an absent one an empty list, and a block
/// that is still unknown stays [`Value::Unknown`]. Terraform sends an unknown block
/// for a `dynamic` block whose `for_each` is not known yet, as when a module's input
/// variables are validated before their values exist.
pub mod optional_block {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use tfplugin::Value;

    /// A present block as a one-element list, a null one as an empty list, an unknown one
    /// as unknown.
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Value<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Value::Unknown => Value::<Vec<T>>::Unknown.serialize(serializer),
            Value::Null => serializer.serialize_seq(Some(0))?.end(),
            Value::Value(block) => {
                let mut seq = serializer.serialize_seq(Some(1))?;
                seq.serialize_element(block)?;
                seq.end()
            }
        }
    }

    /// The inverse of [`serialize`]; more than one element is an error.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Value<T>, D::Error> {
        match Value::<Vec<Value<T>>>::deserialize(deserializer)? {
            Value::Unknown => Ok(Value::Unknown),
            Value::Null => Ok(Value::Null),
            Value::Value(blocks) => {
                let mut blocks = blocks.into_iter();
                match (blocks.next(), blocks.next()) {
                    (None, _) => Ok(Value::Null),
                    (Some(block), None) => Ok(block),
                    (Some(_), Some(_)) => Err(serde::de::Error::custom(
                        "this block may appear at most once",
                    )),
                }
            }
        }
    }
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
