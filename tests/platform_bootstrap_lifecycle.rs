//! ff_platform_bootstrap lifecycle through a real terraform: apply → empty plan → the objects
//! and Vault's auth method exist → no secret in the state → import by key equals the applied
//! state → drift (an object edited with kubectl, another deleted) shown and corrected →
//! destroy leaves no object of the deployment in the cluster and no auth method in Vault.

#[path = "platform_bootstrap_common.rs"]
mod common;

use ff_e2e::check::assert_same_attributes;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

fn lifecycle(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    common::seed_vault(&sandbox, "WM-Prod");
    let main_tf = common::config(&sandbox, "WM-Prod", None);
    let dir = Workdir::new(tf, &main_tf, common::env(&sandbox));

    // The plan lists every object before anything exists.
    let plan = dir.assert_plan_changes(&format!("{ctx}: first plan"));
    let plan = plan.contains(&[
        "apiextensions.k8s.io/v1/CustomResourceDefinition/applications.argoproj.io",
        "argoproj.io/v1alpha1/Application/argocd/ff-wm-prod",
        "apps/v1/Deployment/ingress-nginx/ingress-nginx-controller",
        "v1/ConfigMap/kube-system/coredns",
        "vault/auth/kubernetes-wm-prod/config",
    ]);
    drop(plan);

    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    let applied = dir.resource("ff_platform_bootstrap.this");
    assert_eq!(applied["vault_auth_mount"], "kubernetes-wm-prod");
    let objects = applied["objects"].as_object().cloned().unwrap_or_default();
    assert!(objects.len() > 20, "{ctx}: objects recorded: {objects:?}");
    assert!(
        objects
            .values()
            .all(|d| d.as_str().is_some_and(|d| d.len() == 16)),
        "{ctx}: every object has its digest: {objects:?}"
    );

    // What the cluster holds.
    let held = sandbox.kube_objects();
    let app = &held["argoproj.io/applications/argocd/ff-wm-prod"];
    assert_eq!(
        app["spec"]["source"]["repoURL"],
        "https://git.example/wm/platform.git"
    );
    let service = &held["/services/ingress-nginx/ingress-nginx-controller"];
    assert_eq!(
        service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"],
        "internal",
        "{ctx}: internal load balancer"
    );
    assert_eq!(
        service["metadata"]["labels"]["ff/deployment-key"],
        "WM-Prod"
    );
    let corefile = held["/configmaps/kube-system/coredns"]["data"]["Corefile"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        corefile.contains("forward . /etc/resolv.conf"),
        "{ctx}: the rest of the Corefile kept:\n{corefile}"
    );
    assert!(
        corefile.contains("corp.example:53") && corefile.contains("10.0.0.2 10.0.0.3"),
        "{corefile}"
    );
    let metadata = &held["/configmaps/wm-prod/ff-deployment"]["data"];
    assert_eq!(metadata["vault_auth_path"], "auth/kubernetes-wm-prod");
    assert_eq!(metadata["auth0_client_id.portal"], "client-portal-123");
    let repo = &held["/secrets/argocd/ff-wm-prod-repo"];
    assert_eq!(
        repo["metadata"]["labels"]["argocd.argoproj.io/secret-type"],
        "repository"
    );
    assert!(
        repo["data"]["password"].is_string(),
        "{ctx}: Git password from Vault: {repo}"
    );
    let managers: Vec<&str> = app["metadata"]["managedFields"]
        .as_array()
        .map(|m| m.iter().filter_map(|e| e["manager"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        managers,
        vec!["terraform-provider-ff"],
        "{ctx}: server-side applied"
    );

    // Vault's side.
    let auth = sandbox.vault("GET", "sys/auth", None);
    assert!(
        auth.body["data"]["kubernetes-wm-prod/"].is_object(),
        "{ctx}: {auth:?}"
    );
    let config = sandbox.vault("GET", "auth/kubernetes-wm-prod/config", None);
    assert_eq!(
        config.body["data"]["kubernetes_host"],
        Value::String(sandbox.kube_host())
    );
    assert_eq!(config.body["data"]["token_reviewer_jwt_set"], true);
    let role = sandbox.vault("GET", "auth/kubernetes-wm-prod/role/ff-wm-prod-apps", None);
    assert_eq!(role.body["data"]["token_policies"][0], "ff-wm-prod-read");
    assert_eq!(
        role.body["data"]["bound_service_account_namespaces"][0],
        "wm-prod"
    );

    // No secret in the state.
    let reviewer_token = held["/secrets/kube-system/ff-wm-prod-vault-reviewer"]["data"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !reviewer_token.is_empty(),
        "{ctx}: the reviewer token exists in the cluster"
    );
    let state_file = dir.state_file();
    for (what, secret) in [
        ("Git password", common::GIT_PASSWORD.to_string()),
        ("reviewer token (base64)", reviewer_token.clone()),
        ("cluster token", sandbox.kube_token()),
    ] {
        assert!(
            !state_file.contains(&secret),
            "{ctx}: the {what} is in terraform.tfstate"
        );
    }

    // kubectl sees what the bootstrap made.
    let (code, out, err) = sandbox.kubectl(&["get", "applications", "-n", "argocd"]);
    assert_eq!(code, 0, "{ctx}: kubectl get: {err}");
    assert!(
        out.contains("ff-wm-prod"),
        "{ctx}: kubectl get applications:\n{out}"
    );

    // Import by key equals the applied state.
    let imported_dir = Workdir::new(tf, &main_tf, common::env(&sandbox));
    imported_dir
        .import("ff_platform_bootstrap.this", "WM-Prod")
        .ok();
    let imported = imported_dir.resource("ff_platform_bootstrap.this");
    assert_same_attributes(&format!("{ctx}: import by key"), &applied, &imported);
    imported_dir.assert_plan_empty(&format!("{ctx}: after import"));

    // Drift: an object edited with kubectl, another deleted with kubectl.
    let (code, _, err) = sandbox.kubectl(&[
        "-n",
        "wm-prod",
        "patch",
        "configmap",
        "ff-deployment",
        "--type",
        "merge",
        "-p",
        r#"{"data":{"vault_address":"http://elsewhere:8200"}}"#,
    ]);
    assert_eq!(code, 0, "{ctx}: kubectl patch: {err}");
    let (code, _, err) = sandbox.kubectl(&[
        "-n",
        "ingress-nginx",
        "delete",
        "deployment",
        "ingress-nginx-controller",
    ]);
    assert_eq!(code, 0, "{ctx}: kubectl delete: {err}");
    let plan = dir.assert_plan_changes(&format!("{ctx}: after drift"));
    plan.contains(&[
        "drifted",
        "apps/v1/Deployment/ingress-nginx/ingress-nginx-controller",
    ]);
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after correcting drift"));
    let held = sandbox.kube_objects();
    assert_ne!(
        held["/configmaps/wm-prod/ff-deployment"]["data"]["vault_address"], "http://elsewhere:8200",
        "{ctx}: the edit was corrected"
    );
    assert!(
        held.contains_key("apps/deployments/ingress-nginx/ingress-nginx-controller"),
        "{ctx}: recreated"
    );

    // Destroy leaves nothing.
    dir.destroy().ok();
    let left = sandbox.kube_objects_of("WM-Prod");
    assert!(
        left.is_empty(),
        "{ctx}: objects of the deployment remain: {left:?}"
    );
    let corefile = sandbox.kube_objects()["/configmaps/kube-system/coredns"]["data"]["Corefile"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !corefile.contains("corp.example") && corefile.contains("forward . /etc/resolv.conf"),
        "{ctx}: Corefile restored:\n{corefile}"
    );
    let auth = sandbox.vault("GET", "sys/auth", None);
    assert!(
        auth.body["data"].get("kubernetes-wm-prod/").is_none(),
        "{ctx}: the auth method remains: {auth:?}"
    );
    assert_eq!(dir.resource("ff_platform_bootstrap.this"), Value::Null);
}

#[test]
fn platform_bootstrap_lifecycle_with_every_terraform() {
    for tf in terraforms() {
        lifecycle(&tf);
    }
}
