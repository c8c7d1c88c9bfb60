# The private AKS cluster: its API server has only a private endpoint in the node subnet's
# virtual network (resolved through a private DNS zone AKS manages); Kubernetes users are
# Entra ID identities authorised through Azure RBAC, local accounts are off.

locals {
  system_pool = var.node_pools["system"]
  user_pools  = { for name, pool in var.node_pools : name => pool if name != "system" }
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = var.names.cluster
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  dns_prefix          = var.names.cluster
  kubernetes_version  = var.kubernetes_version
  sku_tier            = var.sku_tier

  private_cluster_enabled             = true
  private_dns_zone_id                 = "System"
  private_cluster_public_fqdn_enabled = false

  role_based_access_control_enabled = true
  local_account_disabled            = true
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true

  azure_active_directory_role_based_access_control {
    tenant_id          = data.azurerm_client_config.current.tenant_id
    azure_rbac_enabled = true
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.cluster.id]
  }

  default_node_pool {
    name                         = "system"
    vm_size                      = local.system_pool.vm_size
    vnet_subnet_id               = local.nodes_in_vnet ? azurerm_subnet.nodes.id : null
    auto_scaling_enabled         = local.system_pool.min_count != null
    node_count                   = local.system_pool.node_count
    min_count                    = local.system_pool.min_count
    max_count                    = local.system_pool.max_count
    os_disk_size_gb              = local.system_pool.os_disk_size_gb
    zones                        = local.system_pool.zones
    node_labels                  = local.system_pool.labels
    only_critical_addons_enabled = length(local.user_pools) > 0
    temporary_name_for_rotation  = "systemtmp"

    tags = var.tags
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = "azure"
    load_balancer_sku   = "standard"
    outbound_type       = var.outbound_type
    pod_cidr            = "192.168.0.0/16"
    service_cidr        = "172.16.0.0/16"
    dns_service_ip      = "172.16.0.10"

    dynamic "nat_gateway_profile" {
      for_each = var.outbound_type == "managedNATGateway" ? [1] : []

      content {
        managed_outbound_ip_count = 1
        idle_timeout_in_minutes   = var.nat_gateway_idle_timeout_minutes
      }
    }
  }

  tags = var.tags

  # The identity must hold its network rights, and the subnet its egress path, before AKS
  # creates anything; on destroy they must outlive the cluster.
  depends_on = [
    azurerm_role_assignment.cluster_network,
    azurerm_role_assignment.cluster_route_table,
    azurerm_role_assignment.cluster_nat_gateway,
    azurerm_route.default_to_firewall,
    azurerm_subnet_route_table_association.nodes,
    azurerm_subnet_nat_gateway_association.nodes,
  ]

  lifecycle {
    # An autoscaled system pool's size belongs to the autoscaler.
    ignore_changes = [default_node_pool[0].node_count]
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  for_each = local.user_pools

  name                  = each.key
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  mode                  = "User"
  vm_size               = each.value.vm_size
  vnet_subnet_id        = local.nodes_in_vnet ? azurerm_subnet.nodes.id : null
  auto_scaling_enabled  = each.value.min_count != null
  node_count            = each.value.node_count
  min_count             = each.value.min_count
  max_count             = each.value.max_count
  os_disk_size_gb       = each.value.os_disk_size_gb
  zones                 = each.value.zones
  node_labels           = each.value.labels

  tags = var.tags

  lifecycle {
    ignore_changes = [node_count]
  }
}
