//! Messages of go-plugin's own services (package `plugin`), which Terraform's plugin client
//! calls on every provider: `GRPCStdio.StreamStdio` (the plugin's stdout and stderr, streamed)
//! and `GRPCController.Shutdown` (stop serving and exit).

#![allow(missing_docs)]

/// `plugin.Empty` (the controller's) and `google.protobuf.Empty` (the stdio service's): no
/// fields, the same on the wire.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Empty {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StdioData {
    #[prost(enumeration = "stdio_data::Channel", tag = "1")]
    pub channel: i32,
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
}

pub mod stdio_data {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Channel {
        Invalid = 0,
        Stdout = 1,
        Stderr = 2,
    }
}
