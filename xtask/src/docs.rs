//! `cargo xtask docs`: registry-format documentation generated from the provider's own
//! schema, the layout the Terraform Registry renders
//! (<https://developer.hashicorp.com/terraform/registry/providers/docs>):
//!
//! - `docs/index.md`: the provider, its configuration (every argument, nested blocks, the
//!   environment variable each setting falls back to) and `examples/provider/provider.tf`;
//! - `docs/resources/<name>.md` for every resource the provider serves (`ff_<name>`): its
//!   description, `examples/resources/ff_<name>/resource.tf`, every argument and attribute
//!   grouped as required, optional and read-only (computed), marked sensitive or write-only
//!   where they are, nested blocks and attributes, its identity, and the import command from
//!   `import.sh` and the `import` block by identity from `import-by-identity.tf`;
//! - `docs/ephemeral-resources/<name>.md` likewise from
//!   `examples/ephemeral-resources/ff_<name>/ephemeral-resource.tf`;
//! - `docs/list-resources/<name>.md` (the `config` block of a `list` block of
//!   `terraform query`) from `examples/list-resources/ff_<name>/list-resource.tfquery.hcl`;
//!
//! The generator asks the provider itself (`Provider::schema`, `Provider::resources`), so a
//! resource added to `resources::all` is documented without touching this file. `--check` (and the test below) fails when `docs/` differs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ff_provider::provider::FfProvider;
use tfplugin::Provider;
use tfplugin::schema::{
    Attribute, AttributeType, Block, BlockNesting, Constraint, NestedBlock, ObjectNesting, Schema,
};
use tfplugin::types::Type;

/// The provider's local name: resource types are `ff_<name>`.
const PROVIDER: &str = "ff";

/// What `docs/` must hold: path relative to the repository root → content.
pub type Pages = BTreeMap<PathBuf, String>;

/// Writes the docs, or with `check` fails when they differ from what would be written.
pub fn run(root: &Path, check: bool) -> Result<()> {
    let pages = render(root)?;
    if check {
        let problems = differences(root, &pages)?;
        if !problems.is_empty() {
            bail!(
                "docs/ is not current ({}); run `cargo xtask docs` and commit the result",
                problems.join("; ")
            );
        }
        println!("docs/ is current ({} pages)", pages.len());
        return Ok(());
    }
    for stale in stale_pages(root, &pages)? {
        fs::remove_file(root.join(&stale))
            .with_context(|| format!("cannot remove {}", stale.display()))?;
        println!("removed {}", stale.display());
    }
    for (path, content) in &pages {
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        if fs::read_to_string(&full).ok().as_deref() != Some(content.as_str()) {
            fs::write(&full, content)
                .with_context(|| format!("cannot write {}", full.display()))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// Every page, from the provider's schemas and the examples under `root`.
pub fn render(root: &Path) -> Result<Pages> {
    let provider = FfProvider::new();
    let schema = Provider::schema(&provider);
    let mut pages = Pages::new();
    pages.insert(PathBuf::from("docs/index.md"), index_page(root, &schema)?);
    let strip = |type_name: &str| -> Result<String> {
        type_name
            .strip_prefix(&format!("{PROVIDER}_"))
            .map(str::to_string)
            .with_context(|| format!("type {type_name} lacks the {PROVIDER}_ prefix"))
    };
    for (type_name, resource) in Provider::resources(&provider) {
        let name = strip(&type_name)?;
        let mut page = object_page(root, Kind::Resource, &name, &resource.schema())?;
        if let Some(identity) = resource.identity_schema() {
            page = with_identity(page, &identity);
        }
        pages.insert(PathBuf::from(format!("docs/resources/{name}.md")), page);
    }
    for (type_name, ephemeral) in Provider::ephemeral_resources(&provider) {
        let name = strip(&type_name)?;
        pages.insert(
            PathBuf::from(format!("docs/ephemeral-resources/{name}.md")),
            object_page(root, Kind::Ephemeral, &name, &ephemeral.schema())?,
        );
    }
    for (type_name, list) in Provider::list_resources(&provider) {
        let name = strip(&type_name)?;
        pages.insert(
            PathBuf::from(format!("docs/list-resources/{name}.md")),
            object_page(root, Kind::List, &name, &list.schema())?,
        );
    }
    Ok(pages)
}

/// What differs between `docs/` and `pages`, one message per file.
pub fn differences(root: &Path, pages: &Pages) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for (path, content) in pages {
        match fs::read_to_string(root.join(path)) {
            Ok(existing) if existing == *content => {}
            Ok(existing) => problems.push(format!(
                "{} differs from the generated page at line {}",
                path.display(),
                first_difference(&existing, content)
            )),
            Err(_) => problems.push(format!("{} is missing", path.display())),
        }
    }
    for stale in stale_pages(root, pages)? {
        problems.push(format!(
            "{} documents something the provider does not serve",
            stale.display()
        ));
    }
    Ok(problems)
}

fn first_difference(a: &str, b: &str) -> usize {
    let mut lines_a = a.lines();
    let mut lines_b = b.lines();
    let mut line = 1;
    loop {
        match (lines_a.next(), lines_b.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (None, None) => return line,
            _ => return line,
        }
    }
}

/// Generated-looking pages in `docs/` that the generator no longer writes.
fn stale_pages(root: &Path, pages: &Pages) -> Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for dir in [
        "docs/resources",
        "docs/data-sources",
        "docs/ephemeral-resources",
        "docs/list-resources",
    ] {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let path = PathBuf::from(dir).join(&name);
            if name.ends_with(".md") && !pages.contains_key(&path) {
                stale.push(path);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

#[derive(Clone, Copy)]
enum Kind {
    Resource,
    Ephemeral,
    List,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::Ephemeral => "Ephemeral Resource",
            Kind::List => "List Resource",
        }
    }
    fn examples_dir(self) -> &'static str {
        match self {
            Kind::Resource => "examples/resources",
            Kind::Ephemeral => "examples/ephemeral-resources",
            Kind::List => "examples/list-resources",
        }
    }
    fn example_file(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::Ephemeral => "ephemeral-resource.tf",
            Kind::List => "list-resource.tfquery.hcl",
        }
    }
}

fn read_example(root: &Path, relative: &str) -> Result<Option<String>> {
    match fs::read_to_string(root.join(relative)) {
        Ok(text) => Ok(Some(text.trim_end().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {relative}")),
    }
}

fn front_matter(title: &str, description: &str) -> String {
    let mut text = format!("---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-\n");
    for line in description.lines() {
        if line.is_empty() {
            text.push('\n');
        } else {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
    }
    text.push_str("---\n\n");
    text
}

fn index_page(root: &Path, schema: &Schema) -> Result<String> {
    let description = schema.block.description.text.trim();
    let mut page = front_matter(&format!("{PROVIDER} Provider"), description);
    page.push_str(&format!("# {PROVIDER} Provider\n\n{description}\n\n"));
    if let Some(example) = read_example(root, "examples/provider/provider.tf")? {
        page.push_str(&format!(
            "## Example Usage\n\n```terraform\n{example}\n```\n\n"
        ));
    }
    page.push_str("## Schema\n\n");
    render_block(&mut page, &schema.block, &[], true);
    let variables = environment_variables(&schema.block, "");
    if !variables.is_empty() {
        page.push_str(
            "## Environment variables\n\nEach setting left out of the configuration is read from \
             the environment variable the official provider of that system reads:\n\n\
             | Setting | Environment variable |\n|---|---|\n",
        );
        for (setting, variable) in variables {
            page.push_str(&format!("| `{setting}` | `{variable}` |\n"));
        }
        page.push('\n');
    }
    Ok(finish(page))
}

fn object_page(root: &Path, kind: Kind, name: &str, schema: &Schema) -> Result<String> {
    let type_name = format!("{PROVIDER}_{name}");
    let description = schema.block.description.text.trim();
    let mut page = front_matter(
        &format!(
            "{type_name} {} - terraform-provider-{PROVIDER}",
            kind.title()
        ),
        description,
    );
    page.push_str(&format!(
        "# {type_name} ({})\n\n{description}\n\n",
        kind.title()
    ));
    let dir = format!("{}/{type_name}", kind.examples_dir());
    if let Some(example) = read_example(root, &format!("{dir}/{}", kind.example_file()))? {
        page.push_str(&format!(
            "## Example Usage\n\n```terraform\n{example}\n```\n\n"
        ));
    }
    page.push_str("## Schema\n\n");
    render_block(&mut page, &schema.block, &[], true);
    if let Kind::Resource = kind
        && let Some(import) = read_example(root, &format!("{dir}/import.sh"))?
    {
        page.push_str(&format!(
            "## Import\n\nImport is supported using the following syntax:\n\n```shell\n{import}\n```\n\n"
        ));
        if let Some(block) = read_example(root, &format!("{dir}/import-by-identity.tf"))? {
            page.push_str(&format!(
                "With Terraform 1.12 and later, an `import` block can name the object by its identity:\n\n```terraform\n{block}\n```\n\n"
            ));
        }
    }
    Ok(finish(page))
}

/// A resource page with its identity schema after the schema.
fn with_identity(page: String, identity: &tfplugin::schema::IdentitySchema) -> String {
    let mut section = String::from(
        "### Identity Schema\n\nWhat names the object whatever its state holds (Terraform 1.12 and later: \
         `import` blocks with `identity`, `terraform state identities`, `terraform query`):\n\n",
    );
    for (name, attribute) in &identity.attributes {
        let need = if attribute.required_for_import {
            "Required for import"
        } else {
            "Optional for import"
        };
        section.push_str(&format!(
            "- `{name}` ({}, {need}) {}\n",
            type_name(&attribute.ty),
            one_line(&attribute.description)
        ));
    }
    section.push('\n');
    match page.find("## Import") {
        Some(at) => format!("{}{section}{}", &page[..at], &page[at..]),
        None => finish(page + "\n" + &section),
    }
}

/// One trailing newline.
fn finish(page: String) -> String {
    format!("{}\n", page.trim_end())
}

/// The group an attribute is listed in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn heading(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
    fn of(constraint: Constraint) -> Group {
        match constraint {
            Constraint::Required => Group::Required,
            Constraint::Optional | Constraint::OptionalComputed => Group::Optional,
            Constraint::Computed => Group::ReadOnly,
        }
    }
}

/// A line of the schema listing and the nested schemas it refers to.
struct Item<'a> {
    name: &'a str,
    group: Group,
    line: String,
    nested: Option<Nested<'a>>,
}

enum Nested<'a> {
    Block(&'a Block),
    Attributes(&'a BTreeMap<String, Attribute>),
}

fn anchor(prefix: &str, path: &[&str]) -> String {
    format!("{prefix}--{}", path.join("--"))
}

/// Renders a block's attributes and nested blocks grouped as Required / Optional /
/// Read-Only, then a section per nested schema. `top` pages use `###` group headings,
/// nested sections plain "Required:" labels (the registry's convention).
fn render_block(page: &mut String, block: &Block, path: &[&str], top: bool) {
    let mut items: Vec<Item> = Vec::new();
    for (name, attribute) in &block.attributes {
        items.push(attribute_item(name, attribute, path));
    }
    for (name, nested) in &block.blocks {
        items.push(block_item(name, nested, path));
    }
    items.sort_by(|a, b| (a.group, a.name).cmp(&(b.group, b.name)));
    render_items(page, &items, top);
    for item in &items {
        let mut child: Vec<&str> = path.to_vec();
        child.push(item.name);
        match &item.nested {
            Some(Nested::Block(nested)) => {
                page.push_str(&format!(
                    "<a id=\"{}\"></a>\n### Nested Schema for `{}`\n\n",
                    anchor("nestedblock", &child),
                    child.join(".")
                ));
                render_block(page, nested, &child, false);
            }
            Some(Nested::Attributes(attributes)) => {
                page.push_str(&format!(
                    "<a id=\"{}\"></a>\n### Nested Schema for `{}`\n\n",
                    anchor("nestedatt", &child),
                    child.join(".")
                ));
                let block = Block {
                    attributes: (*attributes).clone(),
                    ..Block::default()
                };
                render_block(page, &block, &child, false);
            }
            None => {}
        }
    }
}

fn render_items(page: &mut String, items: &[Item], top: bool) {
    let mut current = None;
    for item in items {
        if current != Some(item.group) {
            if current.is_some() {
                page.push('\n');
            }
            if top {
                page.push_str(&format!("### {}\n\n", item.group.heading()));
            } else {
                page.push_str(&format!("{}:\n\n", item.group.heading()));
            }
            current = Some(item.group);
        }
        page.push_str(&item.line);
        page.push('\n');
    }
    if current.is_some() {
        page.push('\n');
    }
}

fn attribute_item<'a>(name: &'a str, attribute: &'a Attribute, path: &[&str]) -> Item<'a> {
    let group = Group::of(attribute.constraint);
    let mut tags = vec![attribute_type_name(&attribute.ty)];
    if attribute.constraint == Constraint::OptionalComputed {
        // Listed with the optional arguments; the provider fills it in when it is not set.
        tags.push("Optional".to_string());
        tags.push("Computed".to_string());
    }
    if attribute.sensitive {
        tags.push("Sensitive".to_string());
    }
    if attribute.write_only {
        tags.push("Write-only".to_string());
    }
    if attribute.deprecated {
        tags.push("Deprecated".to_string());
    }
    let mut line = format!(
        "- `{name}` ({}) {}",
        tags.join(", "),
        one_line(&attribute.description.text)
    );
    let nested = match &attribute.ty {
        AttributeType::Nested(_, attrs) => Some(Nested::Attributes(attrs)),
        AttributeType::Type(_) => None,
    };
    if nested.is_some() {
        let mut child: Vec<&str> = path.to_vec();
        child.push(name);
        line.push_str(&format!(
            " (see [below for nested schema](#{}))",
            anchor("nestedatt", &child)
        ));
    }
    Item {
        name,
        group,
        line,
        nested,
    }
}

fn block_item<'a>(name: &'a str, nested: &'a NestedBlock, path: &[&str]) -> Item<'a> {
    let block = &nested.block;
    let group = if nested.min_items > 0 {
        Group::Required
    } else {
        Group::Optional
    };
    let mut kind = match nested.nesting {
        BlockNesting::Single | BlockNesting::Group => "Block".to_string(),
        BlockNesting::List => "Block List".to_string(),
        BlockNesting::Set => "Block Set".to_string(),
        BlockNesting::Map => "Block Map".to_string(),
    };
    if matches!(nested.nesting, BlockNesting::List | BlockNesting::Set) && nested.max_items > 0 {
        kind.push_str(&format!(", Max: {}", nested.max_items));
    }
    let mut tags = vec![kind];
    if block.deprecated {
        tags.push("Deprecated".to_string());
    }
    let mut child: Vec<&str> = path.to_vec();
    child.push(name);
    let line = format!(
        "- `{name}` ({}) {} (see [below for nested schema](#{}))",
        tags.join(", "),
        one_line(&block.description.text),
        anchor("nestedblock", &child)
    );
    Item {
        name,
        group,
        line,
        nested: Some(Nested::Block(block)),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attribute_type_name(ty: &AttributeType) -> String {
    match ty {
        AttributeType::Type(t) => type_name(t),
        AttributeType::Nested(ObjectNesting::Single, _) => "Attributes".into(),
        AttributeType::Nested(ObjectNesting::List, _) => "Attributes List".into(),
        AttributeType::Nested(ObjectNesting::Set, _) => "Attributes Set".into(),
        AttributeType::Nested(ObjectNesting::Map, _) => "Attributes Map".into(),
    }
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::List(inner) => format!("List of {}", type_name(inner)),
        Type::Set(inner) => format!("Set of {}", type_name(inner)),
        Type::Map(inner) => format!("Map of {}", type_name(inner)),
        Type::Object(..) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
        Type::Dynamic => "Dynamic".into(),
    }
}

/// `(setting, variable)` for every attribute whose description names its environment
/// variable as "Environment: `NAME`" (several names separated by "or" or commas), sorted
/// by setting.
fn environment_variables(block: &Block, prefix: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (name, attribute) in &block.attributes {
        let text = &attribute.description.text;
        if let Some(start) = text.find("Environment:") {
            let names: Vec<&str> = text[start..]
                .split('`')
                .skip(1)
                .step_by(2)
                .take_while(|n| {
                    !n.is_empty()
                        && n.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                })
                .collect();
            if !names.is_empty() {
                found.push((format!("{prefix}{name}"), names.join("`, `")));
            }
        }
    }
    for (name, nested) in &block.blocks {
        found.extend(environment_variables(
            &nested.block,
            &format!("{prefix}{name}."),
        ));
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::repo_root;

    /// The committed docs are what the generator writes (after a schema or example change,
    /// run `cargo xtask docs`).
    #[test]
    fn committed_docs_are_current() {
        let root = repo_root();
        let pages = render(&root).unwrap();
        let problems = differences(&root, &pages).unwrap();
        assert!(
            problems.is_empty(),
            "docs/ is not current; run `cargo xtask docs` and commit the result:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn every_served_resource_has_a_page_with_its_attributes() {
        let pages = render(&repo_root()).unwrap();
        let page = pages
            .get(Path::new("docs/resources/deployment.md"))
            .expect("ff_deployment is documented");
        for fragment in [
            "# ff_deployment (Resource)",
            "### Required",
            "- `key` (String)",
            "### Optional",
            "- `deletion_protection` (Boolean, Optional, Computed)",
            "### Read-Only",
            "- `names` (Map of String)",
            "- `grafana_datasource` (Block List, Max: 1)",
            "### Nested Schema for `grafana_datasource`",
            "## Import",
            "terraform import ff_deployment.",
        ] {
            assert!(page.contains(fragment), "missing {fragment:?} in:\n{page}");
        }
        let index = pages.get(Path::new("docs/index.md")).unwrap();
        for fragment in [
            "- `token` (String, Sensitive)",
            "| `vault.address` | `VAULT_ADDR` |",
            "| `grafana.auth` | `GRAFANA_AUTH` |",
            "### Nested Schema for `vault`",
        ] {
            assert!(
                index.contains(fragment),
                "missing {fragment:?} in:\n{index}"
            );
        }
    }

    #[test]
    fn environment_variables_are_read_from_descriptions() {
        let block = Block {
            attributes: [
                (
                    "a".to_string(),
                    Attribute::new(
                        Type::String,
                        Constraint::Optional,
                        "Thing. Environment: `A_ONE` or `A_TWO`.",
                    ),
                ),
                (
                    "b".to_string(),
                    Attribute::new(Type::String, Constraint::Optional, "No variable."),
                ),
            ]
            .into_iter()
            .collect(),
            ..Block::default()
        };
        assert_eq!(
            environment_variables(&block, "x."),
            vec![("x.a".to_string(), "A_ONE`, `A_TWO".to_string())]
        );
    }
}
