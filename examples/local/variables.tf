variable "deployment_key" {
  description = "The deployment key: 2 to 32 letters, digits and single hyphens, starting with a letter."
  type        = string
  default     = "WM-Prod"

  validation {
    condition     = can(regex("^[A-Za-z](-?[A-Za-z0-9])+$", var.deployment_key)) && length(var.deployment_key) <= 32
    error_message = "The deployment key must be 2 to 32 letters, digits and single hyphens, starting with a letter."
  }
}
