//! The Auth0 emulator: client credentials, the Management API's objects, paging with
//! `include_totals`, field selection, the documented error body, and the rate limit with
//! its `X-RateLimit-*` headers (configurable through the control API).

mod common;

use common::{Harness, expect, status_and_json};
use ff_sandbox::Config;
use ff_sandbox::auth0::rate_limit::RateLimit;
use serde_json::{Value, json};

/// A sandbox whose Management API is not rate-limited, for the behaviour tests.
async fn unlimited() -> Harness {
    Harness::start_with(Config {
        auth0_rate_limit: Some(RateLimit {
            per_second: 0.0,
            burst: 0,
        }),
        ..Config::default()
    })
    .await
}

#[tokio::test]
async fn token_needs_the_management_credentials_and_audience() {
    let h = unlimited().await;
    let a = h.endpoints().auth0.clone();
    let wrong = h
        .http
        .post(format!("{}/oauth/token", a.domain))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", a.client_id.as_str()),
            ("client_secret", "nope"),
            ("audience", &format!("{}/api/v2/", a.domain)),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(wrong).await;
    assert_eq!(
        (status, body["error"].clone()),
        (401, json!("access_denied"))
    );
    let token = h.auth0_token().await;
    expect(h.auth0(&token, "GET", "/clients"), 200).await;
    let (status, body) = status_and_json(
        h.auth0("not-a-token", "GET", "/clients")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["statusCode"], json!(401));
    h.shutdown().await;
}

#[tokio::test]
async fn clients_page_with_totals_and_fields() {
    let h = unlimited().await;
    let token = h.auth0_token().await;
    for i in 0..5 {
        expect(
            h.auth0(&token, "POST", "/clients").json(&json!({
                "name": format!("app-{i}"),
                "app_type": "non_interactive",
                "client_metadata": {"ff_deployment_key": "WM-Prod"},
            })),
            201,
        )
        .await;
    }
    // The management client itself is listed too: 6 in all.
    let page = expect(
        h.auth0(&token, "GET", "/clients?page=1&per_page=4&include_totals=true&fields=client_id,name&include_fields=true"),
        200,
    )
    .await;
    assert_eq!(page["start"], json!(4));
    assert_eq!(page["limit"], json!(4));
    assert_eq!(page["length"], json!(2));
    assert_eq!(page["total"], json!(6));
    let first = &page["clients"][0];
    assert!(first.get("client_secret").is_none(), "{first}");
    assert!(first.get("name").is_some(), "{first}");
    let plain = expect(h.auth0(&token, "GET", "/clients?per_page=100"), 200).await;
    assert_eq!(plain.as_array().map(Vec::len), Some(6));
    let (status, body) = status_and_json(
        h.auth0(&token, "GET", "/clients?per_page=101")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errorCode"], json!("invalid_query_string"));
    h.shutdown().await;
}

#[tokio::test]
async fn documented_error_body() {
    let h = unlimited().await;
    let token = h.auth0_token().await;
    let (status, body) = status_and_json(
        h.auth0(&token, "GET", "/clients/nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"statusCode": 404, "error": "Not Found", "message": "The client does not exist", "errorCode": "inexistent_client"})
    );
    let (status, body) = status_and_json(
        h.auth0(&token, "POST", "/clients")
            .json(&json!({"name": "x", "app_type": "tv"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (400, json!("invalid_body"))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn resource_server_grants_roles_and_rotation() {
    let h = unlimited().await;
    let token = h.auth0_token().await;
    let api = expect(
        h.auth0(&token, "POST", "/resource-servers").json(&json!({
            "name": "ff-wm-prod-api",
            "identifier": "https://api.wm-prod.example",
            "scopes": [{"value": "read:data", "description": "Read"}],
        })),
        201,
    )
    .await;
    assert_eq!(api["token_lifetime"], json!(86400));
    // By identifier, percent-encoded.
    let by_identifier = expect(
        h.auth0(
            &token,
            "GET",
            "/resource-servers/https%3A%2F%2Fapi.wm-prod.example",
        ),
        200,
    )
    .await;
    assert_eq!(by_identifier["id"], api["id"]);
    let (status, _) = status_and_json(
        h.auth0(&token, "POST", "/resource-servers")
            .json(&json!({"identifier": "https://api.wm-prod.example"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409);

    let client = expect(
        h.auth0(&token, "POST", "/clients")
            .json(&json!({"name": "worker", "app_type": "non_interactive"})),
        201,
    )
    .await;
    let client_id = client["client_id"].as_str().unwrap().to_string();
    let grant = expect(
        h.auth0(&token, "POST", "/client-grants").json(&json!({
            "client_id": client_id, "audience": "https://api.wm-prod.example", "scope": ["read:data"],
        })),
        201,
    )
    .await;
    let (status, body) = status_and_json(
        h.auth0(&token, "POST", "/client-grants")
            .json(&json!({"client_id": client_id, "audience": "https://api.wm-prod.example", "scope": ["write:data"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let listed = expect(
        h.auth0(
            &token,
            "GET",
            "/client-grants?audience=https%3A%2F%2Fapi.wm-prod.example&include_totals=true",
        ),
        200,
    )
    .await;
    assert_eq!(listed["client_grants"][0]["id"], grant["id"]);
    let checkpoint = expect(h.auth0(&token, "GET", "/client-grants?take=1"), 200).await;
    assert_eq!(checkpoint, json!({"client_grants": [grant.clone()]}));

    // The application's credentials get tokens for the API it was granted.
    let secret = client["client_secret"].as_str().unwrap().to_string();
    let app_token = |secret: String| {
        let domain = h.endpoints().auth0.domain.clone();
        let client_id = client_id.clone();
        async move {
            status_and_json(
                reqwest::Client::new()
                    .post(format!("{domain}/oauth/token"))
                    .json(&json!({"grant_type": "client_credentials", "client_id": client_id,
                                  "client_secret": secret, "audience": "https://api.wm-prod.example"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_eq!(app_token(secret.clone()).await.0, 200);
    let rotated = expect(
        h.auth0(
            &token,
            "POST",
            &format!("/clients/{client_id}/rotate-secret"),
        ),
        200,
    )
    .await;
    assert_ne!(rotated["client_secret"], json!(secret));
    assert_eq!(
        app_token(secret).await.0,
        401,
        "the old secret no longer works"
    );
    // A secret set through PATCH is the client's secret from then on.
    let chosen = "a-secret-chosen-by-the-caller-0123456789";
    let patched = expect(
        h.auth0(&token, "PATCH", &format!("/clients/{client_id}"))
            .json(&json!({"client_secret": chosen})),
        200,
    )
    .await;
    assert_eq!(patched["client_secret"], json!(chosen));
    assert_eq!(app_token(chosen.to_string()).await.0, 200);
    expect(
        h.auth0(&token, "PATCH", &format!("/clients/{client_id}"))
            .json(&json!({"client_id": "other"})),
        400,
    )
    .await;

    let role = expect(
        h.auth0(&token, "POST", "/roles")
            .json(&json!({"name": "ff-wm-prod-reader", "description": "d"})),
        200,
    )
    .await;
    let role_id = role["id"].as_str().unwrap();
    let permission = json!({"permissions": [{"resource_server_identifier": "https://api.wm-prod.example", "permission_name": "read:data"}]});
    expect(
        h.auth0(&token, "POST", &format!("/roles/{role_id}/permissions"))
            .json(&permission),
        201,
    )
    .await;
    let perms = expect(
        h.auth0(
            &token,
            "GET",
            &format!("/roles/{role_id}/permissions?include_totals=true"),
        ),
        200,
    )
    .await;
    assert_eq!(perms["total"], json!(1));
    let found = expect(h.auth0(&token, "GET", "/roles?name_filter=WM-PROD"), 200).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1));

    // Deleting the API removes its grants and the role permissions on it.
    expect(
        h.auth0(
            &token,
            "DELETE",
            &format!("/resource-servers/{}", api["id"].as_str().unwrap()),
        ),
        204,
    )
    .await;
    let grants = expect(h.auth0(&token, "GET", "/client-grants"), 200).await;
    assert_eq!(grants, json!([]));
    let perms = expect(
        h.auth0(&token, "GET", &format!("/roles/{role_id}/permissions")),
        200,
    )
    .await;
    assert_eq!(perms, json!([]));
    h.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_headers_and_is_configurable() {
    let h = Harness::start().await;
    let token = h.auth0_token().await;
    let mut statuses = Vec::new();
    let mut last: Option<reqwest::Response> = None;
    for _ in 0..4 {
        let response = h.auth0(&token, "GET", "/roles").send().await.unwrap();
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    // The default is a Free tenant's: 2 at once, then 2 per second.
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    let last = last.unwrap();
    let header = |name: &str| {
        last.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(header("x-ratelimit-limit").as_deref(), Some("2"));
    assert_eq!(header("x-ratelimit-remaining").as_deref(), Some("0"));
    assert!(
        header("x-ratelimit-reset")
            .and_then(|r| r.parse::<i64>().ok())
            .is_some()
    );
    let (status, body) = status_and_json(last).await;
    assert_eq!(status, 429);
    assert_eq!(body["errorCode"], json!("too_many_requests"));

    let set = expect(
        h.control("PUT", "/_sandbox/auth0/rate-limit")
            .json(&json!({"per_second": 0.0, "burst": 0})),
        200,
    )
    .await;
    assert_eq!(set["per_second"], json!(0.0));
    for _ in 0..10 {
        expect(h.auth0(&token, "GET", "/roles"), 200).await;
    }
    let bad = h
        .control("PUT", "/_sandbox/auth0/rate-limit")
        .json(&json!({"per_second": -1.0, "burst": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    // The state shows the tenant, secrets included, for the tests that look for them.
    let state: Value = h.state().await;
    assert!(state["auth0"]["management"]["client_secret"].is_string());
    h.shutdown().await;
}
