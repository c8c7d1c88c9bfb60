# An existing deployment brought under management: the configuration describes it as it
# is, and `terraform import` (or, on Terraform >= 1.5, the import block in
# imports.tf.example) adopts it by its key. Vault and Grafana come from the environment.

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
