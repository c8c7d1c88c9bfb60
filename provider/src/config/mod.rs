//! The provider's configuration: its model ([`model`]), its schema ([`schema`]), the
//! validation of what is written ([`validate`]) and the building of every backend's client
//! from it and the environment ([`clients`]), Auth0's included.
//!
//! Every block is optional and every field falls back to the environment variable the
//! official provider of that system reads. A backend that is not configured is not an error
//! here: the resource that needs it fails at plan, naming the missing setting.
//!
//! This layer hands finished clients down to [`crate::context`]; it never imports the
//! provider entry or the resources.

pub mod clients;
pub mod model;
pub mod schema;
pub mod validate;

pub use clients::resolve;
pub use model::{
    Auth0Block, DEFAULT_JWT_MOUNT, DEFAULT_KV_MOUNT, DEFAULT_REQUEST_TIMEOUT_SECONDS, GrafanaBlock,
    JWT_ENV, JwtLoginBlock, ProviderConfig, VaultBlock,
};
pub use schema::provider_schema;
pub use validate::{jwt_format_problem, validate_config};
