//! EKS authentication tokens, presigned by the provider from the AWS credentials in its
//! environment, as `aws eks get-token` makes them: `k8s-aws-v1.` followed by the unpadded
//! base64url of an STS `GetCallerIdentity` URL presigned with Signature Version 4
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>), with the
//! cluster's name in the signed header `x-k8s-aws-id`. The cluster's authenticator calls
//! that URL to learn who the caller is. Tokens live 15 minutes; one is made per apply or
//! refresh and never stored.
//!
//! Credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (what
//! Terraform Cloud and CI systems export). Profiles, SSO and instance roles are not read:
//! use `exec` with `aws eks get-token` for those. `AWS_ENDPOINT_URL_STS` overrides the STS
//! endpoint, as with the AWS SDKs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How long the presigned URL is valid, in seconds (what `aws eks get-token` uses).
const EXPIRES_SECONDS: u32 = 60;
const TOKEN_PREFIX: &str = "k8s-aws-v1.";
const CLUSTER_HEADER: &str = "x-k8s-aws-id";

/// AWS credentials.
#[derive(Clone)]
pub struct AwsCredentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token of temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AwsCredentials({}, ..)", self.access_key_id)
    }
}

impl AwsCredentials {
    /// The credentials of the environment, or the names of the missing variables.
    pub fn from_env() -> Result<Self, String> {
        let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret_access_key)) => Ok(Self {
                access_key_id,
                secret_access_key,
                session_token: get("AWS_SESSION_TOKEN"),
            }),
            _ => Err(
                "the eks authentication presigns a token with the AWS credentials of the environment, \
                 but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set (profiles and SSO \
                 are not read: use an exec block running `aws eks get-token` for those)"
                    .to_string(),
            ),
        }
    }
}

/// The STS endpoint of a region (or `AWS_ENDPOINT_URL_STS`), as `(scheme, host)`.
fn sts_endpoint(region: &str) -> (String, String) {
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL_STS")
        && let Ok(parsed) = url::Url::parse(&url)
        && let Some(host) = parsed.host_str()
    {
        let host = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        return (parsed.scheme().to_string(), host);
    }
    ("https".into(), format!("sts.{region}.amazonaws.com"))
}

/// RFC 3986 encoding of a query component, as Signature Version 4 wants it.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC accepts keys of any length; the error case cannot happen.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The Signature Version 4 signing key of a day, region and service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac(&k_date, region);
    let k_service = hmac(&k_region, service);
    hmac(&k_service, "aws4_request")
}

/// The presigned `GetCallerIdentity` URL for `cluster`, signed at `amz_date`
/// (`YYYYMMDDTHHMMSSZ`).
pub fn presigned_url(
    credentials: &AwsCredentials,
    region: &str,
    cluster: &str,
    amz_date: &str,
) -> String {
    let (scheme, host) = sts_endpoint(region);
    let date = &amz_date[..8.min(amz_date.len())];
    let scope = format!("{date}/{region}/sts/aws4_request");
    let mut query: Vec<(String, String)> = vec![
        ("Action".into(), "GetCallerIdentity".into()),
        ("Version".into(), "2011-06-15".into()),
        ("X-Amz-Algorithm".into(), "AWS4-HMAC-SHA256".into()),
        (
            "X-Amz-Credential".into(),
            format!("{}/{scope}", credentials.access_key_id),
        ),
        ("X-Amz-Date".into(), amz_date.to_string()),
        ("X-Amz-Expires".into(), EXPIRES_SECONDS.to_string()),
        (
            "X-Amz-SignedHeaders".into(),
            format!("host;{CLUSTER_HEADER}"),
        ),
    ];
    if let Some(token) = &credentials.session_token {
        query.push(("X-Amz-Security-Token".into(), token.clone()));
    }
    query.sort();
    let canonical_query = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let empty_payload = hex::encode(Sha256::digest(b""));
    let canonical_request = format!(
        "GET\n/\n{canonical_query}\nhost:{host}\n{CLUSTER_HEADER}:{cluster}\n\nhost;{CLUSTER_HEADER}\n{empty_payload}"
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let key = signing_key(&credentials.secret_access_key, date, region, "sts");
    let signature = hex::encode(hmac(&key, &string_to_sign));
    format!("{scheme}://{host}/?{canonical_query}&X-Amz-Signature={signature}")
}

/// A bearer token for the EKS cluster `cluster` in `region`, valid for 15 minutes.
pub fn token(credentials: &AwsCredentials, region: &str, cluster: &str) -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let amz_date = now.format(&format).unwrap_or_default();
    let url = presigned_url(credentials, region, cluster, &amz_date);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of AWS's "derive a signing key" documentation.
    #[test]
    fn signing_key_matches_the_aws_example() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn presigned_url_has_the_query_sts_expects() {
        let credentials = AwsCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("tok/en+".into()),
        };
        let url = presigned_url(&credentials, "eu-west-1", "ff-wm-prod", "20240501T101112Z");
        assert!(url.starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240501%2Feu-west-1%2Fsts%2Faws4_request&X-Amz-Date=20240501T101112Z&X-Amz-Expires=60&X-Amz-Security-Token=tok%2Fen%2B&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature="), "{url}");
        let signature = url.rsplit("X-Amz-Signature=").next().unwrap_or_default();
        assert_eq!(signature.len(), 64);
        // Deterministic for the same inputs, different for another cluster.
        assert_eq!(
            url,
            presigned_url(&credentials, "eu-west-1", "ff-wm-prod", "20240501T101112Z")
        );
        assert_ne!(
            url,
            presigned_url(&credentials, "eu-west-1", "ff-other", "20240501T101112Z")
        );
        let t = token(&credentials, "eu-west-1", "ff-wm-prod");
        assert!(t.starts_with("k8s-aws-v1.") && !t.contains('='));
    }
}
