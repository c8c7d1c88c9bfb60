# Phases 3 and 4 on the new cluster, in the same plan that creates it: the connection is an
# argument of the resource, so it plans while the cluster's address is still unknown. The
# Entra ID token is obtained by the provider at apply and refresh time with the Azure
# credentials of its environment, as azurerm takes them (a federated token with HCP
# Terraform's dynamic credentials): no credential enters the state.

resource "ff_platform_bootstrap" "this" {
  deployment_key = ff_deployment.this.key
  cloud          = ff_deployment.this.cloud
  app_namespaces = var.app_namespaces

  cluster {
    host                   = module.cluster.cluster_endpoint
    cluster_ca_certificate = base64decode(module.cluster.cluster_certificate_authority_data)
    proxy_url              = var.proxy_url

    aks {}
  }

  dynamic "coredns" {
    for_each = length(var.coredns_forward_zones) > 0 ? [var.coredns_forward_zones] : []

    content {
      forward_zones = coredns.value
    }
  }

  # A manifest left null is the release the provider pins.
  dynamic "ingress" {
    for_each = var.ingress_enabled ? [var.ingress_manifest] : []

    content {
      manifest_url = ingress.value == null ? null : ingress.value.url
      sha256       = ingress.value == null ? null : ingress.value.sha256
    }
  }

  # The ingress controller's default certificate, from Vault at <kv_mount>/<key>/<secret>.
  dynamic "tls" {
    for_each = var.ingress_enabled && var.tls_vault_secret != null ? [var.tls_vault_secret] : []

    content {
      vault_secret = tls.value
    }
  }

  dynamic "argocd" {
    for_each = var.argocd_enabled ? [var.argocd_manifest] : []

    content {
      manifest_url = argocd.value == null ? null : argocd.value.url
      sha256       = argocd.value == null ? null : argocd.value.sha256
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
  # their credentials are in Vault, under the deployment's path): the module's own setup
  # (auth0.tf), or the one the root module passes in.
  metadata {
    auth0_domain     = var.auth0_domain
    auth0_audience   = local.auth0_audience
    auth0_client_ids = local.auth0_client_ids
  }

  # The cluster module's outputs are known before its nodes are up and before the identity
  # running Terraform holds its cluster-admin role; the ingress controller and ArgoCD need
  # nodes, and a proxy through the jumpbox needs the jumpbox.
  depends_on = [module.cluster]
}
