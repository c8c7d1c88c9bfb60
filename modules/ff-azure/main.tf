# One customer deployment on Azure in one plan: ff_deployment (Vault, Grafana, and every
# name) → the private AKS cluster (below) → ff_platform_bootstrap on that cluster
# (platform.tf). The deployment's ff_auth0_tenant_setup lives in the root module, keyed by
# this module's `deployment_key` output, and its client ids come back in `auth0_client_ids`
# (the README says why).
#
# A team with its own AKS module swaps `module "cluster"` below and keeps the rest. What the
# rest relies on (the README's "Swapping the cluster module" lists it): the module takes the
# derived `names` and `tags` and `location`, outputs `cluster_endpoint` and
# `cluster_certificate_authority_data` (the bootstrap connects with them) and
# `resource_group_name`, `cluster_name` and `jumpbox_id` (outputs of this module), and once
# it is applied the cluster has nodes, uses Entra ID with Azure RBAC, and the identity of the
# ARM_* credentials running Terraform administers it.

resource "ff_deployment" "this" {
  key                 = var.deployment_key
  display_name        = var.display_name
  cloud               = "azure"
  region              = var.location
  labels              = var.labels
  generated_secrets   = var.generated_secrets
  deletion_protection = var.deletion_protection

  dynamic "grafana_datasource" {
    for_each = var.grafana_datasource == null ? [] : [var.grafana_datasource]

    content {
      type = grafana_datasource.value.type
      url  = grafana_datasource.value.url
    }
  }
}

module "cluster" {
  source = "../azure-aks-private"

  names    = ff_deployment.this.names
  tags     = ff_deployment.this.tags
  location = var.location

  vnet_cidr              = var.vnet_cidr
  outbound_type          = var.outbound_type
  firewall_private_ip    = var.firewall_private_ip
  kubernetes_version     = var.kubernetes_version
  node_pools             = var.node_pools
  admin_group_object_ids = var.admin_group_object_ids
  resource_providers     = var.resource_providers
  jumpbox_ssh_public_key = var.jumpbox_ssh_public_key
}
