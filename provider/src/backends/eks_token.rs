//! EKS authentication tokens, presigned by the provider, as `aws eks get-token` makes them:
//! `k8s-aws-v1.` followed by the unpadded base64url of an STS `GetCallerIdentity` URL
//! presigned with Signature Version 4 (the official `aws-sigv4` crate), with the cluster's
//! name in the signed header `x-k8s-aws-id`. The cluster's authenticator sends that request
//! to STS to learn who the caller is. Tokens live 15 minutes; one is made per apply or
//! refresh and never stored.
//!
//! The credentials come from [`super::aws_credentials`] (the SDKs' chain, or a role assumed
//! with a web identity token). `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, overrides the
//! STS endpoint the token names, as with the AWS SDKs.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// How long the presigned URL is valid, in seconds (what `aws eks get-token` uses).
const EXPIRES_SECONDS: u64 = 60;
const TOKEN_PREFIX: &str = "k8s-aws-v1.";
const CLUSTER_HEADER: &str = "x-k8s-aws-id";

/// The STS endpoint of a region (or `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`), as
/// `scheme://host[:port]`.
pub fn sts_endpoint(region: &str) -> String {
    for variable in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
        if let Ok(url) = std::env::var(variable)
            && let Ok(parsed) = url::Url::parse(url.trim())
            && let Some(host) = parsed.host_str()
        {
            return match parsed.port() {
                Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
                None => format!("{}://{host}", parsed.scheme()),
            };
        }
    }
    format!("https://sts.{region}.amazonaws.com")
}

/// The presigned `GetCallerIdentity` URL for `cluster`, signed at `time`.
pub fn presigned_url(
    credentials: &Credentials,
    region: &str,
    cluster: &str,
    time: SystemTime,
) -> Result<String, String> {
    let endpoint = sts_endpoint(region);
    let host = endpoint
        .split_once("://")
        .map(|(_, host)| host.to_string())
        .unwrap_or_default();
    let url = format!("{endpoint}/?Action=GetCallerIdentity&Version=2011-06-15");
    let identity = Identity::from(credentials.clone());
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(EXPIRES_SECONDS));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| format!("the token cannot be signed: {e}"))?
        .into();
    let headers = [("host", host.as_str()), (CLUSTER_HEADER, cluster)];
    let signable = SignableRequest::new("GET", &url, headers.into_iter(), SignableBody::Bytes(&[]))
        .map_err(|e| format!("the token cannot be signed: {e}"))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| format!("the token cannot be signed: {e}"))?
        .into_parts();
    let mut request = http::Request::builder()
        .method("GET")
        .uri(&url)
        .body(())
        .map_err(|e| format!("the token cannot be signed: {e}"))?;
    instructions.apply_to_request_http1x(&mut request);
    Ok(request.uri().to_string())
}

/// A bearer token for the EKS cluster `cluster` in `region`, valid for 15 minutes.
pub fn token(credentials: &Credentials, region: &str, cluster: &str) -> Result<String, String> {
    let url = presigned_url(credentials, region, cluster, SystemTime::now())?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query parameters of a URL, decoded.
    fn query(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn presigned_url_has_the_query_sts_expects() {
        let credentials = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            Some("tok/en+".into()),
            None,
            "test",
        );
        // 2024-05-01T10:11:12Z
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_558_272);
        let url = presigned_url(&credentials, "eu-west-1", "ff-wm-prod", at).expect("signed");
        assert!(
            url.starts_with(
                "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"
            ),
            "{url}"
        );
        let params = query(&url);
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
        assert_eq!(
            get("X-Amz-Credential"),
            "AKIDEXAMPLE/20240501/eu-west-1/sts/aws4_request"
        );
        assert_eq!(get("X-Amz-Date"), "20240501T101112Z");
        assert_eq!(get("X-Amz-Expires"), "60");
        assert_eq!(get("X-Amz-SignedHeaders"), "host;x-k8s-aws-id");
        assert_eq!(get("X-Amz-Security-Token"), "tok/en+");
        assert_eq!(get("X-Amz-Signature").len(), 64);
        // Deterministic for the same inputs, different for another cluster.
        let again = presigned_url(&credentials, "eu-west-1", "ff-wm-prod", at).expect("signed");
        assert_eq!(url, again);
        let other = presigned_url(&credentials, "eu-west-1", "ff-other", at).expect("signed");
        assert_ne!(url, other);
        let t = token(&credentials, "eu-west-1", "ff-wm-prod").expect("token");
        assert!(t.starts_with("k8s-aws-v1.") && !t.contains('='));
    }

    /// The signature is the one the Signature Version 4 documentation's algorithm gives,
    /// computed here independently of the crate (the sandbox's verifier does the same).
    #[test]
    fn the_signature_is_signature_version_4() {
        use hmac::{Hmac, Mac};
        use sha2::{Digest, Sha256};
        fn mac(key: &[u8], data: &str) -> Vec<u8> {
            let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
            m.update(data.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        fn enc(text: &str) -> String {
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
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let credentials = Credentials::new("AKIDEXAMPLE", secret, None, None, "test");
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_558_272);
        let url = presigned_url(&credentials, "eu-west-1", "ff-wm-prod", at).expect("signed");
        let mut params = query(&url);
        let signature = params
            .iter()
            .find(|(k, _)| k == "X-Amz-Signature")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        params.retain(|(k, _)| k != "X-Amz-Signature");
        params.sort();
        let canonical_query = params
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let canonical = format!(
            "GET\n/\n{canonical_query}\nhost:sts.eu-west-1.amazonaws.com\nx-k8s-aws-id:ff-wm-prod\n\nhost;x-k8s-aws-id\n{}",
            hex::encode(Sha256::digest(b""))
        );
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n20240501T101112Z\n20240501/eu-west-1/sts/aws4_request\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut key = mac(format!("AWS4{secret}").as_bytes(), "20240501");
        for part in ["eu-west-1", "sts", "aws4_request"] {
            key = mac(&key, part);
        }
        assert_eq!(hex::encode(mac(&key, &to_sign)), signature);
    }
}
