# Terraform 1.12 and later: the object named by its identity, the deployment key.
import {
  to       = ff_deployment.wm_prod
  identity = { key = "WM-Prod" }
}
