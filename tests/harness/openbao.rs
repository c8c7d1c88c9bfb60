//! A real Vault for one test: an OpenBao dev server (`bao server -dev`, in memory, unsealed,
//! with a root token of the test's own), started on a free loopback port and killed when
//! dropped; and what it holds, read through its own API.
//!
//! The dev listener cannot take port 0, and the server also binds a cluster listener on the
//! next port: a free port is picked, and a start that finds either taken (another test got
//! there first) is tried again on another. The server is ready when it answers
//! `sys/health`, knows the test's root token (so it is this test's server, not one that
//! took the port in between) and has printed its unseal key — which the dev server prints
//! once its setup (the `secret/` mount) is done.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::sandbox::Answer;
use crate::tools::tools_dir;

/// The OpenBao `scripts/install-tools.sh` installs.
pub const OPENBAO_VERSION: &str = "2.7.2";

/// How long a start may take before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How many ports to try when the chosen one is taken.
const PORT_ATTEMPTS: u32 = 10;

/// The `bao` binary: `FF_BAO` (from `env.sh`), else its place in the tools directory.
pub fn bao_binary() -> PathBuf {
    let path = std::env::var_os("FF_BAO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            tools_dir()
                .join("openbao")
                .join(OPENBAO_VERSION)
                .join("bao")
        });
    assert!(
        path.is_file(),
        "OpenBao {OPENBAO_VERSION} is not installed at {} (FF_BAO): run scripts/install-tools.sh",
        path.display()
    );
    path
}

/// How to start the server.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Also write a raw audit log (every request and answer, secrets in the clear) to
    /// [`OpenBao::audit_log`]: what a test that looks for leaked secrets compares with.
    pub audit: bool,
}

/// A running OpenBao dev server; killed when dropped.
pub struct OpenBao {
    child: Child,
    address: String,
    token: String,
    unseal_key: Arc<Mutex<Option<String>>>,
    dir: tempfile::TempDir,
    agent: ureq::Agent,
    /// From spawning the process to the server being ready (the last, successful try).
    pub started_in: Duration,
}

/// Why a try did not give a server.
enum Failure {
    /// The port (or the next, the cluster listener's) was taken: try another.
    PortTaken(String),
    /// Anything else: the test cannot go on.
    Fatal(String),
}

/// One started process, not yet known to be ready.
struct Process {
    child: Child,
    unseal_key: Arc<Mutex<Option<String>>>,
}

impl OpenBao {
    /// A dev server with a random root token.
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    /// A dev server with `options`.
    pub fn start_with(options: Options) -> Self {
        let bao = bao_binary();
        let dir = tempfile::Builder::new()
            .prefix("ff-e2e-openbao-")
            .tempdir()
            .expect("temp dir");
        let token = format!("ff-root-{}", random_hex(16));
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build();
        let config = options.audit.then(|| {
            let path = dir.path().join("audit.hcl");
            let hcl = format!(
                "audit \"file\" \"raw\" {{\n  options {{\n    file_path = {:?}\n    log_raw   = \"true\"\n  }}\n}}\n",
                dir.path().join("audit.log").display().to_string()
            );
            std::fs::write(&path, hcl).expect("write the audit configuration");
            path
        });
        let mut taken = Vec::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port_pair();
            let address = format!("http://127.0.0.1:{port}");
            let started = Instant::now();
            let mut process = spawn(&bao, dir.path(), &token, port, config.as_deref());
            match wait_ready(&agent, &mut process, &address, &token, dir.path()) {
                Ok(()) => {
                    return OpenBao {
                        child: process.child,
                        address,
                        token,
                        unseal_key: process.unseal_key,
                        dir,
                        agent,
                        started_in: started.elapsed(),
                    };
                }
                Err(failure) => {
                    let _ = process.child.kill();
                    let _ = process.child.wait();
                    match failure {
                        Failure::PortTaken(why) => taken.push(format!("port {port}: {why}")),
                        Failure::Fatal(why) => panic!("OpenBao did not start: {why}"),
                    }
                }
            }
        }
        panic!(
            "OpenBao found its port taken {PORT_ATTEMPTS} times in a row: {}",
            taken.join("; ")
        )
    }

    /// Its address, `http://127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Its root token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The unseal key the dev server printed (one key, threshold 1).
    pub fn unseal_key(&self) -> String {
        lock(&self.unseal_key)
            .clone()
            .expect("the dev server printed its unseal key before it was ready")
    }

    /// The raw audit log (with [`Options::audit`]): one JSON object per line.
    pub fn audit_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("audit.log")).unwrap_or_default()
    }

    /// What the server wrote to its standard output and error so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default()
    }

    /// Call its API as root (`path` after `/v1/`).
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call_as(&self.token, None, method, path, body)
    }

    /// Call its API with `token`, in `namespace` when given.
    pub fn call_as(
        &self,
        token: &str,
        namespace: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let url = format!("{}/v1/{}", self.address, path.trim_start_matches('/'));
        let mut headers = vec![("X-Vault-Token", token.to_string())];
        if let Some(namespace) = namespace {
            headers.push(("X-Vault-Namespace", namespace.to_string()));
        }
        Answer::send(&self.agent, method, &url, &headers, body)
            .unwrap_or_else(|e| panic!("OpenBao {method} {path} failed: {e}\n{}", self.log_tail()))
    }

    /// Call as root and panic unless the answer is a success (2xx).
    pub fn must(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let answer = self.call(method, path, body);
        assert!(
            (200..300).contains(&answer.status),
            "OpenBao {method} {path} answered {}: {}",
            answer.status,
            answer.body
        );
        answer.body
    }

    /// A renewable token with the `root` policy that expires `ttl_seconds` after now unless
    /// renewed (`auth/token/create`).
    pub fn token_with_ttl(&self, ttl_seconds: u64) -> String {
        let created = self.must(
            "POST",
            "auth/token/create",
            Some(json!({
                "policies": ["root"],
                "ttl": format!("{ttl_seconds}s"),
                "renewable": true,
                "display_name": "ff-e2e-short-lived",
            })),
        );
        created["auth"]["client_token"]
            .as_str()
            .expect("auth/token/create answers the token")
            .to_string()
    }

    /// Seal the server (`sys/seal`): every request but `sys/*` status then answers 503.
    pub fn seal(&self) {
        self.must("PUT", "sys/seal", None);
    }

    /// Unseal it with the key it printed (`sys/unseal`).
    pub fn unseal(&self) {
        let answer = self.must(
            "PUT",
            "sys/unseal",
            Some(json!({ "key": self.unseal_key() })),
        );
        assert_eq!(
            answer["sealed"], false,
            "one key unseals the dev server: {answer}"
        );
    }

    /// Everything it holds in `namespace` (the root one when `None`), read through its API:
    ///
    /// ```json
    /// {"mounts": {"secret/": {"type": "kv", "options": {"version": "2"}}, …},
    ///  "kv": {"deployments/": {"WM-Prod/db-password": {
    ///          "current_version": 1, "custom_metadata": {…},
    ///          "data": {…} or null when the latest version is deleted or destroyed,
    ///          "versions": {"1": {…data…}, …}}}},
    ///  "policies": {"default": "…HCL…", …},
    ///  "auth_mounts": {"kubernetes-wm-prod/": {"type": "kubernetes",
    ///          "config": {…} or null, "roles": {"ff-wm-prod-apps": {…}}}}}
    /// ```
    ///
    /// `versions` holds every version still readable (not deleted or destroyed).
    pub fn snapshot(&self, namespace: Option<&str>) -> Value {
        let read = |method: &str, path: &str| -> Answer {
            self.call_as(&self.token, namespace, method, path, None)
        };
        let ok_data = |answer: Answer, what: &str| -> Value {
            assert!(
                answer.status == 200,
                "OpenBao: reading {what} answered {}: {}",
                answer.status,
                answer.body
            );
            answer.body["data"].clone()
        };
        let list = |path: &str| -> Vec<String> {
            let answer = read("LIST", path);
            match answer.status {
                200 => strings(&answer.body["data"]["keys"]),
                404 => Vec::new(),
                status => panic!("OpenBao: LIST {path} answered {status}: {}", answer.body),
            }
        };

        let mounts = ok_data(read("GET", "sys/mounts"), "sys/mounts");
        let mut kv = Map::new();
        for (mount, settings) in mounts.as_object().into_iter().flatten() {
            let version = settings["options"]["version"].as_str().unwrap_or("");
            if settings["type"] != "kv" || version != "2" {
                continue;
            }
            let mut secrets = Map::new();
            let mut folders = vec![String::new()];
            while let Some(folder) = folders.pop() {
                for key in list(&format!("{mount}metadata/{folder}")) {
                    let path = format!("{folder}{key}");
                    if key.ends_with('/') {
                        folders.push(path);
                        continue;
                    }
                    let metadata = ok_data(
                        read("GET", &format!("{mount}metadata/{path}")),
                        &format!("{mount}metadata/{path}"),
                    );
                    let current = metadata["current_version"].as_u64().unwrap_or(0);
                    let mut versions = Map::new();
                    for (number, version) in metadata["versions"].as_object().into_iter().flatten()
                    {
                        if version["deletion_time"]
                            .as_str()
                            .is_some_and(|t| !t.is_empty())
                            || version["destroyed"] == true
                        {
                            continue;
                        }
                        let answer = read("GET", &format!("{mount}data/{path}?version={number}"));
                        if answer.status == 200 {
                            versions.insert(number.clone(), answer.body["data"]["data"].clone());
                        }
                    }
                    let data = versions
                        .get(&current.to_string())
                        .cloned()
                        .unwrap_or(Value::Null);
                    secrets.insert(
                        path,
                        json!({
                            "current_version": current,
                            "custom_metadata": metadata["custom_metadata"],
                            "data": data,
                            "versions": versions,
                        }),
                    );
                }
            }
            kv.insert(mount.clone(), Value::Object(secrets));
        }

        let mut policies = Map::new();
        for name in list("sys/policies/acl") {
            let policy = ok_data(
                read("GET", &format!("sys/policies/acl/{name}")),
                &format!("the policy {name}"),
            );
            policies.insert(name, policy["policy"].clone());
        }

        let mut auth_mounts = Map::new();
        let auth = ok_data(read("GET", "sys/auth"), "sys/auth");
        for (path, method) in auth.as_object().into_iter().flatten() {
            let kind = method["type"].as_str().unwrap_or_default();
            if matches!(kind, "token" | "ns_token") {
                continue;
            }
            let config = read("GET", &format!("auth/{path}config"));
            let config = match config.status {
                200 if config.body["data"].is_object() => config.body["data"].clone(),
                _ => Value::Null,
            };
            let mut roles = Map::new();
            for role in list(&format!("auth/{path}role")) {
                let answer = read("GET", &format!("auth/{path}role/{role}"));
                roles.insert(role, answer.body["data"].clone());
            }
            auth_mounts.insert(
                path.clone(),
                json!({"type": kind, "config": config, "roles": roles}),
            );
        }

        json!({
            "mounts": mounts,
            "kv": kv,
            "policies": policies,
            "auth_mounts": auth_mounts,
        })
    }

    /// The KV v2 secrets under `mount` whose path starts with `prefix`, in `namespace`:
    /// path → data of the latest version (`Null` when deleted or destroyed).
    pub fn kv_secrets(
        &self,
        namespace: Option<&str>,
        mount: &str,
        prefix: &str,
    ) -> Vec<(String, Value)> {
        kv_secrets_of(&self.snapshot(namespace), mount, prefix)
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let start = log.len().saturating_sub(2000);
        let start = (start..log.len())
            .find(|i| log.is_char_boundary(*i))
            .unwrap_or(log.len());
        format!("OpenBao's log ends with:\n{}", &log[start..])
    }
}

impl Drop for OpenBao {
    /// The dev server keeps everything in memory: SIGKILL loses nothing worth keeping.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The KV v2 secrets of a [`OpenBao::snapshot`] under `mount` whose path starts with
/// `prefix`: path → data of the latest version (`Null` when deleted or destroyed).
pub fn kv_secrets_of(snapshot: &Value, mount: &str, prefix: &str) -> Vec<(String, Value)> {
    let mount = format!("{}/", mount.trim_end_matches('/'));
    snapshot["kv"][&mount]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(path, _)| path.starts_with(prefix))
        .map(|(path, secret)| (path.clone(), secret["data"].clone()))
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A port whose next port is free as well (the dev server's cluster listener takes it).
/// Another process may take either before the server binds them: the caller retries.
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("a bound address").port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two consecutive free loopback ports in 50 tries")
}

fn spawn(bao: &Path, dir: &Path, token: &str, port: u16, config: Option<&Path>) -> Process {
    let log = std::fs::File::create(dir.join("bao.log")).expect("create the OpenBao log");
    let mut command = Command::new(bao);
    command
        .args(["server", "-dev", "-dev-no-store-token"])
        .arg(format!("-dev-root-token-id={token}"))
        .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
        // Nothing of the caller's Vault or OpenBao settings.
        .env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR")
        .env_remove("VAULT_TOKEN")
        .env_remove("BAO_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            log.try_clone().expect("duplicate the log file"),
        ));
    if let Some(config) = config {
        command.arg(format!("-config={}", config.display()));
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{} cannot start: {e}", bao.display()));
    let unseal_key = Arc::new(Mutex::new(None));
    let stdout = child.stdout.take().expect("piped stdout");
    let found = unseal_key.clone();
    // The banner (and its unseal key) comes on standard output; it joins the log too.
    std::thread::spawn(move || {
        let mut log = log;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(key) = line.trim().strip_prefix("Unseal Key:") {
                *lock(&found) = Some(key.trim().to_string());
            }
            let _ = writeln!(log, "{line}");
        }
    });
    Process { child, unseal_key }
}

fn wait_ready(
    agent: &ureq::Agent,
    process: &mut Process,
    address: &str,
    token: &str,
    dir: &Path,
) -> Result<(), Failure> {
    let deadline = Instant::now() + START_TIMEOUT;
    let log = || std::fs::read_to_string(dir.join("bao.log")).unwrap_or_default();
    loop {
        if let Ok(Some(status)) = process.child.try_wait() {
            let log = log();
            return Err(if log.contains("address already in use") {
                Failure::PortTaken(format!("exited with {status}: address already in use"))
            } else {
                Failure::Fatal(format!("bao server -dev exited with {status}:\n{log}"))
            });
        }
        let healthy = agent
            .get(&format!("{address}/v1/sys/health"))
            .timeout(Duration::from_secs(2))
            .call()
            .is_ok_and(|r| r.status() == 200);
        if healthy && lock(&process.unseal_key).is_some() {
            // The root token is ours: this is the server just started, not another one.
            let ours = agent
                .get(&format!("{address}/v1/auth/token/lookup-self"))
                .set("X-Vault-Token", token)
                .timeout(Duration::from_secs(2))
                .call()
                .is_ok();
            return if ours {
                Ok(())
            } else {
                Err(Failure::PortTaken(
                    "another server answers on that port".to_string(),
                ))
            };
        }
        if Instant::now() > deadline {
            return Err(Failure::Fatal(format!(
                "bao server -dev did not become ready within {START_TIMEOUT:?}:\n{}",
                log()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `n` random bytes as hex, from the kernel's generator.
fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if let Ok(mut random) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut random, &mut bytes);
    }
    if bytes.iter().all(|b| *b == 0) {
        // No /dev/urandom: the time and pid still make tokens differ between tests.
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        let digest = <sha2::Sha256 as sha2::Digest>::digest(seed.as_bytes());
        let m = n.min(digest.len());
        bytes[..m].copy_from_slice(&digest[..m]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
