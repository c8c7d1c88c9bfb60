//! Diagnostics a user can act on.
//!
//! Each diagnostic is a short summary plus a detail that says what failed, what to do next,
//! and then the original error with its whole cause chain.

use std::error::Error;

use tfplugin::{AttributePath, Diagnostics};

/// Adding errors and warnings.
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
}

impl DiagnosticsExt for Diagnostics {
    fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.error(summary, detail, Some(path));
    }
    fn error_root(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.error(summary, detail, None);
    }
    fn warning_root(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.warning(summary, detail, None);
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
