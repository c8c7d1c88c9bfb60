//! The release output a user gets from the project's own release command
//! (`cargo xtask release`), and throwaway GPG keys to sign it with.
//!
//! Every release test runs the real command, which runs `cargo build --release`: the first
//! test of a run pays for the release build and every later one finds it up to date (cargo
//! shares `target/release` and serialises concurrent builds), so a test run makes one
//! release build. Each test packs into its own temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::tools::{bin_dir, repo_root};

/// The version being released: the workspace version, the one place it is set.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The platform the tests run on (the tools are linux_amd64 only).
pub const PLATFORM: &str = "linux_amd64";

/// `xtask` (built with the other binaries), run from the repository root.
pub fn xtask() -> Command {
    let path = bin_dir().join("xtask");
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first (cargo build --workspace --bins)",
        path.display()
    );
    let mut command = Command::new(path);
    command.current_dir(repo_root());
    command
}

/// Both outputs of a command, for messages.
pub fn output_text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Lower-case hex SHA-256 of a file.
pub fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A GnuPG home with one throwaway signing key (RSA 2048, no passphrase).
pub struct Gpg {
    home: tempfile::TempDir,
    /// The key's fingerprint.
    pub fingerprint: String,
    /// Its 16-hex-digit key id.
    pub key_id: String,
}

impl Gpg {
    /// Makes the key in a fresh temporary GNUPGHOME.
    pub fn throwaway() -> Gpg {
        let home = tempfile::Builder::new()
            .prefix("ff-gpg-")
            .tempdir()
            .expect("temp dir");
        let params = home.path().join("key-params");
        std::fs::write(
            &params,
            "%no-protection\nKey-Type: RSA\nKey-Length: 2048\nKey-Usage: sign\n\
             Name-Real: terraform-provider-ff test release\n\
             Name-Email: release-test@ff.invalid\nExpire-Date: 0\n%commit\n",
        )
        .expect("write key parameters");
        let gpg = Gpg {
            home,
            fingerprint: String::new(),
            key_id: String::new(),
        };
        let out = gpg
            .command()
            .arg("--gen-key")
            .arg(&params)
            .output()
            .expect("gpg runs");
        assert!(out.status.success(), "gpg --gen-key: {}", output_text(&out));
        let out = gpg
            .command()
            .args(["--with-colons", "--list-secret-keys"])
            .output()
            .expect("gpg runs");
        let listing = String::from_utf8_lossy(&out.stdout).into_owned();
        let field = |record: &str, index: usize| {
            listing
                .lines()
                .find(|l| l.starts_with(record))
                .and_then(|l| l.split(':').nth(index))
                .map(str::to_string)
                .unwrap_or_else(|| panic!("no {record} record in {listing}"))
        };
        let (fingerprint, key_id) = (field("fpr:", 9), field("sec:", 4));
        let mut gpg = gpg;
        gpg.fingerprint = fingerprint;
        gpg.key_id = key_id;
        gpg
    }

    /// The GnuPG home.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// `gpg --batch` in this home.
    pub fn command(&self) -> Command {
        let mut command = Command::new("gpg");
        command
            .env("GNUPGHOME", self.home.path())
            .args(["--batch", "--no-tty"]);
        command
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        // The agent gpg started for this home only.
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// One release, packed into a temporary directory of its own.
pub struct Release {
    dir: tempfile::TempDir,
    /// What the release command printed.
    pub output: String,
}

impl Release {
    /// `cargo xtask release --out DIR [--gpg-key FINGERPRINT]`.
    pub fn build(gpg: Option<&Gpg>) -> Release {
        let dir = tempfile::Builder::new()
            .prefix("ff-release-")
            .tempdir()
            .expect("temp dir");
        let mut command = xtask();
        command.arg("release").arg("--out").arg(dir.path());
        command.env_remove("FF_GPG_KEY");
        if let Some(gpg) = gpg {
            command
                .env("GNUPGHOME", gpg.home())
                .args(["--gpg-key", &gpg.fingerprint]);
        }
        eprintln!(
            "running the release command (the first one of a test run builds the release binary: minutes)"
        );
        let out = command.output().expect("xtask runs");
        let output = output_text(&out);
        assert!(
            out.status.success(),
            "cargo xtask release failed:\n{output}"
        );
        Release { dir, output }
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A file of the release.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    /// This platform's archive.
    pub fn zip(&self) -> PathBuf {
        self.file(&format!("terraform-provider-ff_{VERSION}_{PLATFORM}.zip"))
    }

    /// `SHA256SUMS`.
    pub fn sha256sums(&self) -> PathBuf {
        self.file(&format!("terraform-provider-ff_{VERSION}_SHA256SUMS"))
    }

    /// Its detached signature.
    pub fn signature(&self) -> PathBuf {
        self.file(&format!("terraform-provider-ff_{VERSION}_SHA256SUMS.sig"))
    }

    /// The public key written next to the signature.
    pub fn public_key(&self) -> PathBuf {
        self.file(&format!("terraform-provider-ff_{VERSION}_signing-key.asc"))
    }

    /// The dependency-lock entry.
    pub fn lock_entry(&self) -> PathBuf {
        self.file(&format!("terraform-provider-ff_{VERSION}_lock.hcl"))
    }

    /// The mirror tree (a `filesystem_mirror` path, a network mirror's document root).
    pub fn mirror(&self) -> PathBuf {
        self.dir().join("mirror")
    }

    /// The provider's directory in the mirror tree.
    pub fn mirror_provider_dir(&self) -> PathBuf {
        self.mirror().join("registry.terraform.io/ff/ff")
    }

    /// The network mirror's document of this version.
    pub fn version_doc(&self) -> Value {
        let path = self.mirror_provider_dir().join(format!("{VERSION}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The `h1:` hash the release advertises for this platform.
    pub fn h1(&self) -> String {
        self.advertised("h1:")
    }

    /// The `zh:` hash the release advertises for this platform.
    pub fn zh(&self) -> String {
        self.advertised("zh:")
    }

    fn advertised(&self, scheme: &str) -> String {
        self.version_doc()["archives"][PLATFORM]["hashes"]
            .as_array()
            .and_then(|hashes| {
                hashes
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|h| h.starts_with(scheme))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no {scheme} hash in {}", self.version_doc()))
    }
}

/// The hashes `.terraform.lock.hcl` records for `address` (empty when it has none).
pub fn locked_hashes(lock_file: &str, address: &str) -> Vec<String> {
    let Some(start) = lock_file.find(&format!("provider \"{address}\"")) else {
        return Vec::new();
    };
    let block = &lock_file[start..];
    let block = &block[..block.find("\n}").unwrap_or(block.len())];
    block
        .split('"')
        .filter(|s| s.starts_with("h1:") || s.starts_with("zh:"))
        .map(str::to_string)
        .collect()
}

/// Copies the examples/local configuration into `dir`.
pub fn copy_local_example(dir: &Path) {
    let example = repo_root().join("examples/local");
    for entry in std::fs::read_dir(&example).expect("examples/local") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let name = path.file_name().expect("file name");
            std::fs::copy(&path, dir.join(name)).expect("copy example");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_hashes_are_read_per_provider() {
        let lock = r#"
provider "registry.terraform.io/hashicorp/aws" {
  version = "3.39.0"
  hashes = [
    "h1:aws",
  ]
}

provider "registry.terraform.io/ff/ff" {
  version = "0.1.0"
  hashes = [
    "h1:abc=",
    "zh:0123",
  ]
}
"#;
        assert_eq!(
            locked_hashes(lock, "registry.terraform.io/ff/ff"),
            vec!["h1:abc=", "zh:0123"]
        );
        assert!(locked_hashes(lock, "x/y/z").is_empty());
    }
}
