//! The services go-plugin's client expects of every plugin besides the provider itself:
//!
//! - `plugin.GRPCController/Shutdown`: Terraform's graceful way to end a plugin (it waits a
//!   moment, then kills the process): the server stops and the process exits;
//! - `plugin.GRPCStdio/StreamStdio`: a go-plugin server redirects its process's stdout and
//!   stderr into this stream. This provider writes nothing to stdout after the handshake and
//!   its logs go to stderr directly (Terraform reads them from there), so the stream carries
//!   nothing and ends when the plugin stops; answering it keeps Terraform from logging that
//!   the plugin lacks it;
//! - `grpc.health.v1.Health/Check` for the service `plugin`: go-plugin's `Ping`.

use std::convert::Infallible;
use std::task::{Context, Poll};

use tonic::Status;
use tonic::body::BoxBody;
use tonic::server::NamedService;

use crate::plugin::Shutdown;
use crate::proto::goplugin::{Empty, StdioData};
use crate::proto::health::{HealthCheckRequest, HealthCheckResponse, health_check_response};
use crate::server::grpc::{self, BoxFuture, BoxStream};

/// `plugin.GRPCController`.
#[derive(Clone)]
pub struct ControllerService {
    shutdown: Shutdown,
}

impl ControllerService {
    /// The controller that triggers `shutdown`.
    pub fn new(shutdown: Shutdown) -> Self {
        Self { shutdown }
    }
}

impl NamedService for ControllerService {
    const NAME: &'static str = "plugin.GRPCController";
}

impl tower_service::Service<http::Request<BoxBody>> for ControllerService {
    type Response = http::Response<BoxBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<BoxBody>) -> Self::Future {
        match request.uri().path() {
            "/plugin.GRPCController/Shutdown" => {
                let shutdown = self.shutdown.clone();
                grpc::unary(request, move |_: Empty| async move {
                    tracing::debug!(target: "tfplugin", "the plugin client asked for shutdown");
                    shutdown.trigger();
                    Ok::<_, Status>(Empty {})
                })
            }
            path => grpc::unimplemented(path),
        }
    }
}

/// `plugin.GRPCStdio`.
#[derive(Clone)]
pub struct StdioService {
    shutdown: Shutdown,
}

impl StdioService {
    /// The stdio service, whose stream ends at `shutdown`.
    pub fn new(shutdown: Shutdown) -> Self {
        Self { shutdown }
    }
}

impl NamedService for StdioService {
    const NAME: &'static str = "plugin.GRPCStdio";
}

impl tower_service::Service<http::Request<BoxBody>> for StdioService {
    type Response = http::Response<BoxBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<BoxBody>) -> Self::Future {
        match request.uri().path() {
            "/plugin.GRPCStdio/StreamStdio" => {
                let shutdown = self.shutdown.clone();
                grpc::server_streaming(request, move |_: Empty| async move {
                    // Nothing to forward: the stream stays open until the plugin stops.
                    let stream: BoxStream<StdioData> = Box::pin(
                        futures_util::stream::once(async move {
                            shutdown.wait().await;
                            None
                        })
                        .filter_map(std::future::ready),
                    );
                    Ok(stream)
                })
            }
            path => grpc::unimplemented(path),
        }
    }
}

/// `grpc.health.v1.Health`.
#[derive(Clone, Default)]
pub struct HealthService;

impl NamedService for HealthService {
    const NAME: &'static str = "grpc.health.v1.Health";
}

impl tower_service::Service<http::Request<BoxBody>> for HealthService {
    type Response = http::Response<BoxBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<BoxBody>) -> Self::Future {
        match request.uri().path() {
            "/grpc.health.v1.Health/Check" => {
                grpc::unary(request, |r: HealthCheckRequest| async move {
                    use health_check_response::ServingStatus;
                    // go-plugin pings the service named "plugin"; "" is the server as a whole.
                    let status = match r.service.as_str() {
                        "" | "plugin" => ServingStatus::Serving,
                        _ => ServingStatus::ServiceUnknown,
                    };
                    Ok::<_, Status>(HealthCheckResponse {
                        status: status as i32,
                    })
                })
            }
            path => grpc::unimplemented(path),
        }
    }
}

use futures_util::StreamExt as _;
