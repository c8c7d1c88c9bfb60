//! The Kubernetes emulator's API as a client sees it over TLS with the sandbox CA: bearer
//! authentication, discovery, server-side apply with field managers and conflicts, label
//! selectors, CRDs that become Established, Deployments that become ready, token requests,
//! namespace deletion, and `Status` error bodies.

mod common;

use common::{Harness, status_and_json};
use ff_sandbox::Config;
use serde_json::{Value, json};

struct Kube {
    harness: Harness,
    http: reqwest::Client,
}

impl Kube {
    async fn start(delay_ms: u64) -> Kube {
        let harness = Harness::start_with(Config {
            k8s_ready_delay_ms: Some(delay_ms),
            ..Config::default()
        })
        .await;
        let ca = reqwest::Certificate::from_pem(harness.endpoints().kubernetes.ca_pem.as_bytes())
            .expect("CA PEM");
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()
            .expect("client");
        Kube { harness, http }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let k = &self.harness.endpoints().kubernetes;
        let mut request = self
            .http
            .request(common::method_of(method), format!("{}{path}", k.host))
            .bearer_auth(&k.token);
        if let Some(body) = body {
            request = request
                .header("content-type", content_type.unwrap_or("application/json"))
                .body(body.to_string());
        }
        status_and_json(request.send().await.expect("request sent over TLS")).await
    }

    async fn apply(&self, path: &str, manager: &str, force: bool, body: Value) -> (u16, Value) {
        let query = format!(
            "?fieldManager={manager}{}",
            if force { "&force=true" } else { "" }
        );
        self.call(
            "PATCH",
            &format!("{path}{query}"),
            Some("application/apply-patch+yaml"),
            Some(body),
        )
        .await
    }
}

fn configmap(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default", "labels": {"tier": "web"}}, "data": data})
}

const CM: &str = "/api/v1/namespaces/default/configmaps/settings";

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthorized() {
    let kube = Kube::start(0).await;
    let k = &kube.harness.endpoints().kubernetes;
    let response = kube
        .http
        .get(format!("{}/api/v1/namespaces", k.host))
        .bearer_auth("wrong")
        .send()
        .await
        .expect("sent");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    );
    kube.harness.shutdown().await;
}

#[tokio::test]
async fn discovery_and_not_found_status() {
    let kube = Kube::start(0).await;
    let (status, groups) = kube.call("GET", "/apis", None, None).await;
    assert_eq!(status, 200);
    assert!(
        groups["groups"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["name"] == "apps")),
        "{groups}"
    );
    let (_, core) = kube.call("GET", "/api/v1", None, None).await;
    assert!(core["resources"].as_array().is_some_and(|r| {
        r.iter()
            .any(|r| r["name"] == "configmaps" && r["namespaced"] == true)
    }));
    let (status, body) = kube.call("GET", CM, None, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["reason"], "NotFound");
    assert_eq!(body["message"], "configmaps \"settings\" not found");
    assert_eq!(
        body["details"],
        json!({"name": "settings", "kind": "configmaps"})
    );
    kube.harness.shutdown().await;
}

#[tokio::test]
async fn server_side_apply_owns_fields_and_reports_conflicts() {
    let kube = Kube::start(0).await;
    let (status, created) = kube
        .apply(CM, "tf", false, configmap(json!({"a": "1", "b": "2"})))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["metadata"]["managedFields"][0]["manager"], "tf");
    assert_eq!(
        created["metadata"]["managedFields"][0]["operation"],
        "Apply"
    );
    assert_eq!(
        created["metadata"]["managedFields"][0]["fieldsV1"]["f:data"],
        json!({"f:a": {}, "f:b": {}})
    );

    // Another manager changes a field the applier owns.
    let (status, _) = kube
        .call(
            "PATCH",
            &format!("{CM}?fieldManager=kubectl-edit"),
            Some("application/merge-patch+json"),
            Some(json!({"data": {"a": "edited"}})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, conflict) = kube
        .apply(CM, "tf", false, configmap(json!({"a": "1"})))
        .await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["reason"], "Conflict");
    assert_eq!(
        conflict["details"]["causes"][0],
        json!({"type": "FieldManagerConflict", "message": "conflict with \"kubectl-edit\" using v1", "field": ".data.a"})
    );

    // Forced, the applier takes the field back, and `b`, which it no longer sets, goes.
    let (status, forced) = kube
        .apply(CM, "tf", true, configmap(json!({"a": "1"})))
        .await;
    assert_eq!(status, 200, "{forced}");
    assert_eq!(forced["data"], json!({"a": "1"}));
    let version = forced["metadata"]["resourceVersion"].clone();
    let (_, again) = kube
        .apply(CM, "tf", false, configmap(json!({"a": "1"})))
        .await;
    assert_eq!(
        again["metadata"]["resourceVersion"], version,
        "an unchanged apply keeps the resourceVersion"
    );

    // Label selectors.
    let (_, listed) = kube
        .call(
            "GET",
            "/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dweb",
            None,
            None,
        )
        .await;
    assert_eq!(listed["kind"], "ConfigMapList");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    let (_, none) = kube
        .call(
            "GET",
            "/api/v1/configmaps?labelSelector=tier%20notin%20(web)",
            None,
            None,
        )
        .await;
    assert!(
        none["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|o| o["metadata"]["name"] != "settings"))
    );
    kube.harness.shutdown().await;
}

#[tokio::test]
async fn crds_become_established_and_serve_their_kind() {
    let kube = Kube::start(400).await;
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": true, "storage": true}]}});
    let (status, _) = kube
        .apply(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
            "tf",
            false,
            crd,
        )
        .await;
    assert_eq!(status, 201);
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}});
    let path = "/apis/example.com/v1/namespaces/default/widgets/w";
    let (status, _) = kube.apply(path, "tf", false, widget.clone()).await;
    assert_eq!(status, 404, "not served before the CRD is Established");
    let (_, crd) = kube
        .call(
            "GET",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
            None,
            None,
        )
        .await;
    assert!(crd["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Established" && c["status"] == "False")
    }));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, created) = kube.apply(path, "tf", false, widget).await;
    assert_eq!(status, 201, "{created}");
    let (_, list) = kube.call("GET", "/apis/example.com/v1", None, None).await;
    assert_eq!(list["resources"][0]["kind"], "Widget");
    // Deleting the CRD takes its objects.
    kube.call(
        "DELETE",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        None,
        None,
    )
    .await;
    assert!(
        kube.harness.state().await["kubernetes"]["objects"]
            .get("example.com/widgets/default/w")
            .is_none()
    );
    kube.harness.shutdown().await;
}

#[tokio::test]
async fn deployments_become_ready_and_tokens_authenticate() {
    let kube = Kube::start(300).await;
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
    assert_eq!(
        kube.apply("/api/v1/namespaces/apps", "tf", false, ns)
            .await
            .0,
        201
    );
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"}, "spec": {"replicas": 2}});
    kube.apply(
        "/apis/apps/v1/namespaces/apps/deployments/web",
        "tf",
        false,
        deployment,
    )
    .await;
    let (_, early) = kube
        .call(
            "GET",
            "/apis/apps/v1/namespaces/apps/deployments/web",
            None,
            None,
        )
        .await;
    assert_eq!(early["status"]["readyReplicas"], 0);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (_, ready) = kube
        .call(
            "GET",
            "/apis/apps/v1/namespaces/apps/deployments/web",
            None,
            None,
        )
        .await;
    assert_eq!(ready["status"]["readyReplicas"], 2);

    // A token for the namespace's default service account works as a bearer token.
    let (status, request) = kube
        .call(
            "POST",
            "/api/v1/namespaces/apps/serviceaccounts/default/token",
            None,
            Some(json!({"spec": {"expirationSeconds": 3600}})),
        )
        .await;
    assert_eq!(status, 201, "{request}");
    let token = request["status"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let k = &kube.harness.endpoints().kubernetes;
    let response = kube
        .http
        .get(format!("{}/api/v1/namespaces/apps", k.host))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let (_, review) = kube
        .call(
            "POST",
            "/apis/authentication.k8s.io/v1/tokenreviews",
            None,
            Some(json!({"spec": {"token": token}})),
        )
        .await;
    assert_eq!(
        review["status"]["user"]["username"],
        "system:serviceaccount:apps:default"
    );
    // The token carries the claims of the API server's bound tokens, which clients such as
    // Vault's Kubernetes auth compare with the review: the account's uid among them.
    let (_, account) = kube
        .call(
            "GET",
            "/api/v1/namespaces/apps/serviceaccounts/default",
            None,
            None,
        )
        .await;
    let claims: serde_json::Value = {
        use base64::Engine;
        let payload = token.split('.').nth(1).unwrap_or_default();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64url claims");
        serde_json::from_slice(&bytes).expect("JSON claims")
    };
    assert_eq!(claims["sub"], "system:serviceaccount:apps:default");
    assert_eq!(claims["kubernetes.io"]["namespace"], "apps");
    assert_eq!(claims["kubernetes.io"]["serviceaccount"]["name"], "default");
    assert_eq!(
        claims["kubernetes.io"]["serviceaccount"]["uid"],
        account["metadata"]["uid"]
    );
    assert_eq!(review["status"]["user"]["uid"], account["metadata"]["uid"]);
    assert_eq!(
        claims["aud"],
        json!(["https://kubernetes.default.svc.cluster.local"])
    );
    for claim in ["iat", "nbf", "exp"] {
        assert!(claims[claim].is_i64(), "{claim}: {claims}");
    }
    assert_eq!(
        review["status"]["audiences"],
        json!(["https://kubernetes.default.svc.cluster.local"])
    );
    // A review asking for an audience the token was not made for does not authenticate it.
    let (_, elsewhere) = kube
        .call(
            "POST",
            "/apis/authentication.k8s.io/v1/tokenreviews",
            None,
            Some(json!({"spec": {"token": token, "audiences": ["vault"]}})),
        )
        .await;
    assert_eq!(elsewhere["status"]["authenticated"], false, "{elsewhere}");

    // A namespace takes its objects with it.
    let (status, _) = kube
        .call("DELETE", "/api/v1/namespaces/apps", None, None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = kube
        .call(
            "GET",
            "/apis/apps/v1/namespaces/apps/deployments/web",
            None,
            None,
        )
        .await;
    assert_eq!(status, 404);
    kube.harness.shutdown().await;
}
