# One customer deployment on AWS. Vault and Grafana come from the environment
# (VAULT_ADDR, VAULT_TOKEN, GRAFANA_URL, GRAFANA_AUTH), AWS from its usual credentials.

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
}
