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

output "auth0_client_ids" {
  description = "Auth0 client id of each application (their secrets are in Vault, see auth0_vault_paths)."
  value       = ff_auth0_tenant_setup.this.client_ids
}

output "auth0_vault_paths" {
  description = "Where each application's Auth0 credentials live in Vault."
  value       = ff_auth0_tenant_setup.this.vault_paths
}

output "vault_auth_role" {
  description = "Vault role the applications' service accounts log in with (through the cluster's Kubernetes auth method)."
  value       = module.deployment.vault_auth_role
}
