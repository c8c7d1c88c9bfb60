//! `latency` faults delay the matching request, then process it normally, without
//! holding up other requests.

mod common;

use std::time::{Duration, Instant};

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn latency_delays_only_matching_requests() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "grafana", "path": "^/api/folders(/slow)?$", "method": "*", "kind": "latency", "latency_ms": 600, "times": 2}))
        .await;
    let slow = {
        let request = h
            .grafana("POST", "/api/folders")
            .json(&json!({"uid": "slow", "title": "Slow"}));
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
        h.grafana("POST", "/api/teams")
            .json(&json!({"name": "fast"})),
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
    expect(h.grafana("GET", "/api/folders/slow"), 200).await;
    let log = h.requests().await;
    let delayed: Vec<_> = log
        .iter()
        .filter(|e| e["fault"] == json!("latency"))
        .collect();
    assert_eq!(delayed.len(), 2, "write and read of /slow: {log:?}");
}

/// With `answer_late`, the request is handled at once and only the answer waits: a client
/// that gives up before it sees no answer, yet the change is made. The held request is in
/// the log from its arrival (status null until answered).
#[tokio::test]
async fn answer_late_makes_the_change_and_delays_only_the_answer() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "grafana", "method": "POST", "path": "^/api/folders$", "kind": "latency", "latency_ms": 1500, "answer_late": true, "times": 1}))
        .await;
    let request = h
        .grafana("POST", "/api/folders")
        .json(&json!({"uid": "late", "title": "Late"}))
        .timeout(Duration::from_millis(400));
    let started = Instant::now();
    let outcome = request.send().await;
    assert!(
        outcome.as_ref().is_err_and(|e| e.is_timeout()),
        "the client times out before the answer: {outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1200));
    // The write happened although the client never saw an answer.
    let read = expect(h.grafana("GET", "/api/folders/late"), 200).await;
    assert_eq!(read["title"], json!("Late"));
    let held: Vec<_> = h
        .requests()
        .await
        .into_iter()
        .filter(|e| e["fault"] == json!("latency"))
        .collect();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["method"], json!("POST"));
    assert_eq!(held[0]["status"], json!(null), "not answered yet: {held:?}");
    // Once the delay is over the answer is recorded (the client is gone; hyper may still
    // have written it, or the entry stays null).
    tokio::time::sleep(Duration::from_millis(1400)).await;
    let after: Vec<_> = h
        .requests()
        .await
        .into_iter()
        .filter(|e| e["fault"] == json!("latency"))
        .collect();
    assert_eq!(after.len(), 1, "logged once: {after:?}");
}
