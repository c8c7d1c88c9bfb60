//! go-plugin's automatic mutual TLS ("AutoMTLS").
//!
//! Terraform generates a throwaway certificate (ECDSA P-521, self-signed) for each plugin it
//! starts and passes it in `PLUGIN_CLIENT_CERT`. The plugin makes its own throwaway
//! certificate, serves TLS with it, requires the client to present exactly Terraform's
//! certificate (and to prove it holds its key), and prints its certificate in the handshake
//! line; Terraform trusts only that one.
//!
//! The server key is ECDSA P-256: of the key types Go's TLS accepts for a server certificate
//! and *ring* can make, it is the fastest to generate, sign the certificate with and load
//! (about 70 µs, against 125 µs for Ed25519 and 1.5 ms for the P-384 `tf-provider` used; run
//! `cargo run --release -p tfplugin --example tls_keys`), and every Go TLS client accepts it.
//! The client's P-521 signatures are verified with the `p521` crate, since the *ring*
//! provider rustls uses here has no P-521.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SignatureAlgorithm,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName as TlsName, SignatureScheme};

/// A key type for the plugin's own certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Ed25519.
    Ed25519,
    /// ECDSA on P-256 with SHA-256: the default.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384 (what `tf-provider` used).
    EcdsaP384,
}

impl KeyKind {
    fn algorithm(self) -> &'static SignatureAlgorithm {
        match self {
            KeyKind::Ed25519 => &rcgen::PKCS_ED25519,
            KeyKind::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyKind::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        }
    }

    /// Every kind, for measurements.
    pub const ALL: [KeyKind; 3] = [KeyKind::Ed25519, KeyKind::EcdsaP256, KeyKind::EcdsaP384];
}

/// Why AutoMTLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` holds no PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate ({0})")]
    ClientCert(&'static str),
    /// The plugin's own certificate could not be made.
    #[error("could not make the plugin's certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("could not configure TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The plugin's certificate (DER) and its private key (PKCS#8 DER).
pub struct ServerIdentity {
    /// The certificate, as the handshake line carries it.
    pub certificate: Vec<u8>,
    key: Vec<u8>,
}

/// Makes the plugin's throwaway certificate: self-signed, for `localhost` (the name go-plugin
/// verifies), valid from 30 seconds ago (clock skew) for 30 years, usable by client and
/// server, as go-plugin's own.
pub fn generate(kind: KeyKind) -> Result<ServerIdentity, TlsError> {
    let key = KeyPair::generate_for(kind.algorithm())?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::days(30 * 365);
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    name.push(DnType::OrganizationName, "HashiCorp");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let certificate = params.self_signed(&key)?;
    Ok(ServerIdentity {
        certificate: certificate.der().to_vec(),
        key: key.serialize_der(),
    })
}

/// The first certificate of a PEM text, as DER.
pub fn client_certificate(pem: &str) -> Result<Vec<u8>, TlsError> {
    use base64::Engine as _;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = pem
        .find(BEGIN)
        .ok_or(TlsError::ClientCert("no BEGIN CERTIFICATE line"))?
        + BEGIN.len();
    let length = pem[start..]
        .find(END)
        .ok_or(TlsError::ClientCert("no END CERTIFICATE line"))?;
    let body: String = pem[start..start + length]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| TlsError::ClientCert("the certificate is not base64"))?;
    // A certificate is a DER SEQUENCE; anything else is refused here rather than at the
    // first connection.
    if der.first() != Some(&0x30) || spki_of(&der).is_none() {
        return Err(TlsError::ClientCert(
            "the certificate is not an X.509 certificate",
        ));
    }
    Ok(der)
}

/// The rustls server configuration: the plugin's identity, HTTP/2 by ALPN (Go's gRPC client
/// insists on it), and the client pinned to `client_der`.
pub fn server_config(
    identity: &ServerIdentity,
    client_der: Vec<u8>,
) -> Result<rustls::ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedClient {
        certificate: client_der,
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(identity.certificate.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key.clone())),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts exactly one client certificate: the one Terraform passed.
#[derive(Debug)]
struct PinnedClient {
    certificate: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClient {
    fn verify_p521(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        use p521::ecdsa::signature::Verifier as _;
        let bad = || rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature);
        let point = ec_point_of(cert.as_ref(), P521_ALGORITHM).ok_or_else(bad)?;
        let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad())?;
        let signature = p521::ecdsa::Signature::from_der(dss.signature()).map_err(|_| bad())?;
        key.verify(message, &signature).map_err(|_| bad())?;
        Ok(HandshakeSignatureValid::assertion())
    }
}

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[TlsName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.certificate.as_slice() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if dss.scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            return self.verify_p521(message, cert, dss);
        }
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if dss.scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            return self.verify_p521(message, cert, dss);
        }
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = vec![SignatureScheme::ECDSA_NISTP521_SHA512];
        schemes.extend(self.algorithms.supported_schemes());
        schemes
    }
}

/// `AlgorithmIdentifier` contents of an EC public key on P-521 (id-ecPublicKey, secp521r1).
const P521_ALGORITHM: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23,
];

/// A DER element: its tag, its contents, and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return None;
    }
    Some((tag, &rest[..length], &rest[length..]))
}

/// The `SubjectPublicKeyInfo` contents of a certificate: tbsCertificate is the first element
/// of the certificate; in it, skip the optional version, the serial, the signature algorithm,
/// the issuer, the validity and the subject.
fn spki_of(certificate: &[u8]) -> Option<&[u8]> {
    let (0x30, certificate, _) = der_element(certificate)? else {
        return None;
    };
    let (0x30, tbs, _) = der_element(certificate)? else {
        return None;
    };
    let mut rest = tbs;
    let (tag, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after; // [0] version
    }
    for _ in 0..5 {
        let (_, _, after) = der_element(rest)?; // serial, signature, issuer, validity, subject
        rest = after;
    }
    let (0x30, spki, _) = der_element(rest)? else {
        return None;
    };
    Some(spki)
}

/// The public point of an EC key whose algorithm identifier contents are `algorithm`.
fn ec_point_of<'a>(certificate: &'a [u8], algorithm: &[u8]) -> Option<&'a [u8]> {
    let spki = spki_of(certificate)?;
    let (0x30, found, rest) = der_element(spki)? else {
        return None;
    };
    if found != algorithm {
        return None;
    }
    let (0x03, bits, _) = der_element(rest)? else {
        return None;
    };
    // A BIT STRING starts with its count of unused bits, 0 for a key.
    match bits.split_first() {
        Some((0, point)) => Some(point),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_kind_makes_a_parsable_certificate() {
        for kind in KeyKind::ALL {
            let identity = generate(kind).expect("generates");
            assert!(spki_of(&identity.certificate).is_some(), "{kind:?}");
            let pem = format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    &identity.certificate
                )
            );
            assert_eq!(client_certificate(&pem).expect("pem"), identity.certificate);
        }
    }

    #[test]
    fn bad_client_certificates_are_refused_with_the_reason() {
        for (pem, reason) in [
            ("", "no BEGIN"),
            ("-----BEGIN CERTIFICATE-----\nAAAA", "no END"),
            (
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----",
                "not base64",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                "not an X.509",
            ),
        ] {
            let error = client_certificate(pem).expect_err("refused");
            assert!(error.to_string().contains(reason), "{pem:?}: {error}");
        }
    }

    #[test]
    fn der_lengths_are_checked() {
        assert!(der_element(&[0x30]).is_none());
        assert!(der_element(&[0x30, 0x05, 1, 2]).is_none());
        assert!(der_element(&[0x30, 0x85, 0, 0, 0, 0, 1]).is_none());
        assert_eq!(
            der_element(&[0x04, 0x81, 0x01, 9, 7]),
            Some((0x04, &[9u8][..], &[7u8][..]))
        );
    }
}
