output "credential_ids" {
  description = "\"<workspace>-<phase>\" → id of its federated identity credential."
  value       = { for k, c in azuread_application_federated_identity_credential.this : k => c.id }
}

output "subjects" {
  description = "\"<workspace>-<phase>\" → the token subject it accepts."
  value       = { for k, c in local.credentials : k => c.subject }
}

output "workspace_variables" {
  description = "Workspace name → the environment variables that turn on Azure dynamic credentials in it."
  value = {
    for w, _ in var.workspaces : w => {
      TFC_AZURE_PROVIDER_AUTH = "true"
      TFC_AZURE_RUN_CLIENT_ID = var.client_id
    }
  }
}
