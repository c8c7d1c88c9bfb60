//! kubectl (Debian's kubernetes-client) works against the kubeconfig the sandbox writes:
//! `api-resources`, `apply --server-side`, `get` (tables and JSON) and `delete`.

mod common;

use common::{spawn_binary, temp_path, terminate};

fn kubectl(kubeconfig: &str, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl is installed (scripts/install-tools.sh)");
    if let Some(text) = stdin
        && let Some(mut pipe) = child.stdin.take()
    {
        pipe.write_all(text.as_bytes()).expect("write manifest");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("kubectl finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const MANIFEST: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n  labels:\n    tier: web\ndata:\n  colour: blue\n";

#[test]
fn kubectl_gets_applies_and_deletes() {
    let kubeconfig = temp_path("kubeconfig");
    let kc = kubeconfig.display().to_string();
    let mut spawned = spawn_binary(&["--listen", "127.0.0.1:0", "--kubeconfig", &kc]);
    assert_eq!(spawned.endpoints.kubernetes.kubeconfig, kc);

    let (code, out, err) = kubectl(&kc, &["api-resources"], None);
    assert_eq!(code, 0, "api-resources: {err}");
    for resource in [
        "configmaps",
        "deployments",
        "customresourcedefinitions",
        "storageclasses",
    ] {
        assert!(
            out.contains(resource),
            "api-resources lists {resource}:\n{out}"
        );
    }

    let (code, out, err) = kubectl(&kc, &["apply", "--server-side", "-f", "-"], Some(MANIFEST));
    assert_eq!(code, 0, "apply --server-side: {err}");
    assert!(
        out.contains("configmap/settings serverside-applied"),
        "{out}"
    );

    let (code, out, err) = kubectl(
        &kc,
        &["get", "configmaps", "-n", "shop", "-l", "tier=web"],
        None,
    );
    assert_eq!(code, 0, "get: {err}");
    assert!(out.contains("NAME") && out.contains("settings"), "{out}");
    let (code, out, _) = kubectl(
        &kc,
        &[
            "get",
            "configmap",
            "settings",
            "-n",
            "shop",
            "-o",
            "json",
            "--show-managed-fields",
        ],
        None,
    );
    assert_eq!(code, 0);
    let object: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(object["data"]["colour"], "blue");
    assert_eq!(object["metadata"]["managedFields"][0]["manager"], "kubectl");

    // Another manager's apply of a different value conflicts, as with a real API server.
    let changed = MANIFEST.replace("blue", "red");
    let (code, _, err) = kubectl(
        &kc,
        &[
            "apply",
            "--server-side",
            "--field-manager",
            "other",
            "-f",
            "-",
        ],
        Some(&changed),
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("conflict") && err.contains(".data.colour"),
        "{err}"
    );

    let (code, out, err) = kubectl(
        &kc,
        &["delete", "configmap", "settings", "-n", "shop"],
        None,
    );
    assert_eq!(code, 0, "delete: {err}");
    assert!(out.contains("deleted"), "{out}");
    let (code, _, err) = kubectl(&kc, &["get", "configmap", "settings", "-n", "shop"], None);
    assert_ne!(code, 0);
    assert!(
        err.contains("NotFound") || err.contains("not found"),
        "{err}"
    );

    let status = terminate(&mut spawned.child);
    assert!(status.success());
    let _ = std::fs::remove_file(&kubeconfig);
}
