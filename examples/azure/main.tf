# One customer deployment on Azure. Vault and Grafana come from the environment
# (VAULT_ADDR, VAULT_TOKEN, GRAFANA_URL, GRAFANA_AUTH), Azure from ARM_CLIENT_ID,
# ARM_CLIENT_SECRET, ARM_TENANT_ID and ARM_SUBSCRIPTION_ID.

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
}
