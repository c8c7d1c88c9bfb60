//! A test OpenID Connect issuer on loopback, as HCP Terraform is one for its workload identity
//! tokens: it serves its discovery document (`/.well-known/openid-configuration`) and its
//! keys (`/.well-known/jwks`), and signs RS256 tokens with a throwaway key
//! ([`crate::jwt::RsaKey`], made with `openssl`). Entra ID's emulator fetches both to check
//! a federated token's signature. Also: a client certificate for Entra, and the files HCP
//! Terraform's agent writes for AWS dynamic credentials.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::jwt::{RsaKey, now};

/// A running issuer; its thread serves until the process ends.
pub struct OidcIssuer {
    key: RsaKey,
    url: String,
}

/// The RSA modulus of a public key, big-endian bytes (from `openssl rsa -modulus`).
fn modulus(public_pem: &str) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(["rsa", "-pubin", "-noout", "-modulus"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl runs (Debian package openssl)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(public_pem.as_bytes())
        .expect("the key is written");
    let output = child.wait_with_output().expect("openssl answers");
    let text = String::from_utf8_lossy(&output.stdout);
    let hex = text
        .trim()
        .strip_prefix("Modulus=")
        .unwrap_or_else(|| panic!("openssl printed the modulus: {text}"));
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

impl OidcIssuer {
    /// A new key, served at `http://127.0.0.1:PORT`.
    pub fn start() -> Self {
        let key = RsaKey::generate();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the issuer");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("the issuer's address")
        );
        let n = URL_SAFE_NO_PAD.encode(modulus(&key.public_pem()));
        let discovery = json!({
            "issuer": url,
            "jwks_uri": format!("{url}/.well-known/jwks"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
        })
        .to_string();
        let jwks =
            json!({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "n": n, "e": "AQAB"}]})
                .to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(&mut stream);
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // Read the headers to the blank line.
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = line.split_whitespace().nth(1).unwrap_or_default();
                let (status, body) = match path {
                    "/.well-known/openid-configuration" => ("200 OK", discovery.as_str()),
                    "/.well-known/jwks" => ("200 OK", jwks.as_str()),
                    _ => ("404 Not Found", "{}"),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { key, url }
    }

    /// The issuer URL (the tokens' `iss`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// An RS256 token of this issuer with `claims` (its `iss` set to the issuer).
    pub fn token(&self, mut claims: Value) -> String {
        claims["iss"] = json!(self.url);
        self.key.sign(&claims)
    }

    /// An RS256 token signed with this issuer's key, its claims as given (a token claiming
    /// another issuer: what a forger would send).
    pub fn token_claiming(&self, claims: Value) -> String {
        self.key.sign(&claims)
    }

    /// Claims as HCP Terraform's workload identity token has them for a run of `workspace`
    /// in `phase`, for `audience`, valid for ten minutes.
    pub fn run_claims(audience: &str, workspace: &str, phase: &str) -> Value {
        json!({
            "aud": audience,
            "sub": format!("organization:acme:project:Default Project:workspace:{workspace}:run_phase:{phase}"),
            "terraform_organization_name": "acme",
            "terraform_project_name": "Default Project",
            "terraform_workspace_name": workspace,
            "terraform_run_phase": phase,
            "iat": now(),
            "nbf": now(),
            "exp": now() + 600,
        })
    }
}

/// A self-signed client certificate with its RSA key: the PEM files and a PKCS#12 bundle
/// protected by `password`, as azurerm takes a service principal's certificate.
pub struct ClientCertificate {
    dir: tempfile::TempDir,
}

impl ClientCertificate {
    /// A new certificate (2048-bit RSA), its PKCS#12 file encrypted with `password`.
    pub fn generate(password: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ff-e2e-cert-")
            .tempdir()
            .expect("temp dir");
        let run = |args: &[&str]| {
            let status = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .stderr(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .expect("openssl runs");
            assert!(status.success(), "openssl {args:?} failed");
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-subj",
            "/CN=ff-e2e service principal",
            "-days",
            "2",
        ]);
        run(&[
            "pkcs12",
            "-export",
            "-in",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-out",
            "client.pfx",
            "-passout",
            &format!("pass:{password}"),
        ]);
        Self { dir }
    }

    /// The certificate (PEM), what is registered on the application.
    pub fn certificate_pem(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("cert.pem")).expect("the certificate")
    }

    /// The PKCS#12 file.
    pub fn pfx_path(&self) -> PathBuf {
        self.dir.path().join("client.pfx")
    }
}

/// What an HCP Terraform agent writes for AWS dynamic credentials
/// (`TFC_AWS_PROVIDER_AUTH`, `TFC_AWS_RUN_ROLE_ARN`): the workload identity token in a file,
/// and a shared config file whose default profile assumes the run role with it; the run's
/// environment then holds `AWS_CONFIG_FILE` and nothing secret.
pub fn write_aws_dynamic_credentials(dir: &Path, role_arn: &str, token: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("the credentials directory");
    let token_file = dir.join("aws-token.jwt");
    std::fs::write(&token_file, token).expect("the token file");
    let config = dir.join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[default]\nrole_arn = {role_arn}\nweb_identity_token_file = {}\nrole_session_name = terraform-run-ff-e2e\n",
            token_file.display()
        ),
    )
    .expect("the shared config file");
    config
}
