# --- The location and the cluster (main.tf): ff-azure's own inputs ---------------------

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
