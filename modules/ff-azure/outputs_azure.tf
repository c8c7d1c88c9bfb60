output "resource_group_name" {
  description = "Resource group of the deployment's cluster, network and jumpbox."
  value       = module.cluster.resource_group_name
}

output "jumpbox_id" {
  description = "Resource id of the jumpbox VM."
  value       = module.cluster.jumpbox_id
}
