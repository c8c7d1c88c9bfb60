# The platform the deployment's bootstrap made on its cluster. The import finds the objects
# by the deployment key; the connection is not recorded anywhere, so it comes from here.

resource "ff_platform_bootstrap" "this" {
  deployment_key = ff_deployment.this.key
  cloud          = var.cloud

  cluster {
    host                   = var.cluster_endpoint
    cluster_ca_certificate = var.cluster_ca_certificate
    proxy_url              = var.proxy_url

    # A token presigned from the AWS credentials of the environment (EKS), or obtained from
    # the ARM_* service principal (AKS): never stored.
    dynamic "eks" {
      for_each = var.cloud == "aws" ? [var.cluster_name] : []

      content {
        cluster_name = eks.value
        region       = var.region
      }
    }

    dynamic "aks" {
      for_each = var.cloud == "azure" ? [1] : []

      content {}
    }
  }

  dynamic "coredns" {
    for_each = length(var.coredns_forward_zones) > 0 ? [var.coredns_forward_zones] : []

    content {
      forward_zones = coredns.value
    }
  }

  dynamic "ingress" {
    for_each = var.ingress_manifest == null ? [] : [var.ingress_manifest]

    content {
      manifest_url = ingress.value.url
      sha256       = ingress.value.sha256
    }
  }

  dynamic "argocd" {
    for_each = var.argocd_manifest == null ? [] : [var.argocd_manifest]

    content {
      manifest_url = argocd.value.url
      sha256       = argocd.value.sha256
    }
  }

  dynamic "application" {
    for_each = var.platform_repository == null ? [] : [var.platform_repository]

    content {
      repo_url        = application.value.url
      path            = application.value.path
      target_revision = application.value.target_revision
    }
  }

  dynamic "rbac" {
    for_each = var.rbac

    content {
      group        = rbac.key
      cluster_role = rbac.value
    }
  }

  metadata {
    auth0_domain     = var.auth0_domain
    auth0_audience   = ff_auth0_tenant_setup.this.api[0].identifier
    auth0_client_ids = ff_auth0_tenant_setup.this.client_ids
  }
}
