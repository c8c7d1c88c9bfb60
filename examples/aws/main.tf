# One customer deployment on AWS, from the deployment key to a bootstrapped private EKS
# cluster in one apply. Vault, Grafana and Auth0 come from the environment (VAULT_ADDR,
# VAULT_TOKEN, GRAFANA_URL, GRAFANA_AUTH, AUTH0_DOMAIN, AUTH0_CLIENT_ID,
# AUTH0_CLIENT_SECRET). AWS credentials are found as the AWS SDKs find them, by the AWS
# provider and by the ff provider, which presigns the cluster's token with them: in HCP
# Terraform with dynamic credentials, the shared config file and web identity token the
# run's agent writes; elsewhere AWS_PROFILE, AWS_ACCESS_KEY_ID... With vault_jwt_role set,
# the ff provider logs in to Vault with the run's workload identity token
# (TFC_WORKLOAD_IDENTITY_TOKEN) instead of a VAULT_TOKEN.

provider "ff" {
  dynamic "vault" {
    for_each = var.vault_jwt_role == null ? [] : [var.vault_jwt_role]

    content {
      auth_login_jwt {
        role = vault.value
      }
    }
  }
}

provider "aws" {
  region = var.region
}

module "deployment" {
  source = "../../modules/ff-aws"

  deployment_key      = var.deployment_key
  labels              = { team = "platform", environment = "production" }
  generated_secrets   = ["db-password", "session-secret"]
  node_instance_types = ["m5.large"]
  node_scaling        = { min = 2, desired = 3, max = 6 }
  deletion_protection = var.deletion_protection

  # The platform on the cluster: internal DNS, ingress controller and ArgoCD pinned by digest,
  # the deployment's repository (Git credentials read from Vault at <mount>/<key>/git) and
  # RBAC.
  proxy_url             = var.proxy_url
  coredns_forward_zones = { "corp.example" = ["10.0.0.2"] }
  ingress_manifest      = var.ingress_manifest
  argocd_manifest       = var.argocd_manifest
  platform_repository = {
    url             = var.platform_repository_url
    path            = "apps"
    target_revision = "main"
  }
  rbac = { "platform-admins" = "cluster-admin" }

  # Auth0: the deployment's applications (portal, argocd, worker) at its domain, its API
  # https://api.<domain> with these scopes, the worker's grant and the roles. Their client
  # ids and the API are published to the applications; their secrets go to Vault.
  app_domain   = var.domain
  auth0_domain = var.auth0_domain
  api_scopes = {
    "read:orders"  = "Read orders"
    "write:orders" = "Create and change orders"
  }
  worker_scopes = ["read:orders", "write:orders"]
  auth0_roles = {
    viewer = ["read:orders"]
    editor = ["read:orders", "write:orders"]
  }
}
