//! Every argument of the provider and of every resource that has a closed set of values or
//! a format is given a bad value, and each gets its own error diagnostic pointing at that
//! argument (Terraform maps the diagnostic's attribute path to the argument's line) — at
//! validation, so `terraform plan` fails before anything is created. The table below
//! covers every argument of the schema (`terraform providers schema -json`): a test fails
//! when an argument is added without a case or a reason why it has none.
//!
//! One configuration per resource holds all its cases (one resource instance each), and
//! the provider's cases are aliased provider blocks, so each terraform run checks many
//! values at once.

use std::collections::{BTreeMap, BTreeSet};

use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const HEADER: &str = r#"terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
"#;

/// What the table says about one argument.
enum Check {
    /// Bad values: the block body (with `KEY` replaced by a unique deployment key and
    /// exactly one line ending in `# BAD`, where the diagnostic must point) and the
    /// diagnostic's summary.
    Bad(Vec<(String, &'static str)>),
    /// No closed set and no format: why.
    Free(&'static str),
}

use Check::{Bad, Free};

fn bad(body: &str, summary: &'static str) -> Check {
    Bad(vec![(body.to_string(), summary)])
}

const PEM_CERT: &str = r#""-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n""#;
const PEM_KEY: &str = r#""-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n""#;

fn provider_table() -> BTreeMap<&'static str, Check> {
    BTreeMap::from([
        (
            "provider.request_timeout_seconds",
            bad(
                "request_timeout_seconds = 0 # BAD",
                "Invalid request timeout",
            ),
        ),
        (
            "provider.vault.address",
            bad(
                "vault {\n address = \"vault.example.com\" # BAD\n}",
                "Invalid Vault address",
            ),
        ),
        (
            "provider.vault.token",
            bad("vault {\n token = \"\" # BAD\n}", "Empty Vault token"),
        ),
        (
            "provider.vault.kv_mount",
            bad(
                "vault {\n kv_mount = \"my mount\" # BAD\n}",
                "Invalid Vault KV mount",
            ),
        ),
        (
            "provider.vault.namespace",
            Free("any Vault Enterprise namespace path"),
        ),
        (
            "provider.vault.ca_cert_file",
            Free(
                "a file path: read when the provider is configured; a missing file is reported there",
            ),
        ),
        (
            "provider.vault.auth_login_jwt.mount",
            bad(
                "vault {\n auth_login_jwt {\n role = \"tfc\"\n mount = \"j w t\" # BAD\n }\n}",
                "Invalid Vault JWT auth mount",
            ),
        ),
        (
            "provider.vault.auth_login_jwt.role",
            bad(
                "vault {\n auth_login_jwt {\n role = \"a/b\" # BAD\n }\n}",
                "Invalid Vault JWT role",
            ),
        ),
        (
            "provider.vault.auth_login_jwt.jwt",
            bad(
                "vault {\n auth_login_jwt {\n role = \"tfc\"\n jwt = \"not.a-jwt\" # BAD\n }\n}",
                "Invalid JWT",
            ),
        ),
        (
            "provider.auth0.domain",
            bad(
                "auth0 {\n domain = \"not a domain\" # BAD\n}",
                "Invalid Auth0 domain",
            ),
        ),
        (
            "provider.auth0.client_id",
            bad(
                "auth0 {\n client_id = \"\" # BAD\n}",
                "Empty Auth0 client id",
            ),
        ),
        (
            "provider.auth0.client_secret",
            bad(
                "auth0 {\n client_secret = \"\" # BAD\n}",
                "Empty Auth0 client secret",
            ),
        ),
        (
            "provider.auth0.api_token",
            bad(
                "auth0 {\n api_token = \"\" # BAD\n}",
                "Empty Auth0 API token",
            ),
        ),
        (
            "provider.auth0.ca_cert_file",
            Free("a file path: read when the provider is configured"),
        ),
        (
            "provider.grafana.url",
            bad(
                "grafana {\n url = \"grafana\" # BAD\n}",
                "Invalid Grafana URL",
            ),
        ),
        (
            "provider.grafana.auth",
            bad("grafana {\n auth = \"\" # BAD\n}", "Empty Grafana auth"),
        ),
        (
            "provider.grafana.ca_cert_file",
            Free("a file path: read when the provider is configured"),
        ),
    ])
}

fn deployment_table() -> BTreeMap<&'static str, Check> {
    let with = |line: &str| format!("key = \"KEY\"\ncloud = \"aws\"\n{line}");
    BTreeMap::from([
        (
            "ff_deployment.key",
            Bad(vec![
                (
                    "key = \"WM--Prod\" # BAD\ncloud = \"aws\"".into(),
                    "Invalid deployment key",
                ),
                (
                    "key = \"1WM\" # BAD\ncloud = \"aws\"".into(),
                    "Invalid deployment key",
                ),
                (
                    "key = \"WM_Prod\" # BAD\ncloud = \"aws\"".into(),
                    "Invalid deployment key",
                ),
            ]),
        ),
        (
            "ff_deployment.cloud",
            bad("key = \"KEY\"\ncloud = \"gcp\" # BAD", "Invalid cloud"),
        ),
        (
            "ff_deployment.display_name",
            Bad(vec![(
                with("display_name = \" \" # BAD"),
                "Empty display name",
            )]),
        ),
        (
            "ff_deployment.labels",
            Bad(vec![
                (
                    with("labels = { \"Not Valid\" = \"x\" } # BAD"),
                    "Invalid label",
                ),
                (with("labels = { team = \"a b\" } # BAD"), "Invalid label"),
            ]),
        ),
        (
            "ff_deployment.generated_secrets",
            Bad(vec![
                (
                    with("generated_secrets = [\"grafana\"] # BAD"),
                    "Invalid secret name",
                ),
                (
                    with("generated_secrets = [\"a/b\"] # BAD"),
                    "Invalid secret name",
                ),
            ]),
        ),
        (
            // On Terraform before 1.11 the argument is refused as write-only as well; the
            // provider still names what is wrong with the value.
            "ff_deployment.given_secrets_wo",
            Bad(vec![
                (
                    with("given_secrets_wo = { \"a/b\" = \"x\" } # BAD"),
                    "Invalid secret name",
                ),
                (
                    with("generated_secrets = [\"db\"]\ngiven_secrets_wo = { db = \"x\" } # BAD"),
                    "Secret both given and generated",
                ),
            ]),
        ),
        (
            "ff_deployment.given_secrets_wo_version",
            Bad(vec![(
                with("given_secrets_wo_version = -1 # BAD"),
                "Invalid given secrets version",
            )]),
        ),
        (
            "ff_deployment.region",
            Bad(vec![(
                with("region = \"West Europe\" # BAD"),
                "Invalid region",
            )]),
        ),
        (
            "ff_deployment.grafana_datasource.url",
            Bad(vec![(
                with("grafana_datasource {\n type = \"prometheus\"\n url = \"not a url\" # BAD\n}"),
                "Invalid data source URL",
            )]),
        ),
        (
            "ff_deployment.grafana_datasource.type",
            Bad(vec![(
                with(
                    "grafana_datasource {\n type = \" \" # BAD\n url = \"http://prometheus:9090\"\n}",
                ),
                "Empty data source type",
            )]),
        ),
        (
            "ff_deployment.grafana_datasource.name",
            Free("any Grafana data source name"),
        ),
        (
            "ff_deployment.deletion_protection",
            Free("a boolean: Terraform checks the type"),
        ),
    ])
}

fn auth0_table() -> BTreeMap<&'static str, Check> {
    let app = |line: &str| {
        format!(
            "deployment_key = \"KEY\"\napplication \"web\" {{\n type = \"regular_web\"\n {line}\n}}"
        )
    };
    let api = "api {\n identifier = \"https://api.example.com\"\n scopes = { \"read:orders\" = \"Read\" }\n}";
    BTreeMap::from([
        ("ff_auth0_tenant_setup.deployment_key", bad("deployment_key = \"W\" # BAD", "Invalid deployment key")),
        ("ff_auth0_tenant_setup.application.type", bad("deployment_key = \"KEY\"\napplication \"web\" {\n type = \"desktop\" # BAD\n}", "Invalid application type")),
        ("ff_auth0_tenant_setup.application.callbacks", Bad(vec![(app("callbacks = [\"not a url\"] # BAD"), "Invalid URL")])),
        ("ff_auth0_tenant_setup.application.logout_urls", Bad(vec![(app("logout_urls = [\"ftp://x\"] # BAD"), "Invalid URL")])),
        ("ff_auth0_tenant_setup.application.web_origins", Bad(vec![(app("web_origins = [\"example.com\"] # BAD"), "Invalid URL")])),
        ("ff_auth0_tenant_setup.application.grant_types", Bad(vec![
            (app("grant_types = [\"magic\"] # BAD"), "Invalid grant type"),
            ("deployment_key = \"KEY\"\napplication \"spa\" {\n type = \"spa\"\n grant_types = [\"client_credentials\"] # BAD\n}".into(), "Grant type not allowed for the application type"),
        ])),
        ("ff_auth0_tenant_setup.api.identifier", bad("deployment_key = \"KEY\"\napi {\n identifier = \"\" # BAD\n}", "Empty API identifier")),
        ("ff_auth0_tenant_setup.api.scopes", bad("deployment_key = \"KEY\"\napi {\n identifier = \"https://api.example.com\"\n scopes = { \"read orders\" = \"x\" } # BAD\n}", "Invalid scope")),
        ("ff_auth0_tenant_setup.api.token_lifetime", bad("deployment_key = \"KEY\"\napi {\n identifier = \"https://api.example.com\"\n token_lifetime = 0 # BAD\n}", "Invalid token lifetime")),
        ("ff_auth0_tenant_setup.grants", Bad(vec![
            (format!("deployment_key = \"KEY\"\napplication \"worker\" {{\n type = \"non_interactive\"\n}}\n{api}\ngrants = {{ worker = [\"write:nothing\"] }} # BAD"), "Unknown scope"),
            (format!("deployment_key = \"KEY\"\n{api}\ngrants = {{ ghost = [\"read:orders\"] }} # BAD"), "Grant for an unknown application"),
        ])),
        ("ff_auth0_tenant_setup.roles", Bad(vec![
            (format!("deployment_key = \"KEY\"\n{api}\nroles = {{ \"Bad Role\" = [\"read:orders\"] }} # BAD"), "Invalid role name"),
            (format!("deployment_key = \"KEY\"\n{api}\nroles = {{ viewer = [\"write:nothing\"] }} # BAD"), "Unknown scope"),
        ])),
        ("ff_auth0_tenant_setup.rotation_trigger", Free("any value; only its changes matter")),
    ])
}

fn bootstrap_table() -> BTreeMap<&'static str, Check> {
    let base = |cluster_extra: &str, line: &str| {
        format!(
            "deployment_key = \"KEY\"\ncloud = \"aws\"\ncluster {{\n host = \"https://127.0.0.1:6443\"\n {cluster_extra}\n}}\n{line}"
        )
    };
    let exec = "exec {\n command = \"true\"\n }";
    let with = |line: &str| base(exec, line);
    let in_cluster = |auth: &str| base(auth, "");
    let argocd = "argocd {\n manifest_url = \"https://example.com/argocd.yaml\"\n sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n}";
    let ingress = "ingress {\n manifest_url = \"https://example.com/ingress.yaml\"\n sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n}";
    BTreeMap::from([
        (
            "ff_platform_bootstrap.deployment_key",
            bad(
                "deployment_key = \"WM-\" # BAD\ncloud = \"aws\"\ncluster {\n host = \"https://127.0.0.1:6443\"\n exec {\n command = \"true\"\n }\n}",
                "Invalid deployment key",
            ),
        ),
        (
            "ff_platform_bootstrap.cloud",
            bad(
                "deployment_key = \"KEY\"\ncloud = \"gcp\" # BAD\ncluster {\n host = \"https://127.0.0.1:6443\"\n exec {\n command = \"true\"\n }\n}",
                "Invalid cloud",
            ),
        ),
        (
            "ff_platform_bootstrap.app_namespaces",
            Bad(vec![(
                with("app_namespaces = [\"Apps\"] # BAD"),
                "Invalid namespace",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.host",
            bad(
                "deployment_key = \"KEY\"\ncloud = \"aws\"\ncluster {\n host = \"http://127.0.0.1:6443\" # BAD\n exec {\n command = \"true\"\n }\n}",
                "Invalid cluster host",
            ),
        ),
        (
            "ff_platform_bootstrap.cluster.cluster_ca_certificate",
            Bad(vec![(
                in_cluster(&format!(
                    "cluster_ca_certificate = \"TUlJQg==\" # BAD\n {exec}"
                )),
                "Invalid cluster CA certificate",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.client_certificate",
            Bad(vec![(
                in_cluster(&format!(
                    "client_certificate = \"MIIB\" # BAD\n client_key = {PEM_KEY}"
                )),
                "Invalid client certificate",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.client_key",
            Bad(vec![
                (
                    in_cluster(&format!(
                        "client_certificate = {PEM_CERT}\n client_key = \"MIIE\" # BAD"
                    )),
                    "Invalid client key",
                ),
                (
                    in_cluster(&format!("client_key = {PEM_KEY} # BAD")),
                    "Incomplete client certificate",
                ),
            ]),
        ),
        (
            "ff_platform_bootstrap.cluster.proxy_url",
            Bad(vec![(
                in_cluster(&format!("proxy_url = \"ftp://jumpbox:21\" # BAD\n {exec}")),
                "Invalid proxy URL",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.token",
            Free("an opaque bearer token"),
        ),
        (
            "ff_platform_bootstrap.cluster.aks.tenant_id",
            Bad(vec![(
                in_cluster("aks {\n tenant_id = \"my tenant\" # BAD\n }"),
                "Invalid Entra ID tenant",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.aks.server_app_id",
            Bad(vec![(
                in_cluster("aks {\n server_app_id = \"aks-server\" # BAD\n }"),
                "Invalid server application id",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.eks.cluster_name",
            Bad(vec![(
                in_cluster(
                    "eks {\n cluster_name = \"-wm prod\" # BAD\n region = \"eu-west-1\"\n }",
                ),
                "Invalid EKS cluster name",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.eks.region",
            Bad(vec![(
                in_cluster("eks {\n cluster_name = \"wm-prod\"\n region = \"Europe\" # BAD\n }"),
                "Invalid AWS region",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.eks.assume_role_with_web_identity.role_arn",
            Bad(vec![(
                in_cluster(
                    "eks {\n cluster_name = \"wm-prod\"\n assume_role_with_web_identity {\n role_arn = \"arn:aws:iam::1234:user/me\" # BAD\n }\n }",
                ),
                "Invalid IAM role ARN",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.eks.assume_role_with_web_identity.session_name",
            Bad(vec![(
                in_cluster(
                    "eks {\n cluster_name = \"wm-prod\"\n assume_role_with_web_identity {\n role_arn = \"arn:aws:iam::123456789012:role/run\"\n session_name = \"a b\" # BAD\n }\n }",
                ),
                "Invalid STS session name",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.eks.assume_role_with_web_identity.web_identity_token_variable",
            Bad(vec![(
                in_cluster(
                    "eks {\n cluster_name = \"wm-prod\"\n assume_role_with_web_identity {\n role_arn = \"arn:aws:iam::123456789012:role/run\"\n web_identity_token_variable = \"1TOKEN\" # BAD\n }\n }",
                ),
                "Invalid environment variable name",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.eks.assume_role_with_web_identity.web_identity_token_file",
            Bad(vec![(
                in_cluster(
                    "eks {\n cluster_name = \"wm-prod\"\n assume_role_with_web_identity {\n role_arn = \"arn:aws:iam::123456789012:role/run\"\n web_identity_token_file = \" \" # BAD\n }\n }",
                ),
                "Empty token file",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.exec.api_version",
            Bad(vec![(
                in_cluster(
                    "exec {\n command = \"aws\"\n api_version = \"client.authentication.k8s.io/v2\" # BAD\n }",
                ),
                "Invalid exec api_version",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.exec.command",
            Bad(vec![(
                in_cluster("exec {\n command = \" \" # BAD\n }"),
                "Empty exec command",
            )]),
        ),
        (
            "ff_platform_bootstrap.cluster.exec.args",
            Free("any arguments of the plugin"),
        ),
        (
            "ff_platform_bootstrap.cluster.exec.env",
            Free("any environment of the plugin"),
        ),
        (
            "ff_platform_bootstrap.coredns.forward_zones",
            Bad(vec![
                (
                    with(
                        "coredns {\n forward_zones = { \"corp.example\" = [\"dns.corp\"] } # BAD\n}",
                    ),
                    "Invalid DNS server",
                ),
                (
                    with(
                        "coredns {\n forward_zones = { \"corp example\" = [\"10.0.0.2\"] } # BAD\n}",
                    ),
                    "Invalid DNS zone",
                ),
            ]),
        ),
        (
            "ff_platform_bootstrap.ingress.manifest_url",
            Bad(vec![(
                with(
                    "ingress {\n manifest_url = \"ftp://example.com/x.yaml\" # BAD\n sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n}",
                ),
                "Invalid manifest URL",
            )]),
        ),
        (
            "ff_platform_bootstrap.ingress.sha256",
            Bad(vec![(
                with(
                    "ingress {\n manifest_url = \"https://example.com/x.yaml\"\n sha256 = \"abc\" # BAD\n}",
                ),
                "Invalid SHA-256",
            )]),
        ),
        (
            "ff_platform_bootstrap.ingress.namespace",
            Bad(vec![(
                with(
                    "ingress {\n manifest_url = \"https://example.com/x.yaml\"\n sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n namespace = \"Ingress\" # BAD\n}",
                ),
                "Invalid namespace",
            )]),
        ),
        (
            "ff_platform_bootstrap.ingress.internal",
            Free("a boolean: Terraform checks the type"),
        ),
        (
            "ff_platform_bootstrap.argocd.manifest_url",
            Bad(vec![(
                with(
                    "argocd {\n manifest_url = \"argocd.yaml\" # BAD\n sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n}",
                ),
                "Invalid manifest URL",
            )]),
        ),
        (
            "ff_platform_bootstrap.argocd.sha256",
            Bad(vec![(
                with(
                    "argocd {\n manifest_url = \"https://example.com/argocd.yaml\"\n sha256 = \"XYZ\" # BAD\n}",
                ),
                "Invalid SHA-256",
            )]),
        ),
        (
            "ff_platform_bootstrap.argocd.namespace",
            Bad(vec![(
                with(
                    "argocd {\n manifest_url = \"https://example.com/argocd.yaml\"\n sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n namespace = \"Argo_CD\" # BAD\n}",
                ),
                "Invalid namespace",
            )]),
        ),
        (
            "ff_platform_bootstrap.application.repo_url",
            Bad(vec![(
                with(&format!(
                    "{argocd}\napplication {{\n repo_url = \"platform.git\" # BAD\n}}"
                )),
                "Invalid repository URL",
            )]),
        ),
        (
            "ff_platform_bootstrap.application.git_credentials_secret",
            Bad(vec![(
                with(&format!(
                    "{argocd}\napplication {{\n repo_url = \"https://git.example/p.git\"\n git_credentials_secret = \"a/b\" # BAD\n}}"
                )),
                "Invalid secret name",
            )]),
        ),
        (
            "ff_platform_bootstrap.tls.vault_secret",
            Bad(vec![(
                with(&format!(
                    "{ingress}\ntls {{\n vault_secret = \"a/b\" # BAD\n}}"
                )),
                "Invalid secret name",
            )]),
        ),
        (
            "ff_platform_bootstrap.tls.secret_name",
            Bad(vec![(
                with(&format!(
                    "{ingress}\ntls {{\n secret_name = \"Bad_Name\" # BAD\n}}"
                )),
                "Invalid Secret name",
            )]),
        ),
        (
            "ff_platform_bootstrap.application.path",
            Free("any path in the repository"),
        ),
        (
            "ff_platform_bootstrap.application.target_revision",
            Free("any branch, tag or commit"),
        ),
        (
            "ff_platform_bootstrap.metadata.auth0_domain",
            Bad(vec![(
                with("metadata {\n auth0_domain = \"not a domain\" # BAD\n}"),
                "Invalid Auth0 domain",
            )]),
        ),
        (
            "ff_platform_bootstrap.metadata.auth0_audience",
            Free("any API identifier"),
        ),
        (
            "ff_platform_bootstrap.metadata.auth0_client_ids",
            Free("Auth0 client ids are opaque"),
        ),
        (
            "ff_platform_bootstrap.rbac.cluster_role",
            Bad(vec![(
                with("rbac {\n group = \"admins\"\n cluster_role = \"a/b\" # BAD\n}"),
                "Invalid ClusterRole name",
            )]),
        ),
        (
            "ff_platform_bootstrap.rbac.group",
            Free("any group name of the identity provider"),
        ),
        (
            "ff_platform_bootstrap.rbac.namespaces",
            Bad(vec![(
                with(
                    "rbac {\n group = \"admins\"\n cluster_role = \"view\"\n namespaces = [\"Team A\"] # BAD\n}",
                ),
                "Invalid namespace",
            )]),
        ),
        (
            "ff_platform_bootstrap.storage_class.name",
            Bad(vec![(
                with(
                    "storage_class {\n name = \"GP3\" # BAD\n provisioner = \"ebs.csi.aws.com\"\n}",
                ),
                "Invalid storage class name",
            )]),
        ),
        (
            "ff_platform_bootstrap.storage_class.provisioner",
            Bad(vec![(
                with("storage_class {\n name = \"gp3\"\n provisioner = \"EBS CSI\" # BAD\n}"),
                "Invalid provisioner",
            )]),
        ),
        (
            "ff_platform_bootstrap.storage_class.reclaim_policy",
            Bad(vec![(
                with(
                    "storage_class {\n name = \"gp3\"\n provisioner = \"ebs.csi.aws.com\"\n reclaim_policy = \"Keep\" # BAD\n}",
                ),
                "Invalid reclaim_policy",
            )]),
        ),
        (
            "ff_platform_bootstrap.storage_class.volume_binding_mode",
            Bad(vec![(
                with(
                    "storage_class {\n name = \"gp3\"\n provisioner = \"ebs.csi.aws.com\"\n volume_binding_mode = \"Later\" # BAD\n}",
                ),
                "Invalid volume_binding_mode",
            )]),
        ),
        (
            "ff_platform_bootstrap.storage_class.default",
            Free("a boolean: Terraform checks the type"),
        ),
        (
            "ff_platform_bootstrap.storage_class.parameters",
            Free("provisioner-specific parameters"),
        ),
        (
            "ff_platform_bootstrap.timeouts.create",
            Bad(vec![(
                with("timeouts {\n create = \"ten minutes\" # BAD\n}"),
                "Invalid duration",
            )]),
        ),
        (
            "ff_platform_bootstrap.timeouts.update",
            Bad(vec![(
                with("timeouts {\n update = \"10\" # BAD\n}"),
                "Invalid duration",
            )]),
        ),
        (
            "ff_platform_bootstrap.timeouts.delete",
            Bad(vec![(
                with("timeouts {\n delete = \"-5m\" # BAD\n}"),
                "Invalid duration",
            )]),
        ),
        (
            "ff_platform_bootstrap.vault_auth.token_ttl",
            Bad(vec![(
                with("vault_auth {\n token_ttl = \"1 hour\" # BAD\n}"),
                "Invalid duration",
            )]),
        ),
        (
            "ff_platform_bootstrap.vault_auth.service_accounts",
            Bad(vec![(
                with("vault_auth {\n service_accounts = [\"Bad SA\"] # BAD\n}"),
                "Invalid service account name",
            )]),
        ),
    ])
}

/// Every argument of the schema (`provider.` or the resource type, then the block path).
fn schema_arguments(dir: &Workdir) -> BTreeSet<String> {
    fn walk(block: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        for (name, attribute) in block["attributes"].as_object().into_iter().flatten() {
            if attribute["required"] == true || attribute["optional"] == true {
                out.insert(format!("{prefix}{name}"));
            }
        }
        for (name, nested) in block["block_types"].as_object().into_iter().flatten() {
            walk(&nested["block"], &format!("{prefix}{name}."), out);
        }
    }
    let run = dir.run(&["providers", "schema", "-json"]).ok();
    let schema: Value = serde_json::from_str(&run.stdout).expect("the schema is JSON");
    let provider = &schema["provider_schemas"]["registry.terraform.io/ff/ff"];
    let mut out = BTreeSet::new();
    walk(&provider["provider"]["block"], "provider.", &mut out);
    for (resource, s) in provider["resource_schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        walk(&s["block"], &format!("{resource}."), &mut out);
    }
    out
}

/// One block per case: (argument, text of the block, summary); returns the file and, per
/// case, the address and the line the diagnostic must point at.
fn render(
    kind: &str,
    table: &BTreeMap<&'static str, Check>,
) -> (String, Vec<(String, String, usize, &'static str)>) {
    let mut text = HEADER.to_string();
    let mut cases = Vec::new();
    let mut n = 0;
    for (argument, check) in table {
        let Bad(values) = check else { continue };
        for (body, summary) in values {
            n += 1;
            let name = format!("c{n}");
            let body = body.replace("KEY", &format!("WM-C{n}"));
            let (open, address) = if kind == "provider" {
                (
                    format!("provider \"ff\" {{\n alias = \"{name}\"\n"),
                    format!("provider.ff.{name}"),
                )
            } else {
                (
                    format!("resource \"{kind}\" \"{name}\" {{\n"),
                    format!("{kind}.{name}"),
                )
            };
            text.push_str(&open);
            let first_line = text.lines().count() + 1;
            let marked: Vec<usize> = body
                .lines()
                .enumerate()
                .filter(|(_, l)| l.trim_end().ends_with("# BAD"))
                .map(|(i, _)| first_line + i)
                .collect();
            assert_eq!(marked.len(), 1, "{argument}: one line is marked: {body}");
            text.push_str(&body);
            text.push_str("\n}\n");
            if kind == "provider" {
                // A provider configuration is validated when a resource uses it.
                text.push_str(&format!(
                    "resource \"ff_deployment\" \"{name}\" {{\n provider = ff.{name}\n key = \"WM-C{n}\"\n cloud = \"aws\"\n}}\n"
                ));
            }
            cases.push((argument.to_string(), address, marked[0], *summary));
        }
    }
    (text, cases)
}

fn check_kind(tf: &TerraformBin, kind: &str, table: &BTreeMap<&'static str, Check>) -> Vec<String> {
    let ctx = format!("terraform {}", tf.version);
    let (text, cases) = render(kind, table);
    let dir = Workdir::new(tf, &text, Vec::new());
    let run = dir.run(&["validate", "-json", "-no-color"]);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{ctx}: validate -json is JSON ({e}): {}", run.output()));
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut failures = Vec::new();
    for (argument, address, line, summary) in &cases {
        let found = diagnostics.iter().any(|d| {
            d["severity"] == "error"
                && d["summary"] == *summary
                && d["range"]["start"]["line"].as_u64() == Some(*line as u64)
        });
        if !found {
            let near: Vec<String> = diagnostics
                .iter()
                .filter(|d| {
                    d["range"]["start"]["line"]
                        .as_u64()
                        .is_some_and(|l| l.abs_diff(*line as u64) <= 12)
                })
                .map(|d| format!("line {}: {}", d["range"]["start"]["line"], d["summary"]))
                .collect();
            failures.push(format!(
                "{ctx}: {argument} ({address}): expected {summary:?} at line {line}; diagnostics nearby: {near:?}"
            ));
        }
    }
    // The same configuration fails at plan, naming every case, before anything exists.
    let plan = dir.plan();
    assert_eq!(
        plan.code,
        1,
        "{ctx}: the plan of the bad {kind} cases fails:\n{}",
        plan.output()
    );
    if kind != "provider" {
        for (argument, address, _, _) in &cases {
            if !plan.output().contains(&format!("with {address},")) {
                failures.push(format!(
                    "{ctx}: the plan names no diagnostic of {argument} ({address})"
                ));
            }
        }
    }
    assert!(
        dir.state_file().is_empty(),
        "{ctx}: no state after a failed plan"
    );
    failures
}

#[test]
fn every_argument_with_a_closed_set_or_format_is_validated_at_plan() {
    let tables = [
        ("provider", provider_table()),
        ("ff_deployment", deployment_table()),
        ("ff_auth0_tenant_setup", auth0_table()),
        ("ff_platform_bootstrap", bootstrap_table()),
    ];
    for (_, table) in &tables {
        for (argument, check) in table {
            if let Free(reason) = check {
                assert!(reason.len() > 10, "{argument}: say why it needs no check");
            }
        }
    }
    let covered: BTreeSet<String> = tables
        .iter()
        .flat_map(|(_, t)| t.keys().map(|k| k.to_string()))
        .collect();
    for tf in terraforms() {
        let dir = Workdir::new(&tf, HEADER, Vec::new());
        let arguments = schema_arguments(&dir);
        assert!(arguments.len() > 50, "the schema was read: {arguments:?}");
        let missing: Vec<&String> = arguments.difference(&covered).collect();
        let stale: Vec<&String> = covered.difference(&arguments).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "the table must cover exactly the schema's arguments; missing: {missing:?}; not in the schema: {stale:?}"
        );
        let mut failures = Vec::new();
        for (kind, table) in &tables {
            failures.extend(check_kind(&tf, kind, table));
        }
        assert!(
            failures.is_empty(),
            "{} cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
