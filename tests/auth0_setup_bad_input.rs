//! Bad input to ff_auth0_tenant_setup gets a clear diagnostic at plan, pointing at the
//! block or attribute (terraform quotes the offending line), and a setup whose backends
//! are not configured fails at plan naming the missing settings.

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};

const HEADER: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
"#;

fn closed_sets_and_references(tf: &TerraformBin, sandbox: &Sandbox) {
    let config = format!(
        r#"{HEADER}
resource "ff_auth0_tenant_setup" "this" {{
  deployment_key = "WM-Prod"

  application "portal" {{
    type        = "tv"
    callbacks   = ["portal.example.com/callback"]
  }}
  application "spa" {{
    type        = "spa"
    grant_types = ["client_credentials", "magic"]
  }}

  api {{
    identifier     = "https://api.wm-prod.example.com"
    scopes         = {{ "read:orders" = "Read orders" }}
    token_lifetime = 0
  }}

  grants = {{ ghost = ["read:orders"], spa = ["write:orders"] }}
  roles  = {{ Admin = ["read:orders"] }}
}}
"#
    );
    let dir = Workdir::new(tf, &config, sandbox.provider_env());
    dir.plan().failed().contains(&[
        "Invalid application type",
        "type        = \"tv\"",
        "Invalid URL",
        "\"portal.example.com/callback\" in callbacks of application \"portal\"",
        "Invalid grant type",
        "\"magic\"",
        "Grant type not allowed for the application type",
        "Invalid token lifetime",
        "Grant for an unknown application",
        "Unknown scope",
        "\"write:orders\"",
        "Invalid role name",
    ]);
    assert!(
        dir.state_file().is_empty(),
        "nothing is recorded after a failed plan"
    );
}

fn missing_backends_are_named(tf: &TerraformBin, sandbox: &Sandbox) {
    let config = format!(
        r#"{HEADER}
resource "ff_auth0_tenant_setup" "this" {{
  deployment_key = "WM-Prod"
  application "worker" {{
    type = "non_interactive"
  }}
}}
"#
    );
    // Vault only: the Auth0 settings are missing.
    let vault_only: Vec<(String, String)> = sandbox
        .provider_env()
        .into_iter()
        .filter(|(name, _)| name.starts_with("VAULT_"))
        .collect();
    let dir = Workdir::new(tf, &config, vault_only);
    dir.plan().failed().contains(&[
        "Auth0 is not configured",
        "auth0.domain (or the environment variable AUTH0_DOMAIN)",
    ]);
    // Auth0 only: Vault, where the secrets go, is missing.
    let auth0_only: Vec<(String, String)> = sandbox
        .provider_env()
        .into_iter()
        .filter(|(name, _)| name.starts_with("AUTH0_"))
        .collect();
    let dir = Workdir::new(tf, &config, auth0_only);
    dir.plan().failed().contains(&[
        "Vault is not configured",
        "vault.address (or the environment variable VAULT_ADDR)",
    ]);
}

#[test]
fn bad_auth0_setup_input_is_refused_at_plan() {
    let sandbox = Sandbox::start();
    for tf in terraforms() {
        closed_sets_and_references(&tf, &sandbox);
        missing_backends_are_named(&tf, &sandbox);
    }
}
