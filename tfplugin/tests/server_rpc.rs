//! The server as a gRPC client sees it, over its real Unix socket: a toy provider served by
//! [`tfplugin::plugin::serve`], called with the protocol's own messages.
//!
//! Covers what no Terraform version exercises on its own: every RPC answers (declared or not),
//! write-only values are refused for a client without the capability and never returned,
//! same-version state upgrades drop attributes the schema lost, a gone resource reads as
//! null, `StopProvider` reaches the provider, and `GRPCController.Shutdown` ends the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tfplugin::codec::msgpack;
use tfplugin::proto::goplugin;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::schema::{Attribute, Block, Constraint, NestedBlock, Schema};
use tfplugin::{
    AttributePath, ConfigureContext, Diagnostics, DynResource, Dynamic, Provider, Resource, Type,
    Value,
};
use tonic::codec::ProstCodec;
use tonic::transport::{Channel, Endpoint};

#[derive(Default, Serialize, Deserialize)]
struct Opts {
    token_wo: Value<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct Thing {
    id: Value<String>,
    name: Value<String>,
    secret_wo: Value<String>,
    #[serde(default)]
    opts: Vec<Opts>,
}

struct ThingResource;

#[async_trait]
impl Resource for ThingResource {
    type State = Thing;
    type Private = ();

    fn schema(&self) -> Schema {
        Schema {
            version: 2,
            block: Block::new("A toy.")
                .attribute(
                    "id",
                    Attribute::new(Type::String, Constraint::Computed, "Id."),
                )
                .attribute(
                    "name",
                    Attribute::new(Type::String, Constraint::Required, "Name."),
                )
                .attribute(
                    "secret_wo",
                    Attribute::new(Type::String, Constraint::Optional, "Secret.").write_only(),
                )
                .block(
                    "opts",
                    NestedBlock::optional(Block::new("Options.").attribute(
                        "token_wo",
                        Attribute::new(Type::String, Constraint::Optional, "Token.").write_only(),
                    )),
                ),
        }
    }

    async fn read(&self, _: &mut Diagnostics, state: Thing, _: ()) -> Option<(Thing, ())> {
        // "gone" is the name of a thing that no longer exists.
        (state.name != Value::Value("gone".into())).then_some((state, ()))
    }

    async fn plan_create(
        &self,
        _: &mut Diagnostics,
        mut proposed: Thing,
        _: Thing,
    ) -> Option<(Thing, ())> {
        proposed.id = Value::Unknown;
        // A careless provider would echo the write-only value; the server nulls it.
        Some((proposed, ()))
    }

    async fn plan_update(
        &self,
        _: &mut Diagnostics,
        _: Thing,
        proposed: Thing,
        _: Thing,
        _: (),
    ) -> Option<(Thing, (), Vec<AttributePath>)> {
        Some((proposed, (), vec![AttributePath::new("name")]))
    }

    async fn create(
        &self,
        _: &mut Diagnostics,
        mut planned: Thing,
        _: Thing,
        _: (),
    ) -> Option<(Thing, ())> {
        planned.id = Value::Value("thing-1".into());
        Some((planned, ()))
    }

    async fn update(
        &self,
        _: &mut Diagnostics,
        _: Thing,
        planned: Thing,
        _: Thing,
        _: (),
    ) -> Option<(Thing, ())> {
        Some((planned, ()))
    }

    async fn destroy(&self, _: &mut Diagnostics, _: Thing, _: ()) -> Option<()> {
        Some(())
    }

    async fn import(&self, _: &mut Diagnostics, id: String) -> Option<(Thing, ())> {
        Some((
            Thing {
                id: Value::Value(id.clone()),
                name: Value::Value(id),
                ..Thing::default()
            },
            (),
        ))
    }
}

#[derive(Default)]
struct Toy {
    stopped: Arc<AtomicBool>,
}

#[derive(Deserialize)]
struct ToyConfig {
    #[allow(dead_code)]
    region: Value<String>,
}

#[async_trait]
impl Provider for Toy {
    type Config = ToyConfig;

    fn schema(&self) -> Schema {
        Schema::new(Block::new("Toy").attribute(
            "region",
            Attribute::new(Type::String, Constraint::Optional, "Region."),
        ))
    }

    async fn configure(&self, _: &mut Diagnostics, _: ToyConfig, _: ConfigureContext) {}

    fn resources(&self) -> Vec<(String, Arc<dyn DynResource>)> {
        vec![(
            "toy_thing".to_string(),
            Arc::new(ThingResource) as Arc<dyn DynResource>,
        )]
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }
}

struct Client {
    channel: Channel,
}

impl Client {
    async fn call<Req, Res>(&self, path: &'static str, request: Req) -> Result<Res, tonic::Status>
    where
        Req: prost::Message + Send + Sync + 'static,
        Res: prost::Message + Default + Send + Sync + 'static,
    {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
        grpc.ready()
            .await
            .map_err(|e| tonic::Status::unknown(e.to_string()))?;
        let codec: ProstCodec<Req, Res> = ProstCodec::default();
        grpc.unary(
            tonic::Request::new(request),
            http::uri::PathAndQuery::from_static(path),
            codec,
        )
        .await
        .map(tonic::Response::into_inner)
    }
}

fn thing_type() -> Type {
    Resource::schema(&ThingResource).value_type()
}

fn value(pairs: &[(&str, Dynamic)]) -> pb::DynamicValue {
    let mut entries: std::collections::BTreeMap<String, Dynamic> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    entries
        .entry("opts".into())
        .or_insert(Dynamic::List(vec![]));
    pb::DynamicValue {
        msgpack: msgpack::encode(&Dynamic::Map(entries), &thing_type()).expect("encodes"),
        json: vec![],
    }
}

fn decode(value: &Option<pb::DynamicValue>) -> Dynamic {
    msgpack::decode(&value.as_ref().expect("a value").msgpack, &thing_type()).expect("decodes")
}

fn errors(diags: &[pb::Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn the_server_answers_every_rpc() {
    let sockets = tempfile::tempdir().expect("temp dir");
    // SAFETY: the only test of this binary; nothing else reads the environment meanwhile.
    unsafe {
        std::env::set_var("PLUGIN_UNIX_SOCKET_DIR", sockets.path());
        std::env::remove_var("PLUGIN_CLIENT_CERT");
        std::env::set_var("PLUGIN_PROTOCOL_VERSIONS", "6");
    }
    let toy = Toy::default();
    let stopped = toy.stopped.clone();
    let shutdown = tfplugin::plugin::Shutdown::default();
    let server = tokio::spawn(tfplugin::plugin::serve(Arc::new(toy), shutdown.clone()));
    let socket = loop {
        let found = std::fs::read_dir(sockets.path())
            .expect("socket dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .next();
        if let Some(path) = found {
            break path;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let channel = Endpoint::from_static("http://plugin")
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            async move {
                tokio::net::UnixStream::connect(socket)
                    .await
                    .map(TokioIo::new)
            }
        }))
        .await
        .expect("connects");
    let client = Client { channel };

    // Metadata and schemas.
    let metadata: pb::get_metadata::Response = client
        .call(
            "/tfplugin6.Provider/GetMetadata",
            pb::get_metadata::Request {},
        )
        .await
        .expect("GetMetadata");
    let caps = metadata.server_capabilities.expect("capabilities");
    assert!(caps.plan_destroy && caps.get_provider_schema_optional);
    assert_eq!(metadata.resources[0].type_name, "toy_thing");
    let schema: pb::get_provider_schema::Response = client
        .call(
            "/tfplugin6.Provider/GetProviderSchema",
            pb::get_provider_schema::Request {},
        )
        .await
        .expect("GetProviderSchema");
    let thing = &schema.resource_schemas["toy_thing"];
    assert_eq!(thing.version, 2);
    let block = thing.block.as_ref().expect("block");
    let secret = block
        .attributes
        .iter()
        .find(|a| a.name == "secret_wo")
        .expect("secret_wo");
    assert!(secret.write_only && secret.optional);
    let identities: pb::get_resource_identity_schemas::Response = client
        .call(
            "/tfplugin6.Provider/GetResourceIdentitySchemas",
            pb::get_resource_identity_schemas::Request {},
        )
        .await
        .expect("GetResourceIdentitySchemas");
    assert!(identities.identity_schemas.is_empty());

    // Write-only values: refused without the client capability, at their path.
    let config = value(&[
        ("name", "a".into()),
        ("secret_wo", "s3cr3t".into()),
        (
            "opts",
            Dynamic::List(vec![Dynamic::Map(
                [("token_wo".to_string(), Dynamic::from("t0k3n"))]
                    .into_iter()
                    .collect(),
            )]),
        ),
    ]);
    let refused: pb::validate_resource_config::Response = client
        .call(
            "/tfplugin6.Provider/ValidateResourceConfig",
            pb::validate_resource_config::Request {
                type_name: "toy_thing".into(),
                config: Some(config.clone()),
                client_capabilities: None,
            },
        )
        .await
        .expect("ValidateResourceConfig");
    let paths: Vec<String> = refused
        .diagnostics
        .iter()
        .map(|d| {
            d.attribute
                .as_ref()
                .map(|p| {
                    p.steps
                        .iter()
                        .map(|s| format!("{:?}", s.selector))
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(
        paths
            .iter()
            .any(|p| p == "Some(AttributeName(\"secret_wo\"))"),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p
            == "Some(AttributeName(\"opts\"))/Some(ElementKeyInt(0))/Some(AttributeName(\"token_wo\"))"),
        "{paths:?}"
    );
    assert!(errors(&refused.diagnostics)[0].contains("Terraform 1.11 or later"));
    assert!(
        !format!("{refused:?}").contains("s3cr3t"),
        "the value is never quoted"
    );
    let accepted: pb::validate_resource_config::Response = client
        .call(
            "/tfplugin6.Provider/ValidateResourceConfig",
            pb::validate_resource_config::Request {
                type_name: "toy_thing".into(),
                config: Some(config.clone()),
                client_capabilities: Some(pb::ClientCapabilities {
                    deferral_allowed: false,
                    write_only_attributes_allowed: true,
                }),
            },
        )
        .await
        .expect("ValidateResourceConfig");
    assert!(
        accepted.diagnostics.is_empty(),
        "{:?}",
        accepted.diagnostics
    );

    // Plans and new states never hold a write-only value.
    let null = value(&[]);
    let null = pb::DynamicValue {
        msgpack: vec![0xc0],
        json: null.json,
    };
    let planned: pb::plan_resource_change::Response = client
        .call(
            "/tfplugin6.Provider/PlanResourceChange",
            pb::plan_resource_change::Request {
                type_name: "toy_thing".into(),
                prior_state: Some(null.clone()),
                proposed_new_state: Some(config.clone()),
                config: Some(config.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("PlanResourceChange");
    assert!(errors(&planned.diagnostics).is_empty());
    let plan = decode(&planned.planned_state);
    assert_eq!(plan.get("secret_wo"), Some(&Dynamic::Null));
    assert_eq!(plan.get("id"), Some(&Dynamic::Unknown));
    let Some(Dynamic::List(opts)) = plan.get("opts") else {
        panic!("opts")
    };
    assert_eq!(opts[0].get("token_wo"), Some(&Dynamic::Null));
    let applied: pb::apply_resource_change::Response = client
        .call(
            "/tfplugin6.Provider/ApplyResourceChange",
            pb::apply_resource_change::Request {
                type_name: "toy_thing".into(),
                prior_state: Some(null.clone()),
                planned_state: planned.planned_state.clone(),
                config: Some(config.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("ApplyResourceChange");
    let state = decode(&applied.new_state);
    assert_eq!(state.get("id"), Some(&Dynamic::from("thing-1")));
    assert_eq!(state.get("secret_wo"), Some(&Dynamic::Null));

    // A gone resource reads as null; a destroy's new state is null.
    let read: pb::read_resource::Response = client
        .call(
            "/tfplugin6.Provider/ReadResource",
            pb::read_resource::Request {
                type_name: "toy_thing".into(),
                current_state: Some(value(&[("id", "x".into()), ("name", "gone".into())])),
                ..Default::default()
            },
        )
        .await
        .expect("ReadResource");
    assert_eq!(read.new_state.expect("state").msgpack, vec![0xc0]);

    // Same-version upgrade: stored JSON with an attribute the schema lost.
    let upgraded: pb::upgrade_resource_state::Response = client
        .call(
            "/tfplugin6.Provider/UpgradeResourceState",
            pb::upgrade_resource_state::Request {
                type_name: "toy_thing".into(),
                version: 2,
                raw_state: Some(pb::RawState {
                    json: br#"{"id":"a","name":"a","removed_long_ago":1,"opts":[]}"#.to_vec(),
                    flatmap: Default::default(),
                }),
            },
        )
        .await
        .expect("UpgradeResourceState");
    assert!(
        errors(&upgraded.diagnostics).is_empty(),
        "{:?}",
        upgraded.diagnostics
    );
    assert_eq!(
        decode(&upgraded.upgraded_state).get("name"),
        Some(&Dynamic::from("a"))
    );
    let newer: pb::upgrade_resource_state::Response = client
        .call(
            "/tfplugin6.Provider/UpgradeResourceState",
            pb::upgrade_resource_state::Request {
                type_name: "toy_thing".into(),
                version: 3,
                raw_state: Some(pb::RawState {
                    json: b"{}".to_vec(),
                    flatmap: Default::default(),
                }),
            },
        )
        .await
        .expect("UpgradeResourceState");
    assert!(errors(&newer.diagnostics)[0].contains("newer provider"));

    // Import by id; by identity alone is refused for a type without one.
    let imported: pb::import_resource_state::Response = client
        .call(
            "/tfplugin6.Provider/ImportResourceState",
            pb::import_resource_state::Request {
                type_name: "toy_thing".into(),
                id: "WM-Prod".into(),
                ..Default::default()
            },
        )
        .await
        .expect("ImportResourceState");
    assert_eq!(imported.imported_resources.len(), 1);
    let by_identity: pb::import_resource_state::Response = client
        .call(
            "/tfplugin6.Provider/ImportResourceState",
            pb::import_resource_state::Request {
                type_name: "toy_thing".into(),
                identity: Some(pb::ResourceIdentityData {
                    identity_data: None,
                }),
                ..Default::default()
            },
        )
        .await
        .expect("ImportResourceState");
    assert!(by_identity.imported_resources.is_empty());
    assert!(!errors(&by_identity.diagnostics).is_empty());

    // Types the provider does not declare answer with a diagnostic, not a transport error.
    for (path, type_name) in [
        (
            "/tfplugin6.Provider/ValidateEphemeralResourceConfig",
            "toy_secret",
        ),
        ("/tfplugin6.Provider/ValidateDataResourceConfig", "toy_data"),
        ("/tfplugin6.Provider/ValidateActionConfig", "toy_action"),
        ("/tfplugin6.Provider/ValidateStateStoreConfig", "toy_store"),
    ] {
        let answer: pb::validate_config::Response = client
            .call(
                path,
                pb::validate_config::Request {
                    type_name: type_name.into(),
                    config: None,
                },
            )
            .await
            .expect(path);
        assert!(errors(&answer.diagnostics)[0].contains(type_name), "{path}");
    }
    let unknown: pb::read_resource::Response = client
        .call(
            "/tfplugin6.Provider/ReadResource",
            pb::read_resource::Request {
                type_name: "toy_other".into(),
                ..Default::default()
            },
        )
        .await
        .expect("ReadResource");
    assert!(errors(&unknown.diagnostics)[0].contains("toy_other"));
    let functions: pb::get_functions::Response = client
        .call(
            "/tfplugin6.Provider/GetFunctions",
            pb::get_functions::Request {},
        )
        .await
        .expect("GetFunctions");
    assert!(functions.functions.is_empty());
    let future = client
        .call::<_, pb::get_functions::Response>(
            "/tfplugin6.Provider/ReadStateBytes",
            pb::get_functions::Request {},
        )
        .await
        .expect_err("an RPC after 6.10 is unimplemented");
    assert_eq!(future.code(), tonic::Code::Unimplemented);

    // go-plugin's health check.
    let health: tfplugin::proto::health::HealthCheckResponse = client
        .call(
            "/grpc.health.v1.Health/Check",
            tfplugin::proto::health::HealthCheckRequest {
                service: "plugin".into(),
            },
        )
        .await
        .expect("Check");
    assert_eq!(health.status, 1, "SERVING");

    // StopProvider reaches the provider; Shutdown ends the server.
    let _: pb::stop_provider::Response = client
        .call(
            "/tfplugin6.Provider/StopProvider",
            pb::stop_provider::Request {},
        )
        .await
        .expect("StopProvider");
    assert!(stopped.load(Ordering::SeqCst));
    let _: goplugin::Empty = client
        .call("/plugin.GRPCController/Shutdown", goplugin::Empty {})
        .await
        .expect("Shutdown");
    drop(client);
    let served = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops after Shutdown")
        .expect("task");
    served.expect("serve ends without error");
}
