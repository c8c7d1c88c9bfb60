//! Vault tokens with a TTL: `auth/token/create`, the control endpoint and the
//! `--vault-token-ttl` setting issue them; they expire (403 afterwards, as for an unknown
//! token) unless `auth/token/renew-self` extends them, never beyond `explicit_max_ttl`.

mod common;

use std::time::Duration;

use common::{Harness, expect};
use serde_json::{Value, json};

async fn lookup(h: &Harness, token: &str) -> (u16, Value) {
    let response = h
        .vault_anonymous("GET", "/v1/auth/token/lookup-self")
        .header("X-Vault-Token", token)
        .send()
        .await
        .expect("sent");
    common::status_and_json(response).await
}

#[tokio::test]
async fn a_short_lived_token_expires_unless_renewed() {
    let h = Harness::start().await;
    let issued = expect(
        h.control("POST", "/_sandbox/vault/tokens")
            .json(&json!({"ttl": 2})),
        200,
    )
    .await;
    let token = issued["token"].as_str().expect("a token").to_string();
    assert_eq!(issued["ttl"], json!(2), "{issued}");
    assert_eq!(issued["policies"], json!(["root"]));
    let (status, body) = lookup(&h, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["renewable"], json!(true));
    assert_eq!(body["data"]["creation_ttl"], json!(2));
    assert!(body["data"]["expire_time"].is_string(), "{body}");

    // Renewed twice across more than its TTL: still alive.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let renewed = expect(
            h.vault_anonymous("POST", "/v1/auth/token/renew-self")
                .header("X-Vault-Token", &token)
                .json(&json!({})),
            200,
        )
        .await;
        assert_eq!(renewed["auth"]["lease_duration"], json!(2), "{renewed}");
        assert_eq!(renewed["auth"]["client_token"], json!(token));
    }
    let (status, _) = lookup(&h, &token).await;
    assert_eq!(status, 200, "alive after 2.4 s thanks to the renewals");

    // Not renewed: gone, with Vault's 403 body, for every path.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let (status, body) = lookup(&h, &token).await;
    assert_eq!(
        (status, body),
        (403, json!({"errors": ["permission denied"]}))
    );
    let denied = expect(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .header("X-Vault-Token", &token),
        403,
    )
    .await;
    assert_eq!(denied, json!({"errors": ["permission denied"]}));
}

#[tokio::test]
async fn renewal_stops_at_the_explicit_max_ttl() {
    let h = Harness::start().await;
    let created = expect(
        h.vault("POST", "/v1/auth/token/create").json(&json!({
            "ttl": "2s", "explicit_max_ttl": "3s", "policies": ["default"], "display_name": "ci"
        })),
        200,
    )
    .await;
    let auth = &created["auth"];
    let token = auth["client_token"].as_str().expect("a token").to_string();
    assert_eq!(auth["lease_duration"], json!(2), "{created}");
    assert_eq!(auth["renewable"], json!(true));
    assert_eq!(auth["policies"], json!(["default"]));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let renewed = expect(
        h.vault_anonymous("POST", "/v1/auth/token/renew-self")
            .header("X-Vault-Token", &token)
            .json(&json!({"increment": 10})),
        200,
    )
    .await;
    let granted = renewed["auth"]["lease_duration"].as_u64().unwrap_or(99);
    assert!(granted <= 2, "capped by explicit_max_ttl: {renewed}");
    // A default-policy token may look itself up but not read the mount table.
    expect(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .header("X-Vault-Token", &token),
        403,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let (status, _) = lookup(&h, &token).await;
    assert_eq!(status, 403, "expired at the cap despite the renewal");
}

#[tokio::test]
async fn child_tokens_cannot_gain_policies_and_the_root_token_does_not_expire() {
    let h = Harness::start().await;
    expect(
        h.vault("PUT", "/v1/sys/policies/acl/reader")
            .json(&json!({"policy": "path \"secret/*\" { capabilities = [\"read\"] }"})),
        204,
    )
    .await;
    let reader = expect(
        h.vault("POST", "/v1/auth/token/create")
            .json(&json!({"policies": ["reader"], "ttl": 60})),
        200,
    )
    .await;
    let reader = reader["auth"]["client_token"]
        .as_str()
        .expect("token")
        .to_string();
    let refused = expect(
        h.vault_anonymous("POST", "/v1/auth/token/create")
            .header("X-Vault-Token", &reader)
            .json(&json!({"policies": ["root"]})),
        // The reader's ACL has no rule for auth/token/create.
        403,
    )
    .await;
    assert_eq!(refused, json!({"errors": ["permission denied"]}));
    // Its policy is evaluated: reads under secret/ pass the ACL (404: nothing there).
    expect(
        h.vault_anonymous("GET", "/v1/secret/data/x")
            .header("X-Vault-Token", &reader),
        404,
    )
    .await;
    expect(
        h.vault_anonymous("POST", "/v1/secret/data/x")
            .header("X-Vault-Token", &reader)
            .json(&json!({"data": {"a": "b"}})),
        403,
    )
    .await;
    let root = lookup(&h, &h.endpoints().vault.token).await;
    assert_eq!(root.1["data"]["ttl"], json!(0), "{}", root.1);
}

#[tokio::test]
async fn the_setting_issues_a_short_lived_token_at_start() {
    let h = Harness::start_with(ff_sandbox::Config {
        vault_token_ttl: Some(30),
        ..Default::default()
    })
    .await;
    let token = h
        .endpoints()
        .vault
        .ttl_token
        .clone()
        .expect("the endpoints line has vault.ttl_token");
    let (status, body) = lookup(&h, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["creation_ttl"], json!(30));
    assert_eq!(body["data"]["policies"], json!(["root"]));
    // Without the setting, the endpoints line has no such token.
    let plain = Harness::start().await;
    assert!(plain.endpoints().vault.ttl_token.is_none());
    let line = serde_json::to_value(plain.endpoints()).expect("serialises");
    assert!(line["vault"].get("ttl_token").is_none(), "{line}");
}
