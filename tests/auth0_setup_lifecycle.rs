//! ff_auth0_tenant_setup lifecycle through a real terraform: apply → empty plan → the
//! sandbox holds one client per application with its credentials in Vault → import by key
//! equals the applied state → drift made through Auth0's API (a callback changed, a grant
//! scope removed, a client deleted) is planned and corrected → rotation_trigger rotates
//! every secret and Vault follows → destroy leaves nothing in Auth0 or Vault, while objects
//! that only look like the deployment's (made by hand, or another deployment's) are never
//! touched.

use ff_e2e::check::{assert_exactly_once, assert_same_attributes};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

fn config(portal_callback: &str, rotation: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

resource "ff_deployment" "this" {{
  key                 = "WM-Prod"
  cloud               = "aws"
  deletion_protection = false
}}

resource "ff_auth0_tenant_setup" "this" {{
  deployment_key   = ff_deployment.this.key
  rotation_trigger = "{rotation}"

  application "portal" {{
    type        = "spa"
    callbacks   = ["{portal_callback}"]
    logout_urls = ["https://portal.wm-prod.example.com"]
    web_origins = ["https://portal.wm-prod.example.com"]
  }}
  application "backend" {{
    type        = "regular_web"
    callbacks   = ["https://app.wm-prod.example.com/callback"]
    grant_types = ["authorization_code", "client_credentials"]
  }}
  application "worker" {{
    type = "non_interactive"
  }}

  api {{
    identifier     = "https://api.wm-prod.example.com"
    scopes         = {{ "read:orders" = "Read orders", "write:orders" = "Write orders" }}
    token_lifetime = 3600
  }}

  grants = {{
    worker  = ["read:orders", "write:orders"]
    backend = ["read:orders"]
  }}
  roles = {{
    reader = ["read:orders"]
    admin  = ["read:orders", "write:orders"]
  }}
}}
"#
    )
}

const APPS: [&str; 3] = ["backend", "portal", "worker"];

/// Every application's credentials in Vault: app → data.
fn vault_credentials(sandbox: &Sandbox) -> Vec<(String, Value)> {
    sandbox.kv_secrets("deployments", "WM-Prod/auth0/")
}

fn assert_vault_matches_auth0(sandbox: &Sandbox, context: &str) {
    let clients = sandbox.auth0_clients_of("WM-Prod");
    let credentials = vault_credentials(sandbox);
    assert_eq!(credentials.len(), APPS.len(), "{context}: {credentials:?}");
    for (path, data) in credentials {
        let app = path.rsplit('/').next().unwrap_or_default();
        let client = clients
            .iter()
            .find(|c| c["client_metadata"]["ff_application"] == app)
            .unwrap_or_else(|| panic!("{context}: no client for {path}"));
        assert_eq!(data["client_id"], client["client_id"], "{context}: {path}");
        assert_eq!(
            data["client_secret"], client["client_secret"],
            "{context}: the secret in Vault at {path} is the client's current one"
        );
        assert_eq!(data["audience"], "https://api.wm-prod.example.com");
        assert_eq!(data["domain"], json!(sandbox.auth0_domain()));
    }
}

fn assert_nothing_left(sandbox: &Sandbox, context: &str) {
    let auth0 = sandbox.auth0_state();
    assert!(
        sandbox.auth0_clients_of("WM-Prod").is_empty(),
        "{context}: clients remain: {}",
        auth0["clients"]
    );
    let servers: Vec<&Value> = auth0["resource_servers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|rs| rs["is_system"] != true)
        .collect();
    assert!(servers.is_empty(), "{context}: APIs remain: {servers:?}");
    assert_eq!(auth0["client_grants"], json!([]), "{context}");
    let others: Vec<&Value> = auth0["clients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["client_metadata"]["ff_deployment_key"] == "WM-Prod-EU")
        .collect();
    assert_eq!(
        others.len(),
        1,
        "{context}: the other deployment's client is kept"
    );
    let roles: Vec<&Value> = auth0["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["description"] != "made by hand")
        .collect();
    assert!(roles.is_empty(), "{context}: roles remain: {roles:?}");
    assert!(
        vault_credentials(sandbox).is_empty(),
        "{context}: Vault still holds credentials"
    );
}

fn lifecycle(tf: &TerraformBin) {
    let sandbox = Sandbox::start();
    let ctx = format!("terraform {}", tf.version);
    let callback = "https://portal.wm-prod.example.com/callback";
    let dir = Workdir::new(tf, &config(callback, "2024-01"), sandbox.provider_env());
    // Look-alikes: a client named like the portal but marked for another deployment, and a
    // role named like the deployment's without its mark.
    let foreign = sandbox.auth0(
        "POST",
        "/clients",
        Some(json!({"name": "ff-wm-prod-portal", "app_type": "spa",
                    "client_metadata": {"ff_deployment_key": "WM-Prod-EU", "ff_application": "portal"}})),
    );
    assert_eq!(foreign.status, 201, "{foreign:?}");
    let hand_made = sandbox.auth0(
        "POST",
        "/roles",
        Some(json!({"name": "ff-wm-prod-legacy", "description": "made by hand"})),
    );
    assert_eq!(hand_made.status, 200, "{hand_made:?}");

    // Apply, then the plan is empty.
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    let applied = dir.resource("ff_auth0_tenant_setup.this");
    assert_eq!(applied["id"], "WM-Prod");
    assert_eq!(
        applied["vault_paths"]["worker"],
        "deployments/WM-Prod/auth0/worker"
    );
    assert_eq!(
        applied["application"]["portal"]["grant_types"],
        json!(["authorization_code", "refresh_token"]),
        "{ctx}: default grant types of a SPA"
    );
    let clients = sandbox.auth0_clients_of("WM-Prod");
    let names: Vec<String> = clients
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    assert_exactly_once(
        &ctx,
        &names,
        &[
            "ff-wm-prod-portal",
            "ff-wm-prod-backend",
            "ff-wm-prod-worker",
        ],
    );
    for client in &clients {
        let app = client["client_metadata"]["ff_application"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(
            applied["client_ids"][app], client["client_id"],
            "{ctx}: {app}"
        );
    }
    let auth0 = sandbox.auth0_state();
    let roles: Vec<String> = auth0["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    assert_exactly_once(&ctx, &roles, &["ff-wm-prod-reader", "ff-wm-prod-admin"]);
    assert_eq!(auth0["client_grants"].as_array().map(Vec::len), Some(2));
    assert_vault_matches_auth0(&sandbox, &format!("{ctx}: after apply"));

    // Import by key into a fresh state equals the applied state, and plans empty.
    let imported_dir = Workdir::new(tf, &config(callback, "2024-01"), sandbox.provider_env());
    imported_dir.import("ff_deployment.this", "WM-Prod").ok();
    imported_dir
        .import("ff_auth0_tenant_setup.this", "WM-Prod")
        .ok();
    let imported = imported_dir.resource("ff_auth0_tenant_setup.this");
    assert_same_attributes(&format!("{ctx}: import by key"), &applied, &imported);
    imported_dir.assert_plan_empty(&format!("{ctx}: after import"));

    // Drift made through Auth0's API: a callback changed, a grant scope removed, a client
    // deleted.
    let portal = applied["client_ids"]["portal"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let worker = applied["client_ids"]["worker"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let backend = applied["client_ids"]["backend"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let changed = sandbox.auth0(
        "PATCH",
        &format!("/clients/{portal}"),
        Some(json!({"callbacks": ["https://evil.example.com/cb"]})),
    );
    assert_eq!(changed.status, 200, "{changed:?}");
    let grants = sandbox.auth0("GET", "/client-grants", None);
    let worker_grant = grants
        .body
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["client_id"] == worker.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{ctx}: the worker's grant: {:?}", grants.body));
    let narrowed = sandbox.auth0(
        "PATCH",
        &format!(
            "/client-grants/{}",
            worker_grant["id"].as_str().unwrap_or_default()
        ),
        Some(json!({"scope": ["read:orders"]})),
    );
    assert_eq!(narrowed.status, 200, "{narrowed:?}");
    let deleted = sandbox.auth0("DELETE", &format!("/clients/{backend}"), None);
    assert_eq!(deleted.status, 204, "{deleted:?}");

    let plan = dir
        .assert_plan_changes(&format!("{ctx}: after drift"))
        .contains(&["https://evil.example.com/cb", "write:orders", "backend"]);
    assert!(
        plan.stdout.contains("update in-place") && !plan.stdout.contains("must be replaced"),
        "{ctx}: drift is corrected in place:\n{}",
        plan.stdout
    );
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after correcting drift"));
    let corrected = dir.resource("ff_auth0_tenant_setup.this");
    assert_eq!(
        corrected["client_ids"]["portal"],
        json!(portal),
        "{ctx}: same portal client"
    );
    assert_ne!(
        corrected["client_ids"]["backend"],
        json!(backend),
        "{ctx}: the deleted client was created again"
    );
    let portal_now = sandbox.auth0("GET", &format!("/clients/{portal}"), None);
    assert_eq!(portal_now.body["callbacks"], json!([callback]), "{ctx}");
    let grants = sandbox.auth0("GET", "/client-grants", None);
    let worker_grant = grants
        .body
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["client_id"] == worker.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        worker_grant["scope"],
        json!(["read:orders", "write:orders"]),
        "{ctx}"
    );
    assert_vault_matches_auth0(&sandbox, &format!("{ctx}: after correcting drift"));

    // A changed callback updates in place; a new rotation_trigger rotates every secret.
    let before: Vec<Value> = sandbox
        .auth0_clients_of("WM-Prod")
        .iter()
        .map(|c| c["client_secret"].clone())
        .collect();
    dir.write(
        "main.tf",
        &config("https://portal.wm-prod.example.com/v2/callback", "2024-02"),
    );
    let plan = dir.assert_plan_changes(&format!("{ctx}: callback and trigger changed"));
    assert!(
        !plan.stdout.contains("must be replaced"),
        "{ctx}: in place:\n{}",
        plan.stdout
    );
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after rotation"));
    let after = sandbox.auth0_clients_of("WM-Prod");
    assert_eq!(after.len(), 3, "{ctx}: still one client per application");
    for client in &after {
        assert!(
            !before.contains(&client["client_secret"]),
            "{ctx}: {} kept its secret through a rotation",
            client["name"]
        );
    }
    assert_vault_matches_auth0(&sandbox, &format!("{ctx}: after rotation"));

    // Destroy leaves nothing of the deployment in Auth0 or Vault.
    dir.destroy().ok();
    assert_nothing_left(&sandbox, &format!("{ctx}: after destroy"));
    let untouched = sandbox.auth0(
        "GET",
        &format!(
            "/clients/{}",
            foreign.body["client_id"].as_str().unwrap_or_default()
        ),
        None,
    );
    assert_eq!(
        untouched.status, 200,
        "{ctx}: another deployment's client survives"
    );
    assert_eq!(
        untouched.body["callbacks"],
        json!([]),
        "{ctx}: and was not changed"
    );
    let role = sandbox.auth0(
        "GET",
        &format!(
            "/roles/{}",
            hand_made.body["id"].as_str().unwrap_or_default()
        ),
        None,
    );
    assert_eq!(role.status, 200, "{ctx}: a hand-made role survives");
    assert_eq!(dir.resource("ff_auth0_tenant_setup.this"), Value::Null);
}

#[test]
fn auth0_setup_lifecycle_with_every_terraform() {
    for tf in terraforms() {
        lifecycle(&tf);
    }
}
