//! What the Entra ID emulator holds (part of the inspection document and the state file).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::util::{now_unix, random_alnum, random_uuid};

/// Application id of the AKS Entra ID server application: the audience of AKS tokens.
pub const AKS_SERVER_APP_ID: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";

/// Lifetime of an access token, in seconds.
pub const TOKEN_LIFETIME: i64 = 3599;

/// A federated identity credential of the application: tokens of `issuer` with this
/// `subject` and one of `audiences` are accepted as its client assertion
/// (<https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential>).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FederatedCredential {
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
}

/// The managed identity the emulator's metadata endpoints hand tokens to: IMDS
/// (`GET /metadata/identity/oauth2/token`, header `Metadata: true`) and the App Service /
/// Container Apps form (`GET /msi/token`, header `X-IDENTITY-HEADER`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManagedIdentity {
    pub client_id: String,
    /// What `IDENTITY_HEADER` holds on App Service.
    pub identity_header: String,
}

impl Default for ManagedIdentity {
    fn default() -> Self {
        ManagedIdentity {
            client_id: random_uuid(),
            identity_header: random_alnum(32),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntraState {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Access token → Unix second it expires.
    #[serde(default)]
    pub tokens: BTreeMap<String, i64>,
    /// The application's federated identity credentials (workload identity federation).
    #[serde(default)]
    pub federated_credentials: Vec<FederatedCredential>,
    /// The application's certificates (PEM), for certificate client assertions.
    #[serde(default)]
    pub certificates: Vec<String>,
    #[serde(default)]
    pub managed_identity: ManagedIdentity,
}

impl Default for EntraState {
    fn default() -> Self {
        EntraState {
            tenant_id: random_uuid(),
            client_id: random_uuid(),
            client_secret: random_alnum(40),
            tokens: BTreeMap::new(),
            federated_credentials: Vec::new(),
            certificates: Vec::new(),
            managed_identity: ManagedIdentity::default(),
        }
    }
}

impl EntraState {
    /// Forget the tokens issued, keep the tenant and the application.
    pub fn reset(&mut self) {
        self.tokens.clear();
    }

    /// Issue an access token for `audience` to the application (JWT-shaped; the signature is
    /// random).
    pub fn issue(&mut self, audience: &str) -> String {
        let app = self.client_id.clone();
        self.issue_to(audience, &app)
    }

    /// Issue an access token for `audience` to the application or identity `appid`.
    pub fn issue_to(&mut self, audience: &str, appid: &str) -> String {
        let now = now_unix();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"ff-sandbox"}"#);
        let claims = json!({
            "aud": audience,
            "iss": format!("https://sts.windows.net/{}/", self.tenant_id),
            "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME,
            "appid": appid, "tid": self.tenant_id, "oid": random_uuid(),
        });
        let token = format!(
            "{header}.{}.{}",
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            random_alnum(43)
        );
        self.tokens.insert(token.clone(), now + TOKEN_LIFETIME);
        token
    }

    /// Whether `token` was issued here and has not expired.
    pub fn valid(&self, token: &str) -> bool {
        self.tokens.get(token).is_some_and(|exp| *exp > now_unix())
    }
}
