//! ACL policies: `sys/policies/acl[/<name>]` and the older `sys/policy[/<name>]`.
//! https://developer.hashicorp.com/vault/api-docs/system/policies
//! https://developer.hashicorp.com/vault/api-docs/system/policy
//!
//! Names are trimmed and lower-cased as Vault does. A `policy` that is valid base64 is
//! decoded first (Vault accepts base64-encoded policies). The HCL is checked for balanced
//! braces, brackets and quotes only; it is stored verbatim and never evaluated.

use base64::Engine;
use serde_json::{Value, json};

use super::errors::VaultError;
use super::response::{Reply, VaultResult};
use super::routes::{Operation, VaultRequest, no_content};
use super::state::VaultState;

/// `sys/policies/acl` and `sys/policies/acl/<name>`.
pub fn acl(state: &mut VaultState, request: &VaultRequest) -> VaultResult {
    let name = request
        .path
        .strip_prefix("sys/policies/acl")
        .unwrap_or_default();
    let name = name.trim_matches('/');
    if name.is_empty() {
        return match request.operation {
            Operation::List => Ok(Reply::Data(json!({ "keys": names(state, request) }))),
            _ => Err(VaultError::unsupported_operation()),
        };
    }
    let name = normalize(name);
    match request.operation {
        Operation::Read => read(state, request, &name)
            .map(|policy| Reply::Data(json!({ "name": name, "policy": policy }))),
        Operation::Write => write(state, request, &name, false),
        Operation::Delete => delete(state, request, &name),
        _ => Err(VaultError::unsupported_operation()),
    }
}

/// `sys/policy` (GET lists) and `sys/policy/<name>` (body and answer use `rules`).
pub fn legacy(state: &mut VaultState, request: &VaultRequest) -> VaultResult {
    let name = request.path.strip_prefix("sys/policy").unwrap_or_default();
    let name = name.trim_matches('/');
    if name.is_empty() {
        return match request.operation {
            Operation::Read | Operation::List => {
                let names = names(state, request);
                Ok(Reply::Legacy(json!({ "keys": names, "policies": names })))
            }
            _ => Err(VaultError::unsupported_operation()),
        };
    }
    let name = normalize(name);
    match request.operation {
        Operation::Read => read(state, request, &name)
            .map(|rules| Reply::Legacy(json!({ "name": name, "rules": rules }))),
        Operation::Write => write(state, request, &name, true),
        Operation::Delete => delete(state, request, &name),
        _ => Err(VaultError::unsupported_operation()),
    }
}

fn normalize(name: &str) -> String {
    name.trim().to_lowercase()
}

fn key(request: &VaultRequest, name: &str) -> String {
    format!("{}{name}", request.ns_prefix())
}

fn names(state: &VaultState, request: &VaultRequest) -> Vec<String> {
    let prefix = request.ns_prefix();
    state
        .policies
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix))
        .filter(|name| !name.contains('/'))
        .map(str::to_string)
        .collect()
}

fn read(state: &VaultState, request: &VaultRequest, name: &str) -> Result<String, VaultError> {
    state
        .policies
        .get(&key(request, name))
        .cloned()
        .ok_or_else(VaultError::not_found)
}

fn write(state: &mut VaultState, request: &VaultRequest, name: &str, legacy: bool) -> VaultResult {
    if name == "root" {
        return Err(VaultError::bad_request("cannot update \"root\" policy"));
    }
    let text = |field: &str| {
        request
            .body
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let raw = text("policy").or_else(|| if legacy { text("rules") } else { None });
    let Some(raw) = raw else {
        return Err(VaultError::bad_request(
            "'policy' parameter not supplied or empty",
        ));
    };
    let policy = decode_if_base64(raw);
    check_hcl(&policy)
        .map_err(|problem| VaultError::bad_request(format!("failed to parse policy: {problem}")))?;
    state.policies.insert(key(request, name), policy);
    no_content()
}

fn delete(state: &mut VaultState, request: &VaultRequest, name: &str) -> VaultResult {
    if name == "root" || name == "default" {
        return Err(VaultError::bad_request(format!(
            "cannot delete {name:?} policy"
        )));
    }
    state.policies.remove(&key(request, name));
    no_content()
}

fn decode_if_base64(raw: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| raw.to_string())
}

/// Structural check: quotes closed, `{}`/`[]` balanced, `#`/`//` comments skipped.
fn check_hcl(text: &str) -> Result<(), String> {
    let mut stack = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '"' => {
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\n' => return Err(format!("At {line}: unterminated string")),
                        _ => {}
                    }
                }
                if !closed {
                    return Err(format!("At {line}: unterminated string"));
                }
            }
            '{' | '[' => stack.push((c, line)),
            '}' | ']' => {
                let expected = if c == '}' { '{' } else { '[' };
                match stack.pop() {
                    Some((open, _)) if open == expected => {}
                    _ => return Err(format!("At {line}: unexpected {c:?}")),
                }
            }
            _ => {}
        }
    }
    match stack.pop() {
        Some((open, at)) => Err(format!("At {at}: {open:?} is never closed")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_check_accepts_policies_and_rejects_broken_ones() {
        let ok =
            "# comment {\npath \"secret/data/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n";
        assert_eq!(check_hcl(ok), Ok(()));
        assert!(check_hcl("path \"a\" {").is_err());
        assert!(check_hcl("path \"a {}").is_err());
        assert!(check_hcl("path \"a\" { capabilities = [\"read\" }").is_err());
    }

    #[test]
    fn base64_policies_are_decoded() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("path \"x\" {}");
        assert_eq!(decode_if_base64(&encoded), "path \"x\" {}");
        assert_eq!(decode_if_base64("path \"x\" {}"), "path \"x\" {}");
    }
}
