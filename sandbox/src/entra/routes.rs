//! `POST /<tenant>/oauth2/v2.0/token` with `grant_type=client_credentials`, as documented in
//! <https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow>:
//! the client's credentials in the form body or, "per RFC 6749", in an
//! `Authorization: Basic` header — a client secret, or a client assertion
//! (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`: a
//! certificate's or a federated token, checked in [`super::assertion`]); errors as `{error,
//! error_description, error_codes, timestamp, trace_id, correlation_id}`, the description
//! starting with the `AADSTS` code and ending with the trace and correlation ids and the time.
//!
//! The managed identity endpoints on the same port: IMDS's `GET
//! /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…` with `Metadata: true`
//! (<https://learn.microsoft.com/en-us/entra/identity/managed-identities-azure-resources/how-to-use-vm-token>)
//! and App Service's / Container Apps' `GET /msi/token?api-version=2019-08-01&resource=…` with
//! `X-IDENTITY-HEADER` (<https://learn.microsoft.com/en-us/azure/app-service/overview-managed-identity#rest-endpoint-reference>).

use std::sync::Arc;

use axum::Router;
use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::json;

use super::Entra;
use super::assertion::{Certificate, Jwt, issuer_keys};
use super::state::{AKS_SERVER_APP_ID, TOKEN_LIFETIME};
use crate::util::{lock, now_unix, random_uuid};

/// The client assertion type of RFC 7523.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn router(shared: Arc<Entra>) -> Router {
    Router::new()
        .route("/:tenant/oauth2/v2.0/token", post(token))
        .route("/metadata/identity/oauth2/token", get(imds_token))
        .route("/msi/token", get(app_service_token))
        .fallback(not_found)
        .with_state(shared)
}

/// An error as Entra ID writes it.
fn error(status: StatusCode, code: &str, aadsts: u32, description: &str) -> Response {
    let (trace_id, correlation_id) = (random_uuid(), random_uuid());
    // Entra's timestamps: `2016-01-09 02:02:12Z`.
    let timestamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default();
    (
        status,
        axum::Json(json!({
            "error": code,
            "error_description": format!(
                "AADSTS{aadsts}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
            ),
            "error_codes": [aadsts],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        })),
    )
        .into_response()
}

/// `Authorization: Basic base64(client_id:client_secret)`, each part form-URL-encoded
/// (RFC 6749 section 2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |part: &str| -> String {
        url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

/// The answer for an injected `status` fault.
pub fn injected_status(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(
        status,
        "temporarily_unavailable",
        90033,
        "ff-sandbox injected fault",
    )
}

/// The answer for an injected `rate_limit` fault.
pub fn rate_limited(retry_after_s: u64) -> Response {
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        50196,
        "The server terminated an operation because it encountered a client request loop.",
    );
    response
        .headers_mut()
        .insert("retry-after", axum::http::HeaderValue::from(retry_after_s));
    response
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn token(
    State(shared): State<Arc<Entra>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fields = form(&body);
    if let Some((id, secret)) = basic_credentials(&headers) {
        fields.push(("client_id".into(), id));
        fields.push(("client_secret".into(), secret));
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (client_id, certificates, credentials) = {
        let state = lock(&shared.state);
        if tenant != state.tenant_id {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90002,
                &format!("Tenant '{tenant}' not found."),
            );
        }
        if field("grant_type").as_deref() != Some("client_credentials") {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            );
        }
        if field("client_id").as_deref() != Some(state.client_id.as_str()) {
            return error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700016,
                "Application was not found in the directory.",
            );
        }
        if let Some(secret) = field("client_secret") {
            if secret != state.client_secret {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided.",
                );
            }
        } else if field("client_assertion").is_none() {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            );
        }
        (
            state.client_id.clone(),
            state.certificates.clone(),
            state.federated_credentials.clone(),
        )
    };
    if field("client_secret").is_none() {
        let Some(assertion) = field("client_assertion") else {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            );
        };
        if field("client_assertion_type").as_deref() != Some(JWT_BEARER) {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50027,
                &format!("Invalid client_assertion_type: it must be '{JWT_BEARER}'."),
            );
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let endpoint = format!("http://{host}/{tenant}/oauth2/v2.0/token");
        if let Some(refused) = check_assertion(
            &assertion,
            &client_id,
            &certificates,
            &credentials,
            &endpoint,
        )
        .await
        {
            return refused;
        }
    }
    let scope = field("scope").unwrap_or_default();
    let Some(audience) = scope.strip_suffix("/.default") else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
        );
    };
    if audience != AKS_SERVER_APP_ID {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!("The resource principal named {audience} was not found in the tenant."),
        );
    }
    let access_token = lock(&shared.state).issue(audience);
    axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "access_token": access_token,
    }))
    .into_response()
}

/// A client assertion of the application `client_id`: a certificate's (issued by the
/// application itself) or a federated token; `Err` is Entra's answer.
async fn check_assertion(
    assertion: &str,
    client_id: &str,
    certificates: &[String],
    credentials: &[super::state::FederatedCredential],
    endpoint: &str,
) -> Option<Response> {
    let invalid = |aadsts: u32, description: &str| {
        Some(error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            aadsts,
            description,
        ))
    };
    let Some(jwt) = Jwt::decode(assertion) else {
        return invalid(50027, "JWT token is invalid or malformed.");
    };
    let issuer = jwt.claim("iss").unwrap_or_default().to_string();
    let subject = jwt.claim("sub").unwrap_or_default().to_string();
    if let Err(when) = jwt.check_time(now_unix()) {
        return invalid(
            700024,
            &format!("Client assertion is not within its valid time range. {when}"),
        );
    }
    if issuer == client_id {
        // A certificate credential of the application.
        if subject != client_id {
            return invalid(
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            );
        }
        if !jwt.audiences().iter().any(|a| a == endpoint) {
            return invalid(
                700027,
                &format!(
                    "Client assertion failed signature validation. [Reason - The audience of the assertion is not the token endpoint {endpoint}.]"
                ),
            );
        }
        let registered: Vec<Certificate> = certificates
            .iter()
            .filter_map(|pem| Certificate::from_pem(pem))
            .collect();
        let Some(certificate) = registered.iter().find(|c| c.named_by(&jwt)) else {
            let named = jwt
                .header
                .get("x5t")
                .and_then(serde_json::Value::as_str)
                .and_then(|t| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(t)
                        .ok()
                })
                .map(hex::encode_upper)
                .unwrap_or_default();
            return invalid(
                700027,
                &format!(
                    "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{named}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]"
                ),
            );
        };
        if !jwt.verify_pkcs1(&certificate.public_key) {
            return invalid(700027, "Client assertion failed signature validation.");
        }
        return None;
    }
    // A federated token: a credential of the application must name its issuer, subject and
    // one of its audiences.
    let audiences = jwt.audiences();
    let matched = credentials.iter().any(|c| {
        c.issuer == issuer
            && c.subject == subject
            && c.audiences.iter().any(|a| audiences.contains(a))
    });
    if !matched {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            70021,
            &format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{}'.",
                audiences.join(",")
            ),
        ));
    }
    let keys = match issuer_keys(&issuer).await {
        Ok(keys) => keys,
        Err(reason) => {
            tracing::debug!(issuer, reason, "the issuer's keys could not be fetched");
            return Some(error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50166,
                &format!("Request to External OIDC endpoint failed. Issuer: '{issuer}'."),
            ));
        }
    };
    let kid = jwt
        .header
        .get("kid")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    let candidates: Vec<_> = keys
        .iter()
        .filter(|(k, _, _)| kid.is_none() || k == &kid)
        .collect();
    if candidates.is_empty() {
        return invalid(
            50013,
            "Assertion failed signature validation. [Reason - The key was not found.]",
        );
    }
    if !candidates.iter().any(|(_, n, e)| jwt.verify_rsa(n, e)) {
        return invalid(
            50013,
            "Assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]",
        );
    }
    None
}

/// The token answer of the managed identity endpoints (numbers as strings, as they write
/// them).
fn managed_identity_token(shared: &Entra, resource: &str, client_id: Option<&str>) -> Response {
    let resource_id = resource.trim_end_matches("/.default").trim_end_matches('/');
    let mut state = lock(&shared.state);
    let identity = state.managed_identity.client_id.clone();
    if client_id.is_some_and(|c| c != identity) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"error": "invalid_request", "error_description": "Identity not found"}),
            ),
        )
            .into_response();
    }
    if resource_id != AKS_SERVER_APP_ID {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_resource", "error_description": format!("AADSTS500011: The resource principal named {resource} was not found in the tenant named {}.", state.tenant_id)})),
        )
            .into_response();
    }
    let token = state.issue_to(resource_id, &identity);
    let now = now_unix();
    axum::Json(json!({
        "access_token": token,
        "client_id": identity,
        "expires_in": TOKEN_LIFETIME.to_string(),
        "expires_on": (now + TOKEN_LIFETIME).to_string(),
        "ext_expires_in": TOKEN_LIFETIME.to_string(),
        "not_before": now.to_string(),
        "resource": resource,
        "token_type": "Bearer",
    }))
    .into_response()
}

/// IMDS: `Metadata: true` is required (a guard against server-side request forgery).
async fn imds_token(
    State(shared): State<Arc<Entra>>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if headers.get("metadata").and_then(|v| v.to_str().ok()) != Some("true") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": "Required metadata header not specified"})),
        )
            .into_response();
    }
    let Some(resource) = query.get("resource") else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": "Required query variable 'resource' is missing"})),
        )
            .into_response();
    };
    managed_identity_token(
        &shared,
        resource,
        query.get("client_id").map(String::as_str),
    )
}

/// App Service / Container Apps: `X-IDENTITY-HEADER` must be the `IDENTITY_HEADER` secret.
async fn app_service_token(
    State(shared): State<Arc<Entra>>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let expected = lock(&shared.state).managed_identity.identity_header.clone();
    if headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        != Some(expected.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER is missing or wrong."})),
        )
            .into_response();
    }
    let Some(resource) = query.get("resource") else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"statusCode": 400, "message": "The resource parameter is required."}),
            ),
        )
            .into_response();
    };
    managed_identity_token(
        &shared,
        resource,
        query.get("client_id").map(String::as_str),
    )
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests to /<tenant>/oauth2/v2.0/token.",
    )
}
