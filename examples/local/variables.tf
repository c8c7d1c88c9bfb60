variable "deployment_key" {
  description = "The deployment key: 2 to 32 letters, digits and single hyphens, starting with a letter."
  type        = string
  default     = "WM-Prod"

  validation {
    condition     = can(regex("^[A-Za-z](-?[A-Za-z0-9])+$", var.deployment_key)) && length(var.deployment_key) <= 32
    error_message = "The deployment key must be 2 to 32 letters, digits and single hyphens, starting with a letter."
  }
}

variable "kube_host" {
  description = "API server of the cluster to bootstrap (the sandbox's: scripts/run-local.sh sets TF_VAR_kube_host)."
  type        = string

  validation {
    condition     = can(regex("^https://", var.kube_host))
    error_message = "The API server must be an https:// URL."
  }
}

variable "kube_ca" {
  description = "PEM CA of that API server (scripts/run-local.sh sets TF_VAR_kube_ca)."
  type        = string

  validation {
    condition     = can(regex("-----BEGIN CERTIFICATE-----", var.kube_ca))
    error_message = "The CA must be a PEM certificate."
  }
}

variable "ingress_manifest" {
  description = "Release manifest of the ingress controller and its SHA-256 (the sandbox serves one)."
  type        = object({ url = string, sha256 = string })

  validation {
    condition     = can(regex("^https?://", var.ingress_manifest.url)) && can(regex("^[0-9a-f]{64}$", var.ingress_manifest.sha256))
    error_message = "The manifest needs an http(s) URL and a 64-character hex SHA-256."
  }
}

variable "argocd_manifest" {
  description = "Release manifest of ArgoCD and its SHA-256 (the sandbox serves one)."
  type        = object({ url = string, sha256 = string })

  validation {
    condition     = can(regex("^https?://", var.argocd_manifest.url)) && can(regex("^[0-9a-f]{64}$", var.argocd_manifest.sha256))
    error_message = "The manifest needs an http(s) URL and a 64-character hex SHA-256."
  }
}
