# A deployment's Auth0 setup: a browser application, a machine-to-machine worker granted
# scopes of the deployment's API, and two roles. Client secrets go to Vault at
# deployments/WM-Prod/auth0/<application>, never to the state.
resource "ff_auth0_tenant_setup" "wm_prod" {
  deployment_key = ff_deployment.wm_prod.key

  application "portal" {
    type        = "spa"
    callbacks   = ["https://portal.wm-prod.example.com/callback"]
    logout_urls = ["https://portal.wm-prod.example.com"]
    web_origins = ["https://portal.wm-prod.example.com"]
  }

  application "worker" {
    type = "non_interactive"
  }

  api {
    identifier     = "https://api.wm-prod.example.com"
    token_lifetime = 3600
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

  # Change to rotate every client secret; Vault is updated with the new ones.
  rotation_trigger = "2026-11"
}

resource "ff_deployment" "wm_prod" {
  key   = "WM-Prod"
  cloud = "aws"
}
