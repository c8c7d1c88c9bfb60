//! Listeners, connection serving and shutdown.
//!
//! Every connection is served by hyper's HTTP/1 connection driver with a tower service.
//! For the emulated services that service is `FaultLayer` around the service router, so a
//! `drop` fault (the service returning `Err`) makes hyper close the connection without
//! writing a response. Which services listen where is the composition's business
//! (`emulators.rs`); this file knows a service only as an [`Emulator`] and a router.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tower::util::BoxCloneService;
use tower::{Layer, ServiceExt};

use crate::emulator::Emulator;
use crate::faults::{DroppedConnection, FaultLayer};
use crate::shared::Shared;
use crate::state_file::persist_after_mutation;
use crate::{Endpoints, StartError};

/// Every port is served by one boxed tower service; its only error is the injected drop.
pub(crate) type HttpService = BoxCloneService<Request<Incoming>, Response, DroppedConnection>;

/// How long shutdown waits for in-flight requests before closing their connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A started sandbox. Dropping it without [`Running::shutdown`] leaves the listeners
/// running until the runtime stops.
pub struct Running {
    pub(crate) endpoints: Endpoints,
    pub(crate) shared: Arc<Shared>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
    /// The CA of the HTTPS services; its temporary directory goes when this is dropped.
    pub(crate) _tls: crate::tls::Tls,
    /// Files in the temporary directory (a kubeconfig), removed at shutdown.
    pub(crate) temporary_files: Vec<std::path::PathBuf>,
}

impl Running {
    /// Where every service listens and its credentials (the start-up JSON line).
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Stops accepting, lets in-flight requests finish (bounded), then writes the state
    /// file when there is one.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.shared.persist().await;
        for path in self.temporary_files {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The control API's service: not faulted, not logged.
pub(crate) fn control_service(shared: &Arc<Shared>) -> HttpService {
    BoxCloneService::new(ServiceExt::<Request<Incoming>>::map_err(
        crate::control::router(shared.clone()),
        never_fails,
    ))
}

/// Fault injection and request log outside, state-file persistence inside, then the
/// service's router: a service that keeps state in the state file.
pub(crate) fn service_stack(
    shared: &Arc<Shared>,
    emulator: Arc<dyn Emulator>,
    router: Router,
) -> HttpService {
    let router = router.layer(from_fn_with_state(shared.clone(), persist_after_mutation));
    faulted(shared, emulator, router)
}

/// Fault injection and request log, then the service's router: a service that keeps
/// nothing in the state file (Vault, the registry, the mirror).
pub(crate) fn faulted(
    shared: &Arc<Shared>,
    emulator: Arc<dyn Emulator>,
    router: Router,
) -> HttpService {
    BoxCloneService::new(FaultLayer::new(shared.clone(), emulator).layer(router))
}

fn never_fails(never: Infallible) -> DroppedConnection {
    match never {}
}

/// Binds `listen` (port 0: a random port) or its port plus `offset`.
pub(crate) async fn bind_offset(
    listen: SocketAddr,
    offset: u16,
) -> Result<TcpListener, StartError> {
    let port = if listen.port() == 0 {
        0
    } else {
        listen
            .port()
            .checked_add(offset)
            .ok_or_else(|| StartError::Bind {
                addr: listen,
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "port + offset exceeds 65535",
                ),
            })?
    };
    let addr = SocketAddr::new(listen.ip(), port);
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}

/// `http://IP:PORT` a client can connect to (an unspecified bind address becomes loopback).
pub(crate) fn base_url(listener: &TcpListener) -> Result<String, StartError> {
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        source,
    })?;
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(format!("http://{}", SocketAddr::new(ip, addr.port())))
}

pub(crate) async fn serve(
    listener: TcpListener,
    service: HttpService,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, service.clone(), shutdown.clone()));
                }
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn serve_connection(
    stream: TcpStream,
    service: HttpService,
    mut shutdown: watch::Receiver<bool>,
) {
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(error = %err, "connection closed with an error");
            }
        }
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
