variable "deployment_key" {
  description = "The customer's deployment key."
  type        = string
  default     = "WM-Prod"

  validation {
    condition     = can(regex("^[A-Za-z](-?[A-Za-z0-9])+$", var.deployment_key)) && length(var.deployment_key) <= 32
    error_message = "The deployment_key must be 2 to 32 letters, digits and single hyphens, starting with a letter."
  }
}

variable "location" {
  description = "Azure region of the deployment."
  type        = string
  default     = "westeurope"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "The location must be an Azure region name in lower case without spaces, such as \"westeurope\"."
  }
}

variable "jumpbox_ssh_public_key" {
  description = "OpenSSH public key of the jumpbox's administrator."
  type        = string

  validation {
    condition     = can(regex("^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp[0-9]+) [A-Za-z0-9+/=]+", var.jumpbox_ssh_public_key))
    error_message = "The jumpbox_ssh_public_key must be an OpenSSH public key (ssh-rsa, ssh-ed25519 or ecdsa-sha2-*)."
  }
}

variable "deletion_protection" {
  description = "Keep true for a real customer; set false (and apply) before a deliberate destroy."
  type        = bool
  default     = true
}
