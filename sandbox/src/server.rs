//! Listeners, connection serving and shutdown.
//!
//! Every connection is served by hyper's HTTP/1 connection driver with a tower service.
//! For the emulated services that service is `FaultLayer` around the service router, so a
//! `drop` fault (the service returning `Err`) makes hyper close the connection without
//! writing a response.

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

use crate::faults::{DroppedConnection, FaultLayer};
use crate::shared::{Service, Shared};
use crate::state_file::persist_after_mutation;
use crate::util::lock;
use crate::{
    Auth0Endpoint, Config, Endpoints, EntraEndpoint, GrafanaEndpoint, StartError, VaultEndpoint,
};

/// Every port is served by one boxed tower service; its only error is the injected drop.
pub(crate) type HttpService = BoxCloneService<Request<Incoming>, Response, DroppedConnection>;

/// How long shutdown waits for in-flight requests before closing their connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A started sandbox. Dropping it without [`Running::shutdown`] leaves the listeners
/// running until the runtime stops.
pub struct Running {
    endpoints: Endpoints,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// The CA of the HTTPS services; its temporary directory goes when this is dropped.
    _tls: crate::tls::Tls,
    /// A kubeconfig in the temporary directory, removed at shutdown.
    temporary_kubeconfig: Option<std::path::PathBuf>,
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
        if let Some(path) = self.temporary_kubeconfig {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Offset from the base port of the Kubernetes API (HTTPS).
const KUBERNETES_OFFSET: u16 = 4;
/// Offset of the Entra ID token endpoint (the distribution services take +5 and +6).
const ENTRA_OFFSET: u16 = 7;

pub(crate) async fn start(config: &Config, shared: Arc<Shared>) -> Result<Running, StartError> {
    let listen = config.listen;
    let [control, vault, grafana, auth0] = bind_all(listen).await?;
    let kubernetes = bind_offset(listen, KUBERNETES_OFFSET).await?;
    let entra = bind_offset(listen, ENTRA_OFFSET).await?;
    let entra_url = base_url(&entra)?;
    let (kubernetes_endpoint, acceptor, temporary_kubeconfig) =
        crate::kubernetes::listener::prepare(config, &shared, &kubernetes, &base_url(&control)?)?;
    let control_url = base_url(&control)?;
    let grafana_url = base_url(&grafana)?;
    let (shutdown, watcher) = watch::channel(false);
    let distribution = crate::distribution::start(listen, &shared, watcher.clone()).await?;
    let auth0_url = base_url(&auth0)?;

    let upstream = config
        .vault_upstream
        .as_deref()
        .map(crate::vault_proxy::Upstream::new)
        .transpose()
        .map_err(StartError::VaultUpstream)?
        .map(Arc::new);
    // Without an upstream there is no Vault: its port is closed again.
    let vault = upstream
        .as_ref()
        .map(|upstream| {
            Ok::<_, StartError>((
                VaultEndpoint {
                    address: base_url(&vault)?,
                    upstream: upstream.address().to_string(),
                },
                vault,
                upstream.clone(),
            ))
        })
        .transpose()?;
    let (user, password) = {
        let grafana = lock(&shared.grafana);
        (grafana.admin.user.clone(), grafana.admin.password.clone())
    };
    let endpoints = Endpoints {
        control: control_url,
        vault: vault.as_ref().map(|(endpoint, _, _)| endpoint.clone()),
        grafana: GrafanaEndpoint {
            url: grafana_url,
            auth: format!("{user}:{password}"),
            user,
            password,
        },
        tfc: distribution.tfc.clone(),
        mirror: distribution.mirror.clone(),
        kubernetes: kubernetes_endpoint,
        entra: {
            let entra_state = lock(&shared.entra);
            EntraEndpoint {
                managed_identity: crate::ManagedIdentityEndpoint {
                    client_id: entra_state.managed_identity.client_id.clone(),
                    identity_endpoint: format!("{entra_url}/msi/token"),
                    identity_header: entra_state.managed_identity.identity_header.clone(),
                },
                authority: entra_url,
                tenant_id: entra_state.tenant_id.clone(),
                client_id: entra_state.client_id.clone(),
                client_secret: entra_state.client_secret.clone(),
            }
        },
        auth0: {
            let auth0 = lock(&shared.auth0);
            Auth0Endpoint {
                domain: auth0_url.clone(),
                client_id: auth0.management.client_id.clone(),
                client_secret: auth0.management.client_secret.clone(),
            }
        },
    };

    let control_service: HttpService =
        BoxCloneService::new(ServiceExt::<Request<Incoming>>::map_err(
            crate::control::router(shared.clone()),
            never_fails,
        ));
    let mut tasks = vec![
        tokio::spawn(serve(control, control_service, watcher.clone())),
        tokio::spawn(serve(
            grafana,
            service_stack(
                &shared,
                Service::Grafana,
                crate::grafana::router(shared.clone()),
            ),
            watcher.clone(),
        )),
        tokio::spawn(serve(
            auth0,
            service_stack(
                &shared,
                Service::Auth0,
                crate::auth0::router(shared.clone(), auth0_url),
            ),
            watcher.clone(),
        )),
        tokio::spawn(crate::kubernetes::listener::serve(
            kubernetes,
            acceptor,
            service_stack(
                &shared,
                Service::Kubernetes,
                crate::kubernetes::router(shared.clone()),
            ),
            watcher.clone(),
        )),
        tokio::spawn(serve(
            entra,
            service_stack(
                &shared,
                Service::Entra,
                crate::entra::router(shared.clone()),
            ),
            watcher.clone(),
        )),
    ];
    if let Some((_, listener, upstream)) = vault {
        // The real server keeps its own state: nothing to persist here.
        let proxy = FaultLayer::new(shared.clone(), Service::Vault)
            .layer(crate::vault_proxy::router(upstream));
        tasks.push(tokio::spawn(serve(
            listener,
            BoxCloneService::new(proxy),
            watcher.clone(),
        )));
    }
    tasks.extend(distribution.tasks);
    tracing::info!(
        control = %endpoints.control,
        vault = %endpoints.vault.as_ref().map_or("-", |v| v.address.as_str()),
        grafana = %endpoints.grafana.url,
        tfc = %endpoints.tfc.address,
        mirror = %endpoints.mirror.url,
        auth0 = %endpoints.auth0.domain,
        kubernetes = %endpoints.kubernetes.host,
        entra = %endpoints.entra.authority,
        "ff-sandbox listening"
    );
    Ok(Running {
        endpoints,
        shared,
        shutdown,
        tasks,
        _tls: distribution.tls,
        temporary_kubeconfig,
    })
}

/// Fault injection and request log outside, state-file persistence inside, then the router.
fn service_stack(shared: &Arc<Shared>, service: Service, router: Router) -> HttpService {
    let router = router.layer(from_fn_with_state(shared.clone(), persist_after_mutation));
    let faulty = FaultLayer::new(shared.clone(), service).layer(router);
    BoxCloneService::new(faulty)
}

fn never_fails(never: Infallible) -> DroppedConnection {
    match never {}
}

async fn bind_all(listen: SocketAddr) -> Result<[TcpListener; 4], StartError> {
    let mut listeners = Vec::with_capacity(4);
    for offset in 0..4u16 {
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
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        listeners.push(listener);
    }
    listeners.try_into().map_err(|_| StartError::Bind {
        addr: listen,
        source: std::io::Error::other("listener count"),
    })
}

async fn bind_offset(listen: SocketAddr, offset: u16) -> Result<TcpListener, StartError> {
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

async fn serve(listener: TcpListener, service: HttpService, mut shutdown: watch::Receiver<bool>) {
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
