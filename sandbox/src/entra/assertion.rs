//! Client assertions (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`),
//! checked as Microsoft Entra ID checks them:
//!
//! - a **certificate** assertion (`iss` = `sub` = the application's client id) is signed with
//!   the private key of a certificate registered on the application, named by the `x5t`
//!   (SHA-1) or `x5t#S256` thumbprint of its header; its `aud` is the token endpoint
//!   (<https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials>);
//! - any other is a **federated** token (workload identity federation): its issuer, subject
//!   and audience must match a federated identity credential of the application, and its
//!   signature must verify with a key of the issuer's JWKS, found through the issuer's
//!   OpenID Connect discovery document
//!   (<https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation>).
//!
//! Both must be RS256, not expired and already valid. Nothing here holds a lock: the
//! issuer's documents are fetched before the state is looked at again.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Leeway on `exp` and `nbf`, in seconds (Entra allows a few minutes of clock skew).
pub const CLOCK_SKEW: i64 = 300;

/// A compact JWT, decoded but not verified.
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    /// `header.payload`, what the signature covers.
    pub signed: String,
    pub signature: Vec<u8>,
}

impl Jwt {
    /// Decode; `None` for anything that is not three base64url JSON parts.
    pub fn decode(token: &str) -> Option<Jwt> {
        let mut parts = token.trim().split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let json = |part: &str| -> Option<Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?).ok()
        };
        Some(Jwt {
            header: json(header)?,
            claims: json(payload)?,
            signed: format!("{header}.{payload}"),
            signature: URL_SAFE_NO_PAD
                .decode(signature.trim_end_matches('='))
                .ok()?,
        })
    }

    /// A string claim.
    pub fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// The audiences (`aud` is a string or a list).
    pub fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `Err(reason)` unless `nbf - skew <= now < exp + skew`.
    pub fn check_time(&self, now: i64) -> Result<(), String> {
        let number = |name: &str| self.claims.get(name).and_then(Value::as_i64);
        let exp = number("exp").ok_or("the assertion has no exp claim")?;
        if now >= exp + CLOCK_SKEW {
            return Err(format!(
                "Current time: {now}, expiry time of assertion {exp}."
            ));
        }
        if let Some(nbf) = number("nbf")
            && now + CLOCK_SKEW < nbf
        {
            return Err(format!("Current time: {now}, assertion valid from {nbf}."));
        }
        Ok(())
    }

    /// Whether the RS256 signature verifies with the RSA key `(n, e)` (big-endian bytes).
    pub fn verify_rsa(&self, n: &[u8], e: &[u8]) -> bool {
        self.header.get("alg").and_then(Value::as_str) == Some("RS256")
            && RsaPublicKeyComponents { n, e }
                .verify(
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    self.signed.as_bytes(),
                    &self.signature,
                )
                .is_ok()
    }

    /// Whether the RS256 signature verifies with an RSA public key in PKCS#1 DER.
    pub fn verify_pkcs1(&self, der: &[u8]) -> bool {
        self.header.get("alg").and_then(Value::as_str) == Some("RS256")
            && UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
                .verify(self.signed.as_bytes(), &self.signature)
                .is_ok()
    }
}

/// One DER element of `tag` at the start of `input`: (contents, rest).
fn der(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len, mut rest) = rest.split_first()?;
    let len = if len < 0x80 {
        len as usize
    } else {
        let count = (len & 0x7f) as usize;
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let mut n = 0usize;
        for &b in &rest[..count] {
            n = (n << 8) | b as usize;
        }
        rest = &rest[count..];
        n
    };
    if rest.len() < len {
        return None;
    }
    Some((&rest[..len], &rest[len..]))
}

/// A registered certificate: its DER, thumbprints and RSA public key.
pub struct Certificate {
    /// SHA-1 of the DER, base64url (what `x5t` carries).
    pub x5t: String,
    /// SHA-256 of the DER, base64url (`x5t#S256`).
    pub x5t_s256: String,
    /// The RSA public key, PKCS#1 DER.
    pub public_key: Vec<u8>,
    /// SHA-1 thumbprint in upper-case hex, as Entra names it in messages.
    pub thumbprint: String,
}

impl Certificate {
    /// From the first `CERTIFICATE` of a PEM text; `None` unless it holds an RSA key.
    pub fn from_pem(pem: &str) -> Option<Certificate> {
        let body: String = pem
            .split("-----BEGIN CERTIFICATE-----")
            .nth(1)?
            .split("-----END CERTIFICATE-----")
            .next()?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der_bytes = STANDARD.decode(body).ok()?;
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial,
        // signature, issuer, validity, subject, subjectPublicKeyInfo, ... }, ... }
        let (certificate, _) = der(&der_bytes, 0x30)?;
        let (mut tbs, _) = der(certificate, 0x30)?;
        if tbs.first() == Some(&0xa0) {
            tbs = der(tbs, 0xa0)?.1;
        }
        let (_, tbs) = der(tbs, 0x02)?; // serial
        let (_, tbs) = der(tbs, 0x30)?; // signature algorithm
        let (_, tbs) = der(tbs, 0x30)?; // issuer
        let (_, tbs) = der(tbs, 0x30)?; // validity
        let (_, tbs) = der(tbs, 0x30)?; // subject
        let (spki, _) = der(tbs, 0x30)?;
        let (algorithm, spki) = der(spki, 0x30)?;
        // rsaEncryption 1.2.840.113549.1.1.1
        let rsa_oid = [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
        ];
        if !algorithm.starts_with(&rsa_oid) {
            return None;
        }
        let (bits, _) = der(spki, 0x03)?;
        let (&unused, key) = bits.split_first()?;
        if unused != 0 {
            return None;
        }
        Some(Certificate {
            x5t: URL_SAFE_NO_PAD.encode(Sha1::digest(&der_bytes)),
            x5t_s256: URL_SAFE_NO_PAD.encode(Sha256::digest(&der_bytes)),
            public_key: key.to_vec(),
            thumbprint: hex::encode_upper(Sha1::digest(&der_bytes)),
        })
    }

    /// Whether the assertion's header names this certificate.
    pub fn named_by(&self, jwt: &Jwt) -> bool {
        let header = |name: &str| jwt.header.get(name).and_then(Value::as_str);
        header("x5t") == Some(self.x5t.as_str()) || header("x5t#S256") == Some(&self.x5t_s256)
    }
}

/// The issuer's signing keys: `{iss}/.well-known/openid-configuration` → `jwks_uri` →
/// the keys, as `(kid, n, e)`. The error is what Entra would say went wrong.
pub async fn issuer_keys(issuer: &str) -> Result<Vec<(Option<String>, Vec<u8>, Vec<u8>)>, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let get = |url: String| {
        let client = client.clone();
        async move {
            let response = client
                .get(&url)
                .send()
                .await
                .map_err(|e| format!("GET {url} failed: {e}"))?;
            if !response.status().is_success() {
                return Err(format!("GET {url} answered {}", response.status()));
            }
            response
                .json::<Value>()
                .await
                .map_err(|e| format!("GET {url} is not JSON: {e}"))
        }
    };
    let discovery = get(format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
    .await?;
    if discovery.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err("the discovery document names another issuer".into());
    }
    let jwks_uri = discovery
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or("the discovery document has no jwks_uri")?;
    let jwks = get(jwks_uri.to_string()).await?;
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the JWKS has no keys")?;
    Ok(keys
        .iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some("RSA"))
        .filter_map(|k| {
            let part = |name: &str| {
                URL_SAFE_NO_PAD
                    .decode(k.get(name)?.as_str()?.trim_end_matches('='))
                    .ok()
            };
            Some((
                k.get("kid").and_then(Value::as_str).map(str::to_string),
                part("n")?,
                part("e")?,
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_assertions_and_certificates_are_refused_without_panicking() {
        assert!(Jwt::decode("a.b").is_none());
        assert!(Jwt::decode("!!.??.%%").is_none());
        assert!(
            Certificate::from_pem("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
                .is_none()
        );
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"exp":100,"nbf":50}"#);
        let jwt = Jwt::decode(&format!("{header}.{claims}.AAAA")).expect("decoded");
        assert!(jwt.check_time(60).is_ok());
        assert!(jwt.check_time(100 + CLOCK_SKEW).is_err());
        assert!(jwt.check_time(50 - CLOCK_SKEW - 1).is_err());
        assert!(!jwt.verify_rsa(&[1, 2, 3], &[1, 0, 1]));
    }
}
