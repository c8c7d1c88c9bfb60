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

variable "location" {
  description = "Azure region of the deployment, such as \"westeurope\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "The location must be an Azure region name in lower case without spaces, such as \"westeurope\"."
  }
}

variable "outbound_type" {
  description = "How the cluster's nodes reach the internet: \"loadBalancer\", \"userDefinedRouting\" (through `firewall_private_ip`), \"managedNATGateway\" or \"userAssignedNATGateway\"."
  type        = string
  default     = "loadBalancer"

  validation {
    condition     = contains(["loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway"], var.outbound_type)
    error_message = "The outbound_type must be one of \"loadBalancer\", \"userDefinedRouting\", \"managedNATGateway\" or \"userAssignedNATGateway\"."
  }
}

variable "firewall_private_ip" {
  description = "Private IP address of the firewall egress is routed to with the \"userDefinedRouting\" outbound type."
  type        = string
  default     = null

  validation {
    condition     = var.firewall_private_ip == null || can(regex("^([0-9]{1,3}\\.){3}[0-9]{1,3}$", var.firewall_private_ip))
    error_message = "The firewall_private_ip must be null or an IPv4 address such as \"10.0.0.4\"."
  }
}

variable "vnet_cidr" {
  description = "IPv4 range of the deployment's virtual network, a /16 to /20."
  type        = string
  default     = "10.10.0.0/16"

  validation {
    condition     = can(cidrhost(var.vnet_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.vnet_cidr))
    error_message = "The vnet_cidr must be an IPv4 CIDR block with a prefix length from 16 to 20."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the cluster, such as \"1.31\"; null uses AKS's default."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "The kubernetes_version must be null or a minor version such as \"1.31\"."
  }
}

variable "node_pools" {
  description = "Node pools by name, each with its own `vm_size` (and optionally `node_count`, `min_count`/`max_count`, `os_disk_size_gb`, `zones`, `labels`); the pool named `system` is the default pool and must exist."
  type = map(object({
    vm_size         = string
    node_count      = optional(number, 2)
    min_count       = optional(number)
    max_count       = optional(number)
    os_disk_size_gb = optional(number, 128)
    zones           = optional(list(string), ["1", "2", "3"])
    labels          = optional(map(string), {})
  }))
  default = {
    system = { vm_size = "Standard_D4s_v5" }
  }

  validation {
    condition     = contains(keys(var.node_pools), "system")
    error_message = "The node_pools must contain a pool named \"system\"."
  }
}

variable "admin_group_object_ids" {
  description = "Object ids of Entra ID groups that administer the cluster."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))])
    error_message = "Every admin group object id must be a UUID."
  }
}

variable "resource_providers" {
  description = "Resource providers to register in the subscription (see the cluster module's README before keeping the default in a shared subscription)."
  type        = set(string)
  default = [
    "Microsoft.Compute",
    "Microsoft.ContainerService",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
  ]

  validation {
    condition     = alltrue([for p in var.resource_providers : can(regex("^[A-Z][A-Za-z0-9]*\\.[A-Za-z0-9.]+$", p))])
    error_message = "Every resource provider must be a namespace such as \"Microsoft.ContainerService\"."
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
  description = "Proxy through which the provider reaches the cluster's private API endpoint, such as \"socks5://127.0.0.1:1080\" for a tunnel through the jumpbox. Null: Terraform runs where the endpoint answers (inside the virtual network, such as a Terraform Cloud agent there)."
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
