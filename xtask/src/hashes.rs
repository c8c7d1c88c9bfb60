//! The package hashes Terraform records in `.terraform.lock.hcl` and a network mirror
//! advertises:
//!
//! - `zh:` — the SHA-256 of the zip archive, in hex (Terraform's "legacy zip hash"; it is
//!   what `SHA256SUMS` lists and what a registry's signed checksums vouch for);
//! - `h1:` — the hash of the package's *contents*, independent of how it was zipped: the
//!   "Hash1" directory hash of Go's `golang.org/x/mod/sumdb/dirhash`, which Terraform uses
//!   for every package it installs. For each file, sorted by name, one line
//!   `<hex sha256 of the file>  <name>\n`; the SHA-256 of those lines, base64-encoded.

use anyhow::{Result, bail};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `zh:<hex sha256 of the zip>`.
pub fn zh(zip_bytes: &[u8]) -> String {
    format!("zh:{}", sha256_hex(zip_bytes))
}

/// `h1:` of a package whose files are `(name, content)` (names as stored in the zip).
pub fn h1<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<String> {
    let mut lines: Vec<(String, String)> = Vec::new();
    for (name, content) in files {
        if name.contains('\n') {
            bail!("file name {name:?} contains a newline, which the h1 hash cannot represent");
        }
        lines.push((name.to_string(), sha256_hex(content)));
    }
    lines.sort();
    let mut summary = String::new();
    for (name, digest) in &lines {
        summary.push_str(digest);
        summary.push_str("  ");
        summary.push_str(name);
        summary.push('\n');
    }
    let digest = Sha256::digest(summary.as_bytes());
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn h1_is_the_hash_of_the_sorted_summary_lines() {
        // The summary is "<sha256(b)>  a/b\n<sha256(x)>  z\n" whatever the order given.
        // (The end-to-end tests check the result against the h1 Terraform itself records.)
        let one = h1([("z", b"x".as_slice()), ("a/b", b"b".as_slice())]).unwrap();
        let two = h1([("a/b", b"b".as_slice()), ("z", b"x".as_slice())]).unwrap();
        assert_eq!(one, two);
        let summary = format!("{}  a/b\n{}  z\n", sha256_hex(b"b"), sha256_hex(b"x"));
        let expected = format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
        );
        assert_eq!(one, expected);
    }

    #[test]
    fn newlines_in_names_are_refused() {
        assert!(h1([("a\nb", b"".as_slice())]).is_err());
    }
}
