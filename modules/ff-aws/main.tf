# One customer deployment on AWS in one plan: ff_deployment (Vault, Grafana, and every name)
# → the private EKS cluster (below) → ff_platform_bootstrap on that cluster (platform.tf).
# The deployment's ff_auth0_tenant_setup lives in the root module, keyed by this module's
# `deployment_key` output, and its client ids come back in `auth0_client_ids` (the README
# says why: an application map passed through a module variable fails `terraform validate`).
#
# A team with its own EKS module swaps `module "cluster"` below and keeps the rest. What the
# rest relies on (the README's "Swapping the cluster module" lists it): the module takes the
# derived `names` and `tags`, outputs `cluster_name`, `cluster_endpoint`,
# `cluster_certificate_authority_data` and `region` (the bootstrap connects with them) and
# `jumpbox_instance_id` and `vpc_id` (outputs of this module), and once it is applied the
# cluster has nodes and the AWS identity running Terraform administers it.

data "aws_region" "current" {}

resource "ff_deployment" "this" {
  key                 = var.deployment_key
  display_name        = var.display_name
  cloud               = "aws"
  region              = data.aws_region.current.name
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
  source = "../aws-eks-private"

  names = ff_deployment.this.names
  tags  = ff_deployment.this.tags

  vpc_cidr                = var.vpc_cidr
  availability_zone_count = var.availability_zone_count
  cluster_version         = var.cluster_version
  node_instance_types     = var.node_instance_types
  node_scaling            = var.node_scaling
  jumpbox_instance_type   = var.jumpbox_instance_type
}
