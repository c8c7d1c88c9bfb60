//! Measures what the AutoMTLS server certificate costs at start-up for each key type Go's TLS
//! client accepts and *ring* can make: the key, the self-signed certificate, and the rustls
//! configuration that loads them. Prints a table (median and 90th percentile over many runs).
//!
//!     cargo run --release -p tfplugin --example tls_keys
//!
//! RSA is left out: *ring* cannot generate RSA keys, and generating one takes milliseconds
//! with any library.

use std::time::Instant;

use tfplugin::plugin::tls::{self, KeyKind};

fn main() {
    let client = tls::generate(KeyKind::EcdsaP256).expect("a client certificate");
    let runs = 300;
    println!(
        "{:<14} {:>12} {:>12} {:>16}",
        "key", "median µs", "p90 µs", "certificate B"
    );
    for kind in KeyKind::ALL {
        let mut samples = Vec::with_capacity(runs);
        let mut size = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let identity = tls::generate(kind).expect("generates");
            let config = tls::server_config(&identity, client.certificate.clone()).expect("config");
            samples.push(started.elapsed().as_secs_f64() * 1e6);
            size = identity.certificate.len();
            drop(config);
        }
        samples.sort_by(f64::total_cmp);
        println!(
            "{:<14} {:>12.1} {:>12.1} {:>16}",
            format!("{kind:?}"),
            samples[runs / 2],
            samples[runs * 9 / 10],
            size
        );
    }
}
