//! Grafana service accounts and tokens: create, duplicate names, search, update, token
//! mint/list/revoke, and deleting an account revoking its tokens.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn service_account_lifecycle() {
    let h = Harness::start().await;
    let created = expect(
        h.grafana("POST", "/api/serviceaccounts")
            .json(&json!({"name": "wm-prod-deployer", "role": "Editor", "isDisabled": false})),
        201,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], json!("wm-prod-deployer"));
    assert_eq!(created["role"], json!("Editor"));
    assert_eq!(created["login"], json!("sa-1-wm-prod-deployer"));
    assert_eq!(created["isDisabled"], json!(false));

    let dup = expect(
        h.grafana("POST", "/api/serviceaccounts")
            .json(&json!({"name": "wm-prod-deployer"})),
        400,
    )
    .await;
    assert_eq!(dup["message"], json!("service account already exists"));
    assert_eq!(dup["messageId"], json!("serviceaccounts.ErrAlreadyExists"));
    let bad_role = expect(
        h.grafana("POST", "/api/serviceaccounts")
            .json(&json!({"name": "x", "role": "Superuser"})),
        400,
    )
    .await;
    assert_eq!(bad_role["message"], json!("invalid role specified"));

    let found = expect(
        h.grafana("GET", "/api/serviceaccounts/search?query=deployer"),
        200,
    )
    .await;
    assert_eq!(found["totalCount"], json!(1));
    assert_eq!(found["serviceAccounts"][0]["id"], json!(id));
    assert_eq!(found["perPage"], json!(1000));

    let got = expect(h.grafana("GET", &format!("/api/serviceaccounts/{id}")), 200).await;
    assert_eq!(got["role"], json!("Editor"));
    let patched = expect(
        h.grafana("PATCH", &format!("/api/serviceaccounts/{id}"))
            .json(&json!({"role": "Viewer"})),
        200,
    )
    .await;
    assert_eq!(patched["message"], json!("Service account updated"));
    assert_eq!(patched["serviceaccount"]["role"], json!("Viewer"));

    let deleted = expect(
        h.grafana("DELETE", &format!("/api/serviceaccounts/{id}")),
        200,
    )
    .await;
    assert_eq!(deleted, json!({"message": "Service account deleted"}));
    let missing = expect(h.grafana("GET", &format!("/api/serviceaccounts/{id}")), 404).await;
    assert_eq!(missing["message"], json!("service account not found"));
}

#[tokio::test]
async fn tokens_are_shown_once_and_revocable() {
    let h = Harness::start().await;
    let account = expect(
        h.grafana("POST", "/api/serviceaccounts")
            .json(&json!({"name": "bot", "role": "Admin"})),
        201,
    )
    .await;
    let id = account["id"].as_i64().unwrap();
    let minted = expect(
        h.grafana("POST", &format!("/api/serviceaccounts/{id}/tokens"))
            .json(&json!({"name": "bot-token", "secondsToLive": 3600})),
        200,
    )
    .await;
    let token_id = minted["id"].as_i64().unwrap();
    let key = minted["key"].as_str().unwrap().to_string();
    assert_eq!(minted["name"], json!("bot-token"));

    let listed = expect(
        h.grafana("GET", &format!("/api/serviceaccounts/{id}/tokens")),
        200,
    )
    .await;
    let first = &listed[0];
    assert_eq!(first["name"], json!("bot-token"));
    assert!(
        first.get("key").is_none(),
        "keys are never listed: {listed}"
    );
    assert!(first["expiration"].is_string(), "{listed}");
    assert_eq!(first["hasExpired"], json!(false));

    let dup = expect(
        h.grafana("POST", &format!("/api/serviceaccounts/{id}/tokens"))
            .json(&json!({"name": "bot-token"})),
        400,
    )
    .await;
    assert_eq!(
        dup["messageId"],
        json!("serviceaccounts.ErrTokenAlreadyExists")
    );

    // The token works as a bearer credential with the account's role.
    expect(
        h.grafana_anonymous("GET", "/api/teams/search")
            .bearer_auth(&key),
        200,
    )
    .await;

    let revoked = expect(
        h.grafana(
            "DELETE",
            &format!("/api/serviceaccounts/{id}/tokens/{token_id}"),
        ),
        200,
    )
    .await;
    assert_eq!(revoked, json!({"message": "API key deleted"}));
    expect(
        h.grafana_anonymous("GET", "/api/teams/search")
            .bearer_auth(&key),
        401,
    )
    .await;
    expect(
        h.grafana(
            "DELETE",
            &format!("/api/serviceaccounts/{id}/tokens/{token_id}"),
        ),
        404,
    )
    .await;
    expect(
        h.grafana("POST", "/api/serviceaccounts/999/tokens")
            .json(&json!({"name": "t"})),
        404,
    )
    .await;
}
