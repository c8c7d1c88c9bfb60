//! Publishing when things go wrong: a registry that rate-limits and fails once is retried
//! into a complete publication; a release whose signature no longer matches its checksums is
//! refused before any request; a different build of an already published version is an
//! error that changes nothing (the registry never has a version overwritten); a run
//! interrupted midway is finished by the next one, which sends only what is missing.

use std::path::Path;
use std::process::Output;

use ff_e2e::release::{Gpg, Release, VERSION, output_text, sha256_hex, xtask};
use ff_e2e::sandbox::Sandbox;
use serde_json::json;

fn publish(sandbox: &Sandbox, gpg: &Gpg, dist: &Path) -> Output {
    xtask()
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
        .arg(dist)
        .env("TFE_TOKEN", sandbox.tfc_token())
        .env("GNUPGHOME", gpg.home())
        .env_remove("SSL_CERT_FILE")
        .output()
        .expect("xtask runs")
}

fn statuses(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .requests()
        .iter()
        .filter(|e| e["service"] == "tfc")
        .map(|e| {
            let path = e["path"].as_str().unwrap_or_default();
            let last = path.rsplit('/').next().unwrap_or_default();
            let what = if path.starts_with("/_archivist/") {
                "upload"
            } else {
                last
            };
            format!(
                "{} {what} {}",
                e["method"].as_str().unwrap_or_default(),
                e["status"]
            )
        })
        .collect()
}

/// A copy of the release's top-level files whose zip has one byte changed and whose
/// SHA256SUMS lists the changed zip (so the files agree with each other but not with the
/// signature).
fn altered_copy(release: &Release, into: &Path) {
    for entry in std::fs::read_dir(release.dir())
        .expect("release dir")
        .flatten()
    {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), into.join(entry.file_name())).expect("copy");
        }
    }
    let zip = into.join(format!("terraform-provider-ff_{VERSION}_linux_amd64.zip"));
    let before = sha256_hex(&zip);
    let mut bytes = std::fs::read(&zip).expect("zip");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&zip, bytes).expect("write zip");
    let after = sha256_hex(&zip);
    let sums = into.join(format!("terraform-provider-ff_{VERSION}_SHA256SUMS"));
    let text = std::fs::read_to_string(&sums)
        .expect("sums")
        .replace(&before, &after);
    std::fs::write(&sums, text).expect("write sums");
}

#[test]
fn rate_limits_and_server_errors_are_retried() {
    let gpg = Gpg::throwaway();
    let release = Release::build(Some(&gpg));
    let sandbox = Sandbox::start_without_vault(&[]);
    sandbox.add_fault(
        json!({"service": "tfc", "method": "POST", "path": "/versions$",
        "kind": "rate_limit", "retry_after_s": 1, "times": 1}),
    );
    sandbox.add_fault(
        json!({"service": "tfc", "method": "PUT", "path": "^/_archivist/",
        "kind": "status", "status": 503, "times": 1}),
    );
    sandbox.add_fault(
        json!({"service": "tfc", "method": "GET", "path": "/platforms/",
        "kind": "status", "status": 502, "times": 1}),
    );
    let out = publish(&sandbox, &gpg, release.dir());
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("retrying"),
        "{}",
        output_text(&out)
    );
    assert_eq!(
        statuses(&sandbox),
        vec![
            "GET ff 404",
            "POST registry-providers 201",
            &format!("GET {} 404", gpg.key_id),
            "POST gpg-keys 201",
            &format!("GET {VERSION} 404"),
            "POST versions 429",
            "POST versions 201",
            "PUT upload 503",
            "PUT upload 200",
            "PUT upload 200",
            "GET amd64 502",
            "GET amd64 404",
            "POST platforms 201",
            "PUT upload 200",
        ]
    );
    let state = sandbox.state()["tfc"].clone();
    let objects = state["objects"].as_object().expect("objects");
    assert_eq!(objects.len(), 3);
    assert!(
        objects.values().all(|o| o["uploaded"] == json!(true)),
        "{state}"
    );
}

#[test]
fn a_release_whose_signature_does_not_match_is_refused_before_any_request() {
    let gpg = Gpg::throwaway();
    let release = Release::build(Some(&gpg));
    let altered = tempfile::tempdir().expect("temp dir");
    altered_copy(&release, altered.path());
    let sandbox = Sandbox::start_without_vault(&[]);
    let out = publish(&sandbox, &gpg, altered.path());
    assert!(!out.status.success(), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("signature does not verify"),
        "{}",
        output_text(&out)
    );
    assert_eq!(statuses(&sandbox), Vec::<String>::new(), "nothing was sent");
}

#[test]
fn another_build_of_a_published_version_is_an_error_that_changes_nothing() {
    let gpg = Gpg::throwaway();
    let release = Release::build(Some(&gpg));
    let sandbox = Sandbox::start_without_vault(&[]);
    let out = publish(&sandbox, &gpg, release.dir());
    assert!(out.status.success(), "{}", output_text(&out));
    let published = sandbox.state()["tfc"].clone();

    // The same version, rebuilt differently and properly signed.
    let rebuilt = tempfile::tempdir().expect("temp dir");
    altered_copy(&release, rebuilt.path());
    let sums = rebuilt
        .path()
        .join(format!("terraform-provider-ff_{VERSION}_SHA256SUMS"));
    let signature = rebuilt
        .path()
        .join(format!("terraform-provider-ff_{VERSION}_SHA256SUMS.sig"));
    let signed = gpg
        .command()
        .args(["--yes", "--local-user", &gpg.fingerprint, "--output"])
        .arg(&signature)
        .arg("--detach-sign")
        .arg(&sums)
        .output()
        .expect("gpg runs");
    assert!(signed.status.success(), "{}", output_text(&signed));

    sandbox.clear_requests();
    let out = publish(&sandbox, &gpg, rebuilt.path());
    assert!(!out.status.success(), "{}", output_text(&out));
    let text = output_text(&out);
    assert!(
        text.contains("platform linux_amd64 of 0.1.0 exists with shasum")
            && text.contains("delete the version"),
        "{text}"
    );
    assert!(
        statuses(&sandbox).iter().all(|s| s.starts_with("GET ")),
        "only reads: {:?}",
        statuses(&sandbox)
    );
    assert_eq!(sandbox.state()["tfc"], published, "nothing changed");
}

#[test]
fn a_run_interrupted_midway_is_finished_by_the_next_one() {
    let gpg = Gpg::throwaway();
    let release = Release::build(Some(&gpg));
    let sandbox = Sandbox::start_without_vault(&[]);
    // The checksum uploads go through; every attempt at the zip's upload fails.
    sandbox.add_fault(
        json!({"service": "tfc", "method": "PUT", "path": "^/_archivist/",
        "kind": "status", "status": 500, "after": 2}),
    );
    let out = publish(&sandbox, &gpg, release.dir());
    assert!(!out.status.success(), "{}", output_text(&out));
    assert!(output_text(&out).contains("500"), "{}", output_text(&out));
    let platform = &sandbox.state()["tfc"]["platforms"][0];
    assert_eq!(platform["os"], json!("linux"), "the platform was created");

    sandbox.clear_faults();
    sandbox.clear_requests();
    let out = publish(&sandbox, &gpg, release.dir());
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        statuses(&sandbox),
        vec![
            "GET ff 200".to_string(),
            format!("GET {} 200", gpg.key_id),
            format!("GET {VERSION} 200"),
            "GET amd64 200".to_string(),
            "PUT upload 200".to_string(),
        ],
        "the second run only uploads the missing zip"
    );
    let state = sandbox.state()["tfc"].clone();
    assert_eq!(
        state["objects"][state["platforms"][0]["binary"].as_str().unwrap_or_default()]["sha256"],
        json!(sha256_hex(&release.zip()))
    );
}
