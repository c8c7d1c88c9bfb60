//! The documented private-provider publishing flow against the emulated Terraform Cloud
//! registry, step by step, with the documents the API answers: create the provider, add the
//! GPG key (whose key id the registry derives as gpg does), create the version, upload
//! SHA256SUMS and its signature to the returned links, create the platform and upload its
//! zip; then what `terraform init` reads: discovery, the versions list and the download
//! document whose URLs serve the uploaded bytes.

mod common;

use common::{Harness, assert_json, expect};
use serde_json::{Value, json};

/// A throwaway RSA public key made with `gpg --gen-key` (GnuPG 2.2.40), which lists it as
/// `pub:u:2048:1:B9CBCABBDDCB780B:...`: the key id the registry must derive.
const PUBLIC_KEY: &str = include_str!("fixtures/gpg-public-key.asc");
const GPG_KEY_ID: &str = "B9CBCABBDDCB780B";

const PROVIDER: &str = "/api/v2/organizations/ff-sandbox/registry-providers/private/ff-sandbox/ff";

#[tokio::test]
async fn the_documented_flow_publishes_an_installable_version() {
    let h = Harness::start().await;

    // 1. The provider.
    expect(h.tfc("GET", PROVIDER), 404).await;
    let created = expect(
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
    let provider = &created["data"];
    assert_eq!(provider["type"], json!("registry-providers"));
    assert!(provider["id"].as_str().unwrap().starts_with("prov-"));
    assert_json(
        &provider["attributes"]["registry-name"],
        &json!("private"),
        "registry name",
    );
    assert_eq!(provider["links"]["self"], json!(PROVIDER));
    assert_eq!(provider["relationships"]["versions"]["data"], json!([]));
    let fetched = expect(h.tfc("GET", PROVIDER), 200).await;
    assert_eq!(fetched["data"]["id"], provider["id"]);

    // 2. The key: the registry reads its id from the armoured key.
    expect(
        h.tfc(
            "GET",
            &format!("/api/registry/private/v2/gpg-keys/ff-sandbox/{GPG_KEY_ID}"),
        ),
        404,
    )
    .await;
    let key = expect(
        h.tfc("POST", "/api/registry/private/v2/gpg-keys")
            .json(&json!({"data": {"type": "gpg-keys", "attributes": {
                "namespace": "ff-sandbox", "ascii-armor": PUBLIC_KEY}}})),
        201,
    )
    .await;
    assert_eq!(key["data"]["attributes"]["key-id"], json!(GPG_KEY_ID));
    assert_eq!(key["data"]["attributes"]["namespace"], json!("ff-sandbox"));
    expect(
        h.tfc(
            "GET",
            &format!("/api/registry/private/v2/gpg-keys/ff-sandbox/{GPG_KEY_ID}"),
        ),
        200,
    )
    .await;
    let listed = expect(
        h.tfc(
            "GET",
            "/api/registry/private/v2/gpg-keys?filter%5Bnamespace%5D=ff-sandbox",
        ),
        200,
    )
    .await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["meta"]["pagination"]["total-count"], json!(1));

    // 3. The version, then its checksums and signature through the returned links.
    let version = expect(
        h.tfc("POST", &format!("{PROVIDER}/versions")).json(
            &json!({"data": {"type": "registry-provider-versions", "attributes": {
                "version": "0.1.0", "key-id": GPG_KEY_ID, "protocols": ["6.0"]}}}),
        ),
        201,
    )
    .await;
    let attributes = &version["data"]["attributes"];
    assert_eq!(attributes["protocols"], json!(["6.0"]));
    assert_eq!(attributes["shasums-uploaded"], json!(false));
    assert_eq!(attributes["shasums-sig-uploaded"], json!(false));
    let links = &version["data"]["links"];
    let sums_link = links["shasums-upload"].as_str().unwrap().to_string();
    let sig_link = links["shasums-sig-upload"].as_str().unwrap().to_string();
    assert!(
        sums_link.starts_with(&format!("{}/_archivist/", h.endpoints().tfc.address)),
        "{links}"
    );
    let zip = b"PK\x03\x04 not really a zip".to_vec();
    let shasum = "0b5f3b2c1bf1a04a5b6ac0ab1f3ee3b7fd0c2f0c8e3b5a4c6d7e8f9a0b1c2d3e".to_string();
    let sums = format!("{shasum}  terraform-provider-ff_0.1.0_linux_amd64.zip\n");
    // The links are pre-signed: no token.
    expect(h.tfc_anonymous("PUT", &sums_link).body(sums.clone()), 200).await;
    expect(
        h.tfc_anonymous("PUT", &sig_link)
            .body(b"\x89signature".to_vec()),
        200,
    )
    .await;
    let version = expect(h.tfc("GET", &format!("{PROVIDER}/versions/0.1.0")), 200).await;
    let attributes = &version["data"]["attributes"];
    assert_eq!(attributes["shasums-uploaded"], json!(true));
    assert_eq!(attributes["shasums-sig-uploaded"], json!(true));
    let links = version["data"]["links"].as_object().unwrap();
    let mut names: Vec<&String> = links.keys().collect();
    names.sort();
    assert_eq!(names, ["shasums-download", "shasums-sig-download"]);

    // 4. The platform and its zip.
    let platform = expect(
        h.tfc("POST", &format!("{PROVIDER}/versions/0.1.0/platforms"))
            .json(
                &json!({"data": {"type": "registry-provider-platforms", "attributes": {
                "os": "linux", "arch": "amd64", "shasum": shasum,
                "filename": "terraform-provider-ff_0.1.0_linux_amd64.zip"}}}),
            ),
        201,
    )
    .await;
    assert_eq!(
        platform["data"]["attributes"]["provider-binary-uploaded"],
        json!(false)
    );
    let binary_link = platform["data"]["links"]["provider-binary-upload"]
        .as_str()
        .unwrap()
        .to_string();
    // Not installable before the zip is uploaded.
    let versions = expect(
        h.tfc("GET", "/api/registry/v1/providers/ff-sandbox/ff/versions"),
        200,
    )
    .await;
    assert_eq!(versions, json!({"versions": []}));
    expect(h.tfc_anonymous("PUT", &binary_link).body(zip.clone()), 200).await;
    let platform = expect(
        h.tfc(
            "GET",
            &format!("{PROVIDER}/versions/0.1.0/platforms/linux/amd64"),
        ),
        200,
    )
    .await;
    assert_eq!(
        platform["data"]["attributes"]["provider-binary-uploaded"],
        json!(true)
    );
    assert!(
        platform["data"]["links"]["provider-binary-download"].is_string(),
        "{platform}"
    );
    let all = expect(
        h.tfc("GET", &format!("{PROVIDER}/versions/0.1.0/platforms")),
        200,
    )
    .await;
    assert_eq!(all["data"].as_array().unwrap().len(), 1);

    // What terraform init reads.
    let discovery = expect(h.tfc_anonymous("GET", "/.well-known/terraform.json"), 200).await;
    assert_eq!(
        discovery["providers.v1"],
        json!("/api/registry/v1/providers/")
    );
    let versions = expect(
        h.tfc("GET", "/api/registry/v1/providers/ff-sandbox/ff/versions"),
        200,
    )
    .await;
    assert_eq!(
        versions,
        json!({"versions": [{"version": "0.1.0", "protocols": ["6.0"],
            "platforms": [{"os": "linux", "arch": "amd64"}]}]})
    );
    let download = expect(
        h.tfc(
            "GET",
            "/api/registry/v1/providers/ff-sandbox/ff/0.1.0/download/linux/amd64",
        ),
        200,
    )
    .await;
    assert_eq!(download["shasum"], json!(shasum));
    assert_eq!(
        download["filename"],
        json!("terraform-provider-ff_0.1.0_linux_amd64.zip")
    );
    assert_eq!(
        download["signing_keys"]["gpg_public_keys"][0]["key_id"],
        json!(GPG_KEY_ID)
    );
    assert_eq!(
        download["signing_keys"]["gpg_public_keys"][0]["ascii_armor"],
        json!(PUBLIC_KEY)
    );
    for (url, expected) in [
        (&download["download_url"], zip.clone()),
        (&download["shasums_url"], sums.clone().into_bytes()),
        (
            &download["shasums_signature_url"],
            b"\x89signature".to_vec(),
        ),
    ] {
        let response = h
            .tfc_anonymous("GET", url.as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.bytes().await.unwrap().to_vec(), expected, "{url}");
    }

    // The inspection document shows the registry, with file digests instead of bytes.
    let state = h.state().await;
    assert_eq!(state["tfc"]["providers"][0]["name"], json!("ff"));
    assert_eq!(state["tfc"]["versions"][0]["version"], json!("0.1.0"));
    let objects = state["tfc"]["objects"].as_object().unwrap();
    assert_eq!(objects.len(), 3);
    assert!(objects.values().all(|o| o["uploaded"] == json!(true)));
    let uploads: Vec<Value> = h
        .requests()
        .await
        .into_iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/_archivist/"))
        .collect();
    assert!(
        uploads.iter().all(|e| e["authorization"] == json!(false)),
        "uploads carry no token: {uploads:?}"
    );
    h.shutdown().await;
}
