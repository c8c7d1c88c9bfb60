//! `ff-sandbox` command line: parse flags, start, print the endpoints line, serve until
//! SIGTERM or Ctrl-C, save the state file, exit 0.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ff_sandbox::{Config, FaultSpec, Sandbox};

/// Local emulators of the Grafana, Auth0, Kubernetes and Entra ID APIs used by
/// terraform-provider-ff, and a fault-injecting proxy in front of a real Vault (OpenBao).
#[derive(Parser, Debug)]
#[command(name = "ff-sandbox", version, about)]
struct Cli {
    /// IP:PORT every service binds to. Port 0: a random port per service; port P: control
    /// P, Vault P+1 (with --vault-upstream), Grafana P+2, Auth0 P+3, Kubernetes (HTTPS) P+4, registry P+5, mirror P+6,
    /// Entra ID P+7.
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
    /// Grafana admin login (default: restored, else `admin`).
    #[arg(long)]
    grafana_user: Option<String>,
    /// Grafana admin password (default: restored, else random).
    #[arg(long)]
    grafana_password: Option<String>,
    /// Organization of the emulated Terraform Cloud private registry.
    #[arg(long, default_value = ff_sandbox::tfc::state::DEFAULT_ORGANIZATION)]
    tfc_organization: String,
    /// API token of the emulated Terraform Cloud (default: random).
    #[arg(long)]
    tfc_token: Option<String>,
    /// Directory the HTTPS provider network mirror serves (e.g. dist/mirror from
    /// `cargo xtask release`).
    #[arg(long)]
    mirror_dir: Option<PathBuf>,
    /// Directory for the CA certificate of the HTTPS services (default: a temporary
    /// directory removed at exit).
    #[arg(long)]
    tls_dir: Option<PathBuf>,
    /// Auth0 management client id (default: restored, else random).
    #[arg(long)]
    auth0_client_id: Option<String>,
    /// Auth0 management client secret (default: restored, else random).
    #[arg(long)]
    auth0_client_secret: Option<String>,
    /// Sustained Management API requests per second before 429 (default 2, a Free tenant;
    /// 0 turns the limit off).
    #[arg(long)]
    auth0_rate_limit: Option<f64>,
    /// Management API requests allowed at once (the bucket size; default 2).
    #[arg(long)]
    auth0_burst: Option<u32>,
    /// Where to write the kubeconfig of the Kubernetes emulator (default: next to the state
    /// file, else a temporary file removed at exit).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Milliseconds before a Deployment reports ready and a CRD is Established.
    #[arg(long)]
    k8s_ready_delay_ms: Option<u64>,
    /// A real Vault to put the Vault port in front of (e.g. an OpenBao dev server,
    /// `http://127.0.0.1:8200`): requests are forwarded through the fault layer and logged.
    #[arg(long)]
    vault_upstream: Option<String>,
    /// Verify EKS tokens as aws-iam-authenticator does, by sending their presigned
    /// GetCallerIdentity request to this STS endpoint (e.g. moto's URL); callers must be
    /// mapped in the aws-auth ConfigMap. Default: check the signature with the sandbox's own
    /// AWS key.
    #[arg(long)]
    eks_sts_endpoint: Option<String>,
    /// With --eks-sts-endpoint: also send the query signature in an Authorization header,
    /// for STS emulators that read the caller only from there (moto).
    #[arg(long)]
    eks_sts_authorization_header: bool,
}

fn parse_fault(text: &str) -> Result<FaultSpec, String> {
    let spec: FaultSpec =
        serde_json::from_str(text).map_err(|err| format!("invalid fault JSON: {err}"))?;
    spec.check().map(|()| spec)
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

/// Resolves on SIGTERM or Ctrl-C. On Unix both handlers are installed when this is
/// called — before the endpoints line is printed — so a client that signals right after
/// reading the line never meets the default action (death without saving).
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (term, interrupt) {
            (Ok(mut term), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            (term, interrupt) => {
                let err = term.err().or(interrupt.err());
                tracing::warn!(error = ?err, "cannot install signal handlers; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let shutdown = shutdown_signal();
    let config = Config {
        listen: cli.listen,
        state_file: cli.state_file,
        faults: cli.faults,
        grafana_user: cli.grafana_user,
        grafana_password: cli.grafana_password,
        tfc_organization: Some(cli.tfc_organization),
        tfc_token: cli.tfc_token,
        mirror_dir: cli.mirror_dir,
        tls_dir: cli.tls_dir,
        auth0_client_id: cli.auth0_client_id,
        auth0_client_secret: cli.auth0_client_secret,
        auth0_rate_limit: match (cli.auth0_rate_limit, cli.auth0_burst) {
            (None, None) => None,
            (rate, burst) => {
                let default = ff_sandbox::auth0::rate_limit::RateLimit::default();
                Some(ff_sandbox::auth0::rate_limit::RateLimit {
                    per_second: rate.unwrap_or(default.per_second),
                    burst: burst.unwrap_or(default.burst),
                })
            }
        },
        kubeconfig: cli.kubeconfig,
        k8s_ready_delay_ms: cli.k8s_ready_delay_ms,
        vault_upstream: cli.vault_upstream,
        eks_sts_endpoint: cli.eks_sts_endpoint,
        eks_sts_authorization_header: cli.eks_sts_authorization_header,
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
    shutdown.await;
    tracing::info!("shutting down");
    running.shutdown().await;
    ExitCode::SUCCESS
}
