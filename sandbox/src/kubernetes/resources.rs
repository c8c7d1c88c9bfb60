//! Which resources exist: the built-in table, plus the kinds that Established CRDs add, and
//! the discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`) built
//! from them (<https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api>).

use serde_json::{Value, json};

/// One resource type, as discovery describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    /// Served versions (the first is the preferred one).
    pub versions: Vec<String>,
    /// Defined by a CRD: no protobuf and no strategic merge patch for it.
    pub custom: bool,
}

impl ResourceType {
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }
}

/// One built-in resource: (group, version, kind, plural, namespaced, short names).
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
);

const BUILTIN: &[Builtin] = &[
    ("", "v1", "Namespace", "namespaces", false, &["ns"]),
    ("", "v1", "ConfigMap", "configmaps", true, &["cm"]),
    ("", "v1", "Secret", "secrets", true, &[]),
    ("", "v1", "ServiceAccount", "serviceaccounts", true, &["sa"]),
    ("", "v1", "Service", "services", true, &["svc"]),
    ("", "v1", "Pod", "pods", true, &["po"]),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
    ),
    ("apps", "v1", "Deployment", "deployments", true, &["deploy"]),
    ("apps", "v1", "StatefulSet", "statefulsets", true, &["sts"]),
    ("apps", "v1", "DaemonSet", "daemonsets", true, &["ds"]),
    ("batch", "v1", "Job", "jobs", true, &[]),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
    ),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
    ),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
        &[],
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        &[],
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
    ),
    (
        "authentication.k8s.io",
        "v1",
        "TokenReview",
        "tokenreviews",
        false,
        &[],
    ),
];

/// The built-in resource types.
pub fn builtin() -> Vec<ResourceType> {
    BUILTIN
        .iter()
        .map(
            |(group, version, kind, plural, namespaced, short)| ResourceType {
                group: group.to_string(),
                version: version.to_string(),
                kind: kind.to_string(),
                plural: plural.to_string(),
                singular: kind.to_ascii_lowercase(),
                namespaced: *namespaced,
                short_names: short.iter().map(|s| s.to_string()).collect(),
                versions: vec![version.to_string()],
                custom: false,
            },
        )
        .collect()
}

/// The resource type a CRD object defines, if its spec is complete.
pub fn from_crd(crd: &Value) -> Option<ResourceType> {
    let spec = crd.get("spec")?;
    let group = spec.get("group")?.as_str()?.to_string();
    let names = spec.get("names")?;
    let plural = names.get("plural")?.as_str()?.to_string();
    let kind = names.get("kind")?.as_str()?.to_string();
    let singular = names
        .get("singular")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_ascii_lowercase());
    let short_names = names
        .get("shortNames")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut versions: Vec<(bool, String)> = spec
        .get("versions")?
        .as_array()?
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool).unwrap_or(true))
        .filter_map(|v| {
            let name = v.get("name")?.as_str()?.to_string();
            let storage = v.get("storage").and_then(Value::as_bool).unwrap_or(false);
            Some((!storage, name))
        })
        .collect();
    versions.sort();
    let versions: Vec<String> = versions.into_iter().map(|(_, v)| v).collect();
    let version = versions.first()?.clone();
    let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
    Some(ResourceType {
        group,
        version,
        kind,
        plural,
        singular,
        namespaced,
        short_names,
        versions,
        custom: true,
    })
}

/// Check that a CRD object is acceptable: the API server's own validation in short.
pub fn validate_crd(crd: &Value, name: &str) -> Result<(), String> {
    let Some(rt) = from_crd(crd) else {
        return Err(
            "spec.group, spec.names.plural, spec.names.kind and at least one served spec.versions entry are required"
                .to_string(),
        );
    };
    let expected = format!("{}.{}", rt.plural, rt.group);
    if name != expected {
        return Err(format!(
            "metadata.name: Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group ({expected:?})"
        ));
    }
    Ok(())
}

fn verbs(rt: &ResourceType) -> Value {
    if rt.kind == "TokenReview" {
        return json!(["create"]);
    }
    json!(["create", "delete", "get", "list", "patch", "update"])
}

/// `/api`.
pub fn core_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    })
}

/// `/apis`: every non-core group.
pub fn group_list(all: &[ResourceType]) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for rt in all.iter().filter(|r| !r.group.is_empty()) {
        match groups.iter_mut().find(|(g, _)| *g == rt.group) {
            Some((_, versions)) => {
                for v in &rt.versions {
                    if !versions.contains(v) {
                        versions.push(v.clone());
                    }
                }
            }
            None => groups.push((rt.group.clone(), rt.versions.clone())),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group, versions)| {
            let list: Vec<Value> = versions
                .iter()
                .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
                .collect();
            json!({
                "name": group,
                "versions": list,
                "preferredVersion": list.first().cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// `/api/v1` or `/apis/<group>/<version>`; `None` when nothing is served there.
pub fn resource_list(all: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for rt in all
        .iter()
        .filter(|r| r.group == group && r.versions.iter().any(|v| v == version))
    {
        resources.push(json!({
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": verbs(rt),
            "shortNames": rt.short_names,
        }));
        if rt.kind == "ServiceAccount" {
            resources.push(json!({
                "name": "serviceaccounts/token", "singularName": "", "namespaced": true,
                "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest",
                "verbs": ["create"],
            }));
        }
        if matches!(
            rt.kind.as_str(),
            "Deployment" | "CustomResourceDefinition" | "Namespace"
        ) {
            resources.push(json!({
                "name": format!("{}/status", rt.plural), "singularName": "",
                "namespaced": rt.namespaced, "kind": rt.kind, "verbs": ["get", "patch", "update"],
            }));
        }
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

/// `/version`.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.0-ff-sandbox",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.23",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/openapi/v3`: one document per group-version.
pub fn openapi_root(all: &[ResourceType]) -> Value {
    let mut paths = serde_json::Map::new();
    for rt in all {
        for version in &rt.versions {
            let path = if rt.group.is_empty() {
                format!("api/{version}")
            } else {
                format!("apis/{}/{version}", rt.group)
            };
            let hash = format!("{:016X}", all.len() as u64 * 7919 + path.len() as u64);
            paths.insert(
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
            );
        }
    }
    json!({ "paths": paths })
}

/// `/openapi/v3/apis/<group>/<version>`: the PATCH operations of each resource with the
/// query parameters the server understands (kubectl looks for `fieldValidation` there to
/// decide to let the server validate), and permissive schemas.
pub fn openapi_group(all: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    let prefix = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    for rt in all
        .iter()
        .filter(|r| r.group == group && r.versions.iter().any(|v| v == version))
    {
        let gvk = json!({"group": rt.group, "version": version, "kind": rt.kind});
        let parameters: Vec<Value> = ["fieldValidation", "fieldManager", "force", "dryRun"]
            .iter()
            .map(|name| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}}))
            .collect();
        let path = if rt.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", rt.plural)
        } else {
            format!("{prefix}/{}/{{name}}", rt.plural)
        };
        paths.insert(
            path,
            json!({"patch": {
                "operationId": format!("patch{}", rt.kind),
                "x-kubernetes-group-version-kind": gvk,
                "x-kubernetes-action": "patch",
                "parameters": parameters,
                "responses": {"200": {"description": "OK"}},
            }}),
        );
        let name = if rt.group.is_empty() {
            format!("io.k8s.api.core.{version}.{}", rt.kind)
        } else {
            format!("{}.{version}.{}", rt.group, rt.kind)
        };
        schemas.insert(
            name,
            json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                   "x-kubernetes-group-version-kind": [gvk]}),
        );
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crd_defines_a_resource() {
        let crd = json!({"spec": {"group": "argoproj.io", "scope": "Namespaced",
            "names": {"plural": "applications", "kind": "Application", "shortNames": ["app"]},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true}]}});
        let rt = from_crd(&crd).unwrap();
        assert_eq!(rt.plural, "applications");
        assert!(rt.namespaced);
        assert_eq!(rt.version, "v1alpha1");
        assert!(validate_crd(&crd, "applications.argoproj.io").is_ok());
        assert!(validate_crd(&crd, "apps.argoproj.io").is_err());
    }

    #[test]
    fn discovery_lists_core_resources() {
        let list = resource_list(&builtin(), "", "v1").unwrap();
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"configmaps") && names.contains(&"serviceaccounts/token"));
        assert!(resource_list(&builtin(), "example.com", "v1").is_none());
    }
}
