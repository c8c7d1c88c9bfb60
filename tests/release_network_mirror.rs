//! The release's mirror tree, served over HTTPS by the sandbox's network mirror, installs the
//! provider through a CLI configuration holding only a `network_mirror`: terraform trusts
//! the sandbox's CA through `SSL_CERT_FILE` (and refuses the mirror without it), checks the
//! archive against the hashes of the mirror's version document (a mirror advertising wrong
//! hashes is refused), records the `h1:`, keeps the `zh:` of a lock entry, and
//! examples/local applies.

use std::path::Path;

use ff_e2e::release::{Release, VERSION, copy_local_example, locked_hashes, sha256_hex};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::terraforms;
use serde_json::Value;

const ADDRESS: &str = "registry.terraform.io/ff/ff";

fn cli_config(mirror_url: &str) -> String {
    format!("provider_installation {{\n  network_mirror {{\n    url = \"{mirror_url}\"\n  }}\n}}\n")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn terraform_installs_from_the_network_mirror_over_https() {
    let release = Release::build(None);
    let zip_sha = sha256_hex(&release.zip());
    let mirror_dir = release.mirror().display().to_string();
    let sandbox = Sandbox::start_with(&["--mirror-dir", &mirror_dir]);
    let url = sandbox.mirror_url();
    let ca = sandbox.ca_cert();

    // A second sandbox serving a copy of the mirror whose version document lies about
    // the hashes.
    let tampered = tempfile::tempdir().expect("temp dir");
    copy_tree(&release.mirror(), tampered.path());
    let doc_path = tampered
        .path()
        .join(format!("registry.terraform.io/ff/ff/{VERSION}.json"));
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(&doc_path).expect("doc")).expect("JSON");
    doc["archives"]["linux_amd64"]["hashes"] = serde_json::json!([
        "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        format!("zh:{}", "0".repeat(64)),
    ]);
    std::fs::write(&doc_path, doc.to_string()).expect("write");
    let liar =
        Sandbox::start_without_vault(&["--mirror-dir", &tampered.path().display().to_string()]);

    for tf in terraforms() {
        let context = format!("terraform {}", tf.version);

        // Without the CA, the mirror's certificate is not trusted.
        let untrusted = Workdir::with_cli_config(&tf, &cli_config(&url), Vec::new());
        copy_local_example(untrusted.path());
        untrusted
            .run(&["init", "-input=false", "-no-color"])
            .failed()
            .contains(&["certificate"]);

        // A mirror whose advertised hashes do not match the archive is refused.
        let lied_to = Workdir::with_cli_config(
            &tf,
            &cli_config(&liar.mirror_url()),
            vec![("SSL_CERT_FILE".into(), liar.ca_cert())],
        );
        copy_local_example(lied_to.path());
        lied_to
            .run(&["init", "-input=false", "-no-color"])
            .failed()
            .contains(&["checksum"]);

        // With the CA: installed, the h1: recorded is the release's.
        let key = format!("WM-Net{}", tf.version.replace('.', ""));
        let mut env = sandbox.local_example_env(&key);
        env.push(("SSL_CERT_FILE".into(), ca.clone()));
        let dir = Workdir::with_cli_config(&tf, &cli_config(&url), env);
        copy_local_example(dir.path());
        sandbox.clear_requests();
        dir.run(&["init", "-input=false", "-no-color"]).ok();
        assert_eq!(
            locked_hashes(&dir.read(".terraform.lock.hcl"), ADDRESS),
            vec![release.h1()],
            "{context}"
        );
        // Newer terraforms also send a HEAD for the archive before downloading it.
        let log = sandbox.requests();
        assert!(
            log.iter()
                .filter(|e| e["service"] == "mirror" && e["method"] == "HEAD")
                .all(|e| e["status"] == 200),
            "{context}: {log:?}"
        );
        let fetched: Vec<String> = log
            .iter()
            .filter(|e| e["service"] == "mirror" && e["method"] == "GET")
            .map(|e| format!("{} {} {}", e["method"], e["path"], e["status"]).replace('"', ""))
            .collect();
        assert_eq!(
            fetched,
            vec![
                "GET /registry.terraform.io/ff/ff/index.json 200".to_string(),
                format!("GET /registry.terraform.io/ff/ff/{VERSION}.json 200"),
                format!(
                    "GET /registry.terraform.io/ff/ff/terraform-provider-ff_{VERSION}_linux_amd64.zip 200"
                ),
            ],
            "{context}: terraform read the mirror as the protocol says"
        );

        // With the release's lock entry the zh: (the zip's SHA-256) is kept.
        std::fs::remove_dir_all(dir.path().join(".terraform"))
            .expect("clean after a successful init");
        let entry = std::fs::read_to_string(release.lock_entry()).expect("lock entry");
        dir.write(".terraform.lock.hcl", &entry);
        dir.run(&["init", "-input=false", "-no-color"]).ok();
        let recorded = locked_hashes(&dir.read(".terraform.lock.hcl"), ADDRESS);
        assert!(
            recorded.contains(&format!("zh:{zip_sha}")),
            "{context}: {recorded:?}"
        );

        let var = format!("-var=deployment_key={key}");
        dir.run(&["apply", "-auto-approve", "-input=false", "-no-color", &var])
            .ok()
            .contains(&[
                "Apply complete! Resources:",
                " added, 0 changed, 0 destroyed.",
            ]);
        let plan = dir.run(&[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            &var,
        ]);
        assert_eq!(plan.code, 0, "{context}: empty plan:\n{}", plan.output());
        dir.run(&[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &var,
        ])
        .ok();
    }
}
