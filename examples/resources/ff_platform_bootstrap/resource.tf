# Phases 3 and 4 on the deployment's private EKS cluster, in the same plan that creates it:
# the connection comes from the cluster module's outputs (here variables; in
# modules/ff-aws, module.cluster's), and the token is presigned by the provider at apply time
# from the AWS credentials of its environment (never stored).
resource "ff_platform_bootstrap" "wm_prod" {
  deployment_key = ff_deployment.wm_prod.key
  cloud          = "aws"

  cluster {
    host                   = var.cluster_endpoint
    cluster_ca_certificate = var.cluster_ca_certificate
    eks {
      cluster_name = var.cluster_name
      region       = "eu-west-1"
    }
    # A private endpoint, reached through a tunnel to the jumpbox.
    proxy_url = "socks5://127.0.0.1:1080"
  }

  coredns {
    forward_zones = { "corp.example" = ["10.0.0.2", "10.0.0.3"] }
  }

  ingress {
    manifest_url = "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.12.0/deploy/static/provider/aws/deploy.yaml"
    sha256       = "0000000000000000000000000000000000000000000000000000000000000000" # the digest of the file you reviewed
  }

  # The controller's default certificate: tls.crt and tls.key (PEM) read from Vault at
  # deployments/WM-Prod/tls at apply, put in the Secret ingress-nginx/ff-wm-prod-tls (never
  # in the state; certificate_sha256 is). Write them there before the apply.
  tls {}

  argocd {
    manifest_url = "https://raw.githubusercontent.com/argoproj/argo-cd/v2.13.3/manifests/install.yaml"
    sha256       = "0000000000000000000000000000000000000000000000000000000000000000"
  }

  # Git credentials are read from Vault at deployments/WM-Prod/git, never from the state.
  application {
    repo_url        = "https://gitlab.example.com/customers/wm-prod/platform.git"
    path            = "apps"
    target_revision = "main"
  }

  rbac {
    group        = "wm-prod-admins"
    cluster_role = "cluster-admin"
  }

  metadata {
    auth0_domain     = "wm-prod.eu.auth0.com"
    auth0_audience   = "https://api.wm-prod.example.com"
    auth0_client_ids = ff_auth0_tenant_setup.wm_prod.client_ids
  }

  timeouts {
    create = "15m"
  }
}

resource "ff_deployment" "wm_prod" {
  key   = "WM-Prod"
  cloud = "aws"
}

resource "ff_auth0_tenant_setup" "wm_prod" {
  deployment_key = ff_deployment.wm_prod.key
  application "portal" {
    type = "spa"
  }
}

variable "cluster_endpoint" {
  type        = string
  description = "API server URL of the EKS cluster."
}

variable "cluster_ca_certificate" {
  type        = string
  description = "PEM CA of the EKS cluster."
}

variable "cluster_name" {
  type        = string
  description = "Name of the EKS cluster."
}
