//! Managed resources: the [`Resource`] trait a provider implements for each resource type,
//! in the terms of its own model, and [`DynResource`], the same in terms of wire values,
//! which the server calls.
//!
//! The model is a serde struct of [`Value`](crate::value::Value) fields. The private state
//! is any serde type with a default (the default is what a resource without private state
//! reads); it is stored by Terraform as MessagePack and never shown to the user.
//!
//! Terraform's lifecycle, and which method answers each step:
//!
//! | Terraform asks | method |
//! |---|---|
//! | `ValidateResourceConfig` | [`Resource::validate`] |
//! | `UpgradeResourceState` (older schema version) | [`Resource::upgrade`] |
//! | `ReadResource` (refresh) | [`Resource::read`] |
//! | `PlanResourceChange` | [`Resource::plan_create`], [`Resource::plan_update`], [`Resource::plan_destroy`] |
//! | `ApplyResourceChange` | [`Resource::create`], [`Resource::update`], [`Resource::destroy`] |
//! | `ImportResourceState` | [`Resource::import`] |

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::msgpack;
use crate::diagnostics::{AttributePath, Diagnostics};
use crate::dynamic::Dynamic;
use crate::schema::{IdentitySchema, Schema};
use crate::serde_tree::{TreeError, from_dynamic, to_dynamic};

/// What the calling Terraform says it can handle (protocol 6.6 and later; all `false` when
/// an older Terraform does not say).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// It can handle deferred changes (Terraform ≥ 1.9 with deferrals enabled).
    pub deferral_allowed: bool,
    /// It handles write-only attributes: passes them to the provider and never stores them
    /// (Terraform ≥ 1.11). Without it, a write-only value would be stored like any other.
    pub write_only_attributes_allowed: bool,
}

/// A managed resource type, in the terms of its model.
///
/// Every method reports problems in `diags`. Methods returning `Option` return `None` when
/// they have nothing to return — the resource is gone (`read`), nothing could be planned or
/// done — and `Some` with the state of what exists otherwise, even alongside errors: a
/// create that fails midway returns what it made, so that Terraform records it.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The model of the configuration, plan and state.
    type State: Serialize + DeserializeOwned + Send + Sync;
    /// What the resource keeps between operations without showing it.
    type Private: Serialize + DeserializeOwned + Default + Send + Sync;

    /// The schema.
    fn schema(&self) -> Schema;

    /// The identity schema (protocol 6.9); `None` when the type declares no identity.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// Checks a configuration (values may be unknown). `client` says what the calling
    /// Terraform can handle.
    async fn validate(
        &self,
        diags: &mut Diagnostics,
        config: Self::State,
        client: ClientCapabilities,
    ) {
        let _ = (diags, config, client);
    }

    /// Turns a state stored by schema `version` (older than the current one) into the
    /// current model. `raw` is that state's JSON.
    async fn upgrade(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        raw: serde_json::Value,
    ) -> Option<Self::State> {
        let _ = raw;
        diags.error(
            "Stored state cannot be upgraded",
            format!(
                "The state was written by schema version {version} of this resource, which this \
                 provider version cannot read. Use the provider version that wrote it, or remove \
                 the resource from the state and import it again."
            ),
            None,
        );
        None
    }

    /// Reads what exists; `None` when the remote object is gone.
    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// Plans a create from the proposed state (configuration plus prior computed values).
    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State,
        config: Self::State,
    ) -> Option<(Self::State, Self::Private)>;

    /// Plans an update; the paths returned are the attributes whose change replaces the
    /// resource.
    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        proposed: Self::State,
        config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)>;

    /// Plans a destroy (Terraform ≥ 1.3 asks; older versions go straight to `destroy`).
    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        prior_private: Self::Private,
    ) -> Option<Self::Private> {
        let _ = (diags, prior);
        Some(prior_private)
    }

    /// Creates what the plan says.
    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State,
        config: Self::State,
        planned_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// Updates to what the plan says.
    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        planned: Self::State,
        config: Self::State,
        planned_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// Deletes; `None` when something could not be deleted (Terraform keeps the state).
    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        planned_private: Self::Private,
    ) -> Option<()>;

    /// Builds the state of an existing object from its import id.
    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)>;

    /// The identity (protocol 6.9) of the object `state` describes, as a value of the identity
    /// schema's type; `None` when the type declares no identity or the state does not tell it
    /// yet (a planned create whose name is unknown).
    fn identity(&self, state: &Self::State) -> Option<Dynamic> {
        let _ = state;
        None
    }

    /// Builds the state of an existing object from the identity an `import` block gives
    /// (Terraform ≥ 1.12).
    async fn import_identity(
        &self,
        diags: &mut Diagnostics,
        identity: Dynamic,
    ) -> Option<(Self::State, Self::Private)> {
        let _ = identity;
        diags.error(
            "Import by identity is not supported",
            "This resource type is imported by its id: `terraform import ADDRESS ID`, or an \
             import block with `id = ...`.",
            None,
        );
        None
    }
}

/// A state on its way to the wire, with the private state and the identity that go with it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Encoded {
    /// The state, as a tree of the schema's type.
    pub state: Dynamic,
    /// The private state's bytes.
    pub private: Vec<u8>,
    /// The identity, when the type has one and the state tells it.
    pub identity: Option<Dynamic>,
}

/// A managed resource type in terms of wire values; every [`Resource`] is one. The server
/// calls these; states are [`Dynamic`] trees already decoded with the schema's type.
#[async_trait]
pub trait DynResource: Send + Sync {
    /// The schema.
    fn schema(&self) -> Schema;
    /// The identity schema.
    fn identity_schema(&self) -> Option<IdentitySchema>;
    /// `ValidateResourceConfig`.
    async fn validate(&self, diags: &mut Diagnostics, config: Dynamic, client: ClientCapabilities);
    /// `UpgradeResourceState` from an older version.
    async fn upgrade(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        raw: serde_json::Value,
    ) -> Option<Dynamic>;
    /// `ReadResource`.
    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Dynamic,
        private: &[u8],
    ) -> Option<Encoded>;
    /// `PlanResourceChange` for a create.
    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Dynamic,
        config: Dynamic,
    ) -> Option<Encoded>;
    /// `PlanResourceChange` for an update.
    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        proposed: Dynamic,
        config: Dynamic,
        prior_private: &[u8],
    ) -> Option<(Encoded, Vec<AttributePath>)>;
    /// `PlanResourceChange` for a destroy.
    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        prior_private: &[u8],
    ) -> Option<Vec<u8>>;
    /// `ApplyResourceChange` for a create.
    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned: Dynamic,
        config: Dynamic,
        planned_private: &[u8],
    ) -> Option<Encoded>;
    /// `ApplyResourceChange` for an update.
    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        planned: Dynamic,
        config: Dynamic,
        planned_private: &[u8],
    ) -> Option<Encoded>;
    /// `ApplyResourceChange` for a destroy.
    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        planned_private: &[u8],
    ) -> Option<()>;
    /// `ImportResourceState` by id.
    async fn import(&self, diags: &mut Diagnostics, id: String) -> Option<Encoded>;
    /// `ImportResourceState` by identity.
    async fn import_identity(&self, diags: &mut Diagnostics, identity: Dynamic) -> Option<Encoded>;
}

/// Reports a value the model cannot hold (a bug of the provider or a schema mismatch).
fn model_error(diags: &mut Diagnostics, what: &str, error: &TreeError) {
    diags.error(
        format!("Invalid {what}"),
        format!(
            "The provider could not read the {what} Terraform sent: {}. This is a bug in the \
             provider; please report it.",
            error.message
        ),
        Some(error.path.clone()),
    );
}

fn decode<T: DeserializeOwned>(diags: &mut Diagnostics, what: &str, value: Dynamic) -> Option<T> {
    match from_dynamic(value) {
        Ok(model) => Some(model),
        Err(e) => {
            model_error(diags, what, &e);
            None
        }
    }
}

fn encode<T: Serialize>(diags: &mut Diagnostics, what: &str, model: &T) -> Option<Dynamic> {
    match to_dynamic(model) {
        Ok(tree) => Some(tree),
        Err(e) => {
            diags.error(
                format!("Invalid {what}"),
                format!(
                    "The provider could not write its {what}: {}. This is a bug in the provider; \
                     please report it.",
                    e.message
                ),
                Some(e.path),
            );
            None
        }
    }
}

/// Private state from its bytes; none at all is the default.
fn decode_private<T: DeserializeOwned + Default>(
    diags: &mut Diagnostics,
    bytes: &[u8],
) -> Option<T> {
    let tree = match msgpack::decode_untyped(bytes) {
        Ok(tree) => tree,
        Err(e) => {
            diags.error(
                "Invalid private state",
                format!("The resource's private state cannot be read: {e}. Remove the resource from the state and import it again."),
                None,
            );
            return None;
        }
    };
    if tree.is_null() {
        return Some(T::default());
    }
    decode(diags, "private state", tree)
}

fn encode_private<T: Serialize>(diags: &mut Diagnostics, private: &T) -> Option<Vec<u8>> {
    let tree = encode(diags, "private state", private)?;
    Some(if tree.is_null() {
        Vec::new()
    } else {
        msgpack::encode_untyped(&tree)
    })
}

fn encode_pair<R: Resource + ?Sized>(
    resource: &R,
    diags: &mut Diagnostics,
    (state, private): (R::State, R::Private),
) -> Option<Encoded> {
    let identity = resource.identity(&state);
    Some(Encoded {
        state: encode(diags, "state", &state)?,
        private: encode_private(diags, &private)?,
        identity,
    })
}

#[async_trait]
impl<R: Resource> DynResource for R {
    fn schema(&self) -> Schema {
        Resource::schema(self)
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Resource::identity_schema(self)
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Dynamic, client: ClientCapabilities) {
        if let Some(config) = decode(diags, "configuration", config) {
            Resource::validate(self, diags, config, client).await;
        }
    }

    async fn upgrade(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        raw: serde_json::Value,
    ) -> Option<Dynamic> {
        let state = Resource::upgrade(self, diags, version, raw).await?;
        encode(diags, "state", &state)
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Dynamic,
        private: &[u8],
    ) -> Option<Encoded> {
        let state = decode(diags, "state", state)?;
        let private = decode_private(diags, private)?;
        let read = Resource::read(self, diags, state, private).await?;
        encode_pair(self, diags, read)
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Dynamic,
        config: Dynamic,
    ) -> Option<Encoded> {
        let proposed = decode(diags, "proposed state", proposed)?;
        let config = decode(diags, "configuration", config)?;
        let planned = Resource::plan_create(self, diags, proposed, config).await?;
        encode_pair(self, diags, planned)
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        proposed: Dynamic,
        config: Dynamic,
        prior_private: &[u8],
    ) -> Option<(Encoded, Vec<AttributePath>)> {
        let prior = decode(diags, "prior state", prior)?;
        let proposed = decode(diags, "proposed state", proposed)?;
        let config = decode(diags, "configuration", config)?;
        let prior_private = decode_private(diags, prior_private)?;
        let (state, private, replace) =
            Resource::plan_update(self, diags, prior, proposed, config, prior_private).await?;
        Some((encode_pair(self, diags, (state, private))?, replace))
    }

    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        prior_private: &[u8],
    ) -> Option<Vec<u8>> {
        let prior = decode(diags, "prior state", prior)?;
        let prior_private = decode_private(diags, prior_private)?;
        let private = Resource::plan_destroy(self, diags, prior, prior_private).await?;
        encode_private(diags, &private)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned: Dynamic,
        config: Dynamic,
        planned_private: &[u8],
    ) -> Option<Encoded> {
        let planned = decode(diags, "planned state", planned)?;
        let config = decode(diags, "configuration", config)?;
        let planned_private = decode_private(diags, planned_private)?;
        let made = Resource::create(self, diags, planned, config, planned_private).await?;
        encode_pair(self, diags, made)
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        planned: Dynamic,
        config: Dynamic,
        planned_private: &[u8],
    ) -> Option<Encoded> {
        let prior = decode(diags, "prior state", prior)?;
        let planned = decode(diags, "planned state", planned)?;
        let config = decode(diags, "configuration", config)?;
        let planned_private = decode_private(diags, planned_private)?;
        let done = Resource::update(self, diags, prior, planned, config, planned_private).await?;
        encode_pair(self, diags, done)
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Dynamic,
        planned_private: &[u8],
    ) -> Option<()> {
        let prior = decode(diags, "prior state", prior)?;
        let planned_private = decode_private(diags, planned_private)?;
        Resource::destroy(self, diags, prior, planned_private).await
    }

    async fn import(&self, diags: &mut Diagnostics, id: String) -> Option<Encoded> {
        let imported = Resource::import(self, diags, id).await?;
        encode_pair(self, diags, imported)
    }

    async fn import_identity(&self, diags: &mut Diagnostics, identity: Dynamic) -> Option<Encoded> {
        let imported = Resource::import_identity(self, diags, identity).await?;
        encode_pair(self, diags, imported)
    }
}
