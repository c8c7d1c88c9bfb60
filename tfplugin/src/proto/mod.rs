//! Wire messages, written with `prost` derives (no `.proto` compiler at build time).
//!
//! - [`tfplugin6`]: Terraform's provider protocol, version 6.10;
//! - [`goplugin`]: the services every go-plugin server offers beside it (`plugin.GRPCStdio`,
//!   `plugin.GRPCController`);
//! - [`health`]: the gRPC health-checking protocol (`grpc.health.v1.Health/Check`), which
//!   go-plugin's client uses to ping a plugin.
//!
//! Only [`crate::server`] touches these types.

pub mod goplugin;
pub mod health;
pub mod tfplugin6;
