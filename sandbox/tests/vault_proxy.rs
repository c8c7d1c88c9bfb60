//! The Vault port with `--vault-upstream`: a reverse proxy in front of a real Vault, behind
//! the same fault layer and request log as the emulated services. The upstream here is a
//! small recording server standing in for OpenBao (the end-to-end tests run the real one),
//! so that what the proxy forwards can be seen exactly.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use common::{Harness, status_and_json};
use ff_sandbox::Config;
use serde_json::{Value, json};

/// What the upstream saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path_and_query: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// A stand-in for OpenBao that records every request and answers 418 with a body, headers
/// and a status of its own, so that each is seen to come back unchanged.
async fn upstream() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = seen.clone();
    let app = axum::Router::new().fallback(move |request: Request| {
        let recorder = recorder.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            recorder.lock().unwrap().push(Seen {
                method: parts.method.to_string(),
                path_and_query: parts
                    .uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                headers: parts
                    .headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect(),
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let answer: Response = (
                axum::http::StatusCode::IM_A_TEAPOT,
                [
                    ("x-vault-upstream", "yes"),
                    ("content-type", "application/json"),
                ],
                r#"{"errors":["from the upstream"]}"#,
            )
                .into_response();
            answer
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (address, seen)
}

async fn in_front_of(upstream: &str) -> Harness {
    Harness::start_with(Config {
        vault_upstream: Some(upstream.to_string()),
        ..Config::default()
    })
    .await
}

fn header<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn requests_and_answers_pass_unchanged() {
    let (address, seen) = upstream().await;
    let h = in_front_of(&address).await;
    assert_eq!(
        h.endpoints().vault.as_ref().map(|v| v.upstream.as_str()),
        Some(address.as_str())
    );

    let response = h
        .vault_anonymous("POST", "/v1/deployments/data/WM-Prod/db?version=2")
        .header("X-Vault-Token", "s.token")
        .header("X-Vault-Namespace", "admin")
        .header("Connection", "keep-alive, x-hop")
        .header("x-hop", "connection-only")
        .json(&json!({"data": {"password": "p"}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response
            .headers()
            .get("x-vault-upstream")
            .map(|v| v.as_bytes()),
        Some(&b"yes"[..]),
        "the upstream's headers come back"
    );
    let (status, body) = status_and_json(response).await;
    assert_eq!(
        (status, body),
        (418, json!({"errors": ["from the upstream"]}))
    );

    let list = h
        .vault_anonymous("LIST", "/v1/deployments/metadata/")
        .header("X-Vault-Token", "s.token")
        .send()
        .await
        .expect("sent");
    assert_eq!(list.status().as_u16(), 418);

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    let write = &seen[0];
    assert_eq!(write.method, "POST");
    assert_eq!(
        write.path_and_query,
        "/v1/deployments/data/WM-Prod/db?version=2"
    );
    assert_eq!(write.body, r#"{"data":{"password":"p"}}"#);
    assert_eq!(header(write, "x-vault-token"), Some("s.token"));
    assert_eq!(header(write, "x-vault-namespace"), Some("admin"));
    assert_eq!(
        header(write, "host"),
        address.strip_prefix("http://"),
        "Host names the upstream"
    );
    assert_eq!(
        header(write, "x-hop"),
        None,
        "headers named in Connection stay behind"
    );
    assert_eq!(seen[1].method, "LIST");
    assert_eq!(seen[1].path_and_query, "/v1/deployments/metadata/");

    // Logged like any service: path only, status as answered.
    let log = h.requests().await;
    let logged: Vec<(Value, Value, Value)> = log
        .iter()
        .map(|e| {
            (
                e["service"].clone(),
                e["method"].clone(),
                e["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        logged,
        vec![
            (json!("vault"), json!("POST"), json!(418)),
            (json!("vault"), json!("LIST"), json!(418))
        ]
    );
    assert_eq!(log[0]["path"], "/v1/deployments/data/WM-Prod/db");
    // Nothing of Vault in the sandbox's state.
    assert_eq!(h.state().await.get("vault"), None);
}

#[tokio::test]
async fn faults_are_decided_before_anything_is_forwarded() {
    let (address, seen) = upstream().await;
    let h = in_front_of(&address).await;

    h.add_fault(json!({"service": "vault", "path": "^/v1/sys/mounts", "kind": "status", "status": 503, "times": 1}))
        .await;
    let (status, body) = status_and_json(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({"errors": ["ff-sandbox injected fault: HTTP 503"]})
        )
    );
    h.add_fault(json!({"service": "vault", "kind": "rate_limit", "retry_after_s": 2, "times": 1}))
        .await;
    let limited = h
        .vault_anonymous("GET", "/v1/sys/mounts")
        .send()
        .await
        .expect("sent");
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(limited.headers()["retry-after"], "2");
    h.add_fault(json!({"service": "vault", "kind": "drop", "times": 1}))
        .await;
    assert!(
        h.vault_anonymous("GET", "/v1/sys/mounts")
            .send()
            .await
            .is_err(),
        "a dropped connection is a connection error"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "no faulted request reached the upstream"
    );

    // A late answer: the upstream has the request at once, the client waits.
    h.add_fault(json!({"service": "vault", "kind": "latency", "latency_ms": 600, "answer_late": true, "times": 1}))
        .await;
    let started = Instant::now();
    let client = h
        .vault_anonymous("POST", "/v1/secret/data/x")
        .body("{}")
        .send();
    let sent = tokio::spawn(client);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "forwarded before the answer is held"
    );
    let answer = sent.await.expect("joined").expect("answered");
    assert_eq!(answer.status().as_u16(), 418);
    assert!(started.elapsed() >= Duration::from_millis(600));

    let faults: Vec<Value> = h
        .requests()
        .await
        .iter()
        .map(|e| e["fault"].clone())
        .collect();
    assert_eq!(
        faults,
        vec![
            json!("503"),
            json!("rate_limit"),
            json!("drop"),
            json!("latency")
        ]
    );
}

#[tokio::test]
async fn an_upstream_that_does_not_answer_is_a_bad_gateway() {
    // A port nothing listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let h = in_front_of(&closed).await;
    let (status, body) = status_and_json(
        h.vault_anonymous("GET", "/v1/sys/health")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 502, "{body}");
    let message = body["errors"][0].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!(
            "ff-sandbox: the Vault upstream {closed} did not answer"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn an_upstream_that_is_not_an_address_stops_the_start() {
    let refused = ff_sandbox::Sandbox::start(Config {
        vault_upstream: Some("127.0.0.1:8200".into()),
        ..Config::default()
    })
    .await;
    match refused {
        Ok(_) => panic!("started with an upstream that is no URL"),
        Err(err) => assert!(
            err.to_string()
                .contains("--vault-upstream \"127.0.0.1:8200\""),
            "{err}"
        ),
    }
}
