output "resource_group_name" {
  description = "Name of the resource group holding the cluster, its network and the jumpbox."
  value       = azurerm_resource_group.this.name
}

output "cluster_name" {
  description = "Name of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.name
}

output "cluster_id" {
  description = "Resource id of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "cluster_endpoint" {
  description = "URL of the cluster's Kubernetes API: its private FQDN, resolvable inside the virtual network only."
  value       = nonsensitive(azurerm_kubernetes_cluster.this.kube_config[0].host)
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded PEM certificate of the cluster's certificate authority (public, hence not sensitive)."
  value       = nonsensitive(azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate)
}

output "cluster_private_fqdn" {
  description = "Private FQDN of the API server."
  value       = azurerm_kubernetes_cluster.this.private_fqdn
}

output "oidc_issuer_url" {
  description = "OIDC issuer of the cluster, for workload identity federation."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "cluster_identity_principal_id" {
  description = "Principal id of the cluster's user-assigned control-plane identity."
  value       = azurerm_user_assigned_identity.cluster.principal_id
}

output "kubelet_identity_object_id" {
  description = "Object id of the nodes' kubelet identity (for pulling images, for instance)."
  value       = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}

output "node_resource_group" {
  description = "Resource group AKS manages for the nodes."
  value       = azurerm_kubernetes_cluster.this.node_resource_group
}

output "vnet_id" {
  description = "Resource id of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "node_subnet_id" {
  description = "Resource id of the node subnet (unused by AKS with the \"managedNATGateway\" outbound type)."
  value       = azurerm_subnet.nodes.id
}

output "jumpbox_id" {
  description = "Resource id of the jumpbox VM."
  value       = azurerm_linux_virtual_machine.jumpbox.id
}

output "jumpbox_private_ip" {
  description = "Private IP address of the jumpbox."
  value       = azurerm_network_interface.jumpbox.private_ip_address
}
