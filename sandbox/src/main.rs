//! `ff-sandbox` command line: parse flags, start, print the endpoints line, serve until
//! SIGTERM or Ctrl-C, save the state file, exit 0.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ff_sandbox::{Config, FaultSpec, Sandbox};

/// Local emulators of the Vault, Grafana and Kubernetes APIs used by terraform-provider-ff.
#[derive(Parser, Debug)]
#[command(name = "ff-sandbox", version, about)]
struct Cli {
    /// IP:PORT every service binds to. Port 0: a random port per service; port P: control
    /// P, Vault P+1, Grafana P+2, Kubernetes (HTTPS) P+4.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Load state from this file at start (when it exists); save it after every change
    /// and at shutdown.
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// A fault to inject, as JSON (repeatable), e.g.
    /// '{"service":"vault","path":"^/v1/secret/","kind":"status","status":503,"times":1}'.
    #[arg(long = "fault", value_parser = parse_fault)]
    faults: Vec<FaultSpec>,
    /// Vault root token (default: restored from the state file, else random).
    #[arg(long)]
    vault_token: Option<String>,
    /// Grafana admin login (default: restored, else `admin`).
    #[arg(long)]
    grafana_user: Option<String>,
    /// Grafana admin password (default: restored, else random).
    #[arg(long)]
    grafana_password: Option<String>,
    /// Where to write the kubeconfig of the Kubernetes emulator (default: next to the state
    /// file, else a temporary file removed at exit).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Milliseconds before a Deployment reports ready and a CRD is Established.
    #[arg(long)]
    k8s_ready_delay_ms: Option<u64>,
}

fn parse_fault(text: &str) -> Result<FaultSpec, String> {
    serde_json::from_str(text).map_err(|err| format!("invalid fault JSON: {err}"))
}

fn init_logging() {
    let level = match std::env::var("FF_SANDBOX_LOG").as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .init();
}

/// Listen for SIGTERM from now on (before the endpoints line is printed, so that a caller
/// that stops the sandbox right after reading it is never met by the default action).
#[cfg(unix)]
fn listen_for_sigterm() -> Option<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(term) => Some(term),
        Err(err) => {
            tracing::warn!(error = %err, "cannot listen for SIGTERM; Ctrl-C only");
            None
        }
    }
}

#[cfg(unix)]
async fn shutdown_signal(term: Option<tokio::signal::unix::Signal>) {
    match term {
        Some(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    #[cfg(unix)]
    let term = listen_for_sigterm();
    let config = Config {
        listen: cli.listen,
        state_file: cli.state_file,
        faults: cli.faults,
        vault_token: cli.vault_token,
        grafana_user: cli.grafana_user,
        grafana_password: cli.grafana_password,
        kubeconfig: cli.kubeconfig,
        k8s_ready_delay_ms: cli.k8s_ready_delay_ms,
    };
    let running = match Sandbox::start(config).await {
        Ok(running) => running,
        Err(err) => {
            eprintln!("ff-sandbox: {err}");
            return ExitCode::FAILURE;
        }
    };
    let line = match serde_json::to_string(running.endpoints()) {
        Ok(line) => line,
        Err(err) => {
            eprintln!("ff-sandbox: cannot encode the endpoints: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("ff-sandbox: cannot write the endpoints line to stdout");
        return ExitCode::FAILURE;
    }
    drop(stdout);
    #[cfg(unix)]
    shutdown_signal(term).await;
    #[cfg(not(unix))]
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    ExitCode::SUCCESS
}
