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
  description = "Cloud of the deployment, which decides the credentials the workspace's runs get: \"aws\" or \"azure\"."
  type        = string

  validation {
    condition     = contains(["aws", "azure"], var.cloud)
    error_message = "The cloud must be \"aws\" or \"azure\"."
  }
}

variable "credentials_mode" {
  description = "\"dynamic\" (default): HCP Terraform's dynamic provider credentials — the runs get short-lived credentials through OIDC workload identity, the workspace holds no secret (aws_run_role_arn or azure_run_client_id). \"static\": long-lived keys as sensitive variables (aws_credentials or azure_credentials), an explicit opt-in for what cannot use OIDC."
  type        = string
  default     = "dynamic"

  validation {
    condition     = contains(["dynamic", "static"], var.credentials_mode)
    error_message = "The credentials_mode must be \"dynamic\" or \"static\"."
  }
}

variable "aws_run_role_arn" {
  description = "Dynamic credentials on AWS: the role the runs assume (TFC_AWS_RUN_ROLE_ARN), such as modules/tfc-aws-trust's role_arns[workspace]."
  type        = string
  default     = null

  validation {
    condition     = var.aws_run_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.aws_run_role_arn))
    error_message = "The aws_run_role_arn must be null or an IAM role ARN such as \"arn:aws:iam::123456789012:role/tfc-ff-wm-prod\"."
  }
}

variable "azure_run_client_id" {
  description = "Dynamic credentials on Azure: the client id of the application the runs authenticate as (TFC_AZURE_RUN_CLIENT_ID), whose federated identity credentials modules/tfc-azure-trust makes."
  type        = string
  default     = null

  validation {
    condition     = var.azure_run_client_id == null || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.azure_run_client_id))
    error_message = "The azure_run_client_id must be null or a GUID."
  }
}

variable "azure_tenant_id" {
  description = "Dynamic credentials on Azure: the tenant (ARM_TENANT_ID, not a secret)."
  type        = string
  default     = null

  validation {
    condition     = var.azure_tenant_id == null || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.azure_tenant_id))
    error_message = "The azure_tenant_id must be null or a GUID."
  }
}

variable "azure_subscription_id" {
  description = "Dynamic credentials on Azure: the subscription (ARM_SUBSCRIPTION_ID, not a secret)."
  type        = string
  default     = null

  validation {
    condition     = var.azure_subscription_id == null || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.azure_subscription_id))
    error_message = "The azure_subscription_id must be null or a GUID."
  }
}

variable "vault_address" {
  description = "Vault's address for the runs: sets TFC_VAULT_PROVIDER_AUTH, TFC_VAULT_ADDR and TFC_VAULT_RUN_ROLE (the Vault provider's dynamic credentials), TFC_WORKLOAD_IDENTITY_AUDIENCE (a token for the ff provider's auth_login_jwt) and VAULT_ADDR. Null: no Vault variables."
  type        = string
  default     = null

  validation {
    condition     = var.vault_address == null || can(regex("^https?://", var.vault_address))
    error_message = "The vault_address must be null or an http(s) URL."
  }
}

variable "vault_run_role" {
  description = "The Vault JWT auth role the runs log in with (TFC_VAULT_RUN_ROLE; the ff provider's auth_login_jwt.role too)."
  type        = string
  default     = null

  validation {
    condition     = var.vault_run_role == null || can(regex("^[A-Za-z0-9_.-]+$", var.vault_run_role))
    error_message = "The vault_run_role must be null or a Vault role name."
  }
}

variable "vault_auth_path" {
  description = "Mount path of Vault's JWT auth method that trusts HCP Terraform (TFC_VAULT_AUTH_PATH)."
  type        = string
  default     = "jwt"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.vault_auth_path))
    error_message = "The vault_auth_path must be a Vault mount path such as \"jwt\"."
  }
}

variable "workload_identity_audience" {
  description = "Audience of the generic workload identity token every run gets for the ff provider's Vault JWT login (TFC_WORKLOAD_IDENTITY_AUDIENCE): what the Vault role's bound_audiences hold."
  type        = string
  default     = "vault.workload.identity"

  validation {
    condition     = length(var.workload_identity_audience) > 0
    error_message = "The workload_identity_audience must not be empty."
  }
}

variable "aws_credentials" {
  description = "Only with credentials_mode = \"static\": an AWS access key of the workspace's runs (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), stored as sensitive environment variables."
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
  description = "Only with credentials_mode = \"static\": an Azure service principal of the workspace's runs (ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID), stored as sensitive environment variables."
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
  description = "More sensitive environment variables of the runs, by name: typically the ff provider's GRAFANA_AUTH and AUTH0_CLIENT_SECRET (Vault needs none with vault_address)."
  type        = map(string)
  default     = {}
  sensitive   = true

  validation {
    condition     = alltrue([for k in keys(var.extra_sensitive_env) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))])
    error_message = "Every extra_sensitive_env name must be an environment variable name: letters, digits and \"_\", not starting with a digit."
  }
}

variable "extra_env" {
  description = "Non-secret environment variables of the runs, by name: typically GRAFANA_URL, AUTH0_DOMAIN, AUTH0_CLIENT_ID."
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
