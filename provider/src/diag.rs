//! Diagnostics a user can act on.
//!
//! Each diagnostic is a short summary plus a detail that says what failed, what to do next,
//! and then the original error with its whole cause chain. They are built here rather than
//! with `Diagnostic::new`, which appends a Rust backtrace to the detail whenever
//! `RUST_BACKTRACE` is set: a user never needs one.

use std::error::Error;

use tf_provider::{AttributePath, Diagnostic, Diagnostics};

/// A diagnostic with no backtrace attached.
pub fn diagnostic(
    summary: impl Into<String>,
    detail: impl Into<String>,
    path: AttributePath,
) -> Diagnostic {
    Diagnostic {
        summary: summary.into().into(),
        detail: detail.into().into(),
        attribute: path,
    }
}

/// Adding errors and warnings without backtraces.
pub trait DiagnosticsExt {
    /// An error about the attribute at `path` (the root path when it concerns the whole
    /// resource).
    fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    );
    /// An error about the resource or provider as a whole.
    fn error_root(&mut self, summary: impl Into<String>, detail: impl Into<String>);
    /// A warning about the resource as a whole.
    fn warning_root(&mut self, summary: impl Into<String>, detail: impl Into<String>);
    /// Whether an error was recorded.
    fn has_errors(&self) -> bool;
}

impl DiagnosticsExt for Diagnostics {
    fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.add_error(diagnostic(summary, detail, path));
    }
    fn error_root(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.add_error(diagnostic(summary, detail, AttributePath::root()));
    }
    fn warning_root(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.add_warning(diagnostic(summary, detail, AttributePath::root()));
    }
    fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Path of an attribute: `attr("key")`.
pub fn attr(name: &'static str) -> AttributePath {
    AttributePath::new(name)
}

/// Path of an attribute inside an optional block (a list of at most one): `vault[0].address`.
pub fn block_attr(block: &'static str, name: &'static str) -> AttributePath {
    AttributePath::new(block).index(0).attribute(name)
}

/// An error and all its causes, one sentence after the other.
pub fn chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
