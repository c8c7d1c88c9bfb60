//! The composition: the one place that names every service. It builds each one (restored
//! from its section of the state file), registers them with the shared parts as
//! [`Emulator`]s — in state-file order: Grafana, Auth0, Kubernetes, Entra ID — binds their
//! ports and describes them in the endpoints line.
//!
//! Ports from a fixed listen port P: control P, Vault P+1 (with `--vault-upstream` only),
//! Grafana P+2, Auth0 P+3, Kubernetes P+4, the registry P+5, the mirror P+6, Entra ID P+7.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth0::Auth0;
use crate::emulator::Emulator;
use crate::entra::Entra;
use crate::grafana::Grafana;
use crate::kubernetes::Kubernetes;
use crate::mirror::MirrorState;
use crate::server::{
    Running, base_url, bind_offset, control_service, faulted, serve, service_stack,
};
use crate::shared::Shared;
use crate::tfc::Tfc;
use crate::vault_proxy::Upstream;
use crate::{
    Auth0Endpoint, Config, Endpoints, EntraEndpoint, GrafanaEndpoint, ManagedIdentityEndpoint,
    StartError, VaultEndpoint,
};

const VAULT_OFFSET: u16 = 1;
const GRAFANA_OFFSET: u16 = 2;
const AUTH0_OFFSET: u16 = 3;
const KUBERNETES_OFFSET: u16 = 4;
const ENTRA_OFFSET: u16 = 7;

/// Every service, typed.
struct Emulators {
    grafana: Arc<Grafana>,
    auth0: Arc<Auth0>,
    kubernetes: Arc<Kubernetes>,
    entra: Arc<Entra>,
    tfc: Arc<Tfc>,
    mirror: Arc<MirrorState>,
    vault: Option<Arc<Upstream>>,
}

impl Emulators {
    /// Builds every service: restored from the state file when it exists, credentials from
    /// the flags when given (they win over the file).
    fn load(config: &Config) -> Result<Emulators, StartError> {
        let mut restored = match &config.state_file {
            Some(path) => crate::state_file::load(path)?,
            None => None,
        };
        let restoring = restored.is_some();
        let mut section = |name: &str| restored.as_mut().and_then(|doc| doc.take(name));
        let state_file_error = |message: String| StartError::StateFile {
            path: config.state_file.clone().unwrap_or_default(),
            message,
        };
        let grafana = Grafana::load(
            section("grafana"),
            restoring,
            config.grafana_user.as_deref(),
            config.grafana_password.as_deref(),
        )
        .map_err(state_file_error)?;
        let auth0_section = section("auth0");
        let kubernetes_section = section("kubernetes");
        let entra_section = section("entra");
        if let Some(limit) = config.auth0_rate_limit {
            limit.validate().map_err(StartError::Fault)?;
        }
        let auth0 = Auth0::load(
            auth0_section,
            config.auth0_client_id.as_deref(),
            config.auth0_client_secret.as_deref(),
            config.auth0_rate_limit,
        )
        .map_err(state_file_error)?;
        let entra = Arc::new(Entra::load(entra_section).map_err(state_file_error)?);
        let kubernetes = Kubernetes::load(kubernetes_section, config, entra.clone())
            .map_err(state_file_error)?;
        let vault = config
            .vault_upstream
            .as_deref()
            .map(Upstream::new)
            .transpose()
            .map_err(StartError::VaultUpstream)?
            .map(Arc::new);
        Ok(Emulators {
            grafana: Arc::new(grafana),
            auth0: Arc::new(auth0),
            kubernetes: Arc::new(kubernetes),
            entra,
            tfc: Arc::new(Tfc::new(
                config.tfc_organization.as_deref(),
                config.tfc_token.as_deref(),
            )),
            mirror: Arc::new(MirrorState {
                dir: config.mirror_dir.clone(),
            }),
            vault,
        })
    }

    /// What the shared parts iterate over; the state file's sections follow this order.
    fn registered(&self) -> Vec<Arc<dyn Emulator>> {
        let mut all: Vec<Arc<dyn Emulator>> = vec![
            self.grafana.clone(),
            self.auth0.clone(),
            self.kubernetes.clone(),
            self.entra.clone(),
            self.tfc.clone(),
            self.mirror.clone(),
        ];
        if let Some(vault) = &self.vault {
            all.push(vault.clone());
        }
        all
    }
}

/// Builds every service and the shared parts, binds every port and starts serving.
pub(crate) async fn start(config: &Config) -> Result<Running, StartError> {
    let emulators = Emulators::load(config)?;
    let shared = Arc::new(Shared::new(config, emulators.registered())?);

    let listen = config.listen;
    let control = bind_offset(listen, 0).await?;
    let vault_listener = bind_offset(listen, VAULT_OFFSET).await?;
    let grafana = bind_offset(listen, GRAFANA_OFFSET).await?;
    let auth0 = bind_offset(listen, AUTH0_OFFSET).await?;
    let kubernetes = bind_offset(listen, KUBERNETES_OFFSET).await?;
    let entra = bind_offset(listen, ENTRA_OFFSET).await?;
    let entra_url = base_url(&entra)?;
    let control_url = base_url(&control)?;
    let (kubernetes_endpoint, acceptor, temporary_kubeconfig) =
        crate::kubernetes::listener::prepare(
            config,
            &emulators.kubernetes,
            &kubernetes,
            &control_url,
        )?;
    let grafana_url = base_url(&grafana)?;
    let (shutdown, watcher) = watch::channel(false);
    let distribution = crate::distribution::start(
        listen,
        config.tls_dir.as_deref(),
        &shared,
        &emulators.tfc,
        &emulators.mirror,
        watcher.clone(),
    )
    .await?;
    let auth0_url = base_url(&auth0)?;

    // Without an upstream there is no Vault: its port is closed again.
    let vault = emulators
        .vault
        .as_ref()
        .map(|upstream| {
            Ok::<_, StartError>((
                VaultEndpoint {
                    address: base_url(&vault_listener)?,
                    upstream: upstream.address().to_string(),
                },
                vault_listener,
                upstream.clone(),
            ))
        })
        .transpose()?;
    let (user, password) = emulators.grafana.admin();
    let (auth0_client_id, auth0_client_secret) = emulators.auth0.management();
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
            let tenant = emulators.entra.tenant();
            EntraEndpoint {
                managed_identity: ManagedIdentityEndpoint {
                    client_id: tenant.managed_identity_client_id,
                    identity_endpoint: format!("{entra_url}/msi/token"),
                    identity_header: tenant.identity_header,
                },
                authority: entra_url,
                tenant_id: tenant.tenant_id,
                client_id: tenant.client_id,
                client_secret: tenant.client_secret,
            }
        },
        auth0: Auth0Endpoint {
            domain: auth0_url.clone(),
            client_id: auth0_client_id,
            client_secret: auth0_client_secret,
        },
    };

    let mut tasks = vec![
        tokio::spawn(serve(control, control_service(&shared), watcher.clone())),
        tokio::spawn(serve(
            grafana,
            service_stack(
                &shared,
                emulators.grafana.clone(),
                crate::grafana::router(emulators.grafana.clone()),
            ),
            watcher.clone(),
        )),
        tokio::spawn(serve(
            auth0,
            service_stack(
                &shared,
                emulators.auth0.clone(),
                crate::auth0::router(emulators.auth0.clone(), auth0_url),
            ),
            watcher.clone(),
        )),
        tokio::spawn(crate::kubernetes::listener::serve(
            kubernetes,
            acceptor,
            service_stack(
                &shared,
                emulators.kubernetes.clone(),
                crate::kubernetes::router(emulators.kubernetes.clone()),
            ),
            watcher.clone(),
        )),
        tokio::spawn(serve(
            entra,
            service_stack(
                &shared,
                emulators.entra.clone(),
                crate::entra::router(emulators.entra.clone()),
            ),
            watcher.clone(),
        )),
    ];
    if let Some((_, listener, upstream)) = vault {
        // The real server keeps its own state: nothing to persist here.
        let proxy = faulted(
            &shared,
            upstream.clone(),
            crate::vault_proxy::router(upstream),
        );
        tasks.push(tokio::spawn(serve(listener, proxy, watcher.clone())));
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
        temporary_files: temporary_kubeconfig.into_iter().collect(),
    })
}
