//! With Terraform ≥ 1.5: an `import` block brings an existing deployment under management,
//! and `plan -generate-config-out` writes a configuration that plans empty.

use ff_e2e::check::assert_same_attributes;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::terraforms;

const HEADER: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
"#;

#[test]
fn import_block_and_generated_config() {
    let newer: Vec<_> = terraforms()
        .into_iter()
        .filter(|t| t.at_least(1, 5))
        .collect();
    if newer.is_empty() {
        eprintln!(
            "FF_TERRAFORM_VERSIONS leaves out every terraform >= 1.5: import blocks are not tested"
        );
        return;
    }
    for tf in newer {
        let ctx = format!("terraform {}", tf.version);
        let sandbox = Sandbox::start();
        let existing = format!(
            "{HEADER}\nresource \"ff_deployment\" \"this\" {{\n  key = \"WM-Prod\"\n  display_name = \"WM Production\"\n  cloud = \"aws\"\n  region = \"eu-west-1\"\n  labels = {{ team = \"platform\" }}\n  generated_secrets = [\"db-password\"]\n  deletion_protection = false\n}}\n"
        );
        let original = Workdir::new(&tf, &existing, sandbox.provider_env());
        original.apply();
        let applied = original.resource("ff_deployment.this");

        let import =
            format!("{HEADER}\nimport {{\n  to = ff_deployment.this\n  id = \"WM-Prod\"\n}}\n");
        let dir = Workdir::new(&tf, &import, sandbox.provider_env());
        dir.run(&[
            "plan",
            "-input=false",
            "-no-color",
            "-generate-config-out=generated.tf",
        ])
        .ok();
        let generated = dir.read("generated.tf");
        for fragment in [
            "resource \"ff_deployment\" \"this\"",
            "key",
            "\"WM-Prod\"",
            "\"WM Production\"",
            "db-password",
            "team",
        ] {
            assert!(
                generated.contains(fragment),
                "{ctx}: generated.tf lacks {fragment:?}:\n{generated}"
            );
        }
        let plan = dir.run(&["plan", "-input=false", "-no-color"]).ok();
        assert!(
            plan.stdout
                .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
            "{ctx}: the generated configuration imports without changes:\n{}",
            plan.stdout
        );
        dir.apply();
        assert_same_attributes(
            &format!("{ctx}: import block"),
            &applied,
            &dir.resource("ff_deployment.this"),
        );
        dir.assert_plan_empty(&format!("{ctx}: after the import block"));
        original.destroy().ok();
    }
}
