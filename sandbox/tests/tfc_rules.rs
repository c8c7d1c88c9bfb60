//! The rules the emulated registry enforces, with the API's JSON:API error documents:
//! authentication (401), other organizations (404), malformed documents and duplicates
//! (422), versions of public providers (403), deleting a version, and injected faults in
//! the API's own error shape.

mod common;

use common::{Harness, expect};
use serde_json::{Value, json};

const PUBLIC_KEY: &str = include_str!("fixtures/gpg-public-key.asc");
const GPG_KEY_ID: &str = "B9CBCABBDDCB780B";
const PROVIDER: &str = "/api/v2/organizations/ff-sandbox/registry-providers/private/ff-sandbox/ff";

fn error_of(body: &Value) -> (String, String) {
    let e = &body["errors"][0];
    (
        e["status"].as_str().unwrap_or_default().to_string(),
        e["detail"]
            .as_str()
            .or(e["title"].as_str())
            .unwrap_or_default()
            .to_string(),
    )
}

async fn with_provider_and_key(h: &Harness) {
    expect(
        h.tfc(
            "POST",
            "/api/v2/organizations/ff-sandbox/registry-providers",
        )
        .json(
            &json!({"data": {"type": "registry-providers", "attributes": {
                "name": "ff", "namespace": "ff-sandbox", "registry-name": "private"}}}),
        ),
        201,
    )
    .await;
    expect(
        h.tfc("POST", "/api/registry/private/v2/gpg-keys")
            .json(&json!({"data": {"type": "gpg-keys", "attributes": {
                "namespace": "ff-sandbox", "ascii-armor": PUBLIC_KEY}}})),
        201,
    )
    .await;
}

fn version_doc(version: &str, key: &str, protocols: Value) -> Value {
    json!({"data": {"type": "registry-provider-versions", "attributes": {
        "version": version, "key-id": key, "protocols": protocols}}})
}

#[tokio::test]
async fn the_api_needs_the_token_and_hides_other_organizations() {
    let h = Harness::start().await;
    let body = expect(h.tfc_anonymous("GET", PROVIDER), 401).await;
    assert_eq!(error_of(&body).0, "401");
    let body = expect(
        h.tfc_anonymous("GET", PROVIDER)
            .bearer_auth("not-the-token"),
        401,
    )
    .await;
    assert_eq!(body["errors"][0]["title"], json!("unauthorized"));
    expect(
        h.tfc(
            "GET",
            "/api/v2/organizations/someone-else/registry-providers",
        ),
        404,
    )
    .await;
    // Discovery is public, as on the real host.
    expect(h.tfc_anonymous("GET", "/.well-known/terraform.json"), 200).await;
    h.shutdown().await;
}

#[tokio::test]
async fn malformed_and_duplicate_documents_are_refused() {
    let h = Harness::start().await;
    with_provider_and_key(&h).await;

    // Duplicates.
    let body = expect(
        h.tfc(
            "POST",
            "/api/v2/organizations/ff-sandbox/registry-providers",
        )
        .json(
            &json!({"data": {"type": "registry-providers", "attributes": {
                "name": "ff", "namespace": "ff-sandbox", "registry-name": "private"}}}),
        ),
        422,
    )
    .await;
    assert_eq!(
        error_of(&body),
        ("422".into(), "Name has already been taken".into())
    );
    let body = expect(
        h.tfc("POST", "/api/registry/private/v2/gpg-keys")
            .json(&json!({"data": {"type": "gpg-keys", "attributes": {
                "namespace": "ff-sandbox", "ascii-armor": PUBLIC_KEY}}})),
        422,
    )
    .await;
    assert!(error_of(&body).1.contains(GPG_KEY_ID), "{body}");

    // A private provider lives in the organization's namespace.
    expect(
        h.tfc(
            "POST",
            "/api/v2/organizations/ff-sandbox/registry-providers",
        )
        .json(
            &json!({"data": {"type": "registry-providers", "attributes": {
                "name": "other", "namespace": "elsewhere", "registry-name": "private"}}}),
        ),
        422,
    )
    .await;
    // Not JSON at all.
    expect(
        h.tfc(
            "POST",
            "/api/v2/organizations/ff-sandbox/registry-providers",
        )
        .body("{"),
        400,
    )
    .await;
    // A key that is not a key.
    let body = expect(
        h.tfc("POST", "/api/registry/private/v2/gpg-keys")
            .json(&json!({"data": {"type": "gpg-keys", "attributes": {
                "namespace": "ff-sandbox", "ascii-armor": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"}}})),
        422,
    )
    .await;
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        json!("/data/attributes/ascii-armor")
    );

    // Versions: protocols, key, semantic version, uniqueness.
    let versions = format!("{PROVIDER}/versions");
    for (doc, attribute) in [
        (
            version_doc("0.1.0", GPG_KEY_ID, json!(["7.0"])),
            "protocols",
        ),
        (version_doc("0.1.0", GPG_KEY_ID, json!([])), "protocols"),
        (
            version_doc("0.1.0", "0000000000000000", json!(["6.0"])),
            "key-id",
        ),
        (version_doc("v1", GPG_KEY_ID, json!(["6.0"])), "version"),
    ] {
        let body = expect(h.tfc("POST", &versions).json(&doc), 422).await;
        assert_eq!(
            body["errors"][0]["source"]["pointer"],
            json!(format!("/data/attributes/{attribute}")),
            "{doc}: {body}"
        );
    }
    expect(
        h.tfc("POST", &versions)
            .json(&version_doc("0.1.0", GPG_KEY_ID, json!(["6.0"]))),
        201,
    )
    .await;
    let body = expect(
        h.tfc("POST", &versions)
            .json(&version_doc("0.1.0", GPG_KEY_ID, json!(["6.0"]))),
        422,
    )
    .await;
    assert_eq!(error_of(&body).1, "Version has already been taken");

    // Platforms: checksum format and one per os/arch; both documented type names.
    let platforms = format!("{PROVIDER}/versions/0.1.0/platforms");
    let platform = |kind: &str, shasum: &str| {
        json!({"data": {"type": kind, "attributes": {"os": "linux", "arch": "amd64",
            "shasum": shasum, "filename": "terraform-provider-ff_0.1.0_linux_amd64.zip"}}})
    };
    let good = "a".repeat(64);
    expect(
        h.tfc("POST", &platforms)
            .json(&platform("registry-provider-platforms", "not-a-sum")),
        422,
    )
    .await;
    expect(
        h.tfc("POST", &platforms)
            .json(&platform("registry-provider-version-platforms", &good)),
        201,
    )
    .await;
    expect(
        h.tfc("POST", &platforms)
            .json(&platform("registry-provider-platforms", &good)),
        422,
    )
    .await;
    expect(
        h.tfc("POST", &format!("{PROVIDER}/versions/9.9.9/platforms"))
            .json(&platform("registry-provider-platforms", &good)),
        404,
    )
    .await;

    // Deleting the version removes its platforms too.
    let deleted = h
        .tfc("DELETE", &format!("{PROVIDER}/versions/0.1.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    expect(h.tfc("GET", &format!("{PROVIDER}/versions/0.1.0")), 404).await;
    assert_eq!(h.state().await["tfc"]["platforms"], json!([]));
    h.shutdown().await;
}

#[tokio::test]
async fn public_providers_have_no_versions_here() {
    let h = Harness::start().await;
    expect(
        h.tfc(
            "POST",
            "/api/v2/organizations/ff-sandbox/registry-providers",
        )
        .json(
            &json!({"data": {"type": "registry-providers", "attributes": {
                "name": "aws", "namespace": "hashicorp", "registry-name": "public"}}}),
        ),
        201,
    )
    .await;
    let body = expect(
        h.tfc(
            "POST",
            "/api/v2/organizations/ff-sandbox/registry-providers/public/hashicorp/aws/versions",
        )
        .json(&version_doc("5.0.0", GPG_KEY_ID, json!(["5.0"]))),
        403,
    )
    .await;
    assert_eq!(error_of(&body).0, "403");
    let list = expect(
        h.tfc(
            "GET",
            "/api/v2/organizations/ff-sandbox/registry-providers?filter%5Bregistry_name%5D=public&page%5Bsize%5D=1",
        ),
        200,
    )
    .await;
    assert_eq!(list["data"][0]["attributes"]["name"], json!("aws"));
    assert_eq!(list["meta"]["pagination"]["page-size"], json!(1));
    h.shutdown().await;
}

#[tokio::test]
async fn faults_answer_in_the_apis_error_shape() {
    let h = Harness::start().await;
    h.add_fault(json!({"service": "tfc", "method": "GET", "path": "/registry-providers", "kind": "rate_limit", "retry_after_s": 2, "times": 1}))
        .await;
    h.add_fault(
        json!({"service": "tfc", "method": "POST", "kind": "status", "status": 503, "times": 1}),
    )
    .await;
    let response = h
        .tfc("GET", "/api/v2/organizations/ff-sandbox/registry-providers")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(
        response.headers()["x-ratelimit-reset"].to_str().unwrap(),
        "2.000"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_of(&body).0, "429");
    let body = expect(
        h.tfc(
            "POST",
            "/api/v2/organizations/ff-sandbox/registry-providers",
        )
        .json(&json!({})),
        503,
    )
    .await;
    assert_eq!(error_of(&body).0, "503");
    let log = h.requests().await;
    let faults: Vec<&Value> = log.iter().map(|e| &e["fault"]).collect();
    assert_eq!(faults, [&json!("rate_limit"), &json!("503")]);
    h.shutdown().await;
}
