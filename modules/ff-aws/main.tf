# One customer deployment on AWS in one plan: ff_deployment (Vault, Grafana, and every name)
# → the private EKS cluster → (after issues 3 and 4 land) Auth0 and the platform bootstrap.
#
# A team with its own EKS module swaps `module "cluster"` below and keeps the rest: the
# module gets the derived names and tags, and must output the cluster's name, endpoint and
# CA certificate (which the bootstrap connects with).

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

# TODO(issue 3, after merge): ff_auth0_tenant_setup goes here, keyed by
# ff_deployment.this.key, with the deployment's applications, API, grants and roles as
# variables of this module. Its schema is not settled on this branch, so nothing is wired.

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

# TODO(issue 4, after merge): ff_platform_bootstrap goes here, connecting with
#   host                   = module.cluster.cluster_endpoint
#   cluster_ca_certificate = base64decode(module.cluster.cluster_certificate_authority_data)
# and an EKS token the provider presigns at apply time from the AWS credentials in its
# environment (module.cluster.cluster_name, module.cluster.region), so that no token enters
# the state; `proxy_url` reaches the private endpoint through the jumpbox. Its schema is not
# settled on this branch, so nothing is wired.
