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
}

variable "kube_ca" {
  description = "PEM CA of that API server (scripts/run-local.sh sets TF_VAR_kube_ca)."
  type        = string
}

variable "ingress_manifest" {
  description = "Release manifest of the ingress controller and its SHA-256 (the sandbox serves one)."
  type        = object({ url = string, sha256 = string })
}

variable "argocd_manifest" {
  description = "Release manifest of ArgoCD and its SHA-256 (the sandbox serves one)."
  type        = object({ url = string, sha256 = string })
}
