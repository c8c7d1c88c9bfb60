//! The messages of Terraform's plugin protocol, major version 6, up to minor version 10
//! (Terraform 1.14), written with `prost` derives.
//!
//! Names follow the protocol's own (`GetProviderSchema.Response` is
//! [`get_provider_schema::Response`]); field numbers and types are the wire facts of the
//! protocol. Nothing outside `crate::server` uses these types: the rest of the crate speaks
//! in [`crate::schema`], [`crate::dynamic`] and [`crate::diagnostics`].
//!
//! | minor | what it added (first Terraform) |
//! |---|---|
//! | 6.0 | everything up to `ImportResourceState`, nested attributes, private state (1.0) |
//! | 6.3 | `plan_destroy` capability (1.3) |
//! | 6.4 | `GetMetadata`, `get_provider_schema_optional` (1.6) |
//! | 6.5 | functions, `MoveResourceState` (1.8) |
//! | 6.6 | client capabilities, deferred actions (1.9) |
//! | 6.7 | ephemeral resources (1.10) |
//! | 6.8 | `Attribute.write_only`, `write_only_attributes_allowed` (1.11) |
//! | 6.9 | resource identity (1.12) |
//! | 6.10 | list resources, actions, `GenerateResourceConfig`, state stores (1.13/1.14) |

#![allow(missing_docs)]

use std::collections::BTreeMap;

/// A value of the Terraform type system, encoded as MessagePack or JSON.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DynamicValue {
    #[prost(bytes = "vec", tag = "1")]
    pub msgpack: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub json: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Diagnostic {
    #[prost(enumeration = "diagnostic::Severity", tag = "1")]
    pub severity: i32,
    #[prost(string, tag = "2")]
    pub summary: String,
    #[prost(string, tag = "3")]
    pub detail: String,
    #[prost(message, optional, tag = "4")]
    pub attribute: Option<AttributePath>,
}

pub mod diagnostic {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Severity {
        Invalid = 0,
        Error = 1,
        Warning = 2,
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FunctionError {
    #[prost(string, tag = "1")]
    pub text: String,
    #[prost(int64, optional, tag = "2")]
    pub function_argument: Option<i64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributePath {
    #[prost(message, repeated, tag = "1")]
    pub steps: Vec<attribute_path::Step>,
}

pub mod attribute_path {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Step {
        #[prost(oneof = "step::Selector", tags = "1, 2, 3")]
        pub selector: Option<step::Selector>,
    }

    pub mod step {
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Selector {
            #[prost(string, tag = "1")]
            AttributeName(String),
            #[prost(string, tag = "2")]
            ElementKeyString(String),
            #[prost(int64, tag = "3")]
            ElementKeyInt(i64),
        }
    }
}

pub mod stop_provider {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        /// The protocol spells this field `Error`.
        #[prost(string, tag = "1")]
        pub error: String,
    }
}

/// A resource's stored state in the form it was written by the schema version that made it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RawState {
    #[prost(bytes = "vec", tag = "1")]
    pub json: Vec<u8>,
    #[prost(btree_map = "string, string", tag = "2")]
    pub flatmap: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum StringKind {
    Plain = 0,
    Markdown = 1,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceIdentitySchema {
    #[prost(int64, tag = "1")]
    pub version: i64,
    #[prost(message, repeated, tag = "2")]
    pub identity_attributes: Vec<resource_identity_schema::IdentityAttribute>,
}

pub mod resource_identity_schema {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct IdentityAttribute {
        #[prost(string, tag = "1")]
        pub name: String,
        /// JSON type constraint.
        #[prost(bytes = "vec", tag = "2")]
        pub r#type: Vec<u8>,
        #[prost(bool, tag = "3")]
        pub required_for_import: bool,
        #[prost(bool, tag = "4")]
        pub optional_for_import: bool,
        #[prost(string, tag = "5")]
        pub description: String,
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceIdentityData {
    #[prost(message, optional, tag = "1")]
    pub identity_data: Option<DynamicValue>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ActionSchema {
    #[prost(message, optional, tag = "1")]
    pub schema: Option<Schema>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Schema {
    #[prost(int64, tag = "1")]
    pub version: i64,
    #[prost(message, optional, tag = "2")]
    pub block: Option<schema::Block>,
}

pub mod schema {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Block {
        #[prost(int64, tag = "1")]
        pub version: i64,
        #[prost(message, repeated, tag = "2")]
        pub attributes: Vec<Attribute>,
        #[prost(message, repeated, tag = "3")]
        pub block_types: Vec<NestedBlock>,
        #[prost(string, tag = "4")]
        pub description: String,
        #[prost(enumeration = "super::StringKind", tag = "5")]
        pub description_kind: i32,
        #[prost(bool, tag = "6")]
        pub deprecated: bool,
        #[prost(string, tag = "7")]
        pub deprecation_message: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Attribute {
        #[prost(string, tag = "1")]
        pub name: String,
        /// JSON type constraint; empty when `nested_type` is set.
        #[prost(bytes = "vec", tag = "2")]
        pub r#type: Vec<u8>,
        #[prost(message, optional, tag = "10")]
        pub nested_type: Option<Object>,
        #[prost(string, tag = "3")]
        pub description: String,
        #[prost(bool, tag = "4")]
        pub required: bool,
        #[prost(bool, tag = "5")]
        pub optional: bool,
        #[prost(bool, tag = "6")]
        pub computed: bool,
        #[prost(bool, tag = "7")]
        pub sensitive: bool,
        #[prost(enumeration = "super::StringKind", tag = "8")]
        pub description_kind: i32,
        #[prost(bool, tag = "9")]
        pub deprecated: bool,
        #[prost(bool, tag = "11")]
        pub write_only: bool,
        #[prost(string, tag = "12")]
        pub deprecation_message: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NestedBlock {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub block: Option<Block>,
        #[prost(enumeration = "nested_block::NestingMode", tag = "3")]
        pub nesting: i32,
        #[prost(int64, tag = "4")]
        pub min_items: i64,
        #[prost(int64, tag = "5")]
        pub max_items: i64,
    }

    pub mod nested_block {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
        #[repr(i32)]
        pub enum NestingMode {
            Invalid = 0,
            Single = 1,
            List = 2,
            Set = 3,
            Map = 4,
            Group = 5,
        }
    }

    /// The nested type of a nested attribute.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Object {
        #[prost(message, repeated, tag = "1")]
        pub attributes: Vec<Attribute>,
        #[prost(enumeration = "object::NestingMode", tag = "3")]
        pub nesting: i32,
        /// Never used by Terraform.
        #[prost(int64, tag = "4")]
        pub min_items: i64,
        /// Never used by Terraform.
        #[prost(int64, tag = "5")]
        pub max_items: i64,
    }

    pub mod object {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
        #[repr(i32)]
        pub enum NestingMode {
            Invalid = 0,
            Single = 1,
            List = 2,
            Set = 3,
            Map = 4,
        }
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Function {
    #[prost(message, repeated, tag = "1")]
    pub parameters: Vec<function::Parameter>,
    #[prost(message, optional, tag = "2")]
    pub variadic_parameter: Option<function::Parameter>,
    #[prost(message, optional, tag = "3")]
    pub r#return: Option<function::Return>,
    #[prost(string, tag = "4")]
    pub summary: String,
    #[prost(string, tag = "5")]
    pub description: String,
    #[prost(enumeration = "StringKind", tag = "6")]
    pub description_kind: i32,
    #[prost(string, tag = "7")]
    pub deprecation_message: String,
}

pub mod function {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Parameter {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(bytes = "vec", tag = "2")]
        pub r#type: Vec<u8>,
        #[prost(bool, tag = "3")]
        pub allow_null_value: bool,
        #[prost(bool, tag = "4")]
        pub allow_unknown_values: bool,
        #[prost(string, tag = "5")]
        pub description: String,
        #[prost(enumeration = "super::StringKind", tag = "6")]
        pub description_kind: i32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Return {
        #[prost(bytes = "vec", tag = "1")]
        pub r#type: Vec<u8>,
    }
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct ServerCapabilities {
    #[prost(bool, tag = "1")]
    pub plan_destroy: bool,
    #[prost(bool, tag = "2")]
    pub get_provider_schema_optional: bool,
    #[prost(bool, tag = "3")]
    pub move_resource_state: bool,
    #[prost(bool, tag = "4")]
    pub generate_resource_config: bool,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct ClientCapabilities {
    #[prost(bool, tag = "1")]
    pub deferral_allowed: bool,
    #[prost(bool, tag = "2")]
    pub write_only_attributes_allowed: bool,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Deferred {
    #[prost(enumeration = "deferred::Reason", tag = "1")]
    pub reason: i32,
}

pub mod deferred {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Reason {
        Unknown = 0,
        ResourceConfigUnknown = 1,
        ProviderConfigUnknown = 2,
        AbsentPrereq = 3,
    }
}

/// A protobuf timestamp (`google.protobuf.Timestamp`: seconds and nanoseconds since the
/// Unix epoch), written here so that the build needs no well-known-type files.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

pub mod get_metadata {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub server_capabilities: Option<super::ServerCapabilities>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(message, repeated, tag = "3")]
        pub data_sources: Vec<TypeName>,
        #[prost(message, repeated, tag = "4")]
        pub resources: Vec<TypeName>,
        #[prost(message, repeated, tag = "5")]
        pub functions: Vec<FunctionMetadata>,
        #[prost(message, repeated, tag = "6")]
        pub ephemeral_resources: Vec<TypeName>,
        #[prost(message, repeated, tag = "7")]
        pub list_resources: Vec<TypeName>,
        #[prost(message, repeated, tag = "8")]
        pub state_stores: Vec<TypeName>,
        #[prost(message, repeated, tag = "9")]
        pub actions: Vec<TypeName>,
    }

    /// `DataSourceMetadata`, `ResourceMetadata`, `EphemeralMetadata`,
    /// `ListResourceMetadata`, `StateStoreMetadata` and `ActionMetadata` all carry one
    /// field, `string type_name = 1`, and are the same on the wire.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TypeName {
        #[prost(string, tag = "1")]
        pub type_name: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FunctionMetadata {
        #[prost(string, tag = "1")]
        pub name: String,
    }
}

pub mod get_provider_schema {
    use std::collections::BTreeMap;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub provider: Option<super::Schema>,
        #[prost(btree_map = "string, message", tag = "2")]
        pub resource_schemas: BTreeMap<String, super::Schema>,
        #[prost(btree_map = "string, message", tag = "3")]
        pub data_source_schemas: BTreeMap<String, super::Schema>,
        #[prost(message, repeated, tag = "4")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(message, optional, tag = "5")]
        pub provider_meta: Option<super::Schema>,
        #[prost(message, optional, tag = "6")]
        pub server_capabilities: Option<super::ServerCapabilities>,
        #[prost(btree_map = "string, message", tag = "7")]
        pub functions: BTreeMap<String, super::Function>,
        #[prost(btree_map = "string, message", tag = "8")]
        pub ephemeral_resource_schemas: BTreeMap<String, super::Schema>,
        #[prost(btree_map = "string, message", tag = "9")]
        pub list_resource_schemas: BTreeMap<String, super::Schema>,
        #[prost(btree_map = "string, message", tag = "10")]
        pub state_store_schemas: BTreeMap<String, super::Schema>,
        #[prost(btree_map = "string, message", tag = "11")]
        pub action_schemas: BTreeMap<String, super::ActionSchema>,
    }
}

pub mod validate_provider_config {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(message, optional, tag = "1")]
        pub config: Option<super::DynamicValue>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod upgrade_resource_state {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(int64, tag = "2")]
        pub version: i64,
        #[prost(message, optional, tag = "3")]
        pub raw_state: Option<super::RawState>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub upgraded_state: Option<super::DynamicValue>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod get_resource_identity_schemas {
    use std::collections::BTreeMap;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(btree_map = "string, message", tag = "1")]
        pub identity_schemas: BTreeMap<String, super::ResourceIdentitySchema>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod upgrade_resource_identity {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(int64, tag = "2")]
        pub version: i64,
        #[prost(message, optional, tag = "3")]
        pub raw_identity: Option<super::RawState>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub upgraded_identity: Option<super::ResourceIdentityData>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod validate_resource_config {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub client_capabilities: Option<super::ClientCapabilities>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

/// `ValidateDataResourceConfig`, `ValidateEphemeralResourceConfig`, `ValidateStateStore`
/// and `ValidateActionConfig` share this shape.
pub mod validate_config {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod configure_provider {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub terraform_version: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub client_capabilities: Option<super::ClientCapabilities>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod read_resource {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub current_state: Option<super::DynamicValue>,
        #[prost(bytes = "vec", tag = "3")]
        pub private: Vec<u8>,
        #[prost(message, optional, tag = "4")]
        pub provider_meta: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "5")]
        pub client_capabilities: Option<super::ClientCapabilities>,
        #[prost(message, optional, tag = "6")]
        pub current_identity: Option<super::ResourceIdentityData>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub new_state: Option<super::DynamicValue>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(bytes = "vec", tag = "3")]
        pub private: Vec<u8>,
        #[prost(message, optional, tag = "4")]
        pub deferred: Option<super::Deferred>,
        #[prost(message, optional, tag = "5")]
        pub new_identity: Option<super::ResourceIdentityData>,
    }
}

pub mod plan_resource_change {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub prior_state: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub proposed_new_state: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "4")]
        pub config: Option<super::DynamicValue>,
        #[prost(bytes = "vec", tag = "5")]
        pub prior_private: Vec<u8>,
        #[prost(message, optional, tag = "6")]
        pub provider_meta: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "7")]
        pub client_capabilities: Option<super::ClientCapabilities>,
        #[prost(message, optional, tag = "8")]
        pub prior_identity: Option<super::ResourceIdentityData>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub planned_state: Option<super::DynamicValue>,
        #[prost(message, repeated, tag = "2")]
        pub requires_replace: Vec<super::AttributePath>,
        #[prost(bytes = "vec", tag = "3")]
        pub planned_private: Vec<u8>,
        #[prost(message, repeated, tag = "4")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(bool, tag = "5")]
        pub legacy_type_system: bool,
        #[prost(message, optional, tag = "6")]
        pub deferred: Option<super::Deferred>,
        #[prost(message, optional, tag = "7")]
        pub planned_identity: Option<super::ResourceIdentityData>,
    }
}

pub mod apply_resource_change {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub prior_state: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub planned_state: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "4")]
        pub config: Option<super::DynamicValue>,
        #[prost(bytes = "vec", tag = "5")]
        pub planned_private: Vec<u8>,
        #[prost(message, optional, tag = "6")]
        pub provider_meta: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "7")]
        pub planned_identity: Option<super::ResourceIdentityData>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub new_state: Option<super::DynamicValue>,
        #[prost(bytes = "vec", tag = "2")]
        pub private: Vec<u8>,
        #[prost(message, repeated, tag = "3")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(bool, tag = "4")]
        pub legacy_type_system: bool,
        #[prost(message, optional, tag = "5")]
        pub new_identity: Option<super::ResourceIdentityData>,
    }
}

pub mod import_resource_state {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(string, tag = "2")]
        pub id: String,
        #[prost(message, optional, tag = "3")]
        pub client_capabilities: Option<super::ClientCapabilities>,
        #[prost(message, optional, tag = "4")]
        pub identity: Option<super::ResourceIdentityData>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ImportedResource {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub state: Option<super::DynamicValue>,
        #[prost(bytes = "vec", tag = "3")]
        pub private: Vec<u8>,
        #[prost(message, optional, tag = "4")]
        pub identity: Option<super::ResourceIdentityData>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub imported_resources: Vec<ImportedResource>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(message, optional, tag = "3")]
        pub deferred: Option<super::Deferred>,
    }
}

pub mod generate_resource_config {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub state: Option<super::DynamicValue>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod move_resource_state {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub source_provider_address: String,
        #[prost(string, tag = "2")]
        pub source_type_name: String,
        #[prost(int64, tag = "3")]
        pub source_schema_version: i64,
        #[prost(message, optional, tag = "4")]
        pub source_state: Option<super::RawState>,
        #[prost(string, tag = "5")]
        pub target_type_name: String,
        #[prost(bytes = "vec", tag = "6")]
        pub source_private: Vec<u8>,
        #[prost(message, optional, tag = "7")]
        pub source_identity: Option<super::RawState>,
        #[prost(int64, tag = "8")]
        pub source_identity_schema_version: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub target_state: Option<super::DynamicValue>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(bytes = "vec", tag = "3")]
        pub target_private: Vec<u8>,
        #[prost(message, optional, tag = "4")]
        pub target_identity: Option<super::ResourceIdentityData>,
    }
}

pub mod read_data_source {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub provider_meta: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "4")]
        pub client_capabilities: Option<super::ClientCapabilities>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub state: Option<super::DynamicValue>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(message, optional, tag = "3")]
        pub deferred: Option<super::Deferred>,
    }
}

pub mod open_ephemeral_resource {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub client_capabilities: Option<super::ClientCapabilities>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(message, optional, tag = "2")]
        pub renew_at: Option<super::Timestamp>,
        #[prost(message, optional, tag = "3")]
        pub result: Option<super::DynamicValue>,
        #[prost(bytes = "vec", optional, tag = "4")]
        pub private: Option<Vec<u8>>,
        #[prost(message, optional, tag = "5")]
        pub deferred: Option<super::Deferred>,
    }
}

pub mod renew_ephemeral_resource {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub private: Option<Vec<u8>>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(message, optional, tag = "2")]
        pub renew_at: Option<super::Timestamp>,
        #[prost(bytes = "vec", optional, tag = "3")]
        pub private: Option<Vec<u8>>,
    }
}

pub mod close_ephemeral_resource {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub private: Option<Vec<u8>>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod get_functions {
    use std::collections::BTreeMap;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(btree_map = "string, message", tag = "1")]
        pub functions: BTreeMap<String, super::Function>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod call_function {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(message, repeated, tag = "2")]
        pub arguments: Vec<super::DynamicValue>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, optional, tag = "1")]
        pub result: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "2")]
        pub error: Option<super::FunctionError>,
    }
}

pub mod list_resource {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(bool, tag = "3")]
        pub include_resource_object: bool,
        #[prost(int64, tag = "4")]
        pub limit: i64,
    }

    /// One listed resource instance (the stream's element).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Event {
        #[prost(message, optional, tag = "1")]
        pub identity: Option<super::ResourceIdentityData>,
        #[prost(string, tag = "2")]
        pub display_name: String,
        #[prost(message, optional, tag = "3")]
        pub resource_object: Option<super::DynamicValue>,
        /// The protocol names this repeated field `diagnostic`.
        #[prost(message, repeated, tag = "4")]
        pub diagnostic: Vec<super::Diagnostic>,
    }
}

pub mod validate_list_resource_config {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub include_resource_object: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "4")]
        pub limit: Option<super::DynamicValue>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod configure_state_store {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod get_states {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(string, repeated, tag = "1")]
        pub state_id: Vec<String>,
        #[prost(message, repeated, tag = "2")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod delete_state {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub type_name: String,
        #[prost(string, tag = "2")]
        pub state_id: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
    }
}

pub mod plan_action {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub action_type: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub client_capabilities: Option<super::ClientCapabilities>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Response {
        #[prost(message, repeated, tag = "1")]
        pub diagnostics: Vec<super::Diagnostic>,
        #[prost(message, optional, tag = "2")]
        pub deferred: Option<super::Deferred>,
    }
}

pub mod invoke_action {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        #[prost(string, tag = "1")]
        pub action_type: String,
        #[prost(message, optional, tag = "2")]
        pub config: Option<super::DynamicValue>,
        #[prost(message, optional, tag = "3")]
        pub client_capabilities: Option<super::ClientCapabilities>,
    }

    /// One step of an action's progress (the stream's element).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Event {
        #[prost(oneof = "event::Type", tags = "1, 2")]
        pub r#type: Option<event::Type>,
    }

    pub mod event {
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct Progress {
            #[prost(string, tag = "1")]
            pub message: String,
        }

        #[derive(Clone, PartialEq, prost::Message)]
        pub struct Completed {
            #[prost(message, repeated, tag = "1")]
            pub diagnostics: Vec<super::super::Diagnostic>,
        }

        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Type {
            #[prost(message, tag = "1")]
            Progress(Progress),
            #[prost(message, tag = "2")]
            Completed(Completed),
        }
    }
}
