//! Request bodies in `application/vnd.kubernetes.protobuf`, decoded to the JSON the rest of
//! the emulator stores.
//!
//! The API server accepts protobuf for every built-in kind
//! (<https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding>), and
//! client-go's generated clients use nothing else for built-in kinds — so `kubectl create
//! namespace|configmap|secret|serviceaccount|token|deployment|service|role|rolebinding|
//! clusterrole|clusterrolebinding` send protobuf, and a server that refused it would fail them
//! (client-go falls back to JSON after a 415 only for CBOR). The wire format: the 4 bytes
//! `k8s\0`, then a `runtime.Unknown` message whose `typeMeta` names the kind and whose `raw`
//! holds the object, encoded after k8s.io/api's `generated.proto`.
//!
//! The field numbers below are those of k8s.io/api and k8s.io/apimachinery for the kinds and
//! fields kubectl's `create` subcommands and typical pod templates write. A field outside
//! them is refused with 415 naming it (send JSON or YAML instead), never dropped. As the Go
//! encoder writes every non-pointer field, zero values of non-pointer fields (empty strings,
//! 0, false, empty messages) are left out, as their JSON `omitempty` does; pointer fields
//! keep their zero (`replicas: 0`). `status` is skipped: the server computes it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

/// The media type.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The prefix of every protobuf-encoded object.
const MAGIC: &[u8] = b"k8s\0";

#[derive(Clone, Copy)]
enum Kind {
    Str,
    /// `bytes`, shown base64 as in JSON.
    Bytes,
    /// Any varint integer.
    Int,
    Bool,
    Msg(&'static Msg),
    /// A Go embedded struct: its fields sit in the parent's JSON object.
    Inline(&'static Msg),
    /// `map<string, string>`.
    StrMap,
    /// `map<string, bytes>`.
    BytesMap,
    /// `map<string, Quantity>`.
    QuantityMap,
    /// `meta.v1.Time`: RFC 3339.
    Time,
    IntOrString,
    Quantity,
    /// Read and ignored (`status`).
    Skip,
}

struct Field {
    number: u32,
    name: &'static str,
    kind: Kind,
    repeated: bool,
    /// A pointer field in Go: its zero value is a value, not an absence.
    keep_zero: bool,
}

struct Msg {
    name: &'static str,
    fields: &'static [Field],
}

const fn f(number: u32, name: &'static str, kind: Kind) -> Field {
    Field {
        number,
        name,
        kind,
        repeated: false,
        keep_zero: false,
    }
}

const fn list(number: u32, name: &'static str, kind: Kind) -> Field {
    Field {
        number,
        name,
        kind,
        repeated: true,
        keep_zero: false,
    }
}

const fn ptr(number: u32, name: &'static str, kind: Kind) -> Field {
    Field {
        number,
        name,
        kind,
        repeated: false,
        keep_zero: true,
    }
}

use Kind::*;

static UNKNOWN: Msg = Msg {
    name: "runtime.Unknown",
    fields: &[
        f(1, "typeMeta", Msg(&RUNTIME_TYPE_META)),
        f(2, "raw", Bytes),
        f(3, "contentEncoding", Str),
        f(4, "contentType", Str),
    ],
};
static RUNTIME_TYPE_META: Msg = Msg {
    name: "runtime.TypeMeta",
    fields: &[f(1, "apiVersion", Str), f(2, "kind", Str)],
};

static OBJECT_META: Msg = Msg {
    name: "meta.v1.ObjectMeta",
    fields: &[
        f(1, "name", Str),
        f(2, "generateName", Str),
        f(3, "namespace", Str),
        f(4, "selfLink", Str),
        f(5, "uid", Str),
        f(6, "resourceVersion", Str),
        f(7, "generation", Int),
        f(8, "creationTimestamp", Time),
        f(9, "deletionTimestamp", Time),
        ptr(10, "deletionGracePeriodSeconds", Int),
        f(11, "labels", StrMap),
        f(12, "annotations", StrMap),
        list(13, "ownerReferences", Msg(&OWNER_REFERENCE)),
        list(14, "finalizers", Str),
    ],
};
static OWNER_REFERENCE: Msg = Msg {
    name: "meta.v1.OwnerReference",
    fields: &[
        f(1, "kind", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
        f(5, "apiVersion", Str),
        ptr(6, "controller", Bool),
        ptr(7, "blockOwnerDeletion", Bool),
    ],
};
static LABEL_SELECTOR: Msg = Msg {
    name: "meta.v1.LabelSelector",
    fields: &[
        f(1, "matchLabels", StrMap),
        list(2, "matchExpressions", Msg(&LABEL_SELECTOR_REQUIREMENT)),
    ],
};
static LABEL_SELECTOR_REQUIREMENT: Msg = Msg {
    name: "meta.v1.LabelSelectorRequirement",
    fields: &[
        f(1, "key", Str),
        f(2, "operator", Str),
        list(3, "values", Str),
    ],
};
static NAMESPACE: Msg = Msg {
    name: "core.v1.Namespace",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&NAMESPACE_SPEC)),
        f(3, "status", Skip),
    ],
};
static NAMESPACE_SPEC: Msg = Msg {
    name: "core.v1.NamespaceSpec",
    fields: &[list(1, "finalizers", Str)],
};
static CONFIG_MAP: Msg = Msg {
    name: "core.v1.ConfigMap",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "data", StrMap),
        f(3, "binaryData", BytesMap),
        ptr(4, "immutable", Bool),
    ],
};
static SECRET: Msg = Msg {
    name: "core.v1.Secret",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "data", BytesMap),
        f(3, "type", Str),
        f(4, "stringData", StrMap),
        ptr(5, "immutable", Bool),
    ],
};
static SERVICE_ACCOUNT: Msg = Msg {
    name: "core.v1.ServiceAccount",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        list(2, "secrets", Msg(&OBJECT_REFERENCE)),
        list(3, "imagePullSecrets", Msg(&LOCAL_OBJECT_REFERENCE)),
        ptr(4, "automountServiceAccountToken", Bool),
    ],
};
static OBJECT_REFERENCE: Msg = Msg {
    name: "core.v1.ObjectReference",
    fields: &[
        f(1, "kind", Str),
        f(2, "namespace", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
        f(5, "apiVersion", Str),
        f(6, "resourceVersion", Str),
        f(7, "fieldPath", Str),
    ],
};
static LOCAL_OBJECT_REFERENCE: Msg = Msg {
    name: "core.v1.LocalObjectReference",
    fields: &[f(1, "name", Str)],
};
static SERVICE: Msg = Msg {
    name: "core.v1.Service",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&SERVICE_SPEC)),
        f(3, "status", Skip),
    ],
};
static SERVICE_SPEC: Msg = Msg {
    name: "core.v1.ServiceSpec",
    fields: &[
        list(1, "ports", Msg(&SERVICE_PORT)),
        f(2, "selector", StrMap),
        f(3, "clusterIP", Str),
        f(4, "type", Str),
        list(5, "externalIPs", Str),
        f(7, "sessionAffinity", Str),
        f(8, "loadBalancerIP", Str),
        list(9, "loadBalancerSourceRanges", Str),
        f(10, "externalName", Str),
        f(11, "externalTrafficPolicy", Str),
        f(12, "healthCheckNodePort", Int),
        f(13, "publishNotReadyAddresses", Bool),
        ptr(17, "ipFamilyPolicy", Str),
        list(18, "clusterIPs", Str),
        list(19, "ipFamilies", Str),
        ptr(20, "allocateLoadBalancerNodePorts", Bool),
        ptr(21, "loadBalancerClass", Str),
        ptr(22, "internalTrafficPolicy", Str),
        ptr(23, "trafficDistribution", Str),
    ],
};
static SERVICE_PORT: Msg = Msg {
    name: "core.v1.ServicePort",
    fields: &[
        f(1, "name", Str),
        f(2, "protocol", Str),
        f(3, "port", Int),
        f(4, "targetPort", IntOrString),
        f(5, "nodePort", Int),
        ptr(6, "appProtocol", Str),
    ],
};

static DEPLOYMENT: Msg = Msg {
    name: "apps.v1.Deployment",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&DEPLOYMENT_SPEC)),
        f(3, "status", Skip),
    ],
};
static DEPLOYMENT_SPEC: Msg = Msg {
    name: "apps.v1.DeploymentSpec",
    fields: &[
        ptr(1, "replicas", Int),
        f(2, "selector", Msg(&LABEL_SELECTOR)),
        f(3, "template", Msg(&POD_TEMPLATE_SPEC)),
        f(4, "strategy", Msg(&DEPLOYMENT_STRATEGY)),
        f(5, "minReadySeconds", Int),
        ptr(6, "revisionHistoryLimit", Int),
        f(7, "paused", Bool),
        ptr(9, "progressDeadlineSeconds", Int),
    ],
};
static DEPLOYMENT_STRATEGY: Msg = Msg {
    name: "apps.v1.DeploymentStrategy",
    fields: &[
        f(1, "type", Str),
        f(2, "rollingUpdate", Msg(&ROLLING_UPDATE)),
    ],
};
static ROLLING_UPDATE: Msg = Msg {
    name: "apps.v1.RollingUpdateDeployment",
    fields: &[
        f(1, "maxUnavailable", IntOrString),
        f(2, "maxSurge", IntOrString),
    ],
};
static POD_TEMPLATE_SPEC: Msg = Msg {
    name: "core.v1.PodTemplateSpec",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&POD_SPEC)),
    ],
};
static POD_SPEC: Msg = Msg {
    name: "core.v1.PodSpec",
    fields: &[
        list(1, "volumes", Msg(&VOLUME)),
        list(2, "containers", Msg(&CONTAINER)),
        f(3, "restartPolicy", Str),
        ptr(4, "terminationGracePeriodSeconds", Int),
        ptr(5, "activeDeadlineSeconds", Int),
        f(6, "dnsPolicy", Str),
        f(7, "nodeSelector", StrMap),
        f(8, "serviceAccountName", Str),
        f(9, "serviceAccount", Str),
        f(10, "nodeName", Str),
        f(11, "hostNetwork", Bool),
        f(12, "hostPID", Bool),
        f(13, "hostIPC", Bool),
        list(15, "imagePullSecrets", Msg(&LOCAL_OBJECT_REFERENCE)),
        f(16, "hostname", Str),
        f(17, "subdomain", Str),
        f(19, "schedulerName", Str),
        list(20, "initContainers", Msg(&CONTAINER)),
        ptr(21, "automountServiceAccountToken", Bool),
        f(24, "priorityClassName", Str),
        ptr(25, "priority", Int),
        ptr(29, "runtimeClassName", Str),
        ptr(30, "enableServiceLinks", Bool),
    ],
};
static CONTAINER: Msg = Msg {
    name: "core.v1.Container",
    fields: &[
        f(1, "name", Str),
        f(2, "image", Str),
        list(3, "command", Str),
        list(4, "args", Str),
        f(5, "workingDir", Str),
        list(6, "ports", Msg(&CONTAINER_PORT)),
        list(7, "env", Msg(&ENV_VAR)),
        f(8, "resources", Msg(&RESOURCE_REQUIREMENTS)),
        list(9, "volumeMounts", Msg(&VOLUME_MOUNT)),
        f(13, "terminationMessagePath", Str),
        f(14, "imagePullPolicy", Str),
        f(16, "stdin", Bool),
        f(17, "stdinOnce", Bool),
        f(18, "tty", Bool),
        list(19, "envFrom", Msg(&ENV_FROM_SOURCE)),
        f(20, "terminationMessagePolicy", Str),
    ],
};
static CONTAINER_PORT: Msg = Msg {
    name: "core.v1.ContainerPort",
    fields: &[
        f(1, "name", Str),
        f(2, "hostPort", Int),
        f(3, "containerPort", Int),
        f(4, "protocol", Str),
        f(5, "hostIP", Str),
    ],
};
static ENV_VAR: Msg = Msg {
    name: "core.v1.EnvVar",
    fields: &[
        f(1, "name", Str),
        f(2, "value", Str),
        f(3, "valueFrom", Msg(&ENV_VAR_SOURCE)),
    ],
};
static ENV_VAR_SOURCE: Msg = Msg {
    name: "core.v1.EnvVarSource",
    fields: &[
        f(1, "fieldRef", Msg(&OBJECT_FIELD_SELECTOR)),
        f(3, "configMapKeyRef", Msg(&KEY_SELECTOR)),
        f(4, "secretKeyRef", Msg(&KEY_SELECTOR)),
    ],
};
static OBJECT_FIELD_SELECTOR: Msg = Msg {
    name: "core.v1.ObjectFieldSelector",
    fields: &[f(1, "apiVersion", Str), f(2, "fieldPath", Str)],
};
static KEY_SELECTOR: Msg = Msg {
    name: "core.v1.ConfigMapKeySelector",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        f(2, "key", Str),
        ptr(3, "optional", Bool),
    ],
};
static ENV_FROM_SOURCE: Msg = Msg {
    name: "core.v1.EnvFromSource",
    fields: &[
        f(1, "prefix", Str),
        f(2, "configMapRef", Msg(&ENV_SOURCE)),
        f(3, "secretRef", Msg(&ENV_SOURCE)),
    ],
};
static ENV_SOURCE: Msg = Msg {
    name: "core.v1.ConfigMapEnvSource",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        ptr(2, "optional", Bool),
    ],
};
static RESOURCE_REQUIREMENTS: Msg = Msg {
    name: "core.v1.ResourceRequirements",
    fields: &[
        f(1, "limits", QuantityMap),
        f(2, "requests", QuantityMap),
        list(3, "claims", Msg(&RESOURCE_CLAIM)),
    ],
};
static RESOURCE_CLAIM: Msg = Msg {
    name: "core.v1.ResourceClaim",
    fields: &[f(1, "name", Str), f(2, "request", Str)],
};
static VOLUME_MOUNT: Msg = Msg {
    name: "core.v1.VolumeMount",
    fields: &[
        f(1, "name", Str),
        f(2, "readOnly", Bool),
        f(3, "mountPath", Str),
        f(4, "subPath", Str),
        ptr(5, "mountPropagation", Str),
        f(6, "subPathExpr", Str),
        ptr(7, "recursiveReadOnly", Str),
    ],
};
static VOLUME: Msg = Msg {
    name: "core.v1.Volume",
    fields: &[
        f(1, "name", Str),
        f(2, "volumeSource", Inline(&VOLUME_SOURCE)),
    ],
};
static VOLUME_SOURCE: Msg = Msg {
    name: "core.v1.VolumeSource",
    fields: &[
        ptr(2, "emptyDir", Msg(&EMPTY_DIR)),
        ptr(6, "secret", Msg(&SECRET_VOLUME)),
        ptr(19, "configMap", Msg(&CONFIG_MAP_VOLUME)),
    ],
};
static EMPTY_DIR: Msg = Msg {
    name: "core.v1.EmptyDirVolumeSource",
    fields: &[f(1, "medium", Str), ptr(2, "sizeLimit", Quantity)],
};
static SECRET_VOLUME: Msg = Msg {
    name: "core.v1.SecretVolumeSource",
    fields: &[
        f(1, "secretName", Str),
        list(2, "items", Msg(&KEY_TO_PATH)),
        ptr(3, "defaultMode", Int),
        ptr(4, "optional", Bool),
    ],
};
static CONFIG_MAP_VOLUME: Msg = Msg {
    name: "core.v1.ConfigMapVolumeSource",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        list(2, "items", Msg(&KEY_TO_PATH)),
        ptr(3, "defaultMode", Int),
        ptr(4, "optional", Bool),
    ],
};
static KEY_TO_PATH: Msg = Msg {
    name: "core.v1.KeyToPath",
    fields: &[f(1, "key", Str), f(2, "path", Str), ptr(3, "mode", Int)],
};

static ROLE: Msg = Msg {
    name: "rbac.v1.Role",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        list(2, "rules", Msg(&POLICY_RULE)),
    ],
};
static CLUSTER_ROLE: Msg = Msg {
    name: "rbac.v1.ClusterRole",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        list(2, "rules", Msg(&POLICY_RULE)),
        f(3, "aggregationRule", Msg(&AGGREGATION_RULE)),
    ],
};
static AGGREGATION_RULE: Msg = Msg {
    name: "rbac.v1.AggregationRule",
    fields: &[list(1, "clusterRoleSelectors", Msg(&LABEL_SELECTOR))],
};
static POLICY_RULE: Msg = Msg {
    name: "rbac.v1.PolicyRule",
    fields: &[
        list(1, "verbs", Str),
        list(2, "apiGroups", Str),
        list(3, "resources", Str),
        list(4, "resourceNames", Str),
        list(5, "nonResourceURLs", Str),
    ],
};
static ROLE_BINDING: Msg = Msg {
    name: "rbac.v1.RoleBinding",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        list(2, "subjects", Msg(&SUBJECT)),
        f(3, "roleRef", Msg(&ROLE_REF)),
    ],
};
static SUBJECT: Msg = Msg {
    name: "rbac.v1.Subject",
    fields: &[
        f(1, "kind", Str),
        f(2, "apiGroup", Str),
        f(3, "name", Str),
        f(4, "namespace", Str),
    ],
};
static ROLE_REF: Msg = Msg {
    name: "rbac.v1.RoleRef",
    fields: &[f(1, "apiGroup", Str), f(2, "kind", Str), f(3, "name", Str)],
};

static TOKEN_REQUEST: Msg = Msg {
    name: "authentication.v1.TokenRequest",
    fields: &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&TOKEN_REQUEST_SPEC)),
        f(3, "status", Skip),
    ],
};
static TOKEN_REQUEST_SPEC: Msg = Msg {
    name: "authentication.v1.TokenRequestSpec",
    fields: &[
        list(1, "audiences", Str),
        f(3, "boundObjectRef", Msg(&BOUND_OBJECT_REFERENCE)),
        ptr(4, "expirationSeconds", Int),
    ],
};
static BOUND_OBJECT_REFERENCE: Msg = Msg {
    name: "authentication.v1.BoundObjectReference",
    fields: &[
        f(1, "kind", Str),
        f(2, "apiVersion", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
    ],
};

/// The message of a kind whose protobuf bodies the sandbox decodes.
fn root(api_version: &str, kind: &str) -> Option<&'static Msg> {
    Some(match (api_version, kind) {
        ("v1", "Namespace") => &NAMESPACE,
        ("v1", "ConfigMap") => &CONFIG_MAP,
        ("v1", "Secret") => &SECRET,
        ("v1", "ServiceAccount") => &SERVICE_ACCOUNT,
        ("v1", "Service") => &SERVICE,
        ("apps/v1", "Deployment") => &DEPLOYMENT,
        ("rbac.authorization.k8s.io/v1", "Role") => &ROLE,
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => &CLUSTER_ROLE,
        ("rbac.authorization.k8s.io/v1", "RoleBinding" | "ClusterRoleBinding") => &ROLE_BINDING,
        ("authentication.k8s.io/v1", "TokenRequest") => &TOKEN_REQUEST,
        _ => return None,
    })
}

/// Decodes a protobuf request body into the object's JSON (with `apiVersion` and `kind`).
/// The error says what could not be decoded.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or("the body does not start with the protobuf prefix \"k8s\\0\"")?;
    let unknown = decode_message(envelope, &UNKNOWN)?;
    let api_version = unknown
        .pointer("/typeMeta/apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = unknown
        .pointer("/typeMeta/kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = root(api_version, kind).ok_or_else(|| {
        format!("ff-sandbox does not decode {api_version} {kind} from protobuf: send JSON or YAML")
    })?;
    let raw = unknown
        .get("raw")
        .and_then(Value::as_str)
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default();
    let mut object = decode_message(&raw, message)?;
    if let Value::Object(map) = &mut object {
        map.insert("apiVersion".into(), json!(api_version));
        map.insert("kind".into(), json!(kind));
    }
    Ok(object)
}

/// One field as read off the wire.
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first().ok_or("truncated varint")?;
            self.bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint longer than 10 bytes".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err("truncated length-delimited field".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// The next field: its number and value; `None` at the end.
    fn field(&mut self) -> Result<Option<(u32, Wire<'a>)>, String> {
        if self.bytes.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| "field number out of range")?;
        let wire = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Wire::Fixed
            }
            2 => {
                let n = usize::try_from(self.varint()?).map_err(|_| "length out of range")?;
                Wire::Bytes(self.take(n)?)
            }
            5 => {
                self.take(4)?;
                Wire::Fixed
            }
            other => return Err(format!("unsupported wire type {other}")),
        };
        Ok(Some((number, wire)))
    }
}

fn decode_message(bytes: &[u8], message: &Msg) -> Result<Value, String> {
    let mut out = Map::new();
    let mut reader = Reader { bytes };
    while let Some((number, wire)) = reader.field()? {
        let Some(field) = message.fields.iter().find(|f| f.number == number) else {
            return Err(format!(
                "ff-sandbox does not decode field {number} of {} from protobuf: send JSON or YAML",
                message.name
            ));
        };
        let value = decode_value(field, wire, message)?;
        match (field.kind, value) {
            (_, None) => {}
            (Inline(_), Some(Value::Object(inner))) => out.extend(inner),
            (StrMap | BytesMap | QuantityMap, Some(Value::Object(entry))) => {
                let map = out
                    .entry(field.name)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = map {
                    map.extend(entry);
                }
            }
            (_, Some(value)) if field.repeated => {
                let list = out
                    .entry(field.name)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(value);
                }
            }
            (_, Some(value)) => {
                out.insert(field.name.to_string(), value);
            }
        }
    }
    Ok(Value::Object(out))
}

/// One field's value; `None` for a zero value left out (or a skipped field).
fn decode_value(field: &Field, wire: Wire, message: &Msg) -> Result<Option<Value>, String> {
    let wrong = || {
        format!(
            "field {} ({}) of {} has an unexpected wire type",
            field.number, field.name, message.name
        )
    };
    // Repeated items are never zero-dropped: an empty string in a list is a value.
    let keep = field.keep_zero || field.repeated;
    let value = match (field.kind, wire) {
        (Skip, _) => return Ok(None),
        (Str, Wire::Bytes(b)) => {
            let s = String::from_utf8(b.to_vec()).map_err(|_| wrong())?;
            (keep || !s.is_empty()).then(|| json!(s))
        }
        (Bytes, Wire::Bytes(b)) => (keep || !b.is_empty()).then(|| json!(STANDARD.encode(b))),
        (Int, Wire::Varint(v)) => (keep || v != 0).then(|| json!(v as i64)),
        (Bool, Wire::Varint(v)) => (keep || v != 0).then(|| json!(v != 0)),
        (Msg(inner) | Inline(inner), Wire::Bytes(b)) => {
            let decoded = decode_message(b, inner)?;
            (keep || decoded.as_object().is_some_and(|m| !m.is_empty())).then_some(decoded)
        }
        (StrMap | BytesMap | QuantityMap, Wire::Bytes(b)) => {
            let mut reader = Reader { bytes: b };
            let (mut key, mut value) = (String::new(), Value::Null);
            while let Some((number, wire)) = reader.field()? {
                match (number, wire) {
                    (1, Wire::Bytes(k)) => {
                        key = String::from_utf8(k.to_vec()).map_err(|_| wrong())?
                    }
                    (2, Wire::Bytes(v)) => {
                        value = match field.kind {
                            BytesMap => json!(STANDARD.encode(v)),
                            QuantityMap => quantity(v)?,
                            _ => json!(String::from_utf8(v.to_vec()).map_err(|_| wrong())?),
                        }
                    }
                    _ => return Err(wrong()),
                }
            }
            if value.is_null() {
                value = match field.kind {
                    QuantityMap => json!("0"),
                    _ => json!(""),
                };
            }
            let mut entry = Map::new();
            entry.insert(key, value);
            Some(Value::Object(entry))
        }
        (Time, Wire::Bytes(b)) => {
            let mut reader = Reader { bytes: b };
            let mut seconds = 0i64;
            while let Some((number, wire)) = reader.field()? {
                if let (1, Wire::Varint(v)) = (number, wire) {
                    seconds = v as i64;
                }
            }
            (seconds != 0).then(|| json!(super::state::timestamp(seconds * 1000)))
        }
        (IntOrString, Wire::Bytes(b)) => {
            let mut reader = Reader { bytes: b };
            let (mut kind, mut int, mut text) = (0u64, 0i64, String::new());
            while let Some((number, wire)) = reader.field()? {
                match (number, wire) {
                    (1, Wire::Varint(v)) => kind = v,
                    (2, Wire::Varint(v)) => int = v as i64,
                    (3, Wire::Bytes(s)) => {
                        text = String::from_utf8(s.to_vec()).map_err(|_| wrong())?
                    }
                    _ => return Err(wrong()),
                }
            }
            match kind {
                1 => Some(json!(text)),
                _ => (keep || int != 0).then(|| json!(int)),
            }
        }
        (Quantity, Wire::Bytes(b)) => Some(quantity(b)?),
        _ => return Err(wrong()),
    };
    Ok(value)
}

/// `resource.Quantity`: a message whose field 1 is the quantity's string.
fn quantity(bytes: &[u8]) -> Result<Value, String> {
    let mut reader = Reader { bytes };
    let mut text = String::from("0");
    while let Some((number, wire)) = reader.field()? {
        if let (1, Wire::Bytes(s)) = (number, wire) {
            text = String::from_utf8(s.to_vec()).map_err(|_| "a quantity is not UTF-8")?;
        }
    }
    Ok(json!(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn bytes_field(number: u32, data: &[u8], out: &mut Vec<u8>) {
        varint(u64::from(number) << 3 | 2, out);
        varint(data.len() as u64, out);
        out.extend_from_slice(data);
    }

    fn entry(key: &str, value: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        bytes_field(1, key.as_bytes(), &mut e);
        bytes_field(2, value, &mut e);
        e
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut type_meta = Vec::new();
        bytes_field(1, api_version.as_bytes(), &mut type_meta);
        bytes_field(2, kind.as_bytes(), &mut type_meta);
        let mut unknown = Vec::new();
        bytes_field(1, &type_meta, &mut unknown);
        bytes_field(2, raw, &mut unknown);
        bytes_field(3, b"", &mut unknown);
        bytes_field(4, b"", &mut unknown);
        let mut body = MAGIC.to_vec();
        body.extend(unknown);
        body
    }

    #[test]
    fn a_config_map_as_client_go_writes_it() {
        // ObjectMeta with the empty non-pointer fields Go's encoder writes anyway.
        let mut meta = Vec::new();
        bytes_field(1, b"settings", &mut meta);
        bytes_field(2, b"", &mut meta);
        bytes_field(3, b"shop", &mut meta);
        bytes_field(8, b"", &mut meta);
        bytes_field(11, &entry("tier", b"web"), &mut meta);
        let mut raw = Vec::new();
        bytes_field(1, &meta, &mut raw);
        bytes_field(2, &entry("colour", b"blue"), &mut raw);
        bytes_field(2, &entry("size", b""), &mut raw);
        let object = decode(&envelope("v1", "ConfigMap", &raw)).unwrap();
        assert_eq!(
            object,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "settings", "namespace": "shop", "labels": {"tier": "web"}},
                   "data": {"colour": "blue", "size": ""}})
        );
    }

    #[test]
    fn pointer_zeros_stay_and_secrets_are_base64() {
        let mut spec = Vec::new();
        varint(1 << 3, &mut spec);
        varint(0, &mut spec);
        let mut raw = Vec::new();
        bytes_field(2, &spec, &mut raw);
        let object = decode(&envelope("apps/v1", "Deployment", &raw)).unwrap();
        assert_eq!(object["spec"], json!({"replicas": 0}));
        let mut raw = Vec::new();
        bytes_field(2, &entry("password", b"s3cr3t"), &mut raw);
        let object = decode(&envelope("v1", "Secret", &raw)).unwrap();
        assert_eq!(object["data"]["password"], json!(STANDARD.encode("s3cr3t")));
    }

    #[test]
    fn unknown_fields_and_kinds_are_refused_by_name() {
        let mut raw = Vec::new();
        bytes_field(9, b"x", &mut raw);
        let err = decode(&envelope("v1", "ConfigMap", &raw)).unwrap_err();
        assert!(err.contains("field 9 of core.v1.ConfigMap"), "{err}");
        let err = decode(&envelope("v1", "Pod", &[])).unwrap_err();
        assert!(err.contains("v1 Pod"), "{err}");
        assert!(decode(b"{}").is_err());
    }
}
