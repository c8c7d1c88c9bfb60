//! Regenerates the inputs/outputs tables of the module and example READMEs from their
//! `variables.tf` and `outputs.tf`:
//!
//!     cargo run -p ff-e2e --bin module-docs            rewrite the READMEs
//!     cargo run -p ff-e2e --bin module-docs -- --check  exit 1 when one is out of date
//!
//! The test `modules_readme` runs the same comparison.

use std::process::ExitCode;

use ff_e2e::modules::{Module, documented_dirs, with_docs};

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let mut stale = Vec::new();
    for dir in documented_dirs() {
        let module = Module::load(&dir);
        let path = dir.join("README.md");
        let readme = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        let updated = match with_docs(&readme, &module.docs()) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        if updated != readme {
            stale.push(path.display().to_string());
            if !check && let Err(e) = std::fs::write(&path, updated) {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    match (check, stale.is_empty()) {
        (_, true) => {
            println!("every README's inputs and outputs are current");
            ExitCode::SUCCESS
        }
        (true, false) => {
            eprintln!("out of date (run `cargo run -p ff-e2e --bin module-docs`):");
            stale.iter().for_each(|p| eprintln!("  {p}"));
            ExitCode::FAILURE
        }
        (false, false) => {
            stale.iter().for_each(|p| println!("updated {p}"));
            ExitCode::SUCCESS
        }
    }
}
