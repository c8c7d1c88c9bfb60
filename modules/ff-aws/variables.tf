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
