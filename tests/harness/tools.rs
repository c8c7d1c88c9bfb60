//! Where the tools are: the terraform binaries, the built provider and the sandbox.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Terraform version every test runs with.
pub const PINNED_TERRAFORM: &str = "1.0.3";

/// A terraform binary and its version.
#[derive(Clone, Debug)]
pub struct TerraformBin {
    /// Path of the binary.
    pub path: PathBuf,
    /// Its version, such as `1.0.3`.
    pub version: String,
}

impl TerraformBin {
    /// Whether this terraform is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        let mut parts = self
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (ma, mi) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (ma, mi) >= (major, minor)
    }
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The tools cache that `scripts/install-tools.sh` fills.
pub fn tools_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("FF_TOOLS_DIR") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cache")
        });
    cache.join("terraform-provider-ff")
}

/// The directory holding the built `terraform-provider-ff` and `ff-sandbox` of the same
/// profile as this test binary (`FF_BIN_DIR` overrides it).
pub fn bin_dir() -> PathBuf {
    let dir = match std::env::var("FF_BIN_DIR") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => {
            let exe = std::env::current_exe().expect("the test binary knows its path");
            // target/<profile>/deps/<test> → target/<profile>
            exe.parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .expect("the test binary lives in target/<profile>/deps")
        }
    };
    for name in ["terraform-provider-ff", "ff-sandbox"] {
        assert!(
            dir.join(name).is_file(),
            "{} is missing: build the binaries first with the same profile as the tests \
             (scripts/test.sh does: cargo build --release --bins)",
            dir.join(name).display()
        );
    }
    dir
}

fn version_of(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?;
    first
        .strip_prefix("Terraform v")
        .map(|v| v.trim().to_string())
}

/// The terraform binaries to test with: the pinned 1.0.3 (which must be installed) and the
/// `terraform` on `PATH` when it is another version. `FF_TERRAFORM_VERSIONS=1.0.3` limits
/// the run to the versions listed.
pub fn terraforms() -> Vec<TerraformBin> {
    let pinned = std::env::var("FF_TERRAFORM_1_0_3")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            tools_dir()
                .join("terraform")
                .join(PINNED_TERRAFORM)
                .join("terraform")
        });
    let version = version_of(&pinned).unwrap_or_else(|| {
        panic!(
            "Terraform {PINNED_TERRAFORM} is not installed at {}: run scripts/install-tools.sh",
            pinned.display()
        )
    });
    assert_eq!(
        version,
        PINNED_TERRAFORM,
        "{} is not Terraform {PINNED_TERRAFORM}",
        pinned.display()
    );
    let mut all = vec![TerraformBin {
        path: pinned,
        version,
    }];
    if let Some(path) = which("terraform")
        && let Some(version) = version_of(&path)
        && version != PINNED_TERRAFORM
    {
        all.push(TerraformBin { path, version });
    }
    if let Ok(only) = std::env::var("FF_TERRAFORM_VERSIONS") {
        let wanted: Vec<&str> = only.split(',').map(str::trim).collect();
        all.retain(|t| wanted.contains(&t.version.as_str()));
    }
    all
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
