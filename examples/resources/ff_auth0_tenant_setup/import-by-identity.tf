# Terraform 1.12 and later: the object named by its identity, the deployment key.
import {
  to       = ff_auth0_tenant_setup.wm_prod
  identity = { key = "WM-Prod" }
}
