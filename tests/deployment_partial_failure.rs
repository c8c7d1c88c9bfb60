//! A 500 from Grafana midway: the apply fails naming the step, the state records what was
//! made in Vault, and the next apply finishes the deployment with exactly one of each object
//! and without regenerating the secrets already made. A failure at the very last step (the
//! data source), when the state already holds every id, is finished the same way while
//! protected; a key change of a protected deployment is refused at plan.

use ff_e2e::check::assert_exactly_once;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

fn config(protection: bool) -> String {
    config_with("WM-Prod", protection, "")
}

fn config_with(key: &str, protection: bool, extra: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

resource "ff_deployment" "this" {{
  key                 = "{key}"
  cloud               = "azure"
  generated_secrets   = ["db-password"]
  deletion_protection = {protection}
  {extra}
}}
"#
    )
}

fn partial_failure(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    // Protection stays at its default (on): the retry must not need a destroy.
    let dir = Workdir::new(tf, &config(true), sandbox.provider_env());
    sandbox.add_fault(Sandbox::status_fault(
        "grafana",
        "POST",
        "^/api/teams$",
        500,
    ));

    dir.try_apply().failed().contains(&[
        "Deployment WM-Prod: creating the Grafana team \"ff-wm-prod\" failed",
        "500",
    ]);
    let recorded = dir.resource("ff_deployment.this");
    assert_ne!(
        recorded,
        Value::Null,
        "{ctx}: the state records the partly made deployment"
    );
    assert!(
        recorded["secret_versions"]["db-password"].is_number(),
        "{ctx}: the Vault secret is recorded: {recorded}"
    );
    assert!(
        recorded["grafana_folder_id"].is_number(),
        "{ctx}: the folder is recorded: {recorded}"
    );
    assert_eq!(
        recorded["grafana_team_id"],
        Value::Null,
        "{ctx}: no team was made"
    );
    let secret_before = sandbox.kv_secrets("deployments", "WM-Prod/db-password");
    assert_eq!(secret_before.len(), 1);

    sandbox.clear_faults();
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after the second apply"));
    let done = dir.resource("ff_deployment.this");
    assert!(
        done["grafana_team_id"].is_number() && done["grafana_token_id"].is_number(),
        "{ctx}: finished: {done}"
    );
    assert_eq!(
        done["grafana_folder_id"], recorded["grafana_folder_id"],
        "{ctx}: the folder was adopted, not recreated"
    );
    assert_exactly_once(&ctx, &sandbox.grafana_names("folders"), &["ff-wm-prod"]);
    assert_exactly_once(&ctx, &sandbox.grafana_names("teams"), &["ff-wm-prod"]);
    assert_exactly_once(
        &ctx,
        &sandbox.grafana_names("service_accounts"),
        &["ff-wm-prod"],
    );
    assert_eq!(
        sandbox.kv_secrets("deployments", "WM-Prod/db-password"),
        secret_before,
        "{ctx}: the secret made by the first apply was kept, not generated again"
    );

    dir.write("main.tf", &config(false));
    dir.apply();
    dir.destroy().ok();
    assert!(
        sandbox.grafana_names("folders").is_empty(),
        "{ctx}: destroy removed the folder"
    );
    assert!(
        sandbox.kv_secrets("deployments", "WM-Prod/").is_empty(),
        "{ctx}: destroy removed the secrets"
    );
}

#[test]
fn grafana_failure_midway_is_finished_by_the_next_apply() {
    for tf in terraforms() {
        partial_failure(&tf);
    }
}

const DATASOURCE: &str = r#"grafana_datasource {
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }"#;

/// The create fails at its last step, after every other object and id was recorded: the
/// tainted deployment is replaced without deleting anything (it is protected) and the
/// create adopts what exists. Before, the replacement's destroy refused ("protected from
/// deletion") because the state looked complete, and no apply could ever succeed.
fn last_step_failure(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let dir = Workdir::new(
        tf,
        &config_with("WM-Last", true, DATASOURCE),
        sandbox.provider_env(),
    );
    sandbox.add_fault(Sandbox::status_fault(
        "grafana",
        "POST",
        "^/api/datasources$",
        500,
    ));
    dir.try_apply().failed().contains(&[
        "Deployment WM-Last: writing the Grafana data source",
        "failed",
    ]);
    let recorded = dir.resource("ff_deployment.this");
    assert!(
        recorded["grafana_token_id"].is_number() && recorded["grafana_team_id"].is_number(),
        "{ctx}: everything but the data source is recorded: {recorded}"
    );
    let secret_before = sandbox.kv_secrets("deployments", "WM-Last/db-password");

    sandbox.clear_faults();
    dir.apply()
        .contains(&["is replaced and protected: nothing was deleted"]);
    dir.assert_plan_empty(&format!("{ctx}: after the second apply"));
    let done = dir.resource("ff_deployment.this");
    assert_eq!(
        done["grafana_team_id"], recorded["grafana_team_id"],
        "{ctx}: the team was adopted"
    );
    assert_eq!(
        sandbox.kv_secrets("deployments", "WM-Last/db-password"),
        secret_before,
        "{ctx}: the secret was kept"
    );
    for kind in ["folders", "teams", "service_accounts"] {
        assert_exactly_once(&ctx, &sandbox.grafana_names(kind), &["ff-wm-last"]);
    }
    assert_exactly_once(
        &ctx,
        &sandbox.grafana_names("datasources"),
        &["ff-wm-last-prometheus"],
    );

    // A key change would replace (delete) the protected deployment: refused at plan.
    dir.write("main.tf", &config_with("WM-Next", true, DATASOURCE));
    dir.plan().failed().contains(&[
        "Deployment WM-Last is protected from deletion",
        "set deletion_protection = false",
    ]);

    dir.write("main.tf", &config_with("WM-Last", false, DATASOURCE));
    dir.apply();
    dir.destroy().ok();
    assert!(
        sandbox.grafana_names("folders").is_empty(),
        "{ctx}: destroy removed the folder"
    );
}

#[test]
fn failure_at_the_last_step_of_a_protected_create_is_finished_by_the_next_apply() {
    for tf in terraforms() {
        last_step_failure(&tf);
    }
}

/// The answer to the write of a generated secret is lost (it comes after the client's
/// timeout, the write itself done): the retry finds the secret (check-and-set mismatch),
/// keeps it, and labels it as one generated by the provider. Before, such a secret was kept
/// without its labels.
fn lost_secret_write_answer(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let main_tf = format!(
        "provider \"ff\" {{\n  request_timeout_seconds = 1\n}}\n{}",
        config_with("WM-Lost", false, "")
    );
    let dir = Workdir::new(tf, &main_tf, sandbox.provider_env());
    sandbox.add_fault(json!({
        "service": "vault", "method": "POST", "path": "^/v1/deployments/data/WM-Lost/db-password$",
        "kind": "latency", "latency_ms": 1500, "answer_late": true, "times": 1,
    }));
    dir.apply();
    let writes: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .filter(|e| {
            e["method"] == "POST" && e["path"] == "/v1/deployments/data/WM-Lost/db-password"
        })
        .collect();
    assert_eq!(
        writes.len(),
        2,
        "{ctx}: the write was retried once: {writes:?}"
    );
    let state = sandbox.state();
    let secret = &state["vault"]["kv"]["deployments/"]["WM-Lost/db-password"];
    assert_eq!(
        secret["current_version"], 1,
        "{ctx}: the secret was written once, not regenerated: {secret}"
    );
    assert_eq!(
        secret["custom_metadata"]["managed-by"], "terraform-provider-ff",
        "{ctx}: the kept secret carries the provider's labels: {secret}"
    );
    assert_eq!(
        secret["custom_metadata"]["kind"], "generated",
        "{ctx}: {secret}"
    );
    dir.assert_plan_empty(&format!("{ctx}: after the apply"));
    dir.destroy().ok();
}

#[test]
fn lost_answer_of_a_secret_write_keeps_the_secret_and_labels_it() {
    for tf in terraforms() {
        lost_secret_write_answer(&tf);
    }
}

/// The create fails right after the deployment's record was written to Vault, before any
/// id was recorded (a 403 on the policy): the state must still hold the deployment, so that
/// a destroy deletes the record. Before, the failed create recorded nothing and the record
/// was left behind for good.
fn failure_after_the_record(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let dir = Workdir::new(
        tf,
        &config_with("WM-Rec", false, ""),
        sandbox.provider_env(),
    );
    sandbox.add_fault(Sandbox::status_fault(
        "vault",
        "PUT",
        "^/v1/sys/policies/acl/",
        403,
    ));
    dir.try_apply()
        .failed()
        .contains(&["Deployment WM-Rec: writing the Vault policy", "403"]);
    assert_eq!(
        sandbox.kv_secrets("deployments", "WM-Rec/").len(),
        1,
        "{ctx}: the record was written before the failure"
    );
    assert_ne!(
        dir.resource("ff_deployment.this"),
        Value::Null,
        "{ctx}: the state holds the deployment whose record exists:\n{}",
        dir.state_file()
    );
    sandbox.clear_faults();
    dir.destroy().ok();
    assert!(
        sandbox.kv_secrets("deployments", "WM-Rec/").is_empty(),
        "{ctx}: destroy removed the record"
    );
}

#[test]
fn failure_right_after_the_record_is_written_keeps_the_deployment_in_the_state() {
    for tf in terraforms() {
        failure_after_the_record(&tf);
    }
}
