//! Secret hygiene of the whole local example (`examples/local`: a deployment, its Auth0
//! setup and its platform bootstrap) with the provider logging in to Vault by JWT: every
//! secret the sandbox or OpenBao issued or the provider generated — Vault tokens (root and
//! login, from OpenBao's raw audit log),
//! generated secrets, the Grafana service-account token, Auth0 client secrets, the
//! management client's secret and its Management API tokens, the cluster's token, the
//! reviewer service account's token, the Git password, the JWT, the Grafana admin
//! password — is looked for in the state files, `terraform show -json` of a saved plan
//! and of the state, terraform's output and every `TF_LOG=TRACE` log (core and provider)
//! of apply, plan and destroy. None may appear: nothing the example uses is sensitive by
//! design (see docs/guides/security-model.md).

use base64::Engine;
use ff_e2e::jwt::{RsaKey, set_up_vault, tfc_claims};
use ff_e2e::openbao::{OpenBao, Options};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::{Run, Workdir};
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

const OVERRIDE: &str = r#"
provider "ff" {
  vault {
    auth_login_jwt {
      role = "tfc"
    }
  }
}
"#;

/// Keys under which Vault holds secret values (other keys, such as `client_id` or
/// `domain`, are identifiers that the state may show).
const SECRET_KEYS: &[&str] = &["value", "password", "client_secret", "token", "key"];

/// A secret and where it came from, for messages that never print it.
struct Secret {
    what: String,
    value: String,
}

fn strings_under(value: &Value, keys: &[&str], what: &str, out: &mut Vec<Secret>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if keys.contains(&k.as_str()) && s.len() >= 8 => {
                        out.push(Secret {
                            what: format!("{what}.{k}"),
                            value: s.clone(),
                        })
                    }
                    _ => strings_under(v, keys, &format!("{what}.{k}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                strings_under(v, keys, &format!("{what}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Every secret the sandbox holds now, and those it printed at start.
fn secrets_of(sandbox: &Sandbox, jwt: &str) -> Vec<Secret> {
    let state = sandbox.state();
    let mut out = Vec::new();
    let vault = &state["vault"];
    // Every token OpenBao issued (the root token, the provider's JWT logins) and every token
    // a request carried, from its raw audit log.
    let mut tokens = std::collections::BTreeMap::new();
    for line in sandbox.bao().audit_log().lines() {
        let Ok(entry) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let path = entry["request"]["path"].as_str().unwrap_or("?").to_string();
        if let Some(issued) = entry["response"]["auth"]["client_token"].as_str() {
            tokens
                .entry(issued.to_string())
                .or_insert(format!("Vault token (issued by {path})"));
        }
        if let Some(used) = entry["request"]["client_token"].as_str() {
            tokens
                .entry(used.to_string())
                .or_insert(format!("Vault token (used on {path})"));
        }
    }
    for (value, what) in tokens {
        out.push(Secret { what, value });
    }
    // Every version of every KV secret (the provider generated or copied them there).
    for (mount, paths) in vault["kv"].as_object().into_iter().flatten() {
        for (path, secret) in paths.as_object().into_iter().flatten() {
            strings_under(
                &secret["versions"],
                SECRET_KEYS,
                &format!("Vault KV {mount}{path}"),
                &mut out,
            );
        }
    }
    strings_under(&state["grafana"], &["key", "password"], "Grafana", &mut out);
    strings_under(
        &state["auth0"],
        &["client_secret", "access_token"],
        "Auth0",
        &mut out,
    );
    strings_under(&state["entra"], &["client_secret"], "Entra ID", &mut out);
    // Service-account tokens in the cluster, as stored (base64) and decoded.
    for (id, object) in sandbox.kube_objects() {
        if object["type"] == "kubernetes.io/service-account-token"
            && let Some(encoded) = object["data"]["token"].as_str()
        {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            for (form, value) in [("base64", encoded.to_string()), ("decoded", decoded)] {
                out.push(Secret {
                    what: format!("Kubernetes {id} token ({form})"),
                    value,
                });
            }
        }
    }
    for (what, value) in [
        ("Kubernetes admin token", sandbox.kube_token()),
        ("Vault root token (OpenBao's)", sandbox.vault_token()),
        (
            "Auth0 management secret (endpoints)",
            sandbox.auth0_client_secret(),
        ),
        (
            "Grafana admin password",
            sandbox.endpoints["grafana"]["password"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ),
        ("the workload identity JWT", jwt.to_string()),
    ] {
        out.push(Secret {
            what: what.to_string(),
            value,
        });
    }
    out.retain(|s| s.value.len() >= 8);
    out
}

fn traced(dir: &Workdir, args: &[&str], log: &str) -> Run {
    let path = dir.file(log).display().to_string();
    dir.run_with_env(args, &[("TF_LOG", "TRACE"), ("TF_LOG_PATH", path.as_str())])
        .ok()
}

fn hygiene(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    // OpenBao writes a raw audit log: every token it issued or was shown is in it.
    let sandbox = Sandbox::start_in_front_of(OpenBao::start_with(Options { audit: true }), &[]);
    sandbox.set_auth0_rate_limit(0.0, 0);
    let key = RsaKey::generate();
    set_up_vault(&sandbox, &key, "tfc", "10m");
    let jwt = key.sign(&tfc_claims("wm-prod"));
    let mut env: Vec<(String, String)> = sandbox
        .local_example_env("WM-Prod")
        .into_iter()
        .filter(|(name, _)| name != "VAULT_TOKEN")
        .collect();
    env.push(("TFC_WORKLOAD_IDENTITY_TOKEN".into(), jwt.clone()));
    let dir = Workdir::from_repo(
        tf,
        "examples/local",
        &[("examples/local/ff_override.tf", OVERRIDE)],
        env,
    );

    let mut outputs = vec![
        traced(
            &dir,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            "apply.log",
        )
        .output(),
    ];
    // A saved plan (it refreshes every resource), shown as JSON.
    outputs.push(
        traced(
            &dir,
            &[
                "plan",
                "-input=false",
                "-no-color",
                "-var=deployment_key=WM-Prod",
                "-out=change.tfplan",
            ],
            "plan.log",
        )
        .output(),
    );
    let plan_json = dir.run(&["show", "-json", "change.tfplan"]).ok().stdout;
    assert!(
        serde_json::from_str::<Value>(&plan_json).is_ok_and(|p| p["planned_values"].is_object()),
        "{ctx}: the saved plan shows as JSON"
    );
    let state_json = dir.run(&["show", "-json"]).ok().stdout;
    let state_file = dir.read("terraform.tfstate");
    let secrets = secrets_of(&sandbox, &jwt);
    let count = |prefix: &str| {
        secrets
            .iter()
            .filter(|s| s.what.starts_with(prefix))
            .count()
    };
    assert!(
        count("Vault token") >= 2
            && count("Vault KV") >= 6
            && count("Grafana.") >= 1
            && count("Auth0.") >= 4
            && count("Kubernetes ") >= 3,
        "{ctx}: every kind of secret was collected: {:?}",
        secrets.iter().map(|s| &s.what).collect::<Vec<_>>()
    );
    assert!(
        secrets.iter().any(|s| s.what.contains("auth/jwt/login")),
        "{ctx}: the provider's login token is among them"
    );
    eprintln!(
        "{ctx}: {} secrets: {:?}",
        secrets.len(),
        secrets.iter().map(|s| s.what.as_str()).collect::<Vec<_>>()
    );
    outputs.push(
        traced(
            &dir,
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
            "destroy.log",
        )
        .output(),
    );

    let logs: Vec<(String, String)> = ["apply.log", "plan.log", "destroy.log"]
        .iter()
        .map(|name| (format!("TF_LOG {name}"), dir.read(name)))
        .collect();
    // The logs are real TRACE logs with the provider's own lines in them.
    assert!(
        logs[0].1.contains("logged in to Vault with a JWT")
            && logs[0].1.contains("[TRACE]")
            && logs[0].1.len() > 100_000,
        "{ctx}: the apply's TRACE log holds the provider's lines ({} bytes)",
        logs[0].1.len()
    );
    let mut places = logs;
    places.extend([
        ("terraform.tfstate after apply".to_string(), state_file),
        (
            "terraform.tfstate after destroy".to_string(),
            dir.read("terraform.tfstate"),
        ),
        (
            "terraform.tfstate.backup".to_string(),
            dir.read("terraform.tfstate.backup"),
        ),
        ("show -json change.tfplan".to_string(), plan_json),
        ("show -json (state)".to_string(), state_json),
        ("terraform's output".to_string(), outputs.join("\n")),
    ]);
    for (place, text) in &places {
        assert!(!text.is_empty(), "{ctx}: {place} is empty");
        for secret in &secrets {
            assert!(
                !text.contains(&secret.value),
                "{ctx}: {} appears in {place}",
                secret.what
            );
        }
    }
}

#[test]
fn no_secret_of_the_local_example_in_state_plan_or_logs() {
    for tf in terraforms() {
        hygiene(&tf);
    }
}
