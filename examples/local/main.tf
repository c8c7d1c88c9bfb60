# A customer deployment against ff-sandbox: run it with scripts/run-local.sh, which starts the
# sandbox and exports VAULT_ADDR, VAULT_TOKEN, GRAFANA_URL and GRAFANA_AUTH for the provider.

terraform {
  required_version = ">= 1.0.3"
  required_providers {
    ff = {
      source = "registry.terraform.io/ff/ff"
    }
  }
}

# Every setting comes from the environment, as with the official providers.
provider "ff" {}

resource "ff_deployment" "this" {
  key               = var.deployment_key
  display_name      = "${var.deployment_key} (local sandbox)"
  cloud             = "aws"
  region            = "eu-west-1"
  labels            = { team = "platform", environment = "local" }
  generated_secrets = ["db-password", "session-secret"]

  # A sandbox is thrown away after the run; keep protection on for real deployments.
  deletion_protection = false

  grafana_datasource {
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }
}
