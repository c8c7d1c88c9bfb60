//! Vault authentication and routing basics: token headers, 403 bodies, lookup-self,
//! renew-self of the root token, health without a token, unknown paths and methods.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn missing_or_unknown_tokens_are_denied() {
    let h = Harness::start().await;
    let missing = expect(h.vault_anonymous("GET", "/v1/secret/data/x"), 403).await;
    assert_eq!(missing, json!({"errors": ["permission denied"]}));
    let unknown = expect(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .header("X-Vault-Token", "hvs.nope"),
        403,
    )
    .await;
    assert_eq!(unknown, json!({"errors": ["permission denied"]}));
    // The bearer form works too.
    let token = h.endpoints().vault.token.clone();
    expect(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .bearer_auth(token),
        200,
    )
    .await;
}

#[tokio::test]
async fn lookup_self_returns_the_token_itself() {
    let h = Harness::start().await;
    let body = expect(h.vault("GET", "/v1/auth/token/lookup-self"), 200).await;
    let data = &body["data"];
    assert_eq!(data["id"], json!(h.endpoints().vault.token), "{body}");
    assert_eq!(data["policies"], json!(["root"]));
    assert_eq!(data["ttl"], json!(0));
    assert_eq!(data["renewable"], json!(false));
    assert!(data["accessor"].as_str().is_some_and(|a| !a.is_empty()));
    for key in [
        "request_id",
        "lease_id",
        "renewable",
        "lease_duration",
        "wrap_info",
        "warnings",
        "auth",
    ] {
        assert!(
            body.get(key).is_some(),
            "envelope field {key} missing: {body}"
        );
    }
    let renew = expect(
        h.vault("POST", "/v1/auth/token/renew-self")
            .json(&json!({})),
        400,
    )
    .await;
    assert_eq!(renew, json!({"errors": ["lease is not renewable"]}));
}

#[tokio::test]
async fn health_needs_no_token_and_unknown_paths_are_404() {
    let h = Harness::start().await;
    let health = expect(h.vault_anonymous("GET", "/v1/sys/health"), 200).await;
    assert_eq!(health["initialized"], json!(true));
    assert_eq!(health["sealed"], json!(false));
    let unknown = expect(h.vault("GET", "/v1/nowhere/at/all"), 404).await;
    assert_eq!(
        unknown,
        json!({"errors": ["no handler for route \"nowhere/at/all\". route entry not found."]})
    );
    expect(h.vault("GET", "/v1/secret/bogus/x"), 404).await;
    let wrong = expect(h.vault("DELETE", "/v1/sys/mounts"), 405).await;
    assert_eq!(wrong, json!({"errors": ["unsupported operation"]}));
    expect(h.vault("OPTIONS", "/v1/sys/mounts"), 405).await;
}

#[tokio::test]
async fn a_given_root_token_is_used() {
    let h = Harness::start_with(ff_sandbox::Config {
        vault_token: Some("root-for-tests".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(h.endpoints().vault.token, "root-for-tests");
    expect(h.vault("GET", "/v1/auth/token/lookup-self"), 200).await;
}
