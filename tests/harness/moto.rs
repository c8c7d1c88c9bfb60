//! A moto server (the AWS API emulator from PyPI, installed by `scripts/install-tools.sh`)
//! for one test, the AWS provider settings that point at it, and an inventory of what it
//! holds.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::tools::{repo_root, tools_dir};

/// The services the AWS modules use, each pointed at moto.
const SERVICES: &[&str] = &["ec2", "eks", "iam", "kms", "ssm", "sts"];

/// A running moto server on a loopback port; killed when dropped.
pub struct Moto {
    child: Child,
    /// Its base URL, such as `http://127.0.0.1:40123`.
    pub url: String,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn venv_bin(name: &str) -> PathBuf {
    tools_dir().join("venv/bin").join(name)
}

impl Moto {
    /// Start moto with AWS's managed IAM policies loaded (the modules attach them), and wait
    /// until it answers.
    pub fn start() -> Self {
        let server = std::env::var("FF_MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|_| venv_bin("moto_server"));
        assert!(
            server.is_file(),
            "{} is missing: run scripts/install-tools.sh",
            server.display()
        );
        let log_dir = tempfile::Builder::new()
            .prefix("ff-moto-")
            .tempdir()
            .expect("temp dir");
        let log = log_dir.path().join("moto.log");
        let port = free_port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("moto log"))
            .stderr(std::fs::File::create(log.with_extension("err")).expect("moto log"))
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", server.display()));
        let mut moto = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _log_dir: log_dir,
        };
        moto.wait_ready();
        moto
    }

    fn wait_ready(&mut self) {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(5))
            .build();
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if agent.get(&format!("{}/moto-api/", self.url)).call().is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "moto exited with {status} before answering; its log:\n{}",
                    self.log_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "moto did not answer on {} within 90 s; its log:\n{}",
                self.url,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn log_text(&self) -> String {
        let out = std::fs::read_to_string(&self.log).unwrap_or_default();
        let err = std::fs::read_to_string(self.log.with_extension("err")).unwrap_or_default();
        format!("{out}{err}")
    }

    /// Forget everything moto holds (`POST /moto-api/reset`).
    pub fn reset(&self) {
        ureq::post(&format!("{}/moto-api/reset", self.url))
            .call()
            .unwrap_or_else(|e| panic!("resetting moto failed: {e}"));
    }

    /// A `provider "aws"` block for an override file that sends every service the modules
    /// use to moto and skips what moto cannot answer: credential and account-id look-ups
    /// through STS, the EC2 metadata API, the region list and the EC2 platforms query
    /// (argument names of AWS provider 3.x).
    pub fn provider_override(&self) -> String {
        let endpoints: String = SERVICES
            .iter()
            .map(|s| format!("    {s} = \"{}\"\n", self.url))
            .collect();
        format!(
            r#"# Test only: the AWS provider talks to moto at {url}.
provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_get_ec2_platforms      = true

  endpoints {{
{endpoints}  }}
}}
"#,
            url = self.url
        )
    }

    /// Run `tests/harness/aws_probe.py` against moto; returns its standard output.
    fn probe(&self, region: &str, args: &[&str]) -> Vec<u8> {
        let python = venv_bin("python");
        let script = repo_root().join("tests/harness/aws_probe.py");
        let output = Command::new(&python)
            .arg(&script)
            .args([self.url.as_str(), region])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{} runs: {e}", python.display()));
        assert!(
            output.status.success(),
            "aws_probe.py {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// What moto holds in `region`, as `aws_probe.py inventory` lists it.
    pub fn inventory(&self, region: &str) -> Value {
        serde_json::from_slice(&self.probe(region, &["inventory"]))
            .unwrap_or_else(|e| panic!("the AWS inventory is JSON: {e}"))
    }

    /// The ARN moto says the access key `access_key_id` belongs to (an assumed role's session
    /// for keys its STS handed out).
    pub fn caller_of(&self, region: &str, access_key_id: &str) -> String {
        let answer: Value = serde_json::from_slice(&self.probe(region, &["caller", access_key_id]))
            .unwrap_or_else(|e| panic!("the caller is JSON: {e}"));
        answer["arn"].as_str().unwrap_or_default().to_string()
    }

    /// A `provider "aws"` block like [`Moto::provider_override`]'s without any key: the AWS
    /// provider finds its credentials as in a run of HCP Terraform with dynamic credentials
    /// (the shared config file's web identity, exchanged with moto's STS).
    pub fn provider_override_without_keys(&self) -> String {
        self.provider_override()
            .lines()
            .filter(|line| !line.contains("access_key") && !line.contains("secret_key"))
            .map(|line| format!("{line}\n"))
            .collect::<String>()
            .replace(
                "# Test only: the AWS provider talks to moto",
                "# Test only, no static key: the AWS provider talks to moto",
            )
    }

    /// Drift made by hand: SSH from anywhere opened on a security group.
    pub fn open_ssh(&self, region: &str, security_group_id: &str) {
        self.probe(region, &["open-ssh", security_group_id]);
    }

    /// Drift made by hand: a tag set on an EC2 resource.
    pub fn tag(&self, region: &str, resource_id: &str, key: &str, value: &str) {
        self.probe(region, &["tag", resource_id, key, value]);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
