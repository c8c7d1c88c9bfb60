output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = module.deployment.cluster_name
}

output "cluster_endpoint" {
  description = "Private URL of the Kubernetes API (reachable from the jumpbox)."
  value       = module.deployment.cluster_endpoint
}

output "jumpbox_instance_id" {
  description = "Open a shell on the jumpbox with `aws ssm start-session --target <id>`."
  value       = module.deployment.jumpbox_instance_id
}

output "vault_path" {
  description = "Where the deployment's secrets live in Vault."
  value       = module.deployment.vault_path
}
