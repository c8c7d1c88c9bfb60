//! The services that distributing the provider needs, both over HTTPS with the sandbox's
//! own CA ([`crate::tls`]): the Terraform Cloud private registry API ([`crate::tfc`]) and a
//! provider network mirror ([`crate::mirror`]). Each has its own listener, after the backend
//! services' ports: with a fixed port P, the registry on P+5 and the mirror on P+6.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::StartError;
use crate::mirror::MirrorState;
use crate::server::faulted;
use crate::shared::Shared;
use crate::tfc::Tfc;
use crate::tls::Tls;
use crate::util::lock;

/// Port offsets from a fixed listen port.
const TFC_OFFSET: u16 = 5;
const MIRROR_OFFSET: u16 = 6;

/// The emulated Terraform Cloud / Enterprise host, in the endpoints line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TfcEndpoint {
    /// Base URL of the API (`https://localhost:PORT`).
    pub address: String,
    /// The host as Terraform names it in provider source addresses and credentials
    /// (`localhost:PORT`).
    pub hostname: String,
    /// The organization, which is also the private providers' namespace.
    pub organization: String,
    /// The API token.
    pub token: String,
    /// PEM file of the CA that signed the server certificate.
    pub ca_cert: String,
}

/// The network mirror, in the endpoints line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MirrorEndpoint {
    /// Base URL for a `network_mirror` block (ends with `/`).
    pub url: String,
    /// The directory served, if any.
    pub dir: Option<String>,
    /// PEM file of the CA that signed the server certificate.
    pub ca_cert: String,
}

/// The started services.
pub struct Started {
    pub tfc: TfcEndpoint,
    pub mirror: MirrorEndpoint,
    pub tasks: Vec<JoinHandle<()>>,
    /// Owns the CA file (removed on drop when the sandbox created its directory).
    pub tls: Tls,
}

async fn bind(listen: SocketAddr, offset: u16) -> Result<TcpListener, StartError> {
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

/// `localhost` for loopback and unspecified binds (the name the certificate is for),
/// the IP otherwise.
fn host(ip: IpAddr) -> String {
    if ip.is_loopback() || ip.is_unspecified() {
        "localhost".to_string()
    } else if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    }
}

/// Starts the registry (`tfc`) and the mirror (serving `mirror.dir`), with a CA written to
/// `tls_dir` (a fresh temporary directory when `None`).
pub(crate) async fn start(
    listen: SocketAddr,
    tls_dir: Option<&std::path::Path>,
    shared: &Arc<Shared>,
    tfc: &Arc<Tfc>,
    mirror: &Arc<MirrorState>,
    shutdown: watch::Receiver<bool>,
) -> Result<Started, StartError> {
    let tfc_listener = bind(listen, TFC_OFFSET).await?;
    let mirror_listener = bind(listen, MIRROR_OFFSET).await?;
    let port = |l: &TcpListener| {
        l.local_addr()
            .map(|a| a.port())
            .map_err(|source| StartError::Bind {
                addr: listen,
                source,
            })
    };
    let host = host(listen.ip());
    let tfc_hostname = format!("{host}:{}", port(&tfc_listener)?);
    let mirror_base = format!("https://{host}:{}/", port(&mirror_listener)?);
    let tls = Tls::generate(tls_dir, listen.ip())?;
    let ca_cert = tls.ca_path.display().to_string();

    let (organization, token) = {
        let mut tfc = lock(&tfc.state);
        tfc.base_url = format!("https://{tfc_hostname}");
        (tfc.organization.clone(), tfc.token.clone())
    };
    let tasks = vec![
        tls.serve(
            tfc_listener,
            faulted(shared, tfc.clone(), crate::tfc::router(tfc.clone())),
            shutdown.clone(),
        ),
        tls.serve(
            mirror_listener,
            faulted(
                shared,
                mirror.clone(),
                crate::mirror::router(mirror.clone()),
            ),
            shutdown,
        ),
    ];
    Ok(Started {
        tfc: TfcEndpoint {
            address: format!("https://{tfc_hostname}"),
            hostname: tfc_hostname,
            organization,
            token,
            ca_cert: ca_cert.clone(),
        },
        mirror: MirrorEndpoint {
            url: mirror_base,
            dir: mirror.dir.as_ref().map(|d| d.display().to_string()),
            ca_cert,
        },
        tasks,
        tls,
    })
}
