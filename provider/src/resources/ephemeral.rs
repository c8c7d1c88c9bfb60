//! Ephemeral resources (Terraform ≥ 1.10): values a configuration uses while Terraform runs
//! and that never reach the state or the plan.
//!
//! - `ff_secret`: one secret of a deployment, read from Vault — a generated or given secret,
//!   an Auth0 application's credentials (`auth0/<application>`), the Grafana token (`grafana`) —
//!   to feed another provider's write-only argument or configuration;
//! - `ff_cluster_token`: the EKS or AKS token the bootstrap obtains for itself, for a
//!   `kubernetes` or `helm` provider block in the same configuration.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::ephemeral::{EphemeralResource, Opened};
use tfplugin::schema::{Block, Constraint, NestedBlock, Schema};
use tfplugin::{ClientCapabilities, Diagnostics, Type, Value};

use crate::backends::aws_credentials::WebIdentityRole;
use crate::backends::kubernetes::{ClusterAuth, cloud_token};
use crate::context::ProviderContext;
use crate::diag::{DiagnosticsExt, attr, block_attr, chain};
use crate::naming::{DeploymentKey, Names};
use crate::resources::{StateMap, apply_backend, attribute, backends, optional_block, string_map};

/// Default key of a secret's value in Vault (generated and given secrets).
const VALUE_FIELD: &str = "value";

// ---------------------------------------------------------------------------------------
// ff_secret
// ---------------------------------------------------------------------------------------

/// `ephemeral "ff_secret"`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SecretModel {
    /// Deployment key.
    pub deployment_key: Value<String>,
    /// Secret name under the deployment's path.
    pub name: Value<String>,
    /// Field of the secret whose value `value` is.
    pub field: Value<String>,
    /// The field's value.
    pub value: Value<String>,
    /// Every field.
    pub data: Value<StateMap>,
    /// The version read.
    pub version: Value<i64>,
    /// `<kv_mount>/<key>/<name>`.
    pub vault_path: Value<String>,
}

/// `ff_secret`.
pub struct SecretEphemeral {
    context: Arc<ProviderContext>,
}

impl SecretEphemeral {
    /// Over the provider's `context`.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self { context }
    }
}

/// Whether a secret name may be read through `ff_secret`: a path below the deployment, without
/// empty, `.` or `..` segments.
fn valid_secret_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

#[async_trait]
impl EphemeralResource for SecretEphemeral {
    type Model = SecretModel;
    type Private = ();

    fn schema(&self) -> Schema {
        use Constraint::{Computed, Optional, Required};
        Schema::new(
            Block::new(
                "One secret of a deployment, read from Vault at `<kv_mount>/<key>/<name>` while Terraform runs: \
                 a generated or given secret, an Auth0 application's credentials (`auth0/<application>`), or the \
                 Grafana token (`grafana`). Its value never enters the state or the plan: use it for another \
                 provider's write-only argument (such as a database's `password_wo`) or configuration. Needs \
                 Terraform 1.10 or later.",
            )
            .attribute(
                "deployment_key",
                attribute(Type::String, Required, "The deployment key, such as `WM-Prod`."),
            )
            .attribute(
                "name",
                attribute(
                    Type::String,
                    Required,
                    "The secret's name under the deployment's path: `db-password`, `auth0/portal`, `grafana`…",
                ),
            )
            .attribute(
                "field",
                attribute(
                    Type::String,
                    Optional,
                    "The field whose value `value` is (default `value`, where generated and given secrets keep theirs; `client_secret` for an Auth0 application, `token` for Grafana).",
                ),
            )
            .attribute(
                "value",
                attribute(Type::String, Computed, "The field's value.").sensitive(),
            )
            .attribute(
                "data",
                attribute(string_map(), Computed, "Every field of the secret.").sensitive(),
            )
            .attribute(
                "version",
                attribute(Type::Number, Computed, "The secret's version that was read."),
            )
            .attribute(
                "vault_path",
                attribute(Type::String, Computed, "Where in Vault the secret is."),
            ),
        )
    }

    async fn validate(&self, diags: &mut Diagnostics, config: SecretModel) {
        if let Value::Value(key) = &config.deployment_key
            && let Err(e) = DeploymentKey::parse(key)
        {
            diags.error_at(
                attr("deployment_key"),
                "Invalid deployment key",
                format!("{key:?} is not a deployment key: {e}."),
            );
        }
        if let Value::Value(name) = &config.name
            && !valid_secret_name(name)
        {
            diags.error_at(
                attr("name"),
                "Invalid secret name",
                format!(
                    "{name:?} is not a secret name: letters, digits, `-`, `_`, `.` and `/` between \
                     path segments, such as db-password or auth0/portal."
                ),
            );
        }
    }

    async fn open(
        &self,
        diags: &mut Diagnostics,
        mut config: SecretModel,
        _client: ClientCapabilities,
    ) -> Option<Opened<SecretModel, ()>> {
        let backends = backends(diags, &self.context)?;
        let vault = apply_backend(diags, &backends.vault, "Vault", "ff_secret")?;
        let key = DeploymentKey::parse(config.deployment_key.as_str()).ok()?;
        let name = config.name.as_str().to_string();
        let names = Names::new(&key, &backends.kv_mount);
        let path = names.secret_path(&name);
        let shown = format!("{}/{path}", backends.kv_mount);
        let secret = match vault.kv_read(names.kv_mount(), &path).await {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                diags.error_at(
                    attr("name"),
                    "Secret not found",
                    format!(
                        "Vault at {} holds no secret at {shown}. Check the deployment key and the \
                         name; a generated or given secret exists once its ff_deployment is applied.",
                        vault.address()
                    ),
                );
                return None;
            }
            Err(e) => {
                diags.error_root(
                    "Reading the secret failed",
                    format!("Reading {shown} from Vault failed: {}.", chain(&e)),
                );
                return None;
            }
        };
        let data: BTreeMap<String, String> = secret
            .data
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        let field = config
            .field
            .as_deref_option()
            .unwrap_or(VALUE_FIELD)
            .to_string();
        let Some(value) = data.get(&field).cloned() else {
            diags.error_at(
                attr("field"),
                "Secret field not found",
                format!(
                    "The secret at {shown} has no field {field:?}; its fields are {}.",
                    data.keys()
                        .map(|k| format!("{k:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return None;
        };
        config.value = Value::Value(value);
        config.data = Value::Value(crate::resources::to_state_map(&data));
        config.version = Value::Value(i64::try_from(secret.version).unwrap_or(i64::MAX));
        config.vault_path = Value::Value(shown);
        Some(Opened {
            result: config,
            private: (),
            renew_at: None,
        })
    }
}

// ---------------------------------------------------------------------------------------
// ff_cluster_token
// ---------------------------------------------------------------------------------------

/// `eks.assume_role_with_web_identity`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TokenWebIdentity {
    /// The role to assume.
    pub role_arn: Value<String>,
    /// STS session name.
    pub session_name: Value<String>,
    /// File holding the token.
    pub web_identity_token_file: Value<String>,
    /// Variable holding the token.
    pub web_identity_token_variable: Value<String>,
}

/// `eks`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TokenEks {
    /// Cluster name.
    pub cluster_name: Value<String>,
    /// Region.
    pub region: Value<String>,
    /// A role assumed with a web identity token.
    #[serde(default, with = "optional_block")]
    pub assume_role_with_web_identity: Value<TokenWebIdentity>,
}

/// `aks`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TokenAks {
    /// Tenant.
    pub tenant_id: Value<String>,
    /// AKS server application.
    pub server_app_id: Value<String>,
}

/// `ephemeral "ff_cluster_token"`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClusterTokenModel {
    /// EKS.
    #[serde(with = "optional_block")]
    pub eks: Value<TokenEks>,
    /// AKS.
    #[serde(with = "optional_block")]
    pub aks: Value<TokenAks>,
    /// The bearer token.
    pub token: Value<String>,
    /// When it expires (RFC 3339).
    pub expires_at: Value<String>,
}

/// How long the tokens the provider obtains live: EKS tokens 15 minutes (the presigned
/// request), Entra ID tokens at least an hour; the shorter is given.
const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// `ff_cluster_token`.
pub struct ClusterTokenEphemeral {
    context: Arc<ProviderContext>,
}

impl ClusterTokenEphemeral {
    /// Over the provider's `context`.
    pub fn new(context: Arc<ProviderContext>) -> Self {
        Self { context }
    }
}

/// The AKS server application every AKS cluster with Entra ID integration trusts.
const AKS_SERVER_APP: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";

#[async_trait]
impl EphemeralResource for ClusterTokenEphemeral {
    type Model = ClusterTokenModel;
    type Private = ();

    fn schema(&self) -> Schema {
        use Constraint::{Computed, Optional, Required};
        Schema::new(
            Block::new(
                "The bearer token `ff_platform_bootstrap` obtains for its cluster — an EKS token presigned with the \
                 AWS credentials the AWS SDKs would find (or a role assumed with a workload identity token), or an \
                 Entra ID token for an AKS cluster from the Azure credentials of the environment (client secret, \
                 client certificate, workload identity federation or managed identity) — for a `kubernetes` or `helm` provider block in the same configuration. It never \
                 enters the state or the plan. Exactly one of `eks` and `aks`. Needs Terraform 1.10 or later.",
            )
            .attribute(
                "token",
                attribute(Type::String, Computed, "The bearer token.").sensitive(),
            )
            .attribute(
                "expires_at",
                attribute(
                    Type::String,
                    Computed,
                    "When the provider considers the token expired (RFC 3339): 14 minutes after it was obtained.",
                ),
            )
            .block(
                "eks",
                NestedBlock::optional(
                    Block::new("An EKS cluster.")
                        .attribute("cluster_name", attribute(Type::String, Required, "The EKS cluster's name."))
                        .attribute(
                            "region",
                            attribute(
                                Type::String,
                                Optional,
                                "Its region; default `AWS_REGION`, else `AWS_DEFAULT_REGION`.",
                            ),
                        )
                        .block(
                            "assume_role_with_web_identity",
                            NestedBlock::optional(
                                Block::new("Assume `role_arn` with STS `AssumeRoleWithWebIdentity` and a workload identity token (`TFC_WORKLOAD_IDENTITY_TOKEN` by default) instead of the AWS SDKs' credential chain, as in `ff_platform_bootstrap`.")
                                    .attribute("role_arn", attribute(Type::String, Required, "ARN of the role to assume."))
                                    .attribute("session_name", attribute(Type::String, Optional, "STS session name (default `terraform-provider-ff`)."))
                                    .attribute("web_identity_token_file", attribute(Type::String, Optional, "A file holding the token."))
                                    .attribute("web_identity_token_variable", attribute(Type::String, Optional, "The environment variable holding the token (default `TFC_WORKLOAD_IDENTITY_TOKEN`).")),
                            ),
                        ),
                ),
            )
            .block(
                "aks",
                NestedBlock::optional(
                    Block::new("An AKS cluster with Entra ID integration.")
                        .attribute("tenant_id", attribute(Type::String, Optional, "Entra ID tenant; default `ARM_TENANT_ID`."))
                        .attribute(
                            "server_app_id",
                            attribute(
                                Type::String,
                                Optional,
                                "The AKS Entra ID server application the token is for (default `6dae42f8-4368-4678-94ff-3960e28e3630`).",
                            ),
                        ),
                ),
            ),
        )
    }

    async fn validate(&self, diags: &mut Diagnostics, config: ClusterTokenModel) {
        let given = [!config.eks.is_null(), !config.aks.is_null()]
            .iter()
            .filter(|g| **g)
            .count();
        if given != 1 && !config.eks.is_unknown() && !config.aks.is_unknown() {
            diags.error_root(
                "One cluster is needed",
                "ff_cluster_token takes exactly one of the blocks eks and aks.",
            );
        }
    }

    async fn open(
        &self,
        diags: &mut Diagnostics,
        mut config: ClusterTokenModel,
        _client: ClientCapabilities,
    ) -> Option<Opened<ClusterTokenModel, ()>> {
        let backends = backends(diags, &self.context)?;
        let (auth, path) = match (&config.eks, &config.aks) {
            (Value::Value(eks), _) => (
                ClusterAuth::Eks {
                    cluster_name: eks.cluster_name.as_str().to_string(),
                    region: eks.region.as_ref_option().cloned(),
                    web_identity: eks.assume_role_with_web_identity.as_ref_option().map(|w| {
                        WebIdentityRole {
                            role_arn: w.role_arn.as_str().to_string(),
                            session_name: w.session_name.as_ref_option().cloned(),
                            token_file: w.web_identity_token_file.as_ref_option().cloned(),
                            token_variable: w.web_identity_token_variable.as_ref_option().cloned(),
                        }
                    }),
                },
                block_attr("eks", "cluster_name"),
            ),
            (_, Value::Value(aks)) => (
                ClusterAuth::Aks {
                    tenant_id: aks.tenant_id.as_ref_option().cloned(),
                    server_app_id: aks
                        .server_app_id
                        .as_deref_option()
                        .unwrap_or(AKS_SERVER_APP)
                        .to_string(),
                },
                block_attr("aks", "server_app_id"),
            ),
            _ => {
                diags.error_root(
                    "One cluster is needed",
                    "ff_cluster_token takes exactly one of the blocks eks and aks.",
                );
                return None;
            }
        };
        match cloud_token(&auth, backends.request_timeout).await {
            Ok(Some(token)) => {
                let expires = SystemTime::now() + TOKEN_LIFETIME;
                config.token = Value::Value(token);
                config.expires_at = Value::Value(
                    time::OffsetDateTime::from(expires)
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                );
                Some(Opened {
                    result: config,
                    private: (),
                    renew_at: None,
                })
            }
            Ok(None) => None,
            Err(e) => {
                diags.error_at(
                    path,
                    "No cluster token",
                    format!("The token could not be obtained: {}.", chain(&e)),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_stay_below_the_deployment() {
        for ok in ["db-password", "auth0/portal", "grafana", "tls", "a.b_c"] {
            assert!(valid_secret_name(ok), "{ok}");
        }
        for bad in ["", "/x", "x/", "../other", "a//b", "a/./b", "a b", "x?"] {
            assert!(!valid_secret_name(bad), "{bad}");
        }
    }
}
