# One customer deployment on Azure in one plan: ff_deployment (Vault, Grafana, and every
# name) → the private AKS cluster → (after issues 3 and 4 land) Auth0 and the platform
# bootstrap.
#
# A team with its own AKS module swaps `module "cluster"` below and keeps the rest: the
# module gets the derived names and tags, and must output the cluster's name, endpoint and
# CA certificate (which the bootstrap connects with).

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

# TODO(issue 3, after merge): ff_auth0_tenant_setup goes here, keyed by
# ff_deployment.this.key, with the deployment's applications, API, grants and roles as
# variables of this module. Its schema is not settled on this branch, so nothing is wired.

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

# TODO(issue 4, after merge): ff_platform_bootstrap goes here, connecting with
#   host                   = module.cluster.cluster_endpoint
#   cluster_ca_certificate = base64decode(module.cluster.cluster_certificate_authority_data)
# and an Entra ID token the provider obtains at apply time from the ARM_* credentials in
# its environment (the identity running Terraform is a cluster admin, see the cluster
# module), so that no token enters the state; `proxy_url` reaches the private endpoint
# through the jumpbox. Its schema is not settled on this branch, so nothing is wired.
