//! HTTP → Kubernetes API: URL parsing, bearer-token authentication, verbs, selectors,
//! Table output (what `kubectl get` asks for), subresources. Handlers run synchronously
//! under the Kubernetes lock and never await.
//!
//! URL shapes (<https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris>):
//! `/api/v1/<plural>[/<name>[/<sub>]]`, `/api/v1/namespaces/<ns>/<plural>[/<name>[/<sub>]]`
//! and the same under `/apis/<group>/<version>`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::Kubernetes;
use super::errors::KubeError;
use super::protobuf;
use super::resources::{self, ResourceType};
use super::state::{self, KubeState, PatchKind, now_ms};
use crate::util::lock;

pub fn router(shared: Arc<Kubernetes>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// A parsed request.
struct Request<'a> {
    method: &'a Method,
    query: HashMap<String, String>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl Request<'_> {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn manager(&self) -> String {
        match self.query.get("fieldManager") {
            Some(m) if !m.is_empty() => m.clone(),
            _ => self
                .header("user-agent")
                .split('/')
                .next()
                .filter(|s| !s.is_empty())
                .unwrap_or("unknown")
                .to_string(),
        }
    }

    /// A boolean query parameter as the API server converts it: absent, `0` or `false` (any
    /// case) is false, anything else — `True` from the Python client included — is true
    /// (apimachinery's `Convert_Slice_string_To_bool`,
    /// <https://github.com/kubernetes/apimachinery/blob/master/pkg/runtime/conversion.go>).
    fn flag(&self, name: &str) -> bool {
        self.query
            .get(name)
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
    }

    fn dry_run(&self) -> bool {
        self.query.contains_key("dryRun")
    }

    /// The body as JSON: `application/json` (also when no type is given, as the API server
    /// takes it), `application/yaml`, or protobuf for built-in kinds; 415 otherwise.
    fn json_body(&self, rt: &ResourceType) -> Result<Value, KubeError> {
        let content_type = media_type(self.header("content-type"));
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(KubeError::bad_request("the request body is empty"));
        }
        match content_type.as_str() {
            "" | "application/json" => serde_json::from_slice::<Value>(self.body)
                .map_err(|e| KubeError::bad_request(format!("error decoding JSON: {e}"))),
            "application/yaml" => serde_yaml::from_slice::<Value>(self.body)
                .map_err(|e| KubeError::bad_request(format!("error decoding YAML: {e}"))),
            protobuf::MEDIA_TYPE if !rt.custom => protobuf::decode(self.body).map_err(|e| {
                let mut error = KubeError::unsupported_media_type(BODY_TYPES);
                error.message = format!("{}; {e}", error.message);
                error
            }),
            _ => Err(KubeError::unsupported_media_type(if rt.custom {
                &BODY_TYPES[..2]
            } else {
                BODY_TYPES
            })),
        }
    }

    /// A PATCH body: JSON, or YAML for an apply patch (`application/apply-patch+yaml`).
    fn patch_body(&self) -> Result<Value, KubeError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(KubeError::bad_request("the request body is empty"));
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(value) => Ok(value),
            Err(_) if media_type(self.header("content-type")) == "application/apply-patch+yaml" => {
                serde_yaml::from_slice::<Value>(self.body)
                    .map_err(|e| KubeError::bad_request(format!("error decoding YAML: {e}")))
            }
            Err(e) => Err(KubeError::bad_request(format!("error decoding JSON: {e}"))),
        }
    }
}

/// The media types of request bodies the API server takes for built-in kinds (custom
/// resources: the first two).
const BODY_TYPES: &[&str] = &["application/json", "application/yaml", protobuf::MEDIA_TYPE];

/// The patch types of built-in kinds; custom resources have no strategic merge patch
/// (<https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#advanced-topics>).
const PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];
const CUSTOM_PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];

/// `type/subtype` of a Content-Type, lower-cased, without parameters.
fn media_type(header: &str) -> String {
    header
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

async fn handle(
    State(shared): State<Arc<Kubernetes>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| {
            url_pairs(q)
                .into_iter()
                .collect::<HashMap<String, String>>()
        })
        .unwrap_or_default();
    let request = Request {
        method: &method,
        query,
        headers: &headers,
        body: &body,
    };
    let path = uri.path().to_string();
    match path.as_str() {
        // The Python client asks for `/version/`; the API server serves both.
        "/version" | "/version/" => return axum::Json(resources::version()).into_response(),
        "/healthz" | "/livez" | "/readyz" => return (StatusCode::OK, "ok").into_response(),
        _ => {}
    }
    let token = request
        .header("authorization")
        .strip_prefix("Bearer ")
        .unwrap_or_default()
        .trim()
        .to_string();
    // Entra ID tokens for the AKS server application are checked first (never while the
    // Kubernetes lock is held).
    let from_entra = !token.is_empty() && lock(&shared.entra.state).valid(&token);
    // EKS tokens in STS mode: STS is asked before the Kubernetes lock is taken.
    let eks_identity = lock(&shared.state).eks.clone();
    let sts_caller = if token.starts_with("k8s-aws-v1.") && eks_identity.sts_endpoint.is_some() {
        match super::eks::verify_with_sts(&eks_identity, &token, time::OffsetDateTime::now_utc())
            .await
        {
            Ok(caller) => Some(caller),
            Err(reason) => {
                tracing::debug!(reason, "EKS token refused");
                return KubeError::unauthorized().into_response();
            }
        }
    } else {
        None
    };
    let mut state = lock(&shared.state);
    let authenticated = match &sts_caller {
        Some(caller) => {
            let aws_auth = state
                .objects
                .get("/configmaps/kube-system/aws-auth")
                .and_then(|o| o.get("data"));
            let mapped = super::eks::mapped(aws_auth, caller);
            if state.eks_callers.last() != Some(caller) {
                state.eks_callers.push(caller.clone());
            }
            if !mapped {
                tracing::debug!(arn = %caller.arn, "EKS caller not mapped in aws-auth");
            }
            mapped
        }
        None => !token.is_empty() && (from_entra || state.authenticate(&token)),
    };
    if !authenticated {
        return KubeError::unauthorized().into_response();
    }
    let result = if request.dry_run() && *request.method != Method::GET {
        let mut scratch = state.clone();
        let answer = route(&mut scratch, &path, &request);
        answer.map(|(status, body)| (status, dry_run_version(&mut state, &path, &request, body)))
    } else {
        route(&mut state, &path, &request)
    };
    match result {
        Ok((status, body)) => (status, axum::Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// A dry run persists nothing, so its answer carries no new `resourceVersion`: none for a
/// create, the stored object's for a change
/// (<https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run>). `kubectl diff`
/// shows the difference between the stored object and this answer.
fn dry_run_version(state: &mut KubeState, path: &str, request: &Request, mut body: Value) -> Value {
    let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) else {
        return body;
    };
    let stored = if *request.method == Method::POST {
        None
    } else {
        let get = Request {
            method: &Method::GET,
            query: HashMap::new(),
            headers: &HeaderMap::new(),
            body: &[],
        };
        route(state, path, &get)
            .ok()
            .and_then(|(_, live)| live.pointer("/metadata/resourceVersion").cloned())
    };
    match stored {
        Some(version) => {
            meta.insert("resourceVersion".into(), version);
        }
        None => {
            meta.remove("resourceVersion");
        }
    }
    body
}

type Answer = Result<(StatusCode, Value), KubeError>;

fn route(state: &mut KubeState, path: &str, request: &Request) -> Answer {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let all = state.resource_types();
    let ok = |v: Value| Ok((StatusCode::OK, v));
    let (group, version, rest): (&str, &str, &[&str]) = match segments.as_slice() {
        ["api"] => return ok(resources::core_versions()),
        ["apis"] => return ok(resources::group_list(&all)),
        ["openapi", "v3"] => return ok(resources::openapi_root(&all)),
        ["openapi", "v3", "api", version] => {
            return resources::openapi_group(&all, "", version)
                .map(|d| (StatusCode::OK, d))
                .ok_or_else(KubeError::no_route);
        }
        ["openapi", "v3", "apis", group, version] => {
            return resources::openapi_group(&all, group, version)
                .map(|d| (StatusCode::OK, d))
                .ok_or_else(KubeError::no_route);
        }
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group] => {
            let list = resources::group_list(&all);
            let found = list["groups"]
                .as_array()
                .and_then(|g| g.iter().find(|g| g["name"] == *group).cloned());
            return match found {
                Some(mut g) => {
                    g["kind"] = json!("APIGroup");
                    g["apiVersion"] = json!("v1");
                    ok(g)
                }
                None => Err(KubeError::no_route()),
            };
        }
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(KubeError::no_route()),
    };
    if rest.is_empty() {
        if *request.method != Method::GET {
            return Err(KubeError::method_not_allowed());
        }
        return resources::resource_list(&all, group, version)
            .map(|l| (StatusCode::OK, l))
            .ok_or_else(KubeError::no_route);
    }
    // `namespaces/<ns>/<plural>...` is namespaced unless it is a namespace's subresource.
    let (namespace, rest): (Option<&str>, &[&str]) = match rest {
        ["namespaces", ns, plural, more @ ..]
            if group.is_empty()
                && !(more.is_empty() && matches!(*plural, "status" | "finalize")) =>
        {
            (Some(*ns), &rest[2..])
        }
        ["namespaces", ns, plural, more @ ..] if !group.is_empty() => {
            let _ = (plural, more);
            (Some(*ns), &rest[2..])
        }
        _ => (None, rest),
    };
    let plural = rest[0];
    let Some(rt) = state.find_type(group, version, plural) else {
        return Err(KubeError::no_route());
    };
    if namespace.is_some() && !rt.namespaced {
        return Err(KubeError::no_route());
    }
    let ns = namespace.unwrap_or("");
    match rest {
        [_] => collection(state, &rt, version, namespace, request),
        [_, name] => object(state, &rt, version, ns, name, request),
        [_, name, "token"] if rt.plural == "serviceaccounts" && rt.group.is_empty() => {
            if *request.method != Method::POST {
                return Err(KubeError::method_not_allowed());
            }
            let accounts = state
                .find_type("", "v1", "serviceaccounts")
                .ok_or_else(KubeError::no_route)?;
            let body = match request.json_body(&accounts) {
                Ok(body) => body,
                Err(e) if e.code == StatusCode::UNSUPPORTED_MEDIA_TYPE => return Err(e),
                Err(_) => json!({}),
            };
            Ok((StatusCode::CREATED, state.token_request(ns, name, &body)?))
        }
        [_, name, "status"] => {
            let (key, object) = state.get(&rt, ns, name)?;
            ok(state.present(&rt, version, &key, &object))
        }
        _ => Err(KubeError::no_route()),
    }
}

fn collection(
    state: &mut KubeState,
    rt: &ResourceType,
    version: &str,
    namespace: Option<&str>,
    request: &Request,
) -> Answer {
    match request.method.as_str() {
        "GET" => {
            if request.flag("watch") {
                return Err(KubeError::method_not_allowed());
            }
            let labels = request
                .query
                .get("labelSelector")
                .cloned()
                .unwrap_or_default();
            let fields = request
                .query
                .get("fieldSelector")
                .cloned()
                .unwrap_or_default();
            let mut items = Vec::new();
            for (key, object) in state.list(rt, namespace) {
                let empty = serde_json::Map::new();
                let object_labels = object
                    .pointer("/metadata/labels")
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                let keep = state::matches_labels(&labels, object_labels)
                    .map_err(KubeError::bad_request)?
                    && state::matches_fields(&fields, &object).map_err(KubeError::bad_request)?;
                if keep {
                    items.push(state.present(rt, version, &key, &object));
                }
            }
            let resource_version = state.resource_version.to_string();
            if wants_table(request) {
                return Ok((StatusCode::OK, table(items, &resource_version)));
            }
            Ok((
                StatusCode::OK,
                json!({
                    "kind": format!("{}List", rt.kind),
                    "apiVersion": rt.api_version(version),
                    "metadata": {"resourceVersion": resource_version},
                    "items": items,
                }),
            ))
        }
        "POST" => {
            let body = request.json_body(rt)?;
            if rt.kind == "TokenReview" {
                return Ok((StatusCode::CREATED, state.token_review(&body)));
            }
            let ns = namespace.unwrap_or("");
            let ns = if rt.namespaced && ns.is_empty() {
                body.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            } else {
                ns
            }
            .to_string();
            let (key, object) = state.create(rt, &ns, body, &request.manager())?;
            Ok((
                StatusCode::CREATED,
                state.present(rt, version, &key, &object),
            ))
        }
        _ => Err(KubeError::method_not_allowed()),
    }
}

fn object(
    state: &mut KubeState,
    rt: &ResourceType,
    version: &str,
    namespace: &str,
    name: &str,
    request: &Request,
) -> Answer {
    let manager = request.manager();
    let (key, object) = match request.method.as_str() {
        "GET" => {
            let (key, object) = state.get(rt, namespace, name)?;
            let shown = state.present(rt, version, &key, &object);
            if wants_table(request) {
                return Ok((
                    StatusCode::OK,
                    table(vec![shown], &state.resource_version.to_string()),
                ));
            }
            return Ok((StatusCode::OK, shown));
        }
        "DELETE" => return Ok((StatusCode::OK, state.delete(rt, namespace, name)?)),
        "PUT" => state.replace(rt, namespace, name, request.json_body(rt)?, &manager)?,
        "PATCH" => {
            let content_type = media_type(request.header("content-type"));
            let accepted = if rt.custom {
                CUSTOM_PATCH_TYPES
            } else {
                PATCH_TYPES
            };
            match content_type.as_str() {
                "application/apply-patch+yaml" => {
                    let Some(manager) = request.query.get("fieldManager").filter(|m| !m.is_empty())
                    else {
                        return Err(KubeError::bad_request(
                            "PATCH /apply-patch requests require fieldManager",
                        ));
                    };
                    let force = request.flag("force");
                    let existed = state.get(rt, namespace, name).is_ok();
                    let (key, object) = state.apply(
                        rt,
                        version,
                        namespace,
                        name,
                        request.patch_body()?,
                        manager,
                        force,
                    )?;
                    // An apply that creates answers 201, as the API server does.
                    let status = if existed {
                        StatusCode::OK
                    } else {
                        StatusCode::CREATED
                    };
                    return Ok((status, state.present(rt, version, &key, &object)));
                }
                "application/merge-patch+json" => state.patch(
                    rt,
                    namespace,
                    name,
                    PatchKind::Merge,
                    &request.patch_body()?,
                    &manager,
                )?,
                "application/strategic-merge-patch+json" if !rt.custom => state.patch(
                    rt,
                    namespace,
                    name,
                    PatchKind::Strategic,
                    &request.patch_body()?,
                    &manager,
                )?,
                "application/json-patch+json" => state.patch(
                    rt,
                    namespace,
                    name,
                    PatchKind::Json,
                    &request.patch_body()?,
                    &manager,
                )?,
                _ => return Err(KubeError::unsupported_media_type(accepted)),
            }
        }
        _ => return Err(KubeError::method_not_allowed()),
    };
    Ok((StatusCode::OK, state.present(rt, version, &key, &object)))
}

fn wants_table(request: &Request) -> bool {
    request.header("accept").contains("as=Table")
}

/// The `Table` kubectl asks for: a name and an age per object
/// (<https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables>).
fn table(items: Vec<Value>, resource_version: &str) -> Value {
    let now = now_ms() / 1000;
    let rows: Vec<Value> = items
        .into_iter()
        .map(|item| {
            let name = item.pointer("/metadata/name").cloned().unwrap_or(Value::Null);
            let created = item
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .and_then(|t| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
                })
                .map(|t| t.unix_timestamp())
                .unwrap_or(now);
            let mut metadata = item.get("metadata").cloned().unwrap_or(json!({}));
            if let Some(meta) = metadata.as_object_mut() {
                meta.remove("managedFields");
            }
            json!({
                "cells": [name, age(now - created)],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata},
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "description": "Time since the object was created.", "priority": 0},
        ],
        "rows": rows,
    })
}

fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Decode `a=b&c=d` (percent-decoding, `+` as space).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boolean_parameters_convert_as_the_api_server_does() {
        let headers = HeaderMap::new();
        let query: HashMap<String, String> = url_pairs("a=True&b=false&c=0&d=&e=FALSE&f=yes")
            .into_iter()
            .collect();
        let request = Request {
            method: &Method::PATCH,
            query,
            headers: &headers,
            body: &[],
        };
        let flags: Vec<bool> = ["a", "b", "c", "d", "e", "f", "g"]
            .iter()
            .map(|name| request.flag(name))
            .collect();
        assert_eq!(flags, [true, false, false, true, false, true, false]);
    }

    #[test]
    fn queries_decode() {
        assert_eq!(
            url_pairs("labelSelector=a%3Db%2Cc&force=true"),
            vec![
                ("labelSelector".into(), "a=b,c".into()),
                ("force".into(), "true".into())
            ]
        );
        assert_eq!(percent_decode("x%2"), "x%2");
    }
}
