//! Field sets and the three ways an object changes: server-side apply, update (create, PUT,
//! merge patch, JSON patch) and the `managedFields` that record who owns which field.
//!
//! Server-side apply as documented in
//! <https://kubernetes.io/docs/reference/using-api/server-side-apply/>: the applier owns the
//! fields of its configuration; a field another manager owns with a different value is a
//! conflict (409) unless `force=true`, which moves ownership; fields the applier owned before
//! and no longer sets are removed unless another manager owns them. An update takes ownership
//! of the fields it changes from every other manager. Simplification: lists are atomic (no
//! merge keys), so a list is one field.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// A field: the keys from the object's root.
pub type FieldPath = Vec<String>;

/// Top-level and metadata fields that identify or describe an object and are never owned.
fn is_identity(path: &[String]) -> bool {
    match path {
        [first] if first == "apiVersion" || first == "kind" => true,
        [first, ..] if first == "status" => true,
        [meta, field, ..] if meta == "metadata" => matches!(
            field.as_str(),
            "name"
                | "namespace"
                | "uid"
                | "resourceVersion"
                | "generation"
                | "creationTimestamp"
                | "managedFields"
                | "deletionTimestamp"
                | "selfLink"
        ),
        _ => false,
    }
}

/// The owned fields (leaves) of an object.
pub fn leaf_paths(object: &Value) -> BTreeSet<FieldPath> {
    fn walk(value: &Value, prefix: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, child) in map {
                    prefix.push(key.clone());
                    if !is_identity(prefix) {
                        walk(child, prefix, out);
                    }
                    prefix.pop();
                }
            }
            _ => {
                if !prefix.is_empty() {
                    out.insert(prefix.clone());
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(object, &mut Vec::new(), &mut out);
    out
}

/// The value at `path`.
pub fn get_at<'v>(object: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(object, |v, key| v.get(key))
}

/// Remove the field at `path`, and the maps it leaves empty.
pub fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if let Some(Value::Object(map)) = path_mut(object, parents) {
        map.remove(last);
        if map.is_empty() && !parents.is_empty() {
            remove_at(object, parents);
        }
    }
}

fn path_mut<'v>(object: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(object, |v, key| v.get_mut(key))
}

/// Deep-merge `from` into `into`: maps merge key by key, anything else replaces.
pub fn deep_merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(target), Value::Object(source)) => {
            for (key, value) in source {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        deep_merge(existing, value)
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (into, from) => *into = from.clone(),
    }
}

/// JSON merge patch (RFC 7386); also used for strategic merge patches, with lists replaced.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(patch) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(map) = target {
                for (key, value) in patch {
                    if value.is_null() {
                        map.remove(key);
                    } else {
                        merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// JSON patch (RFC 6902): `add`, `replace`, `remove` and `test`.
pub fn json_patch(target: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops
        .as_array()
        .ok_or("a JSON patch is a list of operations")?;
    for op in ops {
        let name = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let pointer = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let (parent, last) = match pointer.rfind('/') {
            Some(i) => (&pointer[..i], unescape(&pointer[i + 1..])),
            None => return Err(format!("invalid JSON pointer {pointer:?}")),
        };
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        match name {
            "test" => {
                if target.pointer(pointer) != Some(&value) {
                    return Err(format!("test operation failed at {pointer}"));
                }
            }
            "add" | "replace" | "remove" => {
                let Some(container) = target.pointer_mut(parent) else {
                    return Err(format!("doc is missing path: {parent:?}"));
                };
                match container {
                    Value::Object(map) => {
                        if name == "remove" {
                            map.remove(&last)
                                .ok_or_else(|| format!("doc is missing key: {pointer}"))?;
                        } else {
                            map.insert(last, value);
                        }
                    }
                    Value::Array(list) => {
                        let index = if last == "-" {
                            list.len()
                        } else {
                            last.parse::<usize>()
                                .map_err(|_| format!("invalid index in {pointer}"))?
                        };
                        match name {
                            "add" if index <= list.len() => list.insert(index, value),
                            "replace" if index < list.len() => list[index] = value,
                            "remove" if index < list.len() => {
                                list.remove(index);
                            }
                            _ => return Err(format!("index out of range in {pointer}")),
                        }
                    }
                    _ => return Err(format!("cannot patch inside a scalar at {parent}")),
                }
            }
            other => return Err(format!("unsupported JSON patch operation {other:?}")),
        }
    }
    Ok(())
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// One entry of `metadata.managedFields`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedEntry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub fields: BTreeSet<FieldPath>,
}

/// Read an object's `managedFields`.
pub fn managed(object: &Value) -> Vec<ManagedEntry> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| ManagedEntry {
                    manager: e["manager"].as_str().unwrap_or_default().to_string(),
                    operation: e["operation"].as_str().unwrap_or_default().to_string(),
                    api_version: e["apiVersion"].as_str().unwrap_or_default().to_string(),
                    time: e["time"].as_str().unwrap_or_default().to_string(),
                    fields: from_fields_v1(&e["fieldsV1"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Write `managedFields` (entries without fields are dropped, as the server does).
pub fn set_managed(object: &mut Value, entries: &[ManagedEntry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&e.fields),
            })
        })
        .collect();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("managedFields".into(), Value::Array(list));
    }
}

/// `{"f:data":{"f:key":{}}}` from a field set.
pub fn to_fields_v1(fields: &BTreeSet<FieldPath>) -> Value {
    let mut root = Value::Object(Map::new());
    for path in fields {
        let mut node = &mut root;
        for key in path {
            let Value::Object(map) = node else { break };
            node = map
                .entry(format!("f:{key}"))
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    root
}

/// The field set of a `fieldsV1` tree.
pub fn from_fields_v1(tree: &Value) -> BTreeSet<FieldPath> {
    fn walk(node: &Value, prefix: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
        let children: Vec<(&String, &Value)> = node
            .as_object()
            .map(|m| m.iter().filter(|(k, _)| k.starts_with("f:")).collect())
            .unwrap_or_default();
        if children.is_empty() {
            if !prefix.is_empty() {
                out.insert(prefix.clone());
            }
            return;
        }
        for (key, child) in children {
            prefix.push(key[2..].to_string());
            walk(child, prefix, out);
            prefix.pop();
        }
    }
    let mut out = BTreeSet::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

fn overlaps(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// `.data.key`, as conflicts name fields.
pub fn dotted(path: &[String]) -> String {
    format!(".{}", path.join("."))
}

/// Server-side apply of `config` by `manager` onto `live` (an empty object for a create).
/// Returns the new object, or the conflicts (manager, apiVersion, field).
pub fn apply(
    live: &Value,
    config: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    now: &str,
) -> Result<Value, Vec<(String, String, String)>> {
    let mut entries = managed(live);
    let wanted = leaf_paths(config);
    let mut conflicts = Vec::new();
    for entry in entries.iter().filter(|e| e.manager != manager) {
        for path in &wanted {
            let owned = entry.fields.iter().any(|f| overlaps(f, path));
            if owned && get_at(live, path) != get_at(config, path) {
                conflicts.push((
                    entry.manager.clone(),
                    entry.api_version.clone(),
                    dotted(path),
                ));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        conflicts.sort();
        conflicts.dedup();
        return Err(conflicts);
    }
    if force {
        for entry in entries.iter_mut().filter(|e| e.manager != manager) {
            entry.fields.retain(|f| {
                !wanted
                    .iter()
                    .any(|w| overlaps(f, w) && get_at(live, w) != get_at(config, w))
            });
        }
    }
    let mut object = live.clone();
    let previous: BTreeSet<FieldPath> = entries
        .iter()
        .filter(|e| e.manager == manager && e.operation == "Apply")
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    for dropped in previous.difference(&wanted) {
        let kept_by_other = entries
            .iter()
            .filter(|e| !(e.manager == manager && e.operation == "Apply"))
            .any(|e| e.fields.iter().any(|f| overlaps(f, dropped)));
        if !kept_by_other {
            remove_at(&mut object, dropped);
        }
    }
    let mut body = config.clone();
    if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        meta.remove("resourceVersion");
    }
    if let Value::Object(map) = &mut body {
        map.remove("status");
    }
    deep_merge(&mut object, &body);
    entries.retain(|e| !(e.manager == manager && e.operation == "Apply"));
    entries.push(ManagedEntry {
        manager: manager.to_string(),
        operation: "Apply".into(),
        api_version: api_version.to_string(),
        time: now.to_string(),
        fields: wanted,
    });
    set_managed(&mut object, &entries);
    Ok(object)
}

/// Record an update by `manager` from `old` to `new`: it takes ownership of what it changed.
pub fn record_update(old: &Value, new: &mut Value, manager: &str, api_version: &str, now: &str) {
    let mut entries = managed(old);
    let before = leaf_paths(old);
    let after = leaf_paths(new);
    let changed: BTreeSet<FieldPath> = before
        .union(&after)
        .filter(|p| get_at(old, p) != get_at(new, p))
        .cloned()
        .collect();
    if changed.is_empty() {
        set_managed(new, &entries);
        return;
    }
    for entry in entries.iter_mut() {
        entry
            .fields
            .retain(|f| !changed.iter().any(|c| overlaps(f, c)));
    }
    let gained: BTreeSet<FieldPath> = changed.into_iter().filter(|p| after.contains(p)).collect();
    match entries
        .iter_mut()
        .find(|e| e.manager == manager && e.operation == "Update")
    {
        Some(entry) => {
            entry.fields.extend(gained);
            entry.time = now.to_string();
        }
        None => entries.push(ManagedEntry {
            manager: manager.to_string(),
            operation: "Update".into(),
            api_version: api_version.to_string(),
            time: now.to_string(),
            fields: gained,
        }),
    }
    set_managed(new, &entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "d"}, "data": data})
    }

    #[test]
    fn apply_owns_its_fields_and_drops_what_it_no_longer_sets() {
        let first = apply(
            &json!({}),
            &cm(json!({"a": "1", "b": "2"})),
            "tf",
            "v1",
            false,
            "t",
        )
        .unwrap();
        let owned = &managed(&first)[0].fields;
        assert!(owned.contains(&vec!["data".to_string(), "a".to_string()]));
        assert!(!owned.iter().any(|p| p[0] == "apiVersion"));
        let second = apply(&first, &cm(json!({"a": "1"})), "tf", "v1", false, "t").unwrap();
        assert_eq!(second["data"], json!({"a": "1"}));
    }

    #[test]
    fn another_managers_change_conflicts_unless_forced() {
        let applied = apply(&json!({}), &cm(json!({"a": "1"})), "tf", "v1", false, "t").unwrap();
        let mut edited = applied.clone();
        edited["data"]["a"] = json!("changed");
        record_update(&applied, &mut edited, "kubectl-edit", "v1", "t");
        let conflicts = apply(&edited, &cm(json!({"a": "1"})), "tf", "v1", false, "t").unwrap_err();
        assert_eq!(
            conflicts,
            vec![("kubectl-edit".into(), "v1".into(), ".data.a".into())]
        );
        let forced = apply(&edited, &cm(json!({"a": "1"})), "tf", "v1", true, "t").unwrap();
        assert_eq!(forced["data"]["a"], "1");
        assert!(managed(&forced).iter().all(|e| e.manager == "tf"));
    }

    #[test]
    fn same_value_is_shared_without_conflict() {
        let a = apply(&json!({}), &cm(json!({"a": "1"})), "one", "v1", false, "t").unwrap();
        let b = apply(&a, &cm(json!({"a": "1"})), "two", "v1", false, "t").unwrap();
        assert_eq!(managed(&b).len(), 2);
    }

    #[test]
    fn fields_v1_round_trips() {
        let fields = leaf_paths(&cm(json!({"a": "1", "b": {"c": 2}})));
        assert_eq!(from_fields_v1(&to_fields_v1(&fields)), fields);
    }

    #[test]
    fn patches() {
        let mut doc = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        merge_patch(&mut doc, &json!({"a": {"b": null, "d": 3}}));
        assert_eq!(doc["a"], json!({"c": 2, "d": 3}));
        json_patch(&mut doc, &json!([{"op": "replace", "path": "/l/0", "value": 9}, {"op": "remove", "path": "/a/c"}])).unwrap();
        assert_eq!(doc["l"], json!([9, 2]));
        assert_eq!(doc["a"], json!({"d": 3}));
    }
}

#[cfg(test)]
mod release_tests {
    use super::*;

    #[test]
    fn applying_without_a_field_releases_it_and_keeps_the_others() {
        let base = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "kube-system"}});
        let mut theirs = base.clone();
        theirs["data"] = json!({"other": "1"});
        let live = apply(&json!({}), &theirs, "kubectl", "v1", false, "t").unwrap_or_default();
        let mut ours = base.clone();
        ours["data"] = json!({"mine": "2"});
        let live = apply(&live, &ours, "tf", "v1", true, "t").unwrap_or_default();
        assert_eq!(live["data"], json!({"other": "1", "mine": "2"}));
        let released = apply(&live, &base, "tf", "v1", true, "t").unwrap_or_default();
        assert_eq!(released["data"], json!({"other": "1"}));
        let mut empty = base.clone();
        empty["data"] = json!({});
        let released = apply(&live, &empty, "tf", "v1", true, "t").unwrap_or_default();
        assert_eq!(released["data"], json!({"other": "1"}));
    }
}
