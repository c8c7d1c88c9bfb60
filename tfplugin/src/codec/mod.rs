//! The two wire forms of a value, driven by its type: MessagePack (every `DynamicValue`
//! Terraform sends and every one the provider answers with) and JSON (stored state given to
//! `UpgradeResourceState`, and the fallback form of `DynamicValue`).
//!
//! See Terraform's `docs/plugin-protocol/object-wire-format.md` for the rules implemented.

use std::fmt;

use crate::diagnostics::{AttributePath, Step};

pub mod json;
pub mod msgpack;

/// A value that does not match its type, or bytes that are not a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecError {
    /// Where in the value.
    pub path: AttributePath,
    /// What is wrong.
    pub message: String,
}

impl CodecError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            path: AttributePath::root(),
            message: message.into(),
        }
    }

    /// The same error one level further down (`step`, then the current path).
    pub(crate) fn within(mut self, step: Step) -> Self {
        self.path = self.path.prepend(step);
        self
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for CodecError {}

/// The step of a sequence element.
pub(crate) fn index_step(index: usize) -> Step {
    Step::Index(i64::try_from(index).unwrap_or(i64::MAX))
}
