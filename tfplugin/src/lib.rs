//! Terraform's plugin protocol, major version 6 up to 6.10, for a provider written in Rust.
//!
//! The crate holds the protocol and nothing of any particular provider, in layers that only
//! point down:
//!
//! - [`plugin`]: how Terraform starts a plugin — magic cookie, protocol negotiation, Unix
//!   socket, AutoMTLS, the handshake line, signals and shutdown;
//! - [`server`]: the gRPC services (`tfplugin6.Provider` and go-plugin's controller, stdio and
//!   health services); the only code that touches [`proto`], the wire messages;
//! - [`provider`], [`resource`], [`ephemeral`], [`list`]: what a provider implements, in terms
//!   of its own models;
//! - [`schema`], [`diagnostics`]: schemas, diagnostics and attribute paths;
//! - [`value`], [`serde_tree`]: a model's attributes (`Value<T>`: known, null or unknown) and
//!   the serde bridge between models and [`dynamic`] trees;
//! - [`codec`], [`types`], [`dynamic`]: values of the Terraform language and their MessagePack
//!   and JSON forms, driven by their [`types::Type`].

pub mod codec;
pub mod diagnostics;
pub mod dynamic;
pub mod ephemeral;
pub mod list;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod resource;
pub mod schema;
pub mod serde_tree;
pub mod server;
pub mod types;
pub mod value;

pub use diagnostics::{AttributePath, Diagnostic, Diagnostics, Severity};
pub use dynamic::Dynamic;
pub use provider::{ConfigureContext, Provider};
pub use resource::{ClientCapabilities, DynResource, Resource};
pub use schema::{Attribute, Block, BlockNesting, Constraint, NestedBlock, Schema};
pub use types::Type;
pub use value::Value;
