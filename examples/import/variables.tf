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

variable "domain" {
  description = "DNS domain of the deployment's applications, from which the Auth0 application's callback and the API's identifier derive."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.domain))
    error_message = "The domain must be a lower-case DNS name such as \"wm-prod.example.com\"."
  }
}

variable "auth0_domain" {
  description = "Domain of the Auth0 tenant, as the bootstrap published it to the applications (null: not published)."
  type        = string
  default     = null

  validation {
    condition     = var.auth0_domain == null || can(regex("^[a-z0-9.-]+$", var.auth0_domain))
    error_message = "The auth0_domain must be null or a host name such as \"wm-prod.eu.auth0.com\"."
  }
}

variable "cluster_endpoint" {
  description = "URL of the cluster's Kubernetes API."
  type        = string

  validation {
    condition     = can(regex("^https://", var.cluster_endpoint))
    error_message = "The cluster_endpoint must be an https:// URL."
  }
}

variable "cluster_ca_certificate" {
  description = "PEM certificate of the cluster's certificate authority (null: the system's roots)."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_ca_certificate == null || can(regex("-----BEGIN CERTIFICATE-----", var.cluster_ca_certificate))
    error_message = "The cluster_ca_certificate must be null or a PEM certificate."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster, for its token (with cloud = \"aws\")."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_name == null || can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.cluster_name))
    error_message = "The cluster_name must be null or an EKS cluster name."
  }
}

variable "proxy_url" {
  description = "SOCKS5 or HTTP proxy that reaches a private API endpoint (null: direct)."
  type        = string
  default     = null

  validation {
    condition     = var.proxy_url == null || can(regex("^(socks5h?|https?)://", var.proxy_url))
    error_message = "The proxy_url must be null or a socks5:// or http:// URL."
  }
}

variable "coredns_forward_zones" {
  description = "Zones the bootstrap forwards in CoreDNS, zone → upstream servers."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for zone, servers in var.coredns_forward_zones : length(servers) > 0])
    error_message = "Every zone of coredns_forward_zones needs at least one upstream server."
  }
}

variable "ingress_manifest" {
  description = "The ingress controller's release manifest and its SHA-256, as the bootstrap applied it (null: none)."
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
  description = "ArgoCD's release manifest and its SHA-256, as the bootstrap applied it (null: none)."
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

variable "platform_repository" {
  description = "The repository of ArgoCD's app-of-apps: url, path and target_revision (null: none)."
  type = object({
    url             = string
    path            = string
    target_revision = string
  })
  default = null

  validation {
    condition     = var.platform_repository == null || can(regex("^(https://|ssh://|git@)", var.platform_repository.url))
    error_message = "The platform_repository must be null or have an https://, ssh:// or git@ url."
  }
}

variable "rbac" {
  description = "Groups bound to a ClusterRole cluster-wide, group → ClusterRole."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for group, role in var.rbac : length(group) > 0 && length(role) > 0])
    error_message = "Every group and ClusterRole of rbac must be non-empty."
  }
}
