//! Terraform asks the provider to stop (`StopProvider`, an interrupt): retries, backoffs and
//! waits end at once with an error that says so, instead of running their course. In its own
//! test binary: the stop is process-wide.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ff_provider::backends::http::{BackendError, Call, Http, HttpSettings, RetryPolicy, System};
use ff_provider::stop;

/// A server that answers every request with 503, counting them.
fn always_unavailable() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            seen.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (address, count)
}

#[tokio::test]
async fn a_stop_ends_retries_and_waits() {
    let (address, count) = always_unavailable();
    let http = Http::new(
        HttpSettings {
            system: System::Vault,
            base_url: address,
            ca_pem: None,
            timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                max_retries: 10,
                base_delay: Duration::from_secs(2),
                max_delay: Duration::from_secs(30),
                max_rate_limit_wait: Duration::from_secs(120),
            },
        },
        |_| (None, None),
    )
    .expect("client");
    let started = Instant::now();
    let sending =
        tokio::spawn(async move { http.send(Call::new(reqwest::Method::GET, "/v1/x")).await });
    // Let the first attempt fail and the backoff (about 2 s) begin, then stop.
    while count.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop::request();
    let outcome = sending.await.expect("the task ends");
    let error = outcome.expect_err("a stop is an error");
    assert!(
        matches!(error, BackendError::Stopped { .. }),
        "expected Stopped, got {error}"
    );
    assert!(
        error
            .to_string()
            .contains("Terraform asked the provider to stop"),
        "{error}"
    );
    assert!(
        !error.is_transient(),
        "a stop is not retried by convergence"
    );
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "nothing was sent after the stop"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the backoff was cut short: {:?}",
        started.elapsed()
    );
    // Later waits end at once.
    assert_eq!(
        stop::sleep(Duration::from_secs(60)).await,
        Err(stop::Stopped)
    );
}
