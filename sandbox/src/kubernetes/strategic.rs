//! Strategic merge patch (`application/strategic-merge-patch+json`), what `kubectl apply`
//! (client-side), `kubectl patch` (its default `--type strategic`), `kubectl label`/`annotate`
//! and the typed clients send for built-in kinds:
//! <https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#notes-on-the-strategic-merge-patch>
//! and the directives of
//! <https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md>.
//!
//! Maps merge key by key (`null` deletes). A list merges only where the type declares a
//! patch strategy — by merge key (`containers` by `name`, `ports` by `containerPort`…) or as
//! a set of primitives (`finalizers`); every other list is replaced, as for the API server.
//! Directives: `$patch: replace|delete|merge` in maps and list items, `$retainKeys`,
//! `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
//!
//! The declared strategies are those of the kinds the sandbox serves (pod templates in every
//! workload, `Service` ports, `ServiceAccount` secrets, `metadata.finalizers` and
//! `ownerReferences`): [`list_strategy`]. Simplification: `$setElementOrder` puts the listed
//! items first in the given order and keeps the others after them in their old order (the
//! API server interleaves them where they were).

use serde_json::{Map, Value};

/// How a list field merges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ListStrategy {
    /// Items are maps merged by this key.
    MergeKey(&'static str),
    /// Items are primitives kept as a set.
    Primitives,
    /// The patch's list replaces the object's (no strategy declared).
    Replace,
}

/// Where a pod spec sits in an object of a built-in kind.
fn pod_spec_path(group: &str, plural: &str) -> Option<&'static [&'static str]> {
    match (group, plural) {
        ("", "pods") => Some(&["spec"]),
        ("", "podtemplates") => Some(&["template", "spec"]),
        ("", "replicationcontrollers")
        | ("apps", "deployments" | "statefulsets" | "daemonsets" | "replicasets")
        | ("batch", "jobs") => Some(&["spec", "template", "spec"]),
        ("batch", "cronjobs") => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// The patch strategy of the list at `path` (field names from the object's root, list
/// positions left out) in an object of the built-in type `group`/`plural`: the
/// `patchStrategy`/`patchMergeKey` tags of k8s.io/api for the kinds the sandbox serves.
pub fn list_strategy(group: &str, plural: &str, path: &[String]) -> ListStrategy {
    use ListStrategy::*;
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    match names.as_slice() {
        ["metadata", "finalizers"] => return Primitives,
        ["metadata", "ownerReferences"] => return MergeKey("uid"),
        _ => {}
    }
    if let Some(prefix) = pod_spec_path(group, plural)
        && let Some(rest) = names.strip_prefix(prefix)
    {
        return match rest {
            ["containers" | "initContainers" | "ephemeralContainers"] => MergeKey("name"),
            [
                "containers" | "initContainers" | "ephemeralContainers",
                field,
            ] => match *field {
                "ports" => MergeKey("containerPort"),
                "env" => MergeKey("name"),
                "volumeMounts" => MergeKey("mountPath"),
                "volumeDevices" => MergeKey("devicePath"),
                _ => Replace,
            },
            ["volumes" | "imagePullSecrets" | "schedulingGates" | "resourceClaims"] => {
                MergeKey("name")
            }
            ["hostAliases"] => MergeKey("ip"),
            ["topologySpreadConstraints"] => MergeKey("topologyKey"),
            _ => Replace,
        };
    }
    match (group, plural, names.as_slice()) {
        ("", "services", ["spec", "ports"]) => MergeKey("port"),
        ("", "serviceaccounts", ["secrets"]) => MergeKey("name"),
        (_, _, ["status", "conditions"]) => MergeKey("type"),
        _ => Replace,
    }
}

/// Applies `patch` to `target`, an object of the built-in type `group`/`plural`.
pub fn apply(target: &mut Value, patch: &Value, group: &str, plural: &str) -> Result<(), String> {
    let strategy = |path: &[String]| list_strategy(group, plural, path);
    let patch = patch
        .as_object()
        .ok_or("a strategic merge patch is a JSON object")?;
    let mut path = Vec::new();
    merge_map(target, patch, &mut path, &strategy)
}

fn merge_map(
    target: &mut Value,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
    strategy: &dyn Fn(&[String]) -> ListStrategy,
) -> Result<(), String> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut replaced = patch.clone();
            replaced.remove("$patch");
            *target = Value::Object(strip_directives(&replaced));
            return Ok(());
        }
        Some("delete") => {
            *target = Value::Null;
            return Ok(());
        }
        Some("merge") | None => {}
        Some(other) => return Err(format!("unknown patch type: {other:?}")),
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else {
        return Ok(());
    };
    if let Some(retain) = patch.get("$retainKeys") {
        let keep: Vec<&str> = retain
            .as_array()
            .ok_or("$retainKeys must be a list of field names")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        map.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (key, value) in patch {
        if key.starts_with("$setElementOrder/")
            || key.starts_with("$deleteFromPrimitiveList/")
            || key == "$retainKeys"
            || key == "$patch"
        {
            continue;
        }
        path.push(key.clone());
        match value {
            Value::Null => {
                map.remove(key);
            }
            Value::Object(child) => {
                let slot = map.entry(key.clone()).or_insert(Value::Null);
                merge_map(slot, child, path, strategy)?;
                if slot.is_null() {
                    map.remove(key);
                }
            }
            Value::Array(items) => {
                let slot = map.entry(key.clone()).or_insert(Value::Null);
                merge_list(slot, items, path, strategy)?;
            }
            other => {
                map.insert(key.clone(), other.clone());
            }
        }
        path.pop();
    }
    // Directives about lists the patch itself may not mention.
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            let unwanted = value.as_array().cloned().unwrap_or_default();
            if let Some(Value::Array(list)) = map.get_mut(field) {
                list.retain(|item| !unwanted.contains(item));
            }
        }
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$setElementOrder/") {
            path.push(field.to_string());
            let order = value.as_array().cloned().unwrap_or_default();
            if let Some(Value::Array(list)) = map.get_mut(field) {
                reorder(list, &order, strategy(path));
            }
            path.pop();
        }
    }
    Ok(())
}

fn merge_list(
    target: &mut Value,
    patch: &[Value],
    path: &mut Vec<String>,
    strategy: &dyn Fn(&[String]) -> ListStrategy,
) -> Result<(), String> {
    // `{"$patch": "replace"}` in a list replaces it with the list's other items.
    if patch
        .iter()
        .any(|item| item.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        let items: Vec<Value> = patch
            .iter()
            .filter(|item| item.get("$patch").is_none())
            .map(|item| match item {
                Value::Object(map) => Value::Object(strip_directives(map)),
                other => other.clone(),
            })
            .collect();
        *target = Value::Array(items);
        return Ok(());
    }
    match strategy(path) {
        ListStrategy::Replace => {
            *target = Value::Array(
                patch
                    .iter()
                    .map(|item| match item {
                        Value::Object(map) => Value::Object(strip_directives(map)),
                        other => other.clone(),
                    })
                    .collect(),
            );
        }
        ListStrategy::Primitives => {
            let mut list = target.as_array().cloned().unwrap_or_default();
            for item in patch {
                if !list.contains(item) {
                    list.push(item.clone());
                }
            }
            *target = Value::Array(list);
        }
        ListStrategy::MergeKey(key) => {
            let mut list = target.as_array().cloned().unwrap_or_default();
            for item in patch {
                let Some(fields) = item.as_object() else {
                    return Err(format!(
                        "the items of {} are maps merged by {key:?}",
                        path.join(".")
                    ));
                };
                let Some(id) = fields.get(key) else {
                    return Err(format!(
                        "map: {} does not contain declared merge key: {key}",
                        Value::Object(fields.clone())
                    ));
                };
                let position = list.iter().position(|old| old.get(key) == Some(id));
                match (fields.get("$patch").and_then(Value::as_str), position) {
                    (Some("delete"), Some(i)) => {
                        list.remove(i);
                    }
                    (Some("delete"), None) => {}
                    (_, Some(i)) => merge_map(&mut list[i], fields, path, strategy)?,
                    (_, None) => {
                        let mut added = Value::Null;
                        merge_map(&mut added, fields, path, strategy)?;
                        list.push(added);
                    }
                }
            }
            *target = Value::Array(list);
        }
    }
    Ok(())
}

/// `$setElementOrder`: the listed items first, in that order, then the rest as they were.
fn reorder(list: &mut Vec<Value>, order: &[Value], strategy: ListStrategy) {
    let same = |item: &Value, wanted: &Value| match strategy {
        ListStrategy::MergeKey(key) => item.get(key).is_some() && item.get(key) == wanted.get(key),
        _ => item == wanted,
    };
    let mut ordered = Vec::with_capacity(list.len());
    for wanted in order {
        if let Some(i) = list.iter().position(|item| same(item, wanted)) {
            ordered.push(list.remove(i));
        }
    }
    ordered.append(list);
    *list = ordered;
}

/// A patch map without its directives, as stored when it replaces a value.
fn strip_directives(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| {
            let v = match v {
                Value::Object(inner) => Value::Object(strip_directives(inner)),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"metadata": {"name": "web", "finalizers": ["a"]},
               "spec": {"replicas": 1, "template": {"spec": {"containers": [
                   {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                    "env": [{"name": "A", "value": "1"}]},
                   {"name": "sidecar", "image": "busybox"}]}}}})
    }

    #[test]
    fn containers_merge_by_name_as_kubectl_apply_sends_them() {
        let mut object = deployment();
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
            "containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}});
        apply(&mut object, &patch, "apps", "deployments").unwrap();
        let containers = &object["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers.as_array().unwrap().len(), 2);
        assert_eq!(containers[0]["image"], "nginx:1.26");
        assert_eq!(containers[0]["ports"], json!([{"containerPort": 80}]));
        assert_eq!(containers[1]["name"], "sidecar");
        assert!(
            object["spec"]["template"]["spec"]
                .get("$setElementOrder/containers")
                .is_none()
        );
    }

    #[test]
    fn delete_directives_remove_items_and_values() {
        let mut object = deployment();
        let patch = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]},
            "spec": {"replicas": null, "template": {"spec": {"containers": [
                {"name": "sidecar", "$patch": "delete"},
                {"name": "nginx", "env": [{"name": "A", "$patch": "delete"}, {"name": "B", "value": "2"}]}]}}}});
        apply(&mut object, &patch, "apps", "deployments").unwrap();
        assert_eq!(object["metadata"]["finalizers"], json!([]));
        assert!(object["spec"].get("replicas").is_none());
        let containers = &object["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers.as_array().unwrap().len(), 1);
        assert_eq!(containers[0]["env"], json!([{"name": "B", "value": "2"}]));
    }

    #[test]
    fn lists_without_a_strategy_are_replaced_and_sets_are_unions() {
        let mut object = json!({"metadata": {"finalizers": ["a"]}, "rules": [{"verbs": ["get"]}, {"verbs": ["list"]}]});
        let patch =
            json!({"metadata": {"finalizers": ["b", "a"]}, "rules": [{"verbs": ["watch"]}]});
        apply(
            &mut object,
            &patch,
            "rbac.authorization.k8s.io",
            "clusterroles",
        )
        .unwrap();
        assert_eq!(object["rules"], json!([{"verbs": ["watch"]}]));
        assert_eq!(object["metadata"]["finalizers"], json!(["a", "b"]));
    }

    #[test]
    fn patch_replace_and_retain_keys() {
        let mut object = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
                                         "selector": {"matchLabels": {"a": "1", "b": "2"}}}});
        let patch = json!({"spec": {
            "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
            "selector": {"matchLabels": {"$patch": "replace", "c": "3"}}}});
        apply(&mut object, &patch, "apps", "deployments").unwrap();
        assert_eq!(object["spec"]["strategy"], json!({"type": "Recreate"}));
        assert_eq!(object["spec"]["selector"]["matchLabels"], json!({"c": "3"}));
    }

    #[test]
    fn set_element_order_orders_the_merged_list() {
        let mut object = deployment();
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}]}}}});
        apply(&mut object, &patch, "apps", "deployments").unwrap();
        assert_eq!(
            object["spec"]["template"]["spec"]["containers"][0]["name"],
            "sidecar"
        );
    }

    #[test]
    fn a_merge_list_item_without_its_key_is_refused() {
        let mut object = deployment();
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
        assert!(apply(&mut object, &patch, "apps", "deployments").is_err());
    }
}
