# One customer deployment on AWS, from the deployment key to a bootstrapped private EKS
# cluster in one apply. Vault, Grafana and Auth0 come from the environment (VAULT_ADDR,
# VAULT_TOKEN, GRAFANA_URL, GRAFANA_AUTH, AUTH0_DOMAIN, AUTH0_CLIENT_ID,
# AUTH0_CLIENT_SECRET), AWS from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
# AWS_SESSION_TOKEN), which the ff provider also presigns the cluster's token with.

provider "ff" {}

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
  # the deployment's repository (Git credentials read from Vault at <mount>/<key>/git), RBAC,
  # and what the applications need to sign in with Auth0.
  proxy_url             = var.proxy_url
  coredns_forward_zones = { "corp.example" = ["10.0.0.2"] }
  ingress_manifest      = var.ingress_manifest
  argocd_manifest       = var.argocd_manifest
  platform_repository = {
    url             = var.platform_repository_url
    path            = "apps"
    target_revision = "main"
  }
  rbac             = { "platform-admins" = "cluster-admin" }
  auth0_domain     = var.auth0_domain
  auth0_audience   = ff_auth0_tenant_setup.this.api[0].identifier
  auth0_client_ids = ff_auth0_tenant_setup.this.client_ids
}

# The deployment's Auth0 applications, API, grants and roles, keyed by the deployment the
# module made. Each application's credentials go to Vault under the deployment's path.
resource "ff_auth0_tenant_setup" "this" {
  deployment_key = module.deployment.deployment_key

  application "portal" {
    type        = "spa"
    callbacks   = ["https://portal.${var.domain}/callback"]
    logout_urls = ["https://portal.${var.domain}"]
    web_origins = ["https://portal.${var.domain}"]
  }

  application "worker" {
    type = "non_interactive"
  }

  api {
    identifier = "https://api.${var.domain}"
    scopes = {
      "read:orders"  = "Read orders"
      "write:orders" = "Create and change orders"
    }
  }

  grants = { worker = ["read:orders", "write:orders"] }
  roles = {
    viewer = ["read:orders"]
    editor = ["read:orders", "write:orders"]
  }
}
