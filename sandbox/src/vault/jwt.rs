//! The JWT auth method (`type = "jwt"` in `sys/auth`): its configuration, its roles and
//! logging in with a signed JWT.
//! <https://developer.hashicorp.com/vault/api-docs/auth/jwt>
//! <https://developer.hashicorp.com/vault/docs/auth/jwt>
//!
//! - `auth/<mount>/config`: `jwt_validation_pubkeys` (PEM public keys: RSA, P-256, P-384 or
//!   Ed25519, as `BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`), `bound_issuer`,
//!   `jwt_supported_algs`, `default_role`. The sandbox never fetches keys, so
//!   `jwks_url` and `oidc_discovery_url` are refused with a message saying so.
//! - `auth/<mount>/role/<name>`: `role_type` (`oidc` by default, as in Vault; only `jwt`
//!   roles log in here), `user_claim` (required), `bound_audiences`, `bound_subject`,
//!   `bound_claims` (+ `bound_claims_type` `string` or `glob`), the `token_*` settings
//!   (`token_policies`, `token_ttl`, `token_max_ttl`, `token_explicit_max_ttl`,
//!   `token_no_default_policy`) and the leeways.
//! - `auth/<mount>/login` (no token needed): checks the signature against every configured
//!   key (RS256/384/512, PS256/384/512, ES256/384, EdDSA), then `exp`/`nbf` with the
//!   role's leeways, `iss`, `aud` (a JWT with an audience needs a role that binds one),
//!   `sub`, the bound claims and the user claim; then issues a renewable token with the
//!   role's policies and TTL. Every refusal is a 400 with a message naming the check.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use serde_json::{Map, Value, json};

use super::auth_methods::AuthMount;
use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::routes::{Operation, VaultRequest, no_content};
use super::state::{NewToken, VaultState};
use super::sys::parse_seconds;
use super::token::{DEFAULT_TOKEN_TTL, auth_json, string_list};
use crate::util::now_unix;

/// Default leeways of a role, in seconds (Vault's documented defaults).
const DEFAULT_EXPIRATION_LEEWAY: i64 = 150;
const DEFAULT_NOT_BEFORE_LEEWAY: i64 = 150;

/// `auth/<mount>/config` and `auth/<mount>/role[/<name>]` of a JWT mount.
pub fn handle(mount: &mut AuthMount, path: &str, request: &VaultRequest) -> VaultResult {
    match (path, request.operation) {
        ("config", Operation::Write) => write_config(mount, request),
        ("config", Operation::Read) => {
            let config = mount.config.clone().ok_or_else(VaultError::not_found)?;
            let field = |name: &str, default: Value| config.get(name).cloned().unwrap_or(default);
            Ok(Reply::Data(json!({
                "bound_issuer": field("bound_issuer", json!("")),
                "default_role": field("default_role", json!("")),
                "jwt_validation_pubkeys": field("jwt_validation_pubkeys", json!([])),
                "jwt_supported_algs": field("jwt_supported_algs", json!([])),
                "jwks_url": "",
                "jwks_ca_pem": "",
                "oidc_discovery_url": "",
                "oidc_discovery_ca_pem": "",
                "oidc_client_id": "",
                "oidc_response_mode": "",
                "oidc_response_types": [],
                "namespace_in_state": true,
                "provider_config": {},
            })))
        }
        ("role", Operation::List) => {
            if mount.roles.is_empty() {
                return Err(VaultError::not_found());
            }
            Ok(Reply::Data(
                json!({ "keys": mount.roles.keys().collect::<Vec<_>>() }),
            ))
        }
        (path, operation) if path.starts_with("role/") => {
            let name = path["role/".len()..].to_lowercase();
            match operation {
                Operation::Write => write_role(mount, &name, request),
                Operation::Read => {
                    let role = mount.roles.get(&name).ok_or_else(VaultError::not_found)?;
                    Ok(Reply::Data(role_json(role)))
                }
                Operation::Delete => {
                    mount.roles.remove(&name);
                    no_content()
                }
                _ => Err(VaultError::unsupported_operation()),
            }
        }
        ("login", _) => Err(VaultError::unsupported_operation()),
        _ => Err(VaultError::unsupported_path()),
    }
}

fn write_config(mount: &mut AuthMount, request: &VaultRequest) -> VaultResult {
    let body = &request.body;
    for remote in ["jwks_url", "oidc_discovery_url"] {
        if body
            .get(remote)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
        {
            return Err(VaultError::bad_request(format!(
                "ff-sandbox does not fetch keys: set jwt_validation_pubkeys instead of {remote}"
            )));
        }
    }
    let keys = body
        .get("jwt_validation_pubkeys")
        .map(pem_list)
        .unwrap_or_default();
    if keys.is_empty() {
        return Err(VaultError::bad_request(
            "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set",
        ));
    }
    for (index, pem) in keys.iter().enumerate() {
        if let Err(problem) = PublicKey::from_pem(pem) {
            return Err(VaultError::bad_request(format!(
                "error parsing public key {index} of jwt_validation_pubkeys: {problem}"
            )));
        }
    }
    let mut config = Map::new();
    config.insert("jwt_validation_pubkeys".into(), json!(keys));
    for name in ["bound_issuer", "default_role"] {
        if let Some(value) = body.get(name).and_then(Value::as_str) {
            config.insert(name.into(), json!(value));
        }
    }
    if let Some(algs) = body.get("jwt_supported_algs") {
        let algs = string_list(algs);
        if let Some(unknown) = algs.iter().find(|a| Alg::parse(a).is_none()) {
            return Err(VaultError::bad_request(format!(
                "invalid jwt_supported_algs: {unknown:?} is not a supported signing algorithm"
            )));
        }
        config.insert("jwt_supported_algs".into(), json!(algs));
    }
    mount.config = Some(config);
    no_content()
}

/// PEM keys given as a list, or as one string that may hold several PEM blocks.
fn pem_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(text) => {
            let mut blocks = Vec::new();
            let mut current = String::new();
            for line in text.lines() {
                current.push_str(line);
                current.push('\n');
                if line.trim_start().starts_with("-----END") {
                    blocks.push(std::mem::take(&mut current));
                }
            }
            blocks
        }
        _ => Vec::new(),
    }
}

fn write_role(mount: &mut AuthMount, name: &str, request: &VaultRequest) -> VaultResult {
    let mut role = mount.roles.get(name).cloned().unwrap_or_default();
    for (key, value) in &request.body {
        role.insert(key.clone(), value.clone());
    }
    let role_type = role
        .get("role_type")
        .and_then(Value::as_str)
        .unwrap_or("oidc")
        .to_string();
    if role_type != "jwt" && role_type != "oidc" {
        return Err(VaultError::bad_request(format!(
            "invalid 'role_type': {role_type}"
        )));
    }
    role.insert("role_type".into(), json!(role_type));
    if role
        .get("user_claim")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(VaultError::bad_request(
            "a user claim must be defined on the role",
        ));
    }
    let audiences = role
        .get("bound_audiences")
        .map(string_list)
        .unwrap_or_default();
    role.insert("bound_audiences".into(), json!(audiences));
    let bound_claims = match role.get("bound_claims") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(claims)) => claims.clone(),
        Some(_) => {
            return Err(VaultError::bad_request(
                "bound_claims must be a map of claim names to a value or a list of values",
            ));
        }
    };
    let claims_type = role
        .get("bound_claims_type")
        .and_then(Value::as_str)
        .unwrap_or("string")
        .to_string();
    if claims_type != "string" && claims_type != "glob" {
        return Err(VaultError::bad_request(format!(
            "invalid 'bound_claims_type': {claims_type}"
        )));
    }
    role.insert("bound_claims_type".into(), json!(claims_type));
    let subject = role
        .get("bound_subject")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if role_type == "jwt" && audiences.is_empty() && subject.is_empty() && bound_claims.is_empty() {
        return Err(VaultError::bad_request(
            "a jwt role needs a bound constraint: bound_audiences, bound_subject or bound_claims",
        ));
    }
    let mut policies = role
        .get("token_policies")
        .map(string_list)
        .unwrap_or_default();
    if policies.is_empty() {
        policies = role.get("policies").map(string_list).unwrap_or_default();
    }
    role.remove("policies");
    role.insert("token_policies".into(), json!(policies));
    for ttl in ["token_ttl", "token_max_ttl", "token_explicit_max_ttl"] {
        if let Some(value) = role.get(ttl).cloned() {
            let seconds = parse_seconds(&value)
                .ok_or_else(|| VaultError::bad_request(format!("invalid {ttl}: {value}")))?;
            role.insert(ttl.into(), json!(seconds));
        }
    }
    mount.roles.insert(name.to_string(), role);
    no_content()
}

fn role_json(role: &Map<String, Value>) -> Value {
    let mut data = json!({
        "role_type": "oidc",
        "bound_audiences": [],
        "bound_subject": "",
        "bound_claims": null,
        "bound_claims_type": "string",
        "claim_mappings": null,
        "clock_skew_leeway": 60,
        "expiration_leeway": DEFAULT_EXPIRATION_LEEWAY,
        "not_before_leeway": DEFAULT_NOT_BEFORE_LEEWAY,
        "token_policies": [],
        "token_ttl": 0,
        "token_max_ttl": 0,
        "token_explicit_max_ttl": 0,
        "token_no_default_policy": false,
        "token_type": "default",
        "user_claim": "",
    });
    for (key, value) in role {
        data[key] = value.clone();
    }
    data["policies"] = data["token_policies"].clone();
    data
}

/// `auth/<mount>/login` when `<mount>` is an enabled JWT method; `None` otherwise (the
/// request then goes through authentication like any other).
pub fn login(state: &mut VaultState, key: &str, request: &VaultRequest) -> VaultResult {
    if request.operation != Operation::Write {
        return Err(VaultError::unsupported_operation());
    }
    let Some(mount) = state.auth_mounts.get(key) else {
        return Err(VaultError::unsupported_path());
    };
    let config = mount.config.clone().ok_or_else(|| {
        VaultError::bad_request(
            "could not load configuration: the JWT auth method is not configured",
        )
    })?;
    let role_name = request
        .body
        .get("role")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .or_else(|| config.get("default_role").and_then(Value::as_str))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| VaultError::bad_request("missing role"))?
        .to_lowercase();
    let role =
        mount.roles.get(&role_name).cloned().ok_or_else(|| {
            VaultError::bad_request(format!("role {role_name:?} could not be found"))
        })?;
    if role.get("role_type").and_then(Value::as_str) != Some("jwt") {
        return Err(VaultError::bad_request(format!(
            "role {role_name:?} has role_type \"oidc\": only roles of type \"jwt\" log in with a JWT"
        )));
    }
    let jwt = request
        .body
        .get("jwt")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty())
        .ok_or_else(|| VaultError::bad_request("missing token"))?;
    let claims = verify(jwt, &config, &role).map_err(VaultError::bad_request)?;
    let user = match claims.get(role_str(&role, "user_claim")) {
        Some(Value::String(user)) => user.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(VaultError::bad_request(format!(
                "claim {:?} not found in token",
                role_str(&role, "user_claim")
            )));
        }
    };
    let mut policies = role
        .get("token_policies")
        .map(string_list)
        .unwrap_or_default();
    if !role
        .get("token_no_default_policy")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && !policies.iter().any(|p| p == "default")
    {
        policies.push("default".into());
    }
    policies.sort();
    policies.dedup();
    let seconds = |name: &str| role.get(name).and_then(parse_seconds).unwrap_or(0);
    let ttl = match seconds("token_ttl") {
        0 => DEFAULT_TOKEN_TTL,
        ttl => ttl,
    };
    let cap = match (seconds("token_explicit_max_ttl"), seconds("token_max_ttl")) {
        (0, max) => max,
        (explicit, 0) => explicit,
        (explicit, max) => explicit.min(max),
    };
    let ttl = if cap > 0 { ttl.min(cap) } else { ttl };
    let mount_path = key
        .strip_prefix(&request.ns_prefix())
        .unwrap_or(key)
        .trim_end_matches('/')
        .to_string();
    let token = state.issue_token(NewToken {
        policies,
        display_name: format!("{mount_path}-{user}"),
        path: format!("auth/{mount_path}/login"),
        ttl,
        renewable: true,
        explicit_max_ttl: cap,
        orphan: true,
        namespace: request.namespace.clone(),
        meta: Some(BTreeMap::from([("role".to_string(), role_name)])),
    });
    Ok(Reply::Auth(auth_json(&token, token.ttl)))
}

fn role_str<'r>(role: &'r Map<String, Value>, name: &str) -> &'r str {
    role.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Checks a compact JWS against the configuration and the role; returns its claims.
fn verify(
    jwt: &str,
    config: &Map<String, Value>,
    role: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut parts = jwt.trim().split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("error validating token: not a compact JWS (three dot-separated parts)".into());
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|e| format!("error validating token: the {what} is not base64url: {e}"))
    };
    let header: Map<String, Value> = serde_json::from_slice(&decode(header_b64, "header")?)
        .map_err(|_| "error validating token: the header is not a JSON object".to_string())?;
    let claims: Map<String, Value> = serde_json::from_slice(&decode(payload_b64, "payload")?)
        .map_err(|_| "error validating token: the claims are not a JSON object".to_string())?;
    let signature = decode(signature_b64, "signature")?;
    let alg_name = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let alg = Alg::parse(alg_name).ok_or_else(|| {
        format!("error validating token: unsupported signing algorithm {alg_name:?}")
    })?;
    if let Some(allowed) = config.get("jwt_supported_algs").map(string_list)
        && !allowed.is_empty()
        && !allowed.iter().any(|a| a == alg_name)
    {
        return Err(format!(
            "error validating token: signing algorithm {alg_name:?} is not in jwt_supported_algs"
        ));
    }
    let message = format!("{header_b64}.{payload_b64}");
    let keys = config
        .get("jwt_validation_pubkeys")
        .map(pem_list)
        .unwrap_or_default();
    let verified = keys.iter().any(|pem| {
        PublicKey::from_pem(pem).is_ok_and(|key| key.verify(alg, message.as_bytes(), &signature))
    });
    if !verified {
        return Err(
            "error validating token: the signature does not verify with any key in jwt_validation_pubkeys"
                .into(),
        );
    }

    let now = now_unix();
    let leeway = |name: &str, default: i64| {
        role.get(name)
            .and_then(parse_seconds)
            .map_or(default, |s| s as i64)
    };
    let number = |name: &str| claims.get(name).and_then(Value::as_f64).map(|n| n as i64);
    if let Some(exp) = number("exp")
        && now > exp + leeway("expiration_leeway", DEFAULT_EXPIRATION_LEEWAY)
    {
        return Err("error validating claims: the token has expired (exp)".into());
    }
    if let Some(nbf) = number("nbf")
        && now + leeway("not_before_leeway", DEFAULT_NOT_BEFORE_LEEWAY) < nbf
    {
        return Err("error validating claims: the token is not valid yet (nbf)".into());
    }
    if let Some(issuer) = config
        .get("bound_issuer")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty())
        && claims.get("iss").and_then(Value::as_str) != Some(issuer)
    {
        return Err("error validating claims: the issuer (iss) is not the bound issuer".into());
    }
    let token_audiences = match claims.get("aud") {
        Some(aud @ Value::String(_)) | Some(aud @ Value::Array(_)) => string_list(aud),
        _ => Vec::new(),
    };
    let bound_audiences = role
        .get("bound_audiences")
        .map(string_list)
        .unwrap_or_default();
    if bound_audiences.is_empty() && !token_audiences.is_empty() {
        return Err(
            "error validating claims: the token has an audience (aud) but the role binds none"
                .into(),
        );
    }
    if !bound_audiences.is_empty() && !token_audiences.iter().any(|a| bound_audiences.contains(a)) {
        return Err(
            "error validating claims: no audience (aud) of the token is bound to the role".into(),
        );
    }
    let subject = role_str(role, "bound_subject");
    if !subject.is_empty() && claims.get("sub").and_then(Value::as_str) != Some(subject) {
        return Err("error validating claims: the subject (sub) is not the bound subject".into());
    }
    let glob = role_str(role, "bound_claims_type") == "glob";
    if let Some(Value::Object(bound)) = role.get("bound_claims") {
        for (name, expected) in bound {
            let allowed = string_list(expected);
            let actual: Vec<String> = match claims.get(name) {
                Some(Value::Array(items)) => items.iter().filter_map(claim_text).collect(),
                Some(value) => claim_text(value).into_iter().collect(),
                None => Vec::new(),
            };
            let ok = actual.iter().any(|value| {
                allowed.iter().any(|pattern| {
                    if glob {
                        glob_match(pattern, value)
                    } else {
                        pattern == value
                    }
                })
            });
            if !ok {
                return Err(format!(
                    "error validating claims: claim {name:?} does not match any bound value"
                ));
            }
        }
    }
    Ok(claims)
}

fn claim_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `*` matches any run of characters; everything else is literal.
fn glob_match(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let mut rest = value;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// A JWS signing algorithm the sandbox verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    EdDsa,
}

impl Alg {
    fn parse(name: &str) -> Option<Alg> {
        Some(match name {
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            "EdDSA" => Alg::EdDsa,
            _ => return None,
        })
    }
}

/// The kind of a public key and its bytes as `ring` takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PublicKey {
    /// PKCS#1 `RSAPublicKey` DER.
    Rsa(Vec<u8>),
    /// Uncompressed point on P-256.
    P256(Vec<u8>),
    /// Uncompressed point on P-384.
    P384(Vec<u8>),
    /// 32-byte Ed25519 key.
    Ed25519(Vec<u8>),
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

impl PublicKey {
    fn from_pem(pem: &str) -> Result<PublicKey, String> {
        let label = pem
            .lines()
            .find_map(|l| l.trim().strip_prefix("-----BEGIN "))
            .and_then(|l| l.strip_suffix("-----"))
            .ok_or("not a PEM block")?
            .to_string();
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----") && !l.is_empty())
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|e| format!("the PEM body is not base64: {e}"))?;
        match label.as_str() {
            "RSA PUBLIC KEY" => Ok(PublicKey::Rsa(der)),
            "PUBLIC KEY" => Self::from_spki(&der),
            other => Err(format!("a {other:?} PEM block is not a public key")),
        }
    }

    /// `SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { oid, params }, BIT STRING }`.
    fn from_spki(der: &[u8]) -> Result<PublicKey, String> {
        let bad = || "not a DER SubjectPublicKeyInfo".to_string();
        let (spki, _) = der_element(der, 0x30).ok_or_else(bad)?;
        let (algorithm, rest) = der_element(spki, 0x30).ok_or_else(bad)?;
        let (bits, _) = der_element(rest, 0x03).ok_or_else(bad)?;
        let (unused, key) = bits.split_first().ok_or_else(bad)?;
        if *unused != 0 {
            return Err(bad());
        }
        let (oid, params) = der_element(algorithm, 0x06).ok_or_else(bad)?;
        let key = key.to_vec();
        match oid {
            OID_RSA => Ok(PublicKey::Rsa(key)),
            OID_ED25519 => Ok(PublicKey::Ed25519(key)),
            OID_EC => match der_element(params, 0x06).map(|(curve, _)| curve) {
                Some(OID_P256) => Ok(PublicKey::P256(key)),
                Some(OID_P384) => Ok(PublicKey::P384(key)),
                _ => Err("an elliptic curve other than P-256 and P-384".into()),
            },
            _ => Err("a key type other than RSA, EC and Ed25519".into()),
        }
    }

    fn verify(&self, alg: Alg, message: &[u8], signature_bytes: &[u8]) -> bool {
        let (algorithm, key): (&'static dyn VerificationAlgorithm, &[u8]) = match (self, alg) {
            (PublicKey::Rsa(k), Alg::Rs256) => (&signature::RSA_PKCS1_2048_8192_SHA256, k),
            (PublicKey::Rsa(k), Alg::Rs384) => (&signature::RSA_PKCS1_2048_8192_SHA384, k),
            (PublicKey::Rsa(k), Alg::Rs512) => (&signature::RSA_PKCS1_2048_8192_SHA512, k),
            (PublicKey::Rsa(k), Alg::Ps256) => (&signature::RSA_PSS_2048_8192_SHA256, k),
            (PublicKey::Rsa(k), Alg::Ps384) => (&signature::RSA_PSS_2048_8192_SHA384, k),
            (PublicKey::Rsa(k), Alg::Ps512) => (&signature::RSA_PSS_2048_8192_SHA512, k),
            (PublicKey::P256(k), Alg::Es256) => (&signature::ECDSA_P256_SHA256_FIXED, k),
            (PublicKey::P384(k), Alg::Es384) => (&signature::ECDSA_P384_SHA384_FIXED, k),
            (PublicKey::Ed25519(k), Alg::EdDsa) => (&signature::ED25519, k),
            _ => return false,
        };
        UnparsedPublicKey::new(algorithm, key)
            .verify(message, signature_bytes)
            .is_ok()
    }
}

/// The content of the DER element with `tag` at the start of `input`, and what follows it.
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len_byte, rest) = rest.split_first()?;
    let (len, rest) = if len_byte < 0x80 {
        (usize::from(len_byte), rest)
    } else {
        let count = usize::from(len_byte & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some(rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(
            "organization:acme:*",
            "organization:acme:workspace:x"
        ));
        assert!(glob_match("*:apply", "run_phase:apply"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*e", "abcd"));
        assert!(!glob_match("exact", "exact2"));
    }

    #[test]
    fn malformed_keys_and_tokens_are_refused_without_panicking() {
        assert!(PublicKey::from_pem("junk").is_err());
        assert!(
            PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
                .is_err()
        );
        assert!(der_element(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], 0x30).is_none());
        let config = Map::new();
        let role = Map::new();
        for jwt in [
            "",
            "a.b",
            "a.b.c",
            "e30.e30.",
            "e30.e30.e30.e30",
            "!!.??.**",
        ] {
            assert!(verify(jwt, &config, &role).is_err(), "{jwt:?}");
        }
    }
}
