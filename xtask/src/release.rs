//! `cargo xtask release`: the release artifacts of the provider, in the layouts Terraform
//! installs from.
//!
//! In the output directory (default `dist/`):
//!
//! ```text
//! terraform-provider-ff_VERSION_OS_ARCH.zip      one per platform, holding terraform-provider-ff_vVERSION
//! terraform-provider-ff_VERSION_manifest.json    copy of terraform-registry-manifest.json
//! terraform-provider-ff_VERSION_SHA256SUMS       the zips and the manifest
//! terraform-provider-ff_VERSION_SHA256SUMS.sig   detached binary GPG signature (with --gpg-key)
//! terraform-provider-ff_VERSION_signing-key.asc  the public key that verifies it (with --gpg-key)
//! terraform-provider-ff_VERSION_lock.hcl         a dependency-lock entry with h1: and zh: of every zip
//! mirror/registry.terraform.io/ff/ff/
//!     terraform-provider-ff_VERSION_OS_ARCH.zip  packed filesystem-mirror layout …
//!     index.json, VERSION.json                   … which is also a network mirror's static tree
//! ```
//!
//! The mirror directory is at once a `filesystem_mirror` (Terraform ignores the JSON files
//! next to the zips) and the document tree of the provider network mirror protocol
//! (<https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol>),
//! the same layout `terraform providers mirror` writes. Releases of several versions into
//! one directory accumulate: `index.json` lists every version document present.
//!
//! The zips are reproducible (fixed timestamps and permissions), so the hashes depend only
//! on the binaries.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;

use crate::hashes;
use crate::names;
use crate::platform::Platform;

/// What to build and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The output directory.
    pub out: PathBuf,
    /// Rust target triples; empty: the machine's own platform.
    pub targets: Vec<String>,
    /// Sign `SHA256SUMS` with this GPG key.
    pub gpg_key: Option<String>,
}

/// One platform's archive.
#[derive(Debug, Clone)]
pub struct Archive {
    /// Its platform.
    pub platform: Platform,
    /// Where it is.
    pub path: PathBuf,
    /// File name.
    pub name: String,
    /// `zh:` hash (SHA-256 of the zip).
    pub zh: String,
    /// `h1:` hash (of its contents).
    pub h1: String,
    /// Size in bytes.
    pub size: u64,
}

/// What a release wrote.
#[derive(Debug, Clone)]
pub struct Release {
    /// The version released.
    pub version: String,
    /// One archive per platform.
    pub archives: Vec<Archive>,
    /// `SHA256SUMS`.
    pub sha256sums: PathBuf,
    /// Its signature, when signed.
    pub signature: Option<PathBuf>,
    /// The manifest copy.
    pub manifest: PathBuf,
    /// The mirror tree's root (the `path` of a `filesystem_mirror`, the base of a network
    /// mirror).
    pub mirror: PathBuf,
}

/// The repository root (the parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Builds and packages a release.
pub fn run(options: &Options) -> Result<Release> {
    let version = ff_provider::VERSION.to_string();
    check_version(&version)?;
    let root = repo_root();
    let manifest_source = root.join("terraform-registry-manifest.json");
    check_manifest(&manifest_source)?;

    let host = release_triple(&host_triple()?);
    let triples = if options.targets.is_empty() {
        vec![host.clone()]
    } else {
        options.targets.clone()
    };
    let target_dir = target_dir(&root)?;
    let mut binaries = Vec::new();
    for triple in &triples {
        let platform = Platform::of_triple(triple)?;
        let binary = build(&root, &target_dir, triple, &platform, BuildFlags::default())?;
        if *triple == host {
            check_reported_version(&binary, &version)?;
        }
        binaries.push((platform, binary));
    }
    package(
        &options.out,
        &version,
        &binaries,
        &manifest_source,
        options.gpg_key.as_deref(),
    )
}

/// Packages already-built binaries (one per platform) into `out`: archives, manifest,
/// checksums, signature, mirror tree and lock entry.
pub fn package(
    out: &Path,
    version: &str,
    binaries: &[(Platform, PathBuf)],
    manifest_source: &Path,
    gpg_key: Option<&str>,
) -> Result<Release> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut archives = Vec::new();
    for (platform, binary) in binaries {
        archives.push(write_archive(out, version, platform, binary)?);
    }
    archives.sort_by(|a, b| a.platform.cmp(&b.platform));

    let manifest = out.join(names::manifest(version));
    fs::copy(manifest_source, &manifest).with_context(|| {
        format!(
            "cannot copy {} to {}",
            manifest_source.display(),
            manifest.display()
        )
    })?;

    let sha256sums = out.join(names::sha256sums(version));
    let mut listed: Vec<(String, String)> = archives
        .iter()
        .map(|a| (a.name.clone(), a.zh.trim_start_matches("zh:").to_string()))
        .collect();
    listed.push((names::manifest(version), sha256_file(&manifest)?));
    write(&sha256sums, sha256sums_text(listed).as_bytes())?;

    let signature = match gpg_key {
        Some(key) => {
            let signature = out.join(names::signature(version));
            crate::gpg::detach_sign(key, &sha256sums, &signature)?;
            crate::gpg::verify(&signature, &sha256sums)?;
            write(
                &out.join(names::public_key(version)),
                crate::gpg::export_public(key)?.as_bytes(),
            )?;
            Some(signature)
        }
        None => {
            // A signature of an earlier run would no longer match.
            remove_if_present(&out.join(names::signature(version)))?;
            remove_if_present(&out.join(names::public_key(version)))?;
            None
        }
    };

    let mirror = out.join(names::MIRROR_DIR);
    write_mirror(&mirror, version, &archives)?;
    write(
        &out.join(names::lock_entry(version)),
        lock_entry(version, &archives).as_bytes(),
    )?;

    Ok(Release {
        version: version.to_string(),
        archives,
        sha256sums,
        signature,
        manifest,
        mirror,
    })
}

/// `SHA256SUMS` as `sha256sum` prints it: `<hex>  <name>`, sorted by name.
fn sha256sums_text(mut entries: Vec<(String, String)>) -> String {
    entries.sort();
    entries
        .iter()
        .map(|(name, digest)| format!("{digest}  {name}\n"))
        .collect()
}

fn write_archive(out: &Path, version: &str, platform: &Platform, binary: &Path) -> Result<Archive> {
    let content =
        fs::read(binary).with_context(|| format!("cannot read the binary {}", binary.display()))?;
    let name = names::zip(version, platform);
    let path = out.join(&name);
    let entry = names::executable(version, platform);
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o755)
            .last_modified_time(zip::DateTime::default());
        zip.start_file(entry.as_str(), options)
            .context("cannot start the zip entry")?;
        zip.write_all(&content)
            .context("cannot compress the binary")?;
        zip.finish().context("cannot finish the zip")?;
    }
    let bytes = buffer.into_inner();
    write(&path, &bytes)?;
    let (zh, h1) = hashes_of_zip(&path)?;
    Ok(Archive {
        platform: platform.clone(),
        path,
        name,
        zh,
        h1,
        size: bytes.len() as u64,
    })
}

/// `(zh, h1)` of a zip file, reading the archive back (as Terraform will).
pub fn hashes_of_zip(path: &Path) -> Result<(String, String)> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let zh = hashes::zh(&bytes);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes))
        .with_context(|| format!("{} is not a readable zip", path.display()))?;
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .with_context(|| format!("{}: entry {index} is unreadable", path.display()))?;
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .with_context(|| format!("{}: cannot read {}", path.display(), entry.name()))?;
        files.push((entry.name().to_string(), content));
    }
    let h1 = hashes::h1(files.iter().map(|(n, c)| (n.as_str(), c.as_slice())))?;
    Ok((zh, h1))
}

fn write_mirror(mirror: &Path, version: &str, archives: &[Archive]) -> Result<()> {
    let dir = mirror.join(names::mirror_provider_dir());
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut documents = serde_json::Map::new();
    for archive in archives {
        let copy = dir.join(&archive.name);
        remove_if_present(&copy)?;
        if fs::hard_link(&archive.path, &copy).is_err() {
            fs::copy(&archive.path, &copy)
                .with_context(|| format!("cannot copy {} into the mirror", archive.name))?;
        }
        documents.insert(
            archive.platform.to_string(),
            json!({ "url": archive.name, "hashes": [archive.h1, archive.zh] }),
        );
    }
    let version_doc = json!({ "archives": documents });
    write(
        &dir.join(names::mirror_version_doc(version)),
        pretty(&version_doc)?.as_bytes(),
    )?;
    write(
        &dir.join("index.json"),
        pretty(&mirror_index(&dir)?)?.as_bytes(),
    )?;
    Ok(())
}

/// `{"versions": {...}}` for every `<version>.json` in the mirror's provider directory.
fn mirror_index(dir: &Path) -> Result<Value> {
    let mut versions = BTreeMap::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(version) = name.strip_suffix(".json")
            && version != "index"
            && check_version(version).is_ok()
        {
            versions.insert(version.to_string(), json!({}));
        }
    }
    Ok(json!({ "versions": versions }))
}

/// A `provider` block for `.terraform.lock.hcl` that pins every platform's zip by both
/// hashes. Terraform itself records only the `h1:` of the platform it installed when it
/// installs from a mirror; this entry, committed with a configuration, makes every
/// platform verifiable.
fn lock_entry(version: &str, archives: &[Archive]) -> String {
    let mut hashes: Vec<&str> = archives
        .iter()
        .flat_map(|a| [a.h1.as_str(), a.zh.as_str()])
        .collect();
    hashes.sort();
    let mut text = format!(
        "# Dependency-lock entry for {address} {version}: append it to the .terraform.lock.hcl of a\n\
         # configuration that installs the provider from the mirror (filesystem or network).\n\
         provider \"{address}\" {{\n  version = \"{version}\"\n  hashes = [\n",
        address = names::MIRROR_ADDRESS
    );
    for hash in hashes {
        text.push_str(&format!("    \"{hash}\",\n"));
    }
    text.push_str("  ]\n}\n");
    text
}

fn pretty(value: &Value) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hashes::sha256_hex(&bytes))
}

/// A release version: `MAJOR.MINOR.PATCH` with an optional `-prerelease` of letters,
/// digits, dots and hyphens (semantic versioning, which the private registry requires).
pub fn check_version(version: &str) -> Result<()> {
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || !p.starts_with('0'))
    };
    let pre_ok = pre.is_none_or(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    });
    if numbers.len() != 3 || !numbers.iter().all(numeric) || !pre_ok {
        bail!("{version:?} is not a semantic version such as 1.2.3 or 1.2.3-rc.1");
    }
    Ok(())
}

/// The registry manifest must declare protocol 6.0, the only one this provider speaks.
fn check_manifest(path: &Path) -> Result<()> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let manifest: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let protocols = manifest
        .pointer("/metadata/protocol_versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if manifest["version"] != json!(1) || protocols != vec![json!("6.0")] {
        bail!(
            "{} must be {{\"version\":1,\"metadata\":{{\"protocol_versions\":[\"6.0\"]}}}}: the \
             provider speaks plugin protocol 6.0 only",
            path.display()
        );
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR` and the configuration).
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    let output = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata printed invalid JSON")?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// How a release build differs from the plain one.
#[derive(Clone, Copy, Debug, Default)]
pub struct BuildFlags {
    /// Keep the symbols (for profiling and `scripts/startup-order.py`); the functions keep
    /// their names, since Cargo hashes the profile into them but not the compiler flags.
    pub keep_symbols: bool,
}

/// The compiler flags of the release binary for `triple`. On Linux the binary is linked
/// statically and not position-independent, as Go providers are: it runs on any Linux
/// whatever its C library, and the process starts without a dynamic loader or relocations.
/// Linux releases are built for musl (see [`release_triple`]); with glibc, also linked
/// statically, names resolve through `/etc/hosts` and DNS, which glibc 2.34 and later carry
/// without loadable NSS modules. A musl binary is linked with the toolchain's own LLD when
/// it has one (as glibc binaries are by default since rustc 1.90), so that `provider/build.rs`
/// can lay out the start-up code (CONTRIBUTING.md, Start-up).
pub fn release_rustflags(triple: &str, flags: BuildFlags) -> Vec<String> {
    let mut rustflags: Vec<String> = Vec::new();
    if triple.ends_with("-linux-gnu") || triple.ends_with("-linux-musl") {
        rustflags.extend(
            [
                "-C",
                "target-feature=+crt-static",
                "-C",
                "relocation-model=static",
            ]
            .map(String::from),
        );
    }
    if triple.ends_with("-linux-musl")
        && let Some(gcc_ld) = bundled_lld_dir()
    {
        rustflags.extend([
            "-C".to_string(),
            "link-arg=-fuse-ld=lld".to_string(),
            "-C".to_string(),
            format!("link-arg=-B{}", gcc_ld.display()),
        ]);
    }
    if flags.keep_symbols {
        rustflags.extend(["-C", "strip=none"].map(String::from));
    }
    rustflags
}

/// The target a release for `host` is built for. On Linux that is musl instead of glibc:
/// glibc's start-up asks the processor for its cache sizes with a few dozen `cpuid`
/// instructions, each of which traps to the hypervisor on a virtual machine (about 6 µs
/// each on the machine of CONTRIBUTING.md's figures), where musl's start-up asks none.
/// Terraform starts the provider for every command, so that is time before every handshake.
pub fn release_triple(host: &str) -> String {
    match host.strip_suffix("-unknown-linux-gnu") {
        Some(arch @ ("x86_64" | "aarch64")) => format!("{arch}-unknown-linux-musl"),
        _ => host.to_string(),
    }
}

/// The compiler's sysroot (`rustc --print sysroot`).
fn sysroot() -> Option<PathBuf> {
    let output = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    Some(PathBuf::from(text.trim())).filter(|p| p.is_dir())
}

/// The directory of the `ld.lld` that rustup's toolchains carry for C compiler drivers
/// (`<sysroot>/lib/rustlib/<host>/bin/gcc-ld`), if this toolchain has one.
fn bundled_lld_dir() -> Option<PathBuf> {
    let host = host_triple().ok()?;
    let dir = sysroot()?
        .join("lib")
        .join("rustlib")
        .join(host)
        .join("bin")
        .join("gcc-ld");
    dir.join("ld.lld").is_file().then_some(dir)
}

/// Fails, saying what to install, when the Rust standard library for `triple` or (for musl)
/// its C compiler is missing; sets `CC_<triple>` to `musl-gcc` when the caller has not
/// chosen a C compiler (crates with C code, such as ring and mimalloc, need one).
fn prepare_target(command: &mut Command, triple: &str) -> Result<()> {
    if let Some(root) = sysroot()
        && !root.join("lib").join("rustlib").join(triple).is_dir()
    {
        bail!(
            "the Rust standard library for {triple} is not installed: run `rustup target add \
             {triple}` (scripts/install-tools.sh does)"
        );
    }
    if triple.ends_with("-linux-musl") {
        let variable = format!("CC_{}", triple.replace('-', "_"));
        if std::env::var_os(&variable).is_none()
            && std::env::var_os("CC").is_none()
            && triple.split('-').next() == host_triple()?.split('-').next()
        {
            let found = Command::new("musl-gcc")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            if !found {
                bail!(
                    "building for {triple} needs musl's C compiler driver musl-gcc: install \
                     Debian's musl-tools (scripts/install-tools.sh does), or name a C compiler \
                     in {variable}"
                );
            }
            command.env(variable, "musl-gcc");
        }
    }
    Ok(())
}

/// The Rust target triple of this machine (`rustc -vV`).
pub fn host_triple() -> Result<String> {
    let output = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .context("cannot run rustc -vV")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|triple| triple.trim().to_string())
        .context("rustc -vV names no host triple")
}

/// Builds the release binary for `triple` (always with `--target`, so that the compiler
/// flags reach the binary's crates and not the build scripts and proc-macros) and returns
/// its path.
pub fn build(
    root: &Path,
    target_dir: &Path,
    triple: &str,
    platform: &Platform,
    flags: BuildFlags,
) -> Result<PathBuf> {
    eprintln!(
        "building terraform-provider-ff for {platform} (release profile; a clean fat-LTO build takes a few minutes)"
    );
    let mut command = cargo();
    command
        .args(["build", "--release", "--locked", "-p", names::BINARY])
        .args(["--target", triple])
        .current_dir(root);
    // Added to whatever flags the caller gives; CARGO_ENCODED_RUSTFLAGS wins over every other
    // way of setting them, and with --target it applies to the target's crates only.
    let mut rustflags: Vec<String> = match std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        Ok(encoded) if !encoded.is_empty() => encoded.split('\x1f').map(str::to_string).collect(),
        _ => std::env::var("RUSTFLAGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    };
    rustflags.extend(release_rustflags(triple, flags));
    prepare_target(&mut command, triple)?;
    command
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f"))
        .env_remove("RUSTFLAGS");
    let status = command.status().context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build --release failed for {platform}");
    }
    let binary = target_dir.join(triple).join("release").join(format!(
        "{}{}",
        names::BINARY,
        platform.exe_suffix()
    ));
    if !binary.is_file() {
        bail!("cargo build succeeded but {} is missing", binary.display());
    }
    Ok(binary)
}

/// `cargo xtask build`: the release binary for this machine, built as `cargo xtask release`
/// builds it; returns its path.
pub fn build_host(flags: BuildFlags) -> Result<PathBuf> {
    let root = repo_root();
    let triple = release_triple(&host_triple()?);
    let platform = Platform::of_triple(&triple)?;
    build(&root, &target_dir(&root)?, &triple, &platform, flags)
}

/// The binary must say the version it is released as.
fn check_reported_version(binary: &Path, version: &str) -> Result<()> {
    let output = Command::new(binary)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {} --version", binary.display()))?;
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let expected = format!("{} {version}", names::BINARY);
    if printed != expected {
        bail!(
            "{} --version printed {printed:?}, expected {expected:?}",
            binary.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_binary(dir: &Path, content: &[u8]) -> PathBuf {
        let path = dir.join("bin");
        fs::write(&path, content).unwrap();
        path
    }

    #[test]
    fn linux_releases_are_built_for_musl() {
        assert_eq!(
            release_triple("x86_64-unknown-linux-gnu"),
            "x86_64-unknown-linux-musl"
        );
        assert_eq!(
            release_triple("aarch64-unknown-linux-gnu"),
            "aarch64-unknown-linux-musl"
        );
        assert_eq!(
            release_triple("aarch64-apple-darwin"),
            "aarch64-apple-darwin"
        );
        assert_eq!(
            Platform::of_triple(&release_triple("x86_64-unknown-linux-gnu"))
                .unwrap()
                .to_string(),
            "linux_amd64"
        );
        let musl = release_rustflags("x86_64-unknown-linux-musl", BuildFlags::default());
        for flag in ["target-feature=+crt-static", "relocation-model=static"] {
            assert!(musl.iter().any(|f| f == flag), "{flag} in {musl:?}");
        }
        let darwin = release_rustflags("aarch64-apple-darwin", BuildFlags::default());
        assert!(darwin.is_empty(), "{darwin:?}");
    }

    #[test]
    fn versions_are_semantic() {
        for ok in ["0.1.0", "1.20.3", "1.0.0-rc.1", "2.0.0-beta-2"] {
            assert!(check_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1.0",
            "1.0.0.0",
            "01.0.0",
            "v1.0.0",
            "1.0.0-",
            "1.0.0-a_b",
            "",
        ] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_committed_manifest_declares_protocol_6() {
        check_manifest(&repo_root().join("terraform-registry-manifest.json")).unwrap();
    }

    #[test]
    fn package_writes_every_artifact_consistently() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("dist");
        let linux = Platform::parse("linux_amd64").unwrap();
        let darwin = Platform::parse("darwin_arm64").unwrap();
        let binaries = vec![
            (
                linux.clone(),
                fake_binary(tmp.path(), b"#!/bin/sh\necho linux\n"),
            ),
            (darwin.clone(), {
                let p = tmp.path().join("bin-darwin");
                fs::write(&p, b"darwin").unwrap();
                p
            }),
        ];
        let manifest = repo_root().join("terraform-registry-manifest.json");
        let release = package(&out, "1.2.3", &binaries, &manifest, None).unwrap();

        // The archive holds the executable under its versioned name, executable.
        let zip_path = out.join("terraform-provider-ff_1.2.3_linux_amd64.zip");
        let mut archive = zip::ZipArchive::new(fs::File::open(&zip_path).unwrap()).unwrap();
        assert_eq!(archive.len(), 1);
        let entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "terraform-provider-ff_v1.2.3");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        drop(entry);

        // h1 hashes the contents by name; zh the zip bytes.
        let linux_archive = &release.archives[1];
        assert_eq!(linux_archive.platform, linux);
        assert_eq!(
            linux_archive.h1,
            hashes::h1([(
                "terraform-provider-ff_v1.2.3",
                b"#!/bin/sh\necho linux\n".as_slice()
            )])
            .unwrap()
        );
        assert_eq!(linux_archive.zh, hashes::zh(&fs::read(&zip_path).unwrap()));

        // SHA256SUMS lists both zips and the manifest, sorted, in sha256sum's format.
        let sums = fs::read_to_string(&release.sha256sums).unwrap();
        let names: Vec<&str> = sums
            .lines()
            .map(|l| l.split_once("  ").unwrap().1)
            .collect();
        assert_eq!(
            names,
            [
                "terraform-provider-ff_1.2.3_darwin_arm64.zip",
                "terraform-provider-ff_1.2.3_linux_amd64.zip",
                "terraform-provider-ff_1.2.3_manifest.json",
            ]
        );
        assert!(sums.contains(&format!(
            "{}  terraform-provider-ff_1.2.3_linux_amd64.zip\n",
            linux_archive.zh.trim_start_matches("zh:")
        )));
        assert_eq!(
            fs::read(&release.manifest).unwrap(),
            fs::read(&manifest).unwrap()
        );
        assert!(release.signature.is_none());

        // The mirror: the zips next to the network-mirror documents.
        let dir = out.join("mirror/registry.terraform.io/ff/ff");
        assert!(
            dir.join("terraform-provider-ff_1.2.3_linux_amd64.zip")
                .is_file()
        );
        let index: Value =
            serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
        assert_eq!(index, json!({"versions": {"1.2.3": {}}}));
        let doc: Value =
            serde_json::from_slice(&fs::read(dir.join("1.2.3.json")).unwrap()).unwrap();
        assert_eq!(
            doc["archives"]["linux_amd64"],
            json!({
                "url": "terraform-provider-ff_1.2.3_linux_amd64.zip",
                "hashes": [linux_archive.h1, linux_archive.zh],
            })
        );
        assert!(doc["archives"]["darwin_arm64"].is_object());

        // The lock entry pins both platforms by both hashes.
        let lock = fs::read_to_string(out.join("terraform-provider-ff_1.2.3_lock.hcl")).unwrap();
        assert!(lock.contains("provider \"registry.terraform.io/ff/ff\""));
        for archive in &release.archives {
            assert!(
                lock.contains(&archive.h1) && lock.contains(&archive.zh),
                "{lock}"
            );
        }

        // Reproducible: packaging again gives the same bytes.
        let again = package(&out, "1.2.3", &binaries, &manifest, None).unwrap();
        assert_eq!(again.archives[1].zh, linux_archive.zh);

        // A second version accumulates in the mirror index.
        package(&out, "1.3.0", &binaries, &manifest, None).unwrap();
        let index: Value =
            serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
        assert_eq!(index, json!({"versions": {"1.2.3": {}, "1.3.0": {}}}));
    }
}
