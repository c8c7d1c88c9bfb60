variable "application_id" {
  description = "Resource id of the Entra ID application the runs authenticate as (`azuread_application.x.id`, \"/applications/<object id>\"); give it the role assignments the deployments need."
  type        = string

  validation {
    condition     = can(regex("^/applications/[0-9a-fA-F-]{36}$", var.application_id))
    error_message = "The application_id must be an application's resource id such as \"/applications/00000000-0000-0000-0000-000000000000\"."
  }
}

variable "client_id" {
  description = "Client (application) id of that application: the workspaces' TFC_AZURE_RUN_CLIENT_ID."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.client_id))
    error_message = "The client_id must be a GUID."
  }
}

variable "organization" {
  description = "HCP Terraform organization whose runs may authenticate."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.organization))
    error_message = "The organization must be an HCP Terraform organization name: letters, digits, '-' and '_'."
  }
}

variable "workspaces" {
  description = "Workspace name → the name of its HCP Terraform project (\"Default Project\" when the workspace is in none)."
  type        = map(string)

  validation {
    condition     = length(var.workspaces) > 0 && alltrue([for w, p in var.workspaces : can(regex("^[A-Za-z0-9_-]{1,90}$", w)) && length(p) > 0 && !can(regex(":", p))])
    error_message = "The workspaces must be a non-empty map of workspace names (letters, digits, '-' and '_') to project names (not empty, without ':')."
  }
}

variable "run_phases" {
  description = "The run phases that get a credential: \"plan\", \"apply\" or both."
  type        = list(string)
  default     = ["plan", "apply"]

  validation {
    condition     = length(var.run_phases) > 0 && alltrue([for p in var.run_phases : contains(["plan", "apply"], p)])
    error_message = "The run_phases must be a non-empty list of \"plan\" and \"apply\"."
  }
}

variable "hostname" {
  description = "Hostname of the token issuer: app.terraform.io for HCP Terraform, or a Terraform Enterprise hostname (Entra ID must reach it over HTTPS with a publicly trusted certificate)."
  type        = string
  default     = "app.terraform.io"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]+)?$", var.hostname))
    error_message = "The hostname must be a DNS name such as \"app.terraform.io\", without scheme or path."
  }
}

variable "audience" {
  description = "Audience of the tokens: Azure's \"api://AzureADTokenExchange\", HCP Terraform's default for Azure (a workspace's TFC_AZURE_WORKLOAD_IDENTITY_AUDIENCE changes it)."
  type        = string
  default     = "api://AzureADTokenExchange"

  validation {
    condition     = length(var.audience) > 0
    error_message = "The audience must not be empty."
  }
}
