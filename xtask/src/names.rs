//! Every file name of a release, in one place: the release command writes them and the
//! publish command reads them. The names follow the conventions the Terraform Registry and
//! Terraform's own installers expect (`terraform-provider-TYPE_VERSION_OS_ARCH.zip`).

use crate::platform::Platform;

/// The provider's type, the last part of its source address.
pub const PROVIDER_TYPE: &str = "ff";
/// The source address the filesystem and network mirrors serve.
pub const MIRROR_ADDRESS: &str = "registry.terraform.io/ff/ff";
/// The crate (and binary) name of the provider.
pub const BINARY: &str = "terraform-provider-ff";

/// The release archive of one platform.
pub fn zip(version: &str, platform: &Platform) -> String {
    format!("{BINARY}_{version}_{platform}.zip")
}

/// The executable inside the archive (`terraform-provider-ff_v0.1.0`), the name Terraform
/// looks for after unpacking.
pub fn executable(version: &str, platform: &Platform) -> String {
    format!("{BINARY}_v{version}{}", platform.exe_suffix())
}

/// The checksums of the archives and the manifest.
pub fn sha256sums(version: &str) -> String {
    format!("{BINARY}_{version}_SHA256SUMS")
}

/// The detached GPG signature of the checksums.
pub fn signature(version: &str) -> String {
    format!("{}.sig", sha256sums(version))
}

/// The registry manifest of the release.
pub fn manifest(version: &str) -> String {
    format!("{BINARY}_{version}_manifest.json")
}

/// The ASCII-armoured public key that verifies the signature (written when signing).
pub fn public_key(version: &str) -> String {
    format!("{BINARY}_{version}_signing-key.asc")
}

/// A dependency-lock entry for the mirror address with both hashes of every platform.
pub fn lock_entry(version: &str) -> String {
    format!("{BINARY}_{version}_lock.hcl")
}

/// The mirror tree, relative to the release directory.
pub const MIRROR_DIR: &str = "mirror";

/// `<hostname>/<namespace>/<type>` inside the mirror tree.
pub fn mirror_provider_dir() -> &'static str {
    MIRROR_ADDRESS
}

/// A version's document of the network mirror protocol.
pub fn mirror_version_doc(version: &str) -> String {
    format!("{version}.json")
}

/// Parses a release archive name back into its version and platform.
pub fn parse_zip(name: &str) -> Option<(String, Platform)> {
    let rest = name.strip_prefix(BINARY)?.strip_prefix('_')?;
    let rest = rest.strip_suffix(".zip")?;
    let (version, platform) = rest.split_once('_')?;
    Some((version.to_string(), Platform::parse(platform)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_registry_conventions() {
        let linux = Platform::parse("linux_amd64").unwrap();
        let windows = Platform::parse("windows_amd64").unwrap();
        assert_eq!(
            zip("0.1.0", &linux),
            "terraform-provider-ff_0.1.0_linux_amd64.zip"
        );
        assert_eq!(executable("0.1.0", &linux), "terraform-provider-ff_v0.1.0");
        assert_eq!(
            executable("0.1.0", &windows),
            "terraform-provider-ff_v0.1.0.exe"
        );
        assert_eq!(
            sha256sums("0.1.0"),
            "terraform-provider-ff_0.1.0_SHA256SUMS"
        );
        assert_eq!(
            signature("0.1.0"),
            "terraform-provider-ff_0.1.0_SHA256SUMS.sig"
        );
        assert_eq!(
            manifest("0.1.0"),
            "terraform-provider-ff_0.1.0_manifest.json"
        );
        assert_eq!(
            parse_zip("terraform-provider-ff_0.1.0_linux_amd64.zip"),
            Some(("0.1.0".to_string(), linux))
        );
        assert_eq!(parse_zip("terraform-provider-ff_0.1.0_SHA256SUMS"), None);
    }
}
