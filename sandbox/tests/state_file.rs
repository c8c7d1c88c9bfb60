//! The state file: written after every change (so SIGKILL loses nothing acknowledged),
//! restored at start with the same credentials, overridden by flags.

mod common;

use common::{Harness, expect, spawn_binary, temp_path, terminate};
use ff_sandbox::Config;
use serde_json::json;

#[tokio::test]
async fn state_survives_a_restart_in_process() {
    let path = temp_path("state.json");
    let config = Config {
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let h = Harness::start_with(config.clone()).await;
    let token = h.endpoints().vault.token.clone();
    let password = h.endpoints().grafana.password.clone();
    expect(
        h.vault("POST", "/v1/secret/data/keep")
            .json(&json!({"data": {"value": "persisted-secret-1"}})),
        200,
    )
    .await;
    expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "kept", "title": "Kept"})),
        200,
    )
    .await;
    // Written before the answer, not only at shutdown.
    let on_disk = std::fs::read_to_string(&path).expect("state file exists");
    assert!(on_disk.contains("persisted-secret-1"), "{on_disk}");
    h.shutdown().await;

    let h = Harness::start_with(config).await;
    assert_eq!(h.endpoints().vault.token, token, "root token restored");
    assert_eq!(
        h.endpoints().grafana.password,
        password,
        "admin password restored"
    );
    let read = expect(h.vault("GET", "/v1/secret/data/keep"), 200).await;
    assert_eq!(read["data"]["data"], json!({"value": "persisted-secret-1"}));
    expect(h.grafana("GET", "/api/folders/kept"), 200).await;
    h.shutdown().await;

    // Flags win over the file.
    let h = Harness::start_with(Config {
        state_file: Some(path.clone()),
        vault_token: Some("flag-token".into()),
        grafana_password: Some("flag-password".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(h.endpoints().vault.token, "flag-token");
    assert_eq!(h.endpoints().grafana.password, "flag-password");
    expect(h.vault("GET", "/v1/secret/data/keep"), 200).await;
    h.shutdown().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_sigkilled_sandbox_keeps_its_data() {
    let path = temp_path("killed.json");
    let path_arg = path.to_string_lossy().to_string();
    // A killed sandbox cannot remove its CA's directory: give it one to clean up here.
    let tls_dir = temp_path("killed-tls");
    let tls_arg = tls_dir.to_string_lossy().to_string();
    let mut first = spawn_binary(&["--state-file", &path_arg, "--tls-dir", &tls_arg]);
    let client = reqwest::Client::new();
    let vault = first.endpoints.vault.clone();
    let response = client
        .post(format!("{}/v1/secret/data/survivor", vault.address))
        .header("X-Vault-Token", &vault.token)
        .json(&json!({"data": {"value": "still-here"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    first.child.kill().expect("SIGKILL");
    let _ = first.child.wait();
    let _ = std::fs::remove_dir_all(&tls_dir);

    let mut second = spawn_binary(&["--state-file", &path_arg]);
    assert_eq!(second.endpoints.vault.token, vault.token, "same root token");
    let read: serde_json::Value = client
        .get(format!(
            "{}/v1/secret/data/survivor",
            second.endpoints.vault.address
        ))
        .header("X-Vault-Token", &vault.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        read["data"]["data"],
        json!({"value": "still-here"}),
        "{read}"
    );
    let status = terminate(&mut second.child);
    assert!(status.success(), "exit after SIGTERM: {status:?}");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_corrupt_state_file_stops_the_start() {
    let path = temp_path("corrupt.json");
    std::fs::write(&path, "{ not json").unwrap();
    let result = ff_sandbox::Sandbox::start(Config {
        state_file: Some(path.clone()),
        ..Default::default()
    })
    .await;
    let err = result.err().expect("start fails");
    assert!(err.to_string().contains("state file"), "{err}");
    let _ = std::fs::remove_file(&path);
}
