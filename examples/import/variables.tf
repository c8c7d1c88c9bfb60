variable "deployment_key" {
  description = "Key of the existing deployment; it is also the import id."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z](-?[A-Za-z0-9])+$", var.deployment_key)) && length(var.deployment_key) <= 32
    error_message = "The deployment_key must be 2 to 32 letters, digits and single hyphens, starting with a letter."
  }
}

variable "display_name" {
  description = "Display name the deployment has (null: the key)."
  type        = string
  default     = null
}

variable "cloud" {
  description = "Cloud the deployment runs in: \"aws\" or \"azure\"."
  type        = string

  validation {
    condition     = contains(["aws", "azure"], var.cloud)
    error_message = "The cloud must be \"aws\" or \"azure\"."
  }
}

variable "region" {
  description = "Region the deployment runs in."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels the deployment has."
  type        = map(string)
  default     = {}
}

variable "generated_secrets" {
  description = "Names of the secrets generated in Vault for the deployment; existing values are kept, never regenerated."
  type        = set(string)
  default     = []
}

variable "deletion_protection" {
  description = "Whether destroying the deployment is refused."
  type        = bool
  default     = true
}
