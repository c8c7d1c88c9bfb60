//! Grafana teams: create, name conflicts, search (name, query, paging), get, update,
//! delete.

mod common;

use common::{Harness, expect};
use serde_json::json;

#[tokio::test]
async fn team_lifecycle() {
    let h = Harness::start().await;
    let created = expect(
        h.grafana("POST", "/api/teams")
            .json(&json!({"name": "WM-Prod Operators", "email": "ops@example.com"})),
        200,
    )
    .await;
    assert_eq!(created["message"], json!("Team created"));
    let id = created["teamId"].as_i64().expect("teamId");
    assert!(created["uid"].as_str().is_some_and(|u| !u.is_empty()));

    let taken = expect(
        h.grafana("POST", "/api/teams")
            .json(&json!({"name": "WM-Prod Operators"})),
        409,
    )
    .await;
    assert_eq!(taken, json!({"message": "Team name taken"}));

    let team = expect(h.grafana("GET", &format!("/api/teams/{id}")), 200).await;
    assert_eq!(team["name"], json!("WM-Prod Operators"));
    assert_eq!(team["email"], json!("ops@example.com"));
    assert_eq!(team["orgId"], json!(1));

    let updated = expect(
        h.grafana("PUT", &format!("/api/teams/{id}"))
            .json(&json!({"name": "Renamed", "email": ""})),
        200,
    )
    .await;
    assert_eq!(updated, json!({"message": "Team updated"}));

    let deleted = expect(h.grafana("DELETE", &format!("/api/teams/{id}")), 200).await;
    assert_eq!(deleted, json!({"message": "Team deleted"}));
    let missing = expect(h.grafana("GET", &format!("/api/teams/{id}")), 404).await;
    assert_eq!(missing, json!({"message": "Team not found"}));
    let again = expect(h.grafana("DELETE", &format!("/api/teams/{id}")), 404).await;
    assert_eq!(
        again,
        json!({"message": "Failed to delete Team. ID not found"})
    );
    expect(h.grafana("GET", "/api/teams/not-a-number"), 400).await;
}

#[tokio::test]
async fn search_by_name_query_and_page() {
    let h = Harness::start().await;
    for name in ["alpha", "beta", "alphabet", "gamma"] {
        expect(
            h.grafana("POST", "/api/teams").json(&json!({"name": name})),
            200,
        )
        .await;
    }
    let all = expect(h.grafana("GET", "/api/teams/search"), 200).await;
    assert_eq!(all["totalCount"], json!(4));
    assert_eq!(all["page"], json!(1));
    assert_eq!(all["perPage"], json!(1000));

    let exact = expect(h.grafana("GET", "/api/teams/search?name=alpha"), 200).await;
    assert_eq!(exact["totalCount"], json!(1), "{exact}");
    assert_eq!(exact["teams"][0]["name"], json!("alpha"));

    let query = expect(h.grafana("GET", "/api/teams/search?query=ALPHA"), 200).await;
    let names: Vec<&str> = query["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["alpha", "alphabet"]);

    let page = expect(h.grafana("GET", "/api/teams/search?perpage=3&page=2"), 200).await;
    assert_eq!(page["totalCount"], json!(4));
    assert_eq!(page["teams"].as_array().unwrap().len(), 1);
    assert_eq!(page["teams"][0]["name"], json!("gamma"));

    let none = expect(h.grafana("GET", "/api/teams/search?name=nope"), 200).await;
    assert_eq!(none["teams"], json!([]));
}
