//! go-plugin's handshake as the provider binary performs it, checked from outside with
//! OpenSSL as the client: the handshake line, AutoMTLS with Terraform's kind of certificate
//! (ECDSA P-521, made here with `openssl req` as go-plugin makes it), the refusal of any other
//! client certificate or none, HTTP/2 by ALPN, TLS 1.2 and 1.3, bad input at start-up, and
//! SIGTERM.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use ff_e2e::tools::bin_dir;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A P-521 certificate and key, as go-plugin makes Terraform's.
fn p521_certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-days", "1", "-nodes", "-subj", "/O=HashiCorp/CN=localhost"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs (scripts/install-tools.sh checks it)");
    assert!(status.success(), "openssl made a P-521 certificate");
    (cert, key)
}

fn provider(envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(bin_dir().join("terraform-provider-ff"));
    command
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("PLUGIN_PROTOCOL_VERSIONS")
        .env_remove("TF_LOG")
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .envs(envs.iter().copied())
        .stdin(Stdio::null());
    command
}

/// The running plugin: its handshake fields, killed when dropped.
struct Plugin {
    child: Child,
    fields: Vec<String>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(socket_dir: &Path, client_cert: &Path) -> Plugin {
    let pem = std::fs::read_to_string(client_cert).expect("client certificate");
    let mut child = provider(&[
        ("PLUGIN_CLIENT_CERT", &pem),
        ("PLUGIN_UNIX_SOCKET_DIR", &socket_dir.display().to_string()),
        ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8(line).expect("the handshake line is text");
    Plugin {
        child,
        fields: line.split('|').map(str::to_string).collect(),
    }
}

/// `openssl s_client` over the plugin's socket, sending the HTTP/2 preface after the
/// handshake; its whole output.
fn s_client(socket: &str, server_ca: &Path, extra: &[&str]) -> String {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-unix",
            socket,
            "-alpn",
            "h2",
            "-verify_return_error",
        ])
        .arg("-CAfile")
        .arg(server_ca)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client runs");
    let mut stdin = child.stdin.take().expect("stdin");
    std::thread::spawn(move || {
        use std::io::Write;
        std::thread::sleep(Duration::from_millis(800));
        let _ = stdin.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        std::thread::sleep(Duration::from_millis(400));
    });
    let out = child.wait_with_output().expect("s_client ends");
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn automtls_pins_terraforms_certificate_and_speaks_h2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sockets = dir.path().join("sockets");
    std::fs::create_dir(&sockets).expect("socket dir");
    let (client_cert, client_key) = p521_certificate(dir.path(), "terraform");
    let (other_cert, other_key) = p521_certificate(dir.path(), "other");
    let mut plugin = start(&sockets, &client_cert);

    // 1|6|unix|<socket>|grpc|<certificate in base64, no padding>
    let f = &plugin.fields;
    assert_eq!(f.len(), 6, "handshake line: {f:?}");
    assert_eq!(
        (f[0].as_str(), f[1].as_str(), f[2].as_str(), f[4].as_str()),
        ("1", "6", "unix", "grpc")
    );
    assert!(
        f[3].starts_with(&sockets.display().to_string()),
        "socket in PLUGIN_UNIX_SOCKET_DIR: {}",
        f[3]
    );
    assert!(!f[5].contains('='), "unpadded base64");
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(&f[5])
        .expect("the certificate is base64");
    let server_ca = dir.path().join("server.pem");
    std::fs::write(
        &server_ca,
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::engine::general_purpose::STANDARD.encode(&der)
        ),
    )
    .expect("write");
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&server_ca)
        .output()
        .expect("openssl x509");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("id-ecPublicKey") && text.contains("prime256v1"),
        "an ECDSA P-256 server key:\n{text}"
    );
    assert!(
        text.contains("DNS:localhost"),
        "for localhost, as go-plugin verifies:\n{text}"
    );

    let socket = f[3].clone();
    let cert = |c: &Path, k: &Path| {
        vec![
            "-cert".to_string(),
            c.display().to_string(),
            "-key".to_string(),
            k.display().to_string(),
        ]
    };
    for version in ["-tls1_3", "-tls1_2"] {
        let mut args = vec![version.to_string()];
        args.extend(cert(&client_cert, &client_key));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = s_client(&socket, &server_ca, &refs);
        assert!(
            out.contains("ALPN protocol: h2"),
            "{version}: h2 by ALPN:\n{out}"
        );
        assert!(
            out.contains("Verify return code: 0 (ok)"),
            "{version}: server verified:\n{out}"
        );
        assert!(
            !out.contains("alert"),
            "{version}: Terraform's certificate is accepted:\n{out}"
        );

        let mut args = vec![version.to_string()];
        args.extend(cert(&other_cert, &other_key));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = s_client(&socket, &server_ca, &refs);
        assert!(
            out.contains("alert access denied"),
            "{version}: another certificate is refused:\n{out}"
        );
    }
    let out = s_client(&socket, &server_ca, &["-tls1_3"]);
    assert!(
        out.contains("alert certificate required"),
        "no certificate is refused:\n{out}"
    );

    // SIGTERM: the plugin stops, exits 0 and removes its socket.
    let pid = plugin.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = plugin.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the plugin stops within 5 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status after SIGTERM: {status}");
    assert!(!Path::new(&socket).exists(), "the socket file is removed");
}

#[test]
fn bad_start_up_input_is_refused_with_a_reason() {
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[("PLUGIN_PROTOCOL_VERSIONS", "4,5")],
            "speaks version 6 only",
        ),
        (
            &[("PLUGIN_CLIENT_CERT", "not a certificate")],
            "PLUGIN_CLIENT_CERT does not hold a PEM certificate",
        ),
        (
            &[(
                "PLUGIN_CLIENT_CERT",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            )],
            "not an X.509 certificate",
        ),
    ];
    for (envs, reason) in cases {
        let out = provider(envs).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{envs:?}: {stderr}");
        assert!(
            stderr.contains(reason),
            "{envs:?}: expected {reason:?} in:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "{envs:?}: no handshake line");
    }
}
