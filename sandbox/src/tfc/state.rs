//! What the emulated private registry holds: registry providers, GPG keys, provider
//! versions and platforms, and the uploaded release files ("archivist" objects, which the
//! real service stores behind pre-signed upload and download links). Every operation
//! checks its input the way the documented API does and answers with the documented
//! JSON:API documents; the routes only parse requests and authenticate.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::errors::ApiError;
use super::openpgp;
use crate::util::{now_rfc3339, random_alnum};

/// The organization the sandbox's registry belongs to, unless configured.
pub const DEFAULT_ORGANIZATION: &str = "ff-sandbox";
/// The plugin protocol versions a provider version may declare.
const PROTOCOLS: [&str; 3] = ["4.0", "5.0", "6.0"];

/// A provider of the organization's registry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryProvider {
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub registry_name: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A GPG public key of a namespace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpgKey {
    pub id: String,
    pub namespace: String,
    pub key_id: String,
    pub ascii_armor: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A version of a private provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderVersion {
    pub id: String,
    pub provider_id: String,
    pub version: String,
    pub key_id: String,
    pub protocols: Vec<String>,
    /// Object ids of `SHA256SUMS` and its signature.
    pub shasums: String,
    pub shasums_sig: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A platform of a version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderPlatform {
    pub id: String,
    pub version_id: String,
    pub os: String,
    pub arch: String,
    pub shasum: String,
    pub filename: String,
    /// Object id of the zip.
    pub binary: String,
}

/// An uploaded file (or the place for one).
#[derive(Debug, Clone, Default)]
pub struct Blob {
    pub content: Option<Vec<u8>>,
}

impl Serialize for Blob {
    /// Inspection shows size and digest, not the bytes.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.content {
            Some(bytes) => json!({
                "uploaded": true,
                "size": bytes.len(),
                "sha256": hex(&Sha256::digest(bytes)),
            }),
            None => json!({ "uploaded": false }),
        }
        .serialize(serializer)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The registry.
#[derive(Debug, Clone, Serialize)]
pub struct TfcState {
    pub organization: String,
    pub token: String,
    /// `https://localhost:PORT`, for absolute upload and download links.
    #[serde(skip)]
    pub base_url: String,
    pub providers: Vec<RegistryProvider>,
    pub gpg_keys: Vec<GpgKey>,
    pub versions: Vec<ProviderVersion>,
    pub platforms: Vec<ProviderPlatform>,
    pub objects: BTreeMap<String, Blob>,
    #[serde(skip)]
    next_key_number: u64,
}

/// The `data.attributes.NAME` string of a request document whose `data.type` is one of
/// `types`.
fn attribute<'a>(doc: &'a Value, types: &[&str], name: &str) -> Result<&'a str, ApiError> {
    let kind = doc.pointer("/data/type").and_then(Value::as_str);
    if !kind.is_some_and(|k| types.contains(&k)) {
        return Err(ApiError::Invalid {
            attribute: "type".into(),
            detail: format!("data.type must be {:?}", types[0]),
        });
    }
    match doc.pointer(&format!("/data/attributes/{name}")) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.as_str()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ApiError::invalid(name, format!("{name} can't be blank")))
        }
        Some(_) => Err(ApiError::invalid(name, format!("{name} must be a string"))),
    }
}

fn semantic_version(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn word(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl TfcState {
    pub fn new(organization: Option<&str>, token: Option<&str>) -> TfcState {
        TfcState {
            organization: organization.unwrap_or(DEFAULT_ORGANIZATION).to_string(),
            token: token
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}.atlasv1.{}", random_alnum(14), random_alnum(48))),
            base_url: String::new(),
            providers: Vec::new(),
            gpg_keys: Vec::new(),
            versions: Vec::new(),
            platforms: Vec::new(),
            objects: BTreeMap::new(),
            next_key_number: 0,
        }
    }

    /// Forgets everything but the organization and the token.
    pub fn reset(&mut self) {
        *self = TfcState {
            base_url: std::mem::take(&mut self.base_url),
            ..TfcState::new(Some(&self.organization), Some(&self.token))
        };
    }

    /// Whether `Authorization: Bearer <token>` names the sandbox's token.
    pub fn authorized(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|t| t.trim() == self.token)
    }

    /// Organizations other than the sandbox's do not exist (for this token).
    pub fn organization(&self, org: &str) -> Result<(), ApiError> {
        if org == self.organization {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }

    fn object_link(&self, id: &str) -> String {
        format!("{}/_archivist/v1/object/{id}", self.base_url)
    }

    fn new_object(&mut self) -> String {
        let id = random_alnum(32);
        self.objects.insert(id.clone(), Blob::default());
        id
    }

    fn uploaded(&self, object: &str) -> bool {
        self.objects
            .get(object)
            .is_some_and(|b| b.content.is_some())
    }

    // --- archivist -------------------------------------------------------------------

    /// Stores an upload; `false` when there is no such object.
    pub fn put_object(&mut self, id: &str, bytes: Vec<u8>) -> bool {
        match self.objects.get_mut(id) {
            Some(blob) => {
                blob.content = Some(bytes);
                true
            }
            None => false,
        }
    }

    /// An uploaded object's bytes.
    pub fn get_object(&self, id: &str) -> Option<&[u8]> {
        self.objects.get(id).and_then(|b| b.content.as_deref())
    }

    // --- registry providers ----------------------------------------------------------

    fn provider_path(&self, p: &RegistryProvider) -> String {
        format!(
            "/api/v2/organizations/{}/registry-providers/{}/{}/{}",
            self.organization, p.registry_name, p.namespace, p.name
        )
    }

    pub fn provider_doc(&self, p: &RegistryProvider) -> Value {
        let versions: Vec<Value> = self
            .versions
            .iter()
            .filter(|v| v.provider_id == p.id)
            .map(|v| json!({"id": v.id, "type": "registry-provider-versions"}))
            .collect();
        let path = self.provider_path(p);
        let mut relationships = json!({
            "organization": {"data": {"id": self.organization, "type": "organizations"}},
        });
        if p.registry_name == "private" {
            relationships["versions"] = json!({"data": versions, "links": {"related": path}});
        }
        json!({
            "id": p.id,
            "type": "registry-providers",
            "attributes": {
                "name": p.name,
                "namespace": p.namespace,
                "registry-name": p.registry_name,
                "created-at": p.created_at,
                "updated-at": p.updated_at,
                "permissions": {"can-delete": true},
            },
            "relationships": relationships,
            "links": {"self": path},
        })
    }

    pub fn create_provider(&mut self, doc: &Value) -> Result<RegistryProvider, ApiError> {
        let types = ["registry-providers"];
        let name = attribute(doc, &types, "name")?.to_string();
        let namespace = attribute(doc, &types, "namespace")?.to_string();
        let registry_name = attribute(doc, &types, "registry-name")?.to_string();
        if registry_name != "private" && registry_name != "public" {
            return Err(ApiError::invalid(
                "registry-name",
                "registry-name must be \"public\" or \"private\"",
            ));
        }
        if registry_name == "private" && namespace != self.organization {
            return Err(ApiError::invalid(
                "namespace",
                "the namespace of a private provider must be the organization's name",
            ));
        }
        if !word(&name.replace(['-', '_'], "")) {
            return Err(ApiError::invalid(
                "name",
                "name must be lower-case letters, digits, - and _",
            ));
        }
        if self
            .providers
            .iter()
            .any(|p| p.registry_name == registry_name && p.namespace == namespace && p.name == name)
        {
            return Err(ApiError::invalid("name", "Name has already been taken"));
        }
        let now = now_rfc3339();
        let provider = RegistryProvider {
            id: format!("prov-{}", random_alnum(16)),
            name,
            namespace,
            registry_name,
            created_at: now.clone(),
            updated_at: now,
        };
        self.providers.push(provider.clone());
        Ok(provider)
    }

    pub fn find_provider(
        &self,
        registry_name: &str,
        namespace: &str,
        name: &str,
    ) -> Result<&RegistryProvider, ApiError> {
        self.providers
            .iter()
            .find(|p| {
                p.registry_name == registry_name && p.namespace == namespace && p.name == name
            })
            .ok_or(ApiError::NotFound)
    }

    fn private_provider(
        &self,
        registry_name: &str,
        namespace: &str,
        name: &str,
    ) -> Result<RegistryProvider, ApiError> {
        let provider = self.find_provider(registry_name, namespace, name)?.clone();
        if provider.registry_name != "private" {
            return Err(ApiError::Forbidden(
                "versions are not available for public providers".into(),
            ));
        }
        Ok(provider)
    }

    // --- GPG keys ----------------------------------------------------------------------

    pub fn key_doc(&self, k: &GpgKey) -> Value {
        json!({
            "type": "gpg-keys",
            "id": k.id,
            "attributes": {
                "ascii-armor": k.ascii_armor,
                "created-at": k.created_at,
                "key-id": k.key_id,
                "namespace": k.namespace,
                "source": "",
                "source-url": null,
                "trust-signature": "",
                "updated-at": k.updated_at,
            },
            "links": {"self": format!("/v2/gpg-keys/{}", k.id)},
        })
    }

    pub fn create_key(&mut self, doc: &Value) -> Result<GpgKey, ApiError> {
        let types = ["gpg-keys"];
        let namespace = attribute(doc, &types, "namespace")?.to_string();
        let armor = attribute(doc, &types, "ascii-armor")?.to_string();
        if namespace != self.organization {
            return Err(ApiError::NotFound);
        }
        let key_id = openpgp::key_id(&armor).map_err(|e| {
            ApiError::invalid("ascii-armor", format!("ascii-armor is invalid: {e}"))
        })?;
        if self
            .gpg_keys
            .iter()
            .any(|k| k.namespace == namespace && k.key_id == key_id)
        {
            return Err(ApiError::invalid(
                "ascii-armor",
                format!("a key with id {key_id} already exists in {namespace}"),
            ));
        }
        self.next_key_number += 1;
        let now = now_rfc3339();
        let key = GpgKey {
            id: self.next_key_number.to_string(),
            namespace,
            key_id,
            ascii_armor: armor,
            created_at: now.clone(),
            updated_at: now,
        };
        self.gpg_keys.push(key.clone());
        Ok(key)
    }

    pub fn find_key(&self, namespace: &str, key_id: &str) -> Result<&GpgKey, ApiError> {
        self.gpg_keys
            .iter()
            .find(|k| k.namespace == namespace && k.key_id.eq_ignore_ascii_case(key_id))
            .ok_or(ApiError::NotFound)
    }

    // --- versions ------------------------------------------------------------------------

    pub fn version_doc(&self, v: &ProviderVersion) -> Value {
        let provider = self.providers.iter().find(|p| p.id == v.provider_id);
        let base = provider
            .map(|p| format!("{}/versions/{}", self.provider_path(p), v.version))
            .unwrap_or_default();
        let platforms: Vec<Value> = self
            .platforms
            .iter()
            .filter(|p| p.version_id == v.id)
            .map(|p| json!({"id": p.id, "type": "registry-provider-platforms"}))
            .collect();
        let sums_uploaded = self.uploaded(&v.shasums);
        let sig_uploaded = self.uploaded(&v.shasums_sig);
        // Upload links until a file is uploaded, download links after (the API's note on
        // "Get All Versions for a Single Provider").
        let mut links = serde_json::Map::new();
        let (name, link) = if sums_uploaded {
            ("shasums-download", self.object_link(&v.shasums))
        } else {
            ("shasums-upload", self.object_link(&v.shasums))
        };
        links.insert(name.into(), json!(link));
        let (name, link) = if sig_uploaded {
            ("shasums-sig-download", self.object_link(&v.shasums_sig))
        } else {
            ("shasums-sig-upload", self.object_link(&v.shasums_sig))
        };
        links.insert(name.into(), json!(link));
        json!({
            "id": v.id,
            "type": "registry-provider-versions",
            "attributes": {
                "version": v.version,
                "created-at": v.created_at,
                "updated-at": v.updated_at,
                "key-id": v.key_id,
                "protocols": v.protocols,
                "permissions": {"can-delete": true, "can-upload-asset": true},
                "shasums-uploaded": sums_uploaded,
                "shasums-sig-uploaded": sig_uploaded,
            },
            "relationships": {
                "registry-provider": {"data": {"id": v.provider_id, "type": "registry-providers"}},
                "platforms": {"data": platforms, "links": {"related": format!("{base}/platforms")}},
            },
            "links": links,
        })
    }

    pub fn create_version(
        &mut self,
        registry_name: &str,
        namespace: &str,
        name: &str,
        doc: &Value,
    ) -> Result<ProviderVersion, ApiError> {
        let provider = self.private_provider(registry_name, namespace, name)?;
        let types = ["registry-provider-versions"];
        let version = attribute(doc, &types, "version")?.to_string();
        let key_id = attribute(doc, &types, "key-id")?.to_uppercase();
        if !semantic_version(&version) {
            return Err(ApiError::invalid(
                "version",
                format!("{version:?} is not a valid semantic version"),
            ));
        }
        if self.find_key(&provider.namespace, &key_id).is_err() {
            return Err(ApiError::invalid(
                "key-id",
                format!("no GPG key with id {key_id} in {}", provider.namespace),
            ));
        }
        let protocols: Vec<String> = match doc.pointer("/data/attributes/protocols") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|p| match p.as_str() {
                    Some(p) if PROTOCOLS.contains(&p) => Ok(p.to_string()),
                    _ => Err(ApiError::invalid(
                        "protocols",
                        format!("protocols must be among {PROTOCOLS:?}, not {p}"),
                    )),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(ApiError::invalid("protocols", "protocols can't be blank")),
        };
        if self
            .versions
            .iter()
            .any(|v| v.provider_id == provider.id && v.version == version)
        {
            return Err(ApiError::invalid(
                "version",
                "Version has already been taken",
            ));
        }
        let now = now_rfc3339();
        let created = ProviderVersion {
            id: format!("provver-{}", random_alnum(16)),
            provider_id: provider.id,
            version,
            key_id,
            protocols,
            shasums: self.new_object(),
            shasums_sig: self.new_object(),
            created_at: now.clone(),
            updated_at: now,
        };
        self.versions.push(created.clone());
        Ok(created)
    }

    pub fn versions_of(
        &self,
        registry_name: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Vec<&ProviderVersion>, ApiError> {
        let provider = self.private_provider(registry_name, namespace, name)?;
        Ok(self
            .versions
            .iter()
            .filter(|v| v.provider_id == provider.id)
            .collect())
    }

    pub fn find_version(
        &self,
        registry_name: &str,
        namespace: &str,
        name: &str,
        version: &str,
    ) -> Result<&ProviderVersion, ApiError> {
        let provider = self.private_provider(registry_name, namespace, name)?;
        self.versions
            .iter()
            .find(|v| v.provider_id == provider.id && v.version == version)
            .ok_or(ApiError::NotFound)
    }

    /// Deletes a version with its platforms and files.
    pub fn delete_version(
        &mut self,
        registry_name: &str,
        namespace: &str,
        name: &str,
        version: &str,
    ) -> Result<(), ApiError> {
        let found = self
            .find_version(registry_name, namespace, name, version)?
            .clone();
        let platforms: Vec<ProviderPlatform> = self
            .platforms
            .iter()
            .filter(|p| p.version_id == found.id)
            .cloned()
            .collect();
        for platform in &platforms {
            self.objects.remove(&platform.binary);
        }
        self.platforms.retain(|p| p.version_id != found.id);
        self.objects.remove(&found.shasums);
        self.objects.remove(&found.shasums_sig);
        self.versions.retain(|v| v.id != found.id);
        Ok(())
    }

    // --- platforms -----------------------------------------------------------------------

    pub fn platform_doc(&self, p: &ProviderPlatform) -> Value {
        let uploaded = self.uploaded(&p.binary);
        let link_name = if uploaded {
            "provider-binary-download"
        } else {
            "provider-binary-upload"
        };
        json!({
            "id": p.id,
            "type": "registry-provider-platforms",
            "attributes": {
                "os": p.os,
                "arch": p.arch,
                "filename": p.filename,
                "shasum": p.shasum,
                "permissions": {"can-delete": true, "can-upload-asset": true},
                "provider-binary-uploaded": uploaded,
            },
            "relationships": {
                "registry-provider-version": {"data": {"id": p.version_id, "type": "registry-provider-versions"}},
            },
            "links": { link_name: self.object_link(&p.binary) },
        })
    }

    pub fn create_platform(
        &mut self,
        registry_name: &str,
        namespace: &str,
        name: &str,
        version: &str,
        doc: &Value,
    ) -> Result<ProviderPlatform, ApiError> {
        let version_id = self
            .find_version(registry_name, namespace, name, version)?
            .id
            .clone();
        // The API's table names the type "registry-provider-platforms"; its sample payloads
        // use "registry-provider-version-platforms". Both are accepted.
        let types = [
            "registry-provider-platforms",
            "registry-provider-version-platforms",
        ];
        let os = attribute(doc, &types, "os")?.to_string();
        let arch = attribute(doc, &types, "arch")?.to_string();
        let shasum = attribute(doc, &types, "shasum")?.to_string();
        let filename = attribute(doc, &types, "filename")?.to_string();
        if !word(&os) {
            return Err(ApiError::invalid("os", format!("{os:?} is not a valid os")));
        }
        if !word(&arch) {
            return Err(ApiError::invalid(
                "arch",
                format!("{arch:?} is not a valid arch"),
            ));
        }
        if shasum.len() != 64 || !shasum.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::invalid(
                "shasum",
                "shasum must be a hex SHA-256 checksum",
            ));
        }
        if self
            .platforms
            .iter()
            .any(|p| p.version_id == version_id && p.os == os && p.arch == arch)
        {
            return Err(ApiError::invalid(
                "os",
                format!("platform {os}_{arch} already exists for version {version}"),
            ));
        }
        let created = ProviderPlatform {
            id: format!("provpltfrm-{}", random_alnum(16)),
            version_id,
            os,
            arch,
            shasum: shasum.to_ascii_lowercase(),
            filename,
            binary: self.new_object(),
        };
        self.platforms.push(created.clone());
        Ok(created)
    }

    pub fn platforms_of(
        &self,
        registry_name: &str,
        namespace: &str,
        name: &str,
        version: &str,
    ) -> Result<Vec<&ProviderPlatform>, ApiError> {
        let version = self.find_version(registry_name, namespace, name, version)?;
        Ok(self
            .platforms
            .iter()
            .filter(|p| p.version_id == version.id)
            .collect())
    }

    pub fn find_platform(
        &self,
        registry_name: &str,
        namespace: &str,
        name: &str,
        version: &str,
        os: &str,
        arch: &str,
    ) -> Result<&ProviderPlatform, ApiError> {
        self.platforms_of(registry_name, namespace, name, version)?
            .into_iter()
            .find(|p| p.os == os && p.arch == arch)
            .ok_or(ApiError::NotFound)
    }

    // --- the provider registry protocol (what `terraform init` reads) -------------------

    /// A version is installable once both checksum files are uploaded; a platform once its
    /// zip is.
    fn installable(&self, v: &ProviderVersion) -> Vec<&ProviderPlatform> {
        if !self.uploaded(&v.shasums) || !self.uploaded(&v.shasums_sig) {
            return Vec::new();
        }
        self.platforms
            .iter()
            .filter(|p| p.version_id == v.id && self.uploaded(&p.binary))
            .collect()
    }

    /// `GET :namespace/:type/versions`.
    pub fn registry_versions(&self, namespace: &str, name: &str) -> Result<Value, ApiError> {
        let provider = self.private_provider("private", namespace, name)?;
        let versions: Vec<Value> = self
            .versions
            .iter()
            .filter(|v| v.provider_id == provider.id)
            .filter_map(|v| {
                let platforms = self.installable(v);
                (!platforms.is_empty()).then(|| {
                    json!({
                        "version": v.version,
                        "protocols": v.protocols,
                        "platforms": platforms
                            .iter()
                            .map(|p| json!({"os": p.os, "arch": p.arch}))
                            .collect::<Vec<_>>(),
                    })
                })
            })
            .collect();
        Ok(json!({ "versions": versions }))
    }

    /// `GET :namespace/:type/:version/download/:os/:arch`.
    pub fn registry_download(
        &self,
        namespace: &str,
        name: &str,
        version: &str,
        os: &str,
        arch: &str,
    ) -> Result<Value, ApiError> {
        let found = self.find_version("private", namespace, name, version)?;
        let platform = self
            .installable(found)
            .into_iter()
            .find(|p| p.os == os && p.arch == arch)
            .ok_or(ApiError::NotFound)?;
        let keys: Vec<Value> = self
            .gpg_keys
            .iter()
            .filter(|k| k.namespace == namespace && k.key_id == found.key_id)
            .map(|k| {
                json!({
                    "key_id": k.key_id,
                    "ascii_armor": k.ascii_armor,
                    "trust_signature": "",
                    "source": "",
                    "source_url": null,
                })
            })
            .collect();
        Ok(json!({
            "protocols": found.protocols,
            "os": platform.os,
            "arch": platform.arch,
            "filename": platform.filename,
            "download_url": self.object_link(&platform.binary),
            "shasums_url": self.object_link(&found.shasums),
            "shasums_signature_url": self.object_link(&found.shasums_sig),
            "shasum": platform.shasum,
            "signing_keys": {"gpg_public_keys": keys},
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider_doc(name: &str, namespace: &str) -> Value {
        json!({"data": {"type": "registry-providers", "attributes": {
            "name": name, "namespace": namespace, "registry-name": "private"}}})
    }

    #[test]
    fn providers_are_unique_and_private_ones_live_in_the_organization() {
        let mut s = TfcState::new(Some("org"), Some("t"));
        s.create_provider(&provider_doc("ff", "org")).unwrap();
        assert_eq!(
            s.create_provider(&provider_doc("ff", "org")),
            Err(ApiError::invalid("name", "Name has already been taken"))
        );
        assert!(matches!(
            s.create_provider(&provider_doc("ff", "other")),
            Err(ApiError::Invalid { .. })
        ));
        assert!(matches!(
            s.create_provider(&json!({"data": {"type": "wrong", "attributes": {}}})),
            Err(ApiError::Invalid { .. })
        ));
    }

    #[test]
    fn versions_need_a_known_key_and_valid_protocols() {
        let mut s = TfcState::new(Some("org"), Some("t"));
        s.create_provider(&provider_doc("ff", "org")).unwrap();
        let doc = |protocols: Value| {
            json!({"data": {"type": "registry-provider-versions", "attributes": {
                "version": "0.1.0", "key-id": "0123456789ABCDEF", "protocols": protocols}}})
        };
        let err = s
            .create_version("private", "org", "ff", &doc(json!(["6.0"])))
            .unwrap_err();
        assert!(matches!(err, ApiError::Invalid { ref attribute, .. } if attribute == "key-id"));
        assert!(s.authorized(Some("Bearer t")));
        assert!(!s.authorized(Some("Bearer x")));
        assert!(!s.authorized(None));
    }
}
