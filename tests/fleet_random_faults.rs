//! Fifty deployments — `ff_deployment`, `ff_auth0_tenant_setup` and `ff_platform_bootstrap`
//! each, 150 resources in one configuration, `-parallelism=10` — against a sandbox where about
//! 2% of all requests fail at random: a seeded 500 on 1% and a seeded dropped connection on
//! 1% of the requests to Vault, Grafana, Auth0 and Kubernetes alike, left on throughout.
//!
//! Apply → (a second apply if the first failed) → plan empty, the faults still on → the
//! sandbox holds exactly the expected objects of every deployment, each once, and nothing
//! else. The seeds fix the draws, not which request meets them: terraform and the provider
//! send concurrently, so which call fails differs from run to run (the test prints which
//! faults fired).
//!
//! The Auth0 rate limit is off here (2 requests/s would make the apply last minutes; the
//! `auth0_setup_ten_setups` scenario covers it).

use std::collections::BTreeSet;
use std::time::Instant;

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const DEPLOYMENTS: usize = 50;
const FAULT_PROBABILITY: f64 = 0.01;

fn keys() -> Vec<String> {
    (1..=DEPLOYMENTS).map(|i| format!("Fleet-{i:02}")).collect()
}

fn slug(key: &str) -> String {
    key.to_lowercase()
}

fn config() -> String {
    let listed: Vec<String> = keys().iter().map(|k| format!("\"{k}\"")).collect();
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

variable "kube_host" {{ type = string }}
variable "kube_ca" {{ type = string }}
variable "kube_token" {{
  type      = string
  sensitive = true
}}

resource "ff_deployment" "this" {{
  for_each          = toset([{listed}])
  key               = each.key
  cloud             = "aws"
  region            = "eu-west-1"
  generated_secrets = ["db-password"]

  grafana_datasource {{
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }}
}}

resource "ff_auth0_tenant_setup" "this" {{
  for_each       = ff_deployment.this
  deployment_key = each.value.key

  application "portal" {{
    type      = "spa"
    callbacks = ["https://portal.${{each.value.slug}}.example.com/callback"]
  }}
  application "backend" {{
    type = "regular_web"
  }}
  application "worker" {{
    type = "non_interactive"
  }}

  api {{
    identifier = "https://api.${{each.value.slug}}.example.com"
    scopes     = {{ "read:orders" = "Read orders" }}
  }}
  grants = {{ worker = ["read:orders"] }}
  roles  = {{ reader = ["read:orders"] }}
}}

resource "ff_platform_bootstrap" "this" {{
  for_each       = ff_deployment.this
  deployment_key = each.value.key
  cloud          = "aws"

  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    token                  = var.kube_token
  }}

  storage_class {{
    name        = "${{each.value.slug}}-gp3"
    provisioner = "ebs.csi.aws.com"
    parameters  = {{ type = "gp3", encrypted = "true" }}
  }}

  rbac {{
    group        = "${{each.value.slug}}-admins"
    cluster_role = "view"
  }}

  metadata {{
    auth0_domain     = "${{each.value.slug}}.eu.auth0.com"
    auth0_client_ids = ff_auth0_tenant_setup.this[each.key].client_ids
  }}
}}
"#,
        listed = listed.join(", ")
    )
}

/// Panic unless `actual` is exactly `expected`, naming what is missing and what is extra.
fn assert_same_set(context: &str, expected: &BTreeSet<String>, actual: &[String]) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let duplicates: Vec<&String> = actual
        .iter()
        .filter(|a| !seen.insert((*a).clone()))
        .collect();
    let missing: Vec<&String> = expected.difference(&seen).collect();
    let extra: Vec<&String> = seen.difference(expected).collect();
    assert!(
        duplicates.is_empty() && missing.is_empty() && extra.is_empty(),
        "{context}: expected exactly {} distinct items;\n  duplicated: {duplicates:?}\n  missing: {missing:?}\n  unexpected: {extra:?}",
        expected.len()
    );
}

fn strings(items: &Value, field: &str) -> Vec<String> {
    items
        .as_array()
        .map(|all| {
            all.iter()
                .map(|i| i[field].as_str().unwrap_or("<none>").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn object_keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn faults(sandbox: &Sandbox) -> Vec<Value> {
    let url = format!("{}/_sandbox/faults", sandbox.control());
    ureq::get(&url)
        .call()
        .ok()
        .and_then(|r| r.into_json::<Value>().ok())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

/// Everything the sandbox must hold once the fifty deployments are applied, each once.
fn check_contents(ctx: &str, sandbox: &Sandbox, baseline_kube: &BTreeSet<String>) {
    let state = sandbox.state();
    let keys = keys();

    // Vault: the records and secrets of each deployment, its policy and auth method.
    let mut kv = BTreeSet::new();
    for key in &keys {
        for path in [
            "deployment",
            "db-password",
            "grafana",
            "platform",
            "auth0/portal",
            "auth0/backend",
            "auth0/worker",
        ] {
            kv.insert(format!("{key}/{path}"));
        }
    }
    let secrets = sandbox.kv_secrets("deployments", "");
    let dead: Vec<&String> = secrets
        .iter()
        .filter(|(_, d)| d.is_null())
        .map(|(p, _)| p)
        .collect();
    assert!(dead.is_empty(), "{ctx}: deleted Vault secrets: {dead:?}");
    let paths: Vec<String> = secrets.into_iter().map(|(p, _)| p).collect();
    assert_same_set(&format!("{ctx}: Vault KV paths"), &kv, &paths);
    let mut policies: BTreeSet<String> = ["default", "root"].map(String::from).into();
    policies.extend(keys.iter().map(|k| format!("ff-{}-read", slug(k))));
    assert_same_set(
        &format!("{ctx}: Vault policies"),
        &policies,
        &object_keys(&state["vault"]["policies"]),
    );
    let auth: BTreeSet<String> = keys
        .iter()
        .map(|k| format!("kubernetes-{}/", slug(k)))
        .collect();
    assert_same_set(
        &format!("{ctx}: Vault auth methods"),
        &auth,
        &object_keys(&state["vault"]["auth_mounts"]),
    );

    // Grafana: a folder, team, service account with one token, and data source each.
    let grafana = &state["grafana"];
    let by_slug = |f: &dyn Fn(&str) -> String| -> BTreeSet<String> {
        keys.iter().map(|k| f(&slug(k))).collect()
    };
    assert_same_set(
        &format!("{ctx}: Grafana folders"),
        &by_slug(&|s| format!("ff-{s}")),
        &strings(&grafana["folders"], "uid"),
    );
    assert_same_set(
        &format!("{ctx}: Grafana teams"),
        &by_slug(&|s| format!("ff-{s}")),
        &strings(&grafana["teams"], "name"),
    );
    assert_same_set(
        &format!("{ctx}: Grafana service accounts"),
        &by_slug(&|s| format!("ff-{s}")),
        &strings(&grafana["service_accounts"], "name"),
    );
    for account in grafana["service_accounts"].as_array().into_iter().flatten() {
        let tokens = account["tokens"].as_array().map_or(0, Vec::len);
        assert_eq!(
            tokens, 1,
            "{ctx}: service account {} has {tokens} tokens",
            account["name"]
        );
    }
    assert_same_set(
        &format!("{ctx}: Grafana data sources"),
        &by_slug(&|s| format!("ff-{s}-prometheus")),
        &strings(&grafana["datasources"], "name"),
    );

    // Auth0: three clients, an API, a grant and a role each; the grant is the worker's.
    let auth0 = &state["auth0"];
    assert_same_set(
        &format!("{ctx}: Auth0 clients"),
        &keys
            .iter()
            .flat_map(|k| ["portal", "backend", "worker"].map(|a| format!("ff-{}-{a}", slug(k))))
            .collect(),
        &strings(&auth0["clients"], "name"),
    );
    let mut apis: BTreeSet<String> = ["Auth0 Management API".to_string()].into();
    apis.extend(by_slug(&|s| format!("ff-{s}-api")));
    assert_same_set(
        &format!("{ctx}: Auth0 APIs"),
        &apis,
        &strings(&auth0["resource_servers"], "name"),
    );
    assert_same_set(
        &format!("{ctx}: Auth0 roles"),
        &by_slug(&|s| format!("ff-{s}-reader")),
        &strings(&auth0["roles"], "name"),
    );
    let client_name = |id: &str| -> String {
        auth0["clients"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["client_id"] == id))
            .and_then(|c| c["name"].as_str())
            .unwrap_or("<unknown client>")
            .to_string()
    };
    let grants: Vec<String> = auth0["client_grants"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            format!(
                "{} -> {}",
                client_name(g["client_id"].as_str().unwrap_or_default()),
                g["audience"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_same_set(
        &format!("{ctx}: Auth0 client grants"),
        &by_slug(&|s| format!("ff-{s}-worker -> https://api.{s}.example.com")),
        &grants,
    );

    // Kubernetes: the cluster's own objects, plus exactly each deployment's.
    let mut kube = baseline_kube.clone();
    for key in &keys {
        let s = slug(key);
        for id in [
            format!("/namespaces//{s}"),
            format!("/serviceaccounts/{s}/default"),
            format!("/configmaps/{s}/ff-deployment"),
            format!("/serviceaccounts/kube-system/ff-{s}-vault-reviewer"),
            format!("/secrets/kube-system/ff-{s}-vault-reviewer"),
            format!("rbac.authorization.k8s.io/clusterrolebindings//ff-{s}-vault-reviewer"),
            format!("rbac.authorization.k8s.io/clusterrolebindings//ff-{s}-{s}-admins"),
            format!("storage.k8s.io/storageclasses//{s}-gp3"),
        ] {
            kube.insert(id);
        }
    }
    assert_same_set(
        &format!("{ctx}: Kubernetes objects"),
        &kube,
        &object_keys(&state["kubernetes"]["objects"]),
    );
}

fn fleet_converges(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let started = Instant::now();
    let sandbox = Sandbox::start_with(&["--auth0-rate-limit", "0", "--k8s-ready-delay-ms", "0"]);
    let baseline_kube: BTreeSet<String> = sandbox.kube_objects().keys().cloned().collect();
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("TF_VAR_kube_token".into(), sandbox.kube_token()));
    let dir = Workdir::new(tf, &config(), env);

    for (kind, seed) in [("status", 7001u64), ("drop", 7002)] {
        sandbox.add_fault(json!({
            "service": "*", "kind": kind, "status": 500,
            "probability": FAULT_PROBABILITY, "seed": seed,
        }));
    }
    sandbox.clear_requests();
    let apply = [
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=10",
    ];
    let first = dir.run(&apply);
    let applies = if first.code == 0 {
        1
    } else {
        eprintln!(
            "{ctx}: the first apply failed, as a fault may make it; errors:\n{}",
            first
                .stderr
                .lines()
                .filter(|l| l.starts_with("Error:") || l.contains("failed"))
                .take(20)
                .collect::<Vec<_>>()
                .join("\n")
        );
        dir.run(&apply).ok();
        2
    };
    let fired: Vec<(String, u64)> = faults(&sandbox)
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default().to_string(),
                f["fired"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let log = sandbox.requests();
    let requests = log.len();
    let total_fired: u64 = fired.iter().map(|(_, n)| n).sum();
    // Faults that met a write (a create, mostly): the ones a blind retry could duplicate.
    let faulted_writes: Vec<String> = log
        .iter()
        .filter(|e| !e["fault"].is_null() && e["method"] != "GET")
        .map(|e| {
            format!(
                "{} {} {} ({})",
                e["service"].as_str().unwrap_or_default(),
                e["method"].as_str().unwrap_or_default(),
                e["path"].as_str().unwrap_or_default(),
                e["fault"].as_str().unwrap_or_default()
            )
        })
        .collect();
    eprintln!(
        "{ctx}: {DEPLOYMENTS} deployments converged in {applies} apply(s): {requests} requests, \
         faults fired {fired:?}, {} of them on writes:\n  {}",
        faulted_writes.len(),
        faulted_writes.join("\n  ")
    );
    assert!(
        total_fired > 0,
        "{ctx}: no fault fired in {requests} requests, so nothing was tested: {fired:?}"
    );
    assert!(
        !faulted_writes.is_empty(),
        "{ctx}: no fault met a write in {requests} requests, so no create was interrupted"
    );

    dir.assert_plan_empty(&format!(
        "{ctx}: after {applies} apply(s), with the faults still on"
    ));
    let show = dir.show();
    let in_state = show
        .pointer("/values/root_module/resources")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    assert_eq!(
        in_state,
        3 * DEPLOYMENTS,
        "{ctx}: the state holds every resource once"
    );
    check_contents(&ctx, &sandbox, &baseline_kube);
    eprintln!("{ctx}: done in {:.0?}", started.elapsed());
}

#[test]
fn fifty_deployments_converge_in_two_applies_under_random_faults() {
    for tf in terraforms() {
        fleet_converges(&tf);
    }
}
