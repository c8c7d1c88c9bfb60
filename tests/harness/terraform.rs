//! A terraform working directory of one test, and the commands run in it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::tools::{TerraformBin, bin_dir, repo_root, tools_dir};

/// How long one terraform command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);

/// Provider settings inherited from the caller's environment that would leak into a test.
const SCRUBBED_ENV: &[&str] = &[
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_NAMESPACE",
    "VAULT_CACERT",
    "GRAFANA_URL",
    "GRAFANA_AUTH",
    "GRAFANA_CA_CERT",
    "AUTH0_DOMAIN",
    "AUTH0_CLIENT_ID",
    "AUTH0_CLIENT_SECRET",
    "AUTH0_API_TOKEN",
    "TFC_WORKLOAD_IDENTITY_TOKEN",
    "TF_LOG",
    "TF_LOG_PATH",
    "TF_LOG_PROVIDER",
    "TF_LOG_CORE",
    "TF_CLI_ARGS",
    "TF_CLI_CONFIG_FILE",
    "TF_PLUGIN_CACHE_DIR",
    "TF_DATA_DIR",
    // Cloud credentials of the caller: a test gives the ones it means.
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "ARM_CLIENT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_TENANT_ID",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_CERTIFICATE",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_TOKEN_FILE_PATH",
    "ARM_USE_MSI",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
];

/// The outcome of one terraform command.
#[derive(Debug)]
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// Exit code (-1 when killed).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Both outputs.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
    /// Panic with both outputs unless the command succeeded.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code,
            0,
            "`{}` failed:\n{}",
            self.command,
            self.output()
        );
        self
    }
    /// Panic unless the command failed.
    pub fn failed(self) -> Self {
        assert_ne!(
            self.code,
            0,
            "`{}` succeeded but should have failed:\n{}",
            self.command,
            self.output()
        );
        self
    }
    /// Panic unless the output contains every fragment.
    pub fn contains(self, fragments: &[&str]) -> Self {
        let output = self.output();
        // Terraform wraps diagnostics; compare with whitespace collapsed.
        let flat = collapse(&output);
        for fragment in fragments {
            assert!(
                flat.contains(&collapse(fragment)),
                "`{}`: expected the output to contain {fragment:?}; it was:\n{output}",
                self.command
            );
        }
        self
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A working directory with its own CLI configuration.
pub struct Workdir {
    /// The terraform binary used.
    pub terraform: TerraformBin,
    dir: tempfile::TempDir,
    /// Where terraform runs: the temp dir itself, or a root module inside a copy of the
    /// repository's modules and examples.
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

impl Workdir {
    /// A directory holding `main.tf`, run with `env` (the provider's settings), after
    /// `terraform init`.
    pub fn new(terraform: &TerraformBin, main_tf: &str, env: Vec<(String, String)>) -> Self {
        let workdir = Self::empty(terraform, env);
        workdir.write("main.tf", main_tf);
        workdir.run(&["init", "-input=false", "-no-color"]).ok();
        workdir
    }

    /// A copy of the repository's `modules/` and `examples/` (without `.terraform` dirs,
    /// state or lock files), plus `files` (paths relative to the repository root, such as
    /// test-only override files), run in `root_module` (such as `examples/aws`) after
    /// `terraform init`.
    pub fn from_repo(
        terraform: &TerraformBin,
        root_module: &str,
        files: &[(&str, &str)],
        env: Vec<(String, String)>,
    ) -> Self {
        let mut workdir = Self::empty(terraform, env);
        let tree = workdir.dir.path().join("repo");
        for top in ["modules", "examples"] {
            copy_tree(&repo_root().join(top), &tree.join(top));
        }
        for (path, content) in files {
            let target = tree.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).expect("dir for a test file");
            }
            std::fs::write(&target, content).expect("write a test file");
        }
        workdir.cwd = tree.join(root_module);
        assert!(
            workdir.cwd.is_dir(),
            "{root_module} is not a directory of the repository"
        );
        workdir.run(&["init", "-input=false", "-no-color"]).ok();
        workdir
    }

    fn empty(terraform: &TerraformBin, env: Vec<(String, String)>) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ff-e2e-")
            .tempdir()
            .expect("temp dir");
        let cwd = dir.path().to_path_buf();
        let workdir = Self {
            terraform: terraform.clone(),
            dir,
            cwd,
            env,
        };
        workdir.write_cli_config();
        workdir
    }

    /// A directory whose CLI configuration is `cli_config` (for instance only a
    /// `filesystem_mirror` or a `network_mirror`, without dev_overrides: terraform installs
    /// the provider the way a user's does). Nothing else is written and `init` is not run.
    pub fn with_cli_config(
        terraform: &TerraformBin,
        cli_config: &str,
        env: Vec<(String, String)>,
    ) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ff-e2e-")
            .tempdir()
            .expect("temp dir");
        let cwd = dir.path().to_path_buf();
        let workdir = Self {
            terraform: terraform.clone(),
            dir,
            cwd,
            env,
        };
        std::fs::write(workdir.cli_config(), cli_config).expect("write the CLI configuration");
        workdir
    }

    fn cli_config(&self) -> PathBuf {
        self.dir.path().join(".terraformrc")
    }

    fn write_cli_config(&self) {
        let bins = bin_dir();
        // `init` needs an installation source even with dev_overrides: an unpacked mirror
        // holding a link to the freshly built provider.
        let mirror = self.dir.path().join(".mirror");
        let platform = self
            .dir
            .path()
            .join(".mirror/registry.terraform.io/ff/ff/0.1.0/linux_amd64");
        std::fs::create_dir_all(&platform).expect("mirror dir");
        std::os::unix::fs::symlink(
            bins.join("terraform-provider-ff"),
            platform.join("terraform-provider-ff"),
        )
        .expect("link to the provider");
        let aws_mirror = tools_dir().join("mirror");
        let config = format!(
            r#"provider_installation {{
  dev_overrides {{
    "registry.terraform.io/ff/ff" = "{bins}"
  }}
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/ff/ff"]
  }}
  filesystem_mirror {{
    path    = "{aws_mirror}"
    include = ["registry.terraform.io/hashicorp/*"]
  }}
}}
"#,
            bins = bins.display(),
            mirror = mirror.display(),
            aws_mirror = aws_mirror.display(),
        );
        std::fs::write(self.cli_config(), config).expect("write the CLI configuration");
    }

    /// The directory terraform runs in.
    pub fn path(&self) -> &Path {
        &self.cwd
    }

    /// Write a file in the directory.
    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.path().join(name), content).expect("write file");
    }

    /// Read a file of the directory.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }

    /// Add or replace an environment variable for later commands.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    /// Run terraform with `args`; every output is checked for Rust backtraces.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// The terraform command line, with the test's CLI configuration and environment.
    fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> Command {
        let mut command = Command::new(&self.terraform.path);
        command
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in SCRUBBED_ENV {
            command.env_remove(name);
        }
        command
            .env("TF_CLI_CONFIG_FILE", self.cli_config())
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            // tf-provider appends a Rust backtrace to diagnostics when this is set; the
            // provider must keep them out, so every command runs with it on.
            .env("RUST_BACKTRACE", "1")
            // No test reaches for the link-local instance metadata services: the AWS SDKs'
            // chain ends there (a test that wants it points it at loopback).
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (name, value) in &self.env {
            command.env(name, value);
        }
        for (name, value) in extra {
            command.env(name, value);
        }
        command
    }

    /// Run terraform with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let line = format!("terraform {} ({})", args.join(" "), self.terraform.version);
        let mut child = self
            .command(args, extra)
            .spawn()
            .unwrap_or_else(|e| panic!("{line} cannot start: {e}"));
        let (out_reader, err_reader) = read_outputs(&mut child);
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let code = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status.code().unwrap_or(-1),
                Ok(None) if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break -1;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("{line}: {e}"),
            }
        };
        let run = Run {
            command: line,
            code,
            stdout: out_reader.join().unwrap_or_default(),
            stderr: err_reader.join().unwrap_or_default(),
        };
        assert_no_backtrace(&run);
        run
    }

    /// Start terraform in a process group of its own (the providers it starts join it), to
    /// be killed as a whole with [`Background::kill_group`].
    pub fn spawn(&self, args: &[&str]) -> Background {
        use std::os::unix::process::CommandExt;
        let line = format!("terraform {} ({})", args.join(" "), self.terraform.version);
        let mut child = self
            .command(args, &[])
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{line} cannot start: {e}"));
        let (out, err) = read_outputs(&mut child);
        Background {
            child,
            command: line,
            out,
            err,
        }
    }

    /// `terraform apply -auto-approve`, which must succeed.
    pub fn apply(&self) -> Run {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .ok()
    }

    /// `terraform apply -auto-approve`, whatever its outcome.
    pub fn try_apply(&self) -> Run {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: 0 empty, 2 changes, 1 error.
    pub fn plan(&self) -> Run {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// Panic unless the plan is empty.
    pub fn assert_plan_empty(&self, context: &str) {
        let run = self.plan();
        assert_eq!(
            run.code,
            0,
            "{context}: the plan is not empty (exit {}):\n{}",
            run.code,
            run.output()
        );
    }

    /// Panic unless the plan has changes; returns it.
    pub fn assert_plan_changes(&self, context: &str) -> Run {
        let run = self.plan();
        assert_eq!(
            run.code,
            2,
            "{context}: expected a plan with changes (exit 2), got exit {}:\n{}",
            run.code,
            run.output()
        );
        run
    }

    /// `terraform import ADDR ID`.
    pub fn import(&self, address: &str, id: &str) -> Run {
        self.run(&["import", "-input=false", "-no-color", address, id])
    }

    /// `terraform destroy -auto-approve`.
    pub fn destroy(&self) -> Run {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// The state as `terraform show -json` prints it.
    pub fn show(&self) -> Value {
        let run = self.run(&["show", "-json", "-no-color"]).ok();
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("terraform show -json is JSON ({e}): {}", run.stdout))
    }

    /// The attribute values of a resource in the state (`Null` when absent).
    pub fn resource(&self, address: &str) -> Value {
        find_resource(&self.show(), address)
    }

    /// The raw state file.
    pub fn state_file(&self) -> String {
        self.read("terraform.tfstate")
    }

    /// Path of a file in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }
}

type Reader = std::thread::JoinHandle<String>;

/// Threads reading a child's standard output and error to the end.
fn read_outputs(child: &mut std::process::Child) -> (Reader, Reader) {
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    (out_reader, err_reader)
}

/// A terraform command running in its own process group (see [`Workdir::spawn`]).
pub struct Background {
    child: std::process::Child,
    command: String,
    out: Reader,
    err: Reader,
}

impl Background {
    /// Terraform's pid, which is also its process group's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether terraform is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Wait until terraform exits by itself (at most the command timeout, then it is
    /// killed) and return what it printed.
    pub fn wait(mut self) -> Run {
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let code = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status.code().unwrap_or(-1),
                Ok(None) if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break -1;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("{}: {e}", self.command),
            }
        };
        let run = Run {
            command: self.command,
            code,
            stdout: self.out.join().unwrap_or_default(),
            stderr: self.err.join().unwrap_or_default(),
        };
        assert_no_backtrace(&run);
        run
    }

    /// SIGKILL the whole process group — terraform and the providers it started — wait
    /// until no process of the group is left, and return what terraform printed.
    pub fn kill_group(mut self) -> Run {
        let group = self.child.id();
        let killed = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{group}")])
            .status()
            .expect("kill runs");
        assert!(killed.success(), "kill -KILL -{group} failed");
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = live_processes_of_group(group);
            if left.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "processes of group {group} still alive 10 s after SIGKILL: {left:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Run {
            command: self.command,
            code: -1,
            stdout: self.out.join().unwrap_or_default(),
            stderr: self.err.join().unwrap_or_default(),
        }
    }
}

/// Pids of the processes of a process group that are not zombies (from `/proc`).
pub fn live_processes_of_group(group: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // `pid (comm) state ppid pgrp ...`; comm may hold spaces, so split after `)`.
            let Some((_, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields.first() != Some(&"Z") && fields.get(2) == Some(&group.to_string().as_str())
        })
        .collect()
}

/// Copy a directory tree, leaving out what `terraform init` and `apply` leave behind.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a copy directory");
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("{} is readable: {e}", from.display()));
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if name_text == ".terraform"
            || name_text == ".terraform.lock.hcl"
            || name_text.starts_with("terraform.tfstate")
        {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name))
                .unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        }
    }
}

/// The values of the resource at `address` in `terraform show -json` output.
pub fn find_resource(show: &Value, address: &str) -> Value {
    fn search(module: &Value, address: &str) -> Option<Value> {
        if let Some(resources) = module["resources"].as_array() {
            for r in resources {
                if r["address"] == address {
                    return Some(r["values"].clone());
                }
            }
        }
        module["child_modules"]
            .as_array()
            .and_then(|children| children.iter().find_map(|c| search(c, address)))
    }
    search(&show["values"]["root_module"], address).unwrap_or(Value::Null)
}

/// Diagnostics are sentences for users: no Rust backtrace may reach terraform's output.
pub fn assert_no_backtrace(run: &Run) {
    let output = run.output();
    for marker in [
        "stack backtrace",
        "std::backtrace",
        "/rustc/",
        "rust_begin_unwind",
        "core::panicking",
    ] {
        assert!(
            !output.contains(marker),
            "`{}` printed a Rust backtrace ({marker:?}):\n{output}",
            run.command
        );
    }
}
