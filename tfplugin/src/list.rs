//! List resources (protocol 6.10, Terraform ≥ 1.14): what `terraform query` lists — the
//! existing objects of a managed resource type, each by its identity, optionally with the
//! state an import would give — so that `-generate-config-out` can write the resource and
//! `import` blocks that adopt them.
//!
//! A list resource has the name of the managed resource type it lists, which must declare an
//! identity. Its schema is the `config` block of a `list` block: the filters.

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diagnostics::Diagnostics;
use crate::dynamic::Dynamic;
use crate::schema::Schema;
use crate::serde_tree::{from_dynamic, to_dynamic};

/// What Terraform asks for besides the filters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListRequest {
    /// Whether each object's whole state is wanted (`include_resource = true`).
    pub include_resource: bool,
    /// The most objects Terraform reads (the `list` block's `limit`, 100 by default).
    pub limit: i64,
}

/// One object found.
pub struct Listed<S> {
    /// A human-readable name for it.
    pub display_name: String,
    /// Its identity, a value of the managed type's identity schema.
    pub identity: Dynamic,
    /// Its state, when asked for (`include_resource`).
    pub state: Option<S>,
}

/// A list resource type, in the terms of its filters and of the listed type's model.
#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    /// The filters (the `config` block).
    type Config: DeserializeOwned + Send;
    /// The listed managed resource type's model.
    type State: Serialize + Send;

    /// The filters' schema.
    fn schema(&self) -> Schema;

    /// Checks the filters (values may be unknown).
    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config) {
        let _ = (diags, config);
    }

    /// Finds the objects. Finding none is not an error.
    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config,
        request: ListRequest,
    ) -> Vec<Listed<Self::State>>;
}

/// A list resource type in terms of wire values; every [`ListResource`] is one.
#[async_trait]
pub trait DynListResource: Send + Sync {
    /// The filters' schema.
    fn schema(&self) -> Schema;
    /// `ValidateListResourceConfig`.
    async fn validate(&self, diags: &mut Diagnostics, config: Dynamic);
    /// `ListResource`: the objects, states as trees of the listed type.
    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: Dynamic,
        request: ListRequest,
    ) -> Vec<Listed<Dynamic>>;
}

#[async_trait]
impl<L: ListResource> DynListResource for L {
    fn schema(&self) -> Schema {
        ListResource::schema(self)
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Dynamic) {
        match from_dynamic(config) {
            Ok(config) => ListResource::validate(self, diags, config).await,
            Err(e) => diags.error(
                "Invalid list configuration",
                format!(
                    "The provider could not read the list block's config: {}.",
                    e.message
                ),
                Some(e.path),
            ),
        }
    }

    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: Dynamic,
        request: ListRequest,
    ) -> Vec<Listed<Dynamic>> {
        let config = match from_dynamic(config) {
            Ok(config) => config,
            Err(e) => {
                diags.error(
                    "Invalid list configuration",
                    format!(
                        "The provider could not read the list block's config: {}.",
                        e.message
                    ),
                    Some(e.path),
                );
                return Vec::new();
            }
        };
        let found = ListResource::list(self, diags, config, request).await;
        let mut out = Vec::with_capacity(found.len());
        for item in found {
            let state = match item.state.map(|s| to_dynamic(&s)).transpose() {
                Ok(state) => state,
                Err(e) => {
                    diags.error(
                        "Invalid listed state",
                        format!(
                            "The provider could not write the state of {}: {}. This is a bug in \
                             the provider; please report it.",
                            item.display_name, e.message
                        ),
                        Some(e.path),
                    );
                    continue;
                }
            };
            out.push(Listed {
                display_name: item.display_name,
                identity: item.identity,
                state,
            });
        }
        out
    }
}
