//! `examples/aws` for real, against moto (AWS) and the sandbox (Vault, Grafana, Auth0,
//! Kubernetes): one apply of the composition module creates the deployment's Vault and
//! Grafana tooling, its Auth0 applications, API, grants and roles (the module's own setup),
//! the VPC, the private EKS cluster with its KMS encryption and node group, the SSM-only
//! jumpbox, and the platform bootstrap on the cluster (storage class, CoreDNS, ingress controller, ArgoCD and the app-of-apps, RBAC,
//! the applications' metadata, Vault's Kubernetes auth), everything named and tagged by
//! ff_deployment → a second plan is empty → drift made by hand (SSH opened on the jumpbox, a
//! VPC tag changed) shows in the plan and the apply reverts it → the module's Auth0 setup,
//! dropped from the state, is imported by key at its module address, equal to the applied
//! one, with nothing to change →
//! destroy leaves nothing in moto or in the sandbox. Before that, the other path of the
//! module — `app_domain = null` and the Auth0 setup declared in the root module, as its
//! README shows — is planned: the module makes no setup and publishes the root's.
//!
//! The example and its modules run as they are; three test-only override files are added
//! to the copy that runs: the AWS provider's endpoints (moto), the differences between moto
//! and AWS, and the bootstrap's connection, each explained in a comment. The connection
//! override comes after a first plan that shows the module's own wiring (the EKS cluster's
//! name and region, a host that is unknown until the cluster exists).
use ff_e2e::check::{assert_exactly_once, assert_same_attributes};
use ff_e2e::moto::Moto;
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::{Workdir, find_resource};
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

const REGION: &str = "eu-west-1";
const MODULE: &str = "module.deployment.module.cluster";
const SETUP: &str = "module.deployment.ff_auth0_tenant_setup.this[0]";

/// Where moto 5.2.5 differs from AWS for this module; each ignore says which difference.
const MOTO_DIFFERENCES: &str = r#"# Test only: where moto differs from AWS. The module is the one that runs on AWS; this
# file changes nothing but what Terraform compares after reading moto's answers.

resource "aws_instance" "jumpbox" {
  lifecycle {
    # `ami`: the module's own ignore (an override replaces the whole list).
    # `associate_public_ip_address`: moto reads the instance back with a public IP
    # although the request (a network-interface specification with
    # AssociatePublicIpAddress=false, as the AWS provider sends it) asks for none.
    # `vpc_security_group_ids`: moto drops the security groups of that network-interface
    # specification, so the instance reads back without them.
    ignore_changes = [ami, associate_public_ip_address, vpc_security_group_ids]
  }
}

resource "aws_eks_node_group" "this" {
  lifecycle {
    # `scaling_config[0].desired_size`: the module's own ignore.
    # `remote_access`: moto reports remote access with the SSH key "eksKeypair" for a node
    # group created without any, which would force a replacement.
    ignore_changes = [scaling_config[0].desired_size, remote_access]
  }
}
"#;

/// The bootstrap's connection in the copy that runs. `host` and `ca` are the sandbox's
/// Kubernetes API; `cluster_name` the EKS cluster name whose presigned tokens it accepts.
fn sandbox_connection(host: &str, ca: &str, cluster_name: &str) -> String {
    format!(
        r#"# Test only: moto answers the EKS API but serves no Kubernetes API at the cluster's
# endpoint, so the bootstrap connects to the sandbox's Kubernetes emulator instead: its
# address and CA, and the EKS cluster name its authenticator expects. The token is still
# presigned by the provider at apply time from the AWS credentials of its environment.
resource "ff_platform_bootstrap" "this" {{
  cluster {{
    host                   = "{host}"
    cluster_ca_certificate = "{ca}"
    proxy_url              = var.proxy_url

    eks {{
      cluster_name = "{cluster_name}"
      region       = module.cluster.region
    }}
  }}
}}
"#,
        ca = ca.replace('\n', "\\n"),
    )
}

/// The module's README's "Your own applications": no `app_domain`, the root module's own
/// setup with another application, its client ids and API passed in.
const OWN_SETUP: &str = r#"
provider "ff" {}

provider "aws" {
  region = "eu-west-1"
}

module "deployment" {
  source = "../../modules/ff-aws"

  deployment_key      = "WM-Prod"
  deletion_protection = false
  # Left on, the releases the provider pins would be downloaded from GitHub at plan, which
  # this machine cannot reach; this plan is about the Auth0 wiring.
  ingress_enabled     = false
  argocd_enabled      = false
  auth0_domain        = "wm-prod.eu.auth0.com"
  auth0_audience      = ff_auth0_tenant_setup.this.api[0].identifier
  auth0_client_ids    = ff_auth0_tenant_setup.this.client_ids
}

resource "ff_auth0_tenant_setup" "this" {
  deployment_key = module.deployment.deployment_key

  application "shop" {
    type      = "spa"
    callbacks = ["https://shop.wm-prod.example.com/callback"]
  }

  api {
    identifier = "https://api.wm-prod.example.com"
  }
}

output "auth0_client_ids" {
  value = module.deployment.auth0_client_ids
}
"#;

/// The plan of `OWN_SETUP`: the module makes no setup, the bootstrap publishes the root
/// module's.
fn check_own_setup(ctx: &str, plan: &Value) {
    let changes: Vec<&str> = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert!(
        !changes
            .iter()
            .any(|a| a.starts_with("module.deployment.ff_auth0_tenant_setup")),
        "{ctx}: with app_domain null the module makes no Auth0 setup: {changes:?}"
    );
    assert!(
        changes.contains(&"ff_auth0_tenant_setup.this")
            && changes.contains(&"module.deployment.ff_platform_bootstrap.this"),
        "{ctx}: the root's setup and the module's bootstrap are planned: {changes:?}"
    );
    let setup = find_resource(&values(plan), "ff_auth0_tenant_setup.this");
    assert_eq!(
        setup["application"]["shop"]["type"], "spa",
        "{ctx}: {setup}"
    );
    let address = "module.deployment.ff_platform_bootstrap.this";
    let bootstrap = find_resource(&values(plan), address);
    assert_eq!(
        bootstrap["metadata"][0]["auth0_audience"], "https://api.wm-prod.example.com",
        "{ctx}: the root setup's API is published: {bootstrap}"
    );
    let unknown = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == address)
        .map(|c| c["change"]["after_unknown"]["metadata"][0]["auth0_client_ids"].clone())
        .unwrap_or(Value::Null);
    assert!(
        unknown == json!(true) || unknown == json!({"shop": true}),
        "{ctx}: the root setup's client ids are published: {unknown}"
    );
}

fn items<'a>(inventory: &'a Value, kind: &str) -> &'a [Value] {
    inventory[kind].as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn ids(values: &[&Value], field: &str) -> Vec<String> {
    let mut ids: Vec<String> = values
        .iter()
        .filter_map(|v| v[field].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

fn one<'a>(ctx: &str, inventory: &'a Value, kind: &str, name_field: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = items(inventory, kind)
        .iter()
        .filter(|v| v[name_field] == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{ctx}: expected one {kind} with {name_field} = {name:?}; moto holds {}",
        inventory[kind]
    );
    found[0]
}

/// Plan into `file`; the plan as `terraform show -json` prints it.
fn planned(dir: &Workdir, file: &str) -> Value {
    dir.run(&["plan", "-input=false", "-no-color", &format!("-out={file}")])
        .ok();
    let shown = dir.run(&["show", "-json", "-no-color", file]).ok();
    serde_json::from_str(&shown.stdout)
        .unwrap_or_else(|e| panic!("the plan is JSON ({e}): {}", shown.stdout))
}

/// The planned values, in the shape `find_resource` reads.
fn values(plan: &Value) -> Value {
    json!({ "values": plan["planned_values"] })
}

/// The composition's own wiring of the bootstrap, before the test redirects it: the EKS
/// cluster's name and region from the cluster module, its endpoint and CA unknown until the
/// cluster exists, the Auth0 client ids unknown until the setup exists.
fn check_bootstrap_wiring(ctx: &str, plan: &Value) {
    let address = "module.deployment.ff_platform_bootstrap.this";
    let bootstrap = find_resource(&values(plan), address);
    let cluster = &bootstrap["cluster"][0];
    assert_eq!(
        cluster["eks"],
        json!([{"cluster_name": "ff-wm-prod", "region": REGION, "assume_role_with_web_identity": []}]),
        "{ctx}: the bootstrap authenticates to the module's cluster with an EKS token: {bootstrap}"
    );
    assert!(
        cluster.get("token").is_none_or(Value::is_null)
            && cluster.get("exec").is_none_or(|e| e == &json!([])),
        "{ctx}: no token and no exec plugin: {cluster}"
    );
    let change = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == address)
        .map(|c| c["change"]["after_unknown"].clone())
        .unwrap_or(Value::Null);
    assert_eq!(
        change["cluster"][0]["host"], true,
        "{ctx}: the host is the cluster's endpoint, unknown at plan: {change}"
    );
    assert_eq!(change["cluster"][0]["cluster_ca_certificate"], true);
    // Unknown as a whole, or (the setup plans the application names) each id unknown.
    let ids = &change["metadata"][0]["auth0_client_ids"];
    assert!(
        ids == &json!(true) || ids == &json!({"argocd": true, "portal": true, "worker": true}),
        "{ctx}: the client ids come from the module's Auth0 setup of the same plan: {ids}"
    );
    // The module's own setup: its three applications at the example's domain.
    let setup = find_resource(&values(plan), SETUP);
    let applications = &setup["application"];
    assert_eq!(
        applications["portal"]["callbacks"],
        json!(["https://portal.wm-prod.example.com/callback"]),
        "{ctx}: the module's setup builds the portal's URLs from app_domain: {setup}"
    );
    assert_eq!(applications["portal"]["type"], "spa");
    assert_eq!(applications["argocd"]["type"], "regular_web");
    assert_eq!(
        applications["argocd"]["callbacks"],
        json!(["https://argocd.wm-prod.example.com/auth/callback"])
    );
    assert_eq!(applications["worker"]["type"], "non_interactive");
    assert_eq!(
        setup["api"][0]["identifier"],
        "https://api.wm-prod.example.com"
    );
    assert_eq!(setup["deployment_key"], "WM-Prod");
    assert_eq!(bootstrap["deployment_key"], "WM-Prod");
    assert_eq!(bootstrap["cloud"], "aws");
}

/// What the configuration asks of AWS, seen in the plan where moto cannot show it.
fn check_plan(ctx: &str, plan: &Value) {
    let plan = &values(plan);
    let jumpbox = find_resource(plan, &format!("{MODULE}.aws_instance.jumpbox"));
    assert_eq!(
        jumpbox["associate_public_ip_address"], false,
        "{ctx}: the jumpbox asks for no public IP: {jumpbox}"
    );
    assert_eq!(jumpbox["metadata_options"][0]["http_tokens"], "required");
    assert_eq!(jumpbox["root_block_device"][0]["encrypted"], true);
    let cluster = find_resource(plan, &format!("{MODULE}.aws_eks_cluster.this"));
    assert_eq!(cluster["vpc_config"][0]["endpoint_public_access"], false);
    assert_eq!(cluster["vpc_config"][0]["endpoint_private_access"], true);
    assert_eq!(
        cluster["name"], "ff-wm-prod",
        "{ctx}: named by ff_deployment"
    );
    for public in 0..3 {
        let subnet = find_resource(plan, &format!("{MODULE}.aws_subnet.public[{public}]"));
        assert_eq!(subnet["map_public_ip_on_launch"], false, "{ctx}: {subnet}");
    }
}

/// What moto holds after the apply.
fn check_aws(ctx: &str, aws: &Value, tags: &Value) {
    let deployment_tags = |what: &str, actual: &Value| {
        for (key, value) in tags.as_object().into_iter().flatten() {
            assert_eq!(
                &actual[key], value,
                "{ctx}: {what} carries the deployment's tag {key}: {actual}"
            );
        }
    };

    // The network.
    let vpc = one(ctx, aws, "vpcs", "cidr", "10.0.0.0/16");
    assert_eq!(
        items(aws, "vpcs").len(),
        1,
        "{ctx}: one VPC: {}",
        aws["vpcs"]
    );
    assert_eq!(vpc["dns_support"], true);
    assert_eq!(vpc["dns_hostnames"], true);
    assert_eq!(vpc["tags"]["Name"], "ff-wm-prod-vpc");
    deployment_tags("the VPC", &vpc["tags"]);
    let subnets = items(aws, "subnets");
    let private: Vec<&Value> = subnets
        .iter()
        .filter(|s| s["tags"]["kubernetes.io/role/internal-elb"] == "1")
        .collect();
    let public: Vec<&Value> = subnets
        .iter()
        .filter(|s| s["tags"]["kubernetes.io/role/elb"] == "1")
        .collect();
    assert_eq!(
        (private.len(), public.len(), subnets.len()),
        (3, 3, 6),
        "{ctx}: a private and a public subnet in each of 3 zones: {}",
        aws["subnets"]
    );
    let zones: std::collections::BTreeSet<&str> =
        private.iter().filter_map(|s| s["az"].as_str()).collect();
    assert_eq!(zones.len(), 3, "{ctx}: private subnets in 3 zones");
    assert!(
        subnets.iter().all(|s| s["map_public_ip"] == false),
        "{ctx}: no subnet hands out public IPs: {}",
        aws["subnets"]
    );
    let private_ids = ids(&private, "id");
    let public_ids = ids(&public, "id");
    let nat = &items(aws, "nat_gateways");
    assert_eq!(
        nat.len(),
        1,
        "{ctx}: one NAT gateway: {}",
        aws["nat_gateways"]
    );
    assert!(public_ids.contains(&nat[0]["subnet"].as_str().unwrap_or_default().to_string()));
    assert_eq!(items(aws, "internet_gateways").len(), 1);
    for table in items(aws, "route_tables") {
        let subnets_of_table: Vec<String> = table["subnets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        let default_route = table["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["destination"] == "0.0.0.0/0");
        if subnets_of_table.iter().any(|s| private_ids.contains(s)) {
            assert_eq!(
                default_route.map(|r| &r["nat_gateway"]),
                Some(&nat[0]["id"]),
                "{ctx}: private subnets leave through NAT: {table}"
            );
            assert!(subnets_of_table.iter().all(|s| private_ids.contains(s)));
        } else if subnets_of_table.iter().any(|s| public_ids.contains(s)) {
            let gateway = default_route.and_then(|r| r["gateway"].as_str());
            assert!(
                gateway.is_some_and(|g| g.starts_with("igw-")),
                "{ctx}: public subnets route to the internet gateway: {table}"
            );
        }
    }

    // The cluster: private endpoint only, secrets encrypted with the deployment's key.
    let key = &items(aws, "kms_keys");
    assert_eq!(key.len(), 1, "{ctx}: one customer key: {}", aws["kms_keys"]);
    assert_eq!(key[0]["rotation"], true, "{ctx}: key rotation is on");
    let alias = one(ctx, aws, "kms_aliases", "name", "alias/ff-wm-prod-eks");
    assert_eq!(alias["target"], key[0]["id"]);
    let cluster = one(ctx, aws, "eks_clusters", "name", "ff-wm-prod");
    assert_eq!(cluster["endpoint_public_access"], false);
    assert_eq!(cluster["endpoint_private_access"], true);
    assert_eq!(cluster["version"], "1.31");
    assert_eq!(
        cluster["encryption"],
        json!([{"resources": ["secrets"], "key_arn": key[0]["arn"]}]),
        "{ctx}: secrets encryption with the KMS key"
    );
    assert_eq!(
        cluster["subnets"],
        json!(private_ids),
        "{ctx}: the control plane's interfaces are in the private subnets"
    );
    deployment_tags("the cluster", &cluster["tags"]);
    let cluster_role = one(ctx, aws, "iam_roles", "name", "ff-wm-prod-cluster");
    assert_eq!(cluster["role_arn"], cluster_role["arn"]);
    assert_eq!(
        cluster_role["attached"],
        json!(["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"])
    );
    assert_eq!(cluster_role["inline"], json!(["secrets-encryption"]));

    // The node group: the example's instance types and sizes, in the private subnets.
    let nodes = one(ctx, aws, "eks_nodegroups", "name", "ff-wm-prod-nodes");
    assert_eq!(nodes["cluster"], "ff-wm-prod");
    assert_eq!(nodes["instance_types"], json!(["m5.large"]));
    assert_eq!(
        nodes["scaling"],
        json!({"minSize": 2, "desiredSize": 3, "maxSize": 6})
    );
    assert_eq!(nodes["subnets"], json!(private_ids));
    let node_role = one(ctx, aws, "iam_roles", "name", "ff-wm-prod-nodes");
    assert_eq!(nodes["role_arn"], node_role["arn"]);
    assert_eq!(
        node_role["attached"],
        json!([
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ])
    );

    // The jumpbox: private subnet, SSM role, IMDSv2, and no inbound rule anywhere.
    let instances = items(aws, "instances");
    assert_eq!(
        instances.len(),
        1,
        "{ctx}: one instance: {}",
        aws["instances"]
    );
    let jumpbox = &instances[0];
    assert_eq!(jumpbox["tags"]["Name"], "ff-wm-prod-jumpbox");
    deployment_tags("the jumpbox", &jumpbox["tags"]);
    assert!(
        private_ids.contains(&jumpbox["subnet"].as_str().unwrap_or_default().to_string()),
        "{ctx}: the jumpbox is in a private subnet: {jumpbox}"
    );
    assert_eq!(jumpbox["http_tokens"], "required");
    let profile = one(ctx, aws, "instance_profiles", "name", "ff-wm-prod-jumpbox");
    assert_eq!(jumpbox["profile_arn"], profile["arn"]);
    assert_eq!(profile["roles"], json!(["ff-wm-prod-jumpbox"]));
    let jumpbox_role = one(ctx, aws, "iam_roles", "name", "ff-wm-prod-jumpbox");
    assert_eq!(
        jumpbox_role["attached"],
        json!(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"])
    );
    assert_eq!(jumpbox_role["inline"], json!(["describe-cluster"]));
    let jumpbox_sg = one(ctx, aws, "security_groups", "name", "ff-wm-prod-jumpbox");
    assert_eq!(
        jumpbox_sg["ingress"],
        json!([]),
        "{ctx}: no inbound access to the jumpbox"
    );
    let cluster_sg = one(ctx, aws, "security_groups", "name", "ff-wm-prod");
    assert_eq!(
        cluster_sg["ingress"],
        json!([{"from": 443, "to": 443, "protocol": "tcp", "cidrs": [], "groups": [jumpbox_sg["id"]]}]),
        "{ctx}: the API admits the jumpbox only"
    );
    assert_eq!(cluster["security_groups"], json!([cluster_sg["id"]]));
}

/// After destroy: nothing left in moto but the KMS key, which AWS only schedules for
/// deletion.
fn check_aws_empty(ctx: &str, aws: &Value) {
    for (kind, list) in aws.as_object().into_iter().flatten() {
        if kind == "kms_keys" {
            for key in list.as_array().into_iter().flatten() {
                assert_eq!(
                    key["state"], "PendingDeletion",
                    "{ctx}: the KMS key is scheduled for deletion: {key}"
                );
            }
        } else {
            assert_eq!(list, &json!([]), "{ctx}: moto still holds {kind}");
        }
    }
}

/// What the sandbox holds after the apply: Vault and Grafana (ff_deployment), Auth0
/// (ff_auth0_tenant_setup), the cluster's objects and Vault's Kubernetes auth
/// (ff_platform_bootstrap).
fn check_sandbox(ctx: &str, sandbox: &Sandbox, setup: &Value) {
    let paths: Vec<String> = sandbox
        .kv_secrets("deployments", "WM-Prod/")
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_exactly_once(
        ctx,
        &paths,
        &[
            "WM-Prod/deployment",
            "WM-Prod/db-password",
            "WM-Prod/session-secret",
            "WM-Prod/grafana",
            "WM-Prod/auth0/portal",
            "WM-Prod/auth0/argocd",
            "WM-Prod/auth0/worker",
        ],
    );
    assert_exactly_once(ctx, &sandbox.grafana_names("folders"), &["ff-wm-prod"]);
    assert_exactly_once(ctx, &sandbox.grafana_names("teams"), &["ff-wm-prod"]);

    // Auth0: the module's three applications, the API, the worker's grant, the roles.
    let clients: Vec<String> = sandbox
        .auth0_clients_of("WM-Prod")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    assert_exactly_once(
        ctx,
        &clients,
        &[
            "ff-wm-prod-portal",
            "ff-wm-prod-argocd",
            "ff-wm-prod-worker",
        ],
    );
    assert_eq!(clients.len(), 3, "{ctx}: {clients:?}");
    let auth0 = sandbox.auth0_state();
    let apis = names_of(&auth0["resource_servers"]);
    assert_exactly_once(ctx, &apis, &["ff-wm-prod-api"]);
    let roles = names_of(&auth0["roles"]);
    assert_exactly_once(ctx, &roles, &["ff-wm-prod-viewer", "ff-wm-prod-editor"]);
    let worker_id = &setup["client_ids"]["worker"];
    let grants: Vec<&Value> = auth0["client_grants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| &g["client_id"] == worker_id)
        .collect();
    assert_eq!(grants.len(), 1, "{ctx}: the worker's grant: {grants:?}");
    assert_eq!(grants[0]["audience"], "https://api.wm-prod.example.com");

    // The platform on the cluster, labelled with the deployment.
    let held = sandbox.kube_objects();
    let object = |key: &str| {
        held.get(key)
            .cloned()
            .unwrap_or_else(|| panic!("{ctx}: the cluster holds {key}; it holds {:?}", held.keys()))
    };
    let class = object("storage.k8s.io/storageclasses//gp3-encrypted");
    assert_eq!(class["parameters"]["encrypted"], "true", "{ctx}: {class}");
    let metadata = object("/configmaps/wm-prod/ff-deployment");
    assert_eq!(
        metadata["data"]["auth0_client_id.portal"], setup["client_ids"]["portal"],
        "{ctx}: the applications find the setup's client ids: {metadata}"
    );
    for app in ["argocd", "worker"] {
        assert_eq!(
            metadata["data"][format!("auth0_client_id.{app}")],
            setup["client_ids"][app],
            "{ctx}: {metadata}"
        );
    }
    assert_eq!(
        metadata["data"]["auth0_audience"],
        "https://api.wm-prod.example.com"
    );
    assert_eq!(metadata["data"]["auth0_domain"], "wm-prod.eu.auth0.com");
    assert_eq!(
        metadata["data"]["vault_auth_path"],
        "auth/kubernetes-wm-prod"
    );
    let app = object("argoproj.io/applications/argocd/ff-wm-prod");
    assert_eq!(
        app["spec"]["source"]["repoURL"],
        "https://gitlab.example.com/customers/wm-prod/platform.git"
    );
    assert_eq!(app["spec"]["source"]["path"], "apps");
    assert_eq!(app["spec"]["source"]["targetRevision"], "main");
    let repo = object("/secrets/argocd/ff-wm-prod-repo");
    assert!(
        repo["data"]["password"].is_string(),
        "{ctx}: the Git credentials come from Vault: {repo}"
    );
    let corefile = object("/configmaps/kube-system/coredns")["data"]["Corefile"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        corefile.contains("corp.example:53") && corefile.contains("10.0.0.2"),
        "{ctx}: CoreDNS forwards the internal zone:\n{corefile}"
    );
    let service = object("/services/ingress-nginx/ingress-nginx-controller");
    assert_eq!(
        service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"],
        "internal",
        "{ctx}: the ingress controller's load balancer is internal"
    );
    let binding = held
        .iter()
        .find(|(k, o)| {
            k.starts_with("rbac.authorization.k8s.io/clusterrolebindings/")
                && o["subjects"][0]["name"] == "platform-admins"
        })
        .map(|(_, o)| o.clone())
        .unwrap_or_else(|| panic!("{ctx}: a ClusterRoleBinding for platform-admins"));
    assert_eq!(binding["roleRef"]["name"], "cluster-admin");
    let auth = sandbox.vault("GET", "sys/auth", None);
    assert!(
        auth.body["data"]["kubernetes-wm-prod/"].is_object(),
        "{ctx}: Vault's Kubernetes auth for the cluster: {auth:?}"
    );
    let role = sandbox.vault("GET", "auth/kubernetes-wm-prod/role/ff-wm-prod-apps", None);
    assert_eq!(role.body["data"]["token_policies"][0], "ff-wm-prod-read");
}

fn names_of(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["name"].as_str().map(str::to_string))
        .collect()
}

/// After destroy: nothing of the deployment in Vault (but the Git credentials the test
/// wrote itself), Grafana, Auth0 or the cluster.
fn check_sandbox_empty(ctx: &str, sandbox: &Sandbox) {
    let live: Vec<String> = sandbox
        .kv_secrets("deployments", "WM-Prod/")
        .into_iter()
        .filter(|(path, data)| !data.is_null() && path != "WM-Prod/git")
        .map(|(path, _)| path)
        .collect();
    assert!(live.is_empty(), "{ctx}: Vault still holds {live:?}");
    for kind in ["folders", "teams", "service_accounts", "datasources"] {
        let left = sandbox.grafana_names(kind);
        assert!(
            left.is_empty(),
            "{ctx}: Grafana still holds {kind} {left:?}"
        );
    }
    let clients = sandbox.auth0_clients_of("WM-Prod");
    assert!(clients.is_empty(), "{ctx}: Auth0 still holds {clients:?}");
    let auth0 = sandbox.auth0_state();
    for kind in ["resource_servers", "roles"] {
        let left: Vec<String> = names_of(&auth0[kind])
            .into_iter()
            .filter(|n| n.starts_with("ff-wm-prod"))
            .collect();
        assert!(left.is_empty(), "{ctx}: Auth0 still holds {kind} {left:?}");
    }
    let objects = sandbox.kube_objects_of("WM-Prod");
    assert!(
        objects.is_empty(),
        "{ctx}: the cluster still holds {objects:?}"
    );
    let auth = sandbox.vault("GET", "sys/auth", None);
    assert!(
        auth.body["data"]["kubernetes-wm-prod/"].is_null(),
        "{ctx}: Vault still has the cluster's auth method: {auth:?}"
    );
}

fn example_aws(tf: &TerraformBin, moto: &Moto) {
    let ctx = format!("terraform {}", tf.version);
    let sandbox = Sandbox::start();
    // Vault, Grafana, Auth0, the release manifests the sandbox serves, and demo Git
    // credentials in Vault, as scripts/run-local.sh sets them for examples/local.
    let mut env = sandbox.local_example_env("WM-Prod");
    // The AWS identity the sandbox's Kubernetes API accepts presigned EKS tokens of; the AWS
    // provider keeps moto's own static credentials from its override.
    let eks = sandbox.endpoints["kubernetes"]["eks"].clone();
    let text = |field: &str| eks[field].as_str().unwrap_or_default().to_string();
    env.push(("AWS_ACCESS_KEY_ID".into(), text("access_key_id")));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), text("secret_access_key")));
    env.push(("AWS_SESSION_TOKEN".into(), String::new()));
    // A test deployment is thrown away; a customer's keeps the protection on.
    env.push(("TF_VAR_deletion_protection".into(), "false".into()));
    let provider = moto.provider_override();
    let dir = Workdir::from_repo(
        tf,
        "examples/aws",
        &[
            ("examples/aws/moto_override.tf", &provider),
            ("modules/aws-eks-private/moto_override.tf", MOTO_DIFFERENCES),
        ],
        env,
    );

    // The module without its setup, a root module declaring its own: planned only.
    let own = Workdir::from_repo(
        tf,
        "examples/own-setup",
        &[
            ("examples/own-setup/main.tf", OWN_SETUP),
            (
                "examples/own-setup/versions.tf",
                &read_repo("examples/aws/versions.tf"),
            ),
            ("examples/own-setup/moto_override.tf", &provider),
        ],
        sandbox.local_example_env("WM-Prod"),
    );
    check_own_setup(&ctx, &planned(&own, "own.tfplan"));
    drop(own);

    // The module's own wiring, then the connection pointed at the sandbox's cluster.
    check_bootstrap_wiring(&ctx, &planned(&dir, "wiring.tfplan"));
    dir.write(
        "../../modules/ff-aws/sandbox_override.tf",
        &sandbox_connection(
            &sandbox.kube_host(),
            &sandbox.kube_ca(),
            &text("cluster_name"),
        ),
    );

    // One apply from nothing: tooling, Auth0, network, cluster, nodes, jumpbox, platform.
    let plan = planned(&dir, "first.tfplan");
    check_plan(&ctx, &plan);
    dir.run(&["apply", "-input=false", "-no-color", "first.tfplan"])
        .ok();
    let deployment = dir.resource("module.deployment.ff_deployment.this");
    assert_eq!(deployment["names"]["cluster"], "ff-wm-prod");
    let setup = dir.resource(SETUP);
    assert_eq!(
        setup["client_ids"].as_object().map(|ids| ids.len()),
        Some(3),
        "{ctx}: the module's setup is applied: {setup}"
    );
    check_aws(&ctx, &moto.inventory(REGION), &deployment["tags"]);
    check_sandbox(&ctx, &sandbox, &setup);
    let outputs = dir.run(&["output", "-json", "-no-color"]).ok();
    let outputs: Value = serde_json::from_str(&outputs.stdout).unwrap_or(Value::Null);
    assert_eq!(outputs["cluster_name"]["value"], "ff-wm-prod", "{outputs}");
    assert_eq!(outputs["vault_path"]["value"], "deployments/WM-Prod");
    assert_eq!(outputs["vault_auth_role"]["value"], "ff-wm-prod-apps");
    assert_eq!(
        outputs["auth0_vault_paths"]["value"]["portal"],
        "deployments/WM-Prod/auth0/portal"
    );
    assert_eq!(
        outputs["auth0_client_ids"]["value"], setup["client_ids"],
        "{ctx}: the module outputs its setup's client ids"
    );
    assert_eq!(
        outputs["jumpbox_instance_id"]["value"],
        moto.inventory(REGION)["instances"][0]["id"]
    );
    assert!(
        outputs["cluster_endpoint"]["value"]
            .as_str()
            .is_some_and(|e| e.starts_with("https://")),
        "{ctx}: {outputs}"
    );

    // No credential in the state: no EKS token, AWS secret, Auth0 client secret or Git
    // password.
    let state = dir.state_file();
    assert!(
        !state.contains("k8s-aws-v1."),
        "{ctx}: an EKS token is in the state"
    );
    let mut secrets = vec![
        ("the AWS secret key", text("secret_access_key")),
        ("the Git password", "demo-only".to_string()),
    ];
    for client in sandbox.auth0_clients_of("WM-Prod") {
        if let Some(secret) = client["client_secret"].as_str() {
            secrets.push(("an Auth0 client secret", secret.to_string()));
        }
    }
    assert!(secrets.len() >= 4, "{ctx}: the client secrets were read");
    for (what, secret) in &secrets {
        assert!(
            !state.contains(secret.as_str()),
            "{ctx}: {what} is in the state"
        );
    }

    // The second plan is empty.
    dir.assert_plan_empty(&format!("{ctx}: after the apply"));

    // Drift by hand: SSH opened to the world on the jumpbox, the VPC's deployment tag
    // changed. The plan shows both; the apply reverts them.
    let before = moto.inventory(REGION);
    let jumpbox_sg = one(
        &ctx,
        &before,
        "security_groups",
        "name",
        "ff-wm-prod-jumpbox",
    );
    let vpc_id = before["vpcs"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    moto.open_ssh(REGION, jumpbox_sg["id"].as_str().unwrap_or_default());
    moto.tag(REGION, &vpc_id, "ff:deployment-key", "someone-else");
    dir.assert_plan_changes(&format!("{ctx}: after drift"))
        .contains(&[
            &format!("{MODULE}.aws_security_group.jumpbox will be updated in-place"),
            &format!("{MODULE}.aws_vpc.this will be updated in-place"),
            "0 to add, 2 to change, 0 to destroy",
        ]);
    dir.apply();
    dir.assert_plan_empty(&format!("{ctx}: after reverting the drift"));
    let after = moto.inventory(REGION);
    assert_eq!(
        one(
            &ctx,
            &after,
            "security_groups",
            "name",
            "ff-wm-prod-jumpbox"
        )["ingress"],
        json!([]),
        "{ctx}: the SSH rule opened by hand is gone"
    );
    assert_eq!(after["vpcs"][0]["tags"]["ff:deployment-key"], "WM-Prod");

    // The module's Auth0 setup adopted by its key at the address the module's README gives
    // (`terraform import 'module.deployment.ff_auth0_tenant_setup.this[0]' KEY`): dropped
    // from the state, imported, equal to the applied one, and nothing to change.
    let applied = dir.resource(SETUP);
    dir.run(&["state", "rm", SETUP]).ok();
    dir.import(SETUP, "WM-Prod").ok();
    assert_same_attributes(
        &format!("{ctx}: {SETUP} imported by key"),
        &applied,
        &dir.resource(SETUP),
    );
    // The import records the resource, not the outputs that read it (Terraform 1.0.3 drops
    // them with `state rm`): the apply changes nothing but them.
    dir.apply()
        .contains(&["Resources: 0 added, 0 changed, 0 destroyed"]);
    dir.assert_plan_empty(&format!("{ctx}: after importing the module's setup"));

    // Destroy leaves nothing behind.
    dir.destroy().ok();
    check_aws_empty(&format!("{ctx}: after destroy"), &moto.inventory(REGION));
    check_sandbox_empty(&format!("{ctx}: after destroy"), &sandbox);
}

fn read_repo(path: &str) -> String {
    std::fs::read_to_string(ff_e2e::tools::repo_root().join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn example_aws_applies_plans_empty_and_destroys_against_moto_and_the_sandbox() {
    let moto = Moto::start();
    for tf in terraforms() {
        moto.reset();
        example_aws(&tf, &moto);
    }
}
