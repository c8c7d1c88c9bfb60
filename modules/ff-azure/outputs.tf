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

output "auth0_client_ids" {
  description = "Auth0 client id of each application, by name (`portal`, `argocd`, `worker` of the module's setup, or the `auth0_client_ids` passed in); their secrets are in Vault, see `auth0_vault_paths`."
  value       = local.auth0_client_ids
}

output "auth0_vault_paths" {
  description = "Vault path of each application's Auth0 credentials (`client_id`, `client_secret`, `domain`, `audience`), by name. Empty without the module's setup (`app_domain` null)."
  value       = var.app_domain == null ? {} : one(ff_auth0_tenant_setup.this[*].vault_paths)
}

output "auth0_api_id" {
  description = "Auth0 id of the deployment's API (resource server). Null without the module's setup (`app_domain` null)."
  value       = one(ff_auth0_tenant_setup.this[*].api_id)
}

output "auth0_audience" {
  description = "Identifier (audience) of the deployment's Auth0 API, as published to the applications: https://api.DOMAIN with the module's setup, else `auth0_audience`."
  value       = local.auth0_audience
}

output "auth0_role_ids" {
  description = "Auth0 id of each role of the module's setup, by name. Empty without the module's setup (`app_domain` null)."
  value       = var.app_domain == null ? {} : one(ff_auth0_tenant_setup.this[*].role_ids)
}
