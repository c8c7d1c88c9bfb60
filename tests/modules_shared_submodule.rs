//! The move modules/README.md documents for a later major version ("From generated files to
//! shared submodules"), proved on the sandbox: the shared part of a composition applied at
//! its address today (`module.deployment.ff_deployment.this`, `module.deployment.ff_auth0_tenant_setup.this`,
//! `module.deployment.ff_platform_bootstrap.this`) → the same configuration swapped for the
//! submodule layout (`module.deployment.module.shared`, `module.deployment.module.platform`) → the
//! README's `terraform state mv` commands → `terraform plan` is empty (nothing destroyed,
//! nothing created) → destroy.
//!
//! The composition that runs is modules/ff-aws's generated files as they are (auth0.tf,
//! platform.tf, variables.tf, outputs.tf) with a test-only main.tf: ff_deployment as the
//! module declares it (with the region given, not read from AWS) and, instead of the EKS
//! module, a stand-in `module "cluster"` whose outputs are the sandbox's Kubernetes API and
//! the EKS cluster name its authenticator accepts. The submodule layout is made from the
//! same files, as README says a later version would: the deployment's and Auth0's resources
//! in one submodule, the bootstrap in another that depends on the cluster.

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, repo_root, terraforms};

/// The `terraform state mv FROM TO` commands of modules/README.md, in order (a command may
/// continue on the next line after `\`; a `#` comment ends it).
fn readme_moves() -> Vec<(String, String)> {
    let path = repo_root().join("modules/README.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut moves = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("terraform state mv ") else {
            continue;
        };
        let mut command = rest.to_string();
        while command.trim_end().ends_with('\\') {
            command = command.trim_end().trim_end_matches('\\').to_string();
            command.push(' ');
            command.push_str(lines.next().unwrap_or_default());
        }
        let command = command.split('#').next().unwrap_or_default();
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(
            words.len(),
            2,
            "modules/README.md: `terraform state mv {command}`"
        );
        moves.push((words[0].to_string(), words[1].to_string()));
    }
    moves
}

/// What the README's commands must move: every shared resource of the composition
/// (`module "deployment"` in the root module, as the README assumes).
const MOVED: &[&str] = &[
    "module.deployment.ff_deployment.this",
    "module.deployment.ff_auth0_tenant_setup.this",
    "module.deployment.ff_platform_bootstrap.this",
];

const ROOT: &str = r#"terraform {
  required_providers {
    ff = {
      source = "registry.terraform.io/ff/ff"
    }
  }
}

provider "ff" {}

variable "kube_host" {
  type = string
}

variable "kube_ca" {
  type = string
}

variable "eks_cluster_name" {
  type = string
}

module "deployment" {
  source = "../ff"

  deployment_key      = "WM-Prod"
  app_domain          = "wm-prod.example.com"
  deletion_protection = false
  ingress_enabled     = false
  argocd_enabled      = false
  app_namespaces      = ["portal"]
  auth0_domain        = "wm-prod.eu.auth0.com"

  kube_host        = var.kube_host
  kube_ca          = var.kube_ca
  eks_cluster_name = var.eks_cluster_name
}
"#;

/// The stand-in for modules/aws-eks-private: the outputs the composition reads.
const CLUSTER: &str = r#"variable "host" {
  type = string
}

variable "ca" {
  type = string
}

variable "name" {
  type = string
}

output "cluster_endpoint" {
  value = var.host
}

output "cluster_certificate_authority_data" {
  value = base64encode(var.ca)
}

output "cluster_name" {
  value = var.name
}

output "region" {
  value = "eu-west-1"
}
"#;

const VERSIONS: &str = r#"terraform {
  required_providers {
    ff = {
      source = "registry.terraform.io/ff/ff"
    }
  }
}
"#;

/// Test-only variables of the composition: where the stand-in cluster is.
const TEST_VARIABLES: &str = r#"variable "kube_host" {
  type = string
}

variable "kube_ca" {
  type = string
}

variable "eks_cluster_name" {
  type = string
}
"#;

/// ff-aws's main.tf, but for the region (no AWS provider here) and the cluster module.
const DEPLOYMENT: &str = r#"resource "ff_deployment" "this" {
  key                 = var.deployment_key
  display_name        = var.display_name
  cloud               = "aws"
  region              = "eu-west-1"
  labels              = var.labels
  generated_secrets   = var.generated_secrets
  deletion_protection = var.deletion_protection

  dynamic "grafana_datasource" {
    for_each = var.grafana_datasource == null ? [] : [var.grafana_datasource]

    content {
      type = grafana_datasource.value.type
      url  = grafana_datasource.value.url
    }
  }
}
"#;

const CLUSTER_CALL: &str = r#"module "cluster" {
  source = "../cluster"

  host = var.kube_host
  ca   = var.kube_ca
  name = var.eks_cluster_name
}
"#;

fn generated(file: &str) -> String {
    let path = repo_root().join("modules/ff-aws").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Today's layout: every resource in the composition's root.
fn flat_layout() -> Vec<(String, String)> {
    let mut files = vec![
        (
            "ff/main.tf".to_string(),
            format!("{DEPLOYMENT}\n{CLUSTER_CALL}"),
        ),
        ("ff/versions.tf".to_string(), VERSIONS.to_string()),
        (
            "ff/test_variables.tf".to_string(),
            TEST_VARIABLES.to_string(),
        ),
    ];
    for file in ["auth0.tf", "platform.tf", "variables.tf", "outputs.tf"] {
        files.push((format!("ff/{file}"), generated(file)));
    }
    files
}

/// Variables of `variables.tf` whose name is in `names` (whole blocks as written).
fn variables_named(names: &[&str]) -> String {
    let text = generated("variables.tf");
    let mut out = String::new();
    let mut keep = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("variable \"") {
            keep = names.iter().any(|n| rest.starts_with(&format!("{n}\"")));
        }
        if keep {
            out.push_str(line);
            out.push('\n');
            if line == "}" {
                out.push('\n');
                keep = false;
            }
        }
    }
    out
}

/// The later major version's layout: the composition calls two shared submodules.
fn submodule_layout() -> Vec<(String, String)> {
    let variables = generated("variables.tf");
    let all: Vec<String> = variables
        .lines()
        .filter_map(|l| l.strip_prefix("variable \""))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect();
    let deployment_vars: &[&str] = &[
        "deployment_key",
        "display_name",
        "labels",
        "generated_secrets",
        "grafana_datasource",
        "deletion_protection",
        "app_domain",
        "api_scopes",
        "worker_scopes",
        "auth0_roles",
        "auth0_rotation_trigger",
        "auth0_client_ids",
        "auth0_audience",
    ];
    let platform_vars: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|n| !deployment_vars.contains(n))
        .collect();
    let pass = |names: &[&str]| -> String {
        names
            .iter()
            .map(|n| format!("  {n} = var.{n}\n"))
            .collect::<String>()
    };

    // The deployment and its Auth0 setup: ff-aws's ff_deployment and auth0.tf as they are.
    let deployment_outputs = r#"output "deployment" {
  value = ff_deployment.this
}

output "auth0_client_ids" {
  value = local.auth0_client_ids
}

output "auth0_audience" {
  value = local.auth0_audience
}
"#;
    // The bootstrap: platform.tf with the cluster and the deployment as inputs.
    let platform = generated("platform.tf")
        .replace("module.cluster.", "var.cluster.")
        .replace("ff_deployment.this.", "var.deployment.")
        .replace("local.auth0_", "var.auth0_")
        .replace("  depends_on = [module.cluster]\n", "");
    assert!(
        !platform.contains("module.cluster") && platform.contains("var.cluster.cluster_name"),
        "platform.tf's cluster references were rewritten:\n{platform}"
    );
    let platform_inputs = r#"variable "cluster" {
  type = any
}

variable "deployment" {
  type = any
}

variable "auth0_client_ids" {
  type = map(string)
}

variable "auth0_audience" {
  type = string
}
"#;
    let mut platform_only: Vec<&str> = platform_vars.clone();
    platform_only.retain(|n| !["auth0_client_ids", "auth0_audience"].contains(n));

    let composition = format!(
        r#"module "shared" {{
  source = "../shared"

{deployment_pass}}}

{CLUSTER_CALL_RENAMED}
module "platform" {{
  source = "../platform"

  cluster          = module.cluster
  deployment       = module.shared.deployment
  auth0_client_ids = module.shared.auth0_client_ids
  auth0_audience   = module.shared.auth0_audience

{platform_pass}
  depends_on = [module.cluster]
}}
"#,
        deployment_pass = pass(deployment_vars),
        platform_pass = pass(&platform_only),
        CLUSTER_CALL_RENAMED = CLUSTER_CALL,
    );
    // The composition's outputs read the submodules.
    let outputs = generated("outputs.tf")
        .replace("ff_deployment.this.", "module.shared.deployment.")
        .replace("ff_platform_bootstrap.this.", "module.platform.bootstrap.")
        .replace(
            "one(ff_auth0_tenant_setup.this[*]",
            "one(module.shared.setup[*]",
        )
        .replace("local.auth0_", "module.shared.auth0_");
    vec![
        ("ff/main.tf".to_string(), composition),
        ("ff/versions.tf".to_string(), VERSIONS.to_string()),
        (
            "ff/test_variables.tf".to_string(),
            TEST_VARIABLES.to_string(),
        ),
        ("ff/variables.tf".to_string(), variables.clone()),
        ("ff/outputs.tf".to_string(), outputs),
        (
            "shared/main.tf".to_string(),
            format!("{DEPLOYMENT}\n{}", generated("auth0.tf")),
        ),
        (
            "shared/outputs.tf".to_string(),
            format!(
                "{deployment_outputs}\noutput \"setup\" {{\n  value = ff_auth0_tenant_setup.this\n}}\n"
            ),
        ),
        ("shared/versions.tf".to_string(), VERSIONS.to_string()),
        (
            "shared/variables.tf".to_string(),
            variables_named(deployment_vars),
        ),
        ("platform/main.tf".to_string(), platform),
        (
            "platform/outputs.tf".to_string(),
            "output \"bootstrap\" {\n  value = ff_platform_bootstrap.this\n}\n".to_string(),
        ),
        ("platform/versions.tf".to_string(), VERSIONS.to_string()),
        (
            "platform/variables.tf".to_string(),
            format!("{platform_inputs}\n{}", variables_named(&platform_only)),
        ),
    ]
}

fn swap(dir: &Workdir, files: &[(String, String)]) {
    let base = dir.path().join("..");
    for sub in ["ff", "shared", "platform"] {
        let _ = std::fs::remove_dir_all(base.join(sub));
    }
    for (path, content) in files {
        let target = base.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("dir of a composition file");
        }
        std::fs::write(&target, content).expect("write a composition file");
    }
}

fn addresses(dir: &Workdir) -> Vec<String> {
    let mut list: Vec<String> = dir
        .run(&["state", "list"])
        .ok()
        .stdout
        .lines()
        .map(str::to_string)
        .collect();
    list.sort();
    list
}

fn moved_to_submodules(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let eks = sandbox.endpoints["kubernetes"]["eks"].clone();
    let text = |field: &str| eks[field].as_str().unwrap_or_default().to_string();
    let mut env = sandbox.local_example_env("WM-Prod");
    env.push(("AWS_ACCESS_KEY_ID".into(), text("access_key_id")));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), text("secret_access_key")));
    env.push(("AWS_SESSION_TOKEN".into(), String::new()));
    env.push(("TF_VAR_eks_cluster_name".into(), text("cluster_name")));

    let mut files: Vec<(String, String)> = flat_layout()
        .into_iter()
        .map(|(path, content)| (format!("compositions/{path}"), content))
        .collect();
    files.push(("compositions/cluster/main.tf".into(), CLUSTER.into()));
    files.push(("compositions/root/main.tf".into(), ROOT.into()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let dir = Workdir::from_repo(tf, "compositions/root", &borrowed, env);

    // Today: the shared resources at the composition's own address.
    dir.apply();
    let before = addresses(&dir);
    let moves = readme_moves();
    let from: Vec<&str> = moves.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(from, MOVED, "{ctx}: the README moves every shared resource");
    for from in MOVED {
        assert!(
            before.iter().any(|a| a.starts_with(from)),
            "{ctx}: {from} applied: {before:?}"
        );
    }
    let outputs_before = dir.run(&["output", "-json"]).ok().stdout;

    // The later major version: the submodule layout, then the README's commands.
    swap(&dir, &submodule_layout());
    dir.run(&["init", "-input=false", "-no-color"]).ok();
    let unmoved = dir.plan();
    assert_eq!(
        unmoved.code,
        2,
        "{ctx}: without the moves the new layout plans to replace: {}",
        unmoved.output()
    );
    assert!(
        unmoved.stdout.contains("will be destroyed"),
        "{ctx}: without the moves the shared resources would be destroyed:\n{}",
        unmoved.output()
    );
    for (from, to) in &moves {
        dir.run(&["state", "mv", from, to]).ok();
    }
    let after = addresses(&dir);
    assert_eq!(
        before.len(),
        after.len(),
        "{ctx}: as many resources after the moves: {before:?} → {after:?}"
    );
    for (from, to) in &moves {
        assert!(
            after.iter().any(|a| a.starts_with(to)) && !after.iter().any(|a| a.starts_with(from)),
            "{ctx}: {from} moved to {to}: {after:?}"
        );
    }
    dir.assert_plan_empty(&format!("{ctx}: after the README's state mv commands"));
    let outputs_after = dir.run(&["output", "-json"]).ok().stdout;
    let json = |text: &str| -> serde_json::Value {
        serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("{ctx}: terraform output -json: {e}: {text}"))
    };
    assert_eq!(
        json(&outputs_before),
        json(&outputs_after),
        "{ctx}: the composition's outputs are the same after the move"
    );

    dir.destroy();
    assert!(
        dir.run(&["state", "list"]).ok().stdout.trim().is_empty(),
        "{ctx}: destroy leaves nothing in the state"
    );
}

#[test]
fn the_readme_state_mv_steps_move_the_shared_part_into_submodules() {
    for tf in terraforms() {
        moved_to_submodules(&tf);
    }
}
