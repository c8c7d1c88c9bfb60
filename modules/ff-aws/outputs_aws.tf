output "jumpbox_instance_id" {
  description = "Instance id of the jumpbox, reached with `aws ssm start-session --target <id>`."
  value       = module.cluster.jumpbox_instance_id
}

output "region" {
  description = "AWS region of the deployment."
  value       = module.cluster.region
}

output "vpc_id" {
  description = "Id of the deployment's VPC."
  value       = module.cluster.vpc_id
}
