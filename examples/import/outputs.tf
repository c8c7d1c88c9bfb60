output "names" {
  description = "Every name derived from the deployment key."
  value       = ff_deployment.this.names
}

output "vault_path" {
  description = "Where the deployment's secrets live in Vault."
  value       = ff_deployment.this.vault_path
}

output "secret_versions" {
  description = "Version of each generated secret (the values stay in Vault)."
  value       = ff_deployment.this.secret_versions
}

output "auth0_client_ids" {
  description = "Auth0 client id of each application."
  value       = ff_auth0_tenant_setup.this.client_ids
}

output "platform_objects" {
  description = "Every object the bootstrap manages, with the digest of what was applied."
  value       = ff_platform_bootstrap.this.objects
}
