//! Every module and example whose providers can be installed here (ff from the build, the
//! AWS provider 3.39.0 from the tools' filesystem mirror) passes `terraform init` and
//! `terraform validate` with every terraform of the run (1.0.3, 1.15.5 and the one on `PATH`
//! when it is another version). The others (azurerm, tfe, gitlab) are listed, must say in
//! their README that they were not applied here, and are checked statically by
//! `modules_static`.

use ff_e2e::modules::{Module, all_dirs};
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{repo_root, terraforms};

/// Providers `terraform init` can install on this project's machines.
const INSTALLABLE: &[&str] = &["ff", "aws"];

#[test]
fn installable_modules_and_examples_init_and_validate() {
    let root = repo_root();
    let mut validated = Vec::new();
    let mut not_installable = Vec::new();
    for dir in all_dirs() {
        let module = Module::load(&dir);
        let rel = dir
            .strip_prefix(&root)
            .unwrap_or(&dir)
            .to_string_lossy()
            .into_owned();
        if module
            .required_providers
            .iter()
            .all(|p| INSTALLABLE.contains(&p.as_str()))
        {
            validated.push(rel);
        } else {
            not_installable.push((rel, module.required_providers.clone()));
        }
    }
    for expected in [
        "modules/aws-eks-private",
        "modules/ff-aws",
        "examples/aws",
        "examples/import",
    ] {
        assert!(
            validated.iter().any(|v| v == expected),
            "{expected} should be validated; validated {validated:?}"
        );
    }
    for (rel, providers) in &not_installable {
        let readme = std::fs::read_to_string(root.join(rel).join("README.md")).unwrap_or_default();
        assert!(
            readme.contains("Not applied here") || readme.contains("**Not applied here**"),
            "{rel} needs {providers:?}, which cannot be installed here, so its README must say it was not applied here"
        );
    }
    for tf in terraforms() {
        for rel in &validated {
            let dir = Workdir::from_repo(&tf, rel, &[], Vec::new());
            dir.run(&["validate", "-no-color"])
                .ok()
                .contains(&["Success!"]);
        }
    }
    eprintln!(
        "validated {validated:?}; checked statically only: {:?}",
        not_installable.iter().map(|(r, _)| r).collect::<Vec<_>>()
    );
}
