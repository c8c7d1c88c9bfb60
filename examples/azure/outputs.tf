output "cluster_name" {
  description = "Name of the AKS cluster."
  value       = module.deployment.cluster_name
}

output "cluster_endpoint" {
  description = "Private URL of the Kubernetes API (reachable from the jumpbox's network)."
  value       = module.deployment.cluster_endpoint
}

output "resource_group_name" {
  description = "Resource group of the cluster, its network and the jumpbox."
  value       = module.deployment.resource_group_name
}

output "vault_path" {
  description = "Where the deployment's secrets live in Vault."
  value       = module.deployment.vault_path
}
