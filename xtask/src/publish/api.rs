//! The HTTP side of publishing: one client for the Terraform Cloud / Enterprise API that
//! authenticates with a bearer token, speaks JSON:API, retries what is safe to retry, turns
//! error answers into messages that keep the server's own `errors[]`, prints every request
//! it makes (never the token) and, in a dry run, prints the writes instead of sending them.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The media type of JSON:API documents.
const JSON_API: &str = "application/vnd.api+json";
/// Attempts per request (the first and the retries).
const ATTEMPTS: u32 = 4;
/// The longest wait before a retry, whatever the server asks.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// The outcome of a read.
#[derive(Debug)]
pub enum Found {
    /// 200 with this JSON:API document.
    Yes(Value),
    /// 404.
    No,
}

/// A write that was sent, or only printed in a dry run.
#[derive(Debug)]
pub enum Written {
    /// Sent; the server answered with this document (`Null` for an empty body).
    Sent(Value),
    /// Dry run: not sent.
    DryRun,
}

/// Client of one Terraform Cloud / Enterprise host.
pub struct Api {
    http: reqwest::Client,
    /// `https://app.terraform.io`, without a trailing slash.
    base: String,
    token: String,
    dry_run: bool,
    runtime: tokio::runtime::Runtime,
}

impl Api {
    /// A client of `base`; `ca_pem` adds trusted CA certificates.
    pub fn new(base: &str, token: String, ca_pem: Option<&[u8]>, dry_run: bool) -> Result<Api> {
        let mut builder = reqwest::Client::builder()
            .user_agent(format!(
                "terraform-provider-ff-xtask/{}",
                ff_provider::VERSION
            ))
            .timeout(Duration::from_secs(300))
            .connect_timeout(Duration::from_secs(30));
        if let Some(pem) = ca_pem {
            for certificate in reqwest::Certificate::from_pem_bundle(pem)
                .context("the CA bundle is not PEM certificates")?
            {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the HTTP runtime")?;
        Ok(Api {
            http: builder.build().context("cannot build the HTTP client")?,
            base: base.trim_end_matches('/').to_string(),
            token,
            dry_run,
            runtime,
        })
    }

    /// The absolute URL of an API path such as `/api/v2/organizations/x`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`: `Found::No` on 404.
    pub fn get(&self, path: &str) -> Result<Found> {
        let url = self.url(path);
        let (status, body) = self.send(Method::GET, &url, None, true)?;
        match status {
            StatusCode::OK => Ok(Found::Yes(body)),
            StatusCode::NOT_FOUND => Ok(Found::No),
            other => Err(api_error(Method::GET, &url, other, &body)),
        }
    }

    /// `POST path` with a JSON:API document; expects 201 (or 200).
    pub fn post(&self, path: &str, document: &Value) -> Result<Written> {
        let url = self.url(path);
        if self.dry_run {
            println!("POST {url}  (dry run: not sent)");
            println!("     Authorization: Bearer <redacted>");
            println!("     Content-Type: {JSON_API}");
            println!("     {}", redact_armor(document));
            return Ok(Written::DryRun);
        }
        let body = serde_json::to_vec(document)?;
        let (status, answer) = self.send(Method::POST, &url, Some(body), true)?;
        match status {
            StatusCode::CREATED | StatusCode::OK => Ok(Written::Sent(answer)),
            other => Err(api_error(Method::POST, &url, other, &answer)),
        }
    }

    /// `PUT` of a file's bytes to an upload link (a pre-signed URL, possibly on another
    /// host: it gets no token).
    pub fn upload(&self, link: Option<&str>, what: &str, bytes: Vec<u8>) -> Result<Written> {
        if self.dry_run {
            println!(
                "PUT  {}  (dry run: not sent; {} bytes of {what})",
                link.unwrap_or("<the upload link of the object created above>"),
                bytes.len()
            );
            return Ok(Written::DryRun);
        }
        let link = link.with_context(|| format!("the registry gave no upload link for {what}"))?;
        let (status, answer) = self.send(Method::PUT, link, Some(bytes), false)?;
        if status.is_success() {
            Ok(Written::Sent(answer))
        } else {
            Err(api_error(Method::PUT, link, status, &answer))
        }
    }

    /// Sends one request, retrying 429 always, and 5xx and transport errors for the
    /// idempotent methods; prints the outcome.
    fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        authenticated: bool,
    ) -> Result<(StatusCode, Value)> {
        let idempotent = method != Method::POST;
        let mut attempt = 1;
        loop {
            let mut request = self.http.request(method.clone(), url);
            if authenticated {
                request = request
                    .bearer_auth(&self.token)
                    .header(reqwest::header::ACCEPT, JSON_API);
                if body.is_some() {
                    request = request.header(reqwest::header::CONTENT_TYPE, JSON_API);
                }
            } else if body.is_some() {
                request = request.header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
            }
            if let Some(body) = &body {
                request = request.body(body.clone());
            }
            let outcome = self.runtime.block_on(async {
                let response = request.send().await?;
                let status = response.status();
                let wait = retry_after(response.headers());
                let bytes = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, wait, bytes))
            });
            match outcome {
                Ok((status, wait, bytes)) => {
                    let retry = status == StatusCode::TOO_MANY_REQUESTS
                        || (status.is_server_error()
                            && (idempotent || status == StatusCode::SERVICE_UNAVAILABLE));
                    println!("{:<4} {url} -> {}", method.as_str(), status.as_u16());
                    if retry && attempt < ATTEMPTS {
                        let wait = wait.unwrap_or_else(|| backoff(attempt)).min(MAX_WAIT);
                        println!(
                            "     retrying in {:.1}s (attempt {} of {ATTEMPTS})",
                            wait.as_secs_f64(),
                            attempt + 1
                        );
                        std::thread::sleep(wait);
                        attempt += 1;
                        continue;
                    }
                    let body = if bytes.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                    };
                    return Ok((status, body));
                }
                Err(err) => {
                    println!(
                        "{:<4} {url} -> failed: {}",
                        method.as_str(),
                        without_url(&err)
                    );
                    if idempotent && attempt < ATTEMPTS {
                        let wait = backoff(attempt);
                        std::thread::sleep(wait);
                        attempt += 1;
                        continue;
                    }
                    bail!("{method} {url} failed: {}", chain(&err));
                }
            }
        }
    }
}

/// How long the server asks to wait: `Retry-After` (seconds) or `X-RateLimit-Reset`
/// (seconds, possibly fractional, as Terraform Cloud sends it).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    ["retry-after", "x-ratelimit-reset"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
        })
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempt.min(6)))
}

fn without_url(err: &reqwest::Error) -> String {
    let mut text = chain(err);
    if let Some(url) = err.url() {
        text = text.replace(url.as_str(), "");
    }
    text
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// An error answer as a message: the status, what it usually means here, and the server's
/// own JSON:API `errors[]` titles and details.
fn api_error(method: Method, url: &str, status: StatusCode, body: &Value) -> anyhow::Error {
    let hint = match status {
        StatusCode::UNAUTHORIZED => {
            " (the token was refused: set TFE_TOKEN to a user or team token of the organization)"
        }
        StatusCode::FORBIDDEN => {
            " (the token lacks the owners team or Manage Private Registry permission)"
        }
        StatusCode::NOT_FOUND => {
            " (the organization does not exist or the token cannot see its registry)"
        }
        _ => "",
    };
    let details: Vec<String> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let title = e["title"].as_str().unwrap_or_default();
                    let detail = e["detail"].as_str().unwrap_or_default();
                    [title, detail]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(": ")
                })
                .collect()
        })
        .unwrap_or_default();
    let server = if details.is_empty() {
        String::new()
    } else {
        format!(": {}", details.join("; "))
    };
    anyhow::anyhow!("{method} {url} answered {status}{hint}{server}")
}

/// A document for printing, with an ASCII-armoured key shortened to its first line (it is
/// public, but long).
fn redact_armor(document: &Value) -> String {
    let mut copy = document.clone();
    if let Some(armor) = copy.pointer_mut("/data/attributes/ascii-armor")
        && let Some(text) = armor.as_str()
    {
        *armor = Value::String(format!(
            "{}… ({} bytes)",
            text.lines().next().unwrap_or_default(),
            text.len()
        ));
    }
    copy.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_messages_keep_the_servers_errors() {
        let err = api_error(
            Method::POST,
            "https://x/api/v2/y",
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"errors": [{"status": "422", "title": "invalid attribute", "detail": "Version has already been taken"}]}),
        );
        assert_eq!(
            err.to_string(),
            "POST https://x/api/v2/y answered 422 Unprocessable Entity: invalid attribute: Version has already been taken"
        );
        let err = api_error(Method::GET, "u", StatusCode::UNAUTHORIZED, &Value::Null);
        assert!(err.to_string().contains("TFE_TOKEN"), "{err}");
    }

    #[test]
    fn retry_after_reads_both_headers() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-ratelimit-reset", "0.25".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
    }

    #[test]
    fn printed_documents_shorten_the_key() {
        let doc = json!({"data": {"type": "gpg-keys", "attributes": {"namespace": "o", "ascii-armor": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n"}}});
        let text = redact_armor(&doc);
        assert!(
            text.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----… ("),
            "{text}"
        );
        assert!(!text.contains("abc"), "{text}");
    }
}
