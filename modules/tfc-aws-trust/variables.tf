variable "organization" {
  description = "HCP Terraform organization whose runs may assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.organization))
    error_message = "The organization must be an HCP Terraform organization name: letters, digits, '-' and '_'."
  }
}

variable "workspaces" {
  description = "Workspace name → the name of its HCP Terraform project (\"Default Project\" when the workspace is in none). Each workspace gets a role; only its runs can assume it."
  type        = map(string)

  validation {
    condition     = length(var.workspaces) > 0 && alltrue([for w, p in var.workspaces : can(regex("^[A-Za-z0-9_-]{1,90}$", w)) && length(p) > 0 && !can(regex(":", p))])
    error_message = "The workspaces must be a non-empty map of workspace names (letters, digits, '-' and '_') to project names (not empty, without ':')."
  }
}

variable "run_phases" {
  description = "The run phases whose tokens may assume the roles: \"plan\", \"apply\" or both (a plan-only role of its own is a module call with [\"plan\"])."
  type        = list(string)
  default     = ["plan", "apply"]

  validation {
    condition     = length(var.run_phases) > 0 && alltrue([for p in var.run_phases : contains(["plan", "apply"], p)])
    error_message = "The run_phases must be a non-empty list of \"plan\" and \"apply\"."
  }
}

variable "hostname" {
  description = "Hostname of the token issuer: app.terraform.io for HCP Terraform, or a Terraform Enterprise hostname such as tfe.example.com."
  type        = string
  default     = "app.terraform.io"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]+)?$", var.hostname))
    error_message = "The hostname must be a DNS name such as \"app.terraform.io\", without scheme or path."
  }
}

variable "audience" {
  description = "Audience of the workload identity tokens: HCP Terraform's default for AWS is \"aws.workload.identity\" (a workspace's TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE changes it)."
  type        = string
  default     = "aws.workload.identity"

  validation {
    condition     = length(var.audience) > 0
    error_message = "The audience must not be empty."
  }
}

variable "create_oidc_provider" {
  description = "Create the IAM OIDC provider for the hostname; false when the account already has one (give its ARN in oidc_provider_arn): an account holds one provider per URL."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of the account's existing IAM OIDC provider for the hostname, when create_oidc_provider is false."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$", var.oidc_provider_arn))
    error_message = "The oidc_provider_arn must be null or an IAM OIDC provider ARN such as \"arn:aws:iam::123456789012:oidc-provider/app.terraform.io\"."
  }
}

variable "thumbprints" {
  description = "SHA-1 thumbprints of the issuer's certificate chain, which AWS provider 3.x and 4.x require (AWS itself trusts app.terraform.io through its root CA and no longer checks them). The default is the one HashiCorp's examples give for app.terraform.io; for Terraform Enterprise give your hostname's."
  type        = list(string)
  default     = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]

  validation {
    condition     = length(var.thumbprints) > 0 && alltrue([for t in var.thumbprints : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "The thumbprints must be a non-empty list of 40 hex digits each."
  }
}

variable "role_name_prefix" {
  description = "Each role is named this prefix followed by the workspace name."
  type        = string
  default     = "tfc-"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{0,30}$", var.role_name_prefix))
    error_message = "The role_name_prefix must be at most 30 of the characters IAM role names allow (letters, digits and +=,.@_-)."
  }
}

variable "policy_arns" {
  description = "Managed policies attached to every role: what the deployments' runs may do (creating the VPC, EKS cluster, node group, KMS key and jumpbox of modules/aws-eks-private)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", a))])
    error_message = "Every policy_arns entry must be an IAM policy ARN."
  }
}

variable "max_session_duration" {
  description = "Longest session of a run, in seconds (3600 to 43200): a run that lasts longer needs more."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "The max_session_duration must be from 3600 to 43200 seconds."
  }
}

variable "tags" {
  description = "Tags of the OIDC provider and the roles."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256 && !can(regex("^aws:", k))])
    error_message = "The tags must have keys of at most 128 characters, not starting with \"aws:\", and values of at most 256."
  }
}
