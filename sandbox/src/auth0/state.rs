//! Everything the Auth0 emulator holds. Serialised as-is into the inspection document and
//! the state file (client secrets included: the sandbox is a test tool, and the tests look
//! for every secret it issued in Terraform's files).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rate_limit::{Bucket, RateLimit};
use crate::util::random_alnum;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Auth0State {
    /// The machine-to-machine application the provider logs in with (client credentials).
    pub management: ManagementClient,
    pub clients: Vec<Client>,
    pub resource_servers: Vec<ResourceServer>,
    pub client_grants: Vec<ClientGrant>,
    pub roles: Vec<Role>,
    /// Access tokens issued by `/oauth/token`, with their expiry (Unix seconds).
    #[serde(default)]
    pub tokens: Vec<IssuedToken>,
    /// Limit of the Management API; `per_second = 0` turns it off.
    #[serde(default)]
    pub rate_limit: RateLimit,
    /// Lifetime of the Management API tokens, in seconds.
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_s: i64,
    /// Runtime only: the Management API's bucket and the Authentication API's.
    #[serde(skip)]
    pub management_bucket: Bucket,
    #[serde(skip)]
    pub authentication_bucket: Bucket,
}

fn default_token_lifetime() -> i64 {
    86_400
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManagementClient {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Client {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub app_type: String,
    #[serde(default)]
    pub callbacks: Vec<String>,
    #[serde(default)]
    pub allowed_logout_urls: Vec<String>,
    #[serde(default)]
    pub web_origins: Vec<String>,
    #[serde(default)]
    pub grant_types: Vec<String>,
    #[serde(default)]
    pub client_metadata: BTreeMap<String, String>,
    pub token_endpoint_auth_method: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scope {
    pub value: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResourceServer {
    pub id: String,
    pub name: String,
    pub identifier: String,
    #[serde(default)]
    pub scopes: Vec<Scope>,
    pub token_lifetime: i64,
    pub signing_alg: String,
    /// The tenant's own Management API: listed, never changed.
    #[serde(default)]
    pub is_system: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClientGrant {
    pub id: String,
    pub client_id: String,
    pub audience: String,
    #[serde(default)]
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Permission {
    pub resource_server_identifier: String,
    pub permission_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Role {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

/// The identifier (audience) of the tenant's Management API for a tenant at `base_url`.
pub fn management_audience(base_url: &str) -> String {
    format!("{}/api/v2/", base_url.trim_end_matches('/'))
}

impl Auth0State {
    pub fn new() -> Auth0State {
        Auth0State {
            management: ManagementClient {
                client_id: random_alnum(32),
                client_secret: random_alnum(64),
            },
            clients: Vec::new(),
            resource_servers: Vec::new(),
            client_grants: Vec::new(),
            roles: Vec::new(),
            tokens: Vec::new(),
            rate_limit: RateLimit::default(),
            token_lifetime_s: default_token_lifetime(),
            management_bucket: Bucket::default(),
            authentication_bucket: Bucket::default(),
        }
    }

    /// Back to a fresh tenant, keeping the management credentials, the issued tokens and
    /// the rate limit.
    pub fn reset(&mut self) {
        let (management, tokens, rate_limit, lifetime) = (
            self.management.clone(),
            std::mem::take(&mut self.tokens),
            self.rate_limit,
            self.token_lifetime_s,
        );
        *self = Auth0State::new();
        self.management = management;
        self.tokens = tokens;
        self.rate_limit = rate_limit;
        self.token_lifetime_s = lifetime;
    }

    /// Flags win over restored credentials.
    pub fn ensure_management(&mut self, client_id: Option<&str>, client_secret: Option<&str>) {
        if let Some(id) = client_id {
            self.management.client_id = id.to_string();
        }
        if let Some(secret) = client_secret {
            self.management.client_secret = secret.to_string();
        }
    }

    /// The tenant's own Management API resource server, listed like Auth0 lists it.
    pub fn ensure_system_api(&mut self, base_url: &str) {
        let identifier = management_audience(base_url);
        self.resource_servers.retain(|rs| !rs.is_system);
        self.resource_servers.insert(
            0,
            ResourceServer {
                id: "000000000000000000000001".to_string(),
                name: "Auth0 Management API".to_string(),
                identifier,
                scopes: Vec::new(),
                token_lifetime: 86_400,
                signing_alg: "RS256".to_string(),
                is_system: true,
            },
        );
    }
}

impl Default for Auth0State {
    fn default() -> Self {
        Auth0State::new()
    }
}
