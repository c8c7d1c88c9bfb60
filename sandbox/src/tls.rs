//! The sandbox's own certificate authority and the HTTPS listeners that use it.
//!
//! Terraform talks to provider network mirrors and registries over HTTPS only, so the
//! sandbox serves those two services over TLS: at start it makes a throwaway CA and a
//! server certificate for `localhost`, `127.0.0.1`, `::1` (and the listen IP), writes the
//! CA's PEM to a file whose path is in the endpoints line, and clients trust it through
//! `SSL_CERT_FILE` (Terraform, curl) or an explicit CA option. The private keys never
//! leave memory; the directory holding the PEM is removed at shutdown when the sandbox
//! created it.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::StartError;
use crate::server::HttpService;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The CA and the acceptor of the HTTPS listeners.
pub struct Tls {
    /// Path of the CA certificate (PEM).
    pub ca_path: PathBuf,
    /// The CA certificate (PEM).
    pub ca_pem: String,
    acceptor: TlsAcceptor,
    /// The directory to remove at shutdown (the one the sandbox created).
    owned_dir: Option<PathBuf>,
}

fn tls_error(message: String) -> StartError {
    StartError::Tls(message)
}

impl Tls {
    /// Makes the CA and the server certificate; writes the CA to `dir/ca.pem` (a fresh
    /// temporary directory when `dir` is `None`).
    pub fn generate(dir: Option<&Path>, listen_ip: IpAddr) -> Result<Tls, StartError> {
        let ca_key = KeyPair::generate().map_err(|e| tls_error(format!("CA key: {e}")))?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| tls_error(format!("CA parameters: {e}")))?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ff-sandbox local CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = ca_params
            .self_signed(&ca_key)
            .map_err(|e| tls_error(format!("CA certificate: {e}")))?;

        let server_key = KeyPair::generate().map_err(|e| tls_error(format!("server key: {e}")))?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])
            .map_err(|e| tls_error(format!("server parameters: {e}")))?;
        params
            .distinguished_name
            .push(DnType::CommonName, "ff-sandbox");
        let mut ips: Vec<IpAddr> = vec![
            IpAddr::from([127, 0, 0, 1]),
            IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ];
        if !listen_ip.is_unspecified() && !ips.contains(&listen_ip) {
            ips.push(listen_ip);
        }
        params
            .subject_alt_names
            .extend(ips.into_iter().map(SanType::IpAddress));
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = params
            .signed_by(&server_key, &ca, &ca_key)
            .map_err(|e| tls_error(format!("server certificate: {e}")))?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(format!("TLS versions: {e}")))?
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    CertificateDer::from(server.der().to_vec()),
                    CertificateDer::from(ca.der().to_vec()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .map_err(|e| tls_error(format!("TLS configuration: {e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];

        let (dir, owned_dir) = match dir {
            Some(dir) => (dir.to_path_buf(), None),
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "ff-sandbox-tls-{}-{}",
                    std::process::id(),
                    crate::util::random_alnum(8)
                ));
                (dir.clone(), Some(dir))
            }
        };
        std::fs::create_dir_all(&dir)
            .map_err(|e| tls_error(format!("cannot create {}: {e}", dir.display())))?;
        let ca_path = dir.join("ca.pem");
        let ca_pem = ca.pem();
        std::fs::write(&ca_path, &ca_pem)
            .map_err(|e| tls_error(format!("cannot write {}: {e}", ca_path.display())))?;
        Ok(Tls {
            ca_path,
            ca_pem,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            owned_dir,
        })
    }

    /// Serves `service` over TLS on `listener` until `shutdown` changes.
    pub fn serve(
        &self,
        listener: TcpListener,
        service: HttpService,
        shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(serve(listener, self.acceptor.clone(), service, shutdown))
    }
}

impl Drop for Tls {
    fn drop(&mut self) {
        if let Some(dir) = &self.owned_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn serve(
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
                    connections.spawn(serve_connection(
                        stream,
                        acceptor.clone(),
                        service.clone(),
                        shutdown.clone(),
                    ));
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
    acceptor: TlsAcceptor,
    service: HttpService,
    mut shutdown: watch::Receiver<bool>,
) {
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            return;
        }
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service));
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
