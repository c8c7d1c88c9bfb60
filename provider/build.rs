//! Link-time layout of the release binary.
//!
//! Terraform starts the provider for every command, and until the handshake the process's
//! resident memory is mostly the pages of its own code that start-up touches. The kernel maps
//! file pages 64 KiB at a time around each fault, so a few hundred start-up functions spread
//! over a 7 MB `.text` keep about 3 MiB resident. `startup-order.txt` lists those functions
//! (recorded by `scripts/startup-order.py`); the linker places them side by side, which brings
//! the code resident at handshake to a few hundred KiB.
//!
//! The list is only a layout hint: a name that no longer exists is skipped, and the binary is
//! the same program either way. It is passed only where it is known to be understood: a
//! release build for x86_64-unknown-linux-gnu with rustc 1.90 or newer, whose default linker
//! there is the bundled LLD, and one for x86_64-unknown-linux-musl whose flags ask for LLD
//! (`-fuse-ld=lld`, as `cargo xtask build` gives them). `FF_LINK_ORDER=0` turns it off (for
//! example with a linker of your own that does not know `--symbol-ordering-file`).

use std::env;
use std::path::Path;
use std::process::Command;

const ORDER_FILE: &str = "startup-order.txt";

fn main() {
    println!("cargo:rerun-if-changed={ORDER_FILE}");
    println!("cargo:rerun-if-env-changed=FF_LINK_ORDER");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER");

    if env::var("FF_LINK_ORDER").as_deref() == Ok("0") {
        return;
    }
    if env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    let links_with_lld = match env::var("TARGET").as_deref() {
        Ok("x86_64-unknown-linux-gnu") => !chooses_own_linker() && rustc_links_with_lld(),
        // musl binaries are linked by the C compiler driver; `cargo xtask build` has it use
        // the toolchain's LLD.
        Ok("x86_64-unknown-linux-musl") => asks_for_lld(),
        _ => false,
    };
    if !links_with_lld {
        return;
    }
    let Ok(dir) = env::var("CARGO_MANIFEST_DIR") else {
        return;
    };
    let order = Path::new(&dir).join(ORDER_FILE);
    if !order.is_file() {
        return;
    }
    println!(
        "cargo:rustc-link-arg-bin=terraform-provider-ff=-Wl,--symbol-ordering-file={}",
        order.display()
    );
    // Names from another compiler version or an older recording are expected to be missing.
    println!("cargo:rustc-link-arg-bin=terraform-provider-ff=-Wl,--no-warn-symbol-ordering");
}

/// Whether the build names a linker or linker features of its own (flags or the environment;
/// a linker set in a Cargo config file is not visible here: use `FF_LINK_ORDER=0`).
fn chooses_own_linker() -> bool {
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    flags
        .split('\x1f')
        .any(|flag| flag.contains("linker") || flag.contains("fuse-ld"))
        || env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some()
}

/// Whether the flags have the C compiler driver link with LLD (`-fuse-ld=lld`), and no other
/// linker is named.
fn asks_for_lld() -> bool {
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    flags
        .split('\x1f')
        .any(|flag| flag == "link-arg=-fuse-ld=lld")
        && env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER").is_none()
}

/// Whether the compiler running this build links x86_64-unknown-linux-gnu binaries with its
/// bundled LLD by default: true from rustc 1.90.
fn rustc_links_with_lld() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let Ok(out) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let Some(version) = text.split_whitespace().nth(1) else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => major > 1 || (major == 1 && minor >= 90),
        _ => false,
    }
}
