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
