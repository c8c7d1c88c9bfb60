"""The official Kubernetes Python client (kubernetes 32.0.1, the client of Kubernetes 1.32)
against the Kubernetes emulator, over TLS verified with the sandbox's CA from the kubeconfig
the sandbox writes. The typed APIs deserialize every answer into their models
(`V1ConfigMap`, `V1Status`…): whether they can is part of each check.
"""

import base64
import json
import time

import pytest
from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException


@pytest.fixture(scope="module")
def api(endpoints):
    return config.new_client_from_config(config_file=endpoints["kubernetes"]["kubeconfig"])


@pytest.fixture(scope="module")
def core(api):
    return client.CoreV1Api(api)


@pytest.fixture
def namespace(core, unique):
    name = f"py-{unique}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    try:
        core.delete_namespace(name)
    except ApiException:
        pass


def status_of(error):
    """The `Status` body of a failed call."""
    return json.loads(error.body)


def config_map(name, data, labels=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


def test_the_kubeconfig_verifies_the_server(endpoints, api):
    """The kubeconfig carries the cluster's CA, so TLS is verified (never skipped), and the
    server's `/version` is v1.32
    (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/,
    https://kubernetes.io/docs/reference/using-api/health-checks/)."""
    assert api.configuration.verify_ssl is True
    assert api.configuration.ssl_ca_cert
    assert api.configuration.host == endpoints["kubernetes"]["host"]
    info = client.VersionApi(api).get_code()
    assert (info.major, info.minor) == ("1", "32")


def test_create_read_list_config_maps(core, namespace):
    """Create answers 201 with the stored object (uid, resourceVersion, creationTimestamp);
    read and list return it; a list carries the collection's resourceVersion
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#create-operations,
    https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes)."""
    created, status, _ = core.create_namespaced_config_map_with_http_info(
        namespace, config_map("one", {"a": "1"}, {"tier": "web"}))
    assert status == 201
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp.year >= 2024
    read = core.read_namespaced_config_map("one", namespace)
    assert (read.data, read.metadata.uid) == ({"a": "1"}, created.metadata.uid)
    core.create_namespaced_config_map(namespace, config_map("two", {"b": "2"}))
    listed = core.list_namespaced_config_map(namespace)
    assert {"one", "two"} <= {item.metadata.name for item in listed.items}
    assert int(listed.metadata.resource_version) >= int(created.metadata.resource_version)


def test_label_and_field_selectors(core, namespace):
    """`labelSelector` takes equality and set-based requirements, `fieldSelector`
    metadata.name; a malformed selector is a 400
    (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#api,
    https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/)."""
    core.create_namespaced_config_map(namespace, config_map("web", {}, {"tier": "web", "env": "prod"}))
    core.create_namespaced_config_map(namespace, config_map("db", {}, {"tier": "db"}))
    names = lambda **kw: sorted(i.metadata.name for i in core.list_namespaced_config_map(namespace, **kw).items)
    assert names(label_selector="tier=web") == ["web"]
    assert names(label_selector="tier in (web,db),!env") == ["db"]
    assert names(label_selector="tier!=web,tier") == ["db"]
    assert names(field_selector="metadata.name=db") == ["db"]
    with pytest.raises(ApiException) as error:
        core.list_namespaced_config_map(namespace, label_selector="tier in web")
    assert error.value.status == 400 and status_of(error.value)["reason"] == "BadRequest"


def test_errors_are_status_objects(core, namespace):
    """Failures answer a `Status` with `reason`, `code` and `details`: 409 AlreadyExists,
    404 NotFound, 422 Invalid for a missing name
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind,
    https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#http-status-codes)."""
    core.create_namespaced_config_map(namespace, config_map("dup", {}))
    with pytest.raises(ApiException) as error:
        core.create_namespaced_config_map(namespace, config_map("dup", {}))
    body = status_of(error.value)
    assert error.value.status == 409
    assert (body["kind"], body["status"], body["reason"], body["code"]) == ("Status", "Failure", "AlreadyExists", 409)
    assert body["details"] == {"name": "dup", "kind": "configmaps"}
    assert body["message"] == 'configmaps "dup" already exists'
    with pytest.raises(ApiException) as error:
        core.read_namespaced_config_map("nope", namespace)
    assert error.value.status == 404 and status_of(error.value)["message"] == 'configmaps "nope" not found'
    with pytest.raises(ApiException) as error:
        core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta()))
    assert error.value.status == 422 and status_of(error.value)["reason"] == "Invalid"


def test_generate_name(core, namespace):
    """A create with `generateName` and no name gets a generated, unique name
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#generated-values)."""
    made = {core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="gen-"))).metadata.name
        for _ in range(3)}
    assert len(made) == 3 and all(n.startswith("gen-") and len(n) == 9 for n in made)


def test_replace_needs_the_current_resource_version(core, namespace):
    """An update with a stale `resourceVersion` is a 409 Conflict (optimistic concurrency)
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions,
    https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency)."""
    cm = core.create_namespaced_config_map(namespace, config_map("rv", {"a": "1"}))
    cm.data = {"a": "2"}
    updated = core.replace_namespaced_config_map("rv", namespace, cm)
    assert int(updated.metadata.resource_version) > int(cm.metadata.resource_version)
    cm.data = {"a": "3"}
    with pytest.raises(ApiException) as error:
        core.replace_namespaced_config_map("rv", namespace, cm)
    assert error.value.status == 409 and status_of(error.value)["reason"] == "Conflict"


def test_patches_strategic_and_json(core, namespace):
    """The typed `patch_*` sends a strategic merge patch for a map and a JSON patch for a
    list; both answer the patched object
    (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/,
    https://kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply)."""
    core.create_namespaced_config_map(namespace, config_map("p", {"a": "1"}))
    patched = core.patch_namespaced_config_map("p", namespace, {"data": {"b": "2"}, "metadata": {"labels": {"x": "y"}}})
    assert patched.data == {"a": "1", "b": "2"} and patched.metadata.labels == {"x": "y"}
    patched = core.patch_namespaced_config_map("p", namespace, [{"op": "remove", "path": "/data/a"}])
    assert patched.data == {"b": "2"}


def test_deployment_merges_containers_and_reports_readiness(api, namespace):
    """A strategic merge patch of a Deployment merges `containers` by name; the Deployment's
    status reports its replicas ready once the (emulated) rollout is done
    (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#notes-on-the-strategic-merge-patch,
    https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status)."""
    apps = client.AppsV1Api(api)
    body = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(containers=[
                    client.V1Container(name="nginx", image="nginx:1.25",
                                       env=[client.V1EnvVar(name="A", value="1")]),
                    client.V1Container(name="sidecar", image="busybox:1.36")]))))
    apps.create_namespaced_deployment(namespace, body)
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.26", "env": [{"name": "B", "value": "2"}]}]}}}}
    patched = apps.patch_namespaced_deployment("web", namespace, patch)
    containers = patched.spec.template.spec.containers
    assert [(c.name, c.image) for c in containers] == [("nginx", "nginx:1.26"), ("sidecar", "busybox:1.36")]
    assert [(e.name, e.value) for e in containers[0].env] == [("A", "1"), ("B", "2")]
    assert patched.metadata.generation == 2
    for _ in range(50):
        status = apps.read_namespaced_deployment_status("web", namespace).status
        if status.ready_replicas == 2:
            break
        time.sleep(0.1)
    assert (status.ready_replicas, status.observed_generation) == (2, 2)
    assert {c.type: c.status for c in status.conditions}["Available"] == "True"


def test_delete_answers_a_success_status(core, namespace):
    """Deleting an object answers a `Status` of success naming it
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind,
    https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/config-map-v1/#delete-delete-a-configmap)."""
    cm = core.create_namespaced_config_map(namespace, config_map("bye", {}))
    status = core.delete_namespaced_config_map("bye", namespace)
    assert isinstance(status, client.V1Status) and status.status == "Success"
    assert (status.details.name, status.details.kind, status.details.uid) == ("bye", "configmaps", cm.metadata.uid)
    with pytest.raises(ApiException) as error:
        core.delete_namespaced_config_map("bye", namespace)
    assert error.value.status == 404


def test_secret_string_data_is_stored_as_data(core, namespace):
    """A Secret's `stringData` is merged into `data` on write and never returned
    (https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/secret-v1/)."""
    secret = client.V1Secret(metadata=client.V1ObjectMeta(name="s"),
                             data={"a": base64.b64encode(b"one").decode()}, string_data={"b": "two"})
    core.create_namespaced_secret(namespace, secret)
    read = core.read_namespaced_secret("s", namespace)
    assert {k: base64.b64decode(v) for k, v in read.data.items()} == {"a": b"one", "b": b"two"}
    assert read.string_data is None


def test_service_account_tokens_and_token_review(api, core, namespace):
    """A TokenRequest for a service account answers a token and its expiry; a TokenReview
    authenticates it as `system:serviceaccount:<ns>:<name>` and refuses a forged one; the
    API takes the token as a bearer token. A token made for another audience is
    authenticated only by a review that asks for that audience (a review without audiences
    asks for the API server's own), and the API server does not take it
    (https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/,
    https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-review-v1/)."""
    core.create_namespaced_service_account(namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="app")))
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=1200))
    issued = core.create_namespaced_service_account_token("app", namespace, request)
    token = issued.status.token
    assert issued.status.expiration_timestamp.timestamp() > time.time() + 1100
    authn = client.AuthenticationV1Api(api)
    review = authn.create_token_review(client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token)))
    assert review.status.authenticated is True
    assert review.status.user.username == f"system:serviceaccount:{namespace}:app"
    assert f"system:serviceaccounts:{namespace}" in review.status.user.groups
    forged = authn.create_token_review(client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token[:-4] + "AAAA")))
    assert forged.status.authenticated is False
    as_app = client.Configuration()
    as_app.host, as_app.ssl_ca_cert = api.configuration.host, api.configuration.ssl_ca_cert
    as_app.api_key = {"authorization": "Bearer " + token}
    with client.ApiClient(as_app) as app_client:
        assert client.CoreV1Api(app_client).read_namespaced_service_account("app", namespace).metadata.name == "app"

    for_vault = core.create_namespaced_service_account_token(
        "app", namespace, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=["vault"])))
    assert for_vault.spec.audiences == ["vault"]
    vault_token = for_vault.status.token
    default_review = authn.create_token_review(client.V1TokenReview(spec=client.V1TokenReviewSpec(token=vault_token)))
    assert default_review.status.authenticated is not True
    vault_review = authn.create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=vault_token, audiences=["vault"])))
    assert vault_review.status.authenticated is True
    assert vault_review.status.audiences == ["vault"]
    as_vault_client = client.Configuration()
    as_vault_client.host, as_vault_client.ssl_ca_cert = api.configuration.host, api.configuration.ssl_ca_cert
    as_vault_client.api_key = {"authorization": "Bearer " + vault_token}
    with client.ApiClient(as_vault_client) as other:
        with pytest.raises(ApiException) as error:
            client.CoreV1Api(other).read_namespaced_service_account("app", namespace)
        assert error.value.status == 401


def test_a_wrong_token_is_unauthorized(endpoints, api):
    """A bearer token the server does not know is a 401 `Unauthorized` Status
    (https://kubernetes.io/docs/reference/access-authn-authz/authentication/)."""
    wrong = client.Configuration()
    wrong.host, wrong.ssl_ca_cert = api.configuration.host, api.configuration.ssl_ca_cert
    wrong.api_key = {"authorization": "Bearer not-a-token"}
    with client.ApiClient(wrong) as unauthorized:
        with pytest.raises(ApiException) as error:
            client.CoreV1Api(unauthorized).list_namespace()
    assert error.value.status == 401 and status_of(error.value)["reason"] == "Unauthorized"


def test_dynamic_client_discovers_and_applies_server_side(api, namespace):
    """The dynamic client finds kinds through discovery and applies server-side: an apply
    creates, a second manager's different value is a 409 with `FieldManagerConflict`
    causes, `force` takes the field over
    (https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts,
    https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api)."""
    dyn = dynamic.DynamicClient(api)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    assert cms.namespaced and cms.name == "configmaps"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": namespace},
            "data": {"owner": "terraform"}}
    applied = cms.server_side_apply(body=body, name="ssa", namespace=namespace, field_manager="terraform")
    assert applied.metadata.managedFields[0]["manager"] == "terraform"
    assert applied.metadata.managedFields[0]["operation"] == "Apply"
    theirs = dict(body, data={"owner": "someone-else"})
    with pytest.raises(ApiException) as error:
        cms.server_side_apply(body=theirs, name="ssa", namespace=namespace, field_manager="other")
    status = status_of(error.value)
    assert error.value.status == 409 and status["reason"] == "Conflict"
    assert status["details"]["causes"][0] == {
        "type": "FieldManagerConflict", "message": 'conflict with "terraform" using v1', "field": ".data.owner"}
    forced = cms.server_side_apply(body=theirs, name="ssa", namespace=namespace, field_manager="other",
                                   force_conflicts=True)
    assert forced.data.owner == "someone-else"
    assert [e["manager"] for e in forced.metadata.managedFields] == ["other"]


def test_custom_resources_through_the_crd(api, namespace, unique):
    """A CRD becomes Established and its kind served; custom objects are created, listed,
    merge-patched and deleted through CustomObjectsApi, and a strategic merge patch of one
    is 415 (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/,
    https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#use-a-json-merge-patch-to-update-a-deployment)."""
    group = f"g{unique}.example.com"
    ext = client.ApiextensionsV1Api(api)
    crd = client.V1CustomResourceDefinition(
        metadata=client.V1ObjectMeta(name=f"gadgets.{group}"),
        spec=client.V1CustomResourceDefinitionSpec(
            group=group, scope="Namespaced",
            names=client.V1CustomResourceDefinitionNames(plural="gadgets", kind="Gadget"),
            versions=[client.V1CustomResourceDefinitionVersion(
                name="v1", served=True, storage=True,
                schema=client.V1CustomResourceValidation(open_apiv3_schema=client.V1JSONSchemaProps(
                    type="object", x_kubernetes_preserve_unknown_fields=True)))]))
    ext.create_custom_resource_definition(crd)
    for _ in range(50):
        conditions = ext.read_custom_resource_definition(f"gadgets.{group}").status.conditions or []
        if any(c.type == "Established" and c.status == "True" for c in conditions):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the CRD never became Established")
    custom = client.CustomObjectsApi(api)
    gadget = {"apiVersion": f"{group}/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"size": 1, "colour": "red"}}
    created = custom.create_namespaced_custom_object(group, "v1", namespace, "gadgets", gadget)
    assert created["metadata"]["uid"]
    listed = custom.list_namespaced_custom_object(group, "v1", namespace, "gadgets")
    assert listed["kind"] == "GadgetList" and [i["metadata"]["name"] for i in listed["items"]] == ["g1"]
    patched = custom.patch_namespaced_custom_object(group, "v1", namespace, "gadgets", "g1",
                                                    {"spec": {"colour": None, "size": 2}})
    assert patched["spec"] == {"size": 2}
    with pytest.raises(ApiException) as error:
        api.call_api(f"/apis/{group}/v1/namespaces/{namespace}/gadgets/g1", "PATCH",
                     header_params={"Content-Type": "application/strategic-merge-patch+json", "Accept": "application/json"},
                     body={"spec": {"size": 3}}, auth_settings=["BearerToken"], _preload_content=False)
    assert error.value.status == 415 and status_of(error.value)["reason"] == "UnsupportedMediaType"
    custom.delete_namespaced_custom_object(group, "v1", namespace, "gadgets", "g1")
    assert custom.list_namespaced_custom_object(group, "v1", namespace, "gadgets")["items"] == []
    ext.delete_custom_resource_definition(f"gadgets.{group}")
