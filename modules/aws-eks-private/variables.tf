variable "names" {
  description = "Names of the resources, as `ff_deployment.names` derives them from the deployment key: `cluster` (EKS cluster and its security group), `cluster_iam_role`, `node_group` (node group and its IAM role), `jumpbox` (instance, IAM role, instance profile, security group), `kms_alias` and `vpc` (`Name` of the VPC, its subnets, gateways and route tables). Extra keys are ignored, so `ff_deployment.names` can be passed as it is."
  type = object({
    cluster          = string
    cluster_iam_role = string
    node_group       = string
    jumpbox          = string
    kms_alias        = string
    vpc              = string
  })

  validation {
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.names.cluster))
    error_message = "The names.cluster must be 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit (an EKS cluster name)."
  }

  validation {
    condition     = can(regex("^alias/", var.names.kms_alias)) && !can(regex("^alias/aws/", var.names.kms_alias))
    error_message = "The names.kms_alias must start with \"alias/\" and must not start with \"alias/aws/\"."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them; pass `ff_deployment.tags`."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !can(regex("^aws:", k))])
    error_message = "Every tag must have a key of 1 to 128 characters not starting with \"aws:\" and a value of at most 256 characters, as AWS requires."
  }
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC, a /16 to /20. Each private subnet gets 1/16 of it (a /20 of a /16), each public subnet 1/256 (a /24 of a /16), taken from its last sixteenth."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.vpc_cidr))
    error_message = "The vpc_cidr must be an IPv4 CIDR block with a prefix length from 16 to 20, such as \"10.0.0.0/16\"."
  }
}

variable "availability_zone_count" {
  description = "Number of availability zones to spread the subnets and nodes over; the first ones the region reports as available."
  type        = number
  default     = 3

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 6 && floor(var.availability_zone_count) == var.availability_zone_count
    error_message = "The availability_zone_count must be a whole number from 2 to 6 (EKS needs subnets in at least two zones)."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for the whole VPC (cheaper) instead of one per availability zone (survives the loss of a zone)."
  type        = bool
  default     = true
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

variable "cluster_endpoint_allowed_cidrs" {
  description = "IPv4 ranges, besides the jumpbox, allowed to reach the private API endpoint on port 443 (a VPN or a peered network). The endpoint is never public."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.cluster_endpoint_allowed_cidrs : can(cidrhost(cidr, 0))])
    error_message = "Every entry of cluster_endpoint_allowed_cidrs must be an IPv4 CIDR block such as \"10.20.0.0/16\"."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the KMS key that encrypts the cluster's secrets waits before it is deleted after a destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "The kms_key_deletion_window_in_days must be from 7 to 30, as KMS requires."
  }
}

variable "node_instance_types" {
  description = "EC2 instance types of the managed node group, in order of preference (several make sense for SPOT)."
  type        = list(string)
  default     = ["m5.large"]

  validation {
    condition     = length(var.node_instance_types) > 0 && alltrue([for t in var.node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", t))])
    error_message = "The node_instance_types must list at least one EC2 instance type such as \"m5.large\"."
  }
}

variable "node_scaling" {
  description = "Size of the managed node group: `min` <= `desired` <= `max` nodes. Later changes of the desired size made by an autoscaler are not reverted."
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

variable "node_capacity_type" {
  description = "Capacity of the nodes: \"ON_DEMAND\" or \"SPOT\"."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "The node_capacity_type must be \"ON_DEMAND\" or \"SPOT\"."
  }
}

variable "node_disk_size" {
  description = "Root volume size of each node, in GiB."
  type        = number
  default     = 50

  validation {
    condition     = var.node_disk_size >= 20 && var.node_disk_size <= 16384
    error_message = "The node_disk_size must be from 20 to 16384 GiB."
  }
}

variable "node_ami_type" {
  description = "EKS AMI type of the nodes, such as \"AL2023_x86_64_STANDARD\"; null lets EKS choose its default for the cluster version. (AWS provider 3.x only knows the AL2 types.)"
  type        = string
  default     = null

  validation {
    condition     = var.node_ami_type == null || can(regex("^[A-Z0-9_]+$", var.node_ami_type))
    error_message = "The node_ami_type must be null or an EKS AMI type such as \"AL2023_x86_64_STANDARD\"."
  }
}

variable "node_labels" {
  description = "Kubernetes labels of the nodes."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.node_labels : can(regex("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", k)) && can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", v))])
    error_message = "Every node label must be a Kubernetes label: a key of at most 63 letters, digits, \"-\", \"_\" and \".\" (with an optional DNS prefix and \"/\"), a value of at most 63 such characters."
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

variable "jumpbox_root_volume_size" {
  description = "Size of the jumpbox's encrypted root volume, in GiB (at least the image's own size)."
  type        = number
  default     = 20

  validation {
    condition     = var.jumpbox_root_volume_size >= 8 && var.jumpbox_root_volume_size <= 1024
    error_message = "The jumpbox_root_volume_size must be from 8 to 1024 GiB."
  }
}

variable "jumpbox_ami_ssm_parameter" {
  description = "Public SSM parameter holding the jumpbox's AMI id (its image must run the SSM agent, as Amazon Linux does). Read when the jumpbox is created; a newer image does not replace a running jumpbox."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

  validation {
    condition     = can(regex("^/", var.jumpbox_ami_ssm_parameter))
    error_message = "The jumpbox_ami_ssm_parameter must be an SSM parameter name starting with \"/\"."
  }
}
