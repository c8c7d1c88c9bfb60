//! The conformance suite (`sandbox/conformance/`): the services' own client libraries and
//! CLIs — auth0-python, grafana-client, the Kubernetes Python client, kubectl, and plain
//! HTTP for Entra ID and the registry — against the `ff-sandbox` binary, each check citing
//! the documented behaviour it expects. This test starts the sandbox, runs the suite with the
//! tools venv's Python (pinned clients from scripts/install-tools.sh), fails with the suite's
//! output, and checks that the READMEs' tables (sandbox/README.md and the project's) count
//! the checks the suite ran.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{spawn_binary, temp_path, terminate};

/// The venv's Python: `FF_CONFORMANCE_PYTHON` (env.sh), else the default tools directory's.
fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("FF_CONFORMANCE_PYTHON") {
        return PathBuf::from(path);
    }
    let tools = std::env::var_os("FF_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
                });
            cache.join("terraform-provider-ff")
        });
    tools.join("venv/bin/python")
}

/// Fails (never skips) when the clients are not installed.
fn check_clients(python: &Path) {
    let probe = Command::new(python)
        .args([
            "-c",
            "import auth0.management, grafana_client, kubernetes.client, pytest, requests",
        ])
        .output();
    let ok = probe.as_ref().is_ok_and(|out| out.status.success());
    assert!(
        ok,
        "the conformance suite needs the tools venv's Python with its pinned clients at {}: \
         run scripts/install-tools.sh (then `. $FF_TOOLS_DIR/env.sh`). Probe: {}",
        python.display(),
        match &probe {
            Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
            Err(e) => e.to_string(),
        }
    );
    let kubectl = Command::new("kubectl")
        .args(["version", "--client"])
        .output();
    assert!(
        kubectl.is_ok_and(|out| out.status.success()),
        "kubectl is missing: run scripts/install-tools.sh (Debian package kubernetes-client)"
    );
}

/// `| service | … | checks | …` rows (the count in the third column) of the table under
/// `heading`, up to the next heading.
fn readme_counts(readme: &str, heading: &str) -> BTreeMap<String, u64> {
    let Some(start) = readme.find(heading) else {
        return BTreeMap::new();
    };
    readme[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with('#'))
        .filter(|line| line.starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let count = cells.get(3)?.parse::<u64>().ok()?;
            Some((cells.get(1)?.to_string(), count))
        })
        .collect()
}

#[test]
fn the_services_own_clients_accept_the_emulators() {
    let python = python();
    check_clients(&python);
    let dir = temp_path("conformance");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let kubeconfig = dir.join("kubeconfig").display().to_string();
    let tls_dir = dir.display().to_string();
    // Auth0's rate limit stays on (every answer carries X-RateLimit-*) but high; the
    // rate-limit checks lower it through the control API.
    let mut spawned = spawn_binary(&[
        "--listen",
        "127.0.0.1:0",
        "--kubeconfig",
        &kubeconfig,
        "--tls-dir",
        &tls_dir,
        "--auth0-rate-limit",
        "1000",
        "--auth0-burst",
        "1000",
        "--k8s-ready-delay-ms",
        "200",
    ]);
    let endpoints = dir.join("endpoints.json");
    std::fs::write(&endpoints, &spawned.line).expect("write the endpoints line");
    let report = dir.join("report.json");
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
    let started = std::time::Instant::now();
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-c"])
        .arg(suite.join("pytest.ini"))
        .arg(&suite)
        .env("FF_SANDBOX_ENDPOINTS", &endpoints)
        .env("FF_CONFORMANCE_REPORT", &report)
        .env("KUBECONFIG", &kubeconfig)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&dir)
        .output()
        .expect("run pytest");
    let elapsed = started.elapsed();
    let status = terminate(&mut spawned.child);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the conformance suite failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        status.success(),
        "ff-sandbox did not exit cleanly: {status}"
    );
    eprintln!(
        "conformance suite: {} in {:.1}s",
        stdout.lines().last().unwrap_or_default(),
        elapsed.as_secs_f64()
    );

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the suite's report"))
            .expect("the report is JSON");
    let ran: BTreeMap<String, u64> = report
        .as_object()
        .expect("an object")
        .iter()
        .map(|(service, counts)| (service.clone(), counts["passed"].as_u64().unwrap_or(0)))
        .collect();
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("sandbox/README.md");
    assert_eq!(
        readme_counts(&readme, "## Conformance suite"),
        ran,
        "sandbox/README.md's \"Conformance suite\" table must count the checks the suite ran \
         (service → checks)"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let root = std::fs::read_to_string(&root).expect("README.md");
    assert_eq!(
        readme_counts(&root, "### What is real and what is emulated"),
        ran,
        "README.md's \"What is real and what is emulated\" table must count the checks the \
         conformance suite ran (service → checks)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
