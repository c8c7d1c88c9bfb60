# Phases 3 and 4 on the new cluster, in the same plan that creates it: the connection is an
# argument of the resource, so it plans while the cluster's address is still unknown. The
# token is presigned by the provider at apply and refresh time from the AWS credentials of
# its environment (as `aws eks get-token` does): no credential enters the state.

resource "ff_platform_bootstrap" "this" {
  deployment_key = ff_deployment.this.key
  cloud          = ff_deployment.this.cloud
  app_namespaces = var.app_namespaces

  cluster {
    host                   = module.cluster.cluster_endpoint
    cluster_ca_certificate = base64decode(module.cluster.cluster_certificate_authority_data)
    proxy_url              = var.proxy_url

    eks {
      cluster_name = module.cluster.cluster_name
      region       = module.cluster.region
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
      repo_url               = application.value.url
      path                   = application.value.path
      target_revision        = application.value.target_revision
      git_credentials_secret = var.platform_repository_credentials
    }
  }

  dynamic "rbac" {
    for_each = var.rbac

    content {
      group        = rbac.key
      cluster_role = rbac.value
    }
  }

  # What the applications need to find Auth0, published in their namespaces (no secret:
  # their credentials are in Vault, under the deployment's path).
  metadata {
    auth0_domain     = var.auth0_domain
    auth0_audience   = var.auth0_audience
    auth0_client_ids = var.auth0_client_ids
  }

  # The cluster module's outputs are known before its nodes are up; the ingress controller
  # and ArgoCD need nodes, and a proxy through the jumpbox needs the jumpbox.
  depends_on = [module.cluster]
}
