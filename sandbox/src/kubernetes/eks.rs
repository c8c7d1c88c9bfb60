//! EKS-style authentication of bearer tokens `k8s-aws-v1.<base64url of a presigned STS
//! GetCallerIdentity URL>`, in one of two ways:
//!
//! - **own key** (the default): the token is accepted when its Signature Version 4 signature
//!   checks out against the sandbox's own AWS access key, with the sandbox's cluster name in
//!   the signed header `x-k8s-aws-id`, signed less than 15 minutes ago — what the EKS
//!   authenticator and STS check between them
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>). Nothing
//!   is sent anywhere.
//! - **STS** (`--eks-sts-endpoint URL`): as aws-iam-authenticator does, the token's URL is
//!   checked (STS host, `Action=GetCallerIdentity`, `x-k8s-aws-id` signed, not expired), the
//!   presigned request is sent to STS with the cluster's name in `x-k8s-aws-id`, and the
//!   caller STS answers (its ARN, an assumed role's canonicalised to the role's) must be
//!   mapped in the `aws-auth` ConfigMap of `kube-system` (`mapRoles` / `mapUsers`)
//!   (<https://github.com/kubernetes-sigs/aws-iam-authenticator#how-does-it-work>). Answers
//!   are cached for two minutes per token, as the API server caches webhook answers
//!   (`--authentication-token-webhook-cache-ttl`). Every caller is recorded
//!   (`kubernetes.eks_callers` in the state document). With `--eks-sts-authorization-header`
//!   the query signature is also sent in an `Authorization` header, for STS emulators that
//!   read the caller only from there: moto 5.2.5's server routes a request without that
//!   header to S3 and checks no signature (so in that mode a token's cluster name and
//!   signature are not verified by anyone; the own-key mode checks both).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::util::random_alnum;

/// The AWS identity whose presigned tokens the sandbox accepts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EksIdentity {
    /// The EKS cluster name the tokens must carry.
    pub cluster_name: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Verify tokens through this STS endpoint instead of the own key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sts_endpoint: Option<String>,
    /// Also send the query signature in an `Authorization` header (moto).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sts_authorization_header: bool,
}

/// A caller STS vouched for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EksCaller {
    /// The access key of the token's credential scope.
    pub access_key_id: String,
    /// The ARN STS answered.
    pub arn: String,
    /// The ARN the mapping is looked up by (an assumed role's role ARN).
    pub canonical_arn: String,
    pub account: String,
}

impl Default for EksIdentity {
    fn default() -> Self {
        EksIdentity {
            cluster_name: "ff-sandbox".into(),
            access_key_id: format!("AKIA{}", random_alnum(16).to_ascii_uppercase()),
            secret_access_key: random_alnum(40),
            sts_endpoint: None,
            sts_authorization_header: false,
        }
    }
}

const PREFIX: &str = "k8s-aws-v1.";
const MAX_AGE_SECONDS: i64 = 15 * 60;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len() + 1
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `token` is a valid EKS token for `identity`; the reason when it is not.
pub fn verify(identity: &EksIdentity, token: &str, now: OffsetDateTime) -> Result<(), String> {
    let encoded = token.strip_prefix(PREFIX).ok_or("not an EKS token")?;
    let url = URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or("the token is not base64url")?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("not an https URL")?;
    let (host, query) = rest.split_once("/?").ok_or("no query")?;
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if get("Action").as_deref() != Some("GetCallerIdentity") {
        return Err("not a GetCallerIdentity request".into());
    }
    let signature = get("X-Amz-Signature").ok_or("no signature")?;
    let credential = get("X-Amz-Credential").ok_or("no credential")?;
    let amz_date = get("X-Amz-Date").ok_or("no date")?;
    if get("X-Amz-SignedHeaders").as_deref() != Some("host;x-k8s-aws-id") {
        return Err("the signed headers must be host;x-k8s-aws-id".into());
    }
    let parts: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, "sts", "aws4_request"] = parts.as_slice() else {
        return Err("malformed credential scope".into());
    };
    if *key_id != identity.access_key_id {
        return Err("unknown access key".into());
    }
    let signed_at = time::PrimitiveDateTime::parse(
        &amz_date,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map_err(|_| "malformed X-Amz-Date")?
    .assume_utc();
    if (now - signed_at).whole_seconds().abs() > MAX_AGE_SECONDS {
        return Err("the token has expired".into());
    }
    params.retain(|(k, _)| k != "X-Amz-Signature");
    params.sort();
    let canonical_query = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let canonical_request = format!(
        "GET\n/\n{canonical_query}\nhost:{host}\nx-k8s-aws-id:{}\n\nhost;x-k8s-aws-id\n{}",
        identity.cluster_name,
        hex::encode(Sha256::digest(b""))
    );
    let scope = format!("{date}/{region}/sts/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{}", identity.secret_access_key).as_bytes(),
        date,
    );
    for part in [*region, "sts", "aws4_request"] {
        key = hmac(&key, part);
    }
    if hex::encode(hmac(&key, &to_sign)) != signature {
        return Err("the signature does not match".into());
    }
    Ok(())
}

/// The host and the query pairs of an EKS token's URL.
fn token_url(token: &str) -> Result<(String, Vec<(String, String)>), String> {
    let encoded = token.strip_prefix(PREFIX).ok_or("not an EKS token")?;
    let url = URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or("the token is not base64url")?;
    let parsed = url::Url::parse(&url).map_err(|_| "the token is not a URL")?;
    let host = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return Err("the token's URL has no host".into()),
    };
    if parsed.path() != "/" {
        return Err("the token's URL path is not /".into());
    }
    let params = parsed.query_pairs().into_owned().collect();
    Ok((host, params))
}

/// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` → `arn:aws:iam::ACCOUNT:role/ROLE`, as
/// the authenticator canonicalises callers; other ARNs unchanged.
pub fn canonical_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if let [prefix, partition, "sts", "", account, resource] = parts.as_slice()
        && let Some(rest) = resource.strip_prefix("assumed-role/")
        && let Some((role, _session)) = rest.split_once('/')
    {
        return format!("{prefix}:{partition}:iam::{account}:role/{role}");
    }
    arn.to_string()
}

/// A value of an STS answer, JSON or XML.
fn answer_field(body: &str, name: &str) -> Option<String> {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        return json
            .pointer(&format!(
                "/GetCallerIdentityResponse/GetCallerIdentityResult/{name}"
            ))
            .and_then(|v| v.as_str())
            .map(str::to_string);
    }
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_string())
}

static STS_CACHE: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, EksCaller)>>,
> = std::sync::LazyLock::new(Default::default);

/// How long an answer is reused for the same token.
const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(120);

/// Verify `token` as aws-iam-authenticator does, through the STS at `identity.sts_endpoint`;
/// the caller STS vouches for, or why the token is refused.
pub async fn verify_with_sts(
    identity: &EksIdentity,
    token: &str,
    now: OffsetDateTime,
) -> Result<EksCaller, String> {
    let endpoint = identity
        .sts_endpoint
        .clone()
        .ok_or("no STS endpoint is configured")?;
    if let Ok(cache) = STS_CACHE.lock()
        && let Some((at, caller)) = cache.get(token)
        && at.elapsed() < CACHE_TTL
    {
        return Ok(caller.clone());
    }
    let (host, params) = token_url(token)?;
    let configured = url::Url::parse(&endpoint).map_err(|_| "the STS endpoint is not a URL")?;
    let configured_host = match (configured.host_str(), configured.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return Err("the STS endpoint has no host".into()),
    };
    let aws_host = host.starts_with("sts.") && host.ends_with(".amazonaws.com");
    if host != configured_host && !aws_host {
        return Err(format!("the token names the host {host}, which is not STS"));
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if get("Action").as_deref() != Some("GetCallerIdentity") {
        return Err("not a GetCallerIdentity request".into());
    }
    let signed = get("X-Amz-SignedHeaders").unwrap_or_default();
    if !signed.split(';').any(|h| h == "x-k8s-aws-id") {
        return Err("x-k8s-aws-id is not among the signed headers".into());
    }
    let amz_date = get("X-Amz-Date").ok_or("no date")?;
    let signed_at = time::PrimitiveDateTime::parse(
        &amz_date,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map_err(|_| "malformed X-Amz-Date")?
    .assume_utc();
    if (now - signed_at).whole_seconds().abs() > MAX_AGE_SECONDS {
        return Err("the token has expired".into());
    }
    let credential = get("X-Amz-Credential").ok_or("no credential")?;
    let access_key_id = credential.split('/').next().unwrap_or_default().to_string();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let mut request = client
        .get(format!("{}/?{query}", endpoint.trim_end_matches('/')))
        .header("x-k8s-aws-id", &identity.cluster_name)
        .header("accept", "application/json");
    if identity.sts_authorization_header {
        request = request
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed}, Signature={}",
                    get("X-Amz-Signature").unwrap_or_default()
                ),
            )
            .header("x-amz-date", &amz_date);
        if let Some(session) = get("X-Amz-Security-Token") {
            request = request.header("x-amz-security-token", session);
        }
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("STS at {endpoint} could not be reached: {e}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!("STS answered {status}"));
    }
    let arn = answer_field(&body, "Arn").ok_or("STS answered no Arn")?;
    let caller = EksCaller {
        access_key_id,
        canonical_arn: canonical_arn(&arn),
        account: answer_field(&body, "Account").unwrap_or_default(),
        arn,
    };
    if let Ok(mut cache) = STS_CACHE.lock() {
        cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        cache.insert(
            token.to_string(),
            (std::time::Instant::now(), caller.clone()),
        );
    }
    Ok(caller)
}

/// Whether the `aws-auth` ConfigMap (its `data`) maps the caller: a `mapRoles` entry whose
/// `rolearn`, or a `mapUsers` entry whose `userarn`, is the caller's canonical ARN.
pub fn mapped(aws_auth_data: Option<&serde_json::Value>, caller: &EksCaller) -> bool {
    let Some(data) = aws_auth_data else {
        return false;
    };
    let entries = |key: &str, field: &str| -> Vec<String> {
        data.get(key)
            .and_then(|v| v.as_str())
            .and_then(|yaml| serde_yaml::from_str::<Vec<serde_json::Value>>(yaml).ok())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.get(field).and_then(|a| a.as_str()).map(str::to_string))
            .collect()
    };
    entries("mapRoles", "rolearn")
        .into_iter()
        .chain(entries("mapUsers", "userarn"))
        .any(|arn| arn == caller.canonical_arn || arn == caller.arn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn callers_are_canonicalised_and_mapped_as_the_authenticator_does() {
        assert_eq!(
            canonical_arn("arn:aws:sts::123456789012:assumed-role/tfc-wm-prod/run-1"),
            "arn:aws:iam::123456789012:role/tfc-wm-prod"
        );
        assert_eq!(
            canonical_arn("arn:aws:iam::123456789012:user/alice"),
            "arn:aws:iam::123456789012:user/alice"
        );
        let caller = EksCaller {
            access_key_id: "ASIA".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/tfc-wm-prod/run-1".into(),
            canonical_arn: "arn:aws:iam::123456789012:role/tfc-wm-prod".into(),
            account: "123456789012".into(),
        };
        let data = serde_json::json!({"mapRoles": "- rolearn: arn:aws:iam::123456789012:role/tfc-wm-prod\n  username: tfc\n  groups: [system:masters]\n"});
        assert!(mapped(Some(&data), &caller));
        let other =
            serde_json::json!({"mapRoles": "- rolearn: arn:aws:iam::123456789012:role/other\n"});
        assert!(!mapped(Some(&other), &caller));
        assert!(!mapped(None, &caller));
        assert_eq!(
            answer_field(
                "<GetCallerIdentityResult><Arn>arn:x</Arn></GetCallerIdentityResult>",
                "Arn"
            )
            .as_deref(),
            Some("arn:x")
        );
    }

    use super::*;

    #[test]
    fn refuses_what_is_not_a_signed_token() {
        let identity = EksIdentity::default();
        let now = OffsetDateTime::now_utc();
        assert!(verify(&identity, "k8s-aws-v1.!!", now).is_err());
        let url = URL_SAFE_NO_PAD.encode(
            "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Signature=00",
        );
        assert_eq!(
            verify(&identity, &format!("{PREFIX}{url}"), now),
            Err("no credential".to_string())
        );
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
        assert_eq!(decode("a%2Fb%20c"), "a/b c");
    }
}
