//! ACL evaluation for tokens other than root: the policies a token carries are merged, the
//! rule of the most specific matching path decides, and the operation needs its capability.
//! <https://developer.hashicorp.com/vault/docs/concepts/policies>
//!
//! What is emulated: `path "..." { capabilities = [...] }` rules with an exact path, a
//! trailing `*` glob and `+` single-segment wildcards; capabilities `create`/`update`
//! (either allows a write: the sandbox does not tell a create from an update), `read`,
//! `list`, `delete`, `patch` and `deny`; rules of the same path in several policies add
//! up. The priority between matching rules follows the documented order: the rule whose
//! first wildcard comes later wins, then one without a trailing `*`, then fewer `+`
//! segments, then the longer path, then the lexically greater one. Not emulated:
//! `allowed_parameters`, `denied_parameters`, `required_parameters`, `min/max_wrapping_ttl`
//! and `sudo` checks (every capability list is accepted as if it had `sudo`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;

use super::routes::Operation;

/// The merged rules of a set of policies: path pattern → capabilities.
#[derive(Debug, Default, Clone)]
pub struct Acl {
    rules: BTreeMap<String, BTreeSet<String>>,
}

fn rule_regex() -> &'static Regex {
    static RULE: OnceLock<Regex> = OnceLock::new();
    RULE.get_or_init(|| {
        Regex::new(r#"path\s+"([^"]*)"\s*\{([^{}]*)\}"#).unwrap_or_else(|_| unreachable!())
    })
}

fn capabilities_regex() -> &'static Regex {
    static CAPS: OnceLock<Regex> = OnceLock::new();
    CAPS.get_or_init(|| {
        Regex::new(r#"capabilities\s*=\s*\[([^\]]*)\]"#).unwrap_or_else(|_| unreachable!())
    })
}

fn quoted_regex() -> &'static Regex {
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    QUOTED.get_or_init(|| Regex::new(r#""([^"]*)""#).unwrap_or_else(|_| unreachable!()))
}

impl Acl {
    /// Adds the rules of one policy's HCL text.
    pub fn add_policy(&mut self, hcl: &str) {
        let text: String = hcl
            .lines()
            .map(|line| {
                let trimmed = line.trim_start();
                if trimmed.starts_with('#') || trimmed.starts_with("//") {
                    ""
                } else {
                    line
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        for rule in rule_regex().captures_iter(&text) {
            let path = rule[1].trim_start_matches('/').to_string();
            let caps = self.rules.entry(path).or_default();
            for list in capabilities_regex().captures_iter(&rule[2]) {
                for cap in quoted_regex().captures_iter(&list[1]) {
                    caps.insert(cap[1].trim().to_lowercase());
                }
            }
        }
    }

    /// Whether `operation` on `path` is allowed.
    pub fn allows(&self, operation: Operation, path: &str) -> bool {
        let Some(caps) = self
            .rules
            .iter()
            .filter(|(pattern, _)| matches(pattern, path))
            .max_by(|(a, _), (b, _)| priority(a, b))
            .map(|(_, caps)| caps)
        else {
            return false;
        };
        if caps.contains("deny") {
            return false;
        }
        let has = |c: &str| caps.contains(c);
        match operation {
            Operation::Read => has("read"),
            Operation::List => has("list"),
            Operation::Write => has("create") || has("update"),
            Operation::Delete => has("delete"),
            Operation::Patch => has("patch"),
        }
    }
}

/// Whether a policy path pattern matches a request path.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, glob) = match pattern.strip_suffix('*') {
        Some(prefix) => (prefix, true),
        None => (pattern, false),
    };
    if !pattern.contains('+') {
        return if glob {
            path.starts_with(pattern)
        } else {
            path == pattern
        };
    }
    // Segment by segment: `+` takes exactly one segment.
    let mut rest = path;
    let mut parts = pattern.split('+').peekable();
    while let Some(literal) = parts.next() {
        let Some(after) = rest.strip_prefix(literal) else {
            return false;
        };
        rest = after;
        if parts.peek().is_some() {
            // A wildcard segment: up to the next `/` (or the end).
            let end = rest.find('/').unwrap_or(rest.len());
            if end == 0 {
                return false;
            }
            rest = &rest[end..];
        }
    }
    if glob { true } else { rest.is_empty() }
}

/// Ordering of two matching patterns: `Greater` when `a` is the more specific one.
fn priority(a: &str, b: &str) -> Ordering {
    let first_wildcard = |p: &str| p.find(['+', '*']).unwrap_or(usize::MAX);
    first_wildcard(a)
        .cmp(&first_wildcard(b))
        .then_with(|| b.ends_with('*').cmp(&a.ends_with('*')))
        .then_with(|| b.matches('+').count().cmp(&a.matches('+').count()))
        .then_with(|| a.len().cmp(&b.len()))
        .then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(hcl: &str) -> Acl {
        let mut acl = Acl::default();
        acl.add_policy(hcl);
        acl
    }

    #[test]
    fn globs_wildcards_and_priority() {
        let acl = acl(r#"
# comment
path "deployments/*" { capabilities = ["read", "list"] }
path "deployments/data/secret" { capabilities = ["deny"] }
path "sys/mounts/+/tune" { capabilities = ["update"] }
path "auth/+/role/*" {
  capabilities = ["create", "read"]
}
"#);
        assert!(acl.allows(Operation::Read, "deployments/data/WM-Prod/x"));
        assert!(acl.allows(Operation::List, "deployments/metadata/"));
        assert!(!acl.allows(Operation::Write, "deployments/data/WM-Prod/x"));
        assert!(!acl.allows(Operation::Read, "deployments/data/secret"));
        assert!(acl.allows(Operation::Write, "sys/mounts/kv/tune"));
        assert!(!acl.allows(Operation::Write, "sys/mounts/kv/x/tune"));
        assert!(acl.allows(Operation::Write, "auth/jwt/role/tfc"));
        assert!(!acl.allows(Operation::Delete, "auth/jwt/role/tfc"));
        assert!(!acl.allows(Operation::Read, "secret/data/x"));
    }

    #[test]
    fn the_more_specific_rule_wins() {
        assert_eq!(priority("a/b/*", "a/*"), Ordering::Greater);
        assert_eq!(priority("a/b", "a/b*"), Ordering::Greater);
        assert_eq!(priority("a/+/c", "a/+/+"), Ordering::Greater);
        let acl = acl(r#"
path "*" { capabilities = ["read"] }
path "secret/*" { capabilities = ["deny"] }
"#);
        assert!(acl.allows(Operation::Read, "other/x"));
        assert!(!acl.allows(Operation::Read, "secret/x"));
    }
}
