//! `terraform-provider-ff`: answers `--version` and `--help`, else serves the plugin.

use std::process::ExitCode;

use ff_provider::{VERSION, logging, provider::FfProvider};

/// mimalloc instead of glibc's malloc: in an unchanged plan of 100 deployments, glibc's
/// `malloc`, `free` and their chunk coalescing took about a fifth of the provider's CPU
/// (gRPC messages, HTTP bodies and JSON trees are short-lived allocations of every size).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if let Some(arg) = std::env::args().nth(1) {
        match arg.as_str() {
            "--version" | "-v" | "version" => {
                println!("terraform-provider-ff {VERSION}");
                return ExitCode::SUCCESS;
            }
            "--help" | "-h" | "help" => {
                println!(
                    "terraform-provider-ff {VERSION}: a Terraform plugin. Declare \
                     `ff = {{ source = \"registry.terraform.io/ff/ff\" }}` in required_providers \
                     and run `terraform init` (see the README)."
                );
                return ExitCode::SUCCESS;
            }
            _ => {}
        }
    }
    if tfplugin::plugin::started_by_terraform() {
        logging::init();
    }
    tfplugin::plugin::run("terraform-provider-ff", FfProvider::new)
}
