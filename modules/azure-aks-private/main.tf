# The resource group, the resource providers AKS needs and the network of a private AKS
# cluster: a virtual network with a node subnet and a jumpbox subnet, plus what the chosen
# outbound type needs (a route table to a firewall, or a NAT gateway).

locals {
  udr      = var.outbound_type == "userDefinedRouting"
  user_nat = var.outbound_type == "userAssignedNATGateway"
  # AKS puts the nodes of a managed NAT gateway into a virtual network of its own.
  nodes_in_vnet = var.outbound_type != "managedNATGateway"

  node_subnet_cidr    = cidrsubnet(var.vnet_cidr, 4, 0)
  jumpbox_subnet_cidr = cidrsubnet(var.vnet_cidr, 8, 240)
}

resource "azurerm_resource_provider_registration" "this" {
  for_each = var.resource_providers

  name = each.value
}

resource "azurerm_resource_group" "this" {
  name     = var.names.resource_group
  location = var.location

  tags = var.tags

  depends_on = [azurerm_resource_provider_registration.this]
}

resource "azurerm_virtual_network" "this" {
  name                = var.names.vnet
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [var.vnet_cidr]

  tags = var.tags
}

# Subnet names are scoped to their virtual network, so they are fixed.
resource "azurerm_subnet" "nodes" {
  name                 = "aks-nodes"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.node_subnet_cidr]
}

resource "azurerm_subnet" "jumpbox" {
  name                 = "jumpbox"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.jumpbox_subnet_cidr]
}

# userDefinedRouting: every packet leaving the VNet goes to the firewall.
resource "azurerm_route_table" "this" {
  count = local.udr ? 1 : 0

  name                = var.names.route_table
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.firewall_private_ip != null
      error_message = "The outbound_type \"userDefinedRouting\" needs firewall_private_ip: the address egress is routed to."
    }
  }
}

resource "azurerm_route" "default_to_firewall" {
  count = local.udr ? 1 : 0

  name                   = "default-to-firewall"
  resource_group_name    = azurerm_resource_group.this.name
  route_table_name       = azurerm_route_table.this[0].name
  address_prefix         = "0.0.0.0/0"
  next_hop_type          = "VirtualAppliance"
  next_hop_in_ip_address = var.firewall_private_ip
}

resource "azurerm_subnet_route_table_association" "nodes" {
  count = local.udr ? 1 : 0

  subnet_id      = azurerm_subnet.nodes.id
  route_table_id = azurerm_route_table.this[0].id
}

resource "azurerm_subnet_route_table_association" "jumpbox" {
  count = local.udr ? 1 : 0

  subnet_id      = azurerm_subnet.jumpbox.id
  route_table_id = azurerm_route_table.this[0].id
}

# userAssignedNATGateway: a NAT gateway with one static public IP on both subnets.
resource "azurerm_public_ip" "nat" {
  count = local.user_nat ? 1 : 0

  name                = var.names.nat_gateway
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  allocation_method   = "Static"
  sku                 = "Standard"

  tags = var.tags
}

resource "azurerm_nat_gateway" "this" {
  count = local.user_nat ? 1 : 0

  name                    = var.names.nat_gateway
  location                = azurerm_resource_group.this.location
  resource_group_name     = azurerm_resource_group.this.name
  sku_name                = "Standard"
  idle_timeout_in_minutes = var.nat_gateway_idle_timeout_minutes

  tags = var.tags
}

resource "azurerm_nat_gateway_public_ip_association" "this" {
  count = local.user_nat ? 1 : 0

  nat_gateway_id       = azurerm_nat_gateway.this[0].id
  public_ip_address_id = azurerm_public_ip.nat[0].id
}

resource "azurerm_subnet_nat_gateway_association" "nodes" {
  count = local.user_nat ? 1 : 0

  subnet_id      = azurerm_subnet.nodes.id
  nat_gateway_id = azurerm_nat_gateway.this[0].id
}

resource "azurerm_subnet_nat_gateway_association" "jumpbox" {
  count = local.user_nat ? 1 : 0

  subnet_id      = azurerm_subnet.jumpbox.id
  nat_gateway_id = azurerm_nat_gateway.this[0].id
}
