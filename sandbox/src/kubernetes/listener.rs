//! The Kubernetes port: TLS handshakes with rustls, then the same hyper HTTP/1 driver and
//! tower service stack (faults, request log, persistence) as the other services.

use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::server::HttpService;

const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    service: HttpService,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let acceptor = acceptor.clone();
                    let service = service.clone();
                    let mut stop = shutdown.clone();
                    connections.spawn(async move {
                        let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await else {
                            return;
                        };
                        let connection = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service));
                        tokio::pin!(connection);
                        tokio::select! {
                            result = connection.as_mut() => {
                                if let Err(err) = result {
                                    tracing::debug!(error = %err, "kubernetes connection closed with an error");
                                }
                            }
                            _ = stop.changed() => {
                                connection.as_mut().graceful_shutdown();
                                let _ = connection.await;
                            }
                        }
                    });
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
    if tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        connections.abort_all();
    }
}

/// Make sure the cluster has its certificates, build the acceptor, write the kubeconfig, and
/// describe the endpoint. Returns the kubeconfig path when it is a temporary file.
pub(crate) fn prepare(
    config: &crate::Config,
    shared: &super::Kubernetes,
    listener: &TcpListener,
    control_url: &str,
) -> Result<
    (
        crate::KubernetesEndpoint,
        TlsAcceptor,
        Option<std::path::PathBuf>,
    ),
    crate::StartError,
> {
    use crate::StartError;
    let address = crate::server::base_url(listener)?;
    let host = address.replacen("http://", "https://", 1);
    let (ca_pem, token, acceptor, eks) = {
        let mut state = crate::util::lock(&shared.state);
        if state.tls.cert_pem.is_empty() {
            state.tls = super::tls::generate(config.listen.ip())
                .map_err(|e| StartError::Kubernetes(format!("cannot make certificates: {e}")))?;
        }
        let acceptor = super::tls::acceptor(&state.tls).map_err(StartError::Kubernetes)?;
        (
            state.tls.ca_pem.clone(),
            state.admin_token.clone(),
            acceptor,
            state.eks.clone(),
        )
    };
    let (path, temporary) = match (&config.kubeconfig, &config.state_file) {
        (Some(path), _) => (path.clone(), false),
        (None, Some(state_file)) => {
            let mut name = state_file.file_name().unwrap_or_default().to_os_string();
            name.push(".kubeconfig");
            (state_file.with_file_name(name), false)
        }
        (None, None) => {
            let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
            (
                std::env::temp_dir().join(format!(
                    "ff-sandbox-{}-{port}.kubeconfig",
                    std::process::id()
                )),
                true,
            )
        }
    };
    super::kubeconfig::write(&path, &super::kubeconfig::render(&host, &ca_pem, &token)).map_err(
        |e| {
            StartError::Kubernetes(format!(
                "cannot write the kubeconfig {}: {e}",
                path.display()
            ))
        },
    )?;
    let endpoint = crate::KubernetesEndpoint {
        host,
        ca_pem,
        token,
        kubeconfig: path.display().to_string(),
        eks,
        manifests: super::manifests::endpoints(control_url),
    };
    Ok((endpoint, acceptor, temporary.then_some(path)))
}
