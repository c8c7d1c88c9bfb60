//! Ten setups in one plan against a sandbox that allows the Management API 2 requests per
//! second (a Free tenant): the apply succeeds without an error (429s are paced away or
//! waited out), the next plan is empty, and its refresh makes fewer Management API
//! requests than there are Auth0 objects to read (lists are read once per provider process).

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const SETUPS: usize = 10;

fn config() -> String {
    let keys: Vec<String> = (1..=SETUPS).map(|i| format!("\"Cust-{i:02}\"")).collect();
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

resource "ff_auth0_tenant_setup" "this" {{
  for_each       = toset([{keys}])
  deployment_key = each.key

  application "portal" {{
    type      = "spa"
    callbacks = ["https://${{lower(each.key)}}.example.com/callback"]
  }}
  application "backend" {{
    type = "regular_web"
  }}
  application "worker" {{
    type = "non_interactive"
  }}

  api {{
    identifier = "https://api.${{lower(each.key)}}.example.com"
    scopes     = {{ "read:orders" = "Read orders" }}
  }}
  grants = {{ worker = ["read:orders"] }}
  roles  = {{ reader = ["read:orders"] }}
}}
"#,
        keys = keys.join(", ")
    )
}

fn management_requests(sandbox: &Sandbox) -> Vec<Value> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| {
            r["service"] == "auth0"
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/api/v2/"))
        })
        .collect()
}

fn ten_setups(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let dir = Workdir::new(tf, &config(), sandbox.provider_env());
    dir.apply();
    for i in 1..=SETUPS {
        let key = format!("Cust-{i:02}");
        assert_eq!(
            sandbox.auth0_clients_of(&key).len(),
            3,
            "{ctx}: one client per application of {key}"
        );
    }
    assert_eq!(
        sandbox.kv_secrets("deployments", "").len(),
        3 * SETUPS,
        "{ctx}: every application's credentials are in Vault"
    );
    let applied = management_requests(&sandbox);
    let limited = applied.iter().filter(|r| r["status"] == 429).count();
    eprintln!(
        "{ctx}: apply of {SETUPS} setups: {} Management API requests, {limited} answered 429",
        applied.len()
    );

    sandbox.clear_requests();
    dir.assert_plan_empty(&format!("{ctx}: after applying {SETUPS} setups"));
    let refreshed = management_requests(&sandbox);
    // Each setup reads 3 clients, an API, a grant and a role: 6 objects.
    let objects = SETUPS * 6;
    let answered: Vec<&Value> = refreshed.iter().filter(|r| r["status"] != 429).collect();
    assert!(
        answered.len() <= objects,
        "{ctx}: the refresh made {} requests for {objects} objects",
        answered.len()
    );
    eprintln!(
        "{ctx}: refresh of {SETUPS} setups: {} Management API requests for {objects} objects",
        answered.len()
    );

    sandbox.set_auth0_rate_limit(0.0, 0);
    dir.destroy().ok();
    for i in 1..=SETUPS {
        assert!(sandbox.auth0_clients_of(&format!("Cust-{i:02}")).is_empty());
    }
}

#[test]
fn ten_setups_apply_under_a_free_tenant_rate_limit() {
    for tf in terraforms() {
        ten_setups(&tf);
    }
}
