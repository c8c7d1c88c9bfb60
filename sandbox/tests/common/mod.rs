//! Shared helpers for the sandbox tests: an in-process sandbox and request builders.
#![allow(dead_code)]

use ff_sandbox::{Config, Endpoints, Running, Sandbox};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

pub struct Harness {
    pub running: Running,
    pub http: reqwest::Client,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(Config::default()).await
    }

    pub async fn start_with(config: Config) -> Harness {
        let running = Sandbox::start(config).await.expect("sandbox starts");
        Harness {
            running,
            http: reqwest::Client::new(),
        }
    }

    pub fn endpoints(&self) -> &Endpoints {
        self.running.endpoints()
    }

    /// A request to the Vault port (started with `vault_upstream`), without a token.
    pub fn vault_anonymous(&self, method: &str, path: &str) -> RequestBuilder {
        let vault = self
            .endpoints()
            .vault
            .as_ref()
            .expect("the sandbox was started with a Vault upstream");
        let url = format!("{}{path}", vault.address);
        self.http.request(method_of(method), url)
    }

    /// A Grafana request as the admin (basic auth).
    pub fn grafana(&self, method: &str, path: &str) -> RequestBuilder {
        let g = &self.endpoints().grafana;
        self.grafana_anonymous(method, path)
            .basic_auth(&g.user, Some(&g.password))
    }

    pub fn grafana_anonymous(&self, method: &str, path: &str) -> RequestBuilder {
        let url = format!("{}{path}", self.endpoints().grafana.url);
        self.http.request(method_of(method), url)
    }

    /// An HTTPS client that trusts the sandbox's CA (and nothing else).
    pub fn https(&self) -> reqwest::Client {
        let pem = std::fs::read(&self.endpoints().tfc.ca_cert).expect("the CA file");
        let ca = reqwest::Certificate::from_pem(&pem).expect("the CA is PEM");
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .build()
            .expect("HTTPS client")
    }

    /// A Terraform Cloud API request with the sandbox's token.
    pub fn tfc(&self, method: &str, path: &str) -> RequestBuilder {
        self.tfc_anonymous(method, path)
            .bearer_auth(&self.endpoints().tfc.token)
            .header("Content-Type", "application/vnd.api+json")
    }

    /// A Terraform Cloud request without a token (the upload links, discovery).
    pub fn tfc_anonymous(&self, method: &str, path: &str) -> RequestBuilder {
        let url = if path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.endpoints().tfc.address)
        };
        self.https().request(method_of(method), url)
    }

    /// A request to the network mirror (`path` relative to its base URL).
    pub fn mirror(&self, method: &str, path: &str) -> RequestBuilder {
        let url = format!(
            "{}{}",
            self.endpoints().mirror.url,
            path.trim_start_matches('/')
        );
        self.https().request(method_of(method), url)
    }

    /// A Management API token from `POST /oauth/token` (client credentials).
    pub async fn auth0_token(&self) -> String {
        let a = &self.endpoints().auth0;
        let body = expect(
            self.http
                .post(format!("{}/oauth/token", a.domain))
                .json(&serde_json::json!({
                    "grant_type": "client_credentials",
                    "client_id": a.client_id,
                    "client_secret": a.client_secret,
                    "audience": format!("{}/api/v2/", a.domain),
                })),
            200,
        )
        .await;
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// A Management API request (`path` after `/api/v2`) with `token`.
    pub fn auth0(&self, token: &str, method: &str, path: &str) -> RequestBuilder {
        let url = format!("{}/api/v2{path}", self.endpoints().auth0.domain);
        self.http.request(method_of(method), url).bearer_auth(token)
    }

    pub fn control(&self, method: &str, path: &str) -> RequestBuilder {
        let url = format!("{}{path}", self.endpoints().control);
        self.http.request(method_of(method), url)
    }

    /// Installs a fault through the control API; returns its id.
    pub async fn add_fault(&self, fault: Value) -> u64 {
        let body = expect(self.control("POST", "/_sandbox/faults").json(&fault), 200).await;
        body["id"].as_u64().expect("fault id")
    }

    /// The request log.
    pub async fn requests(&self) -> Vec<Value> {
        let body = expect(self.control("GET", "/_sandbox/requests"), 200).await;
        body.as_array().cloned().unwrap_or_default()
    }

    /// The inspection document.
    pub async fn state(&self) -> Value {
        expect(self.control("GET", "/_sandbox/state"), 200).await
    }

    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

pub fn method_of(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("valid method")
}

/// Status and JSON body (`Null` for an empty body).
pub async fn status_and_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}); status {status}, body: {text}"))
    };
    (status, body)
}

/// Sends the request and asserts the status, showing expected against actual with the body.
pub async fn expect(request: RequestBuilder, expected: u16) -> Value {
    // The builder's own client: the HTTPS services need one that trusts the sandbox's CA.
    let (client, built) = request.build_split();
    let built = built.expect("request builds");
    let what = format!("{} {}", built.method(), built.url().path());
    let response = client.execute(built).await.expect("request sent");
    let (status, body) = status_and_json(response).await;
    assert_eq!(
        status, expected,
        "{what}: expected status {expected}, got {status}; body: {body}"
    );
    body
}

/// Asserts `actual == expected` for a JSON value, printing both on failure.
#[track_caller]
pub fn assert_json(actual: &Value, expected: &Value, context: &str) {
    assert_eq!(
        actual, expected,
        "{context}:\n  expected: {expected}\n  actual:   {actual}"
    );
}

/// A spawned `ff-sandbox` binary and the endpoints it printed.
pub struct Spawned {
    pub child: std::process::Child,
    pub line: String,
    pub endpoints: Endpoints,
    pub stdout: std::io::BufReader<std::process::ChildStdout>,
}

/// Starts the binary with `args` and reads its one endpoints line.
pub fn spawn_binary(args: &[&str]) -> Spawned {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ff-sandbox"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn ff-sandbox");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut stdout = std::io::BufReader::new(stdout);
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read endpoints line");
    let endpoints: Endpoints = serde_json::from_str(line.trim_end())
        .unwrap_or_else(|e| panic!("endpoints line is not the expected JSON ({e}): {line:?}"));
    Spawned {
        child,
        line,
        endpoints,
        stdout,
    }
}

/// Sends SIGTERM to a spawned sandbox and waits for it.
pub fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM failed");
    child.wait().expect("wait for ff-sandbox")
}

/// A fresh path in the temp directory.
pub fn temp_path(name: &str) -> std::path::PathBuf {
    let unique = format!(
        "ff-sandbox-test-{}-{}-{name}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    std::env::temp_dir().join(unique)
}
