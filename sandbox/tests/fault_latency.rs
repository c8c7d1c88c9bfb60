//! `latency` faults delay the matching request, then process it normally, without
//! holding up other requests.

mod common;

use std::time::{Duration, Instant};

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn latency_delays_only_matching_requests() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "vault", "path": "^/v1/secret/data/slow$", "kind": "latency", "latency_ms": 600}))
        .await;
    let slow = {
        let request = h
            .vault("POST", "/v1/secret/data/slow")
            .json(&json!({"data": {"k": "v"}}));
        tokio::spawn(async move {
            let started = Instant::now();
            let status = request.send().await.map(|r| r.status().as_u16());
            (started.elapsed(), status)
        })
    };
    // While the slow request sleeps, others are served at once.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    expect(
        h.vault("POST", "/v1/secret/data/fast")
            .json(&json!({"data": {"k": "v"}})),
        200,
    )
    .await;
    let fast = started.elapsed();
    assert!(
        fast < Duration::from_millis(400),
        "expected an unaffected request to take < 400ms, took {fast:?}"
    );
    let (elapsed, status) = slow.await.unwrap();
    assert_eq!(status.ok(), Some(200), "the delayed request still succeeds");
    assert!(
        elapsed >= Duration::from_millis(600),
        "expected >= 600ms, took {elapsed:?}"
    );
    expect(h.vault("GET", "/v1/secret/data/slow"), 200).await;
    let log = h.requests().await;
    let delayed: Vec<_> = log
        .iter()
        .filter(|e| e["fault"] == json!("latency"))
        .collect();
    assert_eq!(delayed.len(), 2, "write and read of /slow: {log:?}");
}
