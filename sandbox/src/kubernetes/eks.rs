//! EKS-style authentication: a bearer token `k8s-aws-v1.<base64url of a presigned STS
//! GetCallerIdentity URL>` is accepted when its Signature Version 4 signature checks out
//! against the sandbox's own AWS access key, with the sandbox's cluster name in the signed
//! header `x-k8s-aws-id`, signed less than 15 minutes ago — what the EKS authenticator and
//! STS check between them (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>).
//! Nothing is sent to AWS.

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
}

impl Default for EksIdentity {
    fn default() -> Self {
        EksIdentity {
            cluster_name: "ff-sandbox".into(),
            access_key_id: format!("AKIA{}", random_alnum(16).to_ascii_uppercase()),
            secret_access_key: random_alnum(40),
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

#[cfg(test)]
mod tests {
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
