output "names" {
  description = "Every name derived from the deployment key."
  value       = ff_deployment.this.names
}

output "tags" {
  description = "Tags for the deployment's cloud resources."
  value       = ff_deployment.this.tags
}

output "vault_path" {
  description = "Where the deployment's secrets live in Vault."
  value       = ff_deployment.this.vault_path
}

output "secret_versions" {
  description = "Version of each secret generated in Vault (the values stay in Vault)."
  value       = ff_deployment.this.secret_versions
}

output "grafana" {
  description = "The deployment's Grafana folder, team and service account."
  value = {
    folder_uid         = ff_deployment.this.grafana_folder_uid
    team_id            = ff_deployment.this.grafana_team_id
    service_account_id = ff_deployment.this.grafana_service_account_id
    token_vault_path   = ff_deployment.this.grafana_token_vault_path
  }
}

output "auth0" {
  description = "The deployment's Auth0 client ids, API and roles, and where each application's credentials are in Vault."
  value = {
    client_ids  = ff_auth0_tenant_setup.this.client_ids
    api_id      = ff_auth0_tenant_setup.this.api_id
    role_ids    = ff_auth0_tenant_setup.this.role_ids
    vault_paths = ff_auth0_tenant_setup.this.vault_paths
  }
}

output "platform" {
  description = "The bootstrap: how many objects it manages, Vault's auth method for the cluster, where the apps find their settings."
  value = {
    objects            = length(ff_platform_bootstrap.this.objects)
    vault_auth_mount   = ff_platform_bootstrap.this.vault_auth_mount
    vault_auth_role    = ff_platform_bootstrap.this.vault_auth_role
    metadata_configmap = ff_platform_bootstrap.this.metadata_configmap
  }
}
