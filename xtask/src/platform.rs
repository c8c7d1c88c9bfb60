//! Terraform platforms (`linux_amd64`) and the Rust target triples that build them.

use std::fmt;

use anyhow::{Result, bail};

/// A Terraform platform: Go's `GOOS` and `GOARCH` names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Platform {
    /// `linux`, `darwin`, `windows`, `freebsd`.
    pub os: String,
    /// `amd64`, `arm64`, `386`, `arm`.
    pub arch: String,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.os, self.arch)
    }
}

impl Platform {
    /// The platform a Rust target triple builds for.
    pub fn of_triple(triple: &str) -> Result<Platform> {
        let arch = match triple.split('-').next().unwrap_or_default() {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "i686" | "i586" => "386",
            "armv7" | "arm" => "arm",
            other => bail!("target {triple:?}: architecture {other:?} has no Terraform platform"),
        };
        let os = if triple.contains("-linux-") {
            "linux"
        } else if triple.contains("-apple-darwin") {
            "darwin"
        } else if triple.contains("-windows-") {
            "windows"
        } else if triple.contains("-freebsd") {
            "freebsd"
        } else {
            bail!("target {triple:?}: its operating system has no Terraform platform")
        };
        Ok(Platform {
            os: os.to_string(),
            arch: arch.to_string(),
        })
    }

    /// `.exe` on Windows.
    pub fn exe_suffix(&self) -> &'static str {
        if self.os == "windows" { ".exe" } else { "" }
    }

    /// Parses `linux_amd64`.
    pub fn parse(text: &str) -> Option<Platform> {
        let (os, arch) = text.split_once('_')?;
        let valid = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
        (valid(os) && valid(arch)).then(|| Platform {
            os: os.to_string(),
            arch: arch.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples_map_to_terraform_platforms() {
        for (triple, platform) in [
            ("x86_64-unknown-linux-gnu", "linux_amd64"),
            ("x86_64-unknown-linux-musl", "linux_amd64"),
            ("aarch64-unknown-linux-gnu", "linux_arm64"),
            ("aarch64-apple-darwin", "darwin_arm64"),
            ("x86_64-apple-darwin", "darwin_amd64"),
            ("x86_64-pc-windows-gnu", "windows_amd64"),
            ("i686-unknown-linux-gnu", "linux_386"),
            ("armv7-unknown-linux-gnueabihf", "linux_arm"),
            ("x86_64-unknown-freebsd", "freebsd_amd64"),
        ] {
            assert_eq!(
                Platform::of_triple(triple).unwrap().to_string(),
                platform,
                "{triple}"
            );
        }
        assert!(Platform::of_triple("wasm32-unknown-unknown").is_err());
        assert!(Platform::of_triple("riscv64gc-unknown-linux-gnu").is_err());
    }

    #[test]
    fn parse_round_trips() {
        let p = Platform::parse("linux_amd64").unwrap();
        assert_eq!(p.to_string(), "linux_amd64");
        assert!(Platform::parse("linux").is_none());
        assert!(Platform::parse("linux_").is_none());
        assert!(Platform::parse("../x_y").is_none());
    }
}
