//! Throwaway RSA keys (made with `openssl`) and the RS256 JWTs they sign, as Terraform
//! Cloud's workload identity tokens look; and the Vault JWT auth method set up in a
//! sandbox to trust them.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::sandbox::Sandbox;

/// An RSA key pair in a temporary directory.
pub struct RsaKey {
    dir: tempfile::TempDir,
}

impl RsaKey {
    /// A new 2048-bit key.
    pub fn generate() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ff-e2e-jwt-")
            .tempdir()
            .expect("temp dir");
        let private = dir.path().join("key.pem");
        let public = dir.path().join("pub.pem");
        let status = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(&private)
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs (Debian package openssl)");
        assert!(status.success(), "openssl genpkey failed");
        let status = Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&private)
            .arg("-out")
            .arg(&public)
            .status()
            .expect("openssl runs");
        assert!(status.success(), "openssl pkey -pubout failed");
        Self { dir }
    }

    /// The public key (PEM, `BEGIN PUBLIC KEY`).
    pub fn public_pem(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pub.pem")).expect("the public key")
    }

    /// A compact RS256 JWT of `claims`, signed with `openssl dgst -sha256 -sign`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(self.dir.path().join("key.pem"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("openssl runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("the signing input is written");
        let output = child.wait_with_output().expect("openssl signs");
        assert!(output.status.success(), "openssl dgst -sign failed");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(output.stdout))
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The audience the role binds.
pub const AUDIENCE: &str = "vault.ff.example";

/// Claims like those of a Terraform Cloud workload identity token for an apply of the
/// workspace `workspace`, valid for ten minutes.
pub fn tfc_claims(workspace: &str) -> Value {
    json!({
        "iss": "https://app.terraform.io",
        "aud": AUDIENCE,
        "sub": format!("organization:acme:project:Default Project:workspace:{workspace}:run_phase:apply"),
        "terraform_organization_name": "acme",
        "terraform_workspace_name": workspace,
        "terraform_run_phase": "apply",
        "iat": now(),
        "nbf": now(),
        "exp": now() + 600,
    })
}

/// Enable the JWT auth method at `jwt/`, trust `key`, and create the role `role` for the
/// organization `acme`'s runs, whose tokens carry a policy that may manage deployments
/// and last `token_ttl`.
pub fn set_up_vault(sandbox: &Sandbox, key: &RsaKey, role: &str, token_ttl: &str) {
    let check = |what: &str, answer: crate::sandbox::Answer| {
        assert!(
            answer.status == 200 || answer.status == 204,
            "{what}: {answer:?}"
        );
    };
    check(
        "enable jwt",
        sandbox.vault("POST", "sys/auth/jwt", Some(json!({"type": "jwt"}))),
    );
    check(
        "configure jwt",
        sandbox.vault(
            "POST",
            "auth/jwt/config",
            Some(json!({
                "jwt_validation_pubkeys": [key.public_pem()],
                "bound_issuer": "https://app.terraform.io",
            })),
        ),
    );
    check(
        "policy",
        sandbox.vault(
            "PUT",
            "sys/policies/acl/ff-provisioner",
            Some(json!({"policy": PROVISIONER_POLICY})),
        ),
    );
    check(
        "role",
        sandbox.vault(
            "POST",
            &format!("auth/jwt/role/{role}"),
            Some(json!({
                "role_type": "jwt",
                "user_claim": "terraform_workspace_name",
                "bound_audiences": [AUDIENCE],
                "bound_claims_type": "glob",
                "bound_claims": {"sub": "organization:acme:*"},
                "token_policies": ["ff-provisioner"],
                "token_ttl": token_ttl,
            })),
        ),
    );
}

/// What the provider needs in Vault: the mount table, the deployments' KV mount, ACL
/// policies and auth methods (for the platform bootstrap's Kubernetes auth).
pub const PROVISIONER_POLICY: &str = r#"
path "sys/mounts" { capabilities = ["read"] }
path "sys/mounts/deployments" { capabilities = ["create", "read", "update"] }
path "deployments/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "sys/policies/acl/ff-*" { capabilities = ["create", "read", "update", "delete"] }
path "sys/auth" { capabilities = ["read"] }
path "sys/auth/kubernetes-*" { capabilities = ["create", "read", "update", "delete", "sudo"] }
path "auth/kubernetes-*" { capabilities = ["create", "read", "update", "delete", "list"] }
"#;
