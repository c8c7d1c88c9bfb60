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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntraState {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Access token → Unix second it expires.
    #[serde(default)]
    pub tokens: BTreeMap<String, i64>,
}

impl Default for EntraState {
    fn default() -> Self {
        EntraState {
            tenant_id: random_uuid(),
            client_id: random_uuid(),
            client_secret: random_alnum(40),
            tokens: BTreeMap::new(),
        }
    }
}

impl EntraState {
    /// Forget the tokens issued, keep the tenant and the application.
    pub fn reset(&mut self) {
        self.tokens.clear();
    }

    /// Issue an access token for `audience` (JWT-shaped; the signature is random).
    pub fn issue(&mut self, audience: &str) -> String {
        let now = now_unix();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"ff-sandbox"}"#);
        let claims = json!({
            "aud": audience,
            "iss": format!("https://sts.windows.net/{}/", self.tenant_id),
            "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME,
            "appid": self.client_id, "tid": self.tenant_id, "oid": random_uuid(),
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
