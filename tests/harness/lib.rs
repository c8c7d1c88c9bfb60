//! Harness for the end-to-end tests (filled in by the foundation issue).
