//! A static check of every module and example, including the Azure and Terraform Cloud
//! ones whose providers cannot be installed here: they parse, every variable is typed and
//! described, every output described, every reference declared, every module call passes
//! what the called module declares and reads only outputs it has, every resource's provider
//! is required (see `ff_e2e::modules`). Then two checks that need the real programs: the
//! `names` each module reads exist in what the provider derives (`ff_deployment.names`),
//! and Terraform itself rejects an `outbound_type` of `foo` and accepts the four valid ones.

use ff_e2e::modules::{Module, all_dirs};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{repo_root, terraforms};
use serde_json::Value;

const OUTBOUND_TYPES: &[&str] = &[
    "loadBalancer",
    "userDefinedRouting",
    "managedNATGateway",
    "userAssignedNATGateway",
];

#[test]
fn every_module_and_example_passes_the_static_check() {
    let dirs = all_dirs();
    for expected in [
        "modules/aws-eks-private",
        "modules/azure-aks-private",
        "modules/tfc-workspace",
        "modules/tfc-aws-trust",
        "modules/tfc-azure-trust",
        "modules/ff-aws",
        "modules/ff-azure",
        "examples/aws",
        "examples/azure",
        "examples/import",
    ] {
        assert!(
            dirs.contains(&repo_root().join(expected)),
            "{expected} is missing from {dirs:?}"
        );
    }
    let problems: Vec<String> = dirs
        .iter()
        .flat_map(|dir| Module::load(dir).problems())
        .collect();
    assert!(
        problems.is_empty(),
        "the static check found:\n  {}",
        problems.join("\n  ")
    );
}

/// The names `ff_deployment` derives, as the provider plans them.
fn provider_names() -> Vec<String> {
    let sandbox = Sandbox::start();
    let tf = &terraforms()[0];
    let dir = Workdir::new(
        tf,
        r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
resource "ff_deployment" "this" {
  key   = "WM-Prod"
  cloud = "azure"
}
output "names" {
  value = ff_deployment.this.names
}
"#,
        sandbox.provider_env(),
    );
    dir.run(&["plan", "-input=false", "-no-color", "-out=names.tfplan"])
        .ok();
    let shown = dir
        .run(&["show", "-json", "-no-color", "names.tfplan"])
        .ok();
    let plan: Value = serde_json::from_str(&shown.stdout).unwrap_or(Value::Null);
    let names = &plan["planned_values"]["outputs"]["names"]["value"];
    names
        .as_object()
        .unwrap_or_else(|| panic!("the plan knows ff_deployment.names: {}", shown.stdout))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_names_modules_read_are_names_the_provider_derives() {
    let derived = provider_names();
    let mut checked = 0;
    for dir in all_dirs() {
        let module = Module::load(&dir);
        let Some(attributes) = module
            .variables
            .get("names")
            .and_then(|v| v.object_attributes())
        else {
            continue;
        };
        checked += 1;
        let missing: Vec<&String> = attributes.iter().filter(|a| !derived.contains(a)).collect();
        assert!(
            missing.is_empty(),
            "{} reads names {missing:?}, which ff_deployment.names does not have ({derived:?})",
            module.display()
        );
    }
    assert_eq!(
        checked, 3,
        "the EKS, AKS and Terraform Cloud modules take `names`"
    );
}

#[test]
fn terraform_rejects_an_outbound_type_outside_the_four() {
    let mut modules = Vec::new();
    for dir in all_dirs() {
        let module = Module::load(&dir);
        if let Some(variable) = module.variables.get("outbound_type") {
            modules.push((module.display(), variable.to_hcl()));
        }
    }
    assert!(
        modules
            .iter()
            .any(|(m, _)| m == "modules/azure-aks-private"),
        "the AKS module declares outbound_type: {modules:?}"
    );
    for tf in terraforms() {
        for (module, variable) in &modules {
            let ctx = format!("{module}, terraform {}", tf.version);
            // The module's own variable block, alone, evaluated by terraform.
            let config = format!(
                "{variable}\noutput \"outbound_type\" {{\n  value = var.outbound_type\n}}\n"
            );
            let dir = Workdir::new(&tf, &config, Vec::new());
            let plan = |value: &str| {
                dir.run(&[
                    "plan",
                    "-input=false",
                    "-no-color",
                    &format!("-var=outbound_type={value}"),
                ])
            };
            for valid in OUTBOUND_TYPES {
                let run = plan(valid);
                assert_eq!(
                    run.code,
                    0,
                    "{ctx}: {valid:?} is accepted:\n{}",
                    run.output()
                );
            }
            for invalid in ["foo", "LoadBalancer", "none", ""] {
                plan(invalid).failed().contains(&[
                    "Invalid value for variable",
                    "The outbound_type must be one of",
                ]);
            }
        }
    }
}

/// The composition modules read of their cluster module only the outputs their README's
/// "Swapping the cluster module" section lists, and the cluster module has them all: a team
/// that swaps in its own module knows exactly what to output.
#[test]
fn the_compositions_read_only_the_cluster_outputs_their_readme_lists() {
    for composition in ["modules/ff-aws", "modules/ff-azure"] {
        let dir = repo_root().join(composition);
        let module = Module::load(&dir);
        let read: std::collections::BTreeSet<String> = module
            .references
            .iter()
            .filter(|r| r.root == "module" && r.path.first().map(String::as_str) == Some("cluster"))
            .filter_map(|r| r.path.get(1).cloned())
            .collect();
        assert!(
            !read.is_empty(),
            "{composition} reads module.cluster outputs"
        );
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
        let section = readme
            .split("## Swapping the cluster module")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_else(|| {
                panic!("{composition}/README.md has a \"Swapping the cluster module\" section")
            });
        let listed: std::collections::BTreeSet<String> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .filter_map(|l| l.split('`').nth(1).map(str::to_string))
            .collect();
        let outputs: std::collections::BTreeSet<String> = listed
            .iter()
            .filter(|name| !["names", "tags", "location"].contains(&name.as_str()))
            .cloned()
            .collect();
        assert_eq!(
            read, outputs,
            "{composition}: the outputs read of module.cluster (left) are the ones its README lists (right)"
        );
        let call = &module.calls["cluster"];
        let cluster = module
            .called(call)
            .unwrap_or_else(|| panic!("{composition}: module.cluster is local"));
        for output in &read {
            assert!(
                cluster.outputs.contains_key(output),
                "{} declares {output}",
                cluster.display()
            );
        }
    }
}

/// Values for the variables without a default, per module or example.
fn required_values(module: &str) -> &'static str {
    const NAMES_AWS: &str = r#"names = { cluster = "ff-wm-prod", cluster_iam_role = "ff-wm-prod-cluster", node_group = "ff-wm-prod-nodes", jumpbox = "ff-wm-prod-jumpbox", kms_alias = "alias/ff-wm-prod-eks", vpc = "ff-wm-prod-vpc" }"#;
    match module {
        "modules/aws-eks-private" => NAMES_AWS,
        "modules/azure-aks-private" => {
            r#"names = { resource_group = "rg-ff-wm-prod", vnet = "vnet-ff-wm-prod", cluster = "ff-wm-prod", managed_identity = "id-ff-wm-prod", route_table = "rt-ff-wm-prod", nat_gateway = "ng-ff-wm-prod", jumpbox = "ff-wm-prod-jumpbox" }
location               = "westeurope"
jumpbox_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test"
"#
        }
        "modules/ff-aws" => r#"deployment_key = "WM-Prod""#,
        "modules/ff-azure" => {
            r#"deployment_key         = "WM-Prod"
location               = "westeurope"
jumpbox_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test"
"#
        }
        "modules/tfc-workspace" => {
            r#"names               = { workspace = "ff-wm-prod", repository = "ff-wm-prod" }
deployment_key      = "WM-Prod"
organization        = "example-org"
cloud               = "aws"
aws_credentials     = { access_key_id = "AKIAIOSFODNN7EXAMPLE", secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }
vcs_oauth_token_id  = "ot-AbC123"
gitlab_namespace_id = 42
template_project_id = 7
"#
        }
        "modules/tfc-aws-trust" => {
            r#"organization = "acme"
workspaces   = { "ff-wm-prod" = "Deployments" }
"#
        }
        "modules/tfc-azure-trust" => {
            r#"application_id = "/applications/00000000-0000-0000-0000-000000000001"
client_id      = "00000000-0000-0000-0000-000000000002"
organization   = "acme"
workspaces     = { "ff-wm-prod" = "Deployments" }
"#
        }
        "examples/azure" => {
            r#"jumpbox_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test""#
        }
        "examples/import" => {
            r#"deployment_key   = "WM-Prod"
cloud            = "aws"
domain           = "wm-prod.example.com"
cluster_endpoint = "https://ABC.gr7.eu-west-1.eks.amazonaws.com"
"#
        }
        "examples/local" => {
            r#"kube_host        = "https://127.0.0.1:6443"
kube_ca          = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
ingress_manifest = { url = "http://127.0.0.1:1/ingress.yaml", sha256 = "0000000000000000000000000000000000000000000000000000000000000000" }
argocd_manifest  = { url = "http://127.0.0.1:1/argocd.yaml", sha256 = "0000000000000000000000000000000000000000000000000000000000000000" }
"#
        }
        _ => "",
    }
}

/// Values each validation must refuse: (module, variable, value, part of the message).
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "modules/aws-eks-private",
        "tags",
        r#"{ "aws:owner" = "x" }"#,
        "not starting with \"aws:\"",
    ),
    (
        "modules/aws-eks-private",
        "node_scaling",
        "{ min = 3, desired = 2, max = 4 }",
        "0 <= min <= desired <= max",
    ),
    (
        "modules/aws-eks-private",
        "vpc_cidr",
        r#""10.0.0.0/24""#,
        "prefix length from 16 to 20",
    ),
    (
        "modules/aws-eks-private",
        "node_capacity_type",
        r#""spot""#,
        "\"ON_DEMAND\" or \"SPOT\"",
    ),
    (
        "modules/aws-eks-private",
        "node_labels",
        r#"{ "bad key!" = "x" }"#,
        "Kubernetes label",
    ),
    (
        "modules/azure-aks-private",
        "node_pools",
        r#"{ apps = { vm_size = "Standard_D4s_v5" } }"#,
        "named \"system\"",
    ),
    (
        "modules/azure-aks-private",
        "node_pools",
        r#"{ system = { vm_size = "Standard_D4s_v5", min_count = 3 } }"#,
        "both min_count and max_count",
    ),
    (
        "modules/azure-aks-private",
        "node_pools",
        r#"{ system = { vm_size = "D4s" } }"#,
        "Azure VM size",
    ),
    (
        "modules/azure-aks-private",
        "tags",
        r#"{ "a/b" = "x" }"#,
        "as Azure requires",
    ),
    (
        "modules/azure-aks-private",
        "admin_group_object_ids",
        r#"["not-a-uuid"]"#,
        "must be a UUID",
    ),
    (
        "modules/ff-aws",
        "deployment_key",
        r#""wm--prod""#,
        "single hyphens",
    ),
    (
        "modules/ff-aws",
        "generated_secrets",
        r#"["grafana"]"#,
        "reserves",
    ),
    (
        "modules/ff-aws",
        "proxy_url",
        r#""ftp://127.0.0.1:1080""#,
        "socks5://",
    ),
    (
        "modules/ff-aws",
        "ingress_manifest",
        r#"{ url = "https://x.example/deploy.yaml", sha256 = "abc" }"#,
        "64 lower-case hex digits",
    ),
    (
        "modules/ff-aws",
        "platform_repository",
        r#"{ url = "ftp://git.example/x.git", path = "apps", target_revision = "main" }"#,
        "https://, ssh:// or git@",
    ),
    (
        "modules/ff-aws",
        "coredns_forward_zones",
        r#"{ "corp.example" = ["not-an-ip"] }"#,
        "IPv4 addresses",
    ),
    (
        "modules/ff-aws",
        "auth0_client_ids",
        r#"{ "Portal App" = "abc" }"#,
        "application name",
    ),
    (
        "modules/ff-aws",
        "app_domain",
        r#""https://wm-prod.example.com""#,
        "lower-case DNS name",
    ),
    (
        "modules/ff-aws",
        "auth0_roles",
        r#"{ "Order Viewers" = ["read:orders"] }"#,
        "role name",
    ),
    (
        "modules/ff-azure",
        "api_scopes",
        r#"{ "read orders" = "Read orders" }"#,
        "without spaces",
    ),
    (
        "modules/ff-azure",
        "worker_scopes",
        r#"["read orders"]"#,
        "without spaces",
    ),
    (
        "modules/ff-azure",
        "rbac",
        r#"{ admins = "Cluster Admin" }"#,
        "ClusterRole name",
    ),
    (
        "modules/ff-azure",
        "app_namespaces",
        "[]",
        "non-empty list of Kubernetes namespace names",
    ),
    (
        "modules/ff-azure",
        "grafana_datasource",
        r#"{ type = "prometheus", url = "ftp://x" }"#,
        "http(s) URL",
    ),
    (
        "modules/tfc-workspace",
        "cloud",
        r#""gcp""#,
        "\"aws\" or \"azure\"",
    ),
    (
        "modules/tfc-workspace",
        "extra_env",
        r#"{ "1BAD" = "x" }"#,
        "environment variable name",
    ),
    (
        "modules/tfc-workspace",
        "azure_credentials",
        r#"{ client_id = "x", client_secret = "s", tenant_id = "t", subscription_id = "u" }"#,
        "UUIDs",
    ),
    (
        "modules/tfc-workspace",
        "gitlab_namespace_id",
        "0",
        "positive whole number",
    ),
    (
        "modules/tfc-workspace",
        "credentials_mode",
        r#""keys""#,
        "\"dynamic\" or \"static\"",
    ),
    (
        "modules/tfc-workspace",
        "aws_run_role_arn",
        r#""arn:aws:iam::123456789012:user/admin""#,
        "IAM role ARN",
    ),
    (
        "modules/tfc-workspace",
        "azure_run_client_id",
        r#""my-app""#,
        "GUID",
    ),
    (
        "modules/tfc-aws-trust",
        "workspaces",
        r#"{ "ff-wm-prod" = "a:b" }"#,
        "without ':'",
    ),
    (
        "modules/tfc-aws-trust",
        "run_phases",
        r#"["destroy"]"#,
        "\"plan\" and \"apply\"",
    ),
    (
        "modules/tfc-aws-trust",
        "hostname",
        r#""https://app.terraform.io""#,
        "without scheme or path",
    ),
    (
        "modules/tfc-azure-trust",
        "application_id",
        r#""00000000-0000-0000-0000-000000000001""#,
        "resource id",
    ),
    (
        "modules/tfc-azure-trust",
        "run_phases",
        r#"[]"#,
        "non-empty list",
    ),
    (
        "examples/import",
        "cloud",
        r#""gcp""#,
        "\"aws\" or \"azure\"",
    ),
];

/// Every variable block of every module and example, alone, evaluated by terraform: the
/// defaults and sample values pass every validation, and the values of `REFUSED` are
/// refused with their message. (The newest terraform of the run for the modules that need
/// 1.3.)
#[test]
fn variable_validations_accept_defaults_and_refuse_bad_values() {
    let all = terraforms();
    let newest = all.last().cloned().expect("a terraform");
    let mut refused_checked = 0;
    for dir in all_dirs() {
        let module = Module::load(&dir);
        let name = module.display();
        let needs_13 = module
            .required_version
            .as_deref()
            .is_some_and(|v| v.contains("1.3"));
        let versions: Vec<_> = if needs_13 {
            if !newest.at_least(1, 3) {
                eprintln!("{name}: no terraform >= 1.3 here, its validations are not evaluated");
                continue;
            }
            vec![newest.clone()]
        } else {
            all.clone()
        };
        let mut config: String = module
            .variables
            .values()
            .map(|v| v.to_hcl() + "\n")
            .collect();
        config.push_str("output \"evaluated\" {\n  value = true\n}\n");
        for tf in &versions {
            let ctx = format!("{name}, terraform {}", tf.version);
            let dir = Workdir::new(tf, &config, Vec::new());
            dir.write("sample.tfvars", required_values(&name));
            let plan = |extra: &[&str]| {
                let mut args = vec![
                    "plan",
                    "-input=false",
                    "-no-color",
                    "-var-file=sample.tfvars",
                ];
                args.extend_from_slice(extra);
                dir.run(&args)
            };
            let run = plan(&[]);
            assert_eq!(
                run.code,
                0,
                "{ctx}: the defaults and samples pass:\n{}",
                run.output()
            );
            for (module_name, variable, value, message) in REFUSED {
                if *module_name != name {
                    continue;
                }
                dir.write("bad.tfvars", &format!("{variable} = {value}\n"));
                plan(&["-var-file=bad.tfvars"])
                    .failed()
                    .contains(&["Invalid value for variable", message]);
                refused_checked += 1;
            }
        }
    }
    assert!(
        refused_checked >= REFUSED.len(),
        "every refused value was tried ({refused_checked} of {})",
        REFUSED.len()
    );
}

/// `modules/tfc-workspace`'s variables and locals, evaluated by terraform (its resources
/// need the tfe and gitlab providers, which cannot be installed here): the workspace
/// variables it sets for each cloud with dynamic credentials (the default), Vault's when
/// `vault_address` is given, and the static keys only with `credentials_mode = "static"`.
#[test]
fn tfc_workspace_sets_dynamic_credentials_by_default() {
    let Some(tf) = terraforms().into_iter().rev().find(|t| t.at_least(1, 3)) else {
        eprintln!("no terraform >= 1.3 here: tfc-workspace's locals are not evaluated");
        return;
    };
    let module = repo_root().join("modules/tfc-workspace");
    let main = std::fs::read_to_string(module.join("main.tf")).expect("main.tf");
    let locals = &main[main.find("locals {").expect("a locals block")
        ..main
            .find("resource \"gitlab_project\"")
            .expect("the project")];
    let mut config = std::fs::read_to_string(module.join("variables.tf")).expect("variables.tf");
    config.push_str(locals);
    config.push_str(
        "output \"dynamic_env\" {\n  value = local.dynamic_env\n}\noutput \"static_names\" {\n  value = local.credential_names\n}\n",
    );
    let dir = Workdir::new(&tf, &config, Vec::new());
    dir.write("sample.tfvars", required_values("modules/tfc-workspace"));
    let outputs = |extra: &[&str]| -> Value {
        let mut args = vec![
            "plan",
            "-input=false",
            "-no-color",
            "-var-file=sample.tfvars",
            "-out=o.tfplan",
        ];
        args.extend_from_slice(extra);
        dir.run(&args).ok();
        let shown = dir.run(&["show", "-json", "-no-color", "o.tfplan"]).ok();
        let plan: Value = serde_json::from_str(&shown.stdout).unwrap_or(Value::Null);
        plan["planned_values"]["outputs"].clone()
    };
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v["dynamic_env"]["value"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    let aws = outputs(&[
        "-var=aws_run_role_arn=arn:aws:iam::123456789012:role/tfc-ff-wm-prod",
        "-var=vault_address=https://vault.example.com:8200",
        "-var=vault_run_role=tfc-deployments",
    ]);
    assert_eq!(
        keys(&aws),
        [
            "TFC_AWS_PROVIDER_AUTH",
            "TFC_AWS_RUN_ROLE_ARN",
            "TFC_VAULT_ADDR",
            "TFC_VAULT_AUTH_PATH",
            "TFC_VAULT_PROVIDER_AUTH",
            "TFC_VAULT_RUN_ROLE",
            "TFC_WORKLOAD_IDENTITY_AUDIENCE",
            "VAULT_ADDR"
        ],
        "{aws}"
    );
    let env = &aws["dynamic_env"]["value"];
    assert_eq!(
        env["TFC_AWS_RUN_ROLE_ARN"],
        "arn:aws:iam::123456789012:role/tfc-ff-wm-prod"
    );
    assert_eq!(
        env["TFC_WORKLOAD_IDENTITY_AUDIENCE"],
        "vault.workload.identity"
    );
    assert_eq!(
        aws["static_names"]["value"],
        serde_json::json!([]),
        "no static key by default (the sample's aws_credentials are not used): {aws}"
    );
    let azure = outputs(&[
        "-var=cloud=azure",
        "-var=azure_run_client_id=00000000-0000-0000-0000-000000000001",
        "-var=azure_tenant_id=00000000-0000-0000-0000-000000000002",
        "-var=azure_subscription_id=00000000-0000-0000-0000-000000000003",
    ]);
    assert_eq!(
        keys(&azure),
        [
            "ARM_SUBSCRIPTION_ID",
            "ARM_TENANT_ID",
            "TFC_AZURE_PROVIDER_AUTH",
            "TFC_AZURE_RUN_CLIENT_ID"
        ],
        "{azure}"
    );
    let static_keys = outputs(&["-var=credentials_mode=static"]);
    assert_eq!(keys(&static_keys), Vec::<String>::new(), "{static_keys}");
    assert_eq!(
        static_keys["static_names"]["value"],
        serde_json::json!(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
        "{static_keys}"
    );
}
