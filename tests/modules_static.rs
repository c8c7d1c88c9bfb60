//! A static check of every module and example, including the Azure and Terraform Cloud
//! ones whose providers cannot be installed here: they parse, every variable is typed and
//! described, every output described, every reference declared, every module call passes
//! what the called module declares and reads only outputs it has, every resource's provider
//! is required (see `ff_e2e::modules`). Then two checks that need the real programs: the
//! `names` each module reads exist in what the provider derives (`ff_deployment.names`),
//! and Terraform itself rejects an `outbound_type` of `foo` and accepts the four valid ones.

use ff_e2e::modules::{Module, all_dirs};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{repo_root, terraforms};
use serde_json::Value;

const OUTBOUND_TYPES: &[&str] = &[
    "loadBalancer",
    "userDefinedRouting",
    "managedNATGateway",
    "userAssignedNATGateway",
];

#[test]
fn every_module_and_example_passes_the_static_check() {
    let dirs = all_dirs();
    for expected in [
        "modules/aws-eks-private",
        "modules/azure-aks-private",
        "modules/tfc-workspace",
        "modules/ff-aws",
        "modules/ff-azure",
        "examples/aws",
        "examples/azure",
        "examples/import",
    ] {
        assert!(
            dirs.contains(&repo_root().join(expected)),
            "{expected} is missing from {dirs:?}"
        );
    }
    let problems: Vec<String> = dirs
        .iter()
        .flat_map(|dir| Module::load(dir).problems())
        .collect();
    assert!(
        problems.is_empty(),
        "the static check found:\n  {}",
        problems.join("\n  ")
    );
}

/// The names `ff_deployment` derives, as the provider plans them.
fn provider_names() -> Vec<String> {
    let sandbox = Sandbox::start();
    let tf = &terraforms()[0];
    let dir = Workdir::new(
        tf,
        r#"
terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
resource "ff_deployment" "this" {
  key   = "WM-Prod"
  cloud = "azure"
}
output "names" {
  value = ff_deployment.this.names
}
"#,
        sandbox.provider_env(),
    );
    dir.run(&["plan", "-input=false", "-no-color", "-out=names.tfplan"])
        .ok();
    let shown = dir
        .run(&["show", "-json", "-no-color", "names.tfplan"])
        .ok();
    let plan: Value = serde_json::from_str(&shown.stdout).unwrap_or(Value::Null);
    let names = &plan["planned_values"]["outputs"]["names"]["value"];
    names
        .as_object()
        .unwrap_or_else(|| panic!("the plan knows ff_deployment.names: {}", shown.stdout))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_names_modules_read_are_names_the_provider_derives() {
    let derived = provider_names();
    let mut checked = 0;
    for dir in all_dirs() {
        let module = Module::load(&dir);
        let Some(attributes) = module
            .variables
            .get("names")
            .and_then(|v| v.object_attributes())
        else {
            continue;
        };
        checked += 1;
        let missing: Vec<&String> = attributes.iter().filter(|a| !derived.contains(a)).collect();
        assert!(
            missing.is_empty(),
            "{} reads names {missing:?}, which ff_deployment.names does not have ({derived:?})",
            module.display()
        );
    }
    assert_eq!(
        checked, 3,
        "the EKS, AKS and Terraform Cloud modules take `names`"
    );
}

#[test]
fn terraform_rejects_an_outbound_type_outside_the_four() {
    let mut modules = Vec::new();
    for dir in all_dirs() {
        let module = Module::load(&dir);
        if let Some(variable) = module.variables.get("outbound_type") {
            modules.push((module.display(), variable.to_hcl()));
        }
    }
    assert!(
        modules
            .iter()
            .any(|(m, _)| m == "modules/azure-aks-private"),
        "the AKS module declares outbound_type: {modules:?}"
    );
    for tf in terraforms() {
        for (module, variable) in &modules {
            let ctx = format!("{module}, terraform {}", tf.version);
            // The module's own variable block, alone, evaluated by terraform.
            let config = format!(
                "{variable}\noutput \"outbound_type\" {{\n  value = var.outbound_type\n}}\n"
            );
            let dir = Workdir::new(&tf, &config, Vec::new());
            let plan = |value: &str| {
                dir.run(&[
                    "plan",
                    "-input=false",
                    "-no-color",
                    &format!("-var=outbound_type={value}"),
                ])
            };
            for valid in OUTBOUND_TYPES {
                let run = plan(valid);
                assert_eq!(
                    run.code,
                    0,
                    "{ctx}: {valid:?} is accepted:\n{}",
                    run.output()
                );
            }
            for invalid in ["foo", "LoadBalancer", "none", ""] {
                plan(invalid).failed().contains(&[
                    "Invalid value for variable",
                    "The outbound_type must be one of",
                ]);
            }
        }
    }
}
