variable "deployment_key" {
  description = "The deployment key, such as \"WM-Prod\": 2 to 32 letters, digits and single hyphens, starting with a letter. Every name of the deployment derives from it; changing it replaces the deployment."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z](-?[A-Za-z0-9])+$", var.deployment_key)) && length(var.deployment_key) <= 32
    error_message = "The deployment_key must be 2 to 32 letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "display_name" {
  description = "Human-readable name of the deployment (the Grafana folder's title); null uses the key."
  type        = string
  default     = null

  validation {
    condition     = var.display_name == null || can(regex("[^ ]", var.display_name))
    error_message = "The display_name must not be empty or blank; leave it null to use the key."
  }
}

variable "labels" {
  description = "Labels of the deployment: added to every cloud tag set and Kubernetes label set. Keys are lower-case letters, digits, '-', '_' and '.'."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.labels) : can(regex("^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$", k))])
    error_message = "Every label key must be 1 to 63 lower-case letters, digits, '-', '_' and '.', starting and ending with a letter or digit."
  }
}

variable "generated_secrets" {
  description = "Names of secrets generated inside Vault under the deployment's path; their values never enter the Terraform state."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.generated_secrets : can(regex("^[a-z0-9]([a-z0-9_-]{0,30}[a-z0-9])?$", name)) && !contains(["deployment", "grafana", "auth0", "argocd", "git"], name)])
    error_message = "Every generated secret name must be 1 to 32 lower-case letters, digits, \"-\" and \"_\", starting and ending with a letter or digit, and not one of the names the provider reserves (deployment, grafana, auth0, argocd, git)."
  }
}

variable "grafana_datasource" {
  description = "An optional Grafana data source for the deployment: `type` (plugin, such as \"prometheus\") and `url`."
  type = object({
    type = string
    url  = string
  })
  default = null

  validation {
    condition     = var.grafana_datasource == null || can(regex("^https?://", var.grafana_datasource.url)) && can(regex("^[a-z0-9-]+$", var.grafana_datasource.type))
    error_message = "The grafana_datasource must be null or have a plugin type such as \"prometheus\" and an http(s) URL."
  }
}

variable "deletion_protection" {
  description = "While true, destroying the deployment's Vault and Grafana objects fails; set it to false (and apply) before a deliberate destroy."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  description = "IPv4 range of the deployment's VPC, a /16 to /20."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.vpc_cidr))
    error_message = "The vpc_cidr must be an IPv4 CIDR block with a prefix length from 16 to 20."
  }
}

variable "availability_zone_count" {
  description = "Number of availability zones the cluster spans (2 to 6)."
  type        = number
  default     = 3

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 6 && floor(var.availability_zone_count) == var.availability_zone_count
    error_message = "The availability_zone_count must be a whole number from 2 to 6."
  }
}

variable "cluster_version" {
  description = "Kubernetes version of the EKS control plane, such as \"1.31\"."
  type        = string
  default     = "1.31"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.cluster_version))
    error_message = "The cluster_version must be a Kubernetes minor version such as \"1.31\"."
  }
}

variable "node_instance_types" {
  description = "EC2 instance types of the cluster's managed node group."
  type        = list(string)
  default     = ["m5.large"]

  validation {
    condition     = length(var.node_instance_types) > 0
    error_message = "The node_instance_types must list at least one EC2 instance type."
  }
}

variable "node_scaling" {
  description = "Size of the node group: `min` <= `desired` <= `max` nodes."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = {
    min     = 2
    desired = 2
    max     = 4
  }

  validation {
    condition     = var.node_scaling.min >= 0 && var.node_scaling.max >= 1 && var.node_scaling.min <= var.node_scaling.desired && var.node_scaling.desired <= var.node_scaling.max
    error_message = "The node_scaling must satisfy 0 <= min <= desired <= max and max >= 1."
  }
}

variable "jumpbox_instance_type" {
  description = "EC2 instance type of the jumpbox."
  type        = string
  default     = "t3.micro"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.jumpbox_instance_type))
    error_message = "The jumpbox_instance_type must be an EC2 instance type such as \"t3.micro\"."
  }
}

# --- Auth0, published to the applications in the cluster -------------------------------

variable "auth0_client_ids" {
  description = "Auth0 client id of each application, by name: `ff_auth0_tenant_setup.NAME.client_ids` of the deployment's setup, which the root module declares (see the README). Published to the applications in the cluster with `auth0_domain` and `auth0_audience`."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name, id in var.auth0_client_ids : can(regex("^[a-z0-9_-]{1,32}$", name)) && length(id) > 0])
    error_message = "Every key of auth0_client_ids must be an application name (1 to 32 lower-case letters, digits, \"-\" and \"_\") and every value a non-empty client id."
  }
}

variable "auth0_audience" {
  description = "Identifier (audience) of the deployment's Auth0 API, such as \"https://api.wm-prod.example.com\"; published to the applications in the cluster. Null: not published."
  type        = string
  default     = null

  validation {
    condition     = var.auth0_audience == null || can(regex("^[^ ]+$", var.auth0_audience))
    error_message = "The auth0_audience must be null or an API identifier without spaces."
  }
}

variable "auth0_domain" {
  description = "Domain of the Auth0 tenant the applications sign in with, such as \"wm-prod.eu.auth0.com\"; published to the applications in the cluster (not used to reach Auth0, which the provider's settings do). Null: not published."
  type        = string
  default     = null

  validation {
    condition     = var.auth0_domain == null || can(regex("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$", var.auth0_domain))
    error_message = "The auth0_domain must be null or a host name such as \"wm-prod.eu.auth0.com\", without scheme or path."
  }
}

# --- The platform on the cluster (ff_platform_bootstrap) -------------------------------

variable "proxy_url" {
  description = "Proxy through which the provider reaches the cluster's private API endpoint, such as \"socks5://127.0.0.1:1080\" for a tunnel through the jumpbox. Null: Terraform runs where the endpoint answers (inside the VPC, such as a Terraform Cloud agent there)."
  type        = string
  default     = null

  validation {
    condition     = var.proxy_url == null || can(regex("^(socks5h?|https?)://[^/ ]+/?$", var.proxy_url))
    error_message = "The proxy_url must be null or a socks5://, socks5h://, http:// or https:// URL such as \"socks5://127.0.0.1:1080\"."
  }
}

variable "app_namespaces" {
  description = "Namespaces of the deployment's applications: created, given the deployment's metadata ConfigMap and bound to its Vault role. Null: one namespace named by the deployment's slug."
  type        = list(string)
  default     = null

  validation {
    condition     = var.app_namespaces == null || try(length(var.app_namespaces) > 0 && alltrue([for ns in var.app_namespaces : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", ns))]), false)
    error_message = "The app_namespaces must be null or a non-empty list of Kubernetes namespace names (lower-case letters, digits and '-', at most 63)."
  }
}

variable "coredns_forward_zones" {
  description = "Internal DNS zones CoreDNS forwards, zone → upstream DNS servers, such as { \"corp.example\" = [\"10.0.0.2\"] }. Only the deployment's own part of the CoreDNS configuration is changed."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for zone, servers in var.coredns_forward_zones : can(regex("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\\.?$", zone)) && length(servers) > 0 && alltrue([for s in servers : can(regex("^([0-9]{1,3}\\.){3}[0-9]{1,3}(:[0-9]{1,5})?$", s))])])
    error_message = "Every key of coredns_forward_zones must be a DNS zone and every value a non-empty list of IPv4 addresses (optionally with :port)."
  }
}

variable "ingress_manifest" {
  description = "The ingress controller's release manifest, `{ url, sha256 }`: the provider downloads it, refuses it unless its SHA-256 matches, labels every object with the deployment and makes its load balancers internal. Null: no ingress controller."
  type = object({
    url    = string
    sha256 = string
  })
  default = null

  validation {
    condition     = var.ingress_manifest == null || try(can(regex("^https?://", var.ingress_manifest.url)) && can(regex("^[0-9a-f]{64}$", var.ingress_manifest.sha256)), false)
    error_message = "The ingress_manifest must be null or have an http(s) url and the sha256 of the file as 64 lower-case hex digits."
  }
}

variable "argocd_manifest" {
  description = "ArgoCD's release manifest (its `install.yaml`), `{ url, sha256 }`, pinned by its SHA-256 as `ingress_manifest`. Null: no ArgoCD (and no `platform_repository`)."
  type = object({
    url    = string
    sha256 = string
  })
  default = null

  validation {
    condition     = var.argocd_manifest == null || try(can(regex("^https?://", var.argocd_manifest.url)) && can(regex("^[0-9a-f]{64}$", var.argocd_manifest.sha256)), false)
    error_message = "The argocd_manifest must be null or have an http(s) url and the sha256 of the file as 64 lower-case hex digits."
  }
}

variable "platform_repository" {
  description = "The deployment's Git repository ArgoCD's app-of-apps follows: `url`, `path` of the applications in it and `target_revision` (branch, tag or commit). Needs `argocd_manifest`. Null: no app-of-apps."
  type = object({
    url             = string
    path            = string
    target_revision = string
  })
  default = null

  validation {
    condition     = var.platform_repository == null || try(can(regex("^(https://|ssh://|git@)[^ ]+$", var.platform_repository.url)) && length(var.platform_repository.path) > 0 && length(var.platform_repository.target_revision) > 0, false)
    error_message = "The platform_repository must be null or have an https://, ssh:// or git@ url and a non-empty path and target_revision."
  }
}

variable "platform_repository_credentials" {
  description = "Name of the Vault secret under the deployment's path that holds the Git credentials of `platform_repository` (keys `username` and `password`, or `sshPrivateKey`); they are read at apply, never stored in the state. Empty: a public repository."
  type        = string
  default     = "git"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9_-]{0,30}[a-z0-9])?)?$", var.platform_repository_credentials))
    error_message = "The platform_repository_credentials must be empty or a secret name of 1 to 32 lower-case letters, digits, \"-\" and \"_\"."
  }
}

variable "rbac" {
  description = "Groups of the identity provider → the ClusterRole each is bound to cluster-wide, such as { \"wm-prod-admins\" = \"cluster-admin\" }."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for group, role in var.rbac : length(group) > 0 && can(regex("^[a-z0-9]([-a-z0-9:.]*[a-z0-9])?$", role))])
    error_message = "Every key of rbac must be a non-empty group name and every value a ClusterRole name such as \"view\", \"edit\" or \"cluster-admin\"."
  }
}
