//! A run as HCP Terraform makes it with dynamic provider credentials, with **no static key
//! anywhere in the environment** (no AWS key, no Vault token, no Azure secret; the AWS
//! provider's override holds endpoints only):
//!
//! - AWS: the trust side (`modules/tfc-aws-trust`: the OIDC provider and the workspace's
//!   role) is applied first by an administrator; the run then gets what HCP Terraform's agent
//!   writes — a shared config file (`AWS_CONFIG_FILE`) whose profile names the role and a web
//!   identity token file holding a JWT of a test OIDC issuer. The AWS provider 3.39 and the ff
//!   provider both exchange it with moto's STS `AssumeRoleWithWebIdentity`. Vault is reached
//!   through the JWT login with `TFC_WORKLOAD_IDENTITY_TOKEN` (the harness's Vault helpers).
//!   The sandbox's Kubernetes API verifies the EKS tokens as the EKS authenticator does: it
//!   sends the presigned GetCallerIdentity request to STS (moto's) and looks the caller up
//!   in the `aws-auth` ConfigMap. `examples/aws` is planned with plan-phase tokens and
//!   applied with apply-phase tokens, re-planned empty, and destroyed; the callers the
//!   cluster saw are the run role's sessions (moto confirms the keys are that role's); a
//!   cluster that no longer maps the role refuses the refresh;
//! - Azure: an AKS bootstrap with a federated token (`ARM_OIDC_TOKEN_FILE_PATH` and
//!   `ARM_CLIENT_ID`, as HCP Terraform hands them over) against the Entra ID emulator,
//!   whose application has the workspace's federated credentials: apply, empty plan,
//!   destroy.
//!
//! Nothing secret ends in the state: no token, no key.

use std::path::Path;

use ff_e2e::jwt::{RsaKey, set_up_vault, tfc_claims};
use ff_e2e::moto::Moto;
use ff_e2e::oidc::{OidcIssuer, write_aws_dynamic_credentials};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const REGION: &str = "eu-west-1";
const WORKSPACE: &str = "ff-wm-prod";
const VAULT_ROLE: &str = "tfc-deployments";
const ACCOUNT: &str = "123456789012";

/// Variables of the caller that a run of HCP Terraform with dynamic credentials never has.
const STATIC_KEYS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "VAULT_TOKEN",
    "ARM_CLIENT_SECRET",
    "ARM_CLIENT_CERTIFICATE_PATH",
];

/// The trust side, applied by an administrator with their own (moto's) credentials.
const TRUST: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "tfc_trust" {
  source = "../../modules/tfc-aws-trust"

  organization = "acme"
  workspaces   = { "ff-wm-prod" = "Default Project" }
  policy_arns  = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

output "role_arn" {
  value = module.tfc_trust.role_arns["ff-wm-prod"]
}
"#;

/// Test only: who the AWS provider is during the run (STS GetCallerIdentity).
const CALLER: &str = r#"# Test only: the AWS provider's identity in the run.
data "aws_caller_identity" "run" {}

output "aws_caller" {
  value = data.aws_caller_identity.run.arn
}
"#;

/// Where moto 5.2.5 differs from AWS for the cluster module (as in `example_aws`).
const MOTO_DIFFERENCES: &str = r#"# Test only: where moto differs from AWS (see tests/example_aws.rs).
resource "aws_instance" "jumpbox" {
  lifecycle {
    ignore_changes = [ami, associate_public_ip_address, vpc_security_group_ids]
  }
}

resource "aws_eks_node_group" "this" {
  lifecycle {
    ignore_changes = [scaling_config[0].desired_size, remote_access]
  }
}
"#;

/// The bootstrap's connection: moto serves no Kubernetes API, so the sandbox's stands in
/// (its address, CA and the EKS cluster name its authenticator expects). The token is still
/// presigned by the provider from the run's credentials.
fn sandbox_connection(host: &str, ca: &str, cluster_name: &str) -> String {
    format!(
        r#"# Test only: the sandbox's Kubernetes API stands in for the EKS cluster's.
resource "ff_platform_bootstrap" "this" {{
  cluster {{
    host                   = "{host}"
    cluster_ca_certificate = "{ca}"
    proxy_url              = var.proxy_url

    eks {{
      cluster_name = "{cluster_name}"
      region       = module.cluster.region
    }}
  }}
}}
"#,
        ca = ca.replace('\n', "\\n"),
    )
}

fn aws_auth(role_arn: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "aws-auth", "namespace": "kube-system"},
           "data": {"mapRoles": format!("- rolearn: {role_arn}\n  username: hcp-terraform\n  groups:\n    - system:masters\n")}})
}

fn assert_no_static_key(ctx: &str, env: &[(String, String)], override_tf: &str) {
    for (name, _) in env {
        assert!(
            !STATIC_KEYS.contains(&name.as_str()),
            "{ctx}: {name} is in the run's environment"
        );
    }
    assert!(
        !override_tf.contains("access_key") && !override_tf.contains("secret_key"),
        "{ctx}: the AWS provider's override holds a key:\n{override_tf}"
    );
}

/// Write the tokens of a run phase: the AWS web identity token file and the workload
/// identity token for Vault.
fn tokens_for(
    dir: &mut Workdir,
    issuer: &OidcIssuer,
    vault_key: &RsaKey,
    files: &Path,
    role: &str,
    phase: &str,
) {
    let aws = issuer.token(OidcIssuer::run_claims(
        "aws.workload.identity",
        WORKSPACE,
        phase,
    ));
    write_aws_dynamic_credentials(files, role, &aws);
    let mut claims = tfc_claims(WORKSPACE);
    claims["sub"] = json!(format!(
        "organization:acme:project:Default Project:workspace:{WORKSPACE}:run_phase:{phase}"
    ));
    claims["terraform_run_phase"] = json!(phase);
    dir.set_env("TFC_WORKLOAD_IDENTITY_TOKEN", &vault_key.sign(&claims));
}

fn aws(tf: &TerraformBin, moto: &Moto, issuer: &OidcIssuer) {
    let ctx = format!("terraform {}, AWS", tf.version);
    let sandbox = Sandbox::start_with(&[
        "--eks-sts-endpoint",
        &moto.url,
        "--eks-sts-authorization-header",
    ]);
    let vault_key = RsaKey::generate();
    set_up_vault(&sandbox, &vault_key, VAULT_ROLE, "1h");

    // The administrator's side: the OIDC provider and the workspace's role.
    let trust = Workdir::from_repo(
        tf,
        "examples/tfc-trust",
        &[
            ("examples/tfc-trust/main.tf", TRUST),
            (
                "examples/tfc-trust/moto_override.tf",
                &moto.provider_override(),
            ),
        ],
        Vec::new(),
    );
    trust.apply();
    let outputs = trust.run(&["output", "-json", "-no-color"]).ok();
    let outputs: Value = serde_json::from_str(&outputs.stdout).unwrap_or(Value::Null);
    let role = outputs["role_arn"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        role,
        format!("arn:aws:iam::{ACCOUNT}:role/tfc-{WORKSPACE}"),
        "{ctx}"
    );
    // The cluster admits the run role, as its creator or aws-auth would.
    let applied = sandbox.kubectl_apply(&aws_auth(&role));
    assert_eq!(applied.0, 0, "{ctx}: kubectl apply aws-auth: {}", applied.2);

    // The run's environment: what HCP Terraform gives, nothing else.
    let files = tempfile::Builder::new()
        .prefix("ff-e2e-hcp-")
        .tempdir()
        .expect("temp dir");
    let mut env: Vec<(String, String)> = sandbox
        .local_example_env("WM-Prod")
        .into_iter()
        .filter(|(name, _)| name != "VAULT_TOKEN")
        .collect();
    env.extend([
        (
            "AWS_CONFIG_FILE".to_string(),
            files.path().join("aws-config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_string(),
            files.path().join("no-credentials").display().to_string(),
        ),
        ("AWS_REGION".to_string(), REGION.to_string()),
        ("AWS_ENDPOINT_URL_STS".to_string(), moto.url.clone()),
        (
            "TF_VAR_deletion_protection".to_string(),
            "false".to_string(),
        ),
        ("TF_VAR_vault_jwt_role".to_string(), VAULT_ROLE.to_string()),
    ]);
    let provider = moto.provider_override_without_keys();
    assert_no_static_key(&ctx, &env, &provider);
    let cluster_name = sandbox.endpoints["kubernetes"]["eks"]["cluster_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // The first run's plan-phase token is there before init, as on HCP Terraform.
    write_aws_dynamic_credentials(
        files.path(),
        &role,
        &issuer.token(OidcIssuer::run_claims(
            "aws.workload.identity",
            WORKSPACE,
            "plan",
        )),
    );
    let mut dir = Workdir::from_repo(
        tf,
        "examples/aws",
        &[
            ("examples/aws/moto_override.tf", &provider),
            ("modules/aws-eks-private/moto_override.tf", MOTO_DIFFERENCES),
            ("examples/aws/hcp_test_caller.tf", CALLER),
            (
                "modules/ff-aws/sandbox_override.tf",
                &sandbox_connection(&sandbox.kube_host(), &sandbox.kube_ca(), &cluster_name),
            ),
        ],
        env,
    );

    // Plan with the plan phase's tokens, apply with the apply phase's.
    tokens_for(&mut dir, issuer, &vault_key, files.path(), &role, "plan");
    dir.run(&["plan", "-input=false", "-no-color", "-out=run.tfplan"])
        .ok();
    tokens_for(&mut dir, issuer, &vault_key, files.path(), &role, "apply");
    dir.run(&["apply", "-input=false", "-no-color", "run.tfplan"])
        .ok();

    let outputs = dir.run(&["output", "-json", "-no-color"]).ok();
    let outputs: Value = serde_json::from_str(&outputs.stdout).unwrap_or(Value::Null);
    let caller = outputs["aws_caller"]["value"].as_str().unwrap_or_default();
    assert!(
        caller.starts_with(&format!(
            "arn:aws:sts::{ACCOUNT}:assumed-role/tfc-{WORKSPACE}/"
        )),
        "{ctx}: the AWS provider 3.39 runs as the role it assumed with the web identity token: {outputs}"
    );
    let inventory = moto.inventory(REGION);
    assert_eq!(
        inventory["eks_clusters"].as_array().map(Vec::len),
        Some(1),
        "{ctx}: the AWS provider made the cluster with the run's role: {}",
        inventory["eks_clusters"]
    );
    assert!(
        sandbox
            .kube_objects()
            .contains_key("storage.k8s.io/storageclasses//gp3-encrypted"),
        "{ctx}: the platform is bootstrapped"
    );
    let logins = sandbox
        .requests()
        .iter()
        .filter(|r| r["path"] == "/v1/auth/jwt/login")
        .count();
    assert!(
        logins >= 1,
        "{ctx}: the ff provider logged in to Vault with the JWT"
    );

    // Who the cluster saw: sessions of the run role, from moto's STS.
    let callers = sandbox.state()["kubernetes"]["eks_callers"].clone();
    let callers = callers.as_array().cloned().unwrap_or_default();
    assert!(
        !callers.is_empty(),
        "{ctx}: the cluster asked STS about its callers"
    );
    for caller in &callers {
        assert_eq!(caller["canonical_arn"], role.as_str(), "{ctx}: {caller}");
        let arn = caller["arn"].as_str().unwrap_or_default();
        assert!(
            arn.starts_with(&format!(
                "arn:aws:sts::{ACCOUNT}:assumed-role/tfc-{WORKSPACE}/"
            )),
            "{ctx}: {caller}"
        );
        let key = caller["access_key_id"].as_str().unwrap_or_default();
        assert!(
            key.starts_with("ASIA"),
            "{ctx}: temporary credentials: {caller}"
        );
        assert_eq!(
            moto.caller_of(REGION, key),
            arn,
            "{ctx}: moto hands the key to the run role's session"
        );
    }

    dir.assert_plan_empty(&format!("{ctx}: after the apply"));

    // A cluster that no longer maps the role refuses the refresh.
    let applied = sandbox.kubectl_apply(&aws_auth(&format!(
        "arn:aws:iam::{ACCOUNT}:role/someone-else"
    )));
    assert_eq!(applied.0, 0, "{ctx}: {}", applied.2);
    let refused = dir.plan();
    assert_eq!(refused.code, 1, "{ctx}: {}", refused.output());
    refused.contains(&["401"]);
    let applied = sandbox.kubectl_apply(&aws_auth(&role));
    assert_eq!(applied.0, 0, "{ctx}: {}", applied.2);

    let state = dir.state_file();
    for (what, needle) in [
        ("an EKS token", "k8s-aws-v1.".to_string()),
        (
            "the web identity token",
            std::fs::read_to_string(files.path().join("aws-token.jwt")).unwrap_or_default(),
        ),
        ("a session key", "ASIA".to_string()),
    ] {
        assert!(
            !needle.is_empty() && !state.contains(&needle),
            "{ctx}: {what} is in the state"
        );
    }

    // Destroy, in the destroy run's apply phase.
    tokens_for(&mut dir, issuer, &vault_key, files.path(), &role, "apply");
    dir.destroy().ok();
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: the platform is gone"
    );
    trust.destroy().ok();
    let after = moto.inventory(REGION);
    for (kind, list) in after.as_object().into_iter().flatten() {
        if kind == "kms_keys" {
            continue;
        }
        assert_eq!(list, &json!([]), "{ctx}: moto still holds {kind}");
    }
}

const AKS: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

provider "ff" {
  vault {
    auth_login_jwt {
      role = "tfc-deployments"
    }
  }
}

variable "kube_host" {
  type = string
}

variable "kube_ca" {
  type = string
}

resource "ff_platform_bootstrap" "this" {
  deployment_key = "WM-Prod"
  cloud          = "azure"

  cluster {
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    aks {}
  }
}
"#;

fn azure(tf: &TerraformBin, issuer: &OidcIssuer) {
    let ctx = format!("terraform {}, Azure", tf.version);
    let sandbox = Sandbox::start();
    let vault_key = RsaKey::generate();
    set_up_vault(&sandbox, &vault_key, VAULT_ROLE, "1h");
    let entra = sandbox.endpoints["entra"].clone();
    let text = |field: &str| entra[field].as_str().unwrap_or_default().to_string();
    // The administrator's side: the application's federated credentials for the
    // workspace's plan and apply (what modules/tfc-azure-trust makes).
    for phase in ["plan", "apply"] {
        let answer = ureq::post(&format!("{}/_sandbox/entra/federated-credentials", sandbox.control()))
            .send_json(json!({
                "name": format!("tfc-{WORKSPACE}-{phase}"), "issuer": issuer.url(),
                "subject": format!("organization:acme:project:Default Project:workspace:{WORKSPACE}:run_phase:{phase}"),
                "audiences": ["api://AzureADTokenExchange"],
            }))
            .map(|r| r.status())
            .unwrap_or(0);
        assert_eq!(answer, 200, "{ctx}: federated credential");
    }
    let files = tempfile::Builder::new()
        .prefix("ff-e2e-hcp-azure-")
        .tempdir()
        .expect("temp dir");
    let token_file = files.path().join("tfc-azure-token");
    let write_tokens = |dir: &mut Workdir, phase: &str| {
        std::fs::write(
            &token_file,
            issuer.token(OidcIssuer::run_claims(
                "api://AzureADTokenExchange",
                WORKSPACE,
                phase,
            )),
        )
        .expect("token file");
        let mut claims = tfc_claims(WORKSPACE);
        claims["terraform_run_phase"] = json!(phase);
        dir.set_env("TFC_WORKLOAD_IDENTITY_TOKEN", &vault_key.sign(&claims));
    };
    let mut env: Vec<(String, String)> = sandbox
        .provider_env()
        .into_iter()
        .filter(|(name, _)| name != "VAULT_TOKEN")
        .collect();
    env.extend([
        ("TF_VAR_kube_host".to_string(), sandbox.kube_host()),
        ("TF_VAR_kube_ca".to_string(), sandbox.kube_ca()),
        ("AZURE_AUTHORITY_HOST".to_string(), text("authority")),
        ("ARM_TENANT_ID".to_string(), text("tenant_id")),
        ("ARM_CLIENT_ID".to_string(), text("client_id")),
        (
            "ARM_OIDC_TOKEN_FILE_PATH".to_string(),
            token_file.display().to_string(),
        ),
    ]);
    assert_no_static_key(&ctx, &env, "");
    let mut dir = Workdir::new(tf, AKS, env);
    write_tokens(&mut dir, "plan");
    dir.run(&["plan", "-input=false", "-no-color", "-out=run.tfplan"])
        .ok();
    write_tokens(&mut dir, "apply");
    dir.run(&["apply", "-input=false", "-no-color", "run.tfplan"])
        .ok();
    assert!(
        sandbox
            .kube_objects()
            .contains_key("storage.k8s.io/storageclasses//managed-csi-premium"),
        "{ctx}: bootstrapped with the federated token"
    );
    write_tokens(&mut dir, "plan");
    dir.assert_plan_empty(&format!("{ctx}: after the apply"));
    let state = dir.state_file();
    let token = std::fs::read_to_string(&token_file).unwrap_or_default();
    assert!(
        !state.contains(&token),
        "{ctx}: the federated token is in the state"
    );
    write_tokens(&mut dir, "apply");
    dir.destroy().ok();
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: destroyed"
    );
}

#[test]
fn a_run_as_hcp_terraform_makes_it_with_no_static_key() {
    let moto = Moto::start();
    let issuer = OidcIssuer::start();
    for tf in terraforms() {
        moto.reset();
        aws(&tf, &moto, &issuer);
        azure(&tf, &issuer);
    }
}
