terraform {
  required_providers {
    ff = {
      source = "registry.terraform.io/ff/ff"
    }
  }
}

# Every block is optional, and every setting left out is read from the environment
# (VAULT_ADDR, VAULT_TOKEN, GRAFANA_URL, GRAFANA_AUTH, AUTH0_DOMAIN, ...).
provider "ff" {
  vault {
    address  = "https://vault.example.com:8200"
    kv_mount = "deployments"
  }

  grafana {
    url = "https://grafana.example.com"
  }

  auth0 {
    domain = "example.eu.auth0.com"
  }

  request_timeout_seconds = 30
}
