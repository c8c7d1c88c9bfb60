//! The binary prints exactly one JSON line with the endpoints, nothing else on stdout, and
//! exits 0 on SIGTERM. A fixed port P gives control P, Vault P+1 (with `--vault-upstream`:
//! the proxy in front of a real Vault; without it there is no Vault), Grafana P+2, Auth0
//! P+3, the Terraform Cloud registry P+5 and the network mirror P+6 (both HTTPS, with the CA
//! file in the line).

mod common;

use std::io::Read;

use common::{spawn_binary, terminate};
use serde_json::{Value, json};

#[test]
fn one_json_line_then_silence() {
    let mut spawned = spawn_binary(&["--listen", "127.0.0.1:0"]);
    assert!(spawned.line.ends_with('\n'), "line ends with a newline");
    let value: Value = serde_json::from_str(spawned.line.trim_end()).unwrap();
    let object = value.as_object().unwrap();
    let keys: Vec<&String> = object.keys().collect();
    assert_eq!(
        keys,
        vec![
            "auth0",
            "control",
            "entra",
            "grafana",
            "kubernetes",
            "mirror",
            "tfc"
        ],
        "without --vault-upstream there is no Vault: {value}"
    );
    assert!(
        value["kubernetes"]["host"]
            .as_str()
            .is_some_and(|h| h.starts_with("https://127.0.0.1:"))
    );
    let grafana = &value["grafana"];
    assert!(
        value["control"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(
        grafana["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(grafana["user"], json!("admin"));
    assert_eq!(
        grafana["auth"],
        json!(format!("admin:{}", grafana["password"].as_str().unwrap()))
    );
    let ports: std::collections::BTreeSet<&str> = [
        value["control"].as_str().unwrap(),
        grafana["url"].as_str().unwrap(),
    ]
    .into_iter()
    .collect();
    assert_eq!(ports.len(), 2, "each service on its own port: {value}");
    let auth0 = &value["auth0"];
    assert!(
        auth0["domain"]
            .as_str()
            .is_some_and(|d| d.starts_with("http://127.0.0.1:") && !ports.contains(d)),
        "Auth0 on its own port: {value}"
    );
    assert!(auth0["client_id"].as_str().is_some_and(|c| c.len() == 32));
    assert!(
        auth0["client_secret"]
            .as_str()
            .is_some_and(|c| c.len() == 64)
    );

    // The HTTPS services: the private registry and the network mirror, with the CA file.
    let tfc = &value["tfc"];
    let mirror = &value["mirror"];
    assert!(
        tfc["address"]
            .as_str()
            .unwrap()
            .starts_with("https://localhost:"),
        "{value}"
    );
    assert_eq!(
        tfc["address"],
        json!(format!("https://{}", tfc["hostname"].as_str().unwrap()))
    );
    assert_eq!(tfc["organization"], json!("ff-sandbox"));
    assert!(tfc["token"].as_str().is_some_and(|t| t.len() > 20));
    let mirror_url = mirror["url"].as_str().unwrap();
    assert!(
        mirror_url.starts_with("https://localhost:") && mirror_url.ends_with('/'),
        "{value}"
    );
    assert_ne!(mirror_url, format!("{}/", tfc["address"].as_str().unwrap()));
    assert_eq!(mirror["dir"], Value::Null);
    let ca = std::path::PathBuf::from(tfc["ca_cert"].as_str().unwrap());
    assert_eq!(mirror["ca_cert"], tfc["ca_cert"]);
    let pem = std::fs::read_to_string(&ca).expect("the CA file exists while the sandbox runs");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    let status = terminate(&mut spawned.child);
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
    let mut rest = String::new();
    spawned.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "nothing on stdout after the endpoints line");
    assert!(
        !ca.exists(),
        "the CA's temporary directory is removed at exit: {}",
        ca.display()
    );
}

#[test]
fn credentials_from_flags_and_fixed_ports() {
    let mut spawned = None;
    for _ in 0..5 {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        if port > 65_000 {
            continue;
        }
        let listen = format!("127.0.0.1:{port}");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_ff-sandbox"))
            .args([
                "--listen",
                &listen,
                "--vault-upstream",
                "http://127.0.0.1:8200",
                "--grafana-user",
                "boss",
                "--grafana-password",
                "pw",
                "--tfc-organization",
                "acme",
                "--tfc-token",
                "tfc-tok",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let output = child.wait_with_output_first_line();
        if let Some((child, line)) = output {
            spawned = Some((child, line, port));
            break;
        }
    }
    let (mut child, line, port) = spawned.expect("a free port range was found");
    let value: Value = serde_json::from_str(line.trim_end()).unwrap();
    assert_eq!(value["control"], json!(format!("http://127.0.0.1:{port}")));
    assert_eq!(
        value["vault"],
        json!({"address": format!("http://127.0.0.1:{}", port + 1), "upstream": "http://127.0.0.1:8200"})
    );
    assert_eq!(
        value["grafana"]["url"],
        json!(format!("http://127.0.0.1:{}", port + 2))
    );
    assert_eq!(
        value["auth0"]["domain"],
        json!(format!("http://127.0.0.1:{}", port + 3))
    );
    assert_eq!(value["grafana"]["auth"], json!("boss:pw"));
    assert_eq!(
        value["tfc"]["address"],
        json!(format!("https://localhost:{}", port + 5))
    );
    assert_eq!(
        value["mirror"]["url"],
        json!(format!("https://localhost:{}/", port + 6))
    );
    assert_eq!(value["tfc"]["organization"], json!("acme"));
    assert_eq!(value["tfc"]["token"], json!("tfc-tok"));
    assert!(terminate(&mut child).success());
}

trait FirstLine {
    /// The first stdout line, or `None` when the process exited without one (port taken).
    fn wait_with_output_first_line(self) -> Option<(std::process::Child, String)>;
}

impl FirstLine for std::process::Child {
    fn wait_with_output_first_line(mut self) -> Option<(std::process::Child, String)> {
        use std::io::BufRead;
        let stdout = self.stdout.take()?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).ok()?;
        if line.is_empty() {
            let _ = self.wait();
            return None;
        }
        Some((self, line))
    }
}

#[test]
fn bad_fault_flags_are_refused_with_exit_code_2() {
    for fault in [r#"{"kind":"nope"}"#, r#"{"kind":"drop","path":"("}"#] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_ff-sandbox"))
            .args(["--fault", fault])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{fault}: {output:?}");
        assert!(output.stdout.is_empty(), "nothing on stdout for {fault}");
    }
}
