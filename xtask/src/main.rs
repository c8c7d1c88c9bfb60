//! `cargo xtask`: the project's release tools.
//!
//! - `release`: build the release binary and write the archives, `SHA256SUMS` (signed with
//!   `--gpg-key`), the registry manifest and the filesystem/network mirror tree ([`release`]);
//! - `build`: build the release binary for this machine exactly as `release` does, and print
//!   its path (for the tests and benchmarks);
//! - `publish`: publish a release to a Terraform Cloud / Enterprise private registry,
//!   idempotently, or print what it would do with `--dry-run` ([`publish`]);
//! - `docs`: write the registry-format docs from the provider's own schema, or check that
//!   `docs/` is current with `--check` ([`docs`]);
//! - `compositions`: write the files `modules/ff-aws` and `modules/ff-azure` share from
//!   `xtask/compositions/`, or check that both are current with `--check` ([`compositions`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod compositions;
mod docs;
mod gpg;
mod hashes;
mod names;
mod platform;
mod publish;
mod release;

#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask",
    about = "Release, publishing and docs tools of terraform-provider-ff"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand, Debug)]
enum Task {
    /// Build the release binary and write the release artifacts and mirror layouts.
    Release {
        /// Output directory.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        /// Rust target triple to build (repeatable); default: this machine's platform.
        #[arg(long = "target")]
        targets: Vec<String>,
        /// Sign SHA256SUMS with this GPG key (id, fingerprint or user id in the keyring of
        /// GNUPGHOME); also writes the public key next to it.
        #[arg(long, env = "FF_GPG_KEY")]
        gpg_key: Option<String>,
    },
    /// Build the release binary for this machine as `release` does and print its path.
    Build {
        /// Keep the symbols (profiling, scripts/startup-order.py).
        #[arg(long)]
        keep_symbols: bool,
    },
    /// Publish a release to a Terraform Cloud / Enterprise private registry.
    Publish(publish::Args),
    /// Write docs/ from the provider's schema and the examples.
    Docs {
        /// Do not write: fail when docs/ differs from what would be written.
        #[arg(long)]
        check: bool,
    },
    /// Write the files modules/ff-aws and modules/ff-azure share from xtask/compositions/.
    Compositions {
        /// Do not write: fail when a composition's copy differs from what would be written.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Task::Release {
            out,
            targets,
            gpg_key,
        } => release::run(&release::Options {
            out,
            targets,
            gpg_key,
        })
        .map(|release| print_release(&release)),
        Task::Build { keep_symbols } => release::build_host(release::BuildFlags { keep_symbols })
            .map(|binary| println!("{}", binary.display())),
        Task::Publish(args) => publish::run(&args),
        Task::Docs { check } => docs::run(&release::repo_root(), check),
        Task::Compositions { check } => {
            compositions::run(&release::repo_root(), check).map_err(anyhow::Error::msg)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_release(release: &release::Release) {
    println!("terraform-provider-ff {} released:", release.version);
    println!(
        "  {:<14} {:>10}  archive, then its zh: and h1: hashes",
        "platform", "bytes"
    );
    for archive in &release.archives {
        println!(
            "  {:<14} {:>10}  {}",
            archive.platform.to_string(),
            archive.size,
            archive.name
        );
        println!("  {:<25}  {}", "", archive.zh);
        println!("  {:<25}  {}", "", archive.h1);
    }
    println!("  checksums  {}", release.sha256sums.display());
    match &release.signature {
        Some(sig) => println!("  signature  {}", sig.display()),
        None => println!("  signature  (none: pass --gpg-key to sign)"),
    }
    println!("  manifest   {}", release.manifest.display());
    println!(
        "  mirror     {} (filesystem_mirror path, or a network mirror's document root)",
        release.mirror.display()
    );
}
