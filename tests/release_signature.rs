//! A release signed with a throwaway GPG key: `gpg --verify` accepts the detached signature
//! of SHA256SUMS in the signer's keyring and, as a consumer would check it, in a fresh
//! keyring that only imported the public key the release ships; a SHA256SUMS changed by a
//! single byte is rejected.

use ff_e2e::release::{Gpg, Release, VERSION, output_text};

#[test]
fn gpg_verifies_the_signed_checksums() {
    let gpg = Gpg::throwaway();
    let release = Release::build(Some(&gpg));
    let sums = release.sha256sums();
    let signature = release.signature();
    assert!(
        signature.is_file(),
        "the release is signed:\n{}",
        release.output
    );

    // The signer's keyring.
    let out = gpg
        .command()
        .arg("--verify")
        .arg(&signature)
        .arg(&sums)
        .output()
        .expect("gpg runs");
    assert!(
        out.status.success(),
        "gpg --verify rejects the signature:\n{}",
        output_text(&out)
    );
    let text = output_text(&out);
    assert!(text.contains("Good signature"), "{text}");
    assert!(
        text.contains(&gpg.fingerprint) || text.contains(&gpg.key_id),
        "made with the throwaway key {}:\n{text}",
        gpg.key_id
    );
    // A binary (not armoured) signature, as registries require.
    let head = std::fs::read(&signature).expect("signature");
    assert!(
        !head.starts_with(b"-----BEGIN"),
        "binary detached signature"
    );

    // A consumer's keyring: only the public key shipped with the release.
    let consumer = tempfile::tempdir().expect("temp dir");
    let gpg_in = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new("gpg")
            .env("GNUPGHOME", consumer.path())
            .args(["--batch", "--no-tty"])
            .args(args)
            .output()
            .expect("gpg runs")
    };
    let public_key = release.public_key();
    let out = gpg_in(&["--import".as_ref(), public_key.as_os_str()]);
    assert!(out.status.success(), "import: {}", output_text(&out));
    let out = gpg_in(&["--verify".as_ref(), signature.as_os_str(), sums.as_os_str()]);
    assert!(
        out.status.success(),
        "the shipped public key verifies the signature:\n{}",
        output_text(&out)
    );

    // One changed byte.
    let tampered = consumer
        .path()
        .join(format!("terraform-provider-ff_{VERSION}_SHA256SUMS"));
    let mut bytes = std::fs::read(&sums).expect("sums");
    bytes[0] = if bytes[0] == b'0' { b'1' } else { b'0' };
    std::fs::write(&tampered, bytes).expect("write");
    let out = gpg_in(&[
        "--verify".as_ref(),
        signature.as_os_str(),
        tampered.as_os_str(),
    ]);
    assert!(
        !out.status.success(),
        "a tampered SHA256SUMS must not verify:\n{}",
        output_text(&out)
    );
    assert!(output_text(&out).contains("BAD signature"));
    let _ = std::process::Command::new("gpgconf")
        .env("GNUPGHOME", consumer.path())
        .args(["--kill", "gpg-agent"])
        .output();
}
