variable "names" {
  description = "Names from `ff_deployment.names`: `workspace` (the Terraform Cloud workspace) and `repository` (path and name of the GitLab project). Extra keys are ignored."
  type = object({
    workspace  = string
    repository = string
  })

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,90}$", var.names.workspace))
    error_message = "The names.workspace must be 1 to 90 letters, digits, '-' and '_' (a Terraform Cloud workspace name)."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]*$", var.names.repository))
    error_message = "The names.repository must be letters, digits, '_', '-' and '.', not starting with '-' or '.' (a GitLab project path)."
  }
}

variable "deployment_key" {
  description = "The deployment key, recorded in the workspace's description and the project's description."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z](-?[A-Za-z0-9])+$", var.deployment_key)) && length(var.deployment_key) <= 32
    error_message = "The deployment_key must be 2 to 32 letters, digits and single hyphens, starting with a letter."
  }
}

variable "organization" {
  description = "Terraform Cloud organization that owns the workspace."
  type        = string

  validation {
    condition     = length(var.organization) > 0
    error_message = "The organization must not be empty."
  }
}

variable "project_id" {
  description = "Terraform Cloud project of the workspace (`prj-...`); null puts it in the organization's default project."
  type        = string
  default     = null

  validation {
    condition     = var.project_id == null || can(regex("^prj-[A-Za-z0-9]+$", var.project_id))
    error_message = "The project_id must be null or a project id such as \"prj-AbC123\"."
  }
}

variable "terraform_version" {
  description = "Terraform version the workspace runs, such as \"1.9.8\"; null uses the organization's default."
  type        = string
  default     = null

  validation {
    condition     = var.terraform_version == null || can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.terraform_version))
    error_message = "The terraform_version must be null or a version such as \"1.9.8\"."
  }
}

variable "cloud" {
  description = "Cloud of the deployment, which decides the credentials the workspace gets: \"aws\" (`aws_credentials`) or \"azure\" (`azure_credentials`)."
  type        = string

  validation {
    condition     = contains(["aws", "azure"], var.cloud)
    error_message = "The cloud must be \"aws\" or \"azure\"."
  }
}

variable "aws_credentials" {
  description = "AWS access key of the workspace's runs (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), stored as sensitive environment variables; required when `cloud` is \"aws\"."
  type = object({
    access_key_id     = string
    secret_access_key = string
  })
  default   = null
  sensitive = true

  validation {
    condition     = var.aws_credentials == null || can(regex("^[A-Z0-9]{16,128}$", var.aws_credentials.access_key_id)) && can(regex("[^ ]", var.aws_credentials.secret_access_key))
    error_message = "The aws_credentials must be null or hold an access key id (16 to 128 upper-case letters and digits) and a non-empty secret access key."
  }
}

variable "azure_credentials" {
  description = "Azure service principal of the workspace's runs (ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID), stored as sensitive environment variables; required when `cloud` is \"azure\"."
  type = object({
    client_id       = string
    client_secret   = string
    tenant_id       = string
    subscription_id = string
  })
  default   = null
  sensitive = true

  validation {
    condition     = var.azure_credentials == null || alltrue([for id in [try(var.azure_credentials.client_id, ""), try(var.azure_credentials.tenant_id, ""), try(var.azure_credentials.subscription_id, "")] : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))]) && can(regex("[^ ]", var.azure_credentials.client_secret))
    error_message = "The azure_credentials must be null or hold UUIDs as client_id, tenant_id and subscription_id and a non-empty client_secret."
  }
}

variable "extra_sensitive_env" {
  description = "More sensitive environment variables of the runs, by name: typically the ff provider's VAULT_TOKEN, GRAFANA_AUTH and AUTH0_CLIENT_SECRET."
  type        = map(string)
  default     = {}
  sensitive   = true

  validation {
    condition     = alltrue([for k in keys(var.extra_sensitive_env) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))])
    error_message = "Every extra_sensitive_env name must be an environment variable name: letters, digits and \"_\", not starting with a digit."
  }
}

variable "extra_env" {
  description = "Non-secret environment variables of the runs, by name: typically VAULT_ADDR, GRAFANA_URL, AUTH0_DOMAIN, AUTH0_CLIENT_ID."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.extra_env) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))])
    error_message = "Every extra_env name must be an environment variable name: letters, digits and \"_\", not starting with a digit."
  }
}

variable "working_directory" {
  description = "Directory of the repository that holds the deployment's root module; \"\" is the repository's root."
  type        = string
  default     = ""

  validation {
    condition     = !can(regex("^/", var.working_directory)) && !can(regex("\\.\\.", var.working_directory))
    error_message = "The working_directory must be a relative path inside the repository, without \"..\"."
  }
}

variable "vcs_oauth_token_id" {
  description = "OAuth token id (`ot-...`) of the Terraform Cloud VCS connection to GitLab that links the workspace to the project."
  type        = string

  validation {
    condition     = can(regex("^ot-[A-Za-z0-9]+$", var.vcs_oauth_token_id))
    error_message = "The vcs_oauth_token_id must be an OAuth token id such as \"ot-AbC123\"."
  }
}

variable "branch" {
  description = "Branch of the project that the workspace follows."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9._/-]*$", var.branch)) && !can(regex("\\.\\.|//|/$|\\.lock$", var.branch))
    error_message = "The branch must be a Git branch name such as \"main\"."
  }
}

variable "auto_apply" {
  description = "Whether runs triggered by the repository apply without confirmation."
  type        = bool
  default     = false
}

variable "gitlab_namespace_id" {
  description = "Id of the GitLab group the deployment's project is created in."
  type        = number

  validation {
    condition     = var.gitlab_namespace_id > 0 && floor(var.gitlab_namespace_id) == var.gitlab_namespace_id
    error_message = "The gitlab_namespace_id must be a positive whole number (a GitLab id)."
  }
}

variable "template_project_id" {
  description = "Id of the GitLab project the deployment's project is created from (the infrastructure template, such as one holding `terraform-aws-eks-private`). It must be a custom project template of the instance or of `group_with_project_templates_id`."
  type        = number

  validation {
    condition     = var.template_project_id > 0 && floor(var.template_project_id) == var.template_project_id
    error_message = "The template_project_id must be a positive whole number (a GitLab id)."
  }
}

variable "group_with_project_templates_id" {
  description = "Id of the GitLab group whose subgroup holds the custom project templates; null for instance-level templates."
  type        = number
  default     = null

  validation {
    condition     = var.group_with_project_templates_id == null || try(var.group_with_project_templates_id > 0 && floor(var.group_with_project_templates_id) == var.group_with_project_templates_id, false)
    error_message = "The group_with_project_templates_id must be null or a positive whole number (a GitLab group id)."
  }
}
