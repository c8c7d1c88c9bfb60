//! Just enough OpenPGP (RFC 4880) to do what the registry does with an uploaded public key:
//! undo the ASCII armour (checking its CRC-24), read the first packet, which must be a
//! version 4 public key, and derive its key id — the low 64 bits of the fingerprint,
//! `SHA-1(0x99 ‖ two-octet length ‖ key packet body)` (RFC 4880 §12.2).

use base64::Engine;
use sha1::{Digest, Sha1};

/// The packet tag of a public key.
const TAG_PUBLIC_KEY: u8 = 6;

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not an ASCII-armoured PGP public key block")]
    NotArmored,
    #[error("the armour is not valid base64")]
    Base64,
    #[error("the armour checksum does not match its content")]
    Checksum,
    #[error("the key block is truncated or malformed")]
    Malformed,
    #[error("the key block does not start with a public key packet")]
    NotAPublicKey,
    #[error("only version 4 keys are supported (this one is version {0})")]
    Version(u8),
}

/// The upper-case hex key id of the primary key of an armoured public key block.
pub fn key_id(armored: &str) -> Result<String, KeyError> {
    let bytes = dearmor(armored)?;
    let (tag, body) = first_packet(&bytes)?;
    if tag != TAG_PUBLIC_KEY {
        return Err(KeyError::NotAPublicKey);
    }
    match body.first() {
        Some(4) => {}
        Some(other) => return Err(KeyError::Version(*other)),
        None => return Err(KeyError::Malformed),
    }
    let length = u16::try_from(body.len()).map_err(|_| KeyError::Malformed)?;
    let mut hasher = Sha1::new();
    hasher.update([0x99]);
    hasher.update(length.to_be_bytes());
    hasher.update(body);
    let fingerprint = hasher.finalize();
    Ok(fingerprint[12..]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect())
}

/// The binary content of an armoured `PUBLIC KEY BLOCK`.
fn dearmor(armored: &str) -> Result<Vec<u8>, KeyError> {
    let mut lines = armored.lines().map(str::trim_end);
    lines
        .by_ref()
        .find(|l| l.trim() == "-----BEGIN PGP PUBLIC KEY BLOCK-----")
        .ok_or(KeyError::NotArmored)?;
    // Armour headers ("Version: ...", "Comment: ...") end at the first blank line.
    let mut body = String::new();
    let mut checksum = None;
    let mut in_headers = true;
    let mut ended = false;
    for line in lines {
        if line.starts_with("-----END PGP PUBLIC KEY BLOCK-----") {
            ended = true;
            break;
        }
        if in_headers {
            if line.trim().is_empty() {
                in_headers = false;
                continue;
            }
            if line.contains(": ") {
                continue;
            }
            in_headers = false;
        }
        if let Some(crc) = line.strip_prefix('=') {
            checksum = Some(crc.trim().to_string());
        } else {
            body.push_str(line.trim());
        }
    }
    if !ended {
        return Err(KeyError::NotArmored);
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let bytes = engine
        .decode(body.as_bytes())
        .map_err(|_| KeyError::Base64)?;
    if let Some(crc) = checksum {
        let expected = engine
            .decode(crc.as_bytes())
            .map_err(|_| KeyError::Base64)?;
        let actual = crc24(&bytes);
        if expected != actual.to_be_bytes()[1..] {
            return Err(KeyError::Checksum);
        }
    }
    Ok(bytes)
}

/// CRC-24 of the armour (RFC 4880 §6.1).
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for byte in data {
        crc ^= u32::from(*byte) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// The tag and body of the first packet (old or new header format, RFC 4880 §4.2).
fn first_packet(bytes: &[u8]) -> Result<(u8, &[u8]), KeyError> {
    let header = *bytes.first().ok_or(KeyError::Malformed)?;
    if header & 0x80 == 0 {
        return Err(KeyError::Malformed);
    }
    let byte = |i: usize| {
        bytes
            .get(i)
            .copied()
            .map(usize::from)
            .ok_or(KeyError::Malformed)
    };
    let (tag, start, length): (u8, usize, usize) = if header & 0x40 != 0 {
        let tag = header & 0x3F;
        let first = byte(1)?;
        match first {
            0..=191 => (tag, 2, first),
            192..=223 => (tag, 3, ((first - 192) << 8) + byte(2)? + 192),
            255 => (
                tag,
                6,
                (byte(2)? << 24) | (byte(3)? << 16) | (byte(4)? << 8) | byte(5)?,
            ),
            // Partial body lengths are not allowed for key packets.
            _ => return Err(KeyError::Malformed),
        }
    } else {
        let tag = (header >> 2) & 0x0F;
        match header & 0x03 {
            0 => (tag, 2, byte(1)?),
            1 => (tag, 3, (byte(1)? << 8) | byte(2)?),
            2 => (
                tag,
                5,
                (byte(1)? << 24) | (byte(2)? << 16) | (byte(3)? << 8) | byte(4)?,
            ),
            _ => return Err(KeyError::Malformed),
        }
    };
    let body = bytes
        .get(start..start.checked_add(length).ok_or(KeyError::Malformed)?)
        .ok_or(KeyError::Malformed)?;
    Ok((tag, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Armours `bytes` the way GnuPG does (64-column lines, CRC-24).
    fn armor(bytes: &[u8]) -> String {
        let engine = base64::engine::general_purpose::STANDARD;
        let text = engine.encode(bytes);
        let mut out = String::from("-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n");
        for chunk in text.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap());
            out.push('\n');
        }
        out.push('=');
        out.push_str(&engine.encode(&crc24(bytes).to_be_bytes()[1..]));
        out.push_str("\n-----END PGP PUBLIC KEY BLOCK-----\n");
        out
    }

    /// A v4 public-key packet body: version, creation time, algorithm 22 (EdDSA), and some
    /// key material (the id depends only on these bytes).
    fn key_body() -> Vec<u8> {
        let mut body = vec![4, 0x65, 0x00, 0x00, 0x00, 22];
        body.extend((0..40u8).map(|i| i.wrapping_mul(7)));
        body
    }

    fn expected_id(body: &[u8]) -> String {
        let mut h = Sha1::new();
        h.update([0x99, 0, body.len() as u8]);
        h.update(body);
        h.finalize()[12..]
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    #[test]
    fn crc24_matches_the_rfc_initial_value_for_empty_input() {
        assert_eq!(crc24(b""), 0x00B7_04CE);
    }

    #[test]
    fn the_key_id_is_the_low_64_bits_of_the_fingerprint() {
        let body = key_body();
        // New-format header, one-octet length.
        let mut packet = vec![0xC0 | TAG_PUBLIC_KEY, body.len() as u8];
        packet.extend(&body);
        assert_eq!(key_id(&armor(&packet)), Ok(expected_id(&body)));
        // Old-format header, two-octet length: same key, same id.
        let mut old = vec![0x80 | (TAG_PUBLIC_KEY << 2) | 1, 0, body.len() as u8];
        old.extend(&body);
        assert_eq!(key_id(&armor(&old)), Ok(expected_id(&body)));
    }

    #[test]
    fn damaged_or_foreign_blocks_are_refused() {
        let body = key_body();
        let mut packet = vec![0xC0 | TAG_PUBLIC_KEY, body.len() as u8];
        packet.extend(&body);
        let good = armor(&packet);
        // One changed base64 character breaks the checksum.
        let first_data_line = good.lines().nth(3).unwrap();
        let flipped: String = first_data_line
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 10 {
                    if c == 'A' { 'B' } else { 'A' }
                } else {
                    c
                }
            })
            .collect();
        assert_eq!(
            key_id(&good.replacen(first_data_line, &flipped, 1)),
            Err(KeyError::Checksum)
        );
        assert_eq!(key_id("hello"), Err(KeyError::NotArmored));
        let mut secret = vec![0xC0 | 5, body.len() as u8];
        secret.extend(&body);
        assert_eq!(key_id(&armor(&secret)), Err(KeyError::NotAPublicKey));
        let mut v5 = packet.clone();
        v5[2] = 5;
        assert_eq!(key_id(&armor(&v5)), Err(KeyError::Version(5)));
        assert_eq!(key_id(&armor(&packet[..10])), Err(KeyError::Malformed));
    }
}
