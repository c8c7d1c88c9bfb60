"""kubectl, with its default behaviour, against the Kubernetes emulator.

kubectl is the one the machine has (Debian's kubernetes-client or the Google Cloud SDK's,
1.32 here), pointed at the kubeconfig the sandbox writes: the sandbox's CA and admin token,
no flag that changes how kubectl talks to the server. Its typed `create` subcommands send
protobuf, `apply` sends a strategic merge patch for built-in kinds and a JSON merge patch for
custom resources, `apply --server-side` an apply patch; every check below goes through those
defaults.
"""

import base64
import json
import subprocess
import time

import pytest
import yaml


def kubectl(endpoints, *args, stdin=None, check=True):
    """Runs kubectl against the sandbox's kubeconfig; returns (exit code, stdout, stderr)."""
    result = subprocess.run(
        ["kubectl", "--kubeconfig", endpoints["kubernetes"]["kubeconfig"], *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.returncode, result.stdout, result.stderr


def get_json(endpoints, *args):
    return json.loads(kubectl(endpoints, "get", *args, "-o", "json")[1])


@pytest.fixture
def namespace(endpoints, unique):
    name = f"kc-{unique}"
    kubectl(endpoints, "create", "namespace", name)
    yield name
    kubectl(endpoints, "delete", "namespace", name, "--ignore-not-found", check=False)


def deployment(name, image, containers=("nginx", "sidecar")):
    spec = [{"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}]
    if "sidecar" in containers:
        spec.append({"name": "sidecar", "image": "busybox:1.36"})
    return json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": spec}}},
    })


def test_version_reports_the_server(endpoints):
    """`kubectl version` shows the server's `/version`
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_version/)."""
    out = json.loads(kubectl(endpoints, "version", "-o", "json")[1])
    server = out["serverVersion"]
    assert (server["major"], server["minor"]) == ("1", "32")
    assert server["gitVersion"].startswith("v1.32.")


def test_api_resources_come_from_discovery(endpoints):
    """`kubectl api-resources` lists what discovery serves, group-qualified
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_api-resources/,
    https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api)."""
    names = kubectl(endpoints, "api-resources", "-o", "name")[1].split()
    for expected in ["configmaps", "namespaces", "deployments.apps",
                     "customresourcedefinitions.apiextensions.k8s.io",
                     "clusterroles.rbac.authorization.k8s.io"]:
        assert expected in names
    namespaced = kubectl(endpoints, "api-resources", "--namespaced=false", "-o", "name")[1].split()
    assert "namespaces" in namespaced and "configmaps" not in namespaced


def test_create_from_a_file_then_already_exists(endpoints, namespace):
    """`kubectl create -f` creates; creating again fails with the server's AlreadyExists
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/,
    https://kubernetes.io/docs/reference/using-api/api-concepts/#create-operations)."""
    manifest = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "from-file"}, "data": {"a": "1"}})
    out = kubectl(endpoints, "create", "-n", namespace, "-f", "-", stdin=manifest)[1]
    assert out.strip() == "configmap/from-file created"
    code, _, err = kubectl(endpoints, "create", "-n", namespace, "-f", "-", stdin=manifest, check=False)
    assert code == 1
    assert 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "from-file" already exists' in err


def test_create_namespace_sends_protobuf(endpoints, unique):
    """`kubectl create namespace` sends the Namespace in protobuf, which the API server
    accepts for every built-in kind
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding,
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/kubectl_create_namespace/)."""
    name = f"pb-{unique}"
    _, out, err = kubectl(endpoints, "create", "namespace", name, "-v=8")
    assert "namespace/" + name + " created" in out
    assert "Content-Type: application/vnd.kubernetes.protobuf" in err, "kubectl sent protobuf"
    ns = get_json(endpoints, "namespace", name)
    assert ns["status"]["phase"] == "Active"
    assert ns["metadata"]["uid"] and ns["metadata"]["creationTimestamp"]
    kubectl(endpoints, "delete", "namespace", name)


def test_create_configmap_and_secret_from_literals(endpoints, namespace):
    """`kubectl create configmap|secret generic --from-literal` (protobuf) store the data;
    a Secret's values come back base64-encoded
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/kubectl_create_configmap/,
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/kubectl_create_secret_generic/)."""
    kubectl(endpoints, "create", "configmap", "lit", "-n", namespace,
            "--from-literal=colour=blue", "--from-literal=empty=")
    assert get_json(endpoints, "configmap", "lit", "-n", namespace)["data"] == {"colour": "blue", "empty": ""}
    kubectl(endpoints, "create", "secret", "generic", "pw", "-n", namespace,
            "--from-literal=password=s3cr3t", "--type=Opaque")
    secret = get_json(endpoints, "secret", "pw", "-n", namespace)
    assert secret["type"] == "Opaque"
    assert base64.b64decode(secret["data"]["password"]) == b"s3cr3t"


def test_create_serviceaccount_and_a_token_for_it(endpoints, namespace):
    """`kubectl create serviceaccount` and `kubectl create token` (a TokenRequest, protobuf)
    give a bearer token the API server accepts, expiring after `--duration`
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/kubectl_create_token/,
    https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/)."""
    kubectl(endpoints, "create", "serviceaccount", "robot", "-n", namespace)
    token = kubectl(endpoints, "create", "token", "robot", "-n", namespace, "--duration=20m")[1].strip()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["sub"] == f"system:serviceaccount:{namespace}:robot"
    assert 19 * 60 <= claims["exp"] - time.time() <= 21 * 60
    out = kubectl(endpoints, "--token", token, "get", "serviceaccount", "robot", "-n", namespace, "-o", "name")[1]
    assert out.strip() == "serviceaccount/robot"


def test_create_deployment_service_and_rbac(endpoints, namespace):
    """kubectl's typed generators for a Deployment, a Service and RBAC objects (protobuf)
    store what they say
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/kubectl_create_deployment/,
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/kubectl_create_service_clusterip/,
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/kubectl_create_rolebinding/)."""
    kubectl(endpoints, "create", "deployment", "web", "-n", namespace, "--image=nginx:1.25",
            "--replicas=0", "--port=80")
    spec = get_json(endpoints, "deployment", "web", "-n", namespace)["spec"]
    assert spec["replicas"] == 0, "a pointer field keeps its zero"
    assert spec["selector"] == {"matchLabels": {"app": "web"}}
    assert spec["template"]["spec"]["containers"] == [
        {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]
    kubectl(endpoints, "create", "service", "clusterip", "web", "-n", namespace, "--tcp=80:8080")
    service = get_json(endpoints, "service", "web", "-n", namespace)["spec"]
    assert service["type"] == "ClusterIP"
    assert service["ports"] == [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}]
    kubectl(endpoints, "create", "role", "reader", "-n", namespace, "--verb=get,list", "--resource=configmaps")
    kubectl(endpoints, "create", "rolebinding", "reader", "-n", namespace, "--role=reader",
            f"--serviceaccount={namespace}:default")
    role = get_json(endpoints, "role", "reader", "-n", namespace)
    assert role["rules"] == [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]
    binding = get_json(endpoints, "rolebinding", "reader", "-n", namespace)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "default", "namespace": namespace}]


def test_client_side_apply_merges_lists_by_their_keys(endpoints, namespace):
    """`kubectl apply` records the last-applied configuration and sends a strategic merge
    patch: `containers` merge by `name`, so changing one image keeps the other container and
    the ports (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/#how-apply-calculates-differences-and-merges-changes,
    https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#notes-on-the-strategic-merge-patch)."""
    out = kubectl(endpoints, "apply", "-n", namespace, "-f", "-", stdin=deployment("web", "nginx:1.25"))[1]
    assert out.strip() == "deployment.apps/web created"
    _, out, err = kubectl(endpoints, "apply", "-n", namespace, "-f", "-", "-v=8",
                          stdin=deployment("web", "nginx:1.26"))
    assert out.strip() == "deployment.apps/web configured"
    assert "application/strategic-merge-patch+json" in err
    live = get_json(endpoints, "deployment", "web", "-n", namespace)
    containers = live["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("nginx", "nginx:1.26"), ("sidecar", "busybox:1.36")]
    assert containers[0]["ports"] == [{"containerPort": 80}]
    last = json.loads(live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert not any(k.startswith("$") for k in live["spec"]["template"]["spec"]), "no directive is stored"
    assert live["metadata"]["generation"] == 2


def test_client_side_apply_removes_what_the_configuration_drops(endpoints, namespace):
    """Three-way apply: what the last applied configuration had and the new one drops is
    deleted (here a container and a label), what another writer added is kept
    (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/#how-apply-calculates-differences-and-merges-changes)."""
    kubectl(endpoints, "apply", "-n", namespace, "-f", "-", stdin=deployment("web", "nginx:1.25"))
    kubectl(endpoints, "label", "deployment", "web", "-n", namespace, "team=blue")
    kubectl(endpoints, "apply", "-n", namespace, "-f", "-",
            stdin=deployment("web", "nginx:1.25", containers=("nginx",)))
    live = get_json(endpoints, "deployment", "web", "-n", namespace)
    assert [c["name"] for c in live["spec"]["template"]["spec"]["containers"]] == ["nginx"]
    assert live["metadata"]["labels"] == {"app": "web", "team": "blue"}


def test_apply_of_the_same_configuration_changes_nothing(endpoints, namespace):
    """Applying an unchanged configuration reports `unchanged` and leaves the object's
    resourceVersion as it was (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_apply/,
    https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions)."""
    kubectl(endpoints, "apply", "-n", namespace, "-f", "-", stdin=deployment("web", "nginx:1.25"))
    before = get_json(endpoints, "deployment", "web", "-n", namespace)["metadata"]["resourceVersion"]
    out = kubectl(endpoints, "apply", "-n", namespace, "-f", "-", stdin=deployment("web", "nginx:1.25"))[1]
    assert out.strip() == "deployment.apps/web unchanged"
    after = get_json(endpoints, "deployment", "web", "-n", namespace)["metadata"]["resourceVersion"]
    assert before == after


@pytest.fixture
def widget_crd(endpoints, unique):
    """A namespaced CRD `widgets.<unique>.example.com`, Established."""
    group = f"g{unique}.example.com"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {"group": group, "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                          "x-kubernetes-preserve-unknown-fields": True}}}]},
    }
    kubectl(endpoints, "apply", "-f", "-", stdin=json.dumps(crd))
    # Polled with get: `kubectl wait` needs a watch, which the emulator does not serve.
    established = '{.status.conditions[?(@.type=="Established")].status}'
    for _ in range(100):
        if kubectl(endpoints, "get", "crd", f"widgets.{group}", "-o", f"jsonpath={established}")[1] == "True":
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"widgets.{group} never became Established")
    yield group
    kubectl(endpoints, "delete", "crd", f"widgets.{group}", "--ignore-not-found", check=False)


def widget(group, size, colour=None):
    spec = {"size": size}
    if colour:
        spec["colour"] = colour
    return json.dumps({"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec})


def test_apply_of_a_custom_resource_uses_a_merge_patch(endpoints, namespace, widget_crd):
    """Custom resources have no strategic merge patch: `kubectl apply` sends a JSON merge
    patch for them, and a field the configuration drops is removed
    (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#advanced-topics,
    https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/)."""
    kubectl(endpoints, "apply", "-n", namespace, "-f", "-", stdin=widget(widget_crd, 1, "red"))
    _, out, err = kubectl(endpoints, "apply", "-n", namespace, "-f", "-", "-v=8", stdin=widget(widget_crd, 2))
    assert out.strip() == f"widget.{widget_crd}/w configured"
    assert "application/merge-patch+json" in err
    assert get_json(endpoints, f"widgets.{widget_crd}", "w", "-n", namespace)["spec"] == {"size": 2}


def test_a_strategic_patch_of_a_custom_resource_is_unsupported(endpoints, namespace, widget_crd):
    """`kubectl patch` defaults to a strategic merge patch, which custom resources do not
    support: 415 UnsupportedMediaType; `--type merge` works
    (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#use-a-json-merge-patch-to-update-a-deployment,
    https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#advanced-topics)."""
    kubectl(endpoints, "create", "-n", namespace, "-f", "-", stdin=widget(widget_crd, 1))
    code, _, err = kubectl(endpoints, "patch", f"widgets.{widget_crd}", "w", "-n", namespace,
                           "-p", '{"spec":{"size":3}}', check=False)
    assert code == 1
    assert "UnsupportedMediaType" in err or "unknown format" in err, err
    kubectl(endpoints, "patch", f"widgets.{widget_crd}", "w", "-n", namespace, "--type", "merge",
            "-p", '{"spec":{"size":3}}')
    assert get_json(endpoints, f"widgets.{widget_crd}", "w", "-n", namespace)["spec"]["size"] == 3


def test_server_side_apply_owns_fields_and_reports_conflicts(endpoints, namespace):
    """`kubectl apply --server-side` sends an apply patch; another manager's different value
    for an owned field is a conflict naming manager and field, `--force-conflicts` takes it
    over (https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts)."""
    manifest = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"},
                           "data": {"colour": "blue"}})
    out = kubectl(endpoints, "apply", "--server-side", "-n", namespace, "-f", "-", stdin=manifest)[1]
    assert out.strip() == "configmap/ssa serverside-applied"
    theirs = manifest.replace("blue", "red")
    code, _, err = kubectl(endpoints, "apply", "--server-side", "--field-manager=other", "-n", namespace,
                           "-f", "-", stdin=theirs, check=False)
    assert code == 1
    assert 'conflict with "kubectl"' in err and ".data.colour" in err, err
    kubectl(endpoints, "apply", "--server-side", "--field-manager=other", "--force-conflicts",
            "-n", namespace, "-f", "-", stdin=theirs)
    live = get_json(endpoints, "configmap", "ssa", "-n", namespace, "--show-managed-fields")
    assert live["data"] == {"colour": "red"}
    owners = {e["manager"]: e["fieldsV1"] for e in live["metadata"]["managedFields"]}
    assert owners == {"other": {"f:data": {"f:colour": {}}}}


def test_server_side_apply_takes_over_a_client_side_apply(endpoints, namespace):
    """Switching an object from `kubectl apply` to `kubectl apply --server-side` moves the
    fields the client-side apply owned to the `kubectl` apply manager, so dropping a field
    from the configuration then removes it
    (https://kubernetes.io/docs/reference/using-api/server-side-apply/#upgrading-from-client-side-apply-to-server-side-apply)."""
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "moved"},
                "data": {"a": "1", "b": "2"}}
    kubectl(endpoints, "apply", "-n", namespace, "-f", "-", stdin=json.dumps(manifest))
    kubectl(endpoints, "apply", "--server-side", "-n", namespace, "-f", "-", stdin=json.dumps(manifest))
    live = get_json(endpoints, "configmap", "moved", "-n", namespace, "--show-managed-fields")
    managers = {e["manager"] for e in live["metadata"]["managedFields"]}
    assert "kubectl-client-side-apply" not in managers
    del manifest["data"]["b"]
    kubectl(endpoints, "apply", "--server-side", "-n", namespace, "-f", "-", stdin=json.dumps(manifest))
    assert get_json(endpoints, "configmap", "moved", "-n", namespace)["data"] == {"a": "1"}


def test_get_in_every_output_format(endpoints, namespace):
    """`kubectl get` prints a table from the server's Table, and the object as JSON, YAML,
    a JSONPath or a name; managedFields are hidden unless asked for; `-l` selects by label
    (https://kubernetes.io/docs/reference/kubectl/#output-options,
    https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables)."""
    kubectl(endpoints, "create", "configmap", "shown", "-n", namespace, "--from-literal=a=1")
    kubectl(endpoints, "label", "configmap", "shown", "-n", namespace, "tier=web")
    kubectl(endpoints, "create", "configmap", "other", "-n", namespace, "--from-literal=a=2")
    table = kubectl(endpoints, "get", "configmaps", "-n", namespace, "-l", "tier=web")[1].splitlines()
    assert table[0].split() == ["NAME", "AGE"]
    assert [row.split()[0] for row in table[1:]] == ["shown"]
    as_json = get_json(endpoints, "configmap", "shown", "-n", namespace)
    assert as_json["kind"] == "ConfigMap" and "managedFields" not in as_json["metadata"]
    as_yaml = yaml.safe_load(kubectl(endpoints, "get", "configmap", "shown", "-n", namespace, "-o", "yaml")[1])
    assert as_yaml["data"] == {"a": "1"} and as_yaml["metadata"]["labels"] == {"tier": "web"}
    assert kubectl(endpoints, "get", "configmap", "shown", "-n", namespace, "-o", "jsonpath={.data.a}")[1] == "1"
    names = kubectl(endpoints, "get", "configmaps", "-n", namespace, "-o", "name")[1].split()
    assert {"configmap/other", "configmap/shown"} <= set(names)
    listed = get_json(endpoints, "configmaps", "-n", namespace, "--field-selector", "metadata.name=other")
    assert listed["kind"] == "List" and [i["metadata"]["name"] for i in listed["items"]] == ["other"]


def test_patch_in_the_three_types(endpoints, namespace):
    """`kubectl patch` with its default strategic merge patch, `--type merge` (RFC 7386:
    null deletes) and `--type json` (RFC 6902 operations)
    (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/)."""
    kubectl(endpoints, "create", "configmap", "p", "-n", namespace, "--from-literal=a=1", "--from-literal=b=2")
    out = kubectl(endpoints, "patch", "configmap", "p", "-n", namespace, "-p", '{"data":{"c":"3"}}')[1]
    assert out.strip() == "configmap/p patched"
    kubectl(endpoints, "patch", "configmap", "p", "-n", namespace, "--type", "merge", "-p", '{"data":{"a":null}}')
    kubectl(endpoints, "patch", "configmap", "p", "-n", namespace, "--type", "json",
            "-p", '[{"op":"replace","path":"/data/b","value":"20"},{"op":"add","path":"/data/d","value":"4"}]')
    assert get_json(endpoints, "configmap", "p", "-n", namespace)["data"] == {"b": "20", "c": "3", "d": "4"}
    out = kubectl(endpoints, "patch", "configmap", "p", "-n", namespace, "--type", "merge", "-p", '{"data":{"c":"3"}}')[1]
    assert out.strip() == "configmap/p patched (no change)"
    code, _, err = kubectl(endpoints, "patch", "configmap", "missing", "-n", namespace, "-p", '{"data":{}}', check=False)
    assert code == 1 and 'Error from server (NotFound): configmaps "missing" not found' in err


def test_label_and_annotate(endpoints, namespace):
    """`kubectl label` and `kubectl annotate` patch metadata; changing an existing label
    needs `--overwrite`, `key-` removes it
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_label/,
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_annotate/)."""
    kubectl(endpoints, "create", "configmap", "l", "-n", namespace)
    kubectl(endpoints, "label", "configmap", "l", "-n", namespace, "x=1")
    kubectl(endpoints, "annotate", "configmap", "l", "-n", namespace, "note=hello")
    code, _, err = kubectl(endpoints, "label", "configmap", "l", "-n", namespace, "x=2", check=False)
    assert code == 1 and "--overwrite is false" in err
    kubectl(endpoints, "label", "configmap", "l", "-n", namespace, "x=2", "--overwrite")
    kubectl(endpoints, "label", "configmap", "l", "-n", namespace, "y=3")
    kubectl(endpoints, "label", "configmap", "l", "-n", namespace, "y-")
    meta = get_json(endpoints, "configmap", "l", "-n", namespace)["metadata"]
    assert meta["labels"] == {"x": "2"} and meta["annotations"] == {"note": "hello"}


def test_replace_and_its_optimistic_lock(endpoints, namespace):
    """`kubectl replace` PUTs the object; a resourceVersion that is no longer current is a
    409 Conflict (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_replace/,
    https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions)."""
    kubectl(endpoints, "create", "configmap", "r", "-n", namespace, "--from-literal=a=1")
    stale = get_json(endpoints, "configmap", "r", "-n", namespace)
    changed = dict(stale, data={"a": "2"})
    assert kubectl(endpoints, "replace", "-f", "-", stdin=json.dumps(changed))[1].strip() == "configmap/r replaced"
    again = dict(stale, data={"a": "3"})
    code, _, err = kubectl(endpoints, "replace", "-f", "-", stdin=json.dumps(again), check=False)
    assert code == 1
    assert "Error from server (Conflict)" in err and "the object has been modified" in err


def test_server_dry_run_and_diff_persist_nothing(endpoints, namespace):
    """`--dry-run=server` and `kubectl diff` (a server-side dry run) answer what would be
    stored without storing it; `diff` exits 1 when there is a difference
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run,
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_diff/)."""
    out = kubectl(endpoints, "create", "configmap", "dry", "-n", namespace, "--from-literal=a=1",
                  "--dry-run=server", "-o", "json")[1]
    assert json.loads(out)["metadata"]["name"] == "dry"
    code, _, err = kubectl(endpoints, "get", "configmap", "dry", "-n", namespace, check=False)
    assert code == 1 and "NotFound" in err
    kubectl(endpoints, "apply", "-n", namespace, "-f", "-", stdin=deployment("web", "nginx:1.25"))
    assert kubectl(endpoints, "diff", "-n", namespace, "-f", "-", stdin=deployment("web", "nginx:1.25"),
                   check=False)[0] == 0
    code, out, _ = kubectl(endpoints, "diff", "-n", namespace, "-f", "-",
                           stdin=deployment("web", "nginx:1.27"), check=False)
    assert code == 1
    changed = [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert "-      - image: nginx:1.25" in changed and "+      - image: nginx:1.27" in changed
    assert not any("resourceVersion" in line for line in changed), changed
    assert get_json(endpoints, "deployment", "web", "-n", namespace)["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_delete(endpoints, namespace):
    """`kubectl delete` by name and by file; a missing object is NotFound unless
    `--ignore-not-found` (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_delete/)."""
    manifest = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d1"}})
    kubectl(endpoints, "create", "-n", namespace, "-f", "-", stdin=manifest)
    kubectl(endpoints, "create", "configmap", "d2", "-n", namespace)
    assert kubectl(endpoints, "delete", "-n", namespace, "-f", "-", stdin=manifest)[1].strip() == 'configmap "d1" deleted'
    assert kubectl(endpoints, "delete", "configmap", "d2", "-n", namespace)[1].strip() == 'configmap "d2" deleted'
    code, _, err = kubectl(endpoints, "delete", "configmap", "d2", "-n", namespace, check=False)
    assert code == 1 and 'Error from server (NotFound): configmaps "d2" not found' in err
    assert kubectl(endpoints, "delete", "configmap", "d2", "-n", namespace, "--ignore-not-found")[0] == 0


def test_delete_a_namespace_with_what_it_holds(endpoints, unique):
    """Deleting a namespace deletes the objects in it
    (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/,
    https://kubernetes.io/docs/reference/kubectl/generated/kubectl_delete/)."""
    name = f"gone-{unique}"
    kubectl(endpoints, "create", "namespace", name)
    kubectl(endpoints, "create", "configmap", "inside", "-n", name)
    assert kubectl(endpoints, "delete", "namespace", name)[1].strip() == f'namespace "{name}" deleted'
    code, _, err = kubectl(endpoints, "get", "configmap", "inside", "-n", name, check=False)
    assert code == 1 and "NotFound" in err
