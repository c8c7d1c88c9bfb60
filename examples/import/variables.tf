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

  validation {
    condition     = var.display_name == null || can(regex("[^ ]", var.display_name))
    error_message = "The display_name must not be empty or blank; leave it null to use the key."
  }
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

  validation {
    condition     = var.region == null || can(regex("^[a-z][a-z0-9-]+$", var.region))
    error_message = "The region must be null or a region name such as \"eu-west-1\" or \"westeurope\"."
  }
}

variable "labels" {
  description = "Labels the deployment has."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.labels) : can(regex("^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$", k))])
    error_message = "Every label key must be 1 to 63 lower-case letters, digits, \"-\", \"_\" and \".\", starting and ending with a letter or digit."
  }
}

variable "generated_secrets" {
  description = "Names of the secrets generated in Vault for the deployment; existing values are kept, never regenerated."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.generated_secrets : can(regex("^[a-z0-9]([a-z0-9_-]{0,30}[a-z0-9])?$", name))])
    error_message = "Every generated secret name must be 1 to 32 lower-case letters, digits, \"-\" and \"_\", starting and ending with a letter or digit."
  }
}

variable "deletion_protection" {
  description = "Whether destroying the deployment is refused."
  type        = bool
  default     = true
}
