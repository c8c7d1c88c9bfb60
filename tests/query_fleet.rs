//! `terraform query` over a fleet (Terraform ≥ 1.14): 24 deployments of both clouds — 16
//! made by one configuration (all with an Auth0 setup, half with a platform bootstrap) and 8
//! made by hand (secrets in Vault and a Grafana folder and team; some with only the folder;
//! two with Auth0 applications carrying the marks) — are listed by the three list resources,
//! and from an empty state `terraform query -generate-config-out` writes resource and
//! `import` blocks (by identity) that `terraform apply` adopts in one go, after which the plan
//! is empty. Filters (cloud, labels, key prefix) narrow the list; a query that matches
//! nothing lists nothing and succeeds.

use std::collections::BTreeSet;

use ff_e2e::sandbox::{KUBE_EXEC, Sandbox};
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const MANAGED: usize = 16;
const BOOTSTRAPPED: usize = 8;

fn managed_keys() -> Vec<String> {
    (1..=MANAGED).map(|i| format!("QF-{i:02}")).collect()
}

fn cloud_of(i: usize) -> &'static str {
    if i.is_multiple_of(2) { "aws" } else { "azure" }
}

fn team_of(i: usize) -> &'static str {
    if i % 4 < 2 { "alpha" } else { "beta" }
}

const HEADER: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

variable "kube_host" {
  type = string
}

variable "kube_ca" {
  type = string
}
"#;

fn fleet_config() -> String {
    let mut config = HEADER.to_string();
    for (i, key) in managed_keys().iter().enumerate() {
        let name = key.to_lowercase().replace('-', "_");
        config.push_str(&format!(
            r#"
resource "ff_deployment" "{name}" {{
  key                 = "{key}"
  cloud               = "{cloud}"
  labels              = {{ team = "{team}" }}
  generated_secrets   = ["db-password"]
  deletion_protection = false
}}

resource "ff_auth0_tenant_setup" "{name}" {{
  deployment_key = ff_deployment.{name}.key

  application "portal" {{
    type      = "spa"
    callbacks = ["https://portal.{slug}.example.com/callback"]
  }}

  application "worker" {{
    type = "non_interactive"
  }}
}}
"#,
            cloud = cloud_of(i),
            team = team_of(i),
            slug = key.to_lowercase(),
        ));
        if i < BOOTSTRAPPED {
            config.push_str(&format!(
                r#"
resource "ff_platform_bootstrap" "{name}" {{
  deployment_key = ff_deployment.{name}.key
  cloud          = "{cloud}"

  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    {exec}
  }}

  storage_class {{
    name        = "{slug}-standard"
    provisioner = "kubernetes.io/no-provisioner"
  }}
}}
"#,
                cloud = cloud_of(i),
                slug = key.to_lowercase(),
                exec = KUBE_EXEC,
            ));
        }
    }
    config
}

/// Deployments made by hand: a secret under the key's Vault path, the Grafana folder
/// `ff-<slug>` titled with the key and the team `ff-<slug>` (the first four), or only the
/// folder (the last four); the first two also get an Auth0 application with the marks.
fn make_by_hand(sandbox: &Sandbox) -> Vec<String> {
    let keys: Vec<String> = (1..=8).map(|i| format!("HD-{i:02}")).collect();
    sandbox.vault(
        "POST",
        "sys/mounts/deployments",
        Some(json!({"type": "kv", "options": {"version": "2"}})),
    );
    for (i, key) in keys.iter().enumerate() {
        let slug = key.to_lowercase();
        let folder = sandbox.grafana(
            "POST",
            "/api/folders",
            Some(json!({"uid": format!("ff-{slug}"), "title": key})),
        );
        assert_eq!(folder.status, 200, "{key}: folder made by hand: {folder:?}");
        if i < 4 {
            let secret = sandbox.vault(
                "POST",
                &format!("deployments/data/{key}/db-password"),
                Some(json!({"data": {"value": format!("hand-made-{i}")}})),
            );
            assert_eq!(secret.status, 200, "{key}: secret made by hand: {secret:?}");
            let team = sandbox.grafana(
                "POST",
                "/api/teams",
                Some(json!({"name": format!("ff-{slug}")})),
            );
            assert_eq!(team.status, 200, "{key}: team made by hand: {team:?}");
        }
        if i < 2 {
            let app = sandbox.auth0(
                "POST",
                "/clients",
                Some(json!({
                    "name": format!("ff-{slug}-portal"),
                    "app_type": "spa",
                    "callbacks": [format!("https://portal.{slug}.example.com/callback")],
                    "client_metadata": {
                        "ff_deployment_key": key,
                        "ff_application": "portal",
                        "ff_managed_by": "terraform-provider-ff"
                    }
                })),
            );
            assert_eq!(
                app.status, 201,
                "{key}: Auth0 application made by hand: {app:?}"
            );
        }
    }
    keys
}

const PROVIDER: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
"#;

fn list_block(kind: &str, name: &str, config: &str) -> String {
    format!(
        "list \"{kind}\" \"{name}\" {{\n  provider         = ff\n  include_resource = true\n  limit            = 1000\n{config}}}\n"
    )
}

/// Identities' keys listed by `terraform query -json`, per list block address.
fn listed(dir: &Workdir, query: &str) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    dir.write("fleet.tfquery.hcl", query);
    let run = dir.run(&["query", "-json", "-no-color"]).ok();
    let mut found: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for line in run.stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["type"] != "list_resource_found" {
            continue;
        }
        let address = message["list_resource_found"]["address"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let key = message["list_resource_found"]["identity"]["key"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        found.entry(address).or_default().insert(key);
    }
    found
}

fn query_fleet(tf: &TerraformBin) {
    let sandbox = Sandbox::start_with(&["--auth0-rate-limit", "0"]);
    let mut env = sandbox.provider_env();
    env.push(("FF_KUBE_TOKEN".into(), sandbox.kube_token()));
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));

    let made = Workdir::new(tf, &fleet_config(), env.clone());
    made.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=10",
    ])
    .ok();
    let by_hand = make_by_hand(&sandbox);

    let adopt = Workdir::new(tf, PROVIDER, env.clone());
    let all_keys: BTreeSet<String> = managed_keys()
        .into_iter()
        .chain(by_hand.iter().cloned())
        .collect();

    // Filters.
    let found = listed(
        &adopt,
        &[
            list_block("ff_deployment", "aws_alpha", "  config {\n    cloud = \"aws\"\n    labels = { team = \"alpha\" }\n    key_prefix = \"qf-\"\n  }\n"),
            list_block("ff_deployment", "none", "  config {\n    key_prefix = \"ZZ\"\n  }\n"),
        ]
        .concat(),
    );
    let expected: BTreeSet<String> = managed_keys()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| cloud_of(*i) == "aws" && team_of(*i) == "alpha")
        .map(|(_, k)| k)
        .collect();
    assert_eq!(
        found
            .get("list.ff_deployment.aws_alpha")
            .cloned()
            .unwrap_or_default(),
        expected,
        "terraform {}: cloud, labels and key prefix filter the list",
        tf.version
    );
    assert!(
        !found.contains_key("list.ff_deployment.none"),
        "terraform {}: a query that matches nothing lists nothing: {found:?}",
        tf.version
    );

    // Everything, then the generated configuration adopts it.
    let query = [
        list_block("ff_deployment", "deployments", ""),
        list_block("ff_auth0_tenant_setup", "auth0", ""),
        list_block("ff_platform_bootstrap", "platform", ""),
    ]
    .concat();
    let found = listed(&adopt, &query);
    assert_eq!(
        found
            .get("list.ff_deployment.deployments")
            .cloned()
            .unwrap_or_default(),
        all_keys,
        "terraform {}: every deployment, made here or by hand, is listed",
        tf.version
    );
    let auth0_expected: BTreeSet<String> = managed_keys()
        .into_iter()
        .chain(by_hand.iter().take(2).cloned())
        .collect();
    assert_eq!(
        found
            .get("list.ff_auth0_tenant_setup.auth0")
            .cloned()
            .unwrap_or_default(),
        auth0_expected,
        "terraform {}: Auth0 setups are found by their marks",
        tf.version
    );
    let bootstrap_expected: BTreeSet<String> =
        managed_keys().into_iter().take(BOOTSTRAPPED).collect();
    assert_eq!(
        found
            .get("list.ff_platform_bootstrap.platform")
            .cloned()
            .unwrap_or_default(),
        bootstrap_expected,
        "terraform {}: bootstraps are found by their record",
        tf.version
    );

    adopt.write("fleet.tfquery.hcl", &query);
    adopt
        .run(&["query", "-generate-config-out=generated.tf", "-no-color"])
        .ok();
    let generated = std::fs::read_to_string(adopt.file("generated.tf")).expect("generated.tf");
    let imports = generated.matches("import {").count();
    let expected_imports = all_keys.len() + auth0_expected.len() + bootstrap_expected.len();
    assert_eq!(
        imports, expected_imports,
        "terraform {}: one import block per object:\n{generated}",
        tf.version
    );
    assert!(generated.contains("identity = {"), "imports by identity");
    std::fs::remove_file(adopt.file("fleet.tfquery.hcl")).expect("the query file goes");
    // The apply imports everything; the deployments made by hand are then completed (their
    // record, policy and Grafana service account are made), which changes those alone.
    let applied = adopt
        .run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=10",
        ])
        .ok();
    let changed = by_hand.len() + 2;
    let summary =
        format!("Resources: {expected_imports} imported, 0 added, {changed} changed, 0 destroyed");
    assert!(
        applied.stdout.contains(&summary),
        "terraform {}: expected {summary:?}:\n{}",
        tf.version,
        applied.stdout
    );
    for line in applied
        .stdout
        .lines()
        .filter(|l| l.contains("Modifying..."))
    {
        assert!(
            line.contains("[id=HD-"),
            "terraform {}: only the deployments made by hand change: {line}",
            tf.version
        );
    }
    adopt.assert_plan_empty(&format!(
        "terraform {}: the plan after adopting the fleet",
        tf.version
    ));
    let identities = adopt.run(&["state", "identities", "-json"]).ok();
    let identities: Value = serde_json::from_str(&identities.stdout).expect("identities JSON");
    assert_eq!(
        identities.as_object().map(|m| m.len()),
        Some(expected_imports),
        "terraform {}: every adopted resource has its identity in the state",
        tf.version
    );
}

#[test]
fn query_lists_the_fleet_and_generated_config_adopts_it() {
    let mut ran = false;
    for tf in terraforms() {
        if !tf.at_least(1, 14) {
            eprintln!("terraform {}: no terraform query before 1.14", tf.version);
            continue;
        }
        query_fleet(&tf);
        ran = true;
    }
    assert!(
        ran,
        "a Terraform with `terraform query` (1.15.5, installed by scripts/install-tools.sh) ran"
    );
}
