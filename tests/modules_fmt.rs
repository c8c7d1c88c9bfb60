//! `terraform fmt -check -recursive` is clean for the modules and examples, with every
//! terraform the tests run (their formatters have differed between versions).

use ff_e2e::tools::{repo_root, terraforms};
use std::process::Command;

#[test]
fn modules_and_examples_are_formatted() {
    for tf in terraforms() {
        for dir in ["modules", "examples"] {
            let out = Command::new(&tf.path)
                .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
                .arg(repo_root().join(dir))
                .env("TF_CLI_CONFIG_FILE", "/dev/null")
                .env("CHECKPOINT_DISABLE", "1")
                .output()
                .unwrap_or_else(|e| panic!("terraform {} runs: {e}", tf.version));
            assert!(
                out.status.success(),
                "terraform {} fmt -check -recursive {dir} found unformatted files:\n{}{}",
                tf.version,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
