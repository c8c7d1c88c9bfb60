//! An application logs in to Vault, end to end: what the deployment's platform bootstrap
//! sets up for its applications works for a pod's service account.
//!
//! `ff_deployment` WM-Prod (its secrets and read policy), another deployment WM-Other, and
//! WM-Prod's `ff_platform_bootstrap` (Vault's Kubernetes auth method `kubernetes-wm-prod`,
//! configured with the sandbox cluster's address, CA and the reviewer service account's
//! token, and the role `ff-wm-prod-apps` bound to the service account `orders` of the
//! application namespace `wm-prod`) are applied. Then, as a pod would: the service account
//! `orders` is made in the sandbox's Kubernetes API and a token requested for it (`kubectl
//! create token`, the TokenRequest API that projected tokens come from), and it logs in
//! through `auth/kubernetes-wm-prod/login` of the real Vault (OpenBao), which reviews the
//! token against the sandbox's TokenReview API over HTTPS with the CA and the reviewer token
//! the bootstrap stored. The Vault token it gets reads the deployment's secrets and nothing
//! else: another deployment's secret, a write to its own and the mount table are denied.
//! Another service account of the namespace, one of another namespace and the deleted
//! account are refused at login.

use ff_e2e::sandbox::{KUBE_EXEC, Sandbox};
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

fn config() -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

provider "ff" {{}}

variable "kube_host" {{
  type = string
}}

variable "kube_ca" {{
  type = string
}}

resource "ff_deployment" "wm_prod" {{
  key                 = "WM-Prod"
  cloud               = "aws"
  generated_secrets   = ["db-password"]
  deletion_protection = false
}}

resource "ff_deployment" "wm_other" {{
  key                 = "WM-Other"
  cloud               = "aws"
  generated_secrets   = ["db-password"]
  deletion_protection = false
}}

resource "ff_platform_bootstrap" "wm_prod" {{
  deployment_key = ff_deployment.wm_prod.key
  cloud          = "aws"

  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    {KUBE_EXEC}
  }}

  vault_auth {{
    service_accounts = ["orders"]
    token_ttl        = "10m"
  }}
}}
"#
    )
}

fn env(sandbox: &Sandbox) -> Vec<(String, String)> {
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("FF_KUBE_TOKEN".into(), sandbox.kube_token()));
    env
}

/// A token for the service account `account` of `namespace`, made first when missing,
/// from the TokenRequest API (`kubectl create token`).
fn service_account_token(sandbox: &Sandbox, namespace: &str, account: &str) -> String {
    let (code, _, err) = sandbox.kubectl(&["create", "serviceaccount", account, "-n", namespace]);
    assert!(
        code == 0 || err.contains("AlreadyExists"),
        "kubectl create serviceaccount {namespace}/{account}: {err}"
    );
    let (code, out, err) = sandbox.kubectl(&["create", "token", account, "-n", namespace]);
    assert_eq!(code, 0, "kubectl create token {namespace}/{account}: {err}");
    let token = out.trim().to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT comes back");
    token
}

/// `auth/kubernetes-wm-prod/login` of the real Vault, without a Vault token.
fn login(sandbox: &Sandbox, jwt: &str) -> (u16, Value) {
    let answer = sandbox.bao().call_as(
        "",
        None,
        "POST",
        "auth/kubernetes-wm-prod/login",
        Some(json!({"role": "ff-wm-prod-apps", "jwt": jwt})),
    );
    (answer.status, answer.body)
}

fn errors(body: &Value) -> String {
    body["errors"].to_string()
}

fn application_login(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let dir = Workdir::new(tf, &config(), env(&sandbox));
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after the apply"));

    // What the bootstrap stored in Vault: the cluster's address and CA (the reviewer's
    // token is write-only: Vault says only that it is set).
    let config = sandbox.vault("GET", "auth/kubernetes-wm-prod/config", None);
    assert_eq!(config.status, 200, "{ctx}: {config:?}");
    assert_eq!(config.body["data"]["kubernetes_host"], sandbox.kube_host());
    assert_eq!(config.body["data"]["token_reviewer_jwt_set"], true, "{ctx}");

    let jwt = service_account_token(&sandbox, "wm-prod", "orders");
    sandbox.clear_requests();
    let (status, body) = login(&sandbox, &jwt);
    assert_eq!(status, 200, "{ctx}: the application's login: {body}");
    let auth = &body["auth"];
    let policies: Vec<&str> = auth["policies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        policies.contains(&"ff-wm-prod-read"),
        "{ctx}: the token carries the deployment's read policy: {policies:?}"
    );
    assert_eq!(
        auth["metadata"]["service_account_namespace"], "wm-prod",
        "{ctx}: {auth}"
    );
    assert_eq!(auth["metadata"]["service_account_name"], "orders");
    assert_eq!(auth["lease_duration"], 600, "{ctx}: token_ttl 10m");
    // OpenBao asked the sandbox's Kubernetes API, with the reviewer's bearer token.
    let reviews: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/apis/authentication.k8s.io/v1/tokenreviews")
        .collect();
    assert!(
        reviews.len() == 1 && reviews[0]["status"] == 201 && reviews[0]["authorization"] == true,
        "{ctx}: one TokenReview, authenticated, answered 201: {reviews:?}"
    );

    // The token reads the deployment's secrets, and nothing else.
    let token = auth["client_token"].as_str().expect("a client token");
    let bao = sandbox.bao();
    let own = bao.call_as(
        token,
        None,
        "GET",
        "deployments/data/WM-Prod/db-password",
        None,
    );
    assert_eq!(own.status, 200, "{ctx}: its own secret: {own:?}");
    let expected = sandbox.kv_secrets("deployments", "WM-Prod/db-password");
    assert_eq!(
        Some(&own.body["data"]["data"]),
        expected.first().map(|(_, data)| data),
        "{ctx}: the value Vault holds"
    );
    let listed = bao.call_as(token, None, "LIST", "deployments/metadata/WM-Prod", None);
    assert_eq!(
        listed.status, 200,
        "{ctx}: listing its own secrets: {listed:?}"
    );
    for (method, path, body) in [
        ("GET", "deployments/data/WM-Other/db-password", None),
        ("LIST", "deployments/metadata/WM-Other", None),
        (
            "POST",
            "deployments/data/WM-Prod/db-password",
            Some(json!({"data": {"value": "overwritten"}})),
        ),
        ("GET", "sys/mounts", None),
    ] {
        let denied = bao.call_as(token, None, method, path, body);
        assert_eq!(
            denied.status, 403,
            "{ctx}: {method} {path} with the application's token must be denied: {denied:?}"
        );
        assert!(
            errors(&denied.body).contains("permission denied"),
            "{ctx}: {method} {path}: {denied:?}"
        );
    }

    // Only the bound service account of the bound namespace logs in.
    let other_account = service_account_token(&sandbox, "wm-prod", "billing");
    let (status, body) = login(&sandbox, &other_account);
    assert!(
        status == 403 || status == 400,
        "{ctx}: another service account of the namespace is refused: {status} {body}"
    );
    assert!(
        errors(&body).contains("service account name not authorized"),
        "{ctx}: {body}"
    );
    let other_namespace = service_account_token(&sandbox, "default", "orders");
    let (status, body) = login(&sandbox, &other_namespace);
    assert!(
        status == 403 || status == 400,
        "{ctx}: the same name in another namespace is refused: {status} {body}"
    );
    assert!(
        errors(&body).contains("namespace not authorized"),
        "{ctx}: {body}"
    );
    // The review is real: once the account is gone, its token no longer logs in.
    let (code, _, err) = sandbox.kubectl(&["delete", "serviceaccount", "orders", "-n", "wm-prod"]);
    assert_eq!(code, 0, "{err}");
    let (status, body) = login(&sandbox, &jwt);
    assert!(
        status == 403 || status == 400,
        "{ctx}: the deleted account's token is refused: {status} {body}"
    );

    dir.destroy().ok();
    let auth_methods = sandbox.vault("GET", "sys/auth", None);
    assert!(
        auth_methods.body["data"]
            .get("kubernetes-wm-prod/")
            .is_none(),
        "{ctx}: destroy disabled the auth method: {}",
        auth_methods.body
    );
}

#[test]
fn an_application_logs_in_through_the_bootstraps_kubernetes_auth() {
    for tf in terraforms() {
        application_login(&tf);
    }
}
