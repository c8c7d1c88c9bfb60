//! Release manifests (ingress controller, ArgoCD): downloaded through the one HTTP layer,
//! checked against the SHA-256 the configuration pins, and split into objects. Only the
//! digest and the objects' identities ever reach the Terraform state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::http::{BackendError, Call, Http, HttpSettings, RetryPolicy, System};

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The URL is not an http(s) URL.
    #[error("{url:?} is not an http:// or https:// URL")]
    Url {
        /// The URL.
        url: String,
    },
    /// The download failed.
    #[error("downloading {url} failed: {source}")]
    Download {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: Box<BackendError>,
    },
    /// The content is not what the configuration pins.
    #[error("the manifest at {url} has SHA-256 {actual}, but the configuration pins {expected}")]
    Digest {
        /// The URL.
        url: String,
        /// Pinned digest.
        expected: String,
        /// Digest of what was downloaded.
        actual: String,
    },
    /// Not YAML Kubernetes objects.
    #[error("the manifest at {url} cannot be read: {detail}")]
    Parse {
        /// The URL.
        url: String,
        /// What is wrong.
        detail: String,
    },
}

/// A manifest's URL and pinned digest.
type ManifestKey = (String, String);

/// Downloads, cached per process by URL and digest (plan and refresh of one run share them).
#[derive(Debug, Default, Clone)]
pub struct ManifestCache {
    verified: Arc<Mutex<HashMap<ManifestKey, Arc<Vec<Value>>>>>,
}

impl ManifestCache {
    /// The objects of the manifest at `url`, whose SHA-256 must be `sha256` (hex).
    pub async fn objects(
        &self,
        url: &str,
        sha256: &str,
        timeout: Duration,
    ) -> Result<Arc<Vec<Value>>, ManifestError> {
        let expected = sha256.trim().to_ascii_lowercase();
        let cache_key = (url.to_string(), expected.clone());
        if let Some(hit) = self
            .verified
            .lock()
            .ok()
            .and_then(|c| c.get(&cache_key).cloned())
        {
            return Ok(hit);
        }
        let bytes = download(url, timeout).await?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != expected {
            return Err(ManifestError::Digest {
                url: url.to_string(),
                expected,
                actual,
            });
        }
        let objects = Arc::new(parse(url, &bytes)?);
        if let Ok(mut cache) = self.verified.lock() {
            cache.insert(cache_key, objects.clone());
        }
        Ok(objects)
    }
}

async fn download(url: &str, timeout: Duration) -> Result<Vec<u8>, ManifestError> {
    let parsed = url::Url::parse(url).map_err(|_| ManifestError::Url {
        url: url.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ManifestError::Url {
            url: url.to_string(),
        });
    }
    let origin = parsed.origin().ascii_serialization();
    let mut path = parsed.path().to_string();
    if let Some(query) = parsed.query() {
        path = format!("{path}?{query}");
    }
    let http = Http::new(
        HttpSettings {
            system: System::Manifests,
            base_url: origin,
            ca_pem: None,
            timeout,
            retry: RetryPolicy::default(),
        },
        |_| (None, None),
    )
    .map_err(|source| ManifestError::Download {
        url: url.to_string(),
        source: Box::new(source),
    })?;
    let reply = http
        .send(Call::new(Method::GET, path))
        .await
        .map_err(|source| ManifestError::Download {
            url: url.to_string(),
            source: Box::new(source),
        })?;
    Ok(reply.body)
}

/// The objects of a multi-document YAML manifest (`List` kinds are flattened, empty
/// documents skipped).
pub fn parse(url: &str, bytes: &[u8]) -> Result<Vec<Value>, ManifestError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ManifestError::Parse {
        url: url.to_string(),
        detail: "it is not UTF-8 text".into(),
    })?;
    let mut objects = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(|e| ManifestError::Parse {
            url: url.to_string(),
            detail: format!("document {}: {e}", index + 1),
        })?;
        if value.is_null() {
            continue;
        }
        let items = match value.get("kind").and_then(Value::as_str) {
            Some(kind) if kind.ends_with("List") && value.get("items").is_some() => {
                value["items"].as_array().cloned().unwrap_or_default()
            }
            _ => vec![value],
        };
        for item in items {
            let ok = item.get("apiVersion").and_then(Value::as_str).is_some()
                && item.get("kind").and_then(Value::as_str).is_some()
                && item
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .is_some();
            if !ok {
                return Err(ManifestError::Parse {
                    url: url.to_string(),
                    detail: format!(
                        "document {} is not a Kubernetes object with apiVersion, kind and metadata.name",
                        index + 1
                    ),
                });
            }
            objects.push(item);
        }
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_yaml_splits_into_objects() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# comment only\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n";
        let objects = parse("u", text.as_bytes()).unwrap_or_default();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[1]["kind"], "ConfigMap");
        assert!(parse("u", b"kind: Thing\n").is_err());
    }
}
