# --- The cluster (module "cluster" in main.tf): ff-aws's own inputs --------------------

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
