//! `modules/tfc-aws-trust` applied with the real AWS provider 3.39 against moto: the IAM
//! OIDC provider of the HCP Terraform hostname, a role per workspace whose trust policy
//! allows `sts:AssumeRoleWithWebIdentity` from that provider only, for the audience and
//! exactly the subjects `organization:ORG:project:PROJECT:workspace:WS:run_phase:PHASE` of
//! the workspace's plan and apply (a Terraform Enterprise hostname and an apply-only role in
//! a second call), the managed policy attached → a second plan is empty → destroy leaves
//! nothing in moto.

use ff_e2e::moto::Moto;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const REGION: &str = "eu-west-1";

const ROOT: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "hcp" {
  source = "../../modules/tfc-aws-trust"

  organization = "acme"
  workspaces   = { "ff-wm-prod" = "Deployments", "ff-ac-test" = "Default Project" }
  policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  tags         = { "ff:purpose" = "tfc-dynamic-credentials" }
}

module "tfe" {
  source = "../../modules/tfc-aws-trust"

  hostname         = "tfe.example.com"
  organization     = "acme"
  workspaces       = { "ff-wm-prod" = "Deployments" }
  run_phases       = ["apply"]
  role_name_prefix = "tfe-"
}

output "role_arns" {
  value = merge(module.hcp.role_arns, { for w, arn in module.tfe.role_arns : "tfe-${w}" => arn })
}
"#;

fn role<'a>(ctx: &str, aws: &'a Value, name: &str) -> &'a Value {
    aws["iam_roles"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{ctx}: moto holds the role {name}: {}", aws["iam_roles"]))
}

/// The trust policy's one statement, whatever the shape moto returns it in.
fn statement(ctx: &str, role: &Value) -> Value {
    let trust = match &role["trust"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        other => other.clone(),
    };
    let statements = trust["Statement"].as_array().cloned().unwrap_or_default();
    assert_eq!(statements.len(), 1, "{ctx}: one statement: {trust}");
    statements[0].clone()
}

/// A condition's values as a sorted list (one value may come as a string).
fn values(v: &Value) -> Vec<String> {
    let mut list: Vec<String> = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    list.sort();
    list
}

fn trust(tf: &TerraformBin, moto: &Moto) {
    let ctx = format!("terraform {}", tf.version);
    let dir = Workdir::from_repo(
        tf,
        "examples/tfc-aws-trust-test",
        &[
            ("examples/tfc-aws-trust-test/main.tf", ROOT),
            (
                "examples/tfc-aws-trust-test/moto_override.tf",
                &moto.provider_override(),
            ),
        ],
        Vec::new(),
    );
    dir.apply();
    let aws = moto.inventory(REGION);
    let providers = aws["oidc_providers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        providers.len(),
        2,
        "{ctx}: two OIDC providers: {providers:?}"
    );
    let hcp = providers
        .iter()
        .find(|p| {
            p["url"]
                .as_str()
                .is_some_and(|u| u.contains("app.terraform.io"))
        })
        .unwrap_or_else(|| panic!("{ctx}: the app.terraform.io provider: {providers:?}"));
    assert_eq!(
        hcp["client_ids"],
        json!(["aws.workload.identity"]),
        "{ctx}: {hcp}"
    );
    assert!(
        providers.iter().any(|p| p["url"]
            .as_str()
            .is_some_and(|u| u.contains("tfe.example.com"))),
        "{ctx}: the Terraform Enterprise provider: {providers:?}"
    );

    for (name, workspace, project) in [
        ("tfc-ff-wm-prod", "ff-wm-prod", "Deployments"),
        ("tfc-ff-ac-test", "ff-ac-test", "Default Project"),
    ] {
        let role = role(&ctx, &aws, name);
        let s = statement(&ctx, role);
        assert_eq!(s["Effect"], "Allow", "{ctx}: {s}");
        assert_eq!(
            values(&s["Action"]),
            vec!["sts:AssumeRoleWithWebIdentity"],
            "{ctx}: {s}"
        );
        assert_eq!(
            values(&s["Principal"]["Federated"]),
            vec![hcp["arn"].as_str().unwrap_or_default().to_string()],
            "{ctx}: only the HCP Terraform provider is trusted: {s}"
        );
        let equals = &s["Condition"]["StringEquals"];
        assert_eq!(
            values(&equals["app.terraform.io:aud"]),
            vec!["aws.workload.identity"],
            "{ctx}: {s}"
        );
        assert_eq!(
            values(&equals["app.terraform.io:sub"]),
            vec![
                format!(
                    "organization:acme:project:{project}:workspace:{workspace}:run_phase:apply"
                ),
                format!("organization:acme:project:{project}:workspace:{workspace}:run_phase:plan"),
            ],
            "{ctx}: the workspace's plan and apply exactly, no wildcard: {s}"
        );
        assert!(
            s["Condition"].get("StringLike").is_none(),
            "{ctx}: no pattern: {s}"
        );
        assert_eq!(
            role["attached"],
            json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
            "{ctx}: {role}"
        );
    }
    let tfe = statement(&ctx, role(&ctx, &aws, "tfe-ff-wm-prod"));
    assert_eq!(
        values(&tfe["Condition"]["StringEquals"]["tfe.example.com:sub"]),
        vec!["organization:acme:project:Deployments:workspace:ff-wm-prod:run_phase:apply"],
        "{ctx}: the apply-only role of the Terraform Enterprise hostname: {tfe}"
    );

    let outputs = dir.run(&["output", "-json", "-no-color"]).ok();
    let outputs: Value = serde_json::from_str(&outputs.stdout).unwrap_or(Value::Null);
    assert_eq!(
        outputs["role_arns"]["value"]["ff-wm-prod"],
        role(&ctx, &aws, "tfc-ff-wm-prod")["arn"],
        "{ctx}: {outputs}"
    );
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    dir.destroy().ok();
    let after = moto.inventory(REGION);
    assert_eq!(after["iam_roles"], json!([]), "{ctx}: roles left");
    assert_eq!(after["oidc_providers"], json!([]), "{ctx}: providers left");
}

#[test]
fn tfc_aws_trust_applies_against_moto() {
    let moto = Moto::start();
    for tf in terraforms() {
        moto.reset();
        trust(&tf, &moto);
    }
}
