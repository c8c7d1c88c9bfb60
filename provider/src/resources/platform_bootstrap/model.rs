//! The state of `ff_platform_bootstrap` and its schema: one struct per block, next to the
//! schema that describes it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tfplugin::Type;
use tfplugin::Value;
use tfplugin::schema::{
    Attribute, Block, BlockNesting, Constraint, Description, NestedBlock, Schema,
};

use crate::resources::{StateMap, attribute, string_map};

/// `cluster.exec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecBlock {
    /// ExecCredential API version.
    pub api_version: Value<String>,
    /// Command.
    pub command: Value<String>,
    /// Arguments.
    pub args: Value<Vec<Value<String>>>,
    /// Environment.
    pub env: Value<StateMap>,
}

/// `cluster.eks.assume_role_with_web_identity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebIdentityBlock {
    /// The role to assume.
    pub role_arn: Value<String>,
    /// STS session name.
    pub session_name: Value<String>,
    /// File holding the token.
    pub web_identity_token_file: Value<String>,
    /// Variable holding the token.
    pub web_identity_token_variable: Value<String>,
}

/// `cluster.eks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EksBlock {
    /// Cluster name.
    pub cluster_name: Value<String>,
    /// Region.
    pub region: Value<String>,
    /// A role assumed with a web identity token instead of the SDKs' chain.
    #[serde(default, with = "crate::resources::optional_block")]
    pub assume_role_with_web_identity: Value<WebIdentityBlock>,
}

/// `cluster.aks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AksBlock {
    /// Tenant.
    pub tenant_id: Value<String>,
    /// AKS server application.
    pub server_app_id: Value<String>,
}

/// `cluster`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterBlock {
    /// API server URL.
    pub host: Value<String>,
    /// CA bundle (PEM).
    pub cluster_ca_certificate: Value<String>,
    /// Bearer token.
    pub token: Value<String>,
    /// Client certificate (PEM).
    pub client_certificate: Value<String>,
    /// Client key (PEM).
    pub client_key: Value<String>,
    /// SOCKS5 or HTTP proxy.
    pub proxy_url: Value<String>,
    /// Exec plugin.
    #[serde(with = "crate::resources::optional_block")]
    pub exec: Value<ExecBlock>,
    /// EKS token from the AWS credentials of the environment.
    #[serde(with = "crate::resources::optional_block")]
    pub eks: Value<EksBlock>,
    /// AKS token from the Azure credentials of the environment.
    #[serde(with = "crate::resources::optional_block")]
    pub aks: Value<AksBlock>,
}

/// `storage_class`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StorageClassBlock {
    /// Name.
    pub name: Value<String>,
    /// Provisioner.
    pub provisioner: Value<String>,
    /// Parameters.
    pub parameters: Value<StateMap>,
    /// Default class.
    pub default: Value<bool>,
    /// Reclaim policy.
    pub reclaim_policy: Value<String>,
    /// Binding mode.
    pub volume_binding_mode: Value<String>,
}

/// `coredns`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CorednsBlock {
    /// Zone → upstream servers.
    pub forward_zones: Value<BTreeMap<String, Value<Vec<Value<String>>>>>,
}

/// `ingress`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngressBlock {
    /// Manifest URL.
    pub manifest_url: Value<String>,
    /// Its SHA-256.
    pub sha256: Value<String>,
    /// Namespace.
    pub namespace: Value<String>,
    /// Internal load balancer.
    pub internal: Value<bool>,
}

/// `argocd`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArgocdBlock {
    /// Manifest URL.
    pub manifest_url: Value<String>,
    /// Its SHA-256.
    pub sha256: Value<String>,
    /// Namespace.
    pub namespace: Value<String>,
}

/// `application`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicationBlock {
    /// Repository.
    pub repo_url: Value<String>,
    /// Path.
    pub path: Value<String>,
    /// Revision.
    pub target_revision: Value<String>,
    /// Vault secret with the Git credentials.
    pub git_credentials_secret: Value<String>,
}

/// `tls`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsBlock {
    /// Vault secret (under the deployment's path) with `tls.crt` and `tls.key`.
    pub vault_secret: Value<String>,
    /// Name of the `kubernetes.io/tls` Secret.
    pub secret_name: Value<String>,
    /// SHA-256 of the certificate applied (public).
    pub certificate_sha256: Value<String>,
}

/// `rbac`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RbacBlock {
    /// Group.
    pub group: Value<String>,
    /// ClusterRole.
    pub cluster_role: Value<String>,
    /// Namespaces (empty: cluster-wide).
    pub namespaces: Value<Vec<Value<String>>>,
}

/// `vault_auth`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VaultAuthBlock {
    /// Service accounts bound to the role.
    pub service_accounts: Value<Vec<Value<String>>>,
    /// TTL of the Vault tokens.
    pub token_ttl: Value<String>,
}

/// `metadata`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetadataBlock {
    /// Auth0 tenant domain.
    pub auth0_domain: Value<String>,
    /// Auth0 API audience.
    pub auth0_audience: Value<String>,
    /// Auth0 client ids by application.
    pub auth0_client_ids: Value<StateMap>,
}

/// `timeouts`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeoutsBlock {
    /// Create.
    pub create: Value<String>,
    /// Update.
    pub update: Value<String>,
    /// Delete.
    pub delete: Value<String>,
}

/// State (and configuration) of `ff_platform_bootstrap`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BootstrapState {
    /// The deployment key.
    pub id: Value<String>,
    /// The deployment key.
    pub deployment_key: Value<String>,
    /// `aws` or `azure`.
    pub cloud: Value<String>,
    /// Application namespaces.
    pub app_namespaces: Value<Vec<Value<String>>>,
    /// Connection.
    #[serde(with = "crate::resources::optional_block")]
    pub cluster: Value<ClusterBlock>,
    /// Storage classes.
    pub storage_class: Value<Vec<Value<StorageClassBlock>>>,
    /// CoreDNS.
    #[serde(with = "crate::resources::optional_block")]
    pub coredns: Value<CorednsBlock>,
    /// Ingress controller.
    #[serde(with = "crate::resources::optional_block")]
    pub ingress: Value<IngressBlock>,
    /// ArgoCD.
    #[serde(with = "crate::resources::optional_block")]
    pub argocd: Value<ArgocdBlock>,
    /// App-of-apps.
    #[serde(with = "crate::resources::optional_block")]
    pub application: Value<ApplicationBlock>,
    /// Default certificate of the ingress controller.
    #[serde(with = "crate::resources::optional_block")]
    pub tls: Value<TlsBlock>,
    /// RBAC.
    pub rbac: Value<Vec<Value<RbacBlock>>>,
    /// Vault auth.
    #[serde(with = "crate::resources::optional_block")]
    pub vault_auth: Value<VaultAuthBlock>,
    /// Published metadata inputs.
    #[serde(with = "crate::resources::optional_block")]
    pub metadata: Value<MetadataBlock>,
    /// Timeouts.
    #[serde(with = "crate::resources::optional_block")]
    pub timeouts: Value<TimeoutsBlock>,
    /// Object id → digest.
    pub objects: Value<BTreeMap<String, Value<String>>>,
    /// Vault auth mount.
    pub vault_auth_mount: Value<String>,
    /// Vault role.
    pub vault_auth_role: Value<String>,
    /// Metadata ConfigMap name.
    pub metadata_configmap: Value<String>,
}

fn block(
    description: &str,
    attributes: Vec<(&str, Attribute)>,
    blocks: Vec<(&str, NestedBlock)>,
) -> Block {
    Block {
        description: Description::markdown(description),
        attributes: attributes
            .into_iter()
            .map(|(n, a)| (n.to_string(), a))
            .collect(),
        blocks: blocks
            .into_iter()
            .map(|(n, b)| (n.to_string(), b))
            .collect(),
        deprecated: false,
    }
}

fn sensitive(mut attribute: Attribute) -> Attribute {
    attribute.sensitive = true;
    attribute
}

fn string_list() -> Type {
    Type::list(Type::String)
}

/// The resource's schema.
pub fn schema() -> Schema {
    use Constraint::{Computed, Optional, OptionalComputed, Required};
    use Type::{Bool, String as Str};
    let exec = block(
        "An exec credential plugin, as in a kubeconfig: the command prints an `ExecCredential` (for example `aws eks get-token --cluster-name NAME` or `kubelogin get-token`). It runs at apply and refresh time, never at plan.",
        vec![
            (
                "api_version",
                attribute(
                    Str,
                    OptionalComputed,
                    "`client.authentication.k8s.io/v1beta1` (default) or `client.authentication.k8s.io/v1`.",
                ),
            ),
            ("command", attribute(Str, Required, "The command to run.")),
            ("args", attribute(string_list(), Optional, "Its arguments.")),
            (
                "env",
                attribute(
                    string_map(),
                    Optional,
                    "Extra environment variables for it. They are recorded in Vault for import: put no secret here.",
                ),
            ),
        ],
        vec![],
    );
    let eks = block(
        "Authenticate to an EKS cluster with a token the provider presigns at apply and refresh time (as `aws eks get-token` does, with the official AWS SDK for Rust). The AWS credentials are found as the AWS SDKs and CLI find them, in this order: the environment variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; the shared config and credentials files (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, profile `AWS_PROFILE`) with static keys, `role_arn` with `web_identity_token_file` (what HCP Terraform's dynamic credentials write), `role_arn` with `source_profile`, or `credential_process`; `AWS_ROLE_ARN` with `AWS_WEB_IDENTITY_TOKEN_FILE`; container credentials (ECS, EKS Pod Identity); the EC2 instance metadata service. With `assume_role_with_web_identity`, a role is assumed with a workload identity token instead (`TFC_WORKLOAD_IDENTITY_TOKEN` by default). `AWS_ENDPOINT_URL_STS` (else `AWS_ENDPOINT_URL`) overrides the STS endpoint. When no credentials are found, the error lists every source tried, in order. Neither the token nor a credential is ever stored or logged.",
        vec![
            (
                "cluster_name",
                attribute(Str, Required, "The EKS cluster's name."),
            ),
            (
                "region",
                attribute(
                    Str,
                    Optional,
                    "Its region; default `AWS_REGION`, else `AWS_DEFAULT_REGION`.",
                ),
            ),
        ],
        vec![(
            "assume_role_with_web_identity",
            NestedBlock::optional(block(
                "Instead of the AWS SDKs' chain, assume `role_arn` with STS `AssumeRoleWithWebIdentity` and a workload identity token: HCP Terraform's generic token (`TFC_WORKLOAD_IDENTITY_TOKEN`, which a run gets when the workspace sets `TFC_WORKLOAD_IDENTITY_AUDIENCE`), another variable, or a file. The role's trust policy must accept the token's issuer, audience and subject.",
                vec![
                    (
                        "role_arn",
                        attribute(
                            Str,
                            Required,
                            "ARN of the role to assume, such as `arn:aws:iam::123456789012:role/tfc-wm-prod`.",
                        ),
                    ),
                    (
                        "session_name",
                        attribute(
                            Str,
                            Optional,
                            "STS session name (default `terraform-provider-ff`); it shows in CloudTrail and in the cluster's audit log.",
                        ),
                    ),
                    (
                        "web_identity_token_file",
                        attribute(
                            Str,
                            Optional,
                            "A file holding the token, read at apply and refresh time. Without it, the token is read from `web_identity_token_variable`.",
                        ),
                    ),
                    (
                        "web_identity_token_variable",
                        attribute(
                            Str,
                            Optional,
                            "The environment variable holding the token (default `TFC_WORKLOAD_IDENTITY_TOKEN`; `TFC_WORKLOAD_IDENTITY_TOKEN_<TAG>` for a tagged audience).",
                        ),
                    ),
                ],
                vec![],
            )),
        )],
    );
    let aks = block(
        "Authenticate to an AKS cluster with Entra ID integration with a token the provider obtains at apply and refresh time (as `kubelogin get-token` does) with the first Azure credential its environment configures, in azurerm's order: a client certificate (`ARM_CLIENT_CERTIFICATE_PATH` or `ARM_CLIENT_CERTIFICATE`, a PKCS#12 file, with `ARM_CLIENT_CERTIFICATE_PASSWORD`; PEM with the key also works), a client secret (`ARM_CLIENT_SECRET`), workload identity federation with a federated token (`ARM_OIDC_TOKEN`, `ARM_OIDC_TOKEN_FILE_PATH` or `AZURE_FEDERATED_TOKEN_FILE`: what HCP Terraform's dynamic credentials and AKS workload identity hand over), then a managed identity (App Service and Container Apps' `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, or the instance metadata service when `ARM_USE_MSI=true`). The client is `ARM_CLIENT_ID` (else `AZURE_CLIENT_ID`), the tenant `tenant_id` (else `ARM_TENANT_ID`, else `AZURE_TENANT_ID`); `ARM_ENVIRONMENT` or `AZURE_AUTHORITY_HOST` choose the authority. When no credential works, the error lists every source looked at, in order. The token is never stored or logged.",
        vec![
            (
                "tenant_id",
                attribute(Str, Optional, "Entra ID tenant; default `ARM_TENANT_ID`."),
            ),
            (
                "server_app_id",
                attribute(
                    Str,
                    OptionalComputed,
                    "The AKS Entra ID server application the token is for (default `6dae42f8-4368-4678-94ff-3960e28e3630`).",
                ),
            ),
        ],
        vec![],
    );
    let cluster = block(
        "How to reach the cluster. These are resource arguments, not provider settings, so they may come from resources created in the same plan (an EKS or AKS cluster): the resource plans without contacting a cluster whose address is still unknown. Authenticate with exactly one of `eks`, `aks`, `exec`, `client_certificate` and `client_key`, or `token`.",
        vec![
            (
                "host",
                attribute(
                    Str,
                    Required,
                    "API server URL, such as `https://ABC.gr7.eu-west-1.eks.amazonaws.com`.",
                ),
            ),
            (
                "cluster_ca_certificate",
                attribute(
                    Str,
                    Optional,
                    "PEM CA bundle of the API server (not base64-encoded again). Without it, the system's roots are trusted.",
                ),
            ),
            (
                "token",
                sensitive(attribute(
                    Str,
                    Optional,
                    "A bearer token. It is kept in the state (marked sensitive); prefer `eks`, `aks` or `exec`. It is not write-only, and cannot be: every refresh reads the cluster with it, and Terraform never gives a write-only value to a refresh.",
                )),
            ),
            (
                "client_certificate",
                attribute(Str, Optional, "PEM client certificate, with `client_key`."),
            ),
            (
                "client_key",
                sensitive(attribute(
                    Str,
                    Optional,
                    "PEM private key of `client_certificate`. Kept in the state, marked sensitive (not write-only, since every refresh authenticates with it, like `token`).",
                )),
            ),
            (
                "proxy_url",
                attribute(
                    Str,
                    Optional,
                    "`socks5://host:port` or `http://host:port` proxy to reach a private API server, such as a tunnel through the jumpbox.",
                ),
            ),
        ],
        vec![
            ("exec", NestedBlock::optional(exec)),
            ("eks", NestedBlock::optional(eks)),
            ("aks", NestedBlock::optional(aks)),
        ],
    );
    let storage_class = block(
        "A StorageClass to create. Without any, the cloud's default is created: `gp3-encrypted` (EBS CSI, gp3, encrypted) on AWS, `managed-csi-premium` (Azure Disk CSI, Premium_LRS) on Azure.",
        vec![
            ("name", attribute(Str, Required, "Name of the class.")),
            (
                "provisioner",
                attribute(Str, Required, "CSI provisioner, such as `ebs.csi.aws.com`."),
            ),
            (
                "parameters",
                attribute(string_map(), Optional, "Provisioner parameters."),
            ),
            (
                "default",
                attribute(
                    Bool,
                    OptionalComputed,
                    "Whether it is the cluster's default class (default `false`).",
                ),
            ),
            (
                "reclaim_policy",
                attribute(Str, OptionalComputed, "`Delete` (default) or `Retain`."),
            ),
            (
                "volume_binding_mode",
                attribute(
                    Str,
                    OptionalComputed,
                    "`WaitForFirstConsumer` (default) or `Immediate`.",
                ),
            ),
        ],
        vec![],
    );
    let coredns = block(
        "CoreDNS forwarding of internal zones. Only the deployment's own part of the CoreDNS configuration is changed: on AKS its key `ff-<slug>.server` in `kube-system/coredns-custom`, on EKS the lines between `# BEGIN ff-<slug>` and `# END ff-<slug>` in the Corefile.",
        vec![(
            "forward_zones",
            attribute(
                Type::map(string_list()),
                Required,
                "Zone → upstream DNS servers, such as `{ \"corp.example\" = [\"10.0.0.2\"] }`.",
            ),
        )],
        vec![],
    );
    let ingress = block(
        "The ingress controller, from a release manifest pinned by its SHA-256. Every object is labelled with the deployment; its `LoadBalancer` Services get the cloud's internal load balancer annotations unless `internal = false`. Its Deployments are awaited until ready.",
        vec![
            (
                "manifest_url",
                attribute(
                    Str,
                    OptionalComputed,
                    "URL of the release manifest (multi-document YAML), downloaded at plan and again at apply. Default: ingress-nginx controller v1.15.1's static manifest for the cloud (`deploy/static/provider/aws/deploy.yaml` on AWS, `.../cloud/deploy.yaml` on Azure) from raw.githubusercontent.com. Set with `sha256`, or neither.",
                ),
            ),
            (
                "sha256",
                attribute(
                    Str,
                    OptionalComputed,
                    "Its SHA-256, hex. A different digest fails the plan and the apply, showing both digests, before anything is applied. Default: the digest of the default manifest.",
                ),
            ),
            (
                "namespace",
                attribute(
                    Str,
                    OptionalComputed,
                    "Namespace of its namespaced objects that name none (default `ingress-nginx`).",
                ),
            ),
            (
                "internal",
                attribute(
                    Bool,
                    OptionalComputed,
                    "Whether the load balancer is internal (default `true`).",
                ),
            ),
        ],
        vec![],
    );
    let argocd = block(
        "ArgoCD, from a release manifest pinned by its SHA-256; its CRDs are applied first and awaited until Established, its Deployments until ready.",
        vec![
            (
                "manifest_url",
                attribute(
                    Str,
                    OptionalComputed,
                    "URL of the release manifest, such as ArgoCD's `install.yaml` of a release. Default: ArgoCD v3.5.1's `manifests/install.yaml` from raw.githubusercontent.com. Set with `sha256`, or neither.",
                ),
            ),
            (
                "sha256",
                attribute(
                    Str,
                    OptionalComputed,
                    "Its SHA-256, hex. Default: the digest of the default manifest.",
                ),
            ),
            (
                "namespace",
                attribute(
                    Str,
                    OptionalComputed,
                    "ArgoCD's namespace (default `argocd`).",
                ),
            ),
        ],
        vec![],
    );
    let application = block(
        "The app-of-apps ArgoCD `Application` `ff-<slug>` pointing at the deployment's repository, and the ArgoCD repository Secret `ff-<slug>-repo` whose credentials are read from Vault at apply (never stored in the state). Needs `argocd`.",
        vec![
            ("repo_url", attribute(Str, Required, "Git repository URL.")),
            (
                "path",
                attribute(
                    Str,
                    OptionalComputed,
                    "Path of the applications in it (default `.`).",
                ),
            ),
            (
                "target_revision",
                attribute(
                    Str,
                    OptionalComputed,
                    "Branch, tag or commit (default `HEAD`).",
                ),
            ),
            (
                "git_credentials_secret",
                attribute(
                    Str,
                    OptionalComputed,
                    "Name of the Vault secret under the deployment's path holding the Git credentials (default `git`: `<kv_mount>/<key>/git`, keys such as `username` and `password` or `sshPrivateKey`). Empty: a public repository, no repository Secret.",
                ),
            ),
        ],
        vec![],
    );
    let tls = block(
        "The ingress controller's default certificate, read from Vault at apply (never stored in the state): a `kubernetes.io/tls` Secret in the controller's namespace, named in `--default-ssl-certificate` of the controller's container (the one whose args hold `/nginx-ingress-controller`). A new certificate in Vault, or the Secret changed or deleted in the cluster, shows at the next plan as an update that applies it again. Needs `ingress`.",
        vec![
            (
                "vault_secret",
                attribute(
                    Str,
                    OptionalComputed,
                    "Name of the Vault secret under the deployment's path holding the certificate chain and its private key, PEM, as `tls.crt` and `tls.key` (default `tls`: `<kv_mount>/<key>/tls`).",
                ),
            ),
            (
                "secret_name",
                attribute(
                    Str,
                    OptionalComputed,
                    "Name of the `kubernetes.io/tls` Secret (default `ff-<slug>-tls`).",
                ),
            ),
            (
                "certificate_sha256",
                attribute(
                    Str,
                    Computed,
                    "SHA-256 (hex) of the certificate PEM applied (`tls.crt`; public, the key is never stored). Known after the apply that reads it from Vault.",
                ),
            ),
        ],
        vec![],
    );
    let rbac = block(
        "A group of the identity provider bound to a ClusterRole, cluster-wide or in some namespaces.",
        vec![
            (
                "group",
                attribute(
                    Str,
                    Required,
                    "Group name, as the cluster's authentication reports it.",
                ),
            ),
            (
                "cluster_role",
                attribute(
                    Str,
                    Required,
                    "ClusterRole to bind, such as `view`, `edit` or `cluster-admin`.",
                ),
            ),
            (
                "namespaces",
                attribute(
                    string_list(),
                    Optional,
                    "Namespaces to bind it in (RoleBindings); empty: cluster-wide (a ClusterRoleBinding).",
                ),
            ),
        ],
        vec![],
    );
    let vault_auth = block(
        "The Vault Kubernetes auth method `kubernetes-<slug>` for this cluster (always configured; this block tunes it): host and CA of the cluster, the token of a reviewer service account created in the cluster (never in the state), and a role `ff-<slug>-apps` bound to the application namespaces' service accounts with the deployment's read policy `ff-<slug>-read`.",
        vec![
            (
                "service_accounts",
                attribute(
                    string_list(),
                    OptionalComputed,
                    "Service accounts of the application namespaces bound to the role (default `[\"*\"]`).",
                ),
            ),
            (
                "token_ttl",
                attribute(
                    Str,
                    OptionalComputed,
                    "TTL of the Vault tokens the role issues (default `1h`).",
                ),
            ),
        ],
        vec![],
    );
    let metadata = block(
        "Non-secret settings published with the deployment key, Vault address and auth path in the ConfigMap `ff-deployment` of each application namespace and of ArgoCD's, where the applications read them.",
        vec![
            (
                "auth0_domain",
                attribute(Str, Optional, "Auth0 tenant domain."),
            ),
            (
                "auth0_audience",
                attribute(
                    Str,
                    Optional,
                    "Audience (identifier) of the deployment's Auth0 API.",
                ),
            ),
            (
                "auth0_client_ids",
                attribute(
                    string_map(),
                    Optional,
                    "Auth0 client ids by application name (from `ff_auth0_tenant_setup.client_ids`).",
                ),
            ),
        ],
        vec![],
    );
    let timeouts = block(
        "How long to wait for CRDs, Deployments and deletions, as Go durations (`30s`, `10m`, `1h`).",
        vec![
            (
                "create",
                attribute(Str, Optional, "Create (default `10m`)."),
            ),
            (
                "update",
                attribute(Str, Optional, "Update (default `10m`)."),
            ),
            ("delete", attribute(Str, Optional, "Delete (default `5m`).")),
        ],
        vec![],
    );
    let attributes = vec![
        ("id", attribute(Str, Computed, "The deployment key.")),
        (
            "deployment_key",
            attribute(
                Str,
                Required,
                "The deployment key, such as `WM-Prod`. Changing it replaces the bootstrap.",
            ),
        ),
        (
            "cloud",
            attribute(
                Str,
                Required,
                "Cloud of the cluster: `aws` or `azure` (storage class, load balancer and CoreDNS defaults).",
            ),
        ),
        (
            "app_namespaces",
            attribute(
                string_list(),
                OptionalComputed,
                "Namespaces of the applications (default: the deployment's slug); created, given the metadata ConfigMap, and bound to the Vault role.",
            ),
        ),
        (
            "objects",
            attribute(
                Type::map(Str),
                Computed,
                "Every object the bootstrap manages, `<apiVersion>/<Kind>/<namespace>/<name>` (and `vault/...` for the Vault side), with the digest of what is applied. Known at plan from the configuration and the pinned manifests; `drifted` after a refresh that found the object changed outside Terraform.",
            ),
        ),
        (
            "vault_auth_mount",
            attribute(
                Str,
                Computed,
                "Path of the Vault Kubernetes auth method (`kubernetes-<slug>`).",
            ),
        ),
        (
            "vault_auth_role",
            attribute(
                Str,
                Computed,
                "Name of its role for the applications (`ff-<slug>-apps`).",
            ),
        ),
        (
            "metadata_configmap",
            attribute(
                Str,
                Computed,
                "Name of the ConfigMap holding the deployment's metadata in each application namespace.",
            ),
        ),
    ];
    Schema {
        version: 1,
        block: block(
            "Phases 3 and 4 of a deployment on its Kubernetes cluster: storage classes, CoreDNS forwarding, the ingress controller and its default certificate, ArgoCD and the app-of-apps, RBAC, the deployment's metadata, and the Vault Kubernetes auth method — planned in the same run that creates the cluster. Objects are applied with server-side apply (field manager `terraform-provider-ff`), labelled with the deployment key. Import with `terraform import ff_platform_bootstrap.NAME KEY`.",
            attributes,
            vec![
                ("cluster", NestedBlock::optional(cluster)),
                (
                    "storage_class",
                    NestedBlock::new(BlockNesting::List, storage_class),
                ),
                ("coredns", NestedBlock::optional(coredns)),
                ("ingress", NestedBlock::optional(ingress)),
                ("argocd", NestedBlock::optional(argocd)),
                ("application", NestedBlock::optional(application)),
                ("tls", NestedBlock::optional(tls)),
                ("rbac", NestedBlock::new(BlockNesting::List, rbac)),
                ("vault_auth", NestedBlock::optional(vault_auth)),
                ("metadata", NestedBlock::optional(metadata)),
                ("timeouts", NestedBlock::optional(timeouts)),
            ],
        ),
    }
}

/// Go-style duration (`90s`, `10m`, `1h30m`).
pub(super) fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
    }
    if !number.is_empty() || text.trim().is_empty() {
        return None;
    }
    Some(Duration::from_secs(total))
}
