//! The JWT auth method: configuration with a public key, roles with bound audiences and
//! claims, and `auth/<mount>/login` verifying an RS256 signature (keys made with openssl)
//! and the claims, then issuing a token with the role's policies and TTL.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Harness, expect};
use serde_json::{Value, json};

/// A throwaway RSA key made with openssl.
struct Key {
    dir: std::path::PathBuf,
}

impl Key {
    fn new(name: &str) -> Key {
        let dir = common::temp_path(&format!("jwt-{name}"));
        std::fs::create_dir_all(&dir).expect("key dir");
        let ok = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(dir.join("key.pem"))
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs")
            .success();
        assert!(ok, "openssl genpkey");
        let ok = Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(dir.join("pub.pem"))
            .status()
            .expect("openssl runs")
            .success();
        assert!(ok, "openssl pkey -pubout");
        Key { dir }
    }

    fn public_pem(&self) -> String {
        std::fs::read_to_string(self.dir.join("pub.pem")).expect("public key")
    }

    /// A compact RS256 JWS of `claims`.
    fn sign(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(self.dir.join("key.pem"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("openssl runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("written");
        let out = child.wait_with_output().expect("signed");
        assert!(out.status.success(), "openssl dgst -sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(out.stdout))
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn claims() -> Value {
    json!({
        "iss": "https://app.terraform.io",
        "aud": "vault.example",
        "sub": "organization:acme:project:Default Project:workspace:wm-prod:run_phase:apply",
        "terraform_workspace_name": "wm-prod",
        "iat": now(),
        "nbf": now(),
        "exp": now() + 600,
    })
}

async fn login(h: &Harness, role: &str, jwt: &str) -> (u16, Value) {
    let response = h
        .vault_anonymous("POST", "/v1/auth/jwt/login")
        .json(&json!({"role": role, "jwt": jwt}))
        .send()
        .await
        .expect("sent");
    common::status_and_json(response).await
}

async fn set_up(h: &Harness, key: &Key) {
    expect(
        h.vault("POST", "/v1/sys/auth/jwt")
            .json(&json!({"type": "jwt"})),
        204,
    )
    .await;
    expect(
        h.vault("POST", "/v1/auth/jwt/config").json(&json!({
            "jwt_validation_pubkeys": [key.public_pem()],
            "bound_issuer": "https://app.terraform.io",
        })),
        204,
    )
    .await;
    expect(
        h.vault("PUT", "/v1/sys/policies/acl/ff-admin")
            .json(&json!({"policy": "path \"sys/mounts\" { capabilities = [\"read\"] }"})),
        204,
    )
    .await;
    expect(
        h.vault("POST", "/v1/auth/jwt/role/tfc").json(&json!({
            "role_type": "jwt",
            "user_claim": "terraform_workspace_name",
            "bound_audiences": ["vault.example"],
            "bound_claims_type": "glob",
            "bound_claims": {"sub": "organization:acme:*"},
            "token_policies": ["ff-admin"],
            "token_ttl": "3s",
        })),
        204,
    )
    .await;
}

#[tokio::test]
async fn a_signed_jwt_logs_in_with_the_role_policies_and_ttl() {
    let h = Harness::start().await;
    let key = Key::new("good");
    set_up(&h, &key).await;
    let (status, body) = login(&h, "tfc", &key.sign(&claims())).await;
    assert_eq!(status, 200, "{body}");
    let auth = &body["auth"];
    assert_eq!(auth["lease_duration"], json!(3), "{body}");
    assert_eq!(auth["renewable"], json!(true));
    assert_eq!(auth["policies"], json!(["default", "ff-admin"]));
    assert_eq!(auth["metadata"], json!({"role": "tfc"}));
    let token = auth["client_token"].as_str().expect("token").to_string();
    // The token's policy is in force: the mount table yes, a secret no.
    expect(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .header("X-Vault-Token", &token),
        200,
    )
    .await;
    expect(
        h.vault_anonymous("GET", "/v1/secret/data/x")
            .header("X-Vault-Token", &token),
        403,
    )
    .await;
    // The role reads back with its settings; the config keeps the public key.
    let role = expect(h.vault("GET", "/v1/auth/jwt/role/tfc"), 200).await;
    assert_eq!(role["data"]["token_ttl"], json!(3), "{role}");
    assert_eq!(role["data"]["bound_audiences"], json!(["vault.example"]));
    let config = expect(h.vault("GET", "/v1/auth/jwt/config"), 200).await;
    assert_eq!(
        config["data"]["jwt_validation_pubkeys"][0],
        json!(key.public_pem())
    );
    // And the token expires after the role's TTL.
    tokio::time::sleep(std::time::Duration::from_millis(3300)).await;
    expect(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .header("X-Vault-Token", &token),
        403,
    )
    .await;
}

#[tokio::test]
async fn bad_signatures_and_claims_are_refused_with_the_reason() {
    let h = Harness::start().await;
    let key = Key::new("trusted");
    let other = Key::new("other");
    set_up(&h, &key).await;
    let message = |body: &Value| body["errors"][0].as_str().unwrap_or_default().to_string();

    let (status, body) = login(&h, "tfc", &other.sign(&claims())).await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("signature"), "{body}");

    // A valid signature over other claims does not transfer.
    let good = key.sign(&claims());
    let mut parts: Vec<&str> = good.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(json!({"aud": "vault.example", "sub": "organization:acme:x", "terraform_workspace_name": "x", "iss": "https://app.terraform.io", "exp": now() + 600}).to_string());
    parts[1] = &forged;
    let (status, body) = login(&h, "tfc", &parts.join(".")).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("signature"), "{body}");

    let cases: Vec<(Value, &str)> = vec![
        (json!({"exp": now() - 3600}), "expired"),
        (json!({"nbf": now() + 3600}), "not valid yet"),
        (json!({"aud": "someone-else"}), "audience"),
        (json!({"iss": "https://evil.example"}), "issuer"),
        (json!({"sub": "organization:evil:workspace:x"}), "\"sub\""),
        (
            json!({"terraform_workspace_name": null}),
            "terraform_workspace_name",
        ),
    ];
    for (change, expected) in cases {
        let mut c = claims();
        for (k, v) in change.as_object().into_iter().flatten() {
            if v.is_null() {
                c.as_object_mut().map(|m| m.remove(k));
            } else {
                c[k] = v.clone();
            }
        }
        let (status, body) = login(&h, "tfc", &key.sign(&c)).await;
        assert_eq!(status, 400, "{change}: {body}");
        assert!(
            message(&body).contains(expected),
            "{change}: expected {expected:?} in {body}"
        );
    }
    let (status, body) = login(&h, "nope", &good).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("could not be found"), "{body}");
    let (status, body) = login(&h, "tfc", "not-a-jwt").await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("three"), "{body}");
    // No token was issued for any of these.
    let state = h.state().await;
    let tokens = state["vault"]["tokens"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert_eq!(
        tokens, 1,
        "only the root token: {}",
        state["vault"]["tokens"]
    );
}

#[tokio::test]
async fn roles_and_configs_are_checked() {
    let h = Harness::start().await;
    let key = Key::new("cfg");
    expect(
        h.vault("POST", "/v1/sys/auth/jwt")
            .json(&json!({"type": "jwt"})),
        204,
    )
    .await;
    // Login before any configuration.
    let (status, _) = login(&h, "tfc", &key.sign(&claims())).await;
    assert_eq!(status, 400);
    for bad in [
        json!({}),
        json!({"jwt_validation_pubkeys": ["not a key"]}),
        json!({"jwks_url": "https://example.com/jwks"}),
    ] {
        expect(h.vault("POST", "/v1/auth/jwt/config").json(&bad), 400).await;
    }
    expect(
        h.vault("POST", "/v1/auth/jwt/config")
            .json(&json!({"jwt_validation_pubkeys": key.public_pem()})),
        204,
    )
    .await;
    let no_claim = expect(
        h.vault("POST", "/v1/auth/jwt/role/r")
            .json(&json!({"role_type": "jwt", "bound_audiences": ["a"]})),
        400,
    )
    .await;
    assert!(no_claim.to_string().contains("user claim"), "{no_claim}");
    expect(
        h.vault("POST", "/v1/auth/jwt/role/r")
            .json(&json!({"role_type": "jwt", "user_claim": "sub"})),
        400,
    )
    .await;
    // An oidc role (the default type) cannot log in with a JWT.
    expect(
        h.vault("POST", "/v1/auth/jwt/role/o")
            .json(&json!({"user_claim": "sub", "bound_audiences": ["vault.example"]})),
        204,
    )
    .await;
    let (status, body) = login(&h, "o", &key.sign(&claims())).await;
    assert_eq!(status, 400, "{body}");
    let listed = expect(h.vault("LIST", "/v1/auth/jwt/role"), 200).await;
    assert_eq!(listed["data"]["keys"], json!(["o"]));
    // Reading the configuration needs a token; logging in does not.
    expect(h.vault_anonymous("GET", "/v1/auth/jwt/config"), 403).await;
}
