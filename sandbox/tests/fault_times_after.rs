//! `after` skips the first matching requests, `times` bounds how often a fault fires;
//! non-matching requests do not count. Faults can be listed, removed and cleared.

mod common;

use common::{Harness, status_and_json};
use serde_json::json;

async fn statuses(h: &Harness, method: &str, path: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let (status, _) = status_and_json(h.grafana(method, path).send().await.unwrap()).await;
        out.push(status);
    }
    out
}

#[tokio::test]
async fn after_then_times() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "grafana", "method": "GET", "path": "^/api/folders$", "kind": "status", "status": 502, "after": 2, "times": 2}))
        .await;
    // Other methods and paths are not counted.
    assert_eq!(
        statuses(&h, "GET", "/api/teams/search?perpage=10", 3).await,
        vec![200; 3]
    );
    assert_eq!(
        statuses(&h, "GET", "/api/folders", 6).await,
        vec![200, 200, 502, 502, 200, 200]
    );
    let listed = common::expect(h.control("GET", "/_sandbox/faults"), 200).await;
    assert_eq!(listed[0]["matched"], json!(6), "{listed}");
    assert_eq!(listed[0]["fired"], json!(2), "{listed}");
}

#[tokio::test]
async fn faults_can_be_removed_and_cleared() {
    let h = Harness::start().await;
    let first = h
        .add_fault(json!({"service": "grafana", "kind": "status", "status": 500}))
        .await;
    let second = h
        .add_fault(json!({"service": "grafana", "kind": "status", "status": 501}))
        .await;
    assert_ne!(first, second);
    assert_eq!(
        statuses(&h, "GET", "/api/folders", 1).await,
        vec![500],
        "first fault wins"
    );
    common::expect(
        h.control("DELETE", &format!("/_sandbox/faults/{first}")),
        200,
    )
    .await;
    common::expect(
        h.control("DELETE", &format!("/_sandbox/faults/{first}")),
        404,
    )
    .await;
    assert_eq!(statuses(&h, "GET", "/api/folders", 1).await, vec![501]);
    common::expect(h.control("DELETE", "/_sandbox/faults"), 200).await;
    assert_eq!(statuses(&h, "GET", "/api/folders", 1).await, vec![200]);
    let listed = common::expect(h.control("GET", "/_sandbox/faults"), 200).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn start_up_faults_apply_from_the_first_request() {
    let fault: ff_sandbox::FaultSpec = serde_json::from_value(
        json!({"service": "grafana", "path": "^/api/health$", "kind": "status", "status": 503, "times": 1}),
    )
    .unwrap();
    let h = Harness::start_with(ff_sandbox::Config {
        faults: vec![fault],
        ..Default::default()
    })
    .await;
    assert_eq!(statuses(&h, "GET", "/api/health", 2).await, vec![503, 200]);
}
