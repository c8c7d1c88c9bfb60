//! Ephemeral resources (protocol 6.7, Terraform ≥ 1.10): values Terraform asks for while it
//! runs — to configure another provider or feed a write-only argument — and never writes to
//! the state or the plan.
//!
//! Terraform's lifecycle, and which method answers each step:
//!
//! | Terraform asks | method |
//! |---|---|
//! | `ValidateEphemeralResourceConfig` | [`EphemeralResource::validate`] |
//! | `OpenEphemeralResource` (only with a wholly known configuration) | [`EphemeralResource::open`] |
//! | `RenewEphemeralResource` (at the time `open` asked for) | [`EphemeralResource::renew`] |
//! | `CloseEphemeralResource` (when the run no longer needs it) | [`EphemeralResource::close`] |

use std::time::SystemTime;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::msgpack;
use crate::diagnostics::Diagnostics;
use crate::dynamic::Dynamic;
use crate::resource::ClientCapabilities;
use crate::schema::Schema;
use crate::serde_tree::{from_dynamic, to_dynamic};

/// What `open` (or `renew`) gives back.
pub struct Opened<M, P> {
    /// The configuration with the computed attributes filled in.
    pub result: M,
    /// What `renew` and `close` need; kept by Terraform for this run only.
    pub private: P,
    /// When Terraform should call `renew`, if the value expires while the run lasts.
    pub renew_at: Option<SystemTime>,
}

/// An ephemeral resource type, in the terms of its model. Its schema holds the arguments
/// and the computed result attributes, and the model both.
#[async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    /// The configuration and result.
    type Model: Serialize + DeserializeOwned + Send + Sync;
    /// What renewing and closing need.
    type Private: Serialize + DeserializeOwned + Default + Send + Sync;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Checks a configuration (values may be unknown).
    async fn validate(&self, diags: &mut Diagnostics, config: Self::Model) {
        let _ = (diags, config);
    }

    /// Produces the value.
    async fn open(
        &self,
        diags: &mut Diagnostics,
        config: Self::Model,
        client: ClientCapabilities,
    ) -> Option<Opened<Self::Model, Self::Private>>;

    /// Extends the value's life; returns when to renew next (`None`: no more).
    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: Self::Private,
    ) -> Option<(Option<SystemTime>, Self::Private)> {
        let _ = diags;
        Some((None, private))
    }

    /// Releases the value.
    async fn close(&self, diags: &mut Diagnostics, private: Self::Private) {
        let _ = (diags, private);
    }
}

/// An opened value on its way to the wire.
pub struct OpenedDyn {
    /// The result, as a tree of the schema's type.
    pub result: Dynamic,
    /// The private bytes.
    pub private: Vec<u8>,
    /// When to renew.
    pub renew_at: Option<SystemTime>,
}

/// An ephemeral resource type in terms of wire values; every [`EphemeralResource`] is one.
#[async_trait]
pub trait DynEphemeralResource: Send + Sync {
    /// The schema.
    fn schema(&self) -> Schema;
    /// `ValidateEphemeralResourceConfig`.
    async fn validate(&self, diags: &mut Diagnostics, config: Dynamic);
    /// `OpenEphemeralResource`.
    async fn open(
        &self,
        diags: &mut Diagnostics,
        config: Dynamic,
        client: ClientCapabilities,
    ) -> Option<OpenedDyn>;
    /// `RenewEphemeralResource`.
    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: &[u8],
    ) -> Option<(Option<SystemTime>, Vec<u8>)>;
    /// `CloseEphemeralResource`.
    async fn close(&self, diags: &mut Diagnostics, private: &[u8]);
}

fn read<T: DeserializeOwned>(diags: &mut Diagnostics, what: &str, value: Dynamic) -> Option<T> {
    match from_dynamic(value) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.error(
                format!("Invalid {what}"),
                format!(
                    "The provider could not read the {what}: {}. This is a bug in the provider; \
                     please report it.",
                    e.message
                ),
                Some(e.path),
            );
            None
        }
    }
}

fn write<T: Serialize>(diags: &mut Diagnostics, what: &str, value: &T) -> Option<Dynamic> {
    match to_dynamic(value) {
        Ok(v) => Some(v),
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

fn read_private<T: DeserializeOwned + Default>(diags: &mut Diagnostics, bytes: &[u8]) -> Option<T> {
    match msgpack::decode_untyped(bytes) {
        Ok(tree) if tree.is_null() => Some(T::default()),
        Ok(tree) => read(diags, "private data", tree),
        Err(e) => {
            diags.error(
                "Invalid private data",
                format!("The ephemeral resource's private data cannot be read: {e}."),
                None,
            );
            None
        }
    }
}

fn write_private<T: Serialize>(diags: &mut Diagnostics, value: &T) -> Option<Vec<u8>> {
    let tree = write(diags, "private data", value)?;
    Some(if tree.is_null() {
        Vec::new()
    } else {
        msgpack::encode_untyped(&tree)
    })
}

#[async_trait]
impl<E: EphemeralResource> DynEphemeralResource for E {
    fn schema(&self) -> Schema {
        EphemeralResource::schema(self)
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Dynamic) {
        if let Some(config) = read(diags, "configuration", config) {
            EphemeralResource::validate(self, diags, config).await;
        }
    }

    async fn open(
        &self,
        diags: &mut Diagnostics,
        config: Dynamic,
        client: ClientCapabilities,
    ) -> Option<OpenedDyn> {
        let config = read(diags, "configuration", config)?;
        let opened = EphemeralResource::open(self, diags, config, client).await?;
        Some(OpenedDyn {
            result: write(diags, "result", &opened.result)?,
            private: write_private(diags, &opened.private)?,
            renew_at: opened.renew_at,
        })
    }

    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: &[u8],
    ) -> Option<(Option<SystemTime>, Vec<u8>)> {
        let private = read_private(diags, private)?;
        let (renew_at, private) = EphemeralResource::renew(self, diags, private).await?;
        Some((renew_at, write_private(diags, &private)?))
    }

    async fn close(&self, diags: &mut Diagnostics, private: &[u8]) {
        if let Some(private) = read_private(diags, private) {
            EphemeralResource::close(self, diags, private).await;
        }
    }
}
