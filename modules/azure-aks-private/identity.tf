# The cluster's control plane runs as a user-assigned identity that exists, with its
# rights on the network, before the cluster does: AKS joins nodes and load balancers to
# the node subnet, and with userDefinedRouting or a user-assigned NAT gateway it must read
# and use the route table or the gateway.

data "azurerm_client_config" "current" {}

resource "azurerm_user_assigned_identity" "cluster" {
  name                = var.names.managed_identity
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name

  tags = var.tags
}

resource "azurerm_role_assignment" "cluster_network" {
  scope                = azurerm_virtual_network.this.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "cluster_route_table" {
  count = local.udr ? 1 : 0

  scope                = azurerm_route_table.this[0].id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "cluster_nat_gateway" {
  count = local.user_nat ? 1 : 0

  scope                = azurerm_nat_gateway.this[0].id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
  principal_type       = "ServicePrincipal"
}

# Kubernetes access is Entra ID + Azure RBAC: the identity running Terraform (so that the
# platform bootstrap can use an Entra ID token) and the admin groups administer the cluster.
resource "azurerm_role_assignment" "cluster_admin" {
  for_each = toset(concat([data.azurerm_client_config.current.object_id], var.admin_group_object_ids))

  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = each.value
}
