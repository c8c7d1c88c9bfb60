output "deployment_key" {
  description = "The deployment key."
  value       = ff_deployment.this.key
}

output "names" {
  description = "Every name derived from the deployment key."
  value       = ff_deployment.this.names
}

output "tags" {
  description = "Tags of the deployment's Azure resources."
  value       = ff_deployment.this.tags
}

output "vault_path" {
  description = "Where the deployment's secrets live in Vault."
  value       = ff_deployment.this.vault_path
}

output "vault_policy" {
  description = "Vault policy granting read access to the deployment's secrets."
  value       = ff_deployment.this.vault_policy
}

output "grafana_folder_uid" {
  description = "Uid of the deployment's Grafana folder."
  value       = ff_deployment.this.grafana_folder_uid
}

output "resource_group_name" {
  description = "Resource group of the deployment's cluster, network and jumpbox."
  value       = module.cluster.resource_group_name
}

output "cluster_name" {
  description = "Name of the AKS cluster."
  value       = module.cluster.cluster_name
}

output "cluster_endpoint" {
  description = "Private URL of the cluster's Kubernetes API."
  value       = module.cluster.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded PEM certificate of the cluster's certificate authority."
  value       = module.cluster.cluster_certificate_authority_data
}

output "jumpbox_id" {
  description = "Resource id of the jumpbox VM."
  value       = module.cluster.jumpbox_id
}

output "platform_objects" {
  description = "Every object the platform bootstrap manages on the cluster and in Vault, with the digest of what was applied."
  value       = ff_platform_bootstrap.this.objects
}

output "metadata_configmap" {
  description = "ConfigMap holding the deployment's metadata (Auth0 client ids, Vault address and role) in each application namespace."
  value       = ff_platform_bootstrap.this.metadata_configmap
}

output "vault_auth_mount" {
  description = "Path of the Vault Kubernetes auth method of the cluster."
  value       = ff_platform_bootstrap.this.vault_auth_mount
}

output "vault_auth_role" {
  description = "Vault role the applications' service accounts log in with."
  value       = ff_platform_bootstrap.this.vault_auth_role
}
