variable "names" {
  description = "Names of the resources, as `ff_deployment.names` derives them from the deployment key: `resource_group`, `vnet`, `cluster` (AKS cluster and its DNS prefix), `managed_identity`, `route_table`, `nat_gateway` (gateway and its public IP) and `jumpbox` (VM, network interface, security group). Extra keys are ignored, so `ff_deployment.names` can be passed as it is."
  type = object({
    resource_group   = string
    vnet             = string
    cluster          = string
    managed_identity = string
    route_table      = string
    nat_gateway      = string
    jumpbox          = string
  })

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,52}[A-Za-z0-9]$", var.names.cluster))
    error_message = "The names.cluster must be 2 to 54 letters, digits and hyphens, starting and ending with a letter or digit (it is also the cluster's DNS prefix)."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them; pass `ff_deployment.tags`."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "Every tag must have a key of 1 to 512 characters without <, >, %, &, \\, ? or / and a value of at most 256 characters, as Azure requires."
  }
}

variable "location" {
  description = "Azure region of every resource, such as \"westeurope\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "The location must be an Azure region name in lower case without spaces, such as \"westeurope\"."
  }
}

variable "vnet_cidr" {
  description = "IPv4 range of the virtual network, a /16 to /20. The node subnet gets its first sixteenth, the jumpbox subnet a /24-equivalent from its last sixteenth."
  type        = string
  default     = "10.10.0.0/16"

  validation {
    condition     = can(cidrhost(var.vnet_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.vnet_cidr))
    error_message = "The vnet_cidr must be an IPv4 CIDR block with a prefix length from 16 to 20, such as \"10.10.0.0/16\"."
  }
}

variable "outbound_type" {
  description = "How the nodes reach the internet: \"loadBalancer\" (AKS's load balancer), \"userDefinedRouting\" (a route table sending 0.0.0.0/0 to `firewall_private_ip`), \"managedNATGateway\" (a NAT gateway AKS manages, in a virtual network AKS manages) or \"userAssignedNATGateway\" (a NAT gateway this module creates on the node subnet)."
  type        = string
  default     = "loadBalancer"

  validation {
    condition     = contains(["loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway"], var.outbound_type)
    error_message = "The outbound_type must be one of \"loadBalancer\", \"userDefinedRouting\", \"managedNATGateway\" or \"userAssignedNATGateway\"."
  }
}

variable "firewall_private_ip" {
  description = "Private IP address of the firewall or network virtual appliance that egress goes through when `outbound_type` is \"userDefinedRouting\"; ignored otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.firewall_private_ip == null || can(regex("^([0-9]{1,3}\\.){3}[0-9]{1,3}$", var.firewall_private_ip))
    error_message = "The firewall_private_ip must be null or an IPv4 address such as \"10.0.0.4\"."
  }
}

variable "nat_gateway_idle_timeout_minutes" {
  description = "Idle timeout of outbound connections through the NAT gateway (either NAT outbound type), in minutes."
  type        = number
  default     = 4

  validation {
    condition     = var.nat_gateway_idle_timeout_minutes >= 4 && var.nat_gateway_idle_timeout_minutes <= 120
    error_message = "The nat_gateway_idle_timeout_minutes must be from 4 to 120."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the cluster, such as \"1.31\" (AKS picks the latest patch); null uses AKS's default."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "The kubernetes_version must be null or a minor version such as \"1.31\"."
  }
}

variable "sku_tier" {
  description = "AKS pricing tier: \"Free\", \"Standard\" (with the uptime SLA) or \"Premium\"."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "The sku_tier must be \"Free\", \"Standard\" or \"Premium\"."
  }
}

variable "node_pools" {
  description = "Node pools by name (1 to 12 lower-case letters and digits, starting with a letter). The pool named `system` is the cluster's default (system) pool and must exist; the others are user pools. Each has its own `vm_size`; `min_count`/`max_count` turn on the autoscaler, otherwise `node_count` nodes run."
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
    error_message = "The node_pools must contain a pool named \"system\" (the cluster's default pool)."
  }

  validation {
    condition     = alltrue([for name in keys(var.node_pools) : can(regex("^[a-z][a-z0-9]{0,11}$", name))])
    error_message = "Every node pool name must be 1 to 12 lower-case letters and digits, starting with a letter."
  }

  validation {
    condition     = alltrue([for pool in values(var.node_pools) : can(regex("^Standard_[A-Za-z0-9_]+$", pool.vm_size))])
    error_message = "Every node pool's vm_size must be an Azure VM size such as \"Standard_D4s_v5\"."
  }

  validation {
    condition     = alltrue([for pool in values(var.node_pools) : (pool.min_count == null) == (pool.max_count == null) && (pool.min_count == null || try(pool.min_count <= pool.max_count, false))])
    error_message = "A node pool sets both min_count and max_count (min_count <= max_count) to autoscale, or neither."
  }
}

variable "admin_group_object_ids" {
  description = "Object ids of Entra ID groups whose members administer the cluster (Azure RBAC \"Azure Kubernetes Service RBAC Cluster Admin\"). The identity running Terraform always gets that role, so that the platform bootstrap can reach the cluster with an Entra ID token."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))])
    error_message = "Every admin group object id must be a UUID."
  }
}

variable "resource_providers" {
  description = "Resource providers this module registers in the subscription (`azurerm_resource_provider_registration`). The azurerm provider must then not register them itself (`resource_provider_registrations = \"none\"` or a set without them); ones already registered must be imported. Destroy unregisters them: pass [] in a subscription that other workloads share."
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

variable "jumpbox_vm_size" {
  description = "Azure VM size of the jumpbox."
  type        = string
  default     = "Standard_B2s"

  validation {
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.jumpbox_vm_size))
    error_message = "The jumpbox_vm_size must be an Azure VM size such as \"Standard_B2s\"."
  }
}

variable "jumpbox_admin_username" {
  description = "Administrator user of the jumpbox."
  type        = string
  default     = "azureuser"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.jumpbox_admin_username)) && !contains(["admin", "root", "administrator"], var.jumpbox_admin_username)
    error_message = "The jumpbox_admin_username must be a Linux user name (not admin, root or administrator)."
  }
}

variable "jumpbox_ssh_public_key" {
  description = "OpenSSH public key of the jumpbox's administrator. The jumpbox has no public IP: reach it through Azure Bastion or a peered network."
  type        = string

  validation {
    condition     = can(regex("^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp[0-9]+) [A-Za-z0-9+/=]+", var.jumpbox_ssh_public_key))
    error_message = "The jumpbox_ssh_public_key must be an OpenSSH public key (ssh-rsa, ssh-ed25519 or ecdsa-sha2-*)."
  }
}
