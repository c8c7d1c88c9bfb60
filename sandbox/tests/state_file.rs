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
    let password = h.endpoints().grafana.password.clone();
    let client_secret = h.endpoints().auth0.client_secret.clone();
    expect(
        h.grafana("POST", "/api/folders")
            .json(&json!({"uid": "kept", "title": "persisted-folder-1"})),
        200,
    )
    .await;
    // Written before the answer, not only at shutdown.
    let on_disk = std::fs::read_to_string(&path).expect("state file exists");
    assert!(on_disk.contains("persisted-folder-1"), "{on_disk}");
    h.shutdown().await;

    let h = Harness::start_with(config).await;
    assert_eq!(
        h.endpoints().grafana.password,
        password,
        "admin password restored"
    );
    assert_eq!(
        h.endpoints().auth0.client_secret,
        client_secret,
        "Auth0 management secret restored"
    );
    let read = expect(h.grafana("GET", "/api/folders/kept"), 200).await;
    assert_eq!(read["title"], json!("persisted-folder-1"));
    h.shutdown().await;

    // Flags win over the file.
    let h = Harness::start_with(Config {
        state_file: Some(path.clone()),
        grafana_password: Some("flag-password".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(h.endpoints().grafana.password, "flag-password");
    expect(h.grafana("GET", "/api/folders/kept"), 200).await;
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
    let grafana = first.endpoints.grafana.clone();
    let response = client
        .post(format!("{}/api/folders", grafana.url))
        .basic_auth(&grafana.user, Some(&grafana.password))
        .json(&json!({"uid": "survivor", "title": "still-here"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    first.child.kill().expect("SIGKILL");
    let _ = first.child.wait();
    let _ = std::fs::remove_dir_all(&tls_dir);

    let mut second = spawn_binary(&["--state-file", &path_arg]);
    assert_eq!(
        second.endpoints.grafana.password, grafana.password,
        "same admin password"
    );
    let read: serde_json::Value = client
        .get(format!(
            "{}/api/folders/survivor",
            second.endpoints.grafana.url
        ))
        .basic_auth(&grafana.user, Some(&grafana.password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["title"], json!("still-here"), "{read}");
    let status = terminate(&mut second.child);
    assert!(status.success(), "exit after SIGTERM: {status:?}");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_file_from_the_emulated_vault_days_still_loads() {
    // Files written while Vault was emulated have a `vault` section: it is ignored.
    let path = temp_path("old.json");
    std::fs::write(
        &path,
        r#"{"format":1,"vault":{"mounts":{},"kv":{},"policies":{},"tokens":[]},
            "grafana":{"admin":{"user":"admin","password":"old-pass"},"folders":[],"teams":[],
                       "service_accounts":[],"datasources":[]}}"#,
    )
    .unwrap();
    let h = Harness::start_with(Config {
        state_file: Some(path.clone()),
        ..Default::default()
    })
    .await;
    assert_eq!(h.endpoints().grafana.password, "old-pass");
    h.shutdown().await;
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(!saved.contains("\"vault\""), "saved without it: {saved}");
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
