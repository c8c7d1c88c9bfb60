//! The network mirror serves its directory over HTTPS with a certificate of the sandbox's
//! CA: the protocol's documents and the zips as they are on disk, 404 for anything else
//! (`..` segments are refused by `mirror::resolve`, unit-tested there: HTTP clients
//! normalise them away), read-only, and untrusted by a client that does not know the CA.

mod common;

use common::{Harness, expect};
use ff_sandbox::Config;
use serde_json::json;

#[tokio::test]
async fn the_mirror_serves_its_directory_over_https() {
    let dir = common::temp_path("mirror");
    let provider = dir.join("registry.terraform.io/ff/ff");
    std::fs::create_dir_all(&provider).unwrap();
    std::fs::write(provider.join("index.json"), r#"{"versions":{"0.1.0":{}}}"#).unwrap();
    std::fs::write(
        provider.join("terraform-provider-ff_0.1.0_linux_amd64.zip"),
        b"PK\x03\x04zip",
    )
    .unwrap();

    let h = Harness::start_with(Config {
        mirror_dir: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    assert_eq!(
        h.endpoints().mirror.dir.as_deref(),
        Some(dir.display().to_string().as_str())
    );

    let index = expect(
        h.mirror("GET", "registry.terraform.io/ff/ff/index.json"),
        200,
    )
    .await;
    assert_eq!(index, json!({"versions": {"0.1.0": {}}}));
    let response = h
        .mirror(
            "GET",
            "registry.terraform.io/ff/ff/terraform-provider-ff_0.1.0_linux_amd64.zip",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/zip"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"PK\x03\x04zip");

    for missing in [
        "registry.terraform.io/ff/ff/0.2.0.json",
        "registry.terraform.io/ff/other/index.json",
        "registry.terraform.io/ff/ff",
    ] {
        let response = h.mirror("GET", missing).send().await.unwrap();
        assert_eq!(response.status(), 404, "{missing}");
    }
    let response = h
        .mirror("PUT", "registry.terraform.io/ff/ff/index.json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);

    // A client that trusts only the usual roots refuses the sandbox's certificate.
    let stranger = reqwest::Client::new()
        .get(format!(
            "{}registry.terraform.io/ff/ff/index.json",
            h.endpoints().mirror.url
        ))
        .send()
        .await;
    assert!(stranger.is_err(), "the certificate is the sandbox CA's");

    let log = h.requests().await;
    assert!(
        log.iter()
            .any(|e| e["service"] == json!("mirror") && e["status"] == json!(200)),
        "mirror requests are logged: {log:?}"
    );
    h.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn without_a_directory_everything_is_404() {
    let h = Harness::start().await;
    let response = h
        .mirror("GET", "registry.terraform.io/ff/ff/index.json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    h.shutdown().await;
}
