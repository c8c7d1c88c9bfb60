//! Unit tests of `ff_auth0_tenant_setup`: validation paths, planning, and the state an
//! observation describes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use tfplugin::{Diagnostics, Value};

use super::converge::{client_body, client_matches};
use super::model::{
    ApiBlock, ApplicationBlock, DEFAULT_TOKEN_LIFETIME, Observed, StrList, TenantSetupState,
};
use super::observe::state_of;
use super::plan::{desired_of, plan_computed, plan_known};
use super::validate::validate_config;
use crate::backends::auth0::{Client, ClientGrant, ResourceServer};
use crate::naming::{DeploymentKey, Names};

fn strings(items: &[&str]) -> StrList {
    Value::Value(items.iter().map(|s| Value::Value(s.to_string())).collect())
}

fn config() -> TenantSetupState {
    let mut apps = BTreeMap::new();
    apps.insert(
        "portal".to_string(),
        Value::Value(ApplicationBlock {
            kind: Value::Value("spa".into()),
            callbacks: strings(&["https://portal.example/cb"]),
            ..Default::default()
        }),
    );
    apps.insert(
        "worker".to_string(),
        Value::Value(ApplicationBlock {
            kind: Value::Value("non_interactive".into()),
            ..Default::default()
        }),
    );
    TenantSetupState {
        deployment_key: Value::Value("WM-Prod".into()),
        application: Value::Value(apps),
        api: Value::Value(ApiBlock {
            identifier: Value::Value("https://api.example".into()),
            scopes: Value::Value(BTreeMap::from([(
                "read:data".to_string(),
                Value::Value("Read".to_string()),
            )])),
            token_lifetime: Value::Null,
        }),
        grants: Value::Value(BTreeMap::from([(
            "worker".to_string(),
            Value::Value(BTreeSet::from([Value::Value("read:data".to_string())])),
        )])),
        ..Default::default()
    }
}

fn error_paths(config: &TenantSetupState) -> Vec<String> {
    let mut diags = Diagnostics::default();
    validate_config(&mut diags, config);
    diags
        .errors()
        .iter()
        .map(|d| d.attribute.clone().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_valid_configuration_passes() {
    assert_eq!(error_paths(&config()), Vec::<String>::new());
}

#[test]
fn closed_sets_and_references_are_checked_with_paths() {
    let mut bad = config();
    if let Value::Value(apps) = &mut bad.application {
        if let Some(Value::Value(portal)) = apps.get_mut("portal") {
            portal.kind = Value::Value("tv".into());
            portal.callbacks = strings(&["portal.example/cb"]);
        }
        if let Some(Value::Value(worker)) = apps.get_mut("worker") {
            worker.grant_types = Value::Value(BTreeSet::from([Value::Value("magic".to_string())]));
        }
    }
    bad.grants = Value::Value(BTreeMap::from([
        (
            "worker".to_string(),
            Value::Value(BTreeSet::from([Value::Value("write:data".to_string())])),
        ),
        ("ghost".to_string(), Value::Value(BTreeSet::new())),
    ]));
    bad.roles = Value::Value(BTreeMap::from([(
        "Admin".to_string(),
        Value::Value(BTreeSet::new()),
    )]));
    let paths = error_paths(&bad);
    for expected in [
        "application[\"portal\"].type",
        "application[\"portal\"].callbacks",
        "application[\"worker\"].grant_types",
        "grants[\"ghost\"]",
        "grants[\"worker\"]",
        "roles[\"Admin\"]",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "missing {expected} in {paths:?}"
        );
    }
}

#[test]
fn spa_cannot_use_client_credentials() {
    let mut bad = config();
    bad.grants = Value::Value(BTreeMap::from([(
        "portal".to_string(),
        Value::Value(BTreeSet::from([Value::Value("read:data".to_string())])),
    )]));
    assert_eq!(error_paths(&bad), vec!["grants[\"portal\"]".to_string()]);
}

#[test]
fn plan_fills_defaults_and_paths() {
    let mut state = config();
    let key = DeploymentKey::parse("WM-Prod").unwrap_or_else(|e| panic!("{e}"));
    let names = Names::new(&key, "deployments");
    plan_known(&mut state, &names);
    plan_computed(&mut state, None);
    let desired = desired_of(&state, "deployments").expect("known");
    assert_eq!(
        desired.apps["portal"].grant_types,
        BTreeSet::from([
            "authorization_code".to_string(),
            "refresh_token".to_string()
        ])
    );
    assert_eq!(
        desired.api.as_ref().map(|a| a.token_lifetime),
        Some(DEFAULT_TOKEN_LIFETIME)
    );
    assert_eq!(
        state
            .vault_paths
            .as_ref_option()
            .and_then(|m| m.get("worker"))
            .cloned(),
        Some(Value::Value("deployments/WM-Prod/auth0/worker".to_string()))
    );
    assert!(matches!(
        state
            .client_ids
            .as_ref_option()
            .and_then(|m| m.get("portal")),
        Some(Value::Unknown)
    ));
    assert!(state.api_id.is_unknown());
}

#[test]
fn observed_state_round_trips_the_configuration() {
    let key = DeploymentKey::parse("WM-Prod").unwrap_or_else(|e| panic!("{e}"));
    let names = Names::new(&key, "deployments");
    let mut planned = config();
    plan_known(&mut planned, &names);
    let desired = desired_of(&planned, "deployments").expect("known");
    let mut observed = Observed::default();
    for (i, (name, app)) in desired.apps.iter().enumerate() {
        let mut body = client_body(&names, name, app, None);
        body["client_id"] = json!(format!("id{i}"));
        let client: Client = serde_json::from_value(body).unwrap_or_default();
        assert!(client_matches(&client, &names, name, app));
        observed.clients.insert(name.clone(), vec![client]);
    }
    observed.api = Some(ResourceServer {
        id: "rs1".into(),
        name: names.auth0_api(),
        identifier: "https://api.example".into(),
        scopes: Some(vec![crate::backends::auth0::Scope {
            value: "read:data".into(),
            description: Some("Read".into()),
        }]),
        token_lifetime: Some(DEFAULT_TOKEN_LIFETIME),
        is_system: false,
    });
    observed.grants = vec![ClientGrant {
        id: "g1".into(),
        client_id: "id1".into(),
        audience: "https://api.example".into(),
        scope: vec!["read:data".into()],
    }];
    let state = state_of(&observed, &names, None);
    assert_eq!(state.application, planned.application);
    assert_eq!(state.api, planned.api);
    assert_eq!(state.grants, planned.grants);
    assert_eq!(state.roles, Value::Null);
}
