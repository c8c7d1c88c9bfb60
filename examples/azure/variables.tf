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

variable "ingress_manifest" {
  description = "The ingress controller's release manifest and the SHA-256 of the file you reviewed, such as ingress-nginx's deploy/static/provider/cloud/deploy.yaml of a release. Null: no ingress controller."
  type = object({
    url    = string
    sha256 = string
  })
  default = null

  validation {
    condition     = var.ingress_manifest == null || can(regex("^[0-9a-f]{64}$", var.ingress_manifest.sha256))
    error_message = "The ingress_manifest must be null or carry a sha256 of 64 lower-case hex digits."
  }
}

variable "argocd_manifest" {
  description = "ArgoCD's install.yaml of a release and the SHA-256 of the file you reviewed. Null: no ArgoCD and no app-of-apps."
  type = object({
    url    = string
    sha256 = string
  })
  default = null

  validation {
    condition     = var.argocd_manifest == null || can(regex("^[0-9a-f]{64}$", var.argocd_manifest.sha256))
    error_message = "The argocd_manifest must be null or carry a sha256 of 64 lower-case hex digits."
  }
}

variable "proxy_url" {
  description = "SOCKS5 or HTTP proxy that reaches the private API server (a tunnel through the jumpbox); null when Terraform runs inside the virtual network."
  type        = string
  default     = null

  validation {
    condition     = var.proxy_url == null || can(regex("^(socks5h?|https?)://", var.proxy_url))
    error_message = "The proxy_url must be null or a socks5:// or http:// URL."
  }
}
