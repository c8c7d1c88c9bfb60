output "workspace_id" {
  description = "Id of the Terraform Cloud workspace (`ws-...`)."
  value       = tfe_workspace.this.id
}

output "workspace_name" {
  description = "Name of the Terraform Cloud workspace."
  value       = tfe_workspace.this.name
}

output "project_id" {
  description = "Id of the deployment's GitLab project."
  value       = gitlab_project.this.id
}

output "project_path" {
  description = "Path of the deployment's GitLab project with its namespace, as the workspace's VCS link names it."
  value       = gitlab_project.this.path_with_namespace
}

output "project_http_url" {
  description = "HTTPS clone URL of the deployment's GitLab project."
  value       = gitlab_project.this.http_url_to_repo
}

output "credential_variable_names" {
  description = "Names of the sensitive environment variables holding static cloud keys: empty with dynamic credentials."
  value       = sort(local.credential_names)
}

output "dynamic_credential_variables" {
  description = "The dynamic credentials' environment variables of the workspace (names and values, none secret)."
  value       = local.dynamic_env
}
