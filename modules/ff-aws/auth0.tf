# The deployment's Auth0 setup, in the same plan: the applications every deployment has, the
# deployment's API, the worker's machine-to-machine grant and the roles. The applications are
# written out here because `application` blocks need labels known at validation, which a
# module variable never is; what differs per customer (the domain, scopes, grants, roles)
# comes from variables. Each application's credentials go to Vault under the deployment's
# path, never to the state.
#
# With `app_domain = null` the module makes no setup: a team with its own applications
# declares its ff_auth0_tenant_setup in the root module and passes `auth0_client_ids` and
# `auth0_audience` in (the README shows how).

resource "ff_auth0_tenant_setup" "this" {
  count = var.app_domain == null ? 0 : 1

  deployment_key   = ff_deployment.this.key
  rotation_trigger = var.auth0_rotation_trigger

  # The customer's web portal, a single-page application.
  application "portal" {
    type        = "spa"
    callbacks   = ["https://portal.${var.app_domain}/callback"]
    logout_urls = ["https://portal.${var.app_domain}"]
    web_origins = ["https://portal.${var.app_domain}"]
  }

  # ArgoCD's single sign-on (its OIDC callback is /auth/callback).
  application "argocd" {
    type        = "regular_web"
    callbacks   = ["https://argocd.${var.app_domain}/auth/callback"]
    logout_urls = ["https://argocd.${var.app_domain}"]
  }

  # The deployment's background jobs, calling the API with client credentials.
  application "worker" {
    type = "non_interactive"
  }

  api {
    identifier = "https://api.${var.app_domain}"
    scopes     = length(var.api_scopes) > 0 ? var.api_scopes : null
  }

  grants = length(var.worker_scopes) > 0 ? { worker = var.worker_scopes } : null
  roles  = length(var.auth0_roles) > 0 ? var.auth0_roles : null
}

locals {
  # What the bootstrap publishes to the applications: the module's own setup when it makes
  # one, else what the root module passes in.
  auth0_client_ids = var.app_domain == null ? var.auth0_client_ids : one(ff_auth0_tenant_setup.this[*].client_ids)
  auth0_audience   = var.app_domain == null ? var.auth0_audience : one(ff_auth0_tenant_setup.this[*].api[0].identifier)
}
