//! Property test ("fuzzing") of every decoder of remote responses: each backend client is
//! pointed at a server that answers arbitrary statuses and bodies — random bytes, and random
//! JSON built from the field names the decoders look for — and every call must return
//! `Ok` or an error, never panic.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ff_provider::backends::grafana::GrafanaClient;
use ff_provider::backends::http::{HttpSettings, RetryPolicy, System};
use ff_provider::backends::vault::VaultClient;
use proptest::prelude::*;
use serde_json::{Value, json};

/// A server answering every request with the current canned response.
struct Canned {
    address: String,
    response: Arc<Mutex<(u16, Vec<u8>)>>,
}

impl Canned {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let response = Arc::new(Mutex::new((200u16, b"{}".to_vec())));
        let shared = response.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head, then as much body as Content-Length says.
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                    if let Some(end) = find(&request, b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let (status, body) = shared
                    .lock()
                    .map(|g| g.clone())
                    .unwrap_or((500, Vec::new()));
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Self { address, response }
    }

    fn set(&self, status: u16, body: Vec<u8>) {
        if let Ok(mut guard) = self.response.lock() {
            *guard = (status, body);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn settings(system: System, base_url: &str) -> HttpSettings {
    HttpSettings {
        system,
        base_url: base_url.to_string(),
        ca_pem: None,
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 0,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            max_rate_limit_wait: Duration::ZERO,
        },
    }
}

/// Field names the decoders read, so random JSON reaches deep into them.
const FIELDS: &[&str] = &[
    "data",
    "metadata",
    "version",
    "versions",
    "current_version",
    "custom_metadata",
    "deletion_time",
    "destroyed",
    "keys",
    "errors",
    "policy",
    "type",
    "options",
    "id",
    "uid",
    "title",
    "name",
    "teams",
    "teamId",
    "serviceAccounts",
    "role",
    "key",
    "url",
    "message",
    "messageId",
    "deployments/",
    "1",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(FIELDS).prop_map(str::to_string),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![
        200u16, 201, 204, 400, 401, 403, 404, 409, 412, 429, 500, 503,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn vault_and_grafana_decoders_never_panic(status in status(), body in body()) {
        let server = Canned::start();
        server.set(status, body);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let vault = VaultClient::new(settings(System::Vault, &server.address), "t".into(), None).expect("client");
        let grafana = GrafanaClient::new(settings(System::Grafana, &server.address), "admin:admin").expect("client");
        runtime.block_on(async {
            let data = BTreeMap::from([("value".to_string(), json!("x"))]);
            let _ = vault.lookup_self().await;
            let _ = vault.mount("deployments").await;
            let _ = vault.ensure_kv2_mount("deployments").await;
            let _ = vault.kv_read("deployments", "K/x").await;
            let _ = vault.kv_metadata("deployments", "K/x").await.map(|m| m.map(|m| m.latest_is_live()));
            let _ = vault.kv_write("deployments", "K/x", &data, Some(0)).await;
            let _ = vault.kv_write_metadata("deployments", "K/x", &BTreeMap::new()).await;
            let _ = vault.kv_delete_all("deployments", "K/x").await;
            let _ = vault.kv_list("deployments", "").await;
            let _ = vault.policy("p").await;
            let _ = vault.put_policy("p", "x").await;
            let _ = vault.delete_policy("p").await;
            let _ = grafana.health().await;
            let _ = grafana.folder("f").await;
            let _ = grafana.create_folder("f", "t").await;
            let _ = grafana.rename_folder("f", "t").await;
            let _ = grafana.delete_folder("f").await;
            let _ = grafana.set_folder_team_permission("f", 1, 2).await;
            let _ = grafana.team_by_name("t").await;
            let _ = grafana.team(1).await;
            let _ = grafana.create_team("t").await;
            let _ = grafana.delete_team(1).await;
            let _ = grafana.service_account_by_name("s").await;
            let _ = grafana.service_account(1).await;
            let _ = grafana.create_service_account("s", "Viewer").await;
            let _ = grafana.delete_service_account(1).await;
            let _ = grafana.tokens(1).await;
            let _ = grafana.create_token(1, "t").await;
            let _ = grafana.delete_token(1, 1).await;
            let _ = grafana.datasource("d").await;
            let _ = grafana.put_datasource("d", "n", "prometheus", "http://x", false).await;
            let _ = grafana.delete_datasource("d").await;
        });
    }
}

/// The canned server really reaches the decoders: a well-formed answer decodes.
#[test]
fn canned_answers_reach_the_decoders() {
    let server = Canned::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let vault = VaultClient::new(settings(System::Vault, &server.address), "t".into(), None)
        .expect("client");
    let grafana = GrafanaClient::new(settings(System::Grafana, &server.address), "admin:admin")
        .expect("client");
    server.set(200, br#"{"data":{"keys":["WM-Prod/","other"]}}"#.to_vec());
    let keys = runtime
        .block_on(vault.kv_list("deployments", ""))
        .expect("decodes");
    assert_eq!(keys, vec!["WM-Prod/".to_string(), "other".to_string()]);
    server.set(409, br#"{"message":"Team name taken"}"#.to_vec());
    let error = runtime
        .block_on(grafana.create_team("t"))
        .expect_err("409 is an error");
    assert!(error.to_string().contains("Team name taken"), "{error}");
}
