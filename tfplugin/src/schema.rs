//! Schemas: what a provider, resource, ephemeral resource or list resource accepts and
//! returns, and the identity of a managed resource.
//!
//! A schema is a [`Block`] of [`Attribute`]s and [`NestedBlock`]s; its
//! [`value_type`](Block::value_type) drives the value codecs.

use std::collections::BTreeMap;

use crate::types::Type;

/// How a description is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DescriptionKind {
    /// Plain text.
    Plain,
    /// Markdown (what the registry renders).
    #[default]
    Markdown,
}

/// A human-readable description.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    /// The text.
    pub text: String,
    /// How it is written.
    pub kind: DescriptionKind,
}

impl Description {
    /// A Markdown description.
    pub fn markdown(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            kind: DescriptionKind::Markdown,
        }
    }

    /// A plain-text description.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            kind: DescriptionKind::Plain,
        }
    }
}

/// Who sets an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// The configuration must set it.
    Required,
    /// The configuration may set it; else it is null.
    Optional,
    /// Only the provider sets it.
    Computed,
    /// The configuration may set it; else the provider does.
    OptionalComputed,
}

impl Constraint {
    /// `(required, optional, computed)` as the protocol spells them.
    pub fn flags(self) -> (bool, bool, bool) {
        match self {
            Constraint::Required => (true, false, false),
            Constraint::Optional => (false, true, false),
            Constraint::Computed => (false, false, true),
            Constraint::OptionalComputed => (false, true, true),
        }
    }
}

/// How the objects of a nested attribute are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectNesting {
    /// One object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
}

/// An attribute's type: a type of the language, or nested attributes (protocol 6).
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeType {
    /// A type of the language.
    Type(Type),
    /// Objects of nested attributes.
    Nested(ObjectNesting, BTreeMap<String, Attribute>),
}

impl AttributeType {
    /// The type of the attribute's value.
    pub fn value_type(&self) -> Type {
        match self {
            AttributeType::Type(t) => t.clone(),
            AttributeType::Nested(nesting, attributes) => {
                let object = Type::Object(
                    attributes
                        .iter()
                        .map(|(name, a)| (name.clone(), a.ty.value_type()))
                        .collect(),
                    Default::default(),
                );
                match nesting {
                    ObjectNesting::Single => object,
                    ObjectNesting::List => Type::list(object),
                    ObjectNesting::Set => Type::set(object),
                    ObjectNesting::Map => Type::map(object),
                }
            }
        }
    }
}

/// One attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Its type.
    pub ty: AttributeType,
    /// What it is (feeds the docs).
    pub description: Description,
    /// Who sets it.
    pub constraint: Constraint,
    /// Terraform hides its value in plans and output.
    pub sensitive: bool,
    /// Terraform passes it to the provider but never stores it (protocol 6.8,
    /// Terraform ≥ 1.11).
    pub write_only: bool,
    /// Deprecated; Terraform warns when it is set.
    pub deprecated: bool,
}

impl Attribute {
    /// An attribute of type `ty`.
    pub fn new(ty: Type, constraint: Constraint, description: impl Into<String>) -> Self {
        Self {
            ty: AttributeType::Type(ty),
            description: Description::markdown(description),
            constraint,
            sensitive: false,
            write_only: false,
            deprecated: false,
        }
    }

    /// A nested attribute: objects of `attributes`, collected as `nesting` says.
    pub fn nested(
        nesting: ObjectNesting,
        attributes: BTreeMap<String, Attribute>,
        constraint: Constraint,
        description: impl Into<String>,
    ) -> Self {
        Self {
            ty: AttributeType::Nested(nesting, attributes),
            description: Description::markdown(description),
            constraint,
            sensitive: false,
            write_only: false,
            deprecated: false,
        }
    }

    /// The same attribute, sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// The same attribute, write-only.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// The same attribute, deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
}

/// How the blocks of a nested block type are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockNesting {
    /// At most one block; null without.
    Single,
    /// A list of blocks.
    List,
    /// A set of blocks.
    Set,
    /// Blocks with one label each, as a map.
    Map,
    /// At most one block; without, a block of nulls.
    Group,
}

/// A nested block type.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    /// How its blocks are collected.
    pub nesting: BlockNesting,
    /// What each block holds.
    pub block: Block,
    /// Fewest blocks (list and set nesting).
    pub min_items: i64,
    /// Most blocks (list and set nesting; 0 for no limit).
    pub max_items: i64,
}

impl NestedBlock {
    /// Blocks collected as `nesting` says, with no limit on their number.
    pub fn new(nesting: BlockNesting, block: Block) -> Self {
        Self {
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    /// At most one block, as a list of zero or one element: the form that works with every
    /// Terraform version and with `dynamic` blocks.
    pub fn optional(block: Block) -> Self {
        Self {
            nesting: BlockNesting::List,
            block,
            min_items: 0,
            max_items: 1,
        }
    }

    /// The type of the collected blocks.
    pub fn value_type(&self) -> Type {
        let object = self.block.value_type();
        match self.nesting {
            BlockNesting::Single | BlockNesting::Group => object,
            BlockNesting::List => Type::list(object),
            BlockNesting::Set => Type::set(object),
            BlockNesting::Map => Type::map(object),
        }
    }
}

/// A block: attributes and nested block types.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    /// Attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
    /// Nested block types by name.
    pub blocks: BTreeMap<String, NestedBlock>,
    /// What it is.
    pub description: Description,
    /// Deprecated as a whole.
    pub deprecated: bool,
}

impl Block {
    /// An empty block with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: Description::markdown(description),
            ..Self::default()
        }
    }

    /// The same block with one more attribute.
    pub fn attribute(mut self, name: impl Into<String>, attribute: Attribute) -> Self {
        self.attributes.insert(name.into(), attribute);
        self
    }

    /// The same block with one more nested block type.
    pub fn block(mut self, name: impl Into<String>, block: NestedBlock) -> Self {
        self.blocks.insert(name.into(), block);
        self
    }

    /// The type of a value of this block: an object of its attributes and nested blocks.
    pub fn value_type(&self) -> Type {
        let mut attributes: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|(name, a)| (name.clone(), a.ty.value_type()))
            .collect();
        for (name, nested) in &self.blocks {
            attributes.insert(name.clone(), nested.value_type());
        }
        Type::Object(attributes, Default::default())
    }

    /// Paths of every write-only attribute, at any depth (list and set blocks are named by
    /// their type, without an index).
    pub fn write_only_attributes(&self) -> Vec<String> {
        let mut found = Vec::new();
        self.collect_write_only("", &mut found);
        found
    }

    fn collect_write_only(&self, prefix: &str, found: &mut Vec<String>) {
        collect_write_only_attributes(&self.attributes, prefix, found);
        for (name, nested) in &self.blocks {
            nested
                .block
                .collect_write_only(&format!("{prefix}{name}."), found);
        }
    }
}

/// The write-only attributes among `attributes`, and within their nested attributes.
fn collect_write_only_attributes(
    attributes: &BTreeMap<String, Attribute>,
    prefix: &str,
    found: &mut Vec<String>,
) {
    for (name, attribute) in attributes {
        if attribute.write_only {
            found.push(format!("{prefix}{name}"));
        } else if let AttributeType::Nested(_, nested) = &attribute.ty {
            collect_write_only_attributes(nested, &format!("{prefix}{name}."), found);
        }
    }
}

/// A versioned schema.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Bumped whenever stored states must be upgraded.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

impl Schema {
    /// Version 0 of `block`.
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    /// The type of a value of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

/// One attribute of a resource's identity.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityAttribute {
    /// Its type.
    pub ty: Type,
    /// An `import` block must give it.
    pub required_for_import: bool,
    /// An `import` block may give it; the provider can find it otherwise.
    pub optional_for_import: bool,
    /// What it is.
    pub description: String,
}

/// The identity of a managed resource type (protocol 6.9): the data that names one remote
/// object, whatever else its state holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IdentitySchema {
    /// Bumped when stored identities must be upgraded.
    pub version: i64,
    /// Attributes by name.
    pub attributes: BTreeMap<String, IdentityAttribute>,
}

impl IdentitySchema {
    /// The type of an identity value.
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|(name, a)| (name.clone(), a.ty.clone()))
                .collect(),
            Default::default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_types_of_blocks_and_nested_attributes() {
        let inner = Block::new("inner").attribute(
            "url",
            Attribute::new(Type::String, Constraint::Optional, "u"),
        );
        let block = Block::new("outer")
            .attribute(
                "key",
                Attribute::new(Type::String, Constraint::Required, "k"),
            )
            .attribute(
                "apps",
                Attribute::nested(
                    ObjectNesting::Map,
                    BTreeMap::from([(
                        "type".to_string(),
                        Attribute::new(Type::String, Constraint::Required, "t"),
                    )]),
                    Constraint::Optional,
                    "a",
                ),
            )
            .block("one", NestedBlock::optional(inner.clone()))
            .block(
                "group",
                NestedBlock::new(BlockNesting::Group, inner.clone()),
            )
            .block("set", NestedBlock::new(BlockNesting::Set, inner));
        assert_eq!(
            block.value_type().to_string(),
            "object({apps=map(object({type=string})), group=object({url=string}), key=string, \
             one=list(object({url=string})), set=set(object({url=string}))})"
        );
    }

    #[test]
    fn write_only_attributes_are_found_at_depth() {
        let block = Block::new("r")
            .attribute(
                "secret_wo",
                Attribute::new(Type::String, Constraint::Optional, "s").write_only(),
            )
            .block(
                "nested",
                NestedBlock::optional(Block::new("n").attribute(
                    "token_wo",
                    Attribute::new(Type::String, Constraint::Optional, "t").write_only(),
                )),
            )
            .attribute(
                "objects",
                Attribute::nested(
                    ObjectNesting::List,
                    BTreeMap::from([(
                        "key_wo".to_string(),
                        Attribute::new(Type::String, Constraint::Optional, "k").write_only(),
                    )]),
                    Constraint::Optional,
                    "o",
                ),
            );
        assert_eq!(
            block.write_only_attributes(),
            vec![
                "objects.key_wo".to_string(),
                "secret_wo".to_string(),
                "nested.token_wo".to_string()
            ]
        );
    }
}
