//! Each Terraform reads the schema the provider declares exactly: `terraform providers schema
//! -json` of every Terraform under test is compared with the schemas the provider's code
//! builds (the provider configuration and every resource: attributes with their types and
//! flags, descriptions, nested blocks with their nesting and item limits, schema versions).
//! A field a Terraform version does not know (`write_only` before 1.11, the provider schema's
//! version in 1.0) is not expected from it; nor are the sections it does not print (ephemeral
//! resources before 1.10, identity schemas before 1.12, list resources before 1.14).

use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use ff_provider::provider::FfProvider;
use serde_json::{Map, Value, json};
use tfplugin::Provider;
use tfplugin::schema::{
    Attribute, AttributeType, Block, BlockNesting, DescriptionKind, IdentitySchema, NestedBlock,
    ObjectNesting, Schema,
};

const CONFIG: &str = r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
"#;

fn kind(k: DescriptionKind) -> &'static str {
    match k {
        DescriptionKind::Plain => "plain",
        DescriptionKind::Markdown => "markdown",
    }
}

fn flag(object: &mut Map<String, Value>, name: &str, set: bool) {
    if set {
        object.insert(name.into(), Value::Bool(true));
    }
}

/// An attribute as `providers schema -json` prints it.
fn attribute(a: &Attribute, tf: &TerraformBin) -> Value {
    let mut o = Map::new();
    match &a.ty {
        AttributeType::Type(t) => {
            o.insert("type".into(), t.to_json());
        }
        AttributeType::Nested(nesting, attributes) => {
            let mode = match nesting {
                ObjectNesting::Single => "single",
                ObjectNesting::List => "list",
                ObjectNesting::Set => "set",
                ObjectNesting::Map => "map",
            };
            o.insert(
                "nested_type".into(),
                json!({
                    "attributes": attributes.iter().map(|(n, a)| (n.clone(), attribute(a, tf))).collect::<Map<_, _>>(),
                    "nesting_mode": mode,
                }),
            );
        }
    }
    if !a.description.text.is_empty() {
        o.insert("description".into(), a.description.text.clone().into());
        o.insert("description_kind".into(), kind(a.description.kind).into());
    }
    let (required, optional, computed) = a.constraint.flags();
    flag(&mut o, "required", required);
    flag(&mut o, "optional", optional);
    flag(&mut o, "computed", computed);
    flag(&mut o, "sensitive", a.sensitive);
    flag(&mut o, "deprecated", a.deprecated);
    if tf.at_least(1, 11) {
        flag(&mut o, "write_only", a.write_only);
    }
    Value::Object(o)
}

fn nested(n: &NestedBlock, tf: &TerraformBin) -> Value {
    let mode = match n.nesting {
        BlockNesting::Single => "single",
        BlockNesting::List => "list",
        BlockNesting::Set => "set",
        BlockNesting::Map => "map",
        BlockNesting::Group => "group",
    };
    let mut o = Map::new();
    o.insert("nesting_mode".into(), mode.into());
    o.insert("block".into(), block(&n.block, tf));
    if n.min_items > 0 {
        o.insert("min_items".into(), n.min_items.into());
    }
    if n.max_items > 0 {
        o.insert("max_items".into(), n.max_items.into());
    }
    Value::Object(o)
}

fn block(b: &Block, tf: &TerraformBin) -> Value {
    let mut o = Map::new();
    if !b.attributes.is_empty() {
        o.insert(
            "attributes".into(),
            b.attributes
                .iter()
                .map(|(n, a)| (n.clone(), attribute(a, tf)))
                .collect::<Map<_, _>>()
                .into(),
        );
    }
    if !b.blocks.is_empty() {
        o.insert(
            "block_types".into(),
            b.blocks
                .iter()
                .map(|(n, nb)| (n.clone(), nested(nb, tf)))
                .collect::<Map<_, _>>()
                .into(),
        );
    }
    if !b.description.text.is_empty() {
        o.insert("description".into(), b.description.text.clone().into());
        o.insert("description_kind".into(), kind(b.description.kind).into());
    }
    flag(&mut o, "deprecated", b.deprecated);
    Value::Object(o)
}

/// A resource identity schema as `providers schema -json` prints it.
fn identity(s: &IdentitySchema) -> Value {
    let attributes: Map<String, Value> = s
        .attributes
        .iter()
        .map(|(name, a)| {
            let mut o = Map::new();
            o.insert("type".into(), a.ty.to_json());
            if !a.description.is_empty() {
                o.insert("description".into(), a.description.clone().into());
            }
            flag(&mut o, "required_for_import", a.required_for_import);
            flag(&mut o, "optional_for_import", a.optional_for_import);
            (name.clone(), Value::Object(o))
        })
        .collect();
    json!({ "version": s.version, "attributes": attributes })
}

fn schema(s: &Schema, tf: &TerraformBin) -> Value {
    json!({ "version": s.version, "block": block(&s.block, tf) })
}

/// Every path where `actual` differs from `expected`, with both values.
fn differences(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => differences(ev, av, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: expected {ev}, missing")),
                }
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}.{k}: not declared, printed {}", a[k]));
            }
        }
        (e, a) if e != a => out.push(format!("{path}: expected {e}, printed {a}")),
        _ => {}
    }
}

#[test]
fn every_terraform_reads_the_declared_schema() {
    let provider = FfProvider::new();
    for tf in terraforms() {
        let dir = Workdir::new(&tf, CONFIG, Vec::new());
        let run = dir.run(&["providers", "schema", "-json"]).ok();
        let printed: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
        let ff = &printed["provider_schemas"]["registry.terraform.io/ff/ff"];
        let mut provider_schema = schema(&provider.schema(), &tf);
        if !tf.at_least(1, 1) {
            // Terraform 1.0 prints the provider configuration's schema without its version
            // (internal/command/jsonprovider at v1.0.3 marshals only resource versions).
            provider_schema["version"] = json!(0);
        }
        let mut expected = json!({
            "provider": provider_schema,
            "resource_schemas": provider
                .resources()
                .iter()
                .map(|(name, r)| (name.clone(), schema(&r.schema(), &tf)))
                .collect::<Map<_, _>>(),
        });
        // Ephemeral resources are printed by Terraform 1.10 and later, identity schemas by
        // 1.12 and later, list resources by 1.14 and later.
        if tf.at_least(1, 10) {
            expected["ephemeral_resource_schemas"] = provider
                .ephemeral_resources()
                .iter()
                .map(|(name, r)| (name.clone(), schema(&r.schema(), &tf)))
                .collect::<Map<_, _>>()
                .into();
        }
        if tf.at_least(1, 12) {
            expected["resource_identity_schemas"] = provider
                .resources()
                .iter()
                .filter_map(|(name, r)| Some((name.clone(), identity(&r.identity_schema()?))))
                .collect::<Map<_, _>>()
                .into();
        }
        if tf.at_least(1, 14) {
            expected["list_resource_schemas"] = provider
                .list_resources()
                .iter()
                .map(|(name, r)| (name.clone(), schema(&r.schema(), &tf)))
                .collect::<Map<_, _>>()
                .into();
        }
        let mut problems = Vec::new();
        differences(&expected, ff, "", &mut problems);
        assert!(
            problems.is_empty(),
            "terraform {}: the printed schema differs from the declared one:\n{}",
            tf.version,
            problems.join("\n")
        );
        let resources = ff["resource_schemas"]
            .as_object()
            .map(Map::len)
            .unwrap_or(0);
        assert_eq!(resources, 3, "terraform {}: three resources", tf.version);
        if tf.at_least(1, 14) {
            for section in [
                "ephemeral_resource_schemas",
                "resource_identity_schemas",
                "list_resource_schemas",
            ] {
                let printed = ff[section].as_object().map(Map::len).unwrap_or(0);
                assert!(printed >= 2, "terraform {}: {section} printed", tf.version);
            }
        }
    }
}
