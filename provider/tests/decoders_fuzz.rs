//! Property test ("fuzzing") of every decoder of remote responses: each backend client is
//! pointed at a server that answers arbitrary statuses and bodies — random bytes, and random
//! JSON built from the field names the decoders look for — and every call must return
//! `Ok` or an error, never panic. Covered: the Vault client (KV, mounts, policies, auth
//! methods, and its token session: lookup, renewal and JWT login), Grafana, the Auth0
//! Management API client (token grant, paged lists, every write), the Kubernetes client
//! (discovery, server-side apply, get, delete, the CRD and Deployment waits) and the
//! release-manifest parser. The Entra ID token decoder (AKS) is in `aks_token_fuzz.rs`,
//! which needs its own process for `AZURE_AUTHORITY_HOST`. EKS tokens are presigned
//! locally: no remote answer is decoded.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ff_provider::backends::auth0::Auth0Credentials;
use ff_provider::backends::auth0::{Auth0Client, Permission};
use ff_provider::backends::grafana::GrafanaClient;
use ff_provider::backends::http::{HttpSettings, RetryPolicy, System};
use ff_provider::backends::kubernetes::{ClusterAuth, Connection, KubeClient};
use ff_provider::backends::vault::{VaultAuth, VaultClient};
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
                let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
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
    // Vault auth.
    "auth",
    "client_token",
    "lease_duration",
    "renewable",
    "ttl",
    "creation_ttl",
    // Auth0.
    "access_token",
    "expires_in",
    "token_type",
    "client_id",
    "client_secret",
    "clients",
    "client_grants",
    "resource_servers",
    "roles",
    "permissions",
    "total",
    "start",
    "limit",
    "identifier",
    "scopes",
    "scope",
    "audience",
    "client_metadata",
    "statusCode",
    "errorCode",
    // Kubernetes.
    "kind",
    "apiVersion",
    "groupVersion",
    "resources",
    "namespaced",
    "verbs",
    "status",
    "conditions",
    "reason",
    "code",
    "spec",
    "replicas",
    "readyReplicas",
    "updatedReplicas",
    "observedGeneration",
    "items",
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn auth0_kubernetes_and_vault_login_decoders_never_panic(status in status(), body in body()) {
        let server = Canned::start();
        server.set(status, body);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            // Vault: JWT login (and login again after a 403), then a configured token's
            // lookup and renewal.
            let login = VaultClient::with_auth(
                settings(System::Vault, &server.address),
                VaultAuth::Jwt { mount: "jwt".into(), role: "tfc".into(), jwt: "a.b.c".into() },
                None,
            ).expect("client");
            let _ = login.kv_read("deployments", "K/x").await;
            let _ = login.policy("p").await;
            let token = VaultClient::new(settings(System::Vault, &server.address), "t".into(), Some("ns".into())).expect("client");
            let _ = token.mount("deployments").await;
            let _ = token.auth_method("kubernetes-x").await;
            let _ = token.read_data("auth/kubernetes-x/config").await;

            let perms = [Permission { resource_server_identifier: "https://api".into(), permission_name: "read".into() }];
            for credentials in [
                Auth0Credentials::Token("t".into()),
                Auth0Credentials::Client { client_id: "c".into(), client_secret: "s".into() },
            ] {
                let auth0 = Auth0Client::new(settings(System::Auth0, &server.address), credentials).expect("client");
                let _ = auth0.clients("o").await;
                let _ = auth0.resource_servers("o").await;
                let _ = auth0.client_grants("o").await;
                let _ = auth0.roles("o").await;
                let _ = auth0.create_client("o", json!({"name": "x"})).await;
                let _ = auth0.update_client("o", "id", json!({})).await;
                let _ = auth0.delete_client("o", "id").await;
                let _ = auth0.rotate_secret("o", "id").await;
                let _ = auth0.client_secret("id").await;
                let _ = auth0.create_resource_server("o", json!({})).await;
                let _ = auth0.resource_server("https://api").await;
                let _ = auth0.update_resource_server("o", "id", json!({})).await;
                let _ = auth0.delete_resource_server("o", "id").await;
                let _ = auth0.create_client_grant("o", "c", "https://api", &["read".to_string()]).await;
                let _ = auth0.update_client_grant("o", "id", &[]).await;
                let _ = auth0.delete_client_grant("o", "id").await;
                let _ = auth0.create_role("o", "r", "d").await;
                let _ = auth0.delete_role("o", "id").await;
                let _ = auth0.role_permissions("id").await;
                let _ = auth0.add_role_permissions("o", "id", &perms).await;
                let _ = auth0.remove_role_permissions("o", "id", &perms).await;
            }

            let connection = Connection {
                host: server.address.clone(),
                ca_pem: None,
                auth: ClusterAuth::Token("t".into()),
                proxy_url: None,
                timeout: Duration::from_secs(5),
            };
            // The Kubernetes client retries 429 and 5xx three times (0.4 + 0.8 + 1.6 s), then
            // decodes the last answer: one call is enough to reach that path.
            if let Ok(kube) = KubeClient::connect(&connection).await
                && matches!(status, 429 | 500 | 503)
            {
                let _ = kube.get("v1", "ConfigMap", Some("n"), "x").await;
            } else if let Ok(kube) = KubeClient::connect(&connection).await {
                let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "n"}});
                let _ = kube.kind("apps/v1", "Deployment").await;
                let _ = kube.prefetch(&["v1".to_string(), "apps/v1".to_string()]).await;
                let _ = kube.apply(&object).await;
                let _ = kube.get("v1", "ConfigMap", Some("n"), "x").await;
                let _ = kube.delete("v1", "ConfigMap", Some("n"), "x").await;
                let soon = std::time::Instant::now() + Duration::from_millis(300);
                let _ = kube.wait_crd_established("xs.example.com", soon).await;
                let _ = kube.wait_deployment_ready("n", "d", soon).await;
            }
        });
    }

    #[test]
    fn the_manifest_parser_never_panics(input in manifest_input()) {
        let _ = ff_provider::backends::manifests::parse("https://example.com/m.yaml", &input);
    }
}

/// Random bytes, and YAML-ish text built from the pieces manifests are made of.
fn manifest_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        r"(---\n|apiVersion: v1\n|kind: [A-Za-z]{0,8}\n|metadata:\n  name: [a-z]{0,5}\n|  namespace: x\n|- a\n|\{\}|\[\]|: :|\t|&a|\*a|!!binary x\n|null\n){0,16}"
            .prop_map(String::into_bytes),
    ]
}

/// The canned server reaches the new decoders too: a Management API token is granted and
/// a page of clients decodes; a JWT login's token is used for the next call.
#[test]
fn canned_answers_reach_the_auth0_and_login_decoders() {
    let server = Canned::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    server.set(
        200,
        br#"{"access_token":"tok","expires_in":86400,"token_type":"Bearer","clients":[],"total":0,"start":0,"limit":100}"#.to_vec(),
    );
    let auth0 = Auth0Client::new(
        settings(System::Auth0, &server.address),
        Auth0Credentials::Client {
            client_id: "c".into(),
            client_secret: "s".into(),
        },
    )
    .expect("client");
    let clients = runtime.block_on(auth0.clients("o")).expect("decodes");
    assert!(clients.is_empty());
    server.set(
        200,
        br#"{"auth":{"client_token":"hvs.x","lease_duration":60,"renewable":true},"data":{"keys":["a"]}}"#.to_vec(),
    );
    let vault = VaultClient::with_auth(
        settings(System::Vault, &server.address),
        VaultAuth::Jwt {
            mount: "jwt".into(),
            role: "tfc".into(),
            jwt: "a.b.c".into(),
        },
        None,
    )
    .expect("client");
    let keys = runtime
        .block_on(vault.kv_list("deployments", ""))
        .expect("logs in, then lists");
    assert_eq!(keys, vec!["a".to_string()]);
    let parsed = ff_provider::backends::manifests::parse(
        "https://example.com/m.yaml",
        b"apiVersion: v1
kind: Namespace
metadata:
  name: a
---
apiVersion: v1
kind: Namespace
metadata:
  name: b
",
    )
    .expect("parses");
    assert_eq!(parsed.len(), 2);
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
