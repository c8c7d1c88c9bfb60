//! The eks authentication finds AWS credentials as the AWS SDKs do, and says what it tried
//! when it finds none. Against the sandbox's API server, which accepts a token only when its
//! signature checks out for the sandbox's own AWS key and cluster name:
//!
//! - with no credential anywhere, the apply fails before anything is applied, listing the
//!   five sources of the chain in order, and no token is printed;
//! - an explicit `assume_role_with_web_identity` without its token names the variable;
//! - the key in a shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, profile from
//!   `AWS_PROFILE`) bootstraps; the plan after is empty;
//! - the same key from a `credential_process` of the shared config file (`AWS_CONFIG_FILE`)
//!   and from container credentials (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, a loopback server
//!   as ECS's agent) refreshes: each plan is empty (a refresh reads the cluster with a token
//!   of that source); at TRACE, neither key, session token nor EKS token is logged;
//! - destroy leaves nothing.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

fn config(cluster_name: &str, explicit_role: bool) -> String {
    let role = if explicit_role {
        "\n      assume_role_with_web_identity {\n        role_arn = \"arn:aws:iam::123456789012:role/tfc-wm-prod\"\n      }"
    } else {
        ""
    };
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
      region       = "eu-west-1"{role}
    }}
  }}
}}
"#
    )
}

/// A loopback server answering every request with `body`, as the ECS agent's credentials
/// endpoint does; returns its URL.
fn container_credentials(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/creds", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(&mut stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn chain(tf: &TerraformBin) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    let identity = sandbox.endpoints["kubernetes"]["eks"].clone();
    let text = |field: &str| identity[field].as_str().unwrap_or_default().to_string();
    let (key_id, secret) = (text("access_key_id"), text("secret_access_key"));
    let files = tempfile::Builder::new()
        .prefix("ff-e2e-aws-")
        .tempdir()
        .expect("temp dir");
    let credentials_file = files.path().join("credentials");
    let config_file = files.path().join("config");
    let mut env = sandbox.provider_env();
    env.push(("TF_VAR_kube_host".into(), sandbox.kube_host()));
    env.push(("TF_VAR_kube_ca".into(), sandbox.kube_ca()));
    // Files that do not exist yet: the chain finds nothing in them.
    env.push((
        "AWS_SHARED_CREDENTIALS_FILE".into(),
        credentials_file.display().to_string(),
    ));
    env.push(("AWS_CONFIG_FILE".into(), config_file.display().to_string()));
    let mut dir = Workdir::new(tf, &config(&text("cluster_name"), false), env);

    // Nothing anywhere: every source of the chain, in order, and nothing applied.
    let failed = dir.try_apply().failed().contains(&[
        "no usable AWS credentials were found; tried, in order:",
        "1. environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: not configured",
        "2. shared config and credentials files (profile \"default\";",
        "3. web identity (AWS_ROLE_ARN unset, AWS_WEB_IDENTITY_TOKEN_FILE unset): not configured",
        "4. container credentials",
        "5. EC2 instance metadata (IMDSv2; AWS_EC2_METADATA_DISABLED=true): not configured",
        "Nothing was applied",
    ]);
    assert!(
        !failed.output().contains("k8s-aws-v1."),
        "{ctx}: a token was printed"
    );
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: nothing applied without credentials"
    );

    // The explicit role without its token names the variable.
    dir.write("main.tf", &config(&text("cluster_name"), true));
    dir.try_apply().failed().contains(&[
        "AssumeRoleWithWebIdentity of arn:aws:iam::123456789012:role/tfc-wm-prod with the token in TFC_WORKLOAD_IDENTITY_TOKEN: not configured (TFC_WORKLOAD_IDENTITY_TOKEN is not set",
    ]);
    dir.write("main.tf", &config(&text("cluster_name"), false));

    // A profile of the shared credentials file.
    std::fs::write(
        &credentials_file,
        format!("[ff]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    )
    .expect("credentials file");
    dir.set_env("AWS_PROFILE", "ff");
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: with the shared credentials file"));
    assert!(
        sandbox
            .kube_objects()
            .contains_key("storage.k8s.io/storageclasses//gp3-encrypted"),
        "{ctx}: bootstrapped"
    );

    // credential_process of the shared config file.
    let process =
        json!({"Version": 1, "AccessKeyId": key_id, "SecretAccessKey": secret}).to_string();
    let script = files.path().join("credentials.sh");
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s' '{process}'\n")).expect("script");
    std::fs::write(
        &config_file,
        format!(
            "[profile process]\ncredential_process = sh {}\n",
            script.display()
        ),
    )
    .expect("config file");
    dir.set_env("AWS_PROFILE", "process");
    dir.assert_plan_empty(&format!("{ctx}: with credential_process"));
    // The same profile without a usable process: the chain stops at the profile, with why.
    std::fs::write(
        &config_file,
        "[profile process]\ncredential_process = sh -c 'exit 3'\n",
    )
    .expect("config file");
    let run = dir.plan();
    assert_eq!(run.code, 1, "{ctx}: {}", run.output());
    run.contains(&[
        "2. shared config and credentials files (profile \"process\";",
        "failed",
    ]);

    // Container credentials.
    let url = container_credentials(
        json!({"AccessKeyId": key_id, "SecretAccessKey": secret, "Token": "container-session",
               "Expiration": "2099-01-01T00:00:00Z"})
        .to_string(),
    );
    // No profile any more: the chain passes on to the container's endpoint.
    let _ = std::fs::remove_file(&credentials_file);
    let _ = std::fs::remove_file(&config_file);
    dir.set_env("AWS_PROFILE", "default");
    dir.set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url);
    // At TRACE, nothing secret reaches the logs.
    let log = files.path().join("trace.log");
    let log_path = log.display().to_string();
    let run = dir.run_with_env(
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        &[("TF_LOG", "TRACE"), ("TF_LOG_PATH", &log_path)],
    );
    assert_eq!(
        run.code,
        0,
        "{ctx}: with container credentials the plan is empty:\n{}",
        run.output()
    );
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        trace.contains("AWS credentials found"),
        "{ctx}: the provider logged at TRACE"
    );
    for (what, secret) in [
        ("the secret key", secret.as_str()),
        ("the session token", "container-session"),
        ("an EKS token", "k8s-aws-v1."),
    ] {
        assert!(!trace.contains(secret), "{ctx}: {what} is in the TRACE log");
        assert!(!run.output().contains(secret), "{ctx}: {what} was printed");
    }

    let state = dir.state_file();
    assert!(
        !state.contains(&secret),
        "{ctx}: the secret is in the state"
    );
    assert!(
        !state.contains("k8s-aws-v1."),
        "{ctx}: a token is in the state"
    );
    dir.destroy().ok();
    assert!(
        sandbox.kube_objects_of("WM-Prod").is_empty(),
        "{ctx}: destroyed"
    );
    assert_eq!(dir.resource("ff_platform_bootstrap.this"), Value::Null);
}

#[test]
fn eks_credentials_found_as_the_aws_sdks_find_them() {
    for tf in terraforms() {
        chain(&tf);
    }
}
