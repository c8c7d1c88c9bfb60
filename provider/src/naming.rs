//! The deployment key and every name derived from it.
//!
//! A deployment key such as `WM-Prod` names one customer deployment everywhere: in Vault,
//! Grafana, Auth0, the Terraform Cloud workspace, the cloud resources and the Kubernetes
//! cluster. This module owns the key's rules and is the only place that formats a derived
//! name; resources and modules ask it (through [`Names`] or the `names` attribute) instead
//! of formatting their own.
//!
//! Rules of the key: 2 to 32 ASCII characters, letters, digits and single hyphens, starting
//! with a letter and not ending with a hyphen. The slug is the key in lower case, which is a
//! valid DNS-1123 label; two keys that differ only in case share a slug, and
//! [`SlugRegistry`] (in one plan) plus the provider's remote check (across plans) turn that
//! into a diagnostic instead of a silent clash.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Mutex;

/// Shortest deployment key accepted.
pub const KEY_MIN_LEN: usize = 2;
/// Longest deployment key accepted.
pub const KEY_MAX_LEN: usize = 32;

/// The label and tag value that marks everything this provider manages.
pub const MANAGED_BY: &str = "terraform-provider-ff";

/// Kubernetes label holding the deployment key.
pub const K8S_KEY_LABEL: &str = "ff/deployment-key";
/// Kubernetes label naming the manager of an object.
pub const K8S_MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Cloud tag holding the deployment key.
pub const TAG_KEY: &str = "ff:deployment-key";
/// Cloud tag naming the manager.
pub const TAG_MANAGED_BY: &str = "ff:managed-by";
/// Cloud tag naming the cloud.
pub const TAG_CLOUD: &str = "ff:cloud";

/// Auth0 client metadata naming the deployment a client belongs to.
pub const AUTH0_META_KEY: &str = "ff_deployment_key";
/// Auth0 client metadata naming the application (the key of `application` blocks).
pub const AUTH0_META_APPLICATION: &str = "ff_application";
/// Auth0 client metadata naming the manager.
pub const AUTH0_META_MANAGED_BY: &str = "ff_managed_by";
/// Auth0 client metadata holding the `rotation_trigger` the secret was last rotated for.
pub const AUTH0_META_ROTATION: &str = "ff_rotation";

/// Names inside the deployment's Vault path that the provider itself writes; generated
/// secrets may not use them.
pub const RESERVED_SECRET_NAMES: &[&str] = &[
    "deployment",
    "grafana",
    "auth0",
    "argocd",
    "git",
    "platform",
    "tls",
];

/// A validated deployment key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeploymentKey(String);

/// Why a string is not a deployment key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Outside 2..=32 characters.
    #[error("A deployment key has 2 to 32 characters; {0:?} has {1}")]
    Length(String, usize),
    /// The first character is not a letter.
    #[error("A deployment key starts with a letter; {0:?} starts with {1:?}")]
    Start(String, char),
    /// A character other than a letter, digit or hyphen.
    #[error(
        "a deployment key holds only letters, digits and single hyphens; {0:?} has {1:?} at position {2}"
    )]
    Character(String, char, usize),
    /// Two hyphens in a row.
    #[error("A deployment key has no two hyphens in a row; {0:?} has them at position {1}")]
    DoubleHyphen(String, usize),
    /// A trailing hyphen.
    #[error("A deployment key does not end with a hyphen; {0:?} does")]
    TrailingHyphen(String),
}

impl DeploymentKey {
    /// Parse and validate a deployment key.
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        let len = input.chars().count();
        if !(KEY_MIN_LEN..=KEY_MAX_LEN).contains(&len) {
            return Err(KeyError::Length(input.to_string(), len));
        }
        let mut previous = None;
        for (position, c) in input.chars().enumerate() {
            if position == 0 && !c.is_ascii_alphabetic() {
                return Err(KeyError::Start(input.to_string(), c));
            }
            if !(c.is_ascii_alphanumeric() || c == '-') {
                return Err(KeyError::Character(input.to_string(), c, position + 1));
            }
            if c == '-' && previous == Some('-') {
                return Err(KeyError::DoubleHyphen(input.to_string(), position + 1));
            }
            previous = Some(c);
        }
        if previous == Some('-') {
            return Err(KeyError::TrailingHyphen(input.to_string()));
        }
        Ok(Self(input.to_string()))
    }

    /// The key as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key in lower case: a DNS-1123 label of at most 32 characters.
    pub fn slug(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for DeploymentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every name derived from a deployment key (and the Vault KV mount it lives under).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    key: DeploymentKey,
    slug: String,
    kv_mount: String,
}

impl Names {
    /// Names for `key` whose Vault data lives under the KV v2 mount `kv_mount`.
    pub fn new(key: &DeploymentKey, kv_mount: &str) -> Self {
        Self {
            key: key.clone(),
            slug: key.slug(),
            kv_mount: kv_mount.trim_matches('/').to_string(),
        }
    }

    /// The deployment key.
    pub fn key(&self) -> &DeploymentKey {
        &self.key
    }
    /// Lower-case DNS-1123 slug of the key.
    pub fn slug(&self) -> &str {
        &self.slug
    }
    /// The Vault KV v2 mount.
    pub fn kv_mount(&self) -> &str {
        &self.kv_mount
    }
    /// `<kv_mount>/<key>`: the deployment's Vault path as users write it.
    pub fn vault_path(&self) -> String {
        format!("{}/{}", self.kv_mount, self.key)
    }
    /// Path of a secret inside the mount (without the mount): `<key>/<name>`.
    pub fn secret_path(&self, name: &str) -> String {
        format!("{}/{}", self.key, name)
    }
    /// Path (inside the mount) of the record that describes the deployment.
    pub fn record_path(&self) -> String {
        self.secret_path("deployment")
    }
    /// Path (inside the mount) of the Grafana service-account token.
    pub fn grafana_token_path(&self) -> String {
        self.secret_path("grafana")
    }
    /// Path (inside the mount) of an Auth0 application's credentials.
    pub fn auth0_secret_path(&self, application: &str) -> String {
        format!("{}/auth0/{}", self.key, application)
    }
    /// The Vault ACL policy granting read access to the deployment's path.
    pub fn vault_policy(&self) -> String {
        format!("ff-{}-read", self.slug)
    }
    /// The HCL text of [`Names::vault_policy`].
    pub fn vault_policy_hcl(&self) -> String {
        let (mount, key) = (&self.kv_mount, &self.key);
        format!(
            "# Managed by {MANAGED_BY} for deployment {key}: read access to its secrets.\n\
             path \"{mount}/data/{key}/*\" {{\n  capabilities = [\"read\"]\n}}\n\n\
             path \"{mount}/metadata/{key}/*\" {{\n  capabilities = [\"read\", \"list\"]\n}}\n\n\
             path \"{mount}/metadata/{key}\" {{\n  capabilities = [\"list\"]\n}}\n"
        )
    }
    /// Grafana folder uid (at most 40 characters).
    pub fn grafana_folder_uid(&self) -> String {
        format!("ff-{}", self.slug)
    }
    /// Grafana team name.
    pub fn grafana_team(&self) -> String {
        format!("ff-{}", self.slug)
    }
    /// Grafana service account name.
    pub fn grafana_service_account(&self) -> String {
        format!("ff-{}", self.slug)
    }
    /// Name of the service-account token the provider mints.
    pub fn grafana_token_name(&self) -> String {
        format!("ff-{}-{}", self.slug, MANAGED_BY)
    }
    /// Grafana data source uid (at most 40 characters).
    pub fn grafana_datasource_uid(&self) -> String {
        format!("ff-{}-ds", self.slug)
    }
    /// Auth0 application (client) name for an application of the deployment.
    pub fn auth0_application(&self, application: &str) -> String {
        format!("ff-{}-{}", self.slug, application)
    }
    /// Auth0 resource server (API) name.
    pub fn auth0_api(&self) -> String {
        format!("ff-{}-api", self.slug)
    }
    /// Auth0 role name.
    pub fn auth0_role(&self, role: &str) -> String {
        format!("ff-{}-{}", self.slug, role)
    }
    /// The role a role name of this deployment stands for (`ff-wm-prod-admin` → `admin`).
    pub fn auth0_role_of<'n>(&self, role_name: &'n str) -> Option<&'n str> {
        role_name
            .strip_prefix("ff-")?
            .strip_prefix(self.slug.as_str())?
            .strip_prefix('-')
            .filter(|role| !role.is_empty())
    }
    /// Description of every Auth0 role of the deployment: the mark that tells its roles
    /// from another deployment's whose names look alike.
    pub fn auth0_role_description(&self) -> String {
        format!("Managed by {MANAGED_BY} for deployment {}", self.key)
    }
    /// The deployment whose role description `description` is (the reverse of
    /// [`Names::auth0_role_description`]).
    pub fn key_of_auth0_role_description(description: &str) -> Option<DeploymentKey> {
        let key = description.strip_prefix(&format!("Managed by {MANAGED_BY} for deployment "))?;
        DeploymentKey::parse(key).ok()
    }
    /// Description of an Auth0 application of the deployment.
    pub fn auth0_application_description(&self, application: &str) -> String {
        format!(
            "Application {application} of deployment {}, managed by {MANAGED_BY}",
            self.key
        )
    }
    /// Path (inside the mount) of the folder holding the Auth0 applications' credentials.
    pub fn auth0_secrets_folder(&self) -> String {
        format!("{}/auth0", self.key)
    }
    /// Full Vault path (with the mount) of an Auth0 application's credentials.
    pub fn auth0_vault_path(&self, application: &str) -> String {
        format!("{}/{}", self.kv_mount, self.auth0_secret_path(application))
    }
    /// The deployment's Kubernetes namespace for its applications.
    pub fn k8s_namespace(&self) -> String {
        self.slug.clone()
    }
    /// Labels put on every Kubernetes object of the deployment.
    pub fn k8s_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (K8S_KEY_LABEL.to_string(), self.key.to_string()),
            (K8S_MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
        ])
    }
    /// The Vault Kubernetes auth mount for the deployment's cluster.
    pub fn vault_kubernetes_auth_mount(&self) -> String {
        format!("kubernetes-{}", self.slug)
    }
    /// Path (inside the mount) of the non-secret record of the platform bootstrap, the
    /// source of `terraform import ff_platform_bootstrap`.
    pub fn platform_record_path(&self) -> String {
        self.secret_path("platform")
    }
    /// The Vault role of the Kubernetes auth method bound to the application namespaces.
    pub fn vault_kubernetes_role(&self) -> String {
        format!("ff-{}-apps", self.slug)
    }
    /// The ConfigMap holding the deployment's non-secret settings in each application
    /// namespace (and ArgoCD's): the same name everywhere, so applications find it.
    pub fn k8s_metadata_configmap(&self) -> String {
        "ff-deployment".to_string()
    }
    /// Service account (and its token Secret and auth-delegator binding) whose token Vault
    /// uses to review the applications' tokens.
    pub fn k8s_vault_reviewer(&self) -> String {
        format!("ff-{}-vault-reviewer", self.slug)
    }
    /// The app-of-apps ArgoCD `Application`.
    pub fn argocd_application(&self) -> String {
        format!("ff-{}", self.slug)
    }
    /// The ArgoCD repository Secret holding the Git credentials read from Vault.
    pub fn argocd_repository_secret(&self) -> String {
        format!("ff-{}-repo", self.slug)
    }
    /// The ingress controller's default certificate Secret (`kubernetes.io/tls`), its data
    /// read from Vault.
    pub fn k8s_tls_secret(&self) -> String {
        format!("ff-{}-tls", self.slug)
    }
    /// The binding of a group to a role: `ff-<slug>-<group as a DNS label>`.
    pub fn k8s_rbac_binding(&self, group: &str) -> String {
        let mut label = String::new();
        for c in group.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() {
                label.push(c);
            } else if !label.ends_with('-') {
                label.push('-');
            }
        }
        let name = format!("ff-{}-{}", self.slug, label.trim_matches('-'));
        name.chars()
            .take(253)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }
    /// The CoreDNS server block file of the deployment in AKS's `coredns-custom` ConfigMap.
    pub fn coredns_custom_key(&self) -> String {
        format!("ff-{}.server", self.slug)
    }
    /// The lines around the deployment's part of an EKS Corefile.
    pub fn coredns_markers(&self) -> (String, String) {
        (
            format!("# BEGIN ff-{} (managed by {MANAGED_BY})", self.slug),
            format!("# END ff-{}", self.slug),
        )
    }
    /// EKS / AKS cluster name.
    pub fn cluster(&self) -> String {
        format!("ff-{}", self.slug)
    }
    /// Azure resource group name.
    pub fn resource_group(&self) -> String {
        format!("rg-ff-{}", self.slug)
    }
    /// Azure virtual network name.
    pub fn vnet(&self) -> String {
        format!("vnet-ff-{}", self.slug)
    }
    /// Terraform Cloud workspace name.
    pub fn workspace(&self) -> String {
        format!("ff-{}", self.slug)
    }
    /// The deployment's Git repository (GitLab project path).
    pub fn repository(&self) -> String {
        format!("ff-{}", self.slug)
    }
    /// AWS VPC (its `Name` tag, also on its subnets, gateways and route tables).
    pub fn vpc(&self) -> String {
        format!("ff-{}-vpc", self.slug)
    }
    /// AWS IAM role of the EKS control plane.
    pub fn cluster_iam_role(&self) -> String {
        format!("ff-{}-cluster", self.slug)
    }
    /// EKS managed node group, and the IAM role of its nodes.
    pub fn node_group(&self) -> String {
        format!("ff-{}-nodes", self.slug)
    }
    /// The jumpbox: its VM or instance, and on AWS its IAM role, instance profile and
    /// security group; on Azure its network interface.
    pub fn jumpbox(&self) -> String {
        format!("ff-{}-jumpbox", self.slug)
    }
    /// AWS KMS alias of the key that encrypts the cluster's secrets.
    pub fn kms_alias(&self) -> String {
        format!("alias/ff-{}-eks", self.slug)
    }
    /// Azure user-assigned managed identity of the AKS cluster.
    pub fn managed_identity(&self) -> String {
        format!("id-ff-{}", self.slug)
    }
    /// Azure route table (outbound type `userDefinedRouting`).
    pub fn route_table(&self) -> String {
        format!("rt-ff-{}", self.slug)
    }
    /// Azure NAT gateway and its public IP (outbound type `userAssignedNATGateway`).
    pub fn nat_gateway(&self) -> String {
        format!("ng-ff-{}", self.slug)
    }

    /// Every derived name, as the `names` attribute shows it.
    pub fn all(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("slug".to_string(), self.slug.clone()),
            ("vault_path".to_string(), self.vault_path()),
            ("vault_policy".to_string(), self.vault_policy()),
            ("grafana_folder_uid".to_string(), self.grafana_folder_uid()),
            ("grafana_team".to_string(), self.grafana_team()),
            (
                "grafana_service_account".to_string(),
                self.grafana_service_account(),
            ),
            (
                "grafana_datasource_uid".to_string(),
                self.grafana_datasource_uid(),
            ),
            ("auth0_api".to_string(), self.auth0_api()),
            (
                "auth0_application_prefix".to_string(),
                format!("ff-{}-", self.slug),
            ),
            ("k8s_namespace".to_string(), self.k8s_namespace()),
            (
                "vault_kubernetes_auth_mount".to_string(),
                self.vault_kubernetes_auth_mount(),
            ),
            ("cluster".to_string(), self.cluster()),
            ("resource_group".to_string(), self.resource_group()),
            ("vnet".to_string(), self.vnet()),
            ("workspace".to_string(), self.workspace()),
            ("repository".to_string(), self.repository()),
            ("vpc".to_string(), self.vpc()),
            ("cluster_iam_role".to_string(), self.cluster_iam_role()),
            ("node_group".to_string(), self.node_group()),
            ("jumpbox".to_string(), self.jumpbox()),
            ("kms_alias".to_string(), self.kms_alias()),
            ("managed_identity".to_string(), self.managed_identity()),
            ("route_table".to_string(), self.route_table()),
            ("nat_gateway".to_string(), self.nat_gateway()),
        ])
    }

    /// Tags for AWS `default_tags` / Azure `tags`: the key, the manager, the cloud and the
    /// user's labels (which [`validate_label`] has checked fit every system).
    pub fn tags(
        &self,
        cloud: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut tags = labels.clone();
        tags.insert(TAG_KEY.to_string(), self.key.to_string());
        tags.insert(TAG_MANAGED_BY.to_string(), MANAGED_BY.to_string());
        if let Some(cloud) = cloud {
            tags.insert(TAG_CLOUD.to_string(), cloud.to_string());
        }
        tags
    }
}

/// In one provider process (one plan or apply), remembers which key claimed which slug, so
/// that `WM-Prod` and `wm-prod` in the same configuration are reported instead of clashing.
#[derive(Debug, Default)]
pub struct SlugRegistry {
    claimed: Mutex<HashMap<String, String>>,
}

impl SlugRegistry {
    /// Claim the slug of `key`; fails with the other key when a different key holds it.
    pub fn claim(&self, key: &DeploymentKey) -> Result<(), String> {
        let mut claimed = match self.claimed.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        match claimed.get(&key.slug()) {
            Some(other) if other != key.as_str() => Err(other.clone()),
            Some(_) => Ok(()),
            None => {
                claimed.insert(key.slug(), key.to_string());
                Ok(())
            }
        }
    }
}

/// Whether two keys clash: different keys with the same slug.
pub fn slugs_clash(a: &DeploymentKey, b: &DeploymentKey) -> bool {
    a != b && a.slug() == b.slug()
}

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Check a short lower-case name (an application, role, or generated secret): 1 to 32
/// characters of `a-z`, `0-9`, `-` and `_`, starting and ending with a letter or digit.
pub fn validate_short_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| is_lower_alnum(c) || c == '-' || c == '_')
        && name.chars().next().is_some_and(is_lower_alnum)
        && name.chars().last().is_some_and(is_lower_alnum);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {name:?} must be 1 to 32 characters of lower-case letters, digits, '-' and '_', \
             starting and ending with a letter or digit"
        ))
    }
}

/// Check a generated secret's name: a short name that is not one the provider reserves.
pub fn validate_secret_name(name: &str) -> Result<(), String> {
    validate_short_name("The secret name", name)?;
    if RESERVED_SECRET_NAMES.contains(&name) {
        return Err(format!(
            "The secret name {name:?} is reserved for the provider's own records; reserved names are {}",
            RESERVED_SECRET_NAMES.join(", ")
        ));
    }
    Ok(())
}

/// Check a user label, which becomes a Kubernetes label and an AWS/Azure tag: the key is
/// 1 to 63 characters of `a-z`, `0-9`, `-`, `_`, `.` starting and ending with a letter or
/// digit; the value is empty or 1 to 63 characters of letters, digits, `-`, `_`, `.`
/// starting and ending with a letter or digit.
pub fn validate_label(key: &str, value: &str) -> Result<(), String> {
    let key_ok = !key.is_empty()
        && key.len() <= 63
        && key
            .chars()
            .all(|c| is_lower_alnum(c) || matches!(c, '-' | '_' | '.'))
        && key.chars().next().is_some_and(is_lower_alnum)
        && key.chars().last().is_some_and(is_lower_alnum);
    if !key_ok {
        return Err(format!(
            "The label key {key:?} must be 1 to 63 characters of lower-case letters, digits, '-', '_' \
             and '.', starting and ending with a letter or digit (it becomes a Kubernetes label and a cloud tag)"
        ));
    }
    if !is_k8s_label_value(value) {
        return Err(format!(
            "The value of label {key:?} must be empty or at most 63 characters of letters, digits, '-', '_' \
             and '.', starting and ending with a letter or digit (it becomes a Kubernetes label value)"
        ));
    }
    Ok(())
}

/// A Kubernetes label value: empty, or ≤ 63 of `[A-Za-z0-9._-]` with alphanumeric ends.
pub fn is_k8s_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && value
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && value
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric()))
}

/// A DNS-1123 label: ≤ 63 of `[a-z0-9-]`, alphanumeric ends.
pub fn is_dns1123_label(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 63
        && value.chars().all(|c| is_lower_alnum(c) || c == '-')
        && value.chars().next().is_some_and(is_lower_alnum)
        && value.chars().last().is_some_and(is_lower_alnum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(s: &str) -> DeploymentKey {
        DeploymentKey::parse(s).expect("valid key in test")
    }

    #[test]
    fn accepts_typical_keys() {
        for k in [
            "WM-Prod",
            "ab",
            "A1",
            "x-1-y-2",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
        ] {
            assert_eq!(
                DeploymentKey::parse(k).map(|k| k.to_string()),
                Ok(k.to_string())
            );
        }
    }

    #[test]
    fn rejects_bad_keys_with_reason() {
        let cases = [
            ("", "2 to 32 characters"),
            ("a", "2 to 32 characters"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", "2 to 32 characters"),
            ("1abc", "starts with a letter"),
            ("-abc", "starts with a letter"),
            ("wm_prod", "'_' at position 3"),
            ("wm prod", "' ' at position 3"),
            ("wm--prod", "two hyphens in a row"),
            ("wm-prod-", "does not end with a hyphen"),
            ("wé-prod", "'é' at position 2"),
        ];
        for (input, expected) in cases {
            match DeploymentKey::parse(input) {
                Ok(k) => panic!(
                    "{input:?} was accepted as {k}, expected an error containing {expected:?}"
                ),
                Err(e) => assert!(
                    e.to_string().contains(expected),
                    "{input:?}: expected error containing {expected:?}, got {e}"
                ),
            }
        }
    }

    #[test]
    fn derived_names_for_wm_prod() {
        let names = Names::new(&key("WM-Prod"), "deployments");
        assert_eq!(names.slug(), "wm-prod");
        assert_eq!(names.vault_path(), "deployments/WM-Prod");
        assert_eq!(names.secret_path("db"), "WM-Prod/db");
        assert_eq!(names.vault_policy(), "ff-wm-prod-read");
        assert_eq!(names.grafana_folder_uid(), "ff-wm-prod");
        assert_eq!(names.auth0_application("portal"), "ff-wm-prod-portal");
        assert_eq!(names.auth0_secret_path("portal"), "WM-Prod/auth0/portal");
        assert_eq!(
            names.auth0_vault_path("portal"),
            "deployments/WM-Prod/auth0/portal"
        );
        assert_eq!(names.auth0_secrets_folder(), "WM-Prod/auth0");
        assert_eq!(names.auth0_role("admin"), "ff-wm-prod-admin");
        assert_eq!(names.auth0_role_of("ff-wm-prod-admin"), Some("admin"));
        assert_eq!(names.auth0_role_of("ff-wm-prod-eu-admin"), Some("eu-admin"));
        assert_eq!(names.auth0_role_of("ff-wm-prod-"), None);
        assert_eq!(names.auth0_role_of("ff-wm-stage-admin"), None);
        assert!(
            names
                .auth0_role_description()
                .ends_with("deployment WM-Prod")
        );
        assert_eq!(names.cluster(), "ff-wm-prod");
        assert_eq!(names.resource_group(), "rg-ff-wm-prod");
        assert_eq!(names.vault_kubernetes_auth_mount(), "kubernetes-wm-prod");
        assert_eq!(names.vault_kubernetes_role(), "ff-wm-prod-apps");
        assert_eq!(names.platform_record_path(), "WM-Prod/platform");
        assert_eq!(
            names.k8s_rbac_binding("Platform Admins!"),
            "ff-wm-prod-platform-admins"
        );
        assert_eq!(names.coredns_custom_key(), "ff-wm-prod.server");
        assert_eq!(names.argocd_repository_secret(), "ff-wm-prod-repo");
        assert_eq!(names.vpc(), "ff-wm-prod-vpc");
        assert_eq!(names.cluster_iam_role(), "ff-wm-prod-cluster");
        assert_eq!(names.node_group(), "ff-wm-prod-nodes");
        assert_eq!(names.jumpbox(), "ff-wm-prod-jumpbox");
        assert_eq!(names.kms_alias(), "alias/ff-wm-prod-eks");
        assert_eq!(names.managed_identity(), "id-ff-wm-prod");
        assert_eq!(names.route_table(), "rt-ff-wm-prod");
        assert_eq!(names.nat_gateway(), "ng-ff-wm-prod");
        assert_eq!(names.repository(), "ff-wm-prod");
        assert!(
            names
                .vault_policy_hcl()
                .contains("path \"deployments/data/WM-Prod/*\"")
        );
        let tags = names.tags(
            Some("aws"),
            &BTreeMap::from([("team".into(), "core".into())]),
        );
        assert_eq!(tags.get(TAG_KEY).map(String::as_str), Some("WM-Prod"));
        assert_eq!(tags.get("team").map(String::as_str), Some("core"));
        assert_eq!(tags.get(TAG_CLOUD).map(String::as_str), Some("aws"));
    }

    #[test]
    fn registry_reports_case_clash() {
        let registry = SlugRegistry::default();
        assert_eq!(registry.claim(&key("WM-Prod")), Ok(()));
        assert_eq!(registry.claim(&key("WM-Prod")), Ok(()));
        assert_eq!(registry.claim(&key("wm-prod")), Err("WM-Prod".to_string()));
    }

    #[test]
    fn names_and_labels_validation() {
        assert!(validate_secret_name("db-password").is_ok());
        assert!(validate_secret_name("grafana").is_err());
        assert!(validate_secret_name("Db").is_err());
        assert!(validate_short_name("The application name", "portal").is_ok());
        assert!(validate_short_name("The application name", "-portal").is_err());
        assert!(validate_label("team", "core").is_ok());
        assert!(validate_label("team", "").is_ok());
        assert!(validate_label("Team", "core").is_err());
        assert!(validate_label("team", "a b").is_err());
    }

    fn valid_key() -> impl Strategy<Value = String> {
        // A letter, then up to 31 characters where hyphens are single and not last.
        "[A-Za-z]([A-Za-z0-9]|-[A-Za-z0-9]){0,15}[A-Za-z0-9]{0,1}"
            .prop_filter("length 2..=32", |s| (2..=32).contains(&s.len()))
    }

    fn is_vault_segment(s: &str) -> bool {
        !s.is_empty()
            && s != "."
            && s != ".."
            && !s.contains(['/', '*', '+', ' '])
            && s.chars().all(|c| c.is_ascii_graphic())
    }

    fn is_aws_tag_text(s: &str, max: usize) -> bool {
        s.len() <= max
            && s.chars().all(|c| {
                c.is_alphanumeric()
                    || c == ' '
                    || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
            })
    }

    fn is_azure_resource_group(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 90
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
            && !s.ends_with('.')
    }

    fn is_grafana_uid(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 40
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    }

    proptest! {
        #[test]
        fn every_valid_key_parses(k in valid_key()) {
            prop_assert!(DeploymentKey::parse(&k).is_ok(), "{k:?} rejected");
        }

        #[test]
        fn derived_names_are_valid_for_their_systems(k in valid_key()) {
            let key = DeploymentKey::parse(&k).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let names = Names::new(&key, "deployments");
            for dns in [names.slug().to_string(), names.k8s_namespace(), names.cluster(),
                        names.vault_kubernetes_auth_mount(), names.workspace(),
                        names.grafana_team(), names.grafana_service_account()] {
                prop_assert!(is_dns1123_label(&dns), "{dns:?} is not a DNS-1123 label");
            }
            prop_assert!(is_azure_resource_group(&names.resource_group()));
            prop_assert!(is_azure_resource_group(&names.vnet()));
            // Azure: identities, route tables, NAT gateways, NICs at most 80; Linux VM
            // names (also the host name) at most 64 characters of letters, digits and '-'.
            for azure in [names.managed_identity(), names.route_table(), names.nat_gateway()] {
                prop_assert!(is_azure_resource_group(&azure) && azure.len() <= 80, "{azure:?}");
            }
            prop_assert!(is_dns1123_label(&names.jumpbox()), "{:?}", names.jumpbox());
            // AWS: IAM role names at most 64 of [\w+=,.@-]; node groups at most 63 of
            // letters, digits, '-' and '_'; KMS aliases `alias/` + [\w/-] and not `alias/aws/`.
            for role in [names.cluster_iam_role(), names.node_group(), names.jumpbox()] {
                prop_assert!(role.len() <= 63 && role.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{role:?}");
            }
            prop_assert!(names.kms_alias().starts_with("alias/") && !names.kms_alias().starts_with("alias/aws/"));
            prop_assert!(names.kms_alias()["alias/".len()..].chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            prop_assert!(is_aws_tag_text(&names.vpc(), 256));
            // GitLab project paths: letters, digits, '_', '-', '.'; not starting with '-'.
            prop_assert!(is_dns1123_label(&names.repository()));
            prop_assert!(is_grafana_uid(&names.grafana_folder_uid()));
            prop_assert!(is_grafana_uid(&names.grafana_datasource_uid()));
            prop_assert!(is_vault_segment(key.as_str()));
            prop_assert!(is_vault_segment(&names.vault_policy()));
            prop_assert!(is_k8s_label_value(key.as_str()));
            for (label, value) in names.k8s_labels() {
                prop_assert!(is_k8s_label_value(&value), "label {label}={value:?}");
            }
            for (tag, value) in names.tags(Some("azure"), &BTreeMap::new()) {
                prop_assert!(is_aws_tag_text(&tag, 128) && !tag.starts_with("aws:"), "tag key {tag:?}");
                prop_assert!(is_aws_tag_text(&value, 256), "tag value {value:?}");
                prop_assert!(!tag.contains(['<', '>', '%', '&', '\\', '?', '/']), "Azure tag key {tag:?}");
            }
            prop_assert!(names.auth0_application("a-very-long-application-name-32").len() <= 128);
        }

        #[test]
        fn different_keys_share_a_slug_only_with_a_diagnostic(a in valid_key(), b in valid_key()) {
            let (ka, kb) = match (DeploymentKey::parse(&a), DeploymentKey::parse(&b)) {
                (Ok(ka), Ok(kb)) => (ka, kb),
                _ => return Err(TestCaseError::fail("strategy produced an invalid key")),
            };
            if ka != kb && ka.slug() == kb.slug() {
                prop_assert!(slugs_clash(&ka, &kb));
                let registry = SlugRegistry::default();
                prop_assert!(registry.claim(&ka).is_ok());
                prop_assert_eq!(registry.claim(&kb), Err(ka.to_string()));
            } else {
                prop_assert!(!slugs_clash(&ka, &kb));
            }
        }

        #[test]
        fn case_variants_clash(k in valid_key()) {
            let a = DeploymentKey::parse(&k).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let upper = DeploymentKey::parse(&k.to_ascii_uppercase()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(a != upper, slugs_clash(&a, &upper));
            let registry = SlugRegistry::default();
            prop_assert!(registry.claim(&a).is_ok());
            prop_assert_eq!(registry.claim(&upper).is_err(), a != upper);
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = DeploymentKey::parse(&s);
        }
    }
}
