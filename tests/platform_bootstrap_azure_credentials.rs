//! The aks authentication takes the Azure credentials azurerm takes, in azurerm's order, and
//! says what it tried when none works. Against the sandbox's Entra ID (AZURE_AUTHORITY_HOST)
//! and a test OIDC issuer (the harness's, with its discovery document and keys):
//!
//! - nothing configured: the apply fails before anything is applied, listing the four
//!   sources in order;
//! - workload identity federation (`ARM_OIDC_TOKEN_FILE_PATH`, as HCP Terraform hands the
//!   token over): refused with Entra's AADSTS70021 while the application has no federated
//!   credential for the token's issuer and subject, AADSTS700024 for an expired token,
//!   AADSTS50013 for a token signed by a key that is not the issuer's; then bootstraps, plan
//!   empty — and the token is never printed;
//! - a client certificate (`ARM_CLIENT_CERTIFICATE_PATH`, a PKCS#12 file, with
//!   `ARM_CLIENT_CERTIFICATE_PASSWORD`): a wrong password is named, an unregistered
//!   certificate refused with AADSTS700027, a registered one refreshes (plan empty);
//! - a managed identity: App Service's `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` (a wrong
//!   header refused), and IMDS with `ARM_USE_MSI=true`, each refreshing;
//! - at TRACE, neither the federated token nor a token Entra issued is logged;
//! - destroy leaves nothing; no token or secret is in the state.

use ff_e2e::oidc::{ClientCertificate, OidcIssuer};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const CONFIG: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}

provider "ff" {}

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

/// The audience Azure's workload identity federation expects.
const AZURE_AUDIENCE: &str = "api://AzureADTokenExchange";

fn control(sandbox: &Sandbox, path: &str, body: Value) {
    let answer = ureq::post(&format!("{}{path}", sandbox.control()))
        .send_json(body)
        .map(|r| r.status())
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    assert_eq!(answer, 200, "POST {path}");
}

fn azure(tf: &TerraformBin, issuer: &OidcIssuer, stranger: &OidcIssuer) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let entra = sandbox.endpoints["entra"].clone();
    let text = |pointer: &str| {
        entra
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let files = tempfile::Builder::new()
        .prefix("ff-e2e-azure-")
        .tempdir()
        .expect("temp dir");
    let token_file = files.path().join("azure-token.jwt");
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("AZURE_AUTHORITY_HOST".into(), text("/authority")));
    env.push(("ARM_TENANT_ID".into(), text("/tenant_id")));
    env.push(("ARM_CLIENT_ID".into(), text("/client_id")));
    let mut dir = Workdir::new(tf, CONFIG, env);

    // Nothing configured.
    dir.try_apply().failed().contains(&[
        "no Entra ID token could be obtained; tried, in order:",
        "1. client certificate",
        "2. client secret (ARM_CLIENT_SECRET or AZURE_CLIENT_SECRET): not configured",
        "3. workload identity federation (ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH or AZURE_FEDERATED_TOKEN_FILE): not configured",
        "4. managed identity",
        "Nothing was applied",
    ]);
    assert!(sandbox.kube_objects_of("WM-Prod").is_empty(), "{ctx}");

    // Workload identity federation, as an HCP Terraform apply hands it over.
    let workspace = "wm-prod";
    let token = issuer.token(OidcIssuer::run_claims(AZURE_AUDIENCE, workspace, "apply"));
    std::fs::write(&token_file, &token).expect("token file");
    dir.set_env(
        "ARM_OIDC_TOKEN_FILE_PATH",
        &token_file.display().to_string(),
    );
    let refused = dir.try_apply().failed().contains(&[
        "3. workload identity federation",
        "AADSTS70021: No matching federated identity record found for presented assertion.",
    ]);
    assert!(
        !refused.output().contains(&token),
        "{ctx}: the federated token was printed"
    );
    let subject = |phase: &str| {
        format!("organization:acme:project:Default Project:workspace:{workspace}:run_phase:{phase}")
    };
    for phase in ["plan", "apply"] {
        control(
            &sandbox,
            "/_sandbox/entra/federated-credentials",
            json!({"name": format!("tfc-{workspace}-{phase}"), "issuer": issuer.url(),
                   "subject": subject(phase), "audiences": [AZURE_AUDIENCE]}),
        );
    }
    let mut expired = OidcIssuer::run_claims(AZURE_AUDIENCE, workspace, "apply");
    expired["exp"] = json!(ff_e2e::jwt::now() - 3600);
    expired["nbf"] = json!(ff_e2e::jwt::now() - 4200);
    std::fs::write(&token_file, issuer.token(expired)).expect("token file");
    dir.try_apply()
        .failed()
        .contains(&["AADSTS700024: Client assertion is not within its valid time range."]);
    // Signed by another key, claiming the issuer.
    let mut forged = OidcIssuer::run_claims(AZURE_AUDIENCE, workspace, "apply");
    forged["iss"] = json!(issuer.url());
    std::fs::write(&token_file, stranger.token_claiming(forged)).expect("token file");
    dir.try_apply()
        .failed()
        .contains(&["AADSTS50013: Assertion failed signature validation."]);
    std::fs::write(&token_file, &token).expect("token file");
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: with the federated token"));
    assert!(
        sandbox
            .kube_objects()
            .contains_key("storage.k8s.io/storageclasses//managed-csi-premium"),
        "{ctx}: bootstrapped"
    );
    dir.set_env("ARM_OIDC_TOKEN_FILE_PATH", "");

    // A client certificate: a PKCS#12 file and its password, as azurerm takes it.
    let certificate = ClientCertificate::generate("pfx-password");
    dir.set_env(
        "ARM_CLIENT_CERTIFICATE_PATH",
        &certificate.pfx_path().display().to_string(),
    );
    dir.set_env("ARM_CLIENT_CERTIFICATE_PASSWORD", "not-the-password");
    let run = dir.plan();
    assert_eq!(run.code, 1, "{ctx}: {}", run.output());
    run.contains(&[
        "1. client certificate",
        "wrong ARM_CLIENT_CERTIFICATE_PASSWORD?",
    ]);
    dir.set_env("ARM_CLIENT_CERTIFICATE_PASSWORD", "pfx-password");
    let run = dir.plan();
    assert_eq!(run.code, 1, "{ctx}: {}", run.output());
    run.contains(&["AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application."]);
    control(
        &sandbox,
        "/_sandbox/entra/certificates",
        json!({"pem": certificate.certificate_pem()}),
    );
    dir.assert_plan_empty(&format!("{ctx}: with the client certificate"));
    dir.set_env("ARM_CLIENT_CERTIFICATE_PATH", "");

    // A managed identity (user-assigned: its client id in ARM_CLIENT_ID).
    dir.set_env("ARM_CLIENT_ID", &text("/managed_identity/client_id"));
    dir.set_env(
        "IDENTITY_ENDPOINT",
        &text("/managed_identity/identity_endpoint"),
    );
    dir.set_env("IDENTITY_HEADER", "not-the-header");
    let run = dir.plan();
    assert_eq!(run.code, 1, "{ctx}: {}", run.output());
    run.contains(&["4. managed identity", "401"]);
    dir.set_env(
        "IDENTITY_HEADER",
        &text("/managed_identity/identity_header"),
    );
    dir.assert_plan_empty(&format!("{ctx}: with App Service's managed identity"));
    dir.set_env("IDENTITY_ENDPOINT", "");
    dir.set_env("IDENTITY_HEADER", "");
    dir.set_env("ARM_USE_MSI", "true");
    dir.set_env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &text("/authority"));
    dir.assert_plan_empty(&format!("{ctx}: with the instance metadata service"));

    // At TRACE, with the federated token again: neither it nor a token Entra issued is
    // logged.
    dir.set_env("ARM_USE_MSI", "");
    dir.set_env("ARM_CLIENT_ID", &text("/client_id"));
    dir.set_env(
        "ARM_OIDC_TOKEN_FILE_PATH",
        &token_file.display().to_string(),
    );
    let log = files.path().join("trace.log");
    let log_path = log.display().to_string();
    let run = dir.run_with_env(
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        &[("TF_LOG", "TRACE"), ("TF_LOG_PATH", &log_path)],
    );
    assert_eq!(run.code, 0, "{ctx}: {}", run.output());
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        trace.contains("/oauth2/v2.0/token"),
        "{ctx}: the provider logged its requests"
    );
    let issued: Vec<String> = sandbox.state()["entra"]["tokens"]
        .as_object()
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    assert!(
        !trace.contains(&token),
        "{ctx}: the federated token is in the TRACE log"
    );
    for access_token in &issued {
        assert!(
            !trace.contains(access_token.as_str()),
            "{ctx}: an access token is in the TRACE log"
        );
    }

    let state = dir.state_file();
    assert!(
        !state.contains(&token),
        "{ctx}: the federated token is in the state"
    );
    let issued: Vec<String> = sandbox.state()["entra"]["tokens"]
        .as_object()
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    assert!(issued.len() >= 4, "{ctx}: tokens were issued: {issued:?}");
    for access_token in &issued {
        assert!(
            !state.contains(access_token.as_str()),
            "{ctx}: an access token is in the state"
        );
    }
    dir.destroy().ok();
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: destroyed"
    );
    assert_eq!(dir.resource("ff_platform_bootstrap.this"), Value::Null);
}

#[test]
fn aks_credentials_taken_as_azurerm_takes_them() {
    let issuer = OidcIssuer::start();
    let stranger = OidcIssuer::start();
    for tf in terraforms() {
        azure(&tf, &issuer, &stranger);
    }
}
