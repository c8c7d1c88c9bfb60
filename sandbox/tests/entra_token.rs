//! The Entra ID token endpoint: client credentials in the form body or in an
//! `Authorization: Basic` header, and errors in Entra's shape (AADSTS code first, trace and
//! correlation ids and the time at the end of the description).

mod common;

use common::{Harness, status_and_json};

const AKS_SCOPE: &str = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

#[tokio::test]
async fn credentials_in_the_body_or_a_basic_header() {
    let h = Harness::start().await;
    let e = h.endpoints().entra.clone();
    let url = format!("{}/{}/oauth2/v2.0/token", e.authority, e.tenant_id);
    let in_body = h
        .http
        .post(&url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", e.client_id.as_str()),
            ("client_secret", e.client_secret.as_str()),
            ("scope", AKS_SCOPE),
        ])
        .send()
        .await
        .expect("token request");
    let (status, body) = status_and_json(in_body).await;
    assert_eq!((status, body["token_type"].as_str()), (200, Some("Bearer")));
    let basic = h
        .http
        .post(&url)
        .basic_auth(&e.client_id, Some(&e.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", AKS_SCOPE)])
        .send()
        .await
        .expect("token request");
    let (status, body) = status_and_json(basic).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    h.shutdown().await;
}

#[tokio::test]
async fn errors_name_the_aadsts_code_trace_and_time() {
    let h = Harness::start().await;
    let e = h.endpoints().entra.clone();
    let wrong = h
        .http
        .post(format!("{}/{}/oauth2/v2.0/token", e.authority, e.tenant_id))
        .basic_auth(&e.client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials"), ("scope", AKS_SCOPE)])
        .send()
        .await
        .expect("token request");
    let (status, body) = status_and_json(wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(body["error_codes"], serde_json::json!([7000215]));
    let description = body["error_description"].as_str().unwrap_or_default();
    let timestamp = body["timestamp"].as_str().unwrap_or_default();
    let trace = body["trace_id"].as_str().unwrap_or_default();
    assert!(
        description.starts_with("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: ")
            && description.contains(&format!("Trace ID: {trace}\r\n"))
            && description.ends_with(&format!("\r\nTimestamp: {timestamp}")),
        "{description}"
    );
    // `2016-01-09 02:02:12Z`
    let shape: Vec<bool> = timestamp.chars().map(|c| c.is_ascii_digit()).collect();
    assert_eq!(timestamp.len(), 20, "{timestamp}");
    assert!(
        shape.iter().filter(|d| **d).count() == 14
            && &timestamp[10..11] == " "
            && timestamp.ends_with('Z'),
        "{timestamp}"
    );
    h.shutdown().await;
}
