//! The kubeconfig the sandbox writes so that `kubectl` (and the provider's users) can look
//! at the sandbox cluster: one cluster with the sandbox CA, one user with the admin token.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The kubeconfig text (YAML).
pub fn render(host: &str, ca_pem: &str, token: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: ff-sandbox\n  cluster:\n    server: {host}\n    certificate-authority-data: {ca}\nusers:\n- name: ff-sandbox-admin\n  user:\n    token: {token}\ncontexts:\n- name: ff-sandbox\n  context:\n    cluster: ff-sandbox\n    user: ff-sandbox-admin\n    namespace: default\ncurrent-context: ff-sandbox\n",
        ca = STANDARD.encode(ca_pem),
    )
}

/// Write it with owner-only permissions (it holds the admin token).
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())
}
