//! Vault namespaces, as HCP Vault Dedicated runs everything under `admin/`: the whole
//! `examples/local` (deployment, Auth0 setup, platform bootstrap) with `VAULT_NAMESPACE=admin`
//! against a real OpenBao in which the namespace `admin` was created (`sys/namespaces`).
//!
//! Applied → everything of Vault's is in `admin` (the KV secrets, the read policy, the
//! Kubernetes auth method and its role) and nothing in the root namespace → an application
//! logs in through the namespaced auth method and reads its secret → the plan is empty →
//! each resource removed from the state and imported by key equals what was applied, an
//! apply changes no resource and the plan is empty again → destroy leaves nothing of the deployment in either namespace.

use ff_e2e::check::assert_same_attributes;
use ff_e2e::openbao::kv_secrets_of;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const KEY: &str = "WM-Prod";
const NAMESPACE: &str = "admin";
const RESOURCES: [&str; 3] = [
    "ff_deployment.this",
    "ff_auth0_tenant_setup.this",
    "ff_platform_bootstrap.this",
];

/// What Vault holds of the deployment in a namespace: secrets, policy and auth method.
fn deployment_in(sandbox: &Sandbox, namespace: Option<&str>) -> (Vec<String>, bool, bool) {
    let snapshot = sandbox.bao().snapshot(namespace);
    let secrets = kv_secrets_of(&snapshot, "deployments", &format!("{KEY}/"))
        .into_iter()
        .filter(|(_, data)| !data.is_null())
        .map(|(path, _)| path)
        .collect();
    let policy = snapshot["policies"].get("ff-wm-prod-read").is_some();
    let auth = snapshot["auth_mounts"].get("kubernetes-wm-prod/").is_some();
    (secrets, policy, auth)
}

fn namespaced_example(tf: &TerraformBin) {
    let ctx = format!("terraform {} (VAULT_NAMESPACE={NAMESPACE})", tf.version);
    let sandbox = Sandbox::start();
    sandbox.set_auth0_rate_limit(0.0, 0);
    let bao = sandbox.bao();
    let created = bao.call(
        "POST",
        &format!("sys/namespaces/{NAMESPACE}"),
        Some(json!({})),
    );
    assert_eq!(
        created.status, 200,
        "{ctx}: creating the namespace: {created:?}"
    );
    let dir = Workdir::from_repo(
        tf,
        "examples/local",
        &[],
        sandbox.local_example_env_in(KEY, Some(NAMESPACE)),
    );

    dir.apply();
    let (secrets, policy, auth) = deployment_in(&sandbox, Some(NAMESPACE));
    for wanted in [
        "WM-Prod/deployment",
        "WM-Prod/db-password",
        "WM-Prod/grafana",
        "WM-Prod/auth0/portal",
    ] {
        assert!(
            secrets.iter().any(|s| s == wanted),
            "{ctx}: {wanted} is in the namespace's KV mount: {secrets:?}"
        );
    }
    assert!(
        policy && auth,
        "{ctx}: the policy and the auth method are in {NAMESPACE}"
    );
    assert_eq!(
        deployment_in(&sandbox, None),
        (vec![], false, false),
        "{ctx}: nothing of the deployment is in the root namespace"
    );
    let root_mounts = bao.snapshot(None)["mounts"].clone();
    assert!(
        root_mounts.get("deployments/").is_none(),
        "{ctx}: the KV mount is the namespace's only: {root_mounts}"
    );

    // An application of the deployment logs in through the namespaced auth method.
    let (code, _, err) = sandbox.kubectl(&["create", "serviceaccount", "orders", "-n", "wm-prod"]);
    assert_eq!(code, 0, "{err}");
    let (code, jwt, err) = sandbox.kubectl(&["create", "token", "orders", "-n", "wm-prod"]);
    assert_eq!(code, 0, "{err}");
    let login = bao.call_as(
        "",
        Some(NAMESPACE),
        "POST",
        "auth/kubernetes-wm-prod/login",
        Some(json!({"role": "ff-wm-prod-apps", "jwt": jwt.trim()})),
    );
    assert_eq!(login.status, 200, "{ctx}: login in {NAMESPACE}: {login:?}");
    let token = login.body["auth"]["client_token"]
        .as_str()
        .unwrap_or_default();
    let read = bao.call_as(
        token,
        Some(NAMESPACE),
        "GET",
        "deployments/data/WM-Prod/db-password",
        None,
    );
    assert_eq!(
        read.status, 200,
        "{ctx}: the application reads its secret: {read:?}"
    );

    dir.assert_plan_empty(&format!("{ctx}: after the apply"));

    // Import by key, in the namespace.
    let applied: Vec<Value> = RESOURCES.iter().map(|r| dir.resource(r)).collect();
    for resource in RESOURCES {
        dir.run(&["state", "rm", "-no-color", resource]).ok();
    }
    for resource in RESOURCES {
        dir.import(resource, KEY).ok();
    }
    for (resource, applied) in RESOURCES.iter().zip(&applied) {
        assert_same_attributes(
            &format!("{ctx}: {resource} imported by key"),
            applied,
            &dir.resource(resource),
        );
    }
    // The import records the resources, not the outputs that read them: the first apply
    // changes no resource, only the outputs.
    dir.apply()
        .contains(&["Apply complete! Resources: 0 added, 0 changed, 0 destroyed."]);
    dir.assert_plan_empty(&format!("{ctx}: after the imports"));

    dir.destroy().ok();
    // The Git credentials were written by hand (as run-local.sh does), not by the provider,
    // which leaves them.
    assert_eq!(
        deployment_in(&sandbox, Some(NAMESPACE)),
        (vec!["WM-Prod/git".to_string()], false, false),
        "{ctx}: destroy left nothing the provider made in {NAMESPACE}"
    );
    assert_eq!(
        deployment_in(&sandbox, None),
        (vec![], false, false),
        "{ctx}: nor in the root namespace"
    );
}

#[test]
fn examples_local_in_a_vault_namespace() {
    for tf in terraforms() {
        namespaced_example(&tf);
    }
}
