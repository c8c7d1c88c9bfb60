//! Create and update: make the cluster and Vault match the plan, recording each object
//! applied, then remove the objects of the previous apply that are no longer wanted.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value as Json, json};
use tfplugin::{Diagnostics, Value};

use super::model::BootstrapState;
use super::objects::{self, Handling, Planned, Spec, Wave};
use super::plan::{planned_objects, role_body, vault_config_digest, vault_ids};
use super::remove::remove;
use super::spec::report_arg;
use super::spec::{connection_of, timeout_of};
use super::validate::check_tls_secret;
use super::{CONCURRENCY, PlatformBootstrapResource, RESOURCE, StepError, report, step};
use crate::backends::kubernetes::{Connection, KubeClient};
use crate::backends::vault::VaultClient;
use crate::context::Backends;
use crate::diag::{DiagnosticsExt, attr, chain};
use crate::naming::Names;
use crate::resources::lifecycle::Cause;
use crate::resources::{apply_backend, backends};

/// The Vault secret data of a `VaultData` object; a TLS one must hold a PEM `tls.crt` and
/// `tls.key`.
pub(super) async fn vault_secret(
    vault: &VaultClient,
    names: &Names,
    path: &str,
    tls: bool,
) -> Result<BTreeMap<String, Json>, StepError> {
    let at = format!("{}/{path}", names.kv_mount());
    let what = if tls {
        "the TLS certificate and key"
    } else {
        "the Git credentials"
    };
    let step_text = format!("reading {what} from Vault at {at}");
    match vault.kv_read(names.kv_mount(), path).await {
        Ok(Some(secret)) => {
            if tls {
                check_tls_secret(&at, &secret.data)
                    .map_err(|cause| StepError::new(step_text, Cause::text(cause)))?;
            }
            Ok(secret.data)
        }
        Ok(None) => Err(StepError::new(
            step_text,
            Cause::text(if tls {
                format!(
                    "there is no secret at {at}; write the certificate (with its chain) and its private key there, PEM, as tls.crt and tls.key, or set tls.vault_secret to the secret that holds them"
                )
            } else {
                format!(
                    "there is no secret at {at}; write the repository's credentials there (keys such as username and password, or sshPrivateKey), or set application.git_credentials_secret = \"\" for a public repository"
                )
            }),
        )),
        Err(e) => Err(step(step_text)(e)),
    }
}

/// SHA-256 (hex) of the certificate PEM of a TLS secret read from Vault.
pub(super) fn certificate_digest(
    secrets: &BTreeMap<String, BTreeMap<String, Json>>,
    path: &str,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let certificate = secrets.get(path)?.get("tls.crt")?.as_str()?;
    Some(hex::encode(Sha256::digest(certificate.as_bytes())))
}

/// The object to send: Vault data filled in.
pub(super) fn materialize(
    planned: &Planned,
    secrets: &BTreeMap<String, BTreeMap<String, Json>>,
) -> Json {
    let mut object = planned.object.clone();
    if let Handling::VaultData { path, tls } = &planned.handling
        && let Some(values) = secrets.get(path)
    {
        for (k, v) in objects::secret_data(values, *tls) {
            object["data"][k] = v;
        }
    }
    object
}

/// Apply one object; returns what to record for it.
pub(super) async fn apply_one(
    kube: &KubeClient,
    names: &Names,
    planned: &Planned,
    object: Json,
) -> Result<(), StepError> {
    let (api_version, kind, namespace, name) = planned.identity();
    let what =
        crate::backends::kubernetes::describe(&api_version, &kind, namespace.as_deref(), &name);
    match &planned.handling {
        Handling::CorefileSection { section } => {
            let markers = names.coredns_markers();
            let live = kube
                .get(&api_version, &kind, namespace.as_deref(), &name)
                .await
                .map_err(step(format!("reading {what}")))?;
            let corefile = live
                .as_ref()
                .and_then(|l| l.pointer("/data/Corefile"))
                .and_then(Json::as_str)
                .unwrap_or_default();
            let updated = objects::replace_section(corefile, &markers, Some(section));
            let mut body = object;
            body["data"] = json!({"Corefile": updated});
            kube.apply(&body)
                .await
                .map_err(step(format!("applying {what}")))?;
        }
        _ => {
            kube.apply(&object)
                .await
                .map_err(step(format!("applying {what}")))?;
        }
    }
    tracing::debug!(object = %planned.id, "applied");
    Ok(())
}

/// The reviewer's token, once the token controller has filled it in.
pub(super) async fn reviewer_token(
    kube: &KubeClient,
    names: &Names,
    deadline: Instant,
) -> Result<String, StepError> {
    let name = names.k8s_vault_reviewer();
    loop {
        let secret = kube
            .get("v1", "Secret", Some("kube-system"), &name)
            .await
            .map_err(step("reading the Vault reviewer's token Secret"))?;
        if let Some(token) = secret
            .as_ref()
            .and_then(|s| s.pointer("/data/token"))
            .and_then(Json::as_str)
            .and_then(|b| {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b).ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|t| !t.is_empty())
        {
            return Ok(token);
        }
        if Instant::now() >= deadline {
            return Err(StepError::new(
                "waiting for the Vault reviewer's token",
                Cause::text(format!(
                    "the Secret kube-system/{name} of type kubernetes.io/service-account-token got no token: is the token controller running?"
                )),
            ));
        }
        if crate::stop::sleep(Duration::from_millis(150))
            .await
            .is_err()
        {
            return Err(StepError::new(
                "waiting for the Vault reviewer's token",
                Cause::text(crate::stop::Stopped.to_string()),
            ));
        }
    }
}

/// `(group, kind)` of the kinds the bootstrap's own CRDs define.
pub(super) fn custom_kinds(planned: &[Planned]) -> BTreeSet<(String, String)> {
    planned
        .iter()
        .filter(|p| p.object["kind"] == "CustomResourceDefinition")
        .filter_map(|p| {
            let group = p.object.pointer("/spec/group")?.as_str()?;
            let kind = p.object.pointer("/spec/names/kind")?.as_str()?;
            Some((group.to_string(), kind.to_string()))
        })
        .collect()
}

pub(super) fn is_custom(custom: &BTreeSet<(String, String)>, planned: &Planned) -> bool {
    let (api_version, kind, _, _) = planned.identity();
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    custom.contains(&(group.to_string(), kind))
}

pub(super) type Applied = Vec<(String, Option<String>, Result<(), StepError>)>;

/// Apply objects concurrently; each with its outcome.
pub(super) async fn apply_batch(
    kube: &KubeClient,
    names: &Names,
    batch: &[&Planned],
    secrets: &BTreeMap<String, BTreeMap<String, Json>>,
) -> Applied {
    let pending: Vec<_> = batch
        .iter()
        .map(|p| async move {
            let object = materialize(p, secrets);
            (
                p.id.clone(),
                p.digest.clone(),
                apply_one(kube, names, p, object).await,
            )
        })
        .collect();
    futures::stream::iter(pending)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// Record what was applied; the first failure, if any.
pub(super) fn record(
    recorded: &mut BTreeMap<String, Value<String>>,
    applied: Applied,
) -> Result<(), StepError> {
    let mut first_error = None;
    for (id, digest, result) in applied {
        match result {
            Ok(()) => {
                recorded.insert(id, digest.map(Value::Value).unwrap_or(Value::Null));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// The Vault data of every `VaultData` object, by path.
pub(super) async fn vault_secrets(
    vault: &VaultClient,
    names: &Names,
    planned: &[Planned],
) -> Result<BTreeMap<String, BTreeMap<String, Json>>, StepError> {
    let mut secrets = BTreeMap::new();
    for p in planned {
        if let Handling::VaultData { path, tls } = &p.handling
            && !secrets.contains_key(path)
        {
            secrets.insert(path.clone(), vault_secret(vault, names, path, *tls).await?);
        }
    }
    Ok(secrets)
}

/// Enable the cluster's Kubernetes auth method in Vault unless it is.
pub(super) async fn enable_vault_auth(vault: &VaultClient, names: &Names) -> Result<(), StepError> {
    let mount = names.vault_kubernetes_auth_mount();
    if vault
        .auth_method(&mount)
        .await
        .map_err(step("reading Vault's auth methods"))?
        .is_none()
    {
        vault
            .enable_auth(
                &mount,
                "kubernetes",
                &format!(
                    "Cluster of deployment {} (managed by terraform-provider-ff)",
                    names.key()
                ),
            )
            .await
            .map_err(step(format!("enabling the Vault auth method {mount}")))?;
    }
    Ok(())
}

/// Configure Vault's Kubernetes auth method for the cluster.
pub(super) async fn converge_vault(
    vault: &VaultClient,
    kube: &KubeClient,
    names: &Names,
    connection: &Connection,
    role: &Json,
    deadline: Instant,
) -> Result<(), StepError> {
    let mount = names.vault_kubernetes_auth_mount();
    let token = reviewer_token(kube, names, deadline).await?;
    let config = json!({
        "kubernetes_host": connection.host,
        "kubernetes_ca_cert": connection.ca_pem.clone().unwrap_or_default(),
        "token_reviewer_jwt": token,
        "disable_local_ca_jwt": true,
    });
    let role_path = format!("auth/{mount}/role/{}", names.vault_kubernetes_role());
    let config_path = format!("auth/{mount}/config");
    let (configured, role_written) = tokio::join!(
        vault.write_data(&config_path, config),
        vault.write_data(&role_path, role.clone()),
    );
    configured.map_err(step(format!("configuring the Vault auth method {mount}")))?;
    role_written.map_err(step(format!(
        "writing the Vault role {}",
        names.vault_kubernetes_role()
    )))?;
    Ok(())
}

/// Everything that can fail without changing anything, concurrently: the connection to the
/// cluster, the data of Vault's secrets and the discovery of the built-in kinds. `None` (with
/// the error reported) when one fails: nothing was applied.
async fn preflight(
    diags: &mut Diagnostics,
    key: &str,
    vault: &VaultClient,
    names: &Names,
    connection: &Connection,
    planned: &[Planned],
) -> Option<(KubeClient, BTreeMap<String, BTreeMap<String, Json>>)> {
    let kube = match KubeClient::connect(connection).await {
        Ok(k) => k,
        Err(e) => {
            diags.error_at(
                attr("cluster"),
                "Cluster connection cannot be used",
                format!("{}.\n\nNothing was applied.", chain(&e)),
            );
            return None;
        }
    };
    let custom = custom_kinds(planned);
    let builtin_versions: Vec<String> = planned
        .iter()
        .filter(|p| !is_custom(&custom, p))
        .map(|p| p.identity().0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (secrets, discovered) = tokio::join!(
        vault_secrets(vault, names, planned),
        kube.prefetch(&builtin_versions)
    );
    match (secrets, discovered) {
        (Ok(secrets), Ok(())) => Some((kube, secrets)),
        (Err(failure), _) => {
            report(diags, key, &failure, "Nothing was applied.");
            None
        }
        (_, Err(e)) => {
            report(
                diags,
                key,
                &step("asking the cluster which kinds it serves")(e),
                "Nothing was applied.",
            );
            None
        }
    }
}

/// Remove the objects of the previous apply that are no longer wanted, and forget them.
async fn remove_stale(
    kube: &KubeClient,
    names: &Names,
    wanted: &BTreeSet<String>,
    recorded: &mut BTreeMap<String, Value<String>>,
) -> Result<(), StepError> {
    let stale: Vec<String> = recorded
        .keys()
        .filter(|id| !wanted.contains(*id))
        .cloned()
        .collect();
    remove(kube, names, &stale).await?;
    for id in &stale {
        recorded.remove(id);
    }
    Ok(())
}

impl PlatformBootstrapResource {
    /// Create and update: make the cluster and Vault match `planned`.
    pub(super) async fn apply(
        &self,
        diags: &mut Diagnostics,
        prior: Option<&BootstrapState>,
        planned: BootstrapState,
    ) -> Option<BootstrapState> {
        let backends = backends(diags, &self.context)?;
        let vault = apply_backend(diags, &backends.vault, "Vault", RESOURCE)?.clone();
        let mut state = planned;
        let key = state
            .deployment_key
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        let (spec, planned, connection) = self.prepare(diags, &state, &backends).await?;
        let names = spec.names.clone();
        let role = role_body(&names, &spec, &state);
        let deadline =
            Instant::now() + timeout_of(&state, if prior.is_some() { "update" } else { "create" });
        let started = Instant::now();

        let Some((kube, secrets)) =
            preflight(diags, &key, &vault, &names, &connection, &planned).await
        else {
            return prior.cloned();
        };

        // The digest of the certificate read from Vault (unless the plan already knew it).
        if let (Some(tls), Value::Value(block)) = (&spec.tls, &mut state.tls)
            && !block.certificate_sha256.is_value()
        {
            block.certificate_sha256 =
                certificate_digest(&secrets, &names.secret_path(&tls.vault_secret))
                    .map(Value::Value)
                    .unwrap_or(Value::Null);
        }

        let mut recorded: BTreeMap<String, Value<String>> = prior
            .and_then(|p| p.objects.as_ref_option().cloned())
            .unwrap_or_default();
        let outcome = self
            .converge(
                &kube,
                &vault,
                &names,
                &planned,
                &secrets,
                &connection,
                &role,
                &state,
                deadline,
                &mut recorded,
            )
            .await;
        let wanted: BTreeSet<String> = planned_objects(&planned, &spec, &state)
            .keys()
            .cloned()
            .collect();
        let outcome = match outcome {
            Ok(()) => remove_stale(&kube, &names, &wanted, &mut recorded).await,
            Err(e) => Err(e),
        };
        state.objects = Value::Value(recorded);
        match outcome {
            Ok(()) => {
                tracing::info!(deployment = %key, objects = planned.len(), elapsed_ms = started.elapsed().as_millis() as u64, "platform bootstrapped");
                Some(state)
            }
            Err(failure) => {
                report(
                    diags,
                    &key,
                    &failure,
                    "The objects applied before this step are recorded in the state; fix the cause and apply again.",
                );
                Some(state)
            }
        }
    }

    /// The spec, the objects and the connection of an apply: all known by now.
    async fn prepare(
        &self,
        diags: &mut Diagnostics,
        state: &BootstrapState,
        backends: &Backends,
    ) -> Option<(Spec, Vec<Planned>, Connection)> {
        let spec = match self.spec(state, backends).await {
            Ok(Some(spec)) => spec,
            Ok(None) => {
                diags.error_root(
                    "Bootstrap arguments are not fully known",
                    "Some arguments of ff_platform_bootstrap were still unknown at apply time.",
                );
                return None;
            }
            Err(e) => {
                report_arg(diags, e);
                return None;
            }
        };
        let Some(planned) = objects::plan(&spec) else {
            diags.error_root(
                "Bootstrap arguments are not fully known",
                "A release manifest was still unknown at apply time.",
            );
            return None;
        };
        let Some(connection) = connection_of(state, backends.request_timeout) else {
            diags.error_at(
                attr("cluster"),
                "Cluster connection is not known",
                "The cluster block was still unknown at apply time.",
            );
            return None;
        };
        Some((spec, planned, connection))
    }

    /// Apply every object and configure Vault, recording each object applied. Namespaces and
    /// CRDs go first (with Vault's auth method enabled meanwhile); then the objects of
    /// built-in kinds are applied while the CRDs are awaited until Established, after which
    /// the objects of their kinds follow; last, the releases' Deployments are awaited while
    /// Vault is configured with the reviewer's token.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn converge(
        &self,
        kube: &KubeClient,
        vault: &VaultClient,
        names: &Names,
        planned: &[Planned],
        secrets: &BTreeMap<String, BTreeMap<String, Json>>,
        connection: &Connection,
        role: &Json,
        state: &BootstrapState,
        deadline: Instant,
        recorded: &mut BTreeMap<String, Value<String>>,
    ) -> Result<(), StepError> {
        let custom = custom_kinds(planned);
        let foundation: Vec<&Planned> = planned
            .iter()
            .filter(|p| p.wave == Wave::Foundation)
            .collect();
        let builtin: Vec<&Planned> = planned
            .iter()
            .filter(|p| p.wave == Wave::Objects && !is_custom(&custom, p))
            .collect();
        let custom_objects: Vec<&Planned> = planned
            .iter()
            .filter(|p| p.wave == Wave::Objects && is_custom(&custom, p))
            .collect();
        tracing::info!(
            namespaces_and_crds = foundation.len(),
            objects = builtin.len(),
            custom_objects = custom_objects.len(),
            "applying objects"
        );

        let (enabled, applied) = tokio::join!(
            enable_vault_auth(vault, names),
            apply_batch(kube, names, &foundation, secrets)
        );
        record(recorded, applied)?;
        enabled?;

        let crds: Vec<String> = foundation
            .iter()
            .filter(|p| p.object["kind"] == "CustomResourceDefinition")
            .map(|p| p.identity().3)
            .collect();
        let custom_path = async {
            let waits = crds
                .iter()
                .map(|name| kube.wait_crd_established(name, deadline));
            for result in futures::future::join_all(waits).await {
                result.map_err(step("waiting for the CRDs to be Established"))?;
            }
            let versions: Vec<String> = custom_objects
                .iter()
                .map(|p| p.identity().0)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            kube.prefetch(&versions)
                .await
                .map_err(step("asking the cluster which kinds its CRDs serve"))?;
            Ok::<_, StepError>(apply_batch(kube, names, &custom_objects, secrets).await)
        };
        let (applied, custom_applied) =
            tokio::join!(apply_batch(kube, names, &builtin, secrets), custom_path);
        record(recorded, applied)?;
        record(recorded, custom_applied?)?;

        // The releases' Deployments become ready while Vault is configured.
        let deployments = planned.iter().filter(|p| p.await_ready).map(|p| {
            let (_, _, namespace, name) = p.identity();
            async move {
                kube.wait_deployment_ready(
                    namespace.as_deref().unwrap_or("default"),
                    &name,
                    deadline,
                )
                .await
            }
        });
        let (ready, vault_done, recorded_in_vault) = tokio::join!(
            futures::future::join_all(deployments),
            converge_vault(vault, kube, names, connection, role, deadline),
            write_record(vault, names, state),
        );
        vault_done?;
        recorded_in_vault?;
        let (config_id, role_id) = vault_ids(names);
        recorded.insert(
            config_id,
            vault_config_digest(state)
                .map(Value::Value)
                .unwrap_or(Value::Null),
        );
        recorded.insert(role_id, Value::Value(objects::digest(role)));
        for result in ready {
            result.map_err(step(
                "waiting for the ingress controller and ArgoCD to become ready",
            ))?;
        }
        Ok(())
    }
}

/// The non-secret record of the arguments in Vault, for import.
pub(super) async fn write_record(
    vault: &VaultClient,
    names: &Names,
    state: &BootstrapState,
) -> Result<(), StepError> {
    let mut record = state.clone();
    if let Value::Value(cluster) = &mut record.cluster {
        cluster.token = Value::Null;
        cluster.client_key = Value::Null;
    }
    record.objects = Value::Null;
    let text = serde_json::to_string(&record).map_err(|e| {
        StepError::new(
            "recording the bootstrap in Vault",
            Cause::text(e.to_string()),
        )
    })?;
    let data = BTreeMap::from([
        ("arguments".to_string(), Json::String(text)),
        (
            "managed_by".to_string(),
            Json::String(crate::naming::MANAGED_BY.into()),
        ),
    ]);
    vault
        .ensure_kv2_mount(names.kv_mount())
        .await
        .map_err(step(format!(
            "enabling the KV v2 mount {:?} in Vault",
            names.kv_mount()
        )))?;
    vault
        .kv_write(names.kv_mount(), &names.platform_record_path(), &data, None)
        .await
        .map_err(step("recording the bootstrap in Vault"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_digest_is_of_tls_crt() {
        let key = "-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n-----END PRIVATE KEY-----\n";
        let crt = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let data = |pairs: &[(&str, &str)]| -> BTreeMap<String, Json> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
                .collect()
        };
        let secrets = BTreeMap::from([(
            "WM-Prod/tls".to_string(),
            data(&[("tls.crt", crt), ("tls.key", key)]),
        )]);
        let digest = certificate_digest(&secrets, "WM-Prod/tls").unwrap_or_default();
        assert_eq!(digest.len(), 64);
        assert_eq!(certificate_digest(&secrets, "WM-Prod/other"), None);
    }
}
