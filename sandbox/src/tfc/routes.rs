//! Routes of the emulated Terraform Cloud / Enterprise private registry: request parsing,
//! authentication and pagination; the state module does the rest.
//!
//! - registry providers: <https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/providers>
//! - GPG keys: <https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/gpg-keys>
//! - versions and platforms: <https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/provider-versions-platforms>
//! - the release files' upload and download links (`/_archivist/v1/object/:id`, pre-signed:
//!   no token), as the publishing guide uses them with `curl -T`:
//!   <https://developer.hashicorp.com/terraform/cloud-docs/registry/publish-providers>
//! - what `terraform init` reads from a private registry: service discovery
//!   (<https://developer.hashicorp.com/terraform/internals/remote-service-discovery>) and the
//!   provider registry protocol
//!   (<https://developer.hashicorp.com/terraform/internals/provider-registry-protocol>).
//!
//! Every `/api/` route needs `Authorization: Bearer <token>` (401 otherwise); the discovery
//! document and the object links do not.

// Handlers answer early with `?` on a ready `Response`; its size does not matter here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Tfc;
use super::errors::{self, ApiError, document};
use crate::util::lock;

/// Release zips are a few megabytes; leave room.
const MAX_UPLOAD_BYTES: usize = 512 * 1024 * 1024;
/// Page size when the request gives none (the API's default).
const DEFAULT_PAGE_SIZE: usize = 20;
/// The largest page size the API allows.
const MAX_PAGE_SIZE: usize = 100;

const PROVIDER: &str = "/api/v2/organizations/:org/registry-providers/:registry/:namespace/:name";

pub fn router(shared: Arc<Tfc>) -> Router {
    Router::new()
        .route("/.well-known/terraform.json", get(discovery))
        .route(
            "/api/v2/organizations/:org/registry-providers",
            get(list_providers).post(create_provider),
        )
        .route(PROVIDER, get(get_provider).delete(delete_provider))
        .route(
            &format!("{PROVIDER}/versions"),
            get(list_versions).post(create_version),
        )
        .route(&format!("{PROVIDER}/versions/"), get(list_versions))
        .route(
            &format!("{PROVIDER}/versions/:version"),
            get(get_version).delete(delete_version),
        )
        .route(
            &format!("{PROVIDER}/versions/:version/platforms"),
            get(list_platforms).post(create_platform),
        )
        .route(
            &format!("{PROVIDER}/versions/:version/platforms/:os/:arch"),
            get(get_platform),
        )
        .route(
            "/api/registry/:registry/v2/gpg-keys",
            get(list_keys).post(create_key),
        )
        .route(
            "/api/registry/:registry/v2/gpg-keys/:namespace/:key_id",
            get(get_key),
        )
        .route(
            "/api/registry/v1/providers/:namespace/:name/versions",
            get(registry_versions),
        )
        .route(
            "/api/registry/v1/providers/:namespace/:name/:version/download/:os/:arch",
            get(registry_download),
        )
        .route(
            "/_archivist/v1/object/:id",
            get(download_object).put(upload_object),
        )
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .with_state(shared)
}

type Answer = Result<Response, Response>;

fn authorize(shared: &Tfc, headers: &HeaderMap) -> Result<(), Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if lock(&shared.state).authorized(authorization) {
        Ok(())
    } else {
        Err(errors::unauthorized())
    }
}

fn data(status: StatusCode, value: Value) -> Response {
    document(status, &json!({ "data": value }))
}

fn parse(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|e| {
        errors::error(
            StatusCode::BAD_REQUEST,
            "invalid JSON body",
            Some(&e.to_string()),
            None,
        )
    })
}

fn api(err: ApiError) -> Response {
    err.response()
}

/// A page of `items` with the API's `links` and `meta.pagination`.
fn paginate(items: Vec<Value>, query: &HashMap<String, String>, self_path: &str) -> Response {
    let size = query
        .get("page[size]")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let total = items.len();
    let pages = total.div_ceil(size).max(1);
    let number = query
        .get("page[number]")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let page: Vec<Value> = items
        .into_iter()
        .skip((number - 1) * size)
        .take(size)
        .collect();
    let link = |n: usize| format!("{self_path}?page%5Bnumber%5D={n}&page%5Bsize%5D={size}");
    let prev = (number > 1).then(|| number - 1);
    let next = (number < pages).then(|| number + 1);
    document(
        StatusCode::OK,
        &json!({
            "data": page,
            "links": {
                "self": link(number),
                "first": link(1),
                "prev": prev.map(link),
                "next": next.map(link),
                "last": link(pages),
            },
            "meta": {"pagination": {
                "current-page": number,
                "page-size": size,
                "prev-page": prev,
                "next-page": next,
                "total-pages": pages,
                "total-count": total,
            }},
        }),
    )
}

async fn discovery() -> Response {
    let mut response = Response::new(Body::from(
        json!({
            "providers.v1": "/api/registry/v1/providers/",
            "modules.v1": "/api/registry/v1/modules/",
            "tfe.v2": "/api/v2/",
        })
        .to_string(),
    ));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

// --- registry providers ------------------------------------------------------------------

async fn list_providers(
    State(shared): State<Arc<Tfc>>,
    Path(org): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let wanted = |field: &str, value: &str| {
        query
            .get(&format!("filter[{field}]"))
            .is_none_or(|f| f == value)
    };
    let search = query.get("q").map(|q| q.to_lowercase());
    let items: Vec<Value> = state
        .providers
        .iter()
        .filter(|p| wanted("registry_name", &p.registry_name))
        .filter(|p| {
            search.as_deref().is_none_or(|q| {
                p.name.to_lowercase().contains(q) || p.namespace.to_lowercase().contains(q)
            })
        })
        .map(|p| state.provider_doc(p))
        .collect();
    Ok(paginate(
        items,
        &query,
        &format!("/api/v2/organizations/{org}/registry-providers"),
    ))
}

async fn create_provider(
    State(shared): State<Arc<Tfc>>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    authorize(&shared, &headers)?;
    let doc = parse(&body)?;
    let mut state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let provider = state.create_provider(&doc).map_err(api)?;
    Ok(data(StatusCode::CREATED, state.provider_doc(&provider)))
}

async fn get_provider(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let provider = state
        .find_provider(&registry, &namespace, &name)
        .map_err(api)?;
    Ok(data(StatusCode::OK, state.provider_doc(provider)))
}

async fn delete_provider(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let mut state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let provider = state
        .find_provider(&registry, &namespace, &name)
        .map_err(api)?
        .clone();
    let versions: Vec<String> = state
        .versions
        .iter()
        .filter(|v| v.provider_id == provider.id)
        .map(|v| v.version.clone())
        .collect();
    for version in versions {
        state
            .delete_version(&registry, &namespace, &name, &version)
            .map_err(api)?;
    }
    state.providers.retain(|p| p.id != provider.id);
    Ok(no_content())
}

fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

// --- versions ------------------------------------------------------------------------------

async fn list_versions(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name)): Path<(String, String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let items: Vec<Value> = state
        .versions_of(&registry, &namespace, &name)
        .map_err(api)?
        .into_iter()
        .map(|v| state.version_doc(v))
        .collect();
    Ok(paginate(
        items,
        &query,
        &format!(
            "/api/v2/organizations/{org}/registry-providers/{registry}/{namespace}/{name}/versions"
        ),
    ))
}

async fn create_version(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    authorize(&shared, &headers)?;
    let doc = parse(&body)?;
    let mut state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let version = state
        .create_version(&registry, &namespace, &name, &doc)
        .map_err(api)?;
    Ok(data(StatusCode::CREATED, state.version_doc(&version)))
}

async fn get_version(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name, version)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let found = state
        .find_version(&registry, &namespace, &name, &version)
        .map_err(api)?;
    Ok(data(StatusCode::OK, state.version_doc(found)))
}

async fn delete_version(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name, version)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let mut state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    state
        .delete_version(&registry, &namespace, &name, &version)
        .map_err(api)?;
    Ok(no_content())
}

// --- platforms -----------------------------------------------------------------------------

async fn list_platforms(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name, version)): Path<(String, String, String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let items: Vec<Value> = state
        .platforms_of(&registry, &namespace, &name, &version)
        .map_err(api)?
        .into_iter()
        .map(|p| state.platform_doc(p))
        .collect();
    Ok(paginate(
        items,
        &query,
        &format!(
            "/api/v2/organizations/{org}/registry-providers/{registry}/{namespace}/{name}/versions/{version}/platforms"
        ),
    ))
}

async fn create_platform(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name, version)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    authorize(&shared, &headers)?;
    let doc = parse(&body)?;
    let mut state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let platform = state
        .create_platform(&registry, &namespace, &name, &version, &doc)
        .map_err(api)?;
    Ok(data(StatusCode::CREATED, state.platform_doc(&platform)))
}

#[allow(clippy::type_complexity)]
async fn get_platform(
    State(shared): State<Arc<Tfc>>,
    Path((org, registry, namespace, name, version, os, arch)): Path<(
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    )>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    state.organization(&org).map_err(api)?;
    let platform = state
        .find_platform(&registry, &namespace, &name, &version, &os, &arch)
        .map_err(api)?;
    Ok(data(StatusCode::OK, state.platform_doc(platform)))
}

// --- GPG keys ------------------------------------------------------------------------------

fn private_registry(registry: &str) -> Result<(), Response> {
    if registry == "private" {
        Ok(())
    } else {
        Err(errors::not_found())
    }
}

async fn list_keys(
    State(shared): State<Arc<Tfc>>,
    Path(registry): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    private_registry(&registry)?;
    let Some(filter) = query.get("filter[namespace]").filter(|f| !f.is_empty()) else {
        return Err(errors::error(
            StatusCode::BAD_REQUEST,
            "missing namespaces",
            Some("filter[namespace] is required"),
            None,
        ));
    };
    let state = lock(&shared.state);
    let namespaces: Vec<&str> = filter.split(',').map(str::trim).collect();
    if !namespaces.contains(&state.organization.as_str()) {
        return Err(errors::error(
            StatusCode::FORBIDDEN,
            "forbidden",
            Some("no authorized namespace in the request"),
            None,
        ));
    }
    let items: Vec<Value> = state
        .gpg_keys
        .iter()
        .filter(|k| namespaces.contains(&k.namespace.as_str()))
        .map(|k| state.key_doc(k))
        .collect();
    Ok(paginate(items, &query, "/v2/gpg-keys"))
}

async fn create_key(
    State(shared): State<Arc<Tfc>>,
    Path(registry): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    authorize(&shared, &headers)?;
    private_registry(&registry)?;
    let doc = parse(&body)?;
    let mut state = lock(&shared.state);
    let key = state.create_key(&doc).map_err(api)?;
    Ok(data(StatusCode::CREATED, state.key_doc(&key)))
}

async fn get_key(
    State(shared): State<Arc<Tfc>>,
    Path((registry, namespace, key_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    private_registry(&registry)?;
    let state = lock(&shared.state);
    let key = state.find_key(&namespace, &key_id).map_err(api)?;
    Ok(data(StatusCode::OK, state.key_doc(key)))
}

// --- the provider registry protocol ------------------------------------------------------------

fn plain_json(value: &Value) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn registry_versions(
    State(shared): State<Arc<Tfc>>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    let versions = state.registry_versions(&namespace, &name).map_err(api)?;
    Ok(plain_json(&versions))
}

async fn registry_download(
    State(shared): State<Arc<Tfc>>,
    Path((namespace, name, version, os, arch)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&shared, &headers)?;
    let state = lock(&shared.state);
    let download = state
        .registry_download(&namespace, &name, &version, &os, &arch)
        .map_err(api)?;
    Ok(plain_json(&download))
}

// --- release files ---------------------------------------------------------------------------

async fn upload_object(
    State(shared): State<Arc<Tfc>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    if lock(&shared.state).put_object(&id, body.to_vec()) {
        Ok(Response::new(Body::empty()))
    } else {
        Err(errors::not_found())
    }
}

async fn download_object(State(shared): State<Arc<Tfc>>, Path(id): Path<String>) -> Answer {
    let state = lock(&shared.state);
    let bytes = state.get_object(&id).ok_or_else(errors::not_found)?;
    let mut response = Response::new(Body::from(bytes.to_vec()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(response)
}

async fn fallback() -> Response {
    errors::not_found()
}
