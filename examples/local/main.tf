# A customer deployment against ff-sandbox: run it with scripts/run-local.sh, which starts the
# sandbox and exports VAULT_ADDR, VAULT_TOKEN, GRAFANA_URL, GRAFANA_AUTH, AUTH0_DOMAIN,
# AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET for the provider.

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

# The deployment's Auth0 applications, API, grants and roles. Each application's credentials
# go to Vault under the deployment's path (see the vault_paths output), never to the state.
resource "ff_auth0_tenant_setup" "this" {
  deployment_key = ff_deployment.this.key

  application "portal" {
    type        = "spa"
    callbacks   = ["https://portal.${ff_deployment.this.slug}.example.com/callback"]
    logout_urls = ["https://portal.${ff_deployment.this.slug}.example.com"]
    web_origins = ["https://portal.${ff_deployment.this.slug}.example.com"]
  }

  application "backend" {
    type      = "regular_web"
    callbacks = ["https://app.${ff_deployment.this.slug}.example.com/callback"]
  }

  application "worker" {
    type = "non_interactive"
  }

  api {
    identifier = "https://api.${ff_deployment.this.slug}.example.com"
    scopes = {
      "read:orders"  = "Read orders"
      "write:orders" = "Create and change orders"
    }
  }

  grants = {
    worker = ["read:orders", "write:orders"]
  }

  roles = {
    viewer = ["read:orders"]
    editor = ["read:orders", "write:orders"]
  }

  # Change this value to rotate every application's client secret (Vault follows).
  rotation_trigger = "initial"
}
