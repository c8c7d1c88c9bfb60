//! Small helpers shared by the service emulators: clocks, random identifiers, locking.

use std::sync::{Mutex, MutexGuard};

use rand::Rng;
use rand::distributions::Alphanumeric;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Locks a mutex, ignoring poisoning: a handler that panicked cannot leave the data in a
/// state worse than "half a request applied", which is acceptable for a test tool.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Now, RFC 3339 with nanoseconds, UTC (`2024-05-01T10:11:12.123456789Z`).
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Now as Unix seconds.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Formats Unix seconds as RFC 3339.
pub fn unix_to_rfc3339(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Random `[A-Za-z0-9]` string.
pub fn random_alnum(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Random lowercase `[a-z0-9]` string starting with a letter (Grafana-style uid).
pub fn random_uid(len: usize) -> String {
    const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let mut out = String::with_capacity(len);
    for i in 0..len {
        let set = if i == 0 { FIRST } else { REST };
        out.push(char::from(set[rng.gen_range(0..set.len())]));
    }
    out
}

/// Random lowercase hex string.
pub fn random_hex(len: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from(HEX[rng.gen_range(0..HEX.len())]))
        .collect()
}

/// A random UUID-shaped identifier (8-4-4-4-12 hex).
pub fn random_uuid() -> String {
    format!(
        "{}-{}-{}-{}-{}",
        random_hex(8),
        random_hex(4),
        random_hex(4),
        random_hex(4),
        random_hex(12)
    )
}

/// Stable 32-hex-digit digest of a string (FNV-1a, twice), for avatar-like URLs.
pub fn hex_digest(input: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in input.bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3 ^ 0x5bd1);
    }
    format!("{a:016x}{b:016x}")
}

/// Lowercase, non-alphanumerics collapsed to `-`, as Grafana builds URL slugs.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_collapses_punctuation() {
        assert_eq!(slugify("Department ABC!"), "department-abc");
        assert_eq!(slugify("  a--b  "), "a-b");
    }

    #[test]
    fn uid_starts_with_letter() {
        for _ in 0..50 {
            let uid = random_uid(14);
            assert_eq!(uid.len(), 14);
            assert!(uid.as_bytes()[0].is_ascii_lowercase(), "{uid}");
        }
    }
}
