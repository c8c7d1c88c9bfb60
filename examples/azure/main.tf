# One customer deployment on Azure, from the deployment key to a bootstrapped private AKS
# cluster in one apply. Vault, Grafana and Auth0 come from the environment (VAULT_ADDR,
# VAULT_TOKEN, GRAFANA_URL, GRAFANA_AUTH, AUTH0_DOMAIN, AUTH0_CLIENT_ID,
# AUTH0_CLIENT_SECRET), Azure from ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID and
# ARM_SUBSCRIPTION_ID, with which the ff provider also obtains the cluster's Entra ID token.

provider "ff" {}

provider "azurerm" {
  features {}

  # The cluster module registers the resource providers AKS needs itself.
  resource_provider_registrations = "none"
}

module "deployment" {
  source = "../../modules/ff-azure"

  deployment_key    = var.deployment_key
  location          = var.location
  labels            = { team = "platform", environment = "production" }
  generated_secrets = ["db-password", "session-secret"]
  outbound_type     = "userAssignedNATGateway"
  node_pools = {
    system = { vm_size = "Standard_D4s_v5", node_count = 3 }
    apps   = { vm_size = "Standard_E8s_v5", min_count = 2, max_count = 10 }
  }
  jumpbox_ssh_public_key = var.jumpbox_ssh_public_key
  deletion_protection    = var.deletion_protection

  # The platform on the cluster; the ingress controller and ArgoCD manifests are pinned by
  # the SHA-256 of the files you reviewed.
  proxy_url             = var.proxy_url
  coredns_forward_zones = { "corp.example" = ["10.10.0.4"] }
  ingress_manifest      = var.ingress_manifest
  argocd_manifest       = var.argocd_manifest
  platform_repository = {
    url             = "https://gitlab.example.com/customers/wm-prod/platform.git"
    path            = "apps"
    target_revision = "main"
  }
  rbac             = { "platform-admins" = "cluster-admin" }
  auth0_domain     = "wm-prod.eu.auth0.com"
  auth0_audience   = ff_auth0_tenant_setup.this.api[0].identifier
  auth0_client_ids = ff_auth0_tenant_setup.this.client_ids
}

# The deployment's Auth0 applications, API, grants and roles, keyed by the deployment the
# module made. Each application's credentials go to Vault under the deployment's path.
resource "ff_auth0_tenant_setup" "this" {
  deployment_key = module.deployment.deployment_key

  application "portal" {
    type        = "spa"
    callbacks   = ["https://portal.wm-prod.example.com/callback"]
    web_origins = ["https://portal.wm-prod.example.com"]
  }

  application "worker" {
    type = "non_interactive"
  }

  api {
    identifier = "https://api.wm-prod.example.com"
    scopes     = { "read:orders" = "Read orders" }
  }

  grants = { worker = ["read:orders"] }
  roles  = { viewer = ["read:orders"] }
}
