//! The README of every module and example carries its inputs and outputs tables as
//! `cargo run -p ff-e2e --bin module-docs` generates them from `variables.tf` and
//! `outputs.tf`: this test fails when a variable or output changes and the table does not.

use ff_e2e::modules::{Module, documented_dirs, with_docs};

#[test]
fn every_readme_table_matches_its_module() {
    let dirs = documented_dirs();
    assert!(
        dirs.len() >= 8,
        "expected the modules and examples, found {dirs:?}"
    );
    let mut stale = Vec::new();
    for dir in dirs {
        let module = Module::load(&dir);
        let path = dir.join("README.md");
        let readme = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} has a README.md: {e}", module.display()));
        let expected = with_docs(&readme, &module.docs())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if expected != readme {
            stale.push(format!(
                "{}:\n--- expected generated part ---\n{}",
                path.display(),
                module.docs()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "README tables out of date; run `cargo run -p ff-e2e --bin module-docs`:\n{}",
        stale.join("\n")
    );
}
