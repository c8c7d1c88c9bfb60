//! Everything the Vault emulator holds. Serialised as-is into the inspection document and
//! the state file, so field names here are part of the control API.
//!
//! Namespaces are a path prefix: a mount `secret/` in namespace `team-a` is stored under
//! the key `team-a/secret/`, its policies as `team-a/<name>`. The root namespace is `""`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::util::{now_rfc3339, now_unix, now_unix_ms, random_alnum, random_uuid};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VaultState {
    /// Mount table, keyed by namespace-prefixed path with a trailing slash (`secret/`).
    pub mounts: BTreeMap<String, Mount>,
    /// KV v2 data: mount key → secret path → secret.
    pub kv: BTreeMap<String, BTreeMap<String, KvSecret>>,
    /// ACL policies: namespace-prefixed lower-case name → HCL text.
    pub policies: BTreeMap<String, String>,
    /// Token store. The root token has policy `root`.
    pub tokens: Vec<Token>,
    /// Enabled auth methods other than `token/`, keyed like `mounts` (`kubernetes-x/`).
    #[serde(default)]
    pub auth_mounts: BTreeMap<String, super::auth_methods::AuthMount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mount {
    /// The namespace the mount lives in (`""` for the root namespace).
    #[serde(default)]
    pub namespace: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub accessor: String,
    pub uuid: String,
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub seal_wrap: bool,
    #[serde(default)]
    pub external_entropy_access: bool,
    #[serde(default)]
    pub options: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub config: MountConfig,
    /// Settings of `<mount>/config` for KV v2 mounts.
    #[serde(default)]
    pub kv_config: KvConfig,
}

impl Mount {
    pub fn new(kind: &str, description: &str, options: Option<BTreeMap<String, String>>) -> Mount {
        Mount {
            namespace: String::new(),
            kind: kind.to_string(),
            description: description.to_string(),
            accessor: format!("{}_{}", kind.replace('-', "_"), &random_uuid()[..8]),
            uuid: random_uuid(),
            local: kind == "cubbyhole",
            seal_wrap: kind == "cubbyhole",
            external_entropy_access: false,
            options,
            config: MountConfig::default(),
            kv_config: KvConfig::default(),
        }
    }

    /// `true` for a `kv` mount with `options.version` = `"2"`.
    pub fn is_kv_v2(&self) -> bool {
        self.kind == "kv"
            && self
                .options
                .as_ref()
                .and_then(|o| o.get("version"))
                .is_some_and(|v| v == "2")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MountConfig {
    #[serde(default)]
    pub default_lease_ttl: u64,
    #[serde(default)]
    pub max_lease_ttl: u64,
    #[serde(default)]
    pub force_no_cache: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KvConfig {
    #[serde(default)]
    pub max_versions: u64,
    #[serde(default)]
    pub cas_required: bool,
    #[serde(default = "zero_duration")]
    pub delete_version_after: String,
}

impl Default for KvConfig {
    fn default() -> Self {
        KvConfig {
            max_versions: 0,
            cas_required: false,
            delete_version_after: zero_duration(),
        }
    }
}

fn zero_duration() -> String {
    "0s".to_string()
}

/// One KV v2 secret: its metadata and every version still kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KvSecret {
    pub current_version: u64,
    #[serde(default)]
    pub oldest_version: u64,
    #[serde(default)]
    pub max_versions: u64,
    #[serde(default)]
    pub cas_required: bool,
    #[serde(default = "zero_duration")]
    pub delete_version_after: String,
    pub created_time: String,
    pub updated_time: String,
    #[serde(default)]
    pub custom_metadata: Option<BTreeMap<String, String>>,
    pub versions: BTreeMap<u64, KvVersion>,
}

impl KvSecret {
    pub fn new() -> KvSecret {
        let now = now_rfc3339();
        KvSecret {
            current_version: 0,
            oldest_version: 0,
            max_versions: 0,
            cas_required: false,
            delete_version_after: zero_duration(),
            created_time: now.clone(),
            updated_time: now,
            custom_metadata: None,
            versions: BTreeMap::new(),
        }
    }
}

impl Default for KvSecret {
    fn default() -> Self {
        KvSecret::new()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KvVersion {
    /// `None` once destroyed.
    pub data: Option<Map<String, Value>>,
    pub created_time: String,
    /// Empty unless soft-deleted.
    #[serde(default)]
    pub deletion_time: String,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub destroyed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    pub id: String,
    pub accessor: String,
    pub policies: Vec<String>,
    pub display_name: String,
    pub path: String,
    /// Unix seconds.
    pub creation_time: i64,
    /// Seconds of the current lease, counted from the last renewal (else from creation);
    /// 0 = never expires.
    pub ttl: u64,
    pub renewable: bool,
    /// The TTL the token was created with: what a renewal without `increment` grants.
    #[serde(default)]
    pub creation_ttl: u64,
    /// Seconds after creation beyond which no renewal extends the token; 0 = no cap.
    #[serde(default)]
    pub explicit_max_ttl: u64,
    /// Unix seconds of the last renewal.
    #[serde(default)]
    pub last_renewal_time: Option<i64>,
    /// Unix milliseconds when the lease ends (tokens with a TTL; a lease of a few seconds
    /// needs better than whole seconds).
    #[serde(default)]
    pub expire_ms: Option<i64>,
    #[serde(default)]
    pub orphan: bool,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub meta: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub entity_id: String,
}

impl Token {
    pub fn is_root(&self) -> bool {
        self.policies.iter().any(|p| p == "root")
    }

    /// Unix milliseconds when the token expires; `None` for tokens that never expire.
    pub fn expire_at_ms(&self) -> Option<i64> {
        if self.ttl == 0 {
            return None;
        }
        Some(self.expire_ms.unwrap_or_else(|| {
            self.last_renewal_time
                .unwrap_or(self.creation_time)
                .saturating_add(self.ttl as i64)
                .saturating_mul(1000)
        }))
    }

    /// Unix seconds when the token expires (rounded up); `None` for tokens that never
    /// expire.
    pub fn expire_time(&self) -> Option<i64> {
        self.expire_at_ms().map(|ms| (ms + 999).div_euclid(1000))
    }

    /// Whole seconds left (rounded up); 0 for tokens that never expire.
    pub fn ttl_left(&self) -> u64 {
        match self.expire_at_ms() {
            Some(expires) => ((expires - now_unix_ms()).max(0) as u64).div_ceil(1000),
            None => 0,
        }
    }

    /// Whether the token's lease has run out: Vault then answers 403 to every request
    /// made with it, as for a token that never existed.
    pub fn expired(&self) -> bool {
        self.expire_at_ms()
            .is_some_and(|expires| expires <= now_unix_ms())
    }
}

/// The built-in `default` policy text (written for the sandbox; it grants what a token
/// needs to look itself up and renew itself).
pub const DEFAULT_POLICY: &str = r#"# Lets every token look itself up, renew and revoke itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}

path "sys/capabilities-self" {
  capabilities = ["update"]
}
"#;

/// Mounts that cannot be disabled.
pub const BUILTIN_MOUNTS: [&str; 3] = ["sys/", "cubbyhole/", "identity/"];

impl VaultState {
    /// A fresh state like a dev-mode Vault: `sys/`, `cubbyhole/`, `identity/`, and `secret/`
    /// as KV version 2; policies `default` and `root`.
    pub fn new() -> VaultState {
        let mut mounts = BTreeMap::new();
        mounts.insert(
            "cubbyhole/".to_string(),
            Mount::new("cubbyhole", "per-token private secret storage", None),
        );
        mounts.insert(
            "identity/".to_string(),
            Mount::new("identity", "identity store", None),
        );
        mounts.insert(
            "secret/".to_string(),
            Mount::new(
                "kv",
                "key/value secret storage",
                Some(BTreeMap::from([("version".to_string(), "2".to_string())])),
            ),
        );
        mounts.insert(
            "sys/".to_string(),
            Mount::new(
                "system",
                "system endpoints used for control, policy and debugging",
                None,
            ),
        );
        let mut kv = BTreeMap::new();
        kv.insert("secret/".to_string(), BTreeMap::new());
        let mut policies = BTreeMap::new();
        policies.insert("default".to_string(), DEFAULT_POLICY.to_string());
        policies.insert("root".to_string(), String::new());
        VaultState {
            mounts,
            kv,
            policies,
            tokens: Vec::new(),
            auth_mounts: BTreeMap::new(),
        }
    }

    /// Back to a fresh state, keeping the token store.
    pub fn reset(&mut self) {
        let tokens = std::mem::take(&mut self.tokens);
        *self = VaultState::new();
        self.tokens = tokens;
    }

    /// Makes sure a root token exists: the given one (replacing a restored one), else the
    /// restored one, else a new random `hvs.` token.
    pub fn ensure_root_token(&mut self, given: Option<&str>) {
        if let Some(id) = given {
            self.tokens
                .retain(|t| !(t.is_root() && t.path == "auth/token/root"));
            self.tokens.push(root_token(id.to_string()));
        } else if self.root_token().is_none() {
            self.tokens
                .push(root_token(format!("hvs.{}", random_alnum(24))));
        }
    }

    pub fn root_token(&self) -> Option<String> {
        self.tokens
            .iter()
            .find(|t| t.is_root() && t.path == "auth/token/root")
            .map(|t| t.id.clone())
    }

    pub fn token(&self, id: &str) -> Option<&Token> {
        self.tokens.iter().find(|t| t.id == id)
    }

    pub fn token_mut(&mut self, id: &str) -> Option<&mut Token> {
        self.tokens.iter_mut().find(|t| t.id == id)
    }

    /// Issues a service token (`hvs.` + 24 characters) and stores it; expired tokens are
    /// dropped from the store on the way, as Vault's expiration manager revokes them.
    pub fn issue_token(&mut self, spec: NewToken) -> Token {
        self.tokens.retain(|t| !t.expired());
        let token = Token {
            id: format!("hvs.{}", random_alnum(24)),
            accessor: random_alnum(24),
            policies: spec.policies,
            display_name: spec.display_name,
            path: spec.path,
            creation_time: now_unix(),
            ttl: spec.ttl,
            renewable: spec.renewable && spec.ttl > 0,
            creation_ttl: spec.ttl,
            explicit_max_ttl: spec.explicit_max_ttl,
            last_renewal_time: None,
            expire_ms: (spec.ttl > 0).then(|| now_unix_ms().saturating_add(spec.ttl as i64 * 1000)),
            orphan: spec.orphan,
            namespace: spec.namespace,
            meta: spec.meta,
            entity_id: String::new(),
        };
        self.tokens.push(token.clone());
        token
    }
}

/// What a new token is issued with.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    pub policies: Vec<String>,
    pub display_name: String,
    /// The path it was issued on (`auth/token/create`, `auth/jwt/login`).
    pub path: String,
    /// Seconds; 0 = never expires.
    pub ttl: u64,
    pub renewable: bool,
    pub explicit_max_ttl: u64,
    pub orphan: bool,
    pub namespace: String,
    pub meta: Option<BTreeMap<String, String>>,
}

impl NewToken {
    /// A renewable token with the `root` policy that expires after `ttl` seconds unless
    /// renewed — what `vault token create -policy=root -ttl=…` makes.
    pub fn short_lived_root(ttl: u64) -> NewToken {
        NewToken {
            policies: vec!["root".to_string()],
            display_name: "token-ff-sandbox-ttl".to_string(),
            path: "auth/token/create".to_string(),
            ttl,
            renewable: true,
            ..NewToken::default()
        }
    }
}

impl Default for VaultState {
    fn default() -> Self {
        VaultState::new()
    }
}

fn root_token(id: String) -> Token {
    Token {
        id,
        accessor: random_alnum(24),
        policies: vec!["root".to_string()],
        display_name: "root".to_string(),
        path: "auth/token/root".to_string(),
        creation_time: now_unix(),
        ttl: 0,
        renewable: false,
        creation_ttl: 0,
        explicit_max_ttl: 0,
        last_renewal_time: None,
        expire_ms: None,
        orphan: true,
        namespace: String::new(),
        meta: None,
        entity_id: String::new(),
    }
}

/// Key prefix for a namespace (`""` or `"team-a/"`).
pub fn namespace_prefix(namespace: &str) -> String {
    if namespace.is_empty() {
        String::new()
    } else {
        format!("{namespace}/")
    }
}
