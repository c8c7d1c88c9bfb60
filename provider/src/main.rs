//! `terraform-provider-ff`: checks how it was started, then serves the plugin over gRPC.

use std::process::ExitCode;

use ff_provider::{VERSION, logging, provider::FfProvider};

/// The go-plugin handshake cookie Terraform sets for its providers.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" | "-v" | "version" => {
                println!("terraform-provider-ff {VERSION}");
                return ExitCode::SUCCESS;
            }
            "--help" | "-h" | "help" => {
                println!("terraform-provider-ff {VERSION}: {}", usage());
                return ExitCode::SUCCESS;
            }
            _ => {}
        }
    }
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!("{}", usage());
        return ExitCode::from(1);
    }

    // SAFETY: no other thread exists yet. Diagnostics built by tf-provider attach a Rust
    // backtrace when RUST_BACKTRACE is set; users must never see one.
    unsafe {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
        // tf-provider installs its own log subscriber when this is set; ours is the one.
        std::env::remove_var("PLUGIN_LOG_FILE");
    }
    logging::init();

    // One thread: the provider's work is waiting on the network, and Terraform starts it for
    // every command, so start-up time and resident memory matter more than parallel CPU.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("terraform-provider-ff could not start its runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(tf_provider::serve("ff", FfProvider::new())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "the plugin server stopped");
            eprintln!("terraform-provider-ff stopped: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn usage() -> &'static str {
    "This is a Terraform plugin: it is started by Terraform, not run directly. Declare \
     `ff = { source = \"registry.terraform.io/ff/ff\" }` in required_providers and run \
     `terraform init` (see the README)."
}
