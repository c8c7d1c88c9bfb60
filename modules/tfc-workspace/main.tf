# Phase 2 from one module call: the deployment's private GitLab project, created from the
# infrastructure template, and the HCP Terraform (Terraform Cloud) workspace that runs it,
# named by the deployment key. Its runs get their cloud and Vault credentials through HCP
# Terraform's dynamic provider credentials (OIDC workload identity): the workspace holds
# role names and ids, no secret. Static keys are an explicit opt-in
# (credentials_mode = "static").

locals {
  oidc = var.credentials_mode == "dynamic"

  # Dynamic credentials: HCP Terraform's own variables
  # (https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials).
  aws_dynamic = {
    TFC_AWS_PROVIDER_AUTH = "true"
    TFC_AWS_RUN_ROLE_ARN  = coalesce(var.aws_run_role_arn, "unset")
  }
  azure_dynamic = {
    TFC_AZURE_PROVIDER_AUTH = "true"
    TFC_AZURE_RUN_CLIENT_ID = coalesce(var.azure_run_client_id, "unset")
    ARM_TENANT_ID           = coalesce(var.azure_tenant_id, "unset")
    ARM_SUBSCRIPTION_ID     = coalesce(var.azure_subscription_id, "unset")
  }
  # Vault: the official Vault provider's dynamic credentials, and a generic workload identity
  # token (TFC_WORKLOAD_IDENTITY_TOKEN) for the ff provider's Vault JWT login, which reads
  # VAULT_ADDR.
  vault_dynamic = {
    TFC_VAULT_PROVIDER_AUTH        = "true"
    TFC_VAULT_ADDR                 = coalesce(var.vault_address, "unset")
    TFC_VAULT_RUN_ROLE             = var.vault_run_role
    TFC_VAULT_AUTH_PATH            = var.vault_auth_path
    TFC_WORKLOAD_IDENTITY_AUDIENCE = var.workload_identity_audience
    VAULT_ADDR                     = coalesce(var.vault_address, "unset")
  }
  dynamic_env = merge(
    { for k, v in local.aws_dynamic : k => v if local.oidc && var.cloud == "aws" },
    { for k, v in local.azure_dynamic : k => v if local.oidc && var.cloud == "azure" },
    { for k, v in local.vault_dynamic : k => v if var.vault_address != null },
  )

  # Static keys (opt-in): the variable names depend on the cloud only, so they can key
  # for_each while the values stay sensitive.
  credential_names = local.oidc ? [] : {
    aws   = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    azure = ["ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]
  }[var.cloud]

  credential_values = var.cloud == "aws" ? tomap({
    AWS_ACCESS_KEY_ID     = try(var.aws_credentials.access_key_id, null)
    AWS_SECRET_ACCESS_KEY = try(var.aws_credentials.secret_access_key, null)
    }) : tomap({
    ARM_CLIENT_ID       = try(var.azure_credentials.client_id, null)
    ARM_CLIENT_SECRET   = try(var.azure_credentials.client_secret, null)
    ARM_TENANT_ID       = try(var.azure_credentials.tenant_id, null)
    ARM_SUBSCRIPTION_ID = try(var.azure_credentials.subscription_id, null)
  })
}

resource "gitlab_project" "this" {
  name                            = var.names.repository
  path                            = var.names.repository
  namespace_id                    = var.gitlab_namespace_id
  description                     = "Infrastructure of deployment ${var.deployment_key}, run by Terraform Cloud workspace ${var.names.workspace}."
  visibility_level                = "private"
  use_custom_template             = true
  template_project_id             = var.template_project_id
  group_with_project_templates_id = var.group_with_project_templates_id
  default_branch                  = var.branch
}

resource "tfe_workspace" "this" {
  name              = var.names.workspace
  organization      = var.organization
  project_id        = var.project_id
  description       = "Deployment ${var.deployment_key}: infrastructure and platform from GitLab project ${gitlab_project.this.path_with_namespace}."
  terraform_version = var.terraform_version
  working_directory = var.working_directory
  auto_apply        = var.auto_apply
  queue_all_runs    = false

  vcs_repo {
    identifier     = gitlab_project.this.path_with_namespace
    branch         = var.branch
    oauth_token_id = var.vcs_oauth_token_id
  }

  lifecycle {
    precondition {
      condition     = local.oidc || (var.cloud == "aws" ? var.aws_credentials != null : var.azure_credentials != null)
      error_message = "With credentials_mode = \"static\", the cloud \"aws\" needs aws_credentials and the cloud \"azure\" needs azure_credentials."
    }
    precondition {
      condition     = local.oidc == false || (var.cloud == "aws" ? var.aws_run_role_arn != null : (var.azure_run_client_id != null && var.azure_tenant_id != null && var.azure_subscription_id != null))
      error_message = "Dynamic credentials (the default) need aws_run_role_arn for the cloud \"aws\", and azure_run_client_id, azure_tenant_id and azure_subscription_id for \"azure\" (see modules/tfc-aws-trust and modules/tfc-azure-trust)."
    }
    precondition {
      condition     = var.vault_address == null || var.vault_run_role != null
      error_message = "vault_address needs vault_run_role: the Vault JWT role the runs log in with."
    }
  }
}

resource "tfe_variable" "dynamic" {
  for_each = local.dynamic_env

  workspace_id = tfe_workspace.this.id
  category     = "env"
  key          = each.key
  value        = each.value
  sensitive    = false
  description  = "Dynamic credentials of deployment ${var.deployment_key} (no secret)"
}

# Only with credentials_mode = "static": long-lived keys, sensitive.
resource "tfe_variable" "credentials" {
  for_each = toset(local.credential_names)

  workspace_id = tfe_workspace.this.id
  category     = "env"
  key          = each.key
  value        = local.credential_values[each.key]
  sensitive    = true
  description  = "Cloud credentials of deployment ${var.deployment_key}"
}

resource "tfe_variable" "extra_sensitive" {
  for_each = nonsensitive(toset(keys(var.extra_sensitive_env)))

  workspace_id = tfe_workspace.this.id
  category     = "env"
  key          = each.key
  value        = var.extra_sensitive_env[each.key]
  sensitive    = true
}

resource "tfe_variable" "extra" {
  for_each = var.extra_env

  workspace_id = tfe_workspace.this.id
  category     = "env"
  key          = each.key
  value        = each.value
  sensitive    = false
}
