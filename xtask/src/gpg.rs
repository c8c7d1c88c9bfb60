//! The GnuPG operations of a release: a detached signature of `SHA256SUMS`, the public key
//! that verifies it, and that key's id. Everything goes through the `gpg` command (its
//! keyring is `GNUPGHOME`'s), in batch mode, so no secret key material passes through here.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{Context, Result, bail};

fn gpg() -> Command {
    let program = std::env::var_os("GPG").unwrap_or_else(|| "gpg".into());
    let mut command = Command::new(program);
    command.arg("--batch").arg("--no-tty");
    command
}

fn run(mut command: Command, what: &str) -> Result<Output> {
    let output = command
        .output()
        .with_context(|| format!("cannot run gpg to {what} (is GnuPG installed?)"))?;
    if !output.status.success() {
        bail!(
            "gpg could not {what}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output)
}

/// Writes a binary detached signature of `input` made with `key` (an id, fingerprint or
/// user id of a secret key in the keyring) to `output`.
pub fn detach_sign(key: &str, input: &Path, output: &Path) -> Result<()> {
    let mut command = gpg();
    command
        .args(["--yes", "--local-user", key, "--output"])
        .arg(output)
        .arg("--detach-sign")
        .arg(input);
    run(command, &format!("sign {} with key {key}", input.display()))?;
    Ok(())
}

/// The ASCII-armoured public key of `key`.
pub fn export_public(key: &str) -> Result<String> {
    let mut command = gpg();
    command.args(["--armor", "--export", key]);
    let output = run(command, &format!("export the public key {key}"))?;
    let armor = String::from_utf8(output.stdout).context("gpg exported a non-UTF-8 key")?;
    if !armor.contains("BEGIN PGP PUBLIC KEY BLOCK") {
        bail!("the keyring has no public key {key}");
    }
    Ok(armor)
}

/// Checks a detached signature.
pub fn verify(signature: &Path, data: &Path) -> Result<()> {
    let mut command = gpg();
    command.arg("--verify").arg(signature).arg(data);
    run(
        command,
        &format!("verify {} against {}", signature.display(), data.display()),
    )?;
    Ok(())
}

/// Checks a detached signature against one public key only, in a temporary keyring — as a
/// consumer who trusts nothing but that key (Terraform, the registry) will.
pub fn verify_with(public_key: &Path, signature: &Path, data: &Path) -> Result<()> {
    let home = tempfile::Builder::new()
        .prefix("xtask-gpg-")
        .tempdir()
        .context("cannot create a temporary keyring")?;
    let result = (|| {
        let mut import = gpg();
        import
            .env("GNUPGHOME", home.path())
            .arg("--import")
            .arg(public_key);
        run(import, &format!("import {}", public_key.display()))?;
        let mut verify = gpg();
        verify
            .env("GNUPGHOME", home.path())
            .arg("--verify")
            .arg(signature)
            .arg(data);
        run(
            verify,
            &format!(
                "verify {} with the key in {}",
                signature.display(),
                public_key.display()
            ),
        )
        .map(|_| ())
    })();
    // An agent gpg may have started for that keyring only.
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", home.path())
        .args(["--kill", "gpg-agent"])
        .output();
    result
}

/// The 16-hex-digit id of the primary key in an ASCII-armoured public key file, the form
/// the Terraform Cloud private registry uses (`key-id`).
pub fn key_id_of_file(public_key: &Path) -> Result<String> {
    let mut command = gpg();
    command
        .args(["--with-colons", "--import-options", "show-only", "--import"])
        .arg(public_key);
    let output = run(
        command,
        &format!("read the public key {}", public_key.display()),
    )?;
    let listing = String::from_utf8_lossy(&output.stdout);
    primary_key_id(&listing)
        .with_context(|| format!("{} holds no public key", public_key.display()))
}

/// The key id of the first `pub` record of `gpg --with-colons` output (field 5).
fn primary_key_id(listing: &str) -> Option<String> {
    listing
        .lines()
        .find(|line| line.starts_with("pub:"))
        .and_then(|line| line.split(':').nth(4))
        .filter(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_key_id_is_field_five_of_the_pub_record() {
        let listing = "tru::1:1700000000:0:3:1:5\n\
            pub:-:3072:1:32966F3FB5AC1129:1700000000:::-:::scESC::::::23::0:\n\
            fpr:::::::::ABCDEF0123456789ABCDEF0132966F3FB5AC1129:\n\
            sub:-:3072:1:1111222233334444:1700000000::::::e::::::23:\n";
        assert_eq!(primary_key_id(listing).as_deref(), Some("32966F3FB5AC1129"));
        assert_eq!(primary_key_id("sub:-:1:1:AAAA:\n"), None);
    }
}
