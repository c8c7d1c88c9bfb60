//! `terraform-provider-ff`: answers `--version` and `--help`, else serves the plugin.

use std::process::ExitCode;

use ff_provider::{VERSION, logging, provider::FfProvider};

/// mimalloc instead of the C library's allocator: in an unchanged plan of 100 deployments,
/// glibc's `malloc`, `free` and their chunk coalescing took about a fifth of the provider's
/// CPU (gRPC messages, HTTP bodies and JSON trees are short-lived allocations of every size),
/// and musl's, which the Linux release binary is linked with, is slower still. Built with
/// `no_thp` (provider/Cargo.toml), it adds about 0.3 MiB at the handshake.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// musl's memcpy, memmove and memcmp replaced by faster ones (linked by being named).
#[cfg(all(target_env = "musl", target_arch = "x86_64"))]
use ff_memfns as _;

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
