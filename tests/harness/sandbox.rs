//! An `ff-sandbox` process for one test, its control API and its emulated services; and
//! the real Vault behind its Vault port.
//!
//! Vault is not emulated: [`Sandbox::start`] starts an OpenBao dev server for the test
//! ([`crate::openbao`]) and the sandbox with `--vault-upstream` pointing at it, so the
//! provider talks to the sandbox's Vault port — through its fault layer and request log —
//! and the sandbox forwards to OpenBao. What the harness itself asks Vault (setting up,
//! looking at what exists) goes to OpenBao directly, past the faults a test armed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::openbao::{OpenBao, kv_secrets_of};
use crate::tools::bin_dir;

/// The `exec` block with which a configuration authenticates to the sandbox's Kubernetes API:
/// it prints an ExecCredential holding the token from the environment (`FF_KUBE_TOKEN`), as
/// `aws eks get-token` would, so no token is in the configuration.
pub const KUBE_EXEC: &str = r#"exec {
      command = "sh"
      args    = ["-c", "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' \"$FF_KUBE_TOKEN\""]
    }"#;

/// A running sandbox; killed when dropped.
pub struct Sandbox {
    child: Child,
    /// Holds the CA file of the HTTPS services (the sandbox is killed, not stopped, so it
    /// cannot remove it itself).
    _tls_dir: tempfile::TempDir,
    /// The endpoints line it printed.
    pub endpoints: Value,
    agent: ureq::Agent,
    /// The real Vault behind the Vault port (dropped, so killed, after the sandbox).
    bao: Option<OpenBao>,
}

/// An HTTP answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body as JSON.
    pub body: Value,
}

impl Answer {
    /// Sends one request; an HTTP error status is an answer too, only a failure to get one
    /// (connection, I/O) is an error, given as its message.
    pub(crate) fn send(
        agent: &ureq::Agent,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Answer, String> {
        let mut request = agent.request(method, url);
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let result = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(e.to_string()),
        };
        let status = response.status();
        let text = response.into_string().unwrap_or_default();
        Ok(Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }
}

impl Sandbox {
    /// Start an OpenBao and a sandbox on random loopback ports, the sandbox's Vault port in
    /// front of the OpenBao.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// [`Sandbox::start`] with extra command-line arguments for the sandbox.
    pub fn start_with(args: &[&str]) -> Self {
        Self::start_in_front_of(OpenBao::start(), args)
    }

    /// A sandbox in front of an OpenBao started by the caller (with an audit log, say).
    pub fn start_in_front_of(bao: OpenBao, args: &[&str]) -> Self {
        let upstream = format!("--vault-upstream={}", bao.address());
        let mut all = vec![upstream.as_str()];
        all.extend_from_slice(args);
        let mut sandbox = Self::spawn(&all);
        sandbox.bao = Some(bao);
        sandbox
    }

    /// A sandbox without Vault (and so without OpenBao), with extra command-line
    /// arguments, for tests of what needs none (the registry, the mirror).
    pub fn start_without_vault(args: &[&str]) -> Self {
        Self::spawn(args)
    }

    fn spawn(args: &[&str]) -> Self {
        let tls_dir = tempfile::Builder::new()
            .prefix("ff-e2e-tls-")
            .tempdir()
            .expect("temp dir");
        let mut child = Command::new(bin_dir().join("ff-sandbox"))
            .args(["--listen", "127.0.0.1:0"])
            .arg("--tls-dir")
            .arg(tls_dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ff-sandbox starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("ff-sandbox prints its endpoints within 30 s");
        let endpoints: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("the endpoints line is JSON ({e}): {line:?}"));
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build();
        Self {
            child,
            _tls_dir: tls_dir,
            endpoints,
            agent,
            bao: None,
        }
    }

    /// The real Vault behind the Vault port.
    pub fn bao(&self) -> &OpenBao {
        self.bao
            .as_ref()
            .expect("this sandbox was started without Vault (Sandbox::start_without_vault)")
    }

    fn endpoint(&self, pointer: &str) -> String {
        self.endpoints
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("the endpoints line has {pointer}: {}", self.endpoints))
            .to_string()
    }

    /// Vault's address for the provider: the sandbox's Vault port, in front of OpenBao.
    pub fn vault_address(&self) -> String {
        self.endpoint("/vault/address")
    }
    /// Vault's root token (OpenBao's).
    pub fn vault_token(&self) -> String {
        self.bao().token().to_string()
    }
    /// Grafana's URL.
    pub fn grafana_url(&self) -> String {
        self.endpoint("/grafana/url")
    }
    /// Grafana's `user:password`.
    pub fn grafana_auth(&self) -> String {
        self.endpoint("/grafana/auth")
    }
    /// The Auth0 tenant's base URL (the provider's `auth0.domain`).
    pub fn auth0_domain(&self) -> String {
        self.endpoint("/auth0/domain")
    }
    /// The Auth0 management client's id.
    pub fn auth0_client_id(&self) -> String {
        self.endpoint("/auth0/client_id")
    }
    /// The Auth0 management client's secret.
    pub fn auth0_client_secret(&self) -> String {
        self.endpoint("/auth0/client_secret")
    }
    /// The control API's base URL.
    pub fn control(&self) -> String {
        self.endpoint("/control")
    }
    /// The emulated Terraform Cloud API's base URL (`https://localhost:PORT`).
    pub fn tfc_address(&self) -> String {
        self.endpoint("/tfc/address")
    }
    /// Its host as Terraform names it (`localhost:PORT`).
    pub fn tfc_hostname(&self) -> String {
        self.endpoint("/tfc/hostname")
    }
    /// Its organization (the private providers' namespace).
    pub fn tfc_organization(&self) -> String {
        self.endpoint("/tfc/organization")
    }
    /// Its API token.
    pub fn tfc_token(&self) -> String {
        self.endpoint("/tfc/token")
    }
    /// The network mirror's base URL (ends with `/`).
    pub fn mirror_url(&self) -> String {
        self.endpoint("/mirror/url")
    }
    /// The PEM file of the CA of the HTTPS services.
    pub fn ca_cert(&self) -> String {
        self.endpoint("/tfc/ca_cert")
    }

    /// The Kubernetes API server (`https://127.0.0.1:PORT`).
    pub fn kube_host(&self) -> String {
        self.endpoint("/kubernetes/host")
    }
    /// The CA of the Kubernetes API server (PEM).
    pub fn kube_ca(&self) -> String {
        self.endpoint("/kubernetes/ca_pem")
    }
    /// The cluster admin's bearer token.
    pub fn kube_token(&self) -> String {
        self.endpoint("/kubernetes/token")
    }
    /// The kubeconfig the sandbox wrote.
    pub fn kubeconfig(&self) -> String {
        self.endpoint("/kubernetes/kubeconfig")
    }
    /// URL and SHA-256 of a manifest the sandbox serves (`ingress-controller`, `argocd`).
    pub fn manifest(&self, name: &str) -> (String, String) {
        (
            self.endpoint(&format!("/kubernetes/manifests/{name}/url")),
            self.endpoint(&format!("/kubernetes/manifests/{name}/sha256")),
        )
    }

    /// The Kubernetes objects the sandbox holds, by `group/plural/namespace/name`.
    pub fn kube_objects(&self) -> serde_json::Map<String, Value> {
        self.state()["kubernetes"]["objects"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    /// Keys of the objects labelled with a deployment key.
    pub fn kube_objects_of(&self, deployment_key: &str) -> Vec<String> {
        self.kube_objects()
            .into_iter()
            .filter(|(_, o)| {
                o.pointer("/metadata/labels/ff~1deployment-key") == Some(&json!(deployment_key))
            })
            .map(|(k, _)| k)
            .collect()
    }

    /// Run kubectl against the sandbox's kubeconfig; returns (exit code, stdout, stderr).
    pub fn kubectl(&self, args: &[&str]) -> (i32, String, String) {
        let output = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("kubectl runs (Debian package kubernetes-client)");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `kubectl apply --server-side` of one object; returns (exit code, stdout, stderr).
    pub fn kubectl_apply(&self, object: &Value) -> (i32, String, String) {
        let path = std::env::temp_dir().join(format!(
            "ff-e2e-{}-{}.json",
            std::process::id(),
            object["metadata"]["name"].as_str().unwrap_or("object")
        ));
        std::fs::write(&path, object.to_string()).expect("write the object for kubectl");
        let path_text = path.display().to_string();
        let result = self.kubectl(&["apply", "--server-side", "-f", &path_text]);
        let _ = std::fs::remove_file(&path);
        result
    }

    /// The environment variables that configure the provider for this sandbox.
    pub fn provider_env(&self) -> Vec<(String, String)> {
        vec![
            ("VAULT_ADDR".into(), self.vault_address()),
            ("VAULT_TOKEN".into(), self.vault_token()),
            ("GRAFANA_URL".into(), self.grafana_url()),
            ("GRAFANA_AUTH".into(), self.grafana_auth()),
            ("AUTH0_DOMAIN".into(), self.auth0_domain()),
            ("AUTH0_CLIENT_ID".into(), self.auth0_client_id()),
            ("AUTH0_CLIENT_SECRET".into(), self.auth0_client_secret()),
        ]
    }

    /// What `examples/local` needs besides [`Sandbox::provider_env`], as
    /// `scripts/run-local.sh` sets it: the sandbox cluster's address, CA and token (for the
    /// example's exec plugin), the release manifests it serves, and demo Git credentials in
    /// Vault for the deployment `key`.
    pub fn local_example_env(&self, key: &str) -> Vec<(String, String)> {
        self.local_example_env_in(key, None)
    }

    /// [`Sandbox::local_example_env`] with Vault's part in `namespace` (which must exist),
    /// and `VAULT_NAMESPACE` set to it.
    pub fn local_example_env_in(
        &self,
        key: &str,
        namespace: Option<&str>,
    ) -> Vec<(String, String)> {
        let bao = self.bao();
        bao.call_as(
            bao.token(),
            namespace,
            "POST",
            "sys/mounts/deployments",
            Some(json!({"type": "kv", "options": {"version": "2"}})),
        );
        let written = bao.call_as(
            bao.token(),
            namespace,
            "POST",
            &format!("deployments/data/{key}/git"),
            Some(json!({"data": {"username": "demo", "password": "demo-only"}})),
        );
        assert_eq!(
            written.status, 200,
            "demo Git credentials written: {written:?}"
        );
        let manifest = |name: &str| {
            let m = &self.endpoints["kubernetes"]["manifests"][name];
            json!({"url": m["url"], "sha256": m["sha256"]}).to_string()
        };
        let mut env = self.provider_env();
        env.extend([
            (
                "TF_VAR_kube_host".to_string(),
                self.endpoint("/kubernetes/host"),
            ),
            (
                "TF_VAR_kube_ca".to_string(),
                self.endpoint("/kubernetes/ca_pem"),
            ),
            (
                "FF_KUBE_TOKEN".to_string(),
                self.endpoint("/kubernetes/token"),
            ),
            (
                "TF_VAR_ingress_manifest".to_string(),
                manifest("ingress-controller"),
            ),
            ("TF_VAR_argocd_manifest".to_string(), manifest("argocd")),
        ]);
        if let Some(namespace) = namespace {
            env.push(("VAULT_NAMESPACE".to_string(), namespace.to_string()));
        }
        env
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Answer {
        Answer::send(&self.agent, method, url, headers, body)
            .unwrap_or_else(|e| panic!("{method} {url} failed: {e}"))
    }

    /// Everything the sandbox holds, and under `vault` what OpenBao holds in its root
    /// namespace ([`OpenBao::snapshot`]).
    pub fn state(&self) -> Value {
        let mut state = self
            .send(
                "GET",
                &format!("{}/_sandbox/state", self.control()),
                &[],
                None,
            )
            .body;
        if let (Some(bao), Some(map)) = (&self.bao, state.as_object_mut()) {
            map.insert("vault".to_string(), bao.snapshot(None));
        }
        state
    }

    /// Add a fault; returns its id.
    pub fn add_fault(&self, fault: Value) -> u64 {
        let answer = self.send(
            "POST",
            &format!("{}/_sandbox/faults", self.control()),
            &[],
            Some(fault.clone()),
        );
        assert_eq!(
            answer.status, 200,
            "adding fault {fault} answered {answer:?}"
        );
        answer.body["id"].as_u64().unwrap_or_default()
    }

    /// A renewable Vault token with the `root` policy that expires `ttl_seconds` after
    /// now unless renewed (OpenBao's `auth/token/create`).
    pub fn vault_token_with_ttl(&self, ttl_seconds: u64) -> String {
        self.bao().token_with_ttl(ttl_seconds)
    }

    /// Slow every request of `service` (`vault`, `grafana`, …) down by `ms`; returns the
    /// fault's id.
    pub fn add_latency(&self, service: &str, ms: u64) -> u64 {
        self.add_fault(json!({"service": service, "kind": "latency", "latency_ms": ms}))
    }

    /// Remove one fault.
    pub fn remove_fault(&self, id: u64) {
        let answer = self.send(
            "DELETE",
            &format!("{}/_sandbox/faults/{id}", self.control()),
            &[],
            None,
        );
        assert_eq!(answer.status, 200, "removing fault {id}: {answer:?}");
    }

    /// Remove every fault.
    pub fn clear_faults(&self) {
        self.send(
            "DELETE",
            &format!("{}/_sandbox/faults", self.control()),
            &[],
            None,
        );
    }

    /// The request log.
    pub fn requests(&self) -> Vec<Value> {
        match self
            .send(
                "GET",
                &format!("{}/_sandbox/requests", self.control()),
                &[],
                None,
            )
            .body
        {
            Value::Array(entries) => entries,
            other => panic!("the request log is a list: {other}"),
        }
    }

    /// Empty the request log.
    pub fn clear_requests(&self) {
        self.send(
            "DELETE",
            &format!("{}/_sandbox/requests", self.control()),
            &[],
            None,
        );
    }

    /// Call Vault (OpenBao, directly: past the sandbox's faults and log) as root; `path`
    /// after `/v1/`.
    pub fn vault(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.bao().call(method, path, body)
    }

    /// Call the emulated Grafana API as the admin (`path` such as `/api/folders`).
    pub fn grafana(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let url = format!("{}{}", self.grafana_url(), path);
        let auth = format!("Basic {}", base64(&self.grafana_auth()));
        self.send(method, &url, &[("Authorization", auth)], body)
    }

    /// Set the Auth0 Management API's rate limit (`per_second` 0: off).
    pub fn set_auth0_rate_limit(&self, per_second: f64, burst: u32) {
        let answer = self.send(
            "PUT",
            &format!("{}/_sandbox/auth0/rate-limit", self.control()),
            &[],
            Some(json!({"per_second": per_second, "burst": burst})),
        );
        assert_eq!(
            answer.status, 200,
            "setting the Auth0 rate limit: {answer:?}"
        );
    }

    /// Call the emulated Auth0 Management API (`path` after `/api/v2`) with a token of the
    /// management client; 429s are waited out.
    pub fn auth0(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let domain = self.auth0_domain();
        let token = self.send(
            "POST",
            &format!("{domain}/oauth/token"),
            &[],
            Some(json!({
                "grant_type": "client_credentials",
                "client_id": self.auth0_client_id(),
                "client_secret": self.auth0_client_secret(),
                "audience": format!("{domain}/api/v2/"),
            })),
        );
        let token = token.body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let url = format!("{domain}/api/v2{path}");
        for _ in 0..50 {
            let answer = self.send(
                method,
                &url,
                &[("Authorization", format!("Bearer {token}"))],
                body.clone(),
            );
            if answer.status != 429 {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("{method} {path}: the sandbox kept answering 429");
    }

    /// What the sandbox's Auth0 tenant holds (clients with their secrets, resource
    /// servers, client grants, roles).
    pub fn auth0_state(&self) -> Value {
        self.state()["auth0"].clone()
    }

    /// The Auth0 clients of a deployment key (by their `ff_deployment_key` metadata).
    pub fn auth0_clients_of(&self, key: &str) -> Vec<Value> {
        self.auth0_state()["clients"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c["client_metadata"]["ff_deployment_key"] == key)
            .collect()
    }

    /// The KV v2 secrets OpenBao holds under `mount` whose path starts with `prefix`:
    /// path → data of the latest version (`Null` when deleted or destroyed).
    pub fn kv_secrets(&self, mount: &str, prefix: &str) -> Vec<(String, Value)> {
        kv_secrets_of(&self.bao().snapshot(None), mount, prefix)
    }

    /// Names of the Grafana objects of a kind (`folders` by uid, `teams`,
    /// `service_accounts` and `datasources` by name).
    pub fn grafana_names(&self, kind: &str) -> Vec<String> {
        let field = if kind == "folders" { "uid" } else { "name" };
        self.state()
            .pointer(&format!("/grafana/{kind}"))
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i[field].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A fault answering `status` to every matching request of `service`.
    pub fn status_fault(service: &str, method: &str, path: &str, status: u16) -> Value {
        json!({"service": service, "method": method, "path": path, "kind": "status", "status": status})
    }
}

impl Drop for Sandbox {
    /// SIGTERM first, so the sandbox removes its temporary files (kubeconfig, CA); SIGKILL
    /// if it has not stopped within five seconds.
    fn drop(&mut self) {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if terminated {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (for basic auth), without another dependency.
pub fn base64(input: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_known_values() {
        assert_eq!(super::base64("admin:admin"), "YWRtaW46YWRtaW4=");
        assert_eq!(super::base64("ab"), "YWI=");
        assert_eq!(super::base64("abc"), "YWJj");
    }
}
