//! Diagnostics — what Terraform shows the user — and the attribute paths they point at.

use std::fmt;

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// An attribute of an object or a nested block type: `.name`.
    Attribute(String),
    /// An element of a map (or a block of a map-nested block type): `["key"]`.
    Key(String),
    /// An element of a list or tuple: `[0]`.
    Index(i64),
}

/// Where in a configuration, state or plan something is: `cluster[0].host`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributePath {
    /// The steps from the root.
    pub steps: Vec<Step>,
}

impl AttributePath {
    /// The whole object (no step).
    pub fn root() -> Self {
        Self::default()
    }

    /// A path starting at the attribute `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            steps: vec![Step::Attribute(name.into())],
        }
    }

    /// This path, then the attribute `name`.
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.steps.push(Step::Attribute(name.into()));
        self
    }

    /// This path, then the map element `key`.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.steps.push(Step::Key(key.into()));
        self
    }

    /// This path, then the list element `index`.
    pub fn index(mut self, index: i64) -> Self {
        self.steps.push(Step::Index(index));
        self
    }

    /// `step`, then this path (errors gain their path as they travel up a tree).
    pub fn prepend(mut self, step: Step) -> Self {
        self.steps.insert(0, step);
        self
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for AttributePath {
    /// The path as Terraform writes it in configuration: `cluster[0].exec.args[1]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::Attribute(name) if i == 0 => f.write_str(name)?,
                Step::Attribute(name) => write!(f, ".{name}")?,
                Step::Key(key) => write!(f, "[{key:?}]")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The operation failed.
    Error,
    /// The operation went on; the user should know.
    Warning,
}

/// One diagnostic: a short summary, a detail that says what to do, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short title.
    pub summary: String,
    /// What failed, what to do next, then the cause.
    pub detail: String,
    /// The attribute concerned; `None` for the whole resource or provider.
    pub attribute: Option<AttributePath>,
}

/// The diagnostics of one operation, in the order they were recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// Everything recorded.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records an error; `attribute` is `None` for the whole object.
    pub fn error(
        &mut self,
        summary: impl Into<String>,
        detail: impl Into<String>,
        attribute: Option<AttributePath>,
    ) {
        self.push(Severity::Error, summary, detail, attribute);
    }

    /// Records a warning; `attribute` is `None` for the whole object.
    pub fn warning(
        &mut self,
        summary: impl Into<String>,
        detail: impl Into<String>,
        attribute: Option<AttributePath>,
    ) {
        self.push(Severity::Warning, summary, detail, attribute);
    }

    fn push(
        &mut self,
        severity: Severity,
        summary: impl Into<String>,
        detail: impl Into<String>,
        attribute: Option<AttributePath>,
    ) {
        self.items.push(Diagnostic {
            severity,
            summary: summary.into(),
            detail: detail.into(),
            attribute: attribute.filter(|path| !path.is_root()),
        });
    }

    /// Whether an error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The errors recorded.
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    }

    /// The warnings recorded.
    pub fn warnings(&self) -> Vec<&Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect()
    }

    /// Appends everything `other` recorded.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_as_configuration_does() {
        let path = AttributePath::new("cluster")
            .index(0)
            .attribute("exec")
            .key("a b")
            .index(2);
        assert_eq!(path.to_string(), "cluster[0].exec[\"a b\"][2]");
        let prepended = AttributePath::new("host").prepend(Step::Index(0));
        assert_eq!(prepended.steps[0], Step::Index(0));
        assert!(AttributePath::root().is_root());
    }

    #[test]
    fn errors_and_warnings_are_counted_apart() {
        let mut diags = Diagnostics::default();
        diags.warning("w", "detail", None);
        assert!(!diags.has_errors());
        diags.error("e", "detail", Some(AttributePath::root()));
        assert!(diags.has_errors());
        assert_eq!(diags.errors().len(), 1);
        assert_eq!(diags.warnings().len(), 1);
        // A root path is the same as no path.
        assert_eq!(diags.items[1].attribute, None);
    }
}
