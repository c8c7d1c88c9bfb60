//! Between the crate's types and the wire messages — the only code besides the services that
//! touches [`crate::proto`].

use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics, Severity, Step};
use crate::proto::tfplugin6 as pb;
use crate::resource::ClientCapabilities;
use crate::schema::{
    Attribute, AttributeType, Block, BlockNesting, Description, DescriptionKind, IdentitySchema,
    NestedBlock, ObjectNesting, Schema,
};

pub(crate) fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags.items.into_iter().map(diagnostic).collect()
}

fn diagnostic(d: Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: d.summary,
        detail: d.detail,
        attribute: d.attribute.map(attribute_path),
    }
}

pub(crate) fn attribute_path(path: AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .steps
            .into_iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    Step::Attribute(name) => Selector::AttributeName(name),
                    Step::Key(key) => Selector::ElementKeyString(key),
                    Step::Index(index) => Selector::ElementKeyInt(index),
                }),
            })
            .collect(),
    }
}

/// A point in time as the protocol's `google.protobuf.Timestamp`.
pub(crate) fn timestamp(at: std::time::SystemTime) -> pb::Timestamp {
    match at.duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => pb::Timestamp {
            seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(since.subsec_nanos()).unwrap_or(0),
        },
        Err(_) => pb::Timestamp::default(),
    }
}

pub(crate) fn client_capabilities(caps: Option<pb::ClientCapabilities>) -> ClientCapabilities {
    let caps = caps.unwrap_or_default();
    ClientCapabilities {
        deferral_allowed: caps.deferral_allowed,
        write_only_attributes_allowed: caps.write_only_attributes_allowed,
    }
}

fn kind(description: &Description) -> i32 {
    match description.kind {
        DescriptionKind::Plain => pb::StringKind::Plain as i32,
        DescriptionKind::Markdown => pb::StringKind::Markdown as i32,
    }
}

pub(crate) fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block, schema.version)),
    }
}

fn block(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b
            .attributes
            .iter()
            .map(|(name, a)| attribute(name, a))
            .collect(),
        block_types: b
            .blocks
            .iter()
            .map(|(name, nested)| nested_block(name, nested))
            .collect(),
        description: b.description.text.clone(),
        description_kind: kind(&b.description),
        deprecated: b.deprecated,
        deprecation_message: String::new(),
    }
}

fn attribute(name: &str, a: &Attribute) -> pb::schema::Attribute {
    let (required, optional, computed) = a.constraint.flags();
    let (r#type, nested_type) = match &a.ty {
        AttributeType::Type(t) => (t.to_json_bytes(), None),
        AttributeType::Nested(nesting, attributes) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes
                    .iter()
                    .map(|(name, a)| attribute(name, a))
                    .collect(),
                nesting: match nesting {
                    ObjectNesting::Single => pb::schema::object::NestingMode::Single,
                    ObjectNesting::List => pb::schema::object::NestingMode::List,
                    ObjectNesting::Set => pb::schema::object::NestingMode::Set,
                    ObjectNesting::Map => pb::schema::object::NestingMode::Map,
                } as i32,
                min_items: 0,
                max_items: 0,
            }),
        ),
    };
    pb::schema::Attribute {
        name: name.to_string(),
        r#type,
        nested_type,
        description: a.description.text.clone(),
        required,
        optional,
        computed,
        sensitive: a.sensitive,
        description_kind: kind(&a.description),
        deprecated: a.deprecated,
        write_only: a.write_only,
        deprecation_message: String::new(),
    }
}

fn nested_block(name: &str, nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    pb::schema::NestedBlock {
        type_name: name.to_string(),
        block: Some(block(&nested.block, 0)),
        nesting: match nested.nesting {
            BlockNesting::Single => NestingMode::Single,
            BlockNesting::List => NestingMode::List,
            BlockNesting::Set => NestingMode::Set,
            BlockNesting::Map => NestingMode::Map,
            BlockNesting::Group => NestingMode::Group,
        } as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

pub(crate) fn identity_schema(identity: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: identity.version,
        identity_attributes: identity
            .attributes
            .iter()
            .map(
                |(name, a)| pb::resource_identity_schema::IdentityAttribute {
                    name: name.clone(),
                    r#type: a.ty.to_json_bytes(),
                    required_for_import: a.required_for_import,
                    optional_for_import: a.optional_for_import,
                    description: a.description.clone(),
                },
            )
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Constraint;
    use crate::types::Type;

    #[test]
    fn schemas_carry_every_flag() {
        let s = Schema {
            version: 2,
            block: Block::new("r")
                .attribute(
                    "secret",
                    Attribute::new(Type::String, Constraint::OptionalComputed, "s")
                        .sensitive()
                        .write_only(),
                )
                .block("b", NestedBlock::optional(Block::new("b"))),
        };
        let pb = schema(&s);
        assert_eq!(pb.version, 2);
        let block = pb.block.expect("block");
        assert_eq!(block.version, 2);
        let a = &block.attributes[0];
        assert_eq!(a.name, "secret");
        assert_eq!(a.r#type, b"\"string\"");
        assert!(!a.required && a.optional && a.computed && a.sensitive && a.write_only);
        assert_eq!(a.description_kind, pb::StringKind::Markdown as i32);
        let b = &block.block_types[0];
        assert_eq!((b.type_name.as_str(), b.nesting, b.max_items), ("b", 2, 1));
    }

    #[test]
    fn diagnostics_keep_severity_and_path() {
        let mut diags = Diagnostics::default();
        diags.error("e", "d", Some(AttributePath::new("a").index(1).key("k")));
        diags.warning("w", "d", None);
        let pb = diagnostics(diags);
        assert_eq!(pb[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(pb[0].attribute.as_ref().map(|p| p.steps.len()), Some(3));
        assert_eq!(pb[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert!(pb[1].attribute.is_none());
    }
}
