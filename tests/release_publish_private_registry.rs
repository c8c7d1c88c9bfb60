//! Publishing a signed release to a Terraform Cloud private registry (the sandbox's
//! emulation): the dry run only reads and prints the writes with the token redacted; the
//! first run makes exactly the documented requests in the documented order; a second run
//! reads and changes nothing; then terraform itself installs the published provider from
//! the private registry, verifying the signature and recording the `zh:` of the zip, and
//! applies with it.

use std::process::Output;

use ff_e2e::release::{Gpg, Release, VERSION, locked_hashes, output_text, sha256_hex, xtask};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::terraforms;
use serde_json::{Value, json};

fn publish(sandbox: &Sandbox, gpg: &Gpg, release: &Release, dry_run: bool) -> Output {
    let mut command = xtask();
    command
        .args([
            "publish",
            "--organization",
            &sandbox.tfc_organization(),
            "--hostname",
            &sandbox.tfc_hostname(),
            "--address",
            &sandbox.tfc_address(),
            "--ca-cert",
            &sandbox.ca_cert(),
        ])
        .arg("--dist")
        .arg(release.dir())
        .env("TFE_TOKEN", sandbox.tfc_token())
        .env("GNUPGHOME", gpg.home())
        .env_remove("SSL_CERT_FILE")
        .env_remove("TFE_ORGANIZATION")
        .env_remove("TFE_ADDRESS")
        .env_remove("TFE_HOSTNAME");
    if dry_run {
        command.arg("--dry-run");
    }
    command.output().expect("xtask runs")
}

/// The registry's requests as `METHOD path status`, upload links' ids elided.
fn registry_requests(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .requests()
        .iter()
        .filter(|e| e["service"] == "tfc")
        .map(|e| {
            let path = e["path"].as_str().unwrap_or_default();
            let path = if path.starts_with("/_archivist/v1/object/") {
                "/_archivist/v1/object/<id>"
            } else {
                path
            };
            format!(
                "{} {path} {}",
                e["method"].as_str().unwrap_or_default(),
                e["status"]
            )
        })
        .collect()
}

fn assert_token_not_shown(output: &Output, token: &str, context: &str) {
    let text = output_text(output);
    assert!(
        !text.contains(token),
        "{context}: the token must never be printed:\n{text}"
    );
}

#[test]
fn publishing_follows_the_documented_steps_and_is_idempotent() {
    let gpg = Gpg::throwaway();
    let release = Release::build(Some(&gpg));
    let sandbox = Sandbox::start();
    let org = sandbox.tfc_organization();
    let token = sandbox.tfc_token();
    let provider = format!("/api/v2/organizations/{org}/registry-providers/private/{org}/ff");
    let key = &gpg.key_id;

    // Dry run: reads, prints the writes, changes nothing.
    let out = publish(&sandbox, &gpg, &release, true);
    assert!(out.status.success(), "dry run:\n{}", output_text(&out));
    assert_token_not_shown(&out, &token, "dry run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for fragment in [
        format!(
            "POST {}/api/v2/organizations/{org}/registry-providers  (dry run: not sent)",
            sandbox.tfc_address()
        ),
        "Authorization: Bearer <redacted>".to_string(),
        "\"protocols\":[\"6.0\"]".to_string(),
        format!("\"key-id\":\"{key}\""),
        format!("terraform-provider-ff_{VERSION}_SHA256SUMS.sig"),
        format!("terraform-provider-ff_{VERSION}_linux_amd64.zip"),
        "dry run: 7 change(s) would be made".to_string(),
    ] {
        assert!(
            stdout.contains(&fragment),
            "dry run prints {fragment:?}:\n{stdout}"
        );
    }
    assert_eq!(
        registry_requests(&sandbox),
        vec![
            format!("GET {provider} 404"),
            format!("GET /api/registry/private/v2/gpg-keys/{org}/{key} 404"),
            format!("GET {provider}/versions/{VERSION} 404"),
            format!("GET {provider}/versions/{VERSION}/platforms/linux/amd64 404"),
        ],
        "the dry run only reads"
    );
    assert_eq!(sandbox.state()["tfc"]["providers"], json!([]));
    sandbox.clear_requests();

    // First run: the documented requests, in order.
    let out = publish(&sandbox, &gpg, &release, false);
    assert!(out.status.success(), "publish:\n{}", output_text(&out));
    assert_token_not_shown(&out, &token, "publish");
    assert_eq!(
        registry_requests(&sandbox),
        vec![
            format!("GET {provider} 404"),
            format!("POST /api/v2/organizations/{org}/registry-providers 201"),
            format!("GET /api/registry/private/v2/gpg-keys/{org}/{key} 404"),
            "POST /api/registry/private/v2/gpg-keys 201".to_string(),
            format!("GET {provider}/versions/{VERSION} 404"),
            format!("POST {provider}/versions 201"),
            "PUT /_archivist/v1/object/<id> 200".to_string(),
            "PUT /_archivist/v1/object/<id> 200".to_string(),
            format!("GET {provider}/versions/{VERSION}/platforms/linux/amd64 404"),
            format!("POST {provider}/versions/{VERSION}/platforms 201"),
            "PUT /_archivist/v1/object/<id> 200".to_string(),
        ]
    );
    let log = sandbox.requests();
    for entry in log.iter().filter(|e| e["service"] == "tfc") {
        let upload = entry["path"]
            .as_str()
            .unwrap_or_default()
            .starts_with("/_archivist/");
        assert_eq!(
            entry["authorization"],
            json!(!upload),
            "the token goes to the API, never to an upload link: {entry}"
        );
        assert_eq!(
            entry["user_agent"],
            json!(format!("terraform-provider-ff-xtask/{VERSION}"))
        );
    }

    // What the registry holds: the version with protocol 6.0 and the key, and the very
    // files of the release.
    let state = sandbox.state()["tfc"].clone();
    let version = &state["versions"][0];
    assert_eq!(version["version"], json!(VERSION));
    assert_eq!(version["protocols"], json!(["6.0"]));
    assert_eq!(version["key_id"], json!(key));
    assert_eq!(state["gpg_keys"][0]["key_id"], json!(key));
    let object = |id: &Value| state["objects"][id.as_str().unwrap_or_default()].clone();
    assert_eq!(
        object(&version["shasums"])["sha256"],
        json!(sha256_hex(&release.sha256sums()))
    );
    assert_eq!(
        object(&version["shasums_sig"])["sha256"],
        json!(sha256_hex(&release.signature()))
    );
    let platform = &state["platforms"][0];
    assert_eq!(
        (platform["os"].clone(), platform["arch"].clone()),
        (json!("linux"), json!("amd64"))
    );
    assert_eq!(platform["shasum"], json!(sha256_hex(&release.zip())));
    assert_eq!(
        object(&platform["binary"])["sha256"],
        json!(sha256_hex(&release.zip()))
    );

    // Second run: reads only, nothing changes.
    sandbox.clear_requests();
    let out = publish(&sandbox, &gpg, &release, false);
    assert!(out.status.success(), "second run:\n{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing to do"),
        "{}",
        output_text(&out)
    );
    assert_eq!(
        registry_requests(&sandbox),
        vec![
            format!("GET {provider} 200"),
            format!("GET /api/registry/private/v2/gpg-keys/{org}/{key} 200"),
            format!("GET {provider}/versions/{VERSION} 200"),
            format!("GET {provider}/versions/{VERSION}/platforms/linux/amd64 200"),
        ]
    );
    assert_eq!(
        sandbox.state()["tfc"],
        state,
        "the second run changed nothing"
    );

    // Terraform installs the published provider from the private registry.
    let host = sandbox.tfc_hostname();
    let source = format!("{host}/{org}/ff");
    for tf in terraforms() {
        let context = format!("terraform {}", tf.version);
        let mut env = sandbox.provider_env();
        env.push(("SSL_CERT_FILE".into(), sandbox.ca_cert()));
        let dir = Workdir::with_cli_config(
            &tf,
            &format!("credentials \"{host}\" {{\n  token = \"{token}\"\n}}\n"),
            env,
        );
        let key_name = format!("WM-Reg{}", tf.version.replace('.', ""));
        dir.write(
            "main.tf",
            &format!(
                r#"
terraform {{
  required_providers {{
    ff = {{ source = "{source}" }}
  }}
}}

resource "ff_deployment" "this" {{
  key                 = "{key_name}"
  cloud               = "aws"
  deletion_protection = false
}}
"#
            ),
        );
        dir.run(&["init", "-input=false", "-no-color"])
            .ok()
            .contains(&[&format!(
                "Installed {source} v{VERSION} (self-signed, key ID {key})"
            )]);
        let recorded = locked_hashes(&dir.read(".terraform.lock.hcl"), &source);
        assert!(
            recorded.contains(&format!("zh:{}", sha256_hex(&release.zip()))),
            "{context}: terraform records the zh: of the signed checksums: {recorded:?}"
        );
        assert!(
            recorded.contains(&release.h1()),
            "{context}: and the h1: {recorded:?}"
        );
        dir.apply();
        dir.assert_plan_empty(&context);
        dir.destroy().ok();
    }
}
