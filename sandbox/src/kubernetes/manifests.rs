//! Release manifests the sandbox serves on its control port
//! (`/_sandbox/manifests/<name>.yaml`) for tests and `examples/local`: small stand-ins for
//! the upstream ingress-nginx and ArgoCD manifests, with the same kinds of objects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// (file name, content)
pub const MANIFESTS: &[(&str, &str)] = &[
    (
        "ingress-controller.yaml",
        include_str!("../../manifests/ingress-controller.yaml"),
    ),
    ("argocd.yaml", include_str!("../../manifests/argocd.yaml")),
];

/// Where a manifest is served and its digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestEndpoint {
    pub url: String,
    pub sha256: String,
}

/// The served manifests, by name without `.yaml`.
pub fn endpoints(control: &str) -> BTreeMap<String, ManifestEndpoint> {
    MANIFESTS
        .iter()
        .map(|(file, content)| {
            (
                file.trim_end_matches(".yaml").to_string(),
                ManifestEndpoint {
                    url: format!("{control}/_sandbox/manifests/{file}"),
                    sha256: hex::encode(Sha256::digest(content.as_bytes())),
                },
            )
        })
        .collect()
}

/// A manifest's content by file name.
pub fn get(file: &str) -> Option<&'static str> {
    MANIFESTS
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, content)| *content)
}
