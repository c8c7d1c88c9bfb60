# Phase 2 from one module call: the deployment's private GitLab project, created from the
# infrastructure template, and the Terraform Cloud workspace that runs it, named by the
# deployment key and holding the cloud credentials as sensitive environment variables.

locals {
  # The variable names depend on the cloud only, so they can key for_each while the values
  # stay sensitive.
  credential_names = {
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
      condition     = var.cloud == "aws" ? var.aws_credentials != null : var.azure_credentials != null
      error_message = "The cloud \"aws\" needs aws_credentials and the cloud \"azure\" needs azure_credentials."
    }
  }
}

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
