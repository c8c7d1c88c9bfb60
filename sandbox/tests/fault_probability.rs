//! `probability` with a `seed` fires for the same requests every time: two sandboxes
//! given the same fault and the same request sequence answer identically.

mod common;

use common::{Harness, status_and_json};
use serde_json::json;

async fn run(seed: u64, probability: f64) -> Vec<u16> {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "grafana", "path": "^/api/health$", "kind": "status", "status": 500, "probability": probability, "seed": seed}))
        .await;
    let mut out = Vec::new();
    for _ in 0..40 {
        let (status, _) = status_and_json(
            h.grafana_anonymous("GET", "/api/health")
                .send()
                .await
                .unwrap(),
        )
        .await;
        out.push(status);
    }
    out
}

#[tokio::test]
async fn seeded_probability_is_deterministic() {
    let first = run(42, 0.3).await;
    let second = run(42, 0.3).await;
    assert_eq!(
        first, second,
        "same seed, same request order → same answers"
    );
    let fired = first.iter().filter(|&&s| s == 500).count();
    assert!(
        (2..=25).contains(&fired),
        "expected roughly 30% of 40 requests to fail, got {fired}: {first:?}"
    );
    let other = run(7, 0.3).await;
    assert_ne!(first, other, "a different seed gives a different sequence");
}

#[tokio::test]
async fn probability_bounds() {
    assert!(run(1, 0.0).await.iter().all(|&s| s == 200));
    assert!(run(1, 1.0).await.iter().all(|&s| s == 500));
}
