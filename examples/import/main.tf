# An existing deployment brought under management, all three parts of it: the
# configuration describes it as it is, and `terraform import` (or, on Terraform >= 1.5, the
# import blocks in imports.tf.example) adopts each part by the deployment key. Vault,
# Grafana and Auth0 come from the environment; the cluster's token is obtained at apply
# time from the AWS (or ARM_*) credentials of the environment.

provider "ff" {}

resource "ff_deployment" "this" {
  key                 = var.deployment_key
  display_name        = var.display_name
  cloud               = var.cloud
  region              = var.region
  labels              = var.labels
  generated_secrets   = var.generated_secrets
  deletion_protection = var.deletion_protection
}

# The deployment's Auth0 setup as it is in Auth0: write one application block per
# application it has (`ff-<slug>-<NAME>` in Auth0). With Terraform >= 1.5,
# `terraform plan -generate-config-out=generated.tf` and the import blocks write them for you.
resource "ff_auth0_tenant_setup" "this" {
  deployment_key = ff_deployment.this.key

  application "portal" {
    type      = "spa"
    callbacks = ["https://portal.${var.domain}/callback"]
  }

  application "worker" {
    type = "non_interactive"
  }

  api {
    identifier = "https://api.${var.domain}"
    scopes     = { "read:orders" = "Read orders" }
  }

  grants = { worker = ["read:orders"] }
  roles  = { viewer = ["read:orders"] }
}
