//! From the release output alone, through a CLI configuration that holds nothing but a
//! `filesystem_mirror` (no dev_overrides), terraform installs the provider, checks it
//! against the dependency lock file, and examples/local applies against the sandbox.
//!
//! What Terraform records itself: installing from a mirror, it writes the `h1:` hash it
//! computes from the unpacked package (only registries' signed checksums give it `zh:`
//! hashes). So the test checks that `h1:` against the one the release advertises, and then
//! installs with the release's lock entry: Terraform verifies the zip against the `zh:`
//! (the zip's SHA-256) and keeps it in the lock file; a wrong `zh:` stops the install.

use ff_e2e::release::{PLATFORM, Release, VERSION, copy_local_example, locked_hashes, sha256_hex};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::terraforms;

const ADDRESS: &str = "registry.terraform.io/ff/ff";

fn cli_config(release: &Release) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
        release.mirror().display()
    )
}

fn lock_file(hashes: &[&str]) -> String {
    let mut text = format!("provider \"{ADDRESS}\" {{\n  version = \"{VERSION}\"\n  hashes = [\n");
    for hash in hashes {
        text.push_str(&format!("    \"{hash}\",\n"));
    }
    text.push_str("  ]\n}\n");
    text
}

/// Forgets the installed provider (terraform installs it again at the next init).
fn clean(dir: &Workdir) {
    let installed = dir.path().join(".terraform");
    if installed.exists() {
        std::fs::remove_dir_all(installed).expect("remove .terraform");
    }
}

#[test]
fn terraform_installs_from_the_filesystem_mirror_and_checks_the_lock_file() {
    let release = Release::build(None);

    // The artifacts: the zip, SHA256SUMS listing it and the manifest, the mirror layout.
    let zip = release.zip();
    let zip_sha = sha256_hex(&zip);
    let sums = std::fs::read_to_string(release.sha256sums()).expect("SHA256SUMS");
    assert!(
        sums.contains(&format!(
            "{zip_sha}  terraform-provider-ff_{VERSION}_{PLATFORM}.zip\n"
        )),
        "SHA256SUMS lists the zip with its checksum:\n{sums}"
    );
    let manifest = release.file(&format!("terraform-provider-ff_{VERSION}_manifest.json"));
    assert!(
        sums.contains(&format!(
            "{}  terraform-provider-ff_{VERSION}_manifest.json\n",
            sha256_hex(&manifest)
        )),
        "SHA256SUMS lists the manifest:\n{sums}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).expect("manifest")).expect("JSON");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    assert!(
        release
            .mirror_provider_dir()
            .join(format!("terraform-provider-ff_{VERSION}_{PLATFORM}.zip"))
            .is_file(),
        "packed layout"
    );
    assert!(!release.signature().exists(), "no signature without a key");
    assert_eq!(release.zh(), format!("zh:{zip_sha}"));

    let sandbox = Sandbox::start();
    for tf in terraforms() {
        let context = format!("terraform {}", tf.version);
        let key = format!("WM-Fs{}", tf.version.replace('.', ""));
        let dir =
            Workdir::with_cli_config(&tf, &cli_config(&release), sandbox.local_example_env(&key));
        copy_local_example(dir.path());

        // 1. No lock file: terraform installs from the mirror and records the h1: hash it
        //    computes from the package, which must be the one the release advertises.
        dir.run(&["init", "-input=false", "-no-color"])
            .ok()
            .contains(&[&format!("Installed {}", "ff/ff")]);
        let recorded = locked_hashes(&dir.read(".terraform.lock.hcl"), ADDRESS);
        assert_eq!(
            recorded,
            vec![release.h1()],
            "{context}: terraform's own h1: equals the release's"
        );

        // 2. The release's lock entry: both hashes; terraform verifies the zip against
        //    them and keeps the zh: (the zip's SHA-256).
        clean(&dir);
        let entry = std::fs::read_to_string(release.lock_entry()).expect("lock entry");
        dir.write(".terraform.lock.hcl", &entry);
        dir.run(&["init", "-input=false", "-no-color"]).ok();
        let recorded = locked_hashes(&dir.read(".terraform.lock.hcl"), ADDRESS);
        assert!(
            recorded.contains(&format!("zh:{zip_sha}")) && recorded.contains(&release.h1()),
            "{context}: the lock file records zh:{zip_sha} and the h1: ({recorded:?})"
        );

        // 3. Only the zh: in the lock file: it alone must match the zip, and terraform adds
        //    its h1:.
        clean(&dir);
        dir.write(
            ".terraform.lock.hcl",
            &lock_file(&[&format!("zh:{zip_sha}")]),
        );
        dir.run(&["init", "-input=false", "-no-color"]).ok();
        let recorded = locked_hashes(&dir.read(".terraform.lock.hcl"), ADDRESS);
        let mut expected = vec![release.h1(), format!("zh:{zip_sha}")];
        expected.sort();
        assert_eq!(recorded, expected, "{context}");

        // 4. A zh: that is not the zip's: the install is refused.
        clean(&dir);
        let wrong = format!("zh:{}", "0".repeat(64));
        dir.write(".terraform.lock.hcl", &lock_file(&[&wrong]));
        dir.run(&["init", "-input=false", "-no-color"])
            .failed()
            .contains(&["checksum"]);

        // examples/local applies with the installed provider.
        clean(&dir);
        dir.write(".terraform.lock.hcl", &entry);
        dir.run(&["init", "-input=false", "-no-color"]).ok();
        let apply = dir.run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &format!("-var=deployment_key={key}"),
        ]);
        let apply = apply.ok();
        assert!(
            apply.stdout.contains("Apply complete! Resources:")
                && apply.stdout.contains(" added, 0 changed, 0 destroyed."),
            "{context}: {}",
            apply.stdout
        );
        let plan = dir.run(&[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            &format!("-var=deployment_key={key}"),
        ]);
        assert_eq!(plan.code, 0, "{context}: empty plan:\n{}", plan.output());
        assert!(
            !sandbox
                .kv_secrets("deployments", &format!("{key}/"))
                .is_empty(),
            "{context}: the deployment is in the sandbox's Vault"
        );
        dir.run(&[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &format!("-var=deployment_key={key}"),
        ])
        .ok();
        // No dev_overrides were in play: terraform warns about them when they are.
        assert!(
            !apply.output().contains("Provider development overrides"),
            "{context}: installed, not overridden"
        );
    }
}
