output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "URL of the cluster's Kubernetes API: a private endpoint, reachable from inside the VPC (the jumpbox) only."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded PEM certificate of the cluster's certificate authority."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = aws_eks_cluster.this.version
}

output "cluster_oidc_issuer_url" {
  description = "OIDC issuer of the cluster, for IAM roles for service accounts."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "cluster_security_group_id" {
  description = "Security group on the control plane's network interfaces that admits the jumpbox (and `cluster_endpoint_allowed_cidrs`) on 443."
  value       = aws_security_group.cluster.id
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the cluster's Kubernetes secrets."
  value       = aws_kms_key.this.arn
}

output "node_group_name" {
  description = "Name of the managed node group."
  value       = aws_eks_node_group.this.node_group_name
}

output "node_role_arn" {
  description = "ARN of the nodes' IAM role."
  value       = aws_iam_role.node.arn
}

output "jumpbox_instance_id" {
  description = "Instance id of the jumpbox: `aws ssm start-session --target <id>`."
  value       = aws_instance.jumpbox.id
}

output "jumpbox_role_arn" {
  description = "ARN of the jumpbox's IAM role, to map to a Kubernetes group in the cluster's RBAC."
  value       = aws_iam_role.jumpbox.arn
}

output "jumpbox_security_group_id" {
  description = "Security group of the jumpbox (no inbound rules)."
  value       = aws_security_group.jumpbox.id
}

output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "Ids of the private subnets, one per availability zone: nodes, control plane interfaces, jumpbox."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Ids of the public subnets, one per availability zone: NAT gateways."
  value       = aws_subnet.public[*].id
}

output "region" {
  description = "Region of the cluster, for an EKS token (`aws eks get-token --region`)."
  value       = data.aws_region.current.name
}
