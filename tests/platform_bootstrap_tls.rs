//! ff_platform_bootstrap's `tls` block through a real terraform: without `ingress`, or with
//! bad names, validation fails on the attribute → a missing (or incomplete)
//! certificate in Vault fails the apply naming the Vault path and the field → with the
//! certificate and key in Vault, the saved plan lists the TLS Secret and the apply puts it in
//! the ingress controller's namespace and makes it the controller's default certificate →
//! empty plan → a new certificate in Vault shows as an update that applies it → the Secret
//! deleted in the cluster shows and is restored → import by key equals the applied state →
//! destroy removes the Secret. The key (and the certificate) never appear in the state, the
//! saved plan's `terraform show -json` or the `TF_LOG=TRACE` logs.
//!
//! The certificate and key are PEM-shaped stand-ins (the provider checks their shape, not
//! their cryptography).

#[path = "platform_bootstrap_common.rs"]
mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ff_e2e::check::assert_same_attributes;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const SECRET_ID: &str = "v1/Secret/ingress-nginx/ff-wm-prod-tls";
const SECRET_KEY: &str = "/secrets/ingress-nginx/ff-wm-prod-tls";
const DEPLOYMENT_KEY: &str = "apps/deployments/ingress-nginx/ingress-nginx-controller";
const DEFAULT_CERT_ARG: &str = "--default-ssl-certificate=ingress-nginx/ff-wm-prod-tls";
const VAULT_PATH: &str = "deployments/WM-Prod/tls";

/// A PEM block with a body unique to `tag`.
fn pem(label: &str, tag: &str) -> String {
    let body = STANDARD.encode(format!("ff-e2e {label} {tag} {}", "x".repeat(40)));
    format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
}

/// The body line of a PEM block (what a leak would show).
fn pem_body(pem: &str) -> String {
    pem.lines().nth(1).unwrap_or_default().to_string()
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_tls(sandbox: &Sandbox, data: Value) {
    let written = sandbox.vault(
        "POST",
        "deployments/data/WM-Prod/tls",
        Some(json!({ "data": data })),
    );
    assert_eq!(written.status, 200, "{written:?}");
}

/// The full bootstrap of common::config with a `tls` block.
fn config(sandbox: &Sandbox) -> String {
    let base = common::config(sandbox, "WM-Prod", None);
    let with_tls = base.replacen("  rbac {", "  tls {}\n\n  rbac {", 1);
    assert_ne!(base, with_tls, "the tls block was inserted");
    with_tls
}

fn controller_args(held: &serde_json::Map<String, Value>) -> Vec<String> {
    held[DEPLOYMENT_KEY]["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"] == "controller")
        .flat_map(|c| c["args"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect()
}

/// The Secret in the cluster holds `certificate` and `key` (base64, as Secrets do).
fn assert_secret_holds(ctx: &str, sandbox: &Sandbox, certificate: &str, key: &str) {
    let held = sandbox.kube_objects();
    let secret = &held[SECRET_KEY];
    assert_eq!(secret["type"], "kubernetes.io/tls", "{ctx}: {secret}");
    assert_eq!(
        secret["data"]["tls.crt"],
        Value::String(STANDARD.encode(certificate)),
        "{ctx}: the certificate from Vault"
    );
    assert_eq!(
        secret["data"]["tls.key"],
        Value::String(STANDARD.encode(key)),
        "{ctx}: the key from Vault"
    );
    assert_eq!(
        secret["metadata"]["labels"]["ff/deployment-key"], "WM-Prod",
        "{ctx}: labelled"
    );
    assert_eq!(
        secret["metadata"]["labels"]["app.kubernetes.io/managed-by"], "terraform-provider-ff",
        "{ctx}: labelled"
    );
}

fn tls_of(resource: &Value) -> Value {
    resource["tls"][0].clone()
}

fn tls(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    common::seed_vault(&sandbox, "WM-Prod");
    let mut dir = Workdir::new(tf, &config(&sandbox), common::env(&sandbox));
    let log_path = dir.file("trace.log");
    dir.set_env("TF_LOG", "TRACE");
    dir.set_env("TF_LOG_PATH", &log_path.display().to_string());
    let mut outputs: Vec<String> = Vec::new();

    let (cert1, key1) = (pem("CERTIFICATE", "one"), pem("PRIVATE KEY", "one"));
    let (cert2, key2) = (pem("CERTIFICATE", "two"), pem("PRIVATE KEY", "two"));

    // At validation (so at plan): tls needs ingress, and its names are checked, each error
    // on its attribute.
    let good = config(&sandbox);
    let start = good.find("  ingress {").unwrap_or_default();
    let end = start + good[start..].find("  }\n").unwrap_or_default() + 4;
    let bad = format!("{}{}", &good[..start], &good[end..]).replacen(
        "  tls {}",
        "  tls {\n    vault_secret = \"a/b\"\n    secret_name  = \"Bad_Name\"\n  }",
        1,
    );
    assert!(
        !bad.contains("ingress {") && bad.contains("Bad_Name"),
        "{bad}"
    );
    dir.write("main.tf", &bad);
    let invalid = dir.run(&["validate", "-no-color"]).failed();
    outputs.push(invalid.output());
    invalid.contains(&[
        "The ingress controller is needed",
        "Invalid secret name",
        "vault_secret = \"a/b\"",
        "Invalid Secret name",
        "secret_name = \"Bad_Name\"",
    ]);
    dir.write("main.tf", &good);

    // No secret in Vault yet: the apply fails naming the path, and nothing is applied.
    let failed = dir.try_apply().failed();
    outputs.push(failed.output());
    failed.contains(&[VAULT_PATH, "tls.crt and tls.key", "Nothing was applied"]);
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: nothing applied"
    );
    // A secret without the key: the field is named, not the content.
    write_tls(&sandbox, json!({ "tls.crt": cert1 }));
    let failed = dir.try_apply().failed();
    outputs.push(failed.output());
    let failed = failed.contains(&[VAULT_PATH, "no field tls.key"]);
    assert!(
        !failed.output().contains(&pem_body(&cert1)),
        "{ctx}: the diagnostic shows no content"
    );
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: nothing applied"
    );

    // The certificate and key in Vault: the saved plan lists the Secret; the apply makes it.
    write_tls(&sandbox, json!({ "tls.crt": cert1, "tls.key": key1 }));
    let planned = dir
        .run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .ok();
    outputs.push(planned.output());
    planned.contains(&[SECRET_ID]);
    let plan_json = dir.run(&["show", "-json", "tfplan"]).ok().output();
    assert!(
        plan_json.contains(SECRET_ID),
        "{ctx}: the saved plan lists the Secret"
    );
    outputs.push(plan_json);
    outputs.push(
        dir.run(&["apply", "-input=false", "-no-color", "tfplan"])
            .ok()
            .output(),
    );
    assert_secret_holds(&format!("{ctx}: first apply"), &sandbox, &cert1, &key1);
    let args = controller_args(&sandbox.kube_objects());
    assert!(
        args.first()
            .is_some_and(|a| a == "/nginx-ingress-controller")
            && args.iter().filter(|a| *a == DEFAULT_CERT_ARG).count() == 1,
        "{ctx}: the controller's default certificate: {args:?}"
    );
    let applied = dir.resource("ff_platform_bootstrap.this");
    let applied_tls = tls_of(&applied);
    assert_eq!(applied_tls["vault_secret"], "tls", "{ctx}: {applied_tls}");
    assert_eq!(
        applied_tls["secret_name"], "ff-wm-prod-tls",
        "{ctx}: {applied_tls}"
    );
    assert_eq!(
        applied_tls["certificate_sha256"],
        Value::String(sha256_hex(&cert1)),
        "{ctx}: the certificate's digest"
    );
    assert!(
        applied["objects"][SECRET_ID]
            .as_str()
            .is_some_and(|d| d.len() == 16),
        "{ctx}: the Secret is recorded: {}",
        applied["objects"]
    );
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    outputs.push(dir.state_file());

    // A new certificate in Vault: an update that applies it.
    write_tls(&sandbox, json!({ "tls.crt": cert2, "tls.key": key2 }));
    let rotated = dir.assert_plan_changes(&format!("{ctx}: certificate rotated in Vault"));
    outputs.push(rotated.output());
    rotated.contains(&[
        SECRET_ID,
        "drifted",
        "certificate_sha256",
        "update in-place",
    ]);
    outputs.push(dir.apply().output());
    assert_secret_holds(&format!("{ctx}: after rotation"), &sandbox, &cert2, &key2);
    assert_eq!(
        tls_of(&dir.resource("ff_platform_bootstrap.this"))["certificate_sha256"],
        Value::String(sha256_hex(&cert2)),
        "{ctx}: the new certificate's digest"
    );
    dir.assert_plan_empty(&format!("{ctx}: after rotation"));

    // The Secret deleted in the cluster: shown, and restored.
    let (code, _, err) =
        sandbox.kubectl(&["-n", "ingress-nginx", "delete", "secret", "ff-wm-prod-tls"]);
    assert_eq!(code, 0, "{ctx}: kubectl delete: {err}");
    assert!(!sandbox.kube_objects().contains_key(SECRET_KEY));
    let deleted = dir.assert_plan_changes(&format!("{ctx}: Secret deleted"));
    outputs.push(deleted.output());
    deleted.contains(&[SECRET_ID, "update in-place"]);
    outputs.push(dir.apply().output());
    assert_secret_holds(&format!("{ctx}: restored"), &sandbox, &cert2, &key2);
    dir.assert_plan_empty(&format!("{ctx}: after restoring"));
    let applied = dir.resource("ff_platform_bootstrap.this");
    let state_file = dir.state_file();
    outputs.push(state_file.clone());

    // Import by key reconstructs the tls block.
    let imported_dir = Workdir::new(tf, &config(&sandbox), common::env(&sandbox));
    imported_dir
        .import("ff_platform_bootstrap.this", "WM-Prod")
        .ok();
    let imported = imported_dir.resource("ff_platform_bootstrap.this");
    assert_same_attributes(&format!("{ctx}: import by key"), &applied, &imported);
    imported_dir.assert_plan_empty(&format!("{ctx}: after import"));
    outputs.push(imported_dir.state_file());

    // Destroy removes the Secret.
    outputs.push(dir.destroy().ok().output());
    let held = sandbox.kube_objects();
    assert!(
        !held.contains_key(SECRET_KEY),
        "{ctx}: the TLS Secret remains"
    );
    let left = sandbox.kube_objects_of("WM-Prod");
    assert!(left.is_empty(), "{ctx}: objects remain: {left:?}");

    // Neither key nor certificate anywhere Terraform keeps or logs things.
    outputs.push(std::fs::read_to_string(&log_path).unwrap_or_default());
    let everything = outputs.join("\n");
    assert!(
        everything.len() > 10_000 && everything.contains("ff_platform_bootstrap"),
        "{ctx}: the outputs and the trace log were captured"
    );
    for (what, pem) in [
        ("first key", &key1),
        ("second key", &key2),
        ("first certificate", &cert1),
        ("second certificate", &cert2),
    ] {
        for (form, text) in [("PEM", pem_body(pem)), ("base64", STANDARD.encode(pem))] {
            assert!(
                !everything.contains(&text),
                "{ctx}: the {what} ({form}) appears in the state, the plan or the logs"
            );
        }
    }
}

#[test]
fn tls_default_certificate_from_vault() {
    for tf in terraforms() {
        tls(&tf);
    }
}
