//! How Terraform starts a plugin and talks to it: go-plugin's handshake.
//!
//! 1. Terraform runs the binary with `TF_PLUGIN_MAGIC_COOKIE` set to a fixed value; a binary
//!    run by hand has no cookie, says it is a plugin and exits with status 1.
//! 2. `PLUGIN_PROTOCOL_VERSIONS` lists the protocol majors Terraform speaks; this server
//!    speaks 6 and refuses a Terraform that does not.
//! 3. The server listens on a Unix socket (in `PLUGIN_UNIX_SOCKET_DIR`, else the temporary
//!    directory), with mutual TLS when Terraform passes its certificate in
//!    `PLUGIN_CLIENT_CERT` ([`tls`]).
//! 4. It prints one line on stdout: `1|6|unix|<socket>|grpc|<certificate, base64>`, and
//!    serves `tfplugin6.Provider` with go-plugin's controller, stdio and health services.
//! 5. It stops when Terraform calls `GRPCController.Shutdown` or sends SIGTERM. SIGINT (the
//!    user's Ctrl-C reaches the whole process group) and `StopProvider` only ask operations in
//!    flight to end ([`Provider::stop`]): Terraform decides when the plugin exits.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::server::TlsStream;

use crate::provider::Provider;
use crate::server::ProviderService;
use crate::server::plugin_services::{ControllerService, HealthService, StdioService};

pub mod tls;

/// The environment variable holding Terraform's magic cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's magic cookie for provider plugins.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version, the first field of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;
/// The plugin protocol major this server speaks.
pub const PROTOCOL_VERSION: u32 = 6;
/// How long a connection may take to finish its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A one-way signal that the server should stop; clones share it.
#[derive(Clone, Debug)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self {
            sender: Arc::new(watch::channel(false).0),
        }
    }
}

impl Shutdown {
    /// Asks the server to stop.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// Waits until asked to stop.
    pub async fn wait(&self) {
        let mut receiver = self.sender.subscribe();
        // An error means the sender is gone, which also means stop.
        let _ = receiver.wait_for(|stop| *stop).await;
    }
}

/// Why the plugin could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Terraform offered no protocol this server speaks.
    #[error(
        "Terraform offers plugin protocol versions {offered}, and this provider speaks version \
         {PROTOCOL_VERSION} only: use Terraform 1.0 or later"
    )]
    Protocol {
        /// What Terraform offered.
        offered: String,
    },
    /// The socket could not be made.
    #[error("could not listen on {path}: {source}")]
    Listen {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// AutoMTLS could not be set up.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The handshake line could not be written.
    #[error("could not write the handshake line: {0}")]
    Handshake(std::io::Error),
    /// The gRPC server failed.
    #[error("the gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// What a binary run by hand prints.
fn not_a_program(name: &str) -> String {
    format!(
        "This is a Terraform plugin ({name}): Terraform starts it, it is not meant to be run \
         directly. Declare the provider in required_providers and run `terraform init`."
    )
}

/// Whether Terraform started this process (its magic cookie is set).
pub fn started_by_terraform() -> bool {
    std::env::var(MAGIC_COOKIE_KEY).as_deref() == Ok(MAGIC_COOKIE_VALUE)
}

/// The whole life of a plugin process: checks how it was started, builds a one-thread
/// runtime and `make`s the provider, serves until Terraform is done with it. `name` is
/// the binary's name for messages.
pub fn run<P: Provider>(name: &str, make: impl FnOnce() -> P) -> ExitCode {
    if !started_by_terraform() {
        eprintln!("{}", not_a_program(name));
        return ExitCode::from(1);
    }
    // One thread: a provider's work is mostly waiting on the network, and Terraform starts
    // it for every command, so start-up time and memory count more than parallel CPU.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{name} could not start its runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(Arc::new(make()), Shutdown::default())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(target: "tfplugin", error = %e, "the plugin stopped");
            eprintln!("{name}: {e}");
            ExitCode::from(1)
        }
    }
}

/// Checks `PLUGIN_PROTOCOL_VERSIONS` (absent means any).
fn negotiate() -> Result<(), ServeError> {
    match std::env::var("PLUGIN_PROTOCOL_VERSIONS") {
        Ok(offered) if !offered.trim().is_empty() => {
            let speaks = offered
                .split(',')
                .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
            if speaks {
                Ok(())
            } else {
                Err(ServeError::Protocol { offered })
            }
        }
        _ => Ok(()),
    }
}

/// A fresh socket path in the directory go-plugin uses.
fn socket_path() -> PathBuf {
    let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let mut random = [0u8; 8];
    // A failing system RNG only makes the name guessable, and bind refuses a name in use.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random);
    dir.join(format!("plugin{}", u64::from_le_bytes(random)))
}

/// Removes the socket file when dropped.
struct SocketFile(PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Serves `provider` until `shutdown` (or SIGTERM, or Terraform's `Shutdown`), after the
/// handshake on stdout.
pub async fn serve<P: Provider>(provider: Arc<P>, shutdown: Shutdown) -> Result<(), ServeError> {
    negotiate()?;
    let path = socket_path();
    let listener = UnixListener::bind(&path).map_err(|source| ServeError::Listen {
        path: path.clone(),
        source,
    })?;
    let _socket = SocketFile(path.clone());
    let client_cert = std::env::var("PLUGIN_CLIENT_CERT").unwrap_or_default();
    let (acceptor, certificate) = if client_cert.trim().is_empty() {
        (None, String::new())
    } else {
        let client = tls::client_certificate(&client_cert)?;
        let identity = tls::generate(tls::KeyKind::EcdsaP256)?;
        let config = tls::server_config(&identity, client)?;
        let encoded = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &identity.certificate,
        );
        (
            Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
            encoded,
        )
    };
    handshake(&path, &certificate).map_err(ServeError::Handshake)?;

    let incoming = accept_loop(listener, acceptor, shutdown.clone());
    watch_signals(provider.clone(), shutdown.clone());
    let stopping = shutdown.clone();
    tonic::transport::Server::builder()
        .add_service(ProviderService::new(provider))
        .add_service(ControllerService::new(shutdown.clone()))
        .add_service(StdioService::new(shutdown.clone()))
        .add_service(HealthService)
        .serve_with_incoming_shutdown(incoming, async move { stopping.wait().await })
        .await?;
    tracing::debug!(target: "tfplugin", "the plugin server stopped");
    Ok(())
}

/// Prints the handshake line.
fn handshake(path: &Path, certificate: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{}|grpc|{certificate}",
        path.display()
    )?;
    stdout.flush()
}

/// Accepts connections (finishing each TLS handshake on its own task) until shutdown.
fn accept_loop(
    listener: UnixListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shutdown: Shutdown,
) -> tokio_stream::wrappers::ReceiverStream<Result<Conn, std::io::Error>> {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = shutdown.wait() => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(target: "tfplugin", error = %e, "accepting a connection failed");
                    continue;
                }
            };
            let Some(acceptor) = acceptor.clone() else {
                if sender.send(Ok(Conn::Plain(stream))).await.is_err() {
                    break;
                }
                continue;
            };
            let sender = sender.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        let _ = sender.send(Ok(Conn::Tls(Box::new(tls)))).await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(target: "tfplugin", error = %e, "a connection failed its TLS handshake");
                    }
                    Err(_) => {
                        tracing::warn!(target: "tfplugin", "a connection did not finish its TLS handshake in time");
                    }
                }
            });
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(receiver)
}

/// SIGINT asks operations in flight to stop (Terraform then calls `StopProvider` or ends the
/// plugin); SIGTERM also stops the server.
fn watch_signals<P: Provider>(provider: Arc<P>, shutdown: Shutdown) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!(target: "tfplugin", "could not watch for signals");
        return;
    };
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {
                    tracing::info!(target: "tfplugin", "interrupted: asking operations in flight to stop");
                    provider.stop();
                }
                _ = terminate.recv() => {
                    tracing::info!(target: "tfplugin", "terminated: stopping");
                    provider.stop();
                    shutdown.trigger();
                    break;
                }
                () = shutdown.wait() => break,
            }
        }
    });
}

/// One accepted connection, with or without TLS.
pub enum Conn {
    /// Plain (no `PLUGIN_CLIENT_CERT`).
    Plain(UnixStream),
    /// Mutual TLS.
    Tls(Box<TlsStream<UnixStream>>),
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shutdown_wakes_every_waiter() {
        let shutdown = Shutdown::default();
        let a = tokio::spawn({
            let s = shutdown.clone();
            async move { s.wait().await }
        });
        shutdown.trigger();
        a.await.expect("waiter ends");
        // Waiting after the trigger returns at once.
        shutdown.wait().await;
    }
}
