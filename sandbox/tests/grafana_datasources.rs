//! Grafana data sources: create, read by uid/name/id, write-only secrets, conflicts,
//! update, delete.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn datasource_lifecycle() {
    let h = Harness::start().await;
    let created = expect(
        h.grafana("POST", "/api/datasources").json(&json!({
            "uid": "prom-wm",
            "name": "Prometheus WM",
            "type": "prometheus",
            "url": "http://prometheus:9090",
            "access": "proxy",
            "jsonData": {"httpMethod": "POST"},
            "secureJsonData": {"basicAuthPassword": "hunter2"}
        })),
        200,
    )
    .await;
    assert_eq!(created["message"], json!("Datasource added"));
    assert_eq!(created["name"], json!("Prometheus WM"));
    let ds = &created["datasource"];
    assert_eq!(ds["uid"], json!("prom-wm"));
    assert_eq!(ds["secureJsonFields"], json!({"basicAuthPassword": true}));
    assert!(
        ds.get("secureJsonData").is_none(),
        "secrets are write-only: {created}"
    );
    let id = created["id"].as_i64().unwrap();

    let by_uid = expect(h.grafana("GET", "/api/datasources/uid/prom-wm"), 200).await;
    assert_eq!(by_uid["jsonData"], json!({"httpMethod": "POST"}));
    assert_eq!(by_uid["version"], json!(1));
    let by_name = expect(
        h.grafana("GET", "/api/datasources/name/Prometheus%20WM"),
        200,
    )
    .await;
    assert_eq!(by_name["id"], json!(id));
    expect(h.grafana("GET", &format!("/api/datasources/{id}")), 200).await;
    let id_only = expect(h.grafana("GET", "/api/datasources/id/Prometheus%20WM"), 200).await;
    assert_eq!(id_only, json!({ "id": id }));
    let list = expect(h.grafana("GET", "/api/datasources"), 200).await;
    assert_eq!(list[0]["typeName"], json!("Prometheus"));

    let conflict = expect(
        h.grafana("POST", "/api/datasources")
            .json(&json!({"name": "Prometheus WM", "type": "prometheus"})),
        409,
    )
    .await;
    assert_eq!(
        conflict,
        json!({"message": "data source with the same name already exists"})
    );

    let updated = expect(
        h.grafana("PUT", "/api/datasources/uid/prom-wm")
            .json(&json!({
                "name": "Prometheus WM",
                "type": "prometheus",
                "url": "http://prometheus:9091",
                "secureJsonData": {"httpHeaderValue1": "Bearer x"}
            })),
        200,
    )
    .await;
    assert_eq!(updated["message"], json!("Datasource updated"));
    assert_eq!(
        updated["datasource"]["url"],
        json!("http://prometheus:9091")
    );
    assert_eq!(
        updated["datasource"]["secureJsonFields"],
        json!({"basicAuthPassword": true, "httpHeaderValue1": true}),
        "an update keeps secrets it does not mention"
    );
    assert_eq!(updated["datasource"]["version"], json!(2));
    let state = h.state().await;
    assert_eq!(
        state["grafana"]["datasources"][0]["secure_json_data"]["basicAuthPassword"],
        json!("hunter2"),
        "inspection shows stored secrets"
    );

    let deleted = expect(h.grafana("DELETE", "/api/datasources/uid/prom-wm"), 200).await;
    assert_eq!(deleted["message"], json!("Data source deleted"));
    let missing = expect(h.grafana("GET", "/api/datasources/uid/prom-wm"), 404).await;
    assert_eq!(missing, json!({"message": "Data source not found"}));
    expect(h.grafana("DELETE", "/api/datasources/uid/prom-wm"), 404).await;
}
