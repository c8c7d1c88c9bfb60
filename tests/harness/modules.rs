//! The repository's HCL modules and examples, read with an HCL parser: what they declare,
//! what they reference, the problems a static check finds in them, and the inputs/outputs
//! tables of their READMEs.
//!
//! The Azure and Terraform Cloud modules cannot be validated by terraform here (their
//! providers cannot be installed), so [`Module::problems`] checks what `terraform validate`
//! would check without a provider schema: every variable typed and described, every output
//! described, every `var.`, `local.`, `module.`, `data.` and resource reference declared,
//! every module call passing exactly the variables the called module declares (and every
//! output it reads existing there), every resource type's provider required, and every
//! validation message a sentence as Terraform 1.0 demands.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hcl::expr::{Expression, ObjectKey, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Block, Body};

use crate::tools::repo_root;

/// Marks the start of the generated part of a README.
pub const DOCS_BEGIN: &str =
    "<!-- BEGIN GENERATED: inputs and outputs (cargo run -p ff-e2e --bin module-docs) -->";
/// Marks its end.
pub const DOCS_END: &str = "<!-- END GENERATED -->";

/// Example directories that are not documented by a generated table (the top-level README
/// documents `examples/local`, which `scripts/run-local.sh` applies).
const UNDOCUMENTED: &[&str] = &["examples/local"];

/// A `variable` block.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// File it is declared in.
    pub file: String,
    /// `description`, when a plain string.
    pub description: Option<String>,
    /// `type`, as HCL.
    pub type_expr: Option<String>,
    /// `default`, as HCL (`None` when required).
    pub default: Option<String>,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// `(condition, error_message)` of each `validation` block, as HCL / plain text.
    pub validations: Vec<(Option<String>, Option<String>)>,
    /// The block itself, for tests that evaluate it with terraform.
    pub block: Block,
}

impl Variable {
    /// The attribute names of an `object({...})` type; `None` for other types.
    pub fn object_attributes(&self) -> Option<Vec<String>> {
        let Some(Expression::FuncCall(call)) = expr_attr(&self.block.body, "type") else {
            return None;
        };
        if call.name.name.as_str() != "object" {
            return None;
        }
        let Some(Expression::Object(object)) = call.args.first() else {
            return None;
        };
        Some(
            object
                .keys()
                .map(|key| match key {
                    ObjectKey::Identifier(name) => name.to_string(),
                    ObjectKey::Expression(e) => one_line(e),
                    other => format!("{other:?}"),
                })
                .collect(),
        )
    }

    /// The `variable` block alone, as HCL: a configuration of its own in which terraform
    /// evaluates the block's validations.
    pub fn to_hcl(&self) -> String {
        hcl::to_string(&Body::builder().add_block(self.block.clone()).build())
            .unwrap_or_else(|e| panic!("variable {:?} formats as HCL: {e}", self.name))
    }
}

/// An `output` block.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its name.
    pub name: String,
    /// File it is declared in.
    pub file: String,
    /// `description`, when a plain string.
    pub description: Option<String>,
}

/// A `module` block.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    /// Its name.
    pub name: String,
    /// File it is declared in.
    pub file: String,
    /// `source`.
    pub source: Option<String>,
    /// Arguments other than the meta-arguments.
    pub arguments: BTreeSet<String>,
}

/// A reference found in an expression: the root name and the attribute names after it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// File it appears in.
    pub file: String,
    /// `var`, `local`, `module`, `data`, a resource type, `each`...
    pub root: String,
    /// The attribute names that follow the root (up to the first index or splat).
    pub path: Vec<String>,
}

impl Reference {
    fn text(&self) -> String {
        std::iter::once(self.root.as_str())
            .chain(self.path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// One directory of `.tf` files.
#[derive(Debug, Clone)]
pub struct Module {
    /// The directory.
    pub dir: PathBuf,
    /// Variables by name.
    pub variables: BTreeMap<String, Variable>,
    /// Outputs by name.
    pub outputs: BTreeMap<String, Output>,
    /// Local value names.
    pub locals: BTreeSet<String>,
    /// Module calls by name.
    pub calls: BTreeMap<String, ModuleCall>,
    /// Managed resources as (type, name).
    pub resources: BTreeSet<(String, String)>,
    /// Data sources as (type, name).
    pub data: BTreeSet<(String, String)>,
    /// Local names of the providers in `required_providers`.
    pub required_providers: BTreeSet<String>,
    /// `required_version`, when given.
    pub required_version: Option<String>,
    /// Every reference in the module.
    pub references: Vec<Reference>,
    /// Files that did not parse, with the parser's message.
    pub parse_errors: Vec<String>,
}

fn string_attr(body: &Body, key: &str) -> Option<String> {
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .and_then(|a| match &a.expr {
            Expression::String(s) => Some(s.clone()),
            _ => None,
        })
}

fn expr_attr<'b>(body: &'b Body, key: &str) -> Option<&'b Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| &a.expr)
}

/// An expression as HCL on one line (for table cells): the formatter's lines joined with
/// commas between items.
pub fn one_line(expr: &Expression) -> String {
    let text = hcl::format::to_string(expr).unwrap_or_else(|_| format!("{expr:?}"));
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            let separator = if out.ends_with(['[', '(']) || line.starts_with([']', ')']) {
                ""
            } else if out.ends_with(['{', ',']) || line.starts_with('}') {
                " "
            } else {
                ", "
            };
            out.push_str(separator);
        }
        out.push_str(line);
    }
    out.replace(", }", " }")
        .replace(",]", "]")
        .replace(",)", ")")
}

impl Module {
    /// Read every `.tf` file of `dir` (override files included, `*.tf.example` not).
    pub fn load(dir: &Path) -> Self {
        let mut module = Module {
            dir: dir.to_path_buf(),
            variables: BTreeMap::new(),
            outputs: BTreeMap::new(),
            locals: BTreeSet::new(),
            calls: BTreeMap::new(),
            resources: BTreeSet::new(),
            data: BTreeSet::new(),
            required_providers: BTreeSet::new(),
            required_version: None,
            references: Vec::new(),
            parse_errors: Vec::new(),
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        for path in files {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            match hcl::parse(&text) {
                Ok(body) => module.add_file(&file, &body),
                Err(e) => module.parse_errors.push(format!("{file}: {e}")),
            }
        }
        module
    }

    fn add_file(&mut self, file: &str, body: &Body) {
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            let mut walker = Walker {
                file,
                scope: Vec::new(),
                out: &mut self.references,
            };
            match (block.identifier.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    let validations = block
                        .body
                        .blocks()
                        .filter(|b| b.identifier.as_str() == "validation")
                        .map(|b| {
                            (
                                expr_attr(&b.body, "condition").map(one_line),
                                string_attr(&b.body, "error_message"),
                            )
                        })
                        .collect();
                    for attribute in block.body.attributes() {
                        if attribute.key.as_str() != "type" {
                            walker.expr(&attribute.expr);
                        }
                    }
                    for validation in block.body.blocks() {
                        walker.body(&validation.body);
                    }
                    self.variables.insert(
                        name.to_string(),
                        Variable {
                            name: name.to_string(),
                            file: file.to_string(),
                            description: string_attr(&block.body, "description"),
                            type_expr: expr_attr(&block.body, "type").map(one_line),
                            default: expr_attr(&block.body, "default").map(one_line),
                            sensitive: matches!(
                                expr_attr(&block.body, "sensitive"),
                                Some(Expression::Bool(true))
                            ),
                            validations,
                            block: block.clone(),
                        },
                    );
                }
                ("output", [name]) => {
                    walker.body(&block.body);
                    self.outputs.insert(
                        name.to_string(),
                        Output {
                            name: name.to_string(),
                            file: file.to_string(),
                            description: string_attr(&block.body, "description"),
                        },
                    );
                }
                ("locals", []) => {
                    for attribute in block.body.attributes() {
                        self.locals.insert(attribute.key.to_string());
                    }
                    walker.body(&block.body);
                }
                ("module", [name]) => {
                    const META: &[&str] = &[
                        "source",
                        "version",
                        "providers",
                        "count",
                        "for_each",
                        "depends_on",
                    ];
                    walker.body(&block.body);
                    self.calls.insert(
                        name.to_string(),
                        ModuleCall {
                            name: name.to_string(),
                            file: file.to_string(),
                            source: string_attr(&block.body, "source"),
                            arguments: block
                                .body
                                .attributes()
                                .map(|a| a.key.to_string())
                                .filter(|k| !META.contains(&k.as_str()))
                                .collect(),
                        },
                    );
                }
                ("resource", [kind, name]) => {
                    walker.resource_body(&block.body);
                    self.resources.insert((kind.to_string(), name.to_string()));
                }
                ("data", [kind, name]) => {
                    walker.resource_body(&block.body);
                    self.data.insert((kind.to_string(), name.to_string()));
                }
                ("provider", [_]) => walker.body(&block.body),
                ("terraform", []) => {
                    if let Some(Expression::String(v)) = expr_attr(&block.body, "required_version")
                    {
                        self.required_version = Some(v.clone());
                    }
                    for required in block
                        .body
                        .blocks()
                        .filter(|b| b.identifier.as_str() == "required_providers")
                    {
                        for attribute in required.body.attributes() {
                            self.required_providers.insert(attribute.key.to_string());
                        }
                    }
                }
                // `moved` and `import` name addresses, not values.
                ("moved", _) | ("import", _) => {}
                (other, _) => self
                    .parse_errors
                    .push(format!("{file}: unexpected top-level block {other:?}")),
            }
        }
    }

    /// The module's path relative to the repository root, for messages.
    pub fn display(&self) -> String {
        self.dir
            .strip_prefix(repo_root())
            .unwrap_or(&self.dir)
            .display()
            .to_string()
    }

    /// Everything the static check finds wrong; empty when the module is sound.
    pub fn problems(&self) -> Vec<String> {
        let at = self.display();
        let mut problems: Vec<String> = self
            .parse_errors
            .iter()
            .map(|e| format!("{at}/{e}"))
            .collect();
        if self.required_version.is_none() {
            problems.push(format!("{at}: no terraform {{ required_version }}"));
        }
        for v in self.variables.values() {
            if v.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
                problems.push(format!(
                    "{at}/{}: variable {:?} has no description",
                    v.file, v.name
                ));
            }
            if v.type_expr.is_none() {
                problems.push(format!(
                    "{at}/{}: variable {:?} has no type",
                    v.file, v.name
                ));
            }
            // Every closed or constrained value is validated; a bool has nothing to check.
            if v.validations.is_empty() && v.type_expr.as_deref() != Some("bool") {
                problems.push(format!(
                    "{at}/{}: variable {:?} has no validation",
                    v.file, v.name
                ));
            }
            for (condition, message) in &v.validations {
                if condition.is_none() {
                    problems.push(format!(
                        "{at}/{}: a validation of {:?} has no condition",
                        v.file, v.name
                    ));
                }
                // Terraform 1.0 requires a sentence: a capital first, a period or question
                // mark last.
                let sentence = message.as_deref().is_some_and(|m| {
                    m.chars().next().is_some_and(char::is_uppercase)
                        && (m.ends_with('.') || m.ends_with('?'))
                });
                if !sentence {
                    problems.push(format!(
                        "{at}/{}: a validation of {:?} has an error_message that is not a sentence: {message:?}",
                        v.file, v.name
                    ));
                }
            }
        }
        for o in self.outputs.values() {
            if o.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
                problems.push(format!(
                    "{at}/{}: output {:?} has no description",
                    o.file, o.name
                ));
            }
        }
        for (kind, name) in self.resources.iter().chain(&self.data) {
            let provider = kind.split('_').next().unwrap_or(kind);
            if !self.required_providers.contains(provider) {
                problems.push(format!(
                    "{at}: {kind}.{name} needs provider {provider:?}, which required_providers does not list"
                ));
            }
        }
        for reference in &self.references {
            if let Some(problem) = self.check_reference(reference) {
                problems.push(format!("{at}/{}: {problem}", reference.file));
            }
        }
        for call in self.calls.values() {
            problems.extend(
                self.check_call(call)
                    .into_iter()
                    .map(|p| format!("{at}/{}: {p}", call.file)),
            );
        }
        problems.sort();
        problems.dedup();
        problems
    }

    /// The module a local `source` points at.
    pub fn called(&self, call: &ModuleCall) -> Option<Module> {
        let source = call.source.as_deref()?;
        (source.starts_with("./") || source.starts_with("../"))
            .then(|| Module::load(&self.dir.join(source)))
    }

    fn check_reference(&self, r: &Reference) -> Option<String> {
        let first = r.path.first().map(String::as_str);
        let undeclared = |what: &str| Some(format!("{} refers to an undeclared {what}", r.text()));
        match r.root.as_str() {
            "var" => match first {
                Some(name) if self.variables.contains_key(name) => None,
                _ => undeclared("variable"),
            },
            "local" => match first {
                Some(name) if self.locals.contains(name) => None,
                _ => undeclared("local value"),
            },
            "data" => match (first, r.path.get(1)) {
                (Some(kind), Some(name)) if self.data.contains(&(kind.into(), name.clone())) => {
                    None
                }
                _ => undeclared("data source"),
            },
            "module" => {
                let call = first.and_then(|name| self.calls.get(name));
                let Some(call) = call else {
                    return undeclared("module");
                };
                let (Some(output), Some(called)) = (r.path.get(1), self.called(call)) else {
                    return None;
                };
                (!called.outputs.contains_key(output)).then(|| {
                    format!(
                        "{} reads output {output:?}, which {} does not declare",
                        r.text(),
                        called.display()
                    )
                })
            }
            "each" | "count" | "self" | "path" | "terraform" => None,
            kind if self.resources.iter().any(|(k, _)| k == kind) => match first {
                Some(name) if self.resources.contains(&(kind.into(), name.into())) => None,
                _ => undeclared("resource"),
            },
            _ => Some(format!("{} refers to nothing declared", r.text())),
        }
    }

    fn check_call(&self, call: &ModuleCall) -> Vec<String> {
        let Some(called) = self.called(call) else {
            return if call.source.is_none() {
                vec![format!("module {:?} has no source", call.name)]
            } else {
                Vec::new()
            };
        };
        if called.variables.is_empty() && called.outputs.is_empty() {
            return vec![format!(
                "module {:?}: {} declares nothing",
                call.name,
                called.display()
            )];
        }
        let mut problems = Vec::new();
        for argument in &call.arguments {
            if !called.variables.contains_key(argument) {
                problems.push(format!(
                    "module {:?} passes {argument:?}, which {} does not declare",
                    call.name,
                    called.display()
                ));
            }
        }
        for v in called.variables.values() {
            if v.default.is_none() && !call.arguments.contains(&v.name) {
                problems.push(format!(
                    "module {:?} does not pass {:?}, which {} requires",
                    call.name,
                    v.name,
                    called.display()
                ));
            }
        }
        problems
    }

    /// The README's generated part: inputs and outputs as Markdown tables.
    pub fn docs(&self) -> String {
        let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
        let code = |text: &str| format!("`{}`", cell(text));
        let mut out = String::new();
        out.push_str("## Inputs\n\n");
        if self.variables.is_empty() {
            out.push_str("None.\n");
        } else {
            out.push_str("| Name | Description | Type | Default | Required |\n");
            out.push_str("|------|-------------|------|---------|:--------:|\n");
            for v in self.variables.values() {
                let _ = writeln!(
                    out,
                    "| {} | {}{} | {} | {} | {} |",
                    code(&v.name),
                    cell(v.description.as_deref().unwrap_or("")),
                    if v.sensitive { " (sensitive)" } else { "" },
                    code(v.type_expr.as_deref().unwrap_or("any")),
                    v.default
                        .as_deref()
                        .map(code)
                        .unwrap_or_else(|| "n/a".into()),
                    if v.default.is_none() { "yes" } else { "no" },
                );
            }
        }
        out.push_str("\n## Outputs\n\n");
        if self.outputs.is_empty() {
            out.push_str("None.\n");
        } else {
            out.push_str("| Name | Description |\n");
            out.push_str("|------|-------------|\n");
            for o in self.outputs.values() {
                let _ = writeln!(
                    out,
                    "| {} | {} |",
                    code(&o.name),
                    cell(o.description.as_deref().unwrap_or(""))
                );
            }
        }
        out
    }
}

/// `readme` with its generated part replaced by `docs`; an error when the markers are
/// missing.
pub fn with_docs(readme: &str, docs: &str) -> Result<String, String> {
    let start = readme
        .find(DOCS_BEGIN)
        .ok_or_else(|| format!("no {DOCS_BEGIN:?} marker"))?;
    let end = readme
        .find(DOCS_END)
        .filter(|end| *end > start)
        .ok_or_else(|| format!("no {DOCS_END:?} marker after the begin marker"))?;
    Ok(format!(
        "{}{DOCS_BEGIN}\n\n{docs}\n{}",
        &readme[..start],
        &readme[end..]
    ))
}

/// Directories of `examples/` that hold the docs' snippets (`cargo xtask docs` renders them;
/// `docs_examples` validates them), not root modules.
const DOCS_SNIPPETS: &[&str] = &["examples/provider", "examples/resources"];

/// Every module and example directory with `.tf` files, sorted: `modules/*`, `examples/*`
/// (but not the docs' snippets).
pub fn all_dirs() -> Vec<PathBuf> {
    let root = repo_root();
    let mut dirs = Vec::new();
    for parent in ["modules", "examples"] {
        let Ok(entries) = std::fs::read_dir(root.join(parent)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let has_tf = std::fs::read_dir(&path)
                .map(|files| {
                    files
                        .flatten()
                        .any(|f| f.path().extension().is_some_and(|e| e == "tf"))
                })
                .unwrap_or(false);
            let snippet = DOCS_SNIPPETS
                .iter()
                .any(|d| path.ends_with(d.trim_start_matches("examples/")) && parent == "examples");
            if path.is_dir() && has_tf && !snippet {
                dirs.push(path);
            }
        }
    }
    dirs.sort();
    dirs
}

/// The directories whose README carries a generated inputs/outputs table.
pub fn documented_dirs() -> Vec<PathBuf> {
    let root = repo_root();
    all_dirs()
        .into_iter()
        .filter(|d| {
            let rel = d.strip_prefix(&root).unwrap_or(d).to_string_lossy();
            !UNDOCUMENTED.contains(&rel.as_ref())
        })
        .collect()
}

/// Collects references while walking expressions, knowing the names bound by `for`
/// expressions and `dynamic` blocks around them.
struct Walker<'a> {
    file: &'a str,
    scope: Vec<String>,
    out: &'a mut Vec<Reference>,
}

impl Walker<'_> {
    fn body(&mut self, body: &Body) {
        for attribute in body.attributes() {
            self.expr(&attribute.expr);
        }
        for block in body.blocks() {
            self.block(block);
        }
    }

    /// A resource or data body: like [`Walker::body`], but `lifecycle.ignore_changes` lists
    /// attribute names of the resource itself, not references.
    fn resource_body(&mut self, body: &Body) {
        for attribute in body.attributes() {
            self.expr(&attribute.expr);
        }
        for block in body.blocks() {
            if block.identifier.as_str() == "lifecycle" {
                for attribute in block.body.attributes() {
                    if attribute.key.as_str() != "ignore_changes" {
                        self.expr(&attribute.expr);
                    }
                }
                for nested in block.body.blocks() {
                    self.body(&nested.body);
                }
            } else {
                self.block(block);
            }
        }
    }

    fn block(&mut self, block: &Block) {
        if block.identifier.as_str() != "dynamic" {
            self.body(&block.body);
            return;
        }
        let iterator = match expr_attr(&block.body, "iterator") {
            Some(Expression::Variable(v)) => v.to_string(),
            _ => block
                .labels
                .first()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
        };
        for attribute in block.body.attributes() {
            if attribute.key.as_str() != "iterator" {
                self.expr(&attribute.expr);
            }
        }
        self.scope.push(iterator);
        for nested in block.body.blocks() {
            self.body(&nested.body);
        }
        self.scope.pop();
    }

    fn reference(&mut self, root: &str, operators: &[TraversalOperator]) {
        if self.scope.iter().any(|s| s == root) {
            return;
        }
        let path = operators
            .iter()
            .map_while(|op| match op {
                TraversalOperator::GetAttr(name) => Some(name.to_string()),
                _ => None,
            })
            .collect();
        self.out.push(Reference {
            file: self.file.to_string(),
            root: root.to_string(),
            path,
        });
    }

    fn template(&mut self, template: &Template) {
        for element in template.elements() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(Directive::If(d)) => {
                    self.expr(&d.cond_expr);
                    self.template(&d.true_template);
                    if let Some(f) = &d.false_template {
                        self.template(f);
                    }
                }
                Element::Directive(Directive::For(d)) => {
                    self.expr(&d.collection_expr);
                    let bound = d.key_var.iter().chain([&d.value_var]).count();
                    self.scope.extend(
                        d.key_var
                            .iter()
                            .chain([&d.value_var])
                            .map(|i| i.to_string()),
                    );
                    self.template(&d.template);
                    self.scope.truncate(self.scope.len() - bound);
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Null | Expression::Bool(_) | Expression::Number(_) => {}
            Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|e| self.expr(e)),
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    // An unquoted key is a name, not a reference.
                    if let ObjectKey::Expression(k) = key
                        && !matches!(k, Expression::Variable(_))
                    {
                        self.expr(k);
                    }
                    self.expr(value);
                }
            }
            Expression::TemplateExpr(t) => {
                if let Ok(template) = Template::from_expr(t) {
                    self.template(&template);
                }
            }
            Expression::Variable(v) => self.reference(v.as_str(), &[]),
            Expression::Traversal(t) => {
                match &t.expr {
                    Expression::Variable(v) => self.reference(v.as_str(), &t.operators),
                    other => self.expr(other),
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(index) = op {
                        self.expr(index);
                    }
                }
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|e| self.expr(e)),
            Expression::Parenthesis(inner) => self.expr(inner),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::Operation(op) => match op.as_ref() {
                hcl::expr::Operation::Unary(u) => self.expr(&u.expr),
                hcl::expr::Operation::Binary(b) => {
                    self.expr(&b.lhs_expr);
                    self.expr(&b.rhs_expr);
                }
            },
            Expression::ForExpr(f) => {
                self.expr(&f.collection_expr);
                let names: Vec<String> = f
                    .key_var
                    .iter()
                    .chain([&f.value_var])
                    .map(|i| i.to_string())
                    .collect();
                let bound = names.len();
                self.scope.extend(names);
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond_expr {
                    self.expr(c);
                }
                self.scope.truncate(self.scope.len() - bound);
            }
            // A kind of expression added by a later version of the parser: nothing to walk
            // that this checker knows of.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_of(files: &[(&str, &str)]) -> Module {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        Module::load(dir.path())
    }

    const VERSIONS: &str = r#"terraform {
  required_version = ">= 1.0.3"
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
"#;

    #[test]
    fn a_sound_module_has_no_problems() {
        let module = module_of(&[
            ("versions.tf", VERSIONS),
            (
                "main.tf",
                r#"
variable "names" {
  description = "Names."
  type        = map(string)
  validation {
    condition     = length(var.names) > 0
    error_message = "The names must not be empty."
  }
}
locals { ids = [for k, v in var.names : "${k}-${v}" if v != ""] }
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
  tags       = { for k, v in var.names : k => v }
  dynamic "ipv6" {
    for_each = local.ids
    content { value = ipv6.value }
  }
  lifecycle { ignore_changes = [tags, cidr_block] }
}
data "aws_region" "current" {}
output "id" {
  description = "The VPC."
  value       = "${aws_vpc.this.id} in ${data.aws_region.current.name}%{for x in local.ids}${x}%{endfor}"
}
"#,
            ),
        ]);
        assert_eq!(module.problems(), Vec::<String>::new());
        assert!(module.variables.contains_key("names"));
        assert_eq!(
            module.variables["names"].type_expr.as_deref(),
            Some("map(string)")
        );
    }

    #[test]
    fn each_kind_of_defect_is_reported() {
        let module = module_of(&[(
            "main.tf",
            r#"
variable "untyped" { description = "x" }
variable "undescribed" { type = string }
variable "v" {
  description = "A value."
  type        = string
  validation {
    condition     = var.v != ""
    error_message = "must not be empty"
  }
}
resource "aws_vpc" "this" {
  cidr_block = var.missing
  tags       = local.nothing
  other      = aws_subnet.nope.id
  more       = aws_vpc.other.id
  from_data  = data.aws_region.nope.name
  from_mod   = module.nope.x
}
output "o" { value = 1 }
"#,
        )]);
        let problems = module.problems().join("\n");
        for expected in [
            "no terraform { required_version }",
            "variable \"untyped\" has no type",
            "variable \"undescribed\" has no description",
            "error_message that is not a sentence",
            "var.missing refers to an undeclared variable",
            "local.nothing refers to an undeclared local value",
            "aws_subnet.nope.id refers to nothing declared",
            "aws_vpc.other.id refers to an undeclared resource",
            "data.aws_region.nope.name refers to an undeclared data source",
            "module.nope.x refers to an undeclared module",
            "output \"o\" has no description",
            "aws_vpc.this needs provider \"aws\"",
        ] {
            assert!(
                problems.contains(expected),
                "expected a problem containing {expected:?}; found:\n{problems}"
            );
        }
    }

    #[test]
    fn module_calls_are_checked_against_the_called_module() {
        let root = tempfile::tempdir().expect("temp dir");
        let child = root.path().join("child");
        std::fs::create_dir(&child).expect("mkdir");
        std::fs::write(
            child.join("main.tf"),
            r#"
terraform { required_version = ">= 1.0" }
variable "needed" {
  description = "Needed."
  type        = string
}
variable "optional" {
  description = "Optional."
  type        = string
  default     = "x"
}
output "out" {
  description = "Out."
  value       = var.needed
}
"#,
        )
        .expect("write");
        std::fs::write(
            root.path().join("main.tf"),
            r#"
terraform { required_version = ">= 1.0" }
module "c" {
  source   = "./child"
  optional = "y"
  unknown  = "z"
}
output "a" {
  description = "A."
  value       = module.c.out
}
output "b" {
  description = "B."
  value       = module.c.missing
}
"#,
        )
        .expect("write");
        let problems = Module::load(root.path()).problems().join("\n");
        for expected in [
            "module \"c\" passes \"unknown\", which",
            "module \"c\" does not pass \"needed\"",
            "module.c.missing reads output \"missing\"",
        ] {
            assert!(
                problems.contains(expected),
                "expected {expected:?} in:\n{problems}"
            );
        }
        assert!(!problems.contains("module.c.out"), "{problems}");
    }

    #[test]
    fn docs_replace_the_generated_part_only() {
        let readme = format!("# M\n\nIntro.\n\n{DOCS_BEGIN}\nold\n{DOCS_END}\n\nAfter.\n");
        let new = with_docs(&readme, "TABLE\n").expect("markers present");
        assert_eq!(
            new,
            format!("# M\n\nIntro.\n\n{DOCS_BEGIN}\n\nTABLE\n\n{DOCS_END}\n\nAfter.\n")
        );
        assert!(with_docs("# no markers", "x").is_err());
    }

    #[test]
    fn one_line_collapses_object_types() {
        let body = hcl::parse(
            "x = object({\n  min     = number\n  desired = number\n})\ny = {\n  a = 1\n  b = [\"x\", \"y\"]\n}\n",
        )
        .expect("parses");
        let exprs: Vec<String> = body.attributes().map(|a| one_line(&a.expr)).collect();
        assert_eq!(exprs[0], "object({ min = number, desired = number })");
        assert_eq!(exprs[1], "{ a = 1, b = [\"x\", \"y\"] }");
    }
}
