//! The gRPC services a Terraform provider plugin offers:
//!
//! - `tfplugin6.Provider` ([`ProviderService`]): every RPC of protocol 6.10, answered by a
//!   [`Provider`];
//! - `plugin.GRPCStdio`, `plugin.GRPCController` and `grpc.health.v1.Health`
//!   ([`plugin_services`]): what go-plugin's client expects of every plugin.
//!
//! RPCs for kinds of things the provider does not declare (functions, data sources, actions,
//! state stores, ephemeral and list resources while it declares none) answer with a
//! diagnostic naming the unknown type, as Terraform expects of a provider that declares none
//! — Terraform never calls them for types missing from the schema.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tonic::Status;
use tonic::body::BoxBody;
use tonic::server::NamedService;

use crate::codec::json::{self, Undeclared};
use crate::codec::msgpack;
use crate::diagnostics::{AttributePath, Diagnostics, Step};
use crate::dynamic::Dynamic;
use crate::ephemeral::DynEphemeralResource;
use crate::list::{DynListResource, ListRequest};
use crate::proto::tfplugin6 as pb;
use crate::provider::{ConfigureContext, Provider};
use crate::resource::DynResource;
use crate::schema::{AttributeType, Block, BlockNesting, IdentitySchema, ObjectNesting, Schema};
use crate::serde_tree::from_dynamic;
use crate::types::Type;

mod convert;
pub mod grpc;
pub mod plugin_services;

use grpc::{BoxFuture, BoxStream};

/// One managed resource type, with what the server derives from its schema once.
struct ResourceEntry {
    handler: Arc<dyn DynResource>,
    schema: Schema,
    ty: Type,
    identity: Option<(IdentitySchema, Type)>,
    /// Whether the schema has a write-only attribute anywhere.
    write_only: bool,
}

impl ResourceEntry {
    /// Sets the write-only attributes in `state` to null; nothing to do (and no walk of the
    /// value) when the schema has none.
    fn null_write_only(&self, state: &mut Dynamic) {
        if self.write_only {
            null_write_only(state, &self.schema.block);
        }
    }
}

/// One ephemeral or list resource type and its schema's type.
struct Entry<H: ?Sized> {
    handler: Arc<H>,
    ty: Type,
}

impl<H: ?Sized> Entry<H> {
    fn new(handler: Arc<H>, schema: &Schema) -> Self {
        Self {
            handler,
            ty: schema.value_type(),
        }
    }
}

/// Everything the provider declares, built on first use.
struct Registry {
    provider_schema: Schema,
    provider_type: Type,
    resources: BTreeMap<String, ResourceEntry>,
    ephemeral: BTreeMap<String, (Schema, Entry<dyn DynEphemeralResource>)>,
    lists: BTreeMap<String, (Schema, Entry<dyn DynListResource>)>,
}

struct Inner<P: Provider> {
    provider: Arc<P>,
    registry: OnceLock<Registry>,
}

/// `tfplugin6.Provider`, served for a [`Provider`].
pub struct ProviderService<P: Provider> {
    inner: Arc<Inner<P>>,
}

impl<P: Provider> Clone for ProviderService<P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<P: Provider> NamedService for ProviderService<P> {
    const NAME: &'static str = "tfplugin6.Provider";
}

impl<P: Provider> ProviderService<P> {
    /// The service for `provider`.
    pub fn new(provider: Arc<P>) -> Self {
        Self {
            inner: Arc::new(Inner {
                provider,
                registry: OnceLock::new(),
            }),
        }
    }
}

/// Server capabilities this layer offers: planned destroys (Terraform ≥ 1.3 asks the provider
/// before a destroy) and a schema Terraform may cache across provider instances.
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

fn unknown_type(diags: &mut Diagnostics, kind: &str, type_name: &str) {
    diags.error(
        format!("Unknown {kind} type"),
        format!(
            "This provider has no {kind} type {type_name:?}. Check the type name and the \
             provider version in required_providers."
        ),
        None,
    );
}

/// A wire value as a tree of type `ty`: MessagePack when present, else JSON, else null.
fn decode_value(
    diags: &mut Diagnostics,
    what: &str,
    value: Option<&pb::DynamicValue>,
    ty: &Type,
) -> Option<Dynamic> {
    let Some(value) = value else {
        return Some(Dynamic::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        json::decode(&value.json, ty, Undeclared::Refuse)
    } else {
        Ok(Dynamic::Null)
    };
    match decoded {
        Ok(tree) => Some(tree),
        Err(e) => {
            diags.error(
                format!("Invalid {what}"),
                format!(
                    "The provider could not decode the {what} Terraform sent: {}. This is a bug \
                     in the provider or an unsupported Terraform version; please report it.",
                    e.message
                ),
                Some(e.path),
            );
            None
        }
    }
}

/// A tree of type `ty` on its way to the wire (always MessagePack).
fn encode_value(
    diags: &mut Diagnostics,
    what: &str,
    value: &Dynamic,
    ty: &Type,
) -> Option<pb::DynamicValue> {
    match msgpack::encode(value, ty) {
        Ok(bytes) => Some(pb::DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        }),
        Err(e) => {
            diags.error(
                format!("Invalid {what}"),
                format!(
                    "The provider produced a {what} that does not match its schema: {}. This is a \
                     bug in the provider; please report it.",
                    e.message
                ),
                Some(e.path),
            );
            None
        }
    }
}

fn null_value() -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: vec![0xc0],
        json: Vec::new(),
    }
}

/// An identity on its way to the wire (none when the type has no identity schema).
fn encode_identity(
    diags: &mut Diagnostics,
    entry: &ResourceEntry,
    identity: Option<&Dynamic>,
) -> Option<pb::ResourceIdentityData> {
    let (_, ty) = entry.identity.as_ref()?;
    let data = encode_value(diags, "identity", identity?, ty)?;
    Some(pb::ResourceIdentityData {
        identity_data: Some(data),
    })
}

/// An identity Terraform sent; `None` when it sent none or the type has none.
fn decode_identity(
    diags: &mut Diagnostics,
    entry: &ResourceEntry,
    data: Option<&pb::ResourceIdentityData>,
) -> Option<Dynamic> {
    let (_, ty) = entry.identity.as_ref()?;
    let value = data?.identity_data.as_ref()?;
    decode_value(diags, "identity", Some(value), ty).filter(|v| !v.is_null())
}

/// A short text of an identity for messages: `key = "WM-Prod"`.
fn identity_text(identity: &Dynamic) -> String {
    match identity.untyped() {
        Dynamic::Map(entries) => entries
            .iter()
            .map(|(k, v)| match v.untyped() {
                Dynamic::String(s) => format!("{k} = {s:?}"),
                Dynamic::Number(n) => format!("{k} = {n}"),
                Dynamic::Bool(b) => format!("{k} = {b}"),
                _ => format!("{k} = …"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => "…".to_string(),
    }
}

/// Sets every write-only attribute of `block` in `value` to null: Terraform never stores
/// them, and refuses a plan or a new state that holds one.
fn null_write_only(value: &mut Dynamic, block: &Block) {
    let Dynamic::Map(entries) = value else {
        return;
    };
    for (name, attribute) in &block.attributes {
        let Some(v) = entries.get_mut(name) else {
            continue;
        };
        if attribute.write_only {
            *v = Dynamic::Null;
        } else if let AttributeType::Nested(nesting, attributes) = &attribute.ty {
            let nested = Block {
                attributes: attributes.clone(),
                ..Block::default()
            };
            let each = !matches!(nesting, ObjectNesting::Single);
            for_each_object(v, each, |object| null_write_only(object, &nested));
        }
    }
    for (name, nested) in &block.blocks {
        let Some(v) = entries.get_mut(name) else {
            continue;
        };
        let each = !matches!(nested.nesting, BlockNesting::Single | BlockNesting::Group);
        for_each_object(v, each, |object| null_write_only(object, &nested.block));
    }
}

/// Calls `f` on `value` itself, or (`each`) on every element of the list, set or map it is.
fn for_each_object(value: &mut Dynamic, each: bool, mut f: impl FnMut(&mut Dynamic)) {
    match value {
        Dynamic::Typed(_, inner) => for_each_object(inner, each, f),
        Dynamic::List(items) if each => items.iter_mut().for_each(f),
        Dynamic::Map(entries) if each => entries.values_mut().for_each(f),
        other if !each => f(other),
        _ => {}
    }
}

/// Paths in `config` where a write-only attribute is set (not null), at any depth: in
/// nested blocks and in nested attributes.
fn write_only_paths(
    config: &Dynamic,
    block: &Block,
    at: &AttributePath,
    found: &mut Vec<AttributePath>,
) {
    let Dynamic::Map(entries) = config.untyped() else {
        return;
    };
    for (name, attribute) in &block.attributes {
        let Some(v) = entries.get(name) else { continue };
        let here = at.clone().attribute(name.clone());
        if attribute.write_only {
            if !v.is_null() {
                found.push(here);
            }
        } else if let AttributeType::Nested(nesting, attributes) = &attribute.ty {
            let nested = Block {
                attributes: attributes.clone(),
                ..Block::default()
            };
            let each = !matches!(nesting, ObjectNesting::Single);
            each_element(v, each, &here, |item, path| {
                write_only_paths(item, &nested, path, found)
            });
        }
    }
    for (name, nested) in &block.blocks {
        let Some(v) = entries.get(name) else { continue };
        let here = at.clone().attribute(name.clone());
        let each = !matches!(nested.nesting, BlockNesting::Single | BlockNesting::Group);
        each_element(v, each, &here, |item, path| {
            write_only_paths(item, &nested.block, path, found)
        });
    }
}

/// Calls `f` with `value` itself, or (`each`) with every element of the list, set or map it
/// is, and the path of each.
fn each_element(
    value: &Dynamic,
    each: bool,
    at: &AttributePath,
    mut f: impl FnMut(&Dynamic, &AttributePath),
) {
    match value.untyped() {
        Dynamic::List(items) if each => {
            for (i, item) in items.iter().enumerate() {
                f(
                    item,
                    &at.clone().index(i64::try_from(i).unwrap_or(i64::MAX)),
                );
            }
        }
        Dynamic::Map(items) if each => {
            for (key, item) in items {
                f(item, &at.clone().key(key.clone()));
            }
        }
        other if !each => f(other, at),
        _ => {}
    }
}

impl<P: Provider> Inner<P> {
    fn registry(&self) -> &Registry {
        self.registry.get_or_init(|| {
            let provider_schema = self.provider.schema();
            let provider_type = provider_schema.value_type();
            let resources = self
                .provider
                .resources()
                .into_iter()
                .map(|(name, handler)| {
                    let schema = handler.schema();
                    let ty = schema.value_type();
                    let identity = handler.identity_schema().map(|i| {
                        let t = i.value_type();
                        (i, t)
                    });
                    let write_only = !schema.block.write_only_attributes().is_empty();
                    (
                        name,
                        ResourceEntry {
                            handler,
                            schema,
                            ty,
                            identity,
                            write_only,
                        },
                    )
                })
                .collect();
            let ephemeral = self
                .provider
                .ephemeral_resources()
                .into_iter()
                .map(|(name, handler)| {
                    let schema = handler.schema();
                    let entry = Entry::new(handler, &schema);
                    (name, (schema, entry))
                })
                .collect();
            let lists = self
                .provider
                .list_resources()
                .into_iter()
                .map(|(name, handler)| {
                    let schema = handler.schema();
                    let entry = Entry::new(handler, &schema);
                    (name, (schema, entry))
                })
                .collect();
            Registry {
                provider_schema,
                provider_type,
                resources,
                ephemeral,
                lists,
            }
        })
    }

    fn resource(&self, diags: &mut Diagnostics, type_name: &str) -> Option<&ResourceEntry> {
        let entry = self.registry().resources.get(type_name);
        if entry.is_none() {
            unknown_type(diags, "resource", type_name);
        }
        entry
    }

    async fn get_metadata(&self) -> pb::get_metadata::Response {
        let registry = self.registry();
        pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: registry
                .resources
                .keys()
                .map(|name| pb::get_metadata::TypeName {
                    type_name: name.clone(),
                })
                .collect(),
            ephemeral_resources: registry
                .ephemeral
                .keys()
                .map(|name| pb::get_metadata::TypeName {
                    type_name: name.clone(),
                })
                .collect(),
            list_resources: registry
                .lists
                .keys()
                .map(|name| pb::get_metadata::TypeName {
                    type_name: name.clone(),
                })
                .collect(),
            ..Default::default()
        }
    }

    async fn get_provider_schema(&self) -> pb::get_provider_schema::Response {
        let registry = self.registry();
        pb::get_provider_schema::Response {
            provider: Some(convert::schema(&registry.provider_schema)),
            resource_schemas: registry
                .resources
                .iter()
                .map(|(name, entry)| (name.clone(), convert::schema(&entry.schema)))
                .collect(),
            ephemeral_resource_schemas: registry
                .ephemeral
                .iter()
                .map(|(name, (schema, _))| (name.clone(), convert::schema(schema)))
                .collect(),
            list_resource_schemas: registry
                .lists
                .iter()
                .map(|(name, (schema, _))| (name.clone(), convert::schema(schema)))
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }
    }

    async fn get_resource_identity_schemas(&self) -> pb::get_resource_identity_schemas::Response {
        pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .registry()
                .resources
                .iter()
                .filter_map(|(name, entry)| {
                    let (identity, _) = entry.identity.as_ref()?;
                    Some((name.clone(), convert::identity_schema(identity)))
                })
                .collect(),
            diagnostics: Vec::new(),
        }
    }

    async fn validate_provider_config(
        &self,
        request: pb::validate_provider_config::Request,
    ) -> pb::validate_provider_config::Response {
        let mut diags = Diagnostics::default();
        let ty = &self.registry().provider_type;
        if let Some(config) = decode_value(
            &mut diags,
            "provider configuration",
            request.config.as_ref(),
            ty,
        ) {
            match from_dynamic::<P::Config>(config) {
                Ok(config) => self.provider.validate(&mut diags, config).await,
                Err(e) => diags.error(
                    "Invalid provider configuration",
                    format!(
                        "The provider could not read its configuration: {}.",
                        e.message
                    ),
                    Some(e.path),
                ),
            }
        }
        pb::validate_provider_config::Response {
            diagnostics: convert::diagnostics(diags),
        }
    }

    async fn configure_provider(
        &self,
        request: pb::configure_provider::Request,
    ) -> pb::configure_provider::Response {
        let mut diags = Diagnostics::default();
        let ty = &self.registry().provider_type;
        let context = ConfigureContext {
            terraform_version: request.terraform_version,
            client: convert::client_capabilities(request.client_capabilities),
        };
        if let Some(config) = decode_value(
            &mut diags,
            "provider configuration",
            request.config.as_ref(),
            ty,
        ) {
            match from_dynamic::<P::Config>(config) {
                Ok(config) => self.provider.configure(&mut diags, config, context).await,
                Err(e) => diags.error(
                    "Invalid provider configuration",
                    format!(
                        "The provider could not read its configuration: {}.",
                        e.message
                    ),
                    Some(e.path),
                ),
            }
        }
        pb::configure_provider::Response {
            diagnostics: convert::diagnostics(diags),
        }
    }

    async fn validate_resource_config(
        &self,
        request: pb::validate_resource_config::Request,
    ) -> pb::validate_resource_config::Response {
        let mut diags = Diagnostics::default();
        let client = convert::client_capabilities(request.client_capabilities);
        if let Some(entry) = self.resource(&mut diags, &request.type_name)
            && let Some(config) = decode_value(
                &mut diags,
                "configuration",
                request.config.as_ref(),
                &entry.ty,
            )
        {
            if entry.write_only && !client.write_only_attributes_allowed {
                refuse_write_only(&mut diags, &config, &entry.schema.block);
            }
            entry.handler.validate(&mut diags, config, client).await;
        }
        pb::validate_resource_config::Response {
            diagnostics: convert::diagnostics(diags),
        }
    }

    async fn upgrade_resource_state(
        &self,
        request: pb::upgrade_resource_state::Request,
    ) -> pb::upgrade_resource_state::Response {
        let mut diags = Diagnostics::default();
        let mut upgraded = None;
        if let Some(entry) = self.resource(&mut diags, &request.type_name) {
            let raw = request.raw_state.unwrap_or_default();
            let current = entry.schema.version;
            if raw.json.is_empty() {
                diags.error(
                    "Stored state cannot be upgraded",
                    "The state of this resource is in the flatmap form of Terraform 0.11 and \
                     earlier, which this provider never wrote. Remove the resource from the state \
                     and import it again.",
                    None,
                );
            } else if request.version == current {
                // Same version: the stored JSON as the current type, dropping attributes a
                // later build of this schema version no longer has.
                match json::decode(&raw.json, &entry.ty, Undeclared::Drop) {
                    Ok(mut state) => {
                        entry.null_write_only(&mut state);
                        upgraded = encode_value(&mut diags, "state", &state, &entry.ty);
                    }
                    Err(e) => diags.error(
                        "Stored state cannot be read",
                        format!(
                            "The stored state does not match the resource's schema: {}. Remove the \
                             resource from the state and import it again.",
                            e.message
                        ),
                        Some(e.path),
                    ),
                }
            } else if request.version > current {
                diags.error(
                    "Stored state is from a newer provider",
                    format!(
                        "The state was written by schema version {} of {}, and this provider \
                         version knows versions up to {current}. Use the provider version that \
                         wrote it, or a newer one.",
                        request.version, request.type_name
                    ),
                    None,
                );
            } else {
                match serde_json::from_slice::<serde_json::Value>(&raw.json) {
                    Ok(raw) => {
                        if let Some(mut state) = entry
                            .handler
                            .upgrade(&mut diags, request.version, raw)
                            .await
                        {
                            entry.null_write_only(&mut state);
                            upgraded = encode_value(&mut diags, "state", &state, &entry.ty);
                        }
                    }
                    Err(e) => diags.error(
                        "Stored state cannot be read",
                        format!("The stored state is not JSON: {e}."),
                        None,
                    ),
                }
            }
        }
        pb::upgrade_resource_state::Response {
            upgraded_state: upgraded,
            diagnostics: convert::diagnostics(diags),
        }
    }

    async fn upgrade_resource_identity(
        &self,
        request: pb::upgrade_resource_identity::Request,
    ) -> pb::upgrade_resource_identity::Response {
        let mut diags = Diagnostics::default();
        let mut upgraded = None;
        if let Some(entry) = self.resource(&mut diags, &request.type_name) {
            match &entry.identity {
                None => diags.error(
                    "Resource type has no identity",
                    format!("{} declares no identity to upgrade.", request.type_name),
                    None,
                ),
                Some((schema, ty)) if schema.version == request.version => {
                    let raw = request.raw_identity.unwrap_or_default();
                    match json::decode(&raw.json, ty, Undeclared::Drop) {
                        Ok(identity) => {
                            upgraded =
                                encode_value(&mut diags, "identity", &identity, ty).map(|data| {
                                    pb::ResourceIdentityData {
                                        identity_data: Some(data),
                                    }
                                });
                        }
                        Err(e) => diags.error(
                            "Stored identity cannot be read",
                            format!(
                                "The stored identity does not match its schema: {}.",
                                e.message
                            ),
                            Some(e.path),
                        ),
                    }
                }
                Some((schema, _)) => diags.error(
                    "Stored identity cannot be upgraded",
                    format!(
                        "The identity was stored by identity schema version {}; this provider \
                         version has version {} and no upgrade from it.",
                        request.version, schema.version
                    ),
                    None,
                ),
            }
        }
        pb::upgrade_resource_identity::Response {
            upgraded_identity: upgraded,
            diagnostics: convert::diagnostics(diags),
        }
    }

    async fn read_resource(
        &self,
        request: pb::read_resource::Request,
    ) -> pb::read_resource::Response {
        let mut diags = Diagnostics::default();
        let mut response = pb::read_resource::Response::default();
        if let Some(entry) = self.resource(&mut diags, &request.type_name)
            && let Some(state) = decode_value(
                &mut diags,
                "state",
                request.current_state.as_ref(),
                &entry.ty,
            )
        {
            let current = decode_identity(&mut diags, entry, request.current_identity.as_ref());
            let read = entry
                .handler
                .read(&mut diags, state, &request.private)
                .await;
            let changed = match (&current, read.as_ref().and_then(|r| r.identity.as_ref())) {
                (Some(old), Some(new))
                    if old.is_wholly_known() && new.is_wholly_known() && old != new =>
                {
                    Some((identity_text(old), identity_text(new)))
                }
                _ => None,
            };
            match read {
                Some(_) if changed.is_some() => {
                    // An identity never changes: what was read is another object.
                    let (old, new) = changed.unwrap_or_default();
                    diags.error(
                        "Resource identity changed",
                        format!(
                            "The state holds the {} with identity {old}, but reading it found the \
                             one with identity {new}. An identity never changes, so this is another \
                             object: the state was left as it was. Remove the resource from the \
                             state (terraform state rm) and import the object you mean.",
                            request.type_name
                        ),
                        None,
                    );
                    response.new_state = request.current_state;
                    response.private = request.private;
                    response.new_identity = request.current_identity;
                }
                Some(mut read) => {
                    entry.null_write_only(&mut read.state);
                    response.new_state = encode_value(&mut diags, "state", &read.state, &entry.ty);
                    response.private = read.private;
                    response.new_identity =
                        encode_identity(&mut diags, entry, read.identity.as_ref());
                }
                // Gone: a null new state removes it from the state. With errors, Terraform keeps
                // the prior state instead, so the answer is the same either way.
                None if !diags.has_errors() => response.new_state = Some(null_value()),
                None => {
                    response.new_state = request.current_state;
                    response.private = request.private;
                    response.new_identity = request.current_identity;
                }
            }
        }
        response.diagnostics = convert::diagnostics(diags);
        response
    }

    async fn plan_resource_change(
        &self,
        request: pb::plan_resource_change::Request,
    ) -> pb::plan_resource_change::Response {
        let mut diags = Diagnostics::default();
        let mut response = pb::plan_resource_change::Response::default();
        let Some(entry) = self.resource(&mut diags, &request.type_name) else {
            response.diagnostics = convert::diagnostics(diags);
            return response;
        };
        let ty = &entry.ty;
        let (Some(prior), Some(proposed), Some(config)) = (
            decode_value(&mut diags, "prior state", request.prior_state.as_ref(), ty),
            decode_value(
                &mut diags,
                "proposed state",
                request.proposed_new_state.as_ref(),
                ty,
            ),
            decode_value(&mut diags, "configuration", request.config.as_ref(), ty),
        ) else {
            response.diagnostics = convert::diagnostics(diags);
            return response;
        };
        let handler = &entry.handler;
        match (prior.is_null(), proposed.is_null()) {
            (true, false) => {
                if let Some(mut planned) = handler.plan_create(&mut diags, proposed, config).await {
                    entry.null_write_only(&mut planned.state);
                    response.planned_state = encode_value(&mut diags, "plan", &planned.state, ty);
                    response.planned_private = planned.private;
                    response.planned_identity =
                        encode_identity(&mut diags, entry, planned.identity.as_ref());
                }
            }
            (false, false) => {
                if let Some((mut planned, replace)) = handler
                    .plan_update(&mut diags, prior, proposed, config, &request.prior_private)
                    .await
                {
                    entry.null_write_only(&mut planned.state);
                    response.planned_state = encode_value(&mut diags, "plan", &planned.state, ty);
                    response.planned_private = planned.private;
                    response.planned_identity =
                        encode_identity(&mut diags, entry, planned.identity.as_ref());
                    response.requires_replace =
                        replace.into_iter().map(convert::attribute_path).collect();
                }
            }
            (false, true) => {
                if let Some(private) = handler
                    .plan_destroy(&mut diags, prior, &request.prior_private)
                    .await
                {
                    response.planned_private = private;
                }
                response.planned_state = Some(null_value());
            }
            (true, true) => diags.error(
                "Nothing to plan",
                "Terraform asked for a plan with neither a prior nor a proposed state. This is a \
                 bug in the calling Terraform.",
                None,
            ),
        }
        response.diagnostics = convert::diagnostics(diags);
        response
    }

    async fn apply_resource_change(
        &self,
        request: pb::apply_resource_change::Request,
    ) -> pb::apply_resource_change::Response {
        let mut diags = Diagnostics::default();
        let mut response = pb::apply_resource_change::Response::default();
        let Some(entry) = self.resource(&mut diags, &request.type_name) else {
            response.diagnostics = convert::diagnostics(diags);
            return response;
        };
        let ty = &entry.ty;
        let (Some(prior), Some(planned), Some(config)) = (
            decode_value(&mut diags, "prior state", request.prior_state.as_ref(), ty),
            decode_value(
                &mut diags,
                "planned state",
                request.planned_state.as_ref(),
                ty,
            ),
            decode_value(&mut diags, "configuration", request.config.as_ref(), ty),
        ) else {
            response.diagnostics = convert::diagnostics(diags);
            return response;
        };
        let handler = &entry.handler;
        let private = &request.planned_private;
        let done = match (prior.is_null(), planned.is_null()) {
            (true, false) => handler.create(&mut diags, planned, config, private).await,
            (false, false) => {
                handler
                    .update(&mut diags, prior, planned, config, private)
                    .await
            }
            (false, true) => {
                // A null new state says "deleted"; with errors Terraform keeps the prior state.
                handler.destroy(&mut diags, prior, private).await;
                response.new_state = Some(null_value());
                None
            }
            (true, true) => {
                diags.error(
                    "Nothing to apply",
                    "Terraform asked to apply a change with neither a prior nor a planned state. \
                     This is a bug in the calling Terraform.",
                    None,
                );
                None
            }
        };
        if let Some(mut done) = done {
            entry.null_write_only(&mut done.state);
            response.new_state = encode_value(&mut diags, "new state", &done.state, ty);
            response.private = done.private;
            response.new_identity = encode_identity(&mut diags, entry, done.identity.as_ref());
        }
        response.diagnostics = convert::diagnostics(diags);
        response
    }

    async fn import_resource_state(
        &self,
        request: pb::import_resource_state::Request,
    ) -> pb::import_resource_state::Response {
        let mut diags = Diagnostics::default();
        let mut response = pb::import_resource_state::Response::default();
        if let Some(entry) = self.resource(&mut diags, &request.type_name) {
            let identity = decode_identity(&mut diags, entry, request.identity.as_ref());
            let imported = match (request.id.is_empty(), identity) {
                (false, _) => entry.handler.import(&mut diags, request.id).await,
                (true, Some(identity)) => entry.handler.import_identity(&mut diags, identity).await,
                (true, None) => {
                    if !diags.has_errors() {
                        diags.error(
                            "Nothing to import",
                            format!(
                                "The import of {} gave neither an id nor an identity{}.",
                                request.type_name,
                                if entry.identity.is_none() {
                                    " (this type is imported by id: terraform import ADDRESS ID)"
                                } else {
                                    ""
                                }
                            ),
                            None,
                        );
                    }
                    None
                }
            };
            if let Some(mut imported) = imported {
                entry.null_write_only(&mut imported.state);
                if let Some(state) =
                    encode_value(&mut diags, "imported state", &imported.state, &entry.ty)
                {
                    let identity = encode_identity(&mut diags, entry, imported.identity.as_ref());
                    response
                        .imported_resources
                        .push(pb::import_resource_state::ImportedResource {
                            type_name: request.type_name.clone(),
                            state: Some(state),
                            private: imported.private,
                            identity,
                        });
                }
            }
        }
        response.diagnostics = convert::diagnostics(diags);
        response
    }

    fn ephemeral(
        &self,
        diags: &mut Diagnostics,
        type_name: &str,
    ) -> Option<&Entry<dyn DynEphemeralResource>> {
        let entry = self.registry().ephemeral.get(type_name).map(|(_, e)| e);
        if entry.is_none() {
            unknown_type(diags, "ephemeral resource", type_name);
        }
        entry
    }

    async fn validate_ephemeral(
        &self,
        request: pb::validate_config::Request,
    ) -> pb::validate_config::Response {
        let mut diags = Diagnostics::default();
        if let Some(entry) = self.ephemeral(&mut diags, &request.type_name)
            && let Some(config) = decode_value(
                &mut diags,
                "configuration",
                request.config.as_ref(),
                &entry.ty,
            )
        {
            entry.handler.validate(&mut diags, config).await;
        }
        pb::validate_config::Response {
            diagnostics: convert::diagnostics(diags),
        }
    }

    async fn open_ephemeral(
        &self,
        request: pb::open_ephemeral_resource::Request,
    ) -> pb::open_ephemeral_resource::Response {
        let mut diags = Diagnostics::default();
        let mut response = pb::open_ephemeral_resource::Response::default();
        let client = convert::client_capabilities(request.client_capabilities);
        if let Some(entry) = self.ephemeral(&mut diags, &request.type_name)
            && let Some(config) = decode_value(
                &mut diags,
                "configuration",
                request.config.as_ref(),
                &entry.ty,
            )
            && let Some(opened) = entry.handler.open(&mut diags, config, client).await
        {
            response.result = encode_value(&mut diags, "result", &opened.result, &entry.ty);
            response.private = Some(opened.private);
            response.renew_at = opened.renew_at.map(convert::timestamp);
        }
        response.diagnostics = convert::diagnostics(diags);
        response
    }

    async fn renew_ephemeral(
        &self,
        request: pb::renew_ephemeral_resource::Request,
    ) -> pb::renew_ephemeral_resource::Response {
        let mut diags = Diagnostics::default();
        let mut response = pb::renew_ephemeral_resource::Response::default();
        if let Some(entry) = self.ephemeral(&mut diags, &request.type_name)
            && let Some((renew_at, private)) = entry
                .handler
                .renew(&mut diags, request.private.as_deref().unwrap_or_default())
                .await
        {
            response.private = Some(private);
            response.renew_at = renew_at.map(convert::timestamp);
        }
        response.diagnostics = convert::diagnostics(diags);
        response
    }

    async fn close_ephemeral(
        &self,
        request: pb::close_ephemeral_resource::Request,
    ) -> pb::close_ephemeral_resource::Response {
        let mut diags = Diagnostics::default();
        if let Some(entry) = self.ephemeral(&mut diags, &request.type_name) {
            entry
                .handler
                .close(&mut diags, request.private.as_deref().unwrap_or_default())
                .await;
        }
        pb::close_ephemeral_resource::Response {
            diagnostics: convert::diagnostics(diags),
        }
    }

    async fn validate_list(
        &self,
        request: pb::validate_list_resource_config::Request,
    ) -> pb::validate_list_resource_config::Response {
        let mut diags = Diagnostics::default();
        match self.registry().lists.get(&request.type_name) {
            None => unknown_type(&mut diags, "list resource", &request.type_name),
            Some((_, entry)) => {
                if let Some(limit) =
                    decode_value(&mut diags, "limit", request.limit.as_ref(), &Type::Number)
                    && let Dynamic::Number(n) = limit.untyped()
                    && n.as_i64().is_some_and(|n| n < 0)
                {
                    diags.error(
                        "Invalid limit",
                        "The limit of a list block is the most results to return: zero or more.",
                        Some(AttributePath::new("limit")),
                    );
                }
                if let Some(config) = decode_value(
                    &mut diags,
                    "list configuration",
                    request.config.as_ref(),
                    &entry.ty,
                ) {
                    entry.handler.validate(&mut diags, config).await;
                }
            }
        }
        pb::validate_list_resource_config::Response {
            diagnostics: convert::diagnostics(diags),
        }
    }

    /// The events of a `ListResource` call: one per object found, then one carrying the
    /// diagnostics, if any.
    async fn list(&self, request: pb::list_resource::Request) -> Vec<pb::list_resource::Event> {
        let mut diags = Diagnostics::default();
        let mut events = Vec::new();
        let registry = self.registry();
        match (
            registry.lists.get(&request.type_name),
            registry.resources.get(&request.type_name),
        ) {
            (Some((_, list)), Some(resource)) if resource.identity.is_some() => {
                if let Some(config) = decode_value(
                    &mut diags,
                    "list configuration",
                    request.config.as_ref(),
                    &list.ty,
                ) {
                    let limit = if request.limit > 0 {
                        request.limit
                    } else {
                        i64::MAX
                    };
                    let asked = ListRequest {
                        include_resource: request.include_resource_object,
                        limit,
                    };
                    let found = list.handler.list(&mut diags, config, asked).await;
                    let most = usize::try_from(limit).unwrap_or(usize::MAX);
                    for item in found.into_iter().take(most) {
                        let Some(identity) =
                            encode_identity(&mut diags, resource, Some(&item.identity))
                        else {
                            continue;
                        };
                        let resource_object = match item.state {
                            Some(mut state) if request.include_resource_object => {
                                resource.null_write_only(&mut state);
                                encode_value(&mut diags, "listed state", &state, &resource.ty)
                            }
                            _ => None,
                        };
                        events.push(pb::list_resource::Event {
                            identity: Some(identity),
                            display_name: item.display_name,
                            resource_object,
                            diagnostic: Vec::new(),
                        });
                    }
                }
            }
            (Some(_), _) => diags.error(
                "List resource without an identity",
                format!(
                    "{} is listed, but the managed resource type of that name declares no \
                     identity. This is a bug in the provider; please report it.",
                    request.type_name
                ),
                None,
            ),
            (None, _) => unknown_type(&mut diags, "list resource", &request.type_name),
        }
        if !diags.items.is_empty() {
            events.push(pb::list_resource::Event {
                diagnostic: convert::diagnostics(diags),
                ..Default::default()
            });
        }
        events
    }
}

/// Refuses write-only values for a Terraform that would store them.
fn refuse_write_only(diags: &mut Diagnostics, config: &Dynamic, block: &Block) {
    let mut found = Vec::new();
    write_only_paths(config, block, &AttributePath::root(), &mut found);
    for path in found {
        let name = match path.steps.last() {
            Some(Step::Attribute(name)) => name.clone(),
            _ => path.to_string(),
        };
        diags.error(
            "Write-only argument needs Terraform 1.11 or later",
            format!(
                "{name} is write-only: Terraform 1.11 and later pass it to the provider and never \
                 store it in the state or the plan. This Terraform does not know write-only \
                 arguments and would store the value in the state, so it is refused. Upgrade \
                 Terraform to 1.11 or later, or remove {name} from the configuration."
            ),
            Some(path),
        );
    }
}

fn no_such(kind: &str, type_name: &str) -> Vec<pb::Diagnostic> {
    let mut diags = Diagnostics::default();
    unknown_type(&mut diags, kind, type_name);
    convert::diagnostics(diags)
}

impl<P: Provider> tower_service::Service<http::Request<BoxBody>> for ProviderService<P> {
    type Response = http::Response<BoxBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<BoxBody>) -> Self::Future {
        let inner = self.inner.clone();
        let path = request.uri().path().to_string();
        let Some(method) = path.strip_prefix("/tfplugin6.Provider/") else {
            return grpc::unimplemented(&path);
        };
        tracing::trace!(target: "tfplugin", rpc = method, "request");
        macro_rules! unary {
            (|$req:ident : $req_ty:ty| $body:expr) => {
                grpc::unary(request, move |$req: $req_ty| async move {
                    let _ = &$req;
                    Ok::<_, Status>($body)
                })
            };
        }
        match method {
            "GetMetadata" => unary!(|_r: pb::get_metadata::Request| inner.get_metadata().await),
            "GetProviderSchema" => {
                unary!(|_r: pb::get_provider_schema::Request| inner.get_provider_schema().await)
            }
            "GetResourceIdentitySchemas" => {
                unary!(|_r: pb::get_resource_identity_schemas::Request| {
                    inner.get_resource_identity_schemas().await
                })
            }
            "ValidateProviderConfig" => unary!(|r: pb::validate_provider_config::Request| {
                inner.validate_provider_config(r).await
            }),
            "ConfigureProvider" => {
                unary!(|r: pb::configure_provider::Request| inner.configure_provider(r).await)
            }
            "ValidateResourceConfig" => unary!(|r: pb::validate_resource_config::Request| {
                inner.validate_resource_config(r).await
            }),
            "UpgradeResourceState" => unary!(|r: pb::upgrade_resource_state::Request| {
                inner.upgrade_resource_state(r).await
            }),
            "UpgradeResourceIdentity" => unary!(|r: pb::upgrade_resource_identity::Request| {
                inner.upgrade_resource_identity(r).await
            }),
            "ReadResource" => unary!(|r: pb::read_resource::Request| inner.read_resource(r).await),
            "PlanResourceChange" => unary!(|r: pb::plan_resource_change::Request| {
                inner.plan_resource_change(r).await
            }),
            "ApplyResourceChange" => unary!(|r: pb::apply_resource_change::Request| {
                inner.apply_resource_change(r).await
            }),
            "ImportResourceState" => unary!(|r: pb::import_resource_state::Request| {
                inner.import_resource_state(r).await
            }),
            "MoveResourceState" => unary!(|r: pb::move_resource_state::Request| {
                let mut diags = Diagnostics::default();
                diags.error(
                    "Moving resources between types is not supported",
                    format!(
                        "This provider cannot move {} of {} to {}; use terraform import instead.",
                        r.source_type_name, r.source_provider_address, r.target_type_name
                    ),
                    None,
                );
                pb::move_resource_state::Response {
                    diagnostics: convert::diagnostics(diags),
                    ..Default::default()
                }
            }),
            "GenerateResourceConfig" => unary!(|r: pb::generate_resource_config::Request| {
                pb::generate_resource_config::Response {
                    config: None,
                    diagnostics: no_such("resource configuration generator", &r.type_name),
                }
            }),
            "ValidateDataResourceConfig" => unary!(|r: pb::validate_config::Request| {
                pb::validate_config::Response {
                    diagnostics: no_such("data source", &r.type_name),
                }
            }),
            "ReadDataSource" => unary!(|r: pb::read_data_source::Request| {
                pb::read_data_source::Response {
                    diagnostics: no_such("data source", &r.type_name),
                    ..Default::default()
                }
            }),
            "ValidateEphemeralResourceConfig" => {
                unary!(|r: pb::validate_config::Request| inner.validate_ephemeral(r).await)
            }
            "OpenEphemeralResource" => {
                unary!(|r: pb::open_ephemeral_resource::Request| inner.open_ephemeral(r).await)
            }
            "RenewEphemeralResource" => {
                unary!(|r: pb::renew_ephemeral_resource::Request| inner.renew_ephemeral(r).await)
            }
            "CloseEphemeralResource" => {
                unary!(|r: pb::close_ephemeral_resource::Request| inner.close_ephemeral(r).await)
            }
            "ValidateListResourceConfig" => {
                unary!(|r: pb::validate_list_resource_config::Request| inner.validate_list(r).await)
            }
            "ListResource" => {
                grpc::server_streaming(request, move |r: pb::list_resource::Request| async move {
                    let events = inner.list(r).await;
                    let stream: BoxStream<pb::list_resource::Event> =
                        Box::pin(futures_util::stream::iter(events.into_iter().map(Ok)));
                    Ok(stream)
                })
            }
            "GetFunctions" => {
                unary!(|_r: pb::get_functions::Request| pb::get_functions::Response::default())
            }
            "CallFunction" => unary!(|r: pb::call_function::Request| {
                pb::call_function::Response {
                    result: None,
                    error: Some(pb::FunctionError {
                        text: format!("This provider has no function {:?}.", r.name),
                        function_argument: None,
                    }),
                }
            }),
            "ValidateActionConfig" => unary!(|r: pb::validate_config::Request| {
                pb::validate_config::Response {
                    diagnostics: no_such("action", &r.type_name),
                }
            }),
            "PlanAction" => unary!(|r: pb::plan_action::Request| {
                pb::plan_action::Response {
                    diagnostics: no_such("action", &r.action_type),
                    deferred: None,
                }
            }),
            "InvokeAction" => {
                grpc::server_streaming(request, move |r: pb::invoke_action::Request| async move {
                    use pb::invoke_action::event::{Completed, Type};
                    let event = pb::invoke_action::Event {
                        r#type: Some(Type::Completed(Completed {
                            diagnostics: no_such("action", &r.action_type),
                        })),
                    };
                    let stream: BoxStream<pb::invoke_action::Event> =
                        Box::pin(futures_util::stream::iter([Ok(event)]));
                    Ok(stream)
                })
            }
            "ValidateStateStoreConfig" => unary!(|r: pb::validate_config::Request| {
                pb::validate_config::Response {
                    diagnostics: no_such("state store", &r.type_name),
                }
            }),
            "ConfigureStateStore" => unary!(|r: pb::configure_state_store::Request| {
                pb::configure_state_store::Response {
                    diagnostics: no_such("state store", &r.type_name),
                }
            }),
            "GetStates" => unary!(|r: pb::get_states::Request| {
                pb::get_states::Response {
                    state_id: Vec::new(),
                    diagnostics: no_such("state store", &r.type_name),
                }
            }),
            "DeleteState" => unary!(|r: pb::delete_state::Request| {
                pb::delete_state::Response {
                    diagnostics: no_such("state store", &r.type_name),
                }
            }),
            "StopProvider" => unary!(|_r: pb::stop_provider::Request| {
                tracing::info!(target: "tfplugin", "Terraform asked the provider to stop");
                inner.provider.stop();
                pb::stop_provider::Response::default()
            }),
            _ => grpc::unimplemented(&path),
        }
    }
}
