//! The request log records each request's `User-Agent` and whether it carried an
//! `Authorization` header, and no other header value (tokens never reach the log).

mod common;

use common::{Harness, expect};

#[tokio::test]
async fn the_user_agent_is_logged_and_credentials_are_not() {
    let h = Harness::start().await;
    let token = h.auth0_token().await;
    h.requests().await;
    expect(h.control("DELETE", "/_sandbox/requests"), 200).await;
    expect(
        h.auth0(&token, "GET", "/clients")
            .header("User-Agent", "terraform-provider-ff/9.9.9"),
        200,
    )
    .await;
    expect(
        h.grafana("GET", "/api/folders")
            .header("User-Agent", "terraform-provider-ff/9.9.9"),
        200,
    )
    .await;
    // reqwest sends no User-Agent unless told to.
    expect(h.grafana_anonymous("GET", "/api/health"), 200).await;

    let log = h.requests().await;
    let seen: Vec<(String, Option<String>, bool)> = log
        .iter()
        .map(|e| {
            (
                format!("{} {} {}", e["service"], e["method"], e["path"]).replace('"', ""),
                e["user_agent"].as_str().map(str::to_string),
                e["authorization"].as_bool().expect("authorization flag"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "auth0 GET /api/v2/clients".to_string(),
                Some("terraform-provider-ff/9.9.9".to_string()),
                true
            ),
            (
                "grafana GET /api/folders".to_string(),
                Some("terraform-provider-ff/9.9.9".to_string()),
                true
            ),
            ("grafana GET /api/health".to_string(), None, false),
        ]
    );
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        !text.contains(&token),
        "the Auth0 token is not in the log: {text}"
    );
    assert!(
        !text.contains(&h.endpoints().grafana.password),
        "the Grafana password is not in the log: {text}"
    );
    h.shutdown().await;
}
