output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider the roles trust."
  value       = local.provider_arn
}

output "role_arns" {
  description = "Workspace name → ARN of its role: the workspace's TFC_AWS_RUN_ROLE_ARN (modules/tfc-workspace's aws_run_role_arn)."
  value       = { for w, role in aws_iam_role.this : w => role.arn }
}

output "subjects" {
  description = "Workspace name → the token subjects its role accepts."
  value       = local.subjects
}

output "workspace_variables" {
  description = "Workspace name → the environment variables that turn on AWS dynamic credentials in it."
  value = {
    for w, role in aws_iam_role.this : w => {
      TFC_AWS_PROVIDER_AUTH              = "true"
      TFC_AWS_RUN_ROLE_ARN               = role.arn
      TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE = var.audience
    }
  }
}
