//! The eks authentication: the provider presigns an STS GetCallerIdentity URL with the AWS
//! credentials of its environment, and the sandbox's API server accepts the token only when
//! the signature checks out for its own AWS identity and cluster name. Wrong credentials
//! fail with the API server's 401 before anything is applied; right ones bootstrap.

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::Value;

fn config(cluster_name: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

provider "ff" {{}}

variable "kube_host" {{
  type = string
}}

variable "kube_ca" {{
  type = string
}}

resource "ff_platform_bootstrap" "this" {{
  deployment_key = "WM-Prod"
  cloud          = "aws"

  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    eks {{
      cluster_name = "{cluster_name}"
      region       = "eu-west-1"
    }}
  }}
}}
"#
    )
}

fn eks(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let identity = sandbox.endpoints["kubernetes"]["eks"].clone();
    let text = |field: &str| identity[field].as_str().unwrap_or_default().to_string();
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    env.push(("AWS_ACCESS_KEY_ID".into(), text("access_key_id")));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), "not-the-secret".into()));
    env.push(("AWS_SESSION_TOKEN".into(), String::new()));
    let mut dir = Workdir::new(tf, &config(&text("cluster_name")), env);

    let failed = dir.try_apply().failed();
    failed.contains(&["401", "Unauthorized", "Nothing was applied"]);
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: nothing applied with wrong credentials"
    );

    dir.set_env("AWS_SECRET_ACCESS_KEY", &text("secret_access_key"));
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after apply"));
    assert!(
        sandbox
            .kube_objects()
            .contains_key("storage.k8s.io/storageclasses//gp3-encrypted"),
        "{ctx}: the default AWS storage class"
    );
    let state = dir.state_file();
    assert!(
        !state.contains("k8s-aws-v1."),
        "{ctx}: an EKS token is in the state"
    );
    assert!(
        !state.contains(&text("secret_access_key")),
        "{ctx}: the AWS secret is in the state"
    );

    // A token for another cluster is refused even with the right credentials.
    dir.write("main.tf", &config("someone-elses-cluster"));
    dir.try_apply().failed().contains(&["401", "Unauthorized"]);
    dir.write("main.tf", &config(&text("cluster_name")));
    dir.destroy().ok();
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: destroyed"
    );
    assert_eq!(dir.resource("ff_platform_bootstrap.this"), Value::Null);
}

#[test]
fn eks_token_presigned_from_the_environment() {
    for tf in terraforms() {
        eks(&tf);
    }
}
