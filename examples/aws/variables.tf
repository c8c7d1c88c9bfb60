variable "deployment_key" {
  description = "The customer's deployment key."
  type        = string
  default     = "WM-Prod"

  validation {
    condition     = can(regex("^[A-Za-z](-?[A-Za-z0-9])+$", var.deployment_key)) && length(var.deployment_key) <= 32
    error_message = "The deployment_key must be 2 to 32 letters, digits and single hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the deployment."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "The region must be an AWS region name such as \"eu-west-1\"."
  }
}

variable "deletion_protection" {
  description = "Keep true for a real customer; set false (and apply) before a deliberate destroy."
  type        = bool
  default     = true
}

variable "domain" {
  description = "DNS domain of the deployment's applications: the module's Auth0 applications (portal, argocd) and API (https://api.DOMAIN) derive from it."
  type        = string
  default     = "wm-prod.example.com"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.domain))
    error_message = "The domain must be a lower-case DNS name such as \"wm-prod.example.com\"."
  }
}

variable "auth0_domain" {
  description = "Domain of the Auth0 tenant the applications sign in with, published to them in the cluster."
  type        = string
  default     = "wm-prod.eu.auth0.com"

  validation {
    condition     = can(regex("^[a-z0-9.-]+$", var.auth0_domain))
    error_message = "The auth0_domain must be a host name such as \"wm-prod.eu.auth0.com\"."
  }
}

variable "ingress_manifest" {
  description = "The ingress controller's release manifest and the SHA-256 of the file you reviewed, such as ingress-nginx's deploy/static/provider/aws/deploy.yaml of a release. Null: the release the provider pins (ingress-nginx v1.15.1)."
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
  description = "ArgoCD's install.yaml of a release and the SHA-256 of the file you reviewed. Null: the release the provider pins (ArgoCD v3.5.1)."
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

variable "platform_repository_url" {
  description = "The deployment's Git repository, which ArgoCD's app-of-apps follows (path `apps`, branch `main`)."
  type        = string
  default     = "https://gitlab.example.com/customers/wm-prod/platform.git"

  validation {
    condition     = can(regex("^(https://|ssh://|git@)", var.platform_repository_url))
    error_message = "The platform_repository_url must be an https://, ssh:// or git@ URL."
  }
}

variable "proxy_url" {
  description = "SOCKS5 or HTTP proxy that reaches the private API endpoint (a tunnel through the jumpbox); null when Terraform runs inside the VPC."
  type        = string
  default     = null

  validation {
    condition     = var.proxy_url == null || can(regex("^(socks5h?|https?)://", var.proxy_url))
    error_message = "The proxy_url must be null or a socks5:// or http:// URL."
  }
}

variable "vault_jwt_role" {
  description = "In HCP Terraform: the Vault JWT role the ff provider logs in with, using the run's workload identity token (set TFC_WORKLOAD_IDENTITY_AUDIENCE in the workspace). Null: VAULT_TOKEN."
  type        = string
  default     = null

  validation {
    condition     = var.vault_jwt_role == null || can(regex("^[A-Za-z0-9_.-]+$", var.vault_jwt_role))
    error_message = "The vault_jwt_role must be null or a Vault role name."
  }
}
