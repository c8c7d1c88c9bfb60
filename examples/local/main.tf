# A customer deployment against a local OpenBao (a real Vault) and ff-sandbox: run it with
# scripts/run-local.sh, which starts both and exports VAULT_ADDR, VAULT_TOKEN, GRAFANA_URL,
# GRAFANA_AUTH, AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET for the provider.

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

# Phases 3 and 4 on the sandbox's Kubernetes cluster. The connection is a resource argument:
# with a real cluster it comes from the EKS/AKS module of the same configuration.
resource "ff_platform_bootstrap" "this" {
  deployment_key = ff_deployment.this.key
  cloud          = ff_deployment.this.cloud

  cluster {
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    # As `aws eks get-token` or `kubelogin get-token` would: the token never enters the
    # configuration or the state (scripts/run-local.sh exports FF_KUBE_TOKEN).
    exec {
      command = "sh"
      args    = ["-c", "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' \"$FF_KUBE_TOKEN\""]
    }
  }

  coredns {
    forward_zones = { "corp.example" = ["10.0.0.2"] }
  }

  ingress {
    manifest_url = var.ingress_manifest.url
    sha256       = var.ingress_manifest.sha256
  }

  argocd {
    manifest_url = var.argocd_manifest.url
    sha256       = var.argocd_manifest.sha256
  }

  # The Git credentials are read from Vault at deployments/<key>/git (run-local.sh writes
  # demo ones there).
  application {
    repo_url        = "https://git.example/${ff_deployment.this.slug}/platform.git"
    path            = "apps"
    target_revision = "main"
  }

  rbac {
    group        = "${ff_deployment.this.slug}-admins"
    cluster_role = "cluster-admin"
  }

  # What the applications need to find Auth0 and Vault, published in the cluster (no secret).
  metadata {
    auth0_domain     = "${ff_deployment.this.slug}.eu.auth0.com"
    auth0_audience   = "https://api.${ff_deployment.this.slug}.example.com"
    auth0_client_ids = ff_auth0_tenant_setup.this.client_ids
  }
}
