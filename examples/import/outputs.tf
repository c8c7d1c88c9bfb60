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
