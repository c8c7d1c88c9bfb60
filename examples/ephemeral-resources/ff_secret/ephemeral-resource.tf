# A deployment's generated database password, read from Vault while Terraform runs and
# handed to a write-only argument: it never enters the state or the plan.
ephemeral "ff_secret" "db_password" {
  deployment_key = "WM-Prod"
  name           = "db-password"
}

# Here another deployment receives it as a given secret; a database resource's
# `password_wo` takes it the same way.
resource "ff_deployment" "wm_reporting" {
  key                      = "WM-Reporting"
  cloud                    = "aws"
  given_secrets_wo         = { source-db-password = ephemeral.ff_secret.db_password.value }
  given_secrets_wo_version = 1
}
