# The network of a private EKS cluster: a VPC with a private and a public subnet in each
# availability zone. Nodes, the control plane's network interfaces and the jumpbox live in
# the private subnets and reach the internet through NAT; the public subnets hold only the
# NAT gateways (and internet-facing load balancers, should a workload ask for one).

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  azs       = slice(data.aws_availability_zones.available.names, 0, var.availability_zone_count)
  nat_count = var.single_nat_gateway ? 1 : var.availability_zone_count

  # Private subnets take the first sixteenths of the VPC; public ones /24-equivalents
  # from its last sixteenth, so the two never overlap.
  private_subnet_cidrs = [for i in range(var.availability_zone_count) : cidrsubnet(var.vpc_cidr, 4, i)]
  public_subnet_cidrs  = [for i in range(var.availability_zone_count) : cidrsubnet(var.vpc_cidr, 8, 240 + i)]

  vpc_tags = merge(var.tags, { Name = var.names.vpc })
}

resource "aws_vpc" "this" {
  cidr_block = var.vpc_cidr
  # A private EKS endpoint is resolved through the VPC's DNS: both must be on.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = local.vpc_tags
}

resource "aws_subnet" "private" {
  count = var.availability_zone_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = local.private_subnet_cidrs[count.index]
  availability_zone = local.azs[count.index]

  # Internal load balancers of the cluster go here.
  tags = merge(local.vpc_tags, { "kubernetes.io/role/internal-elb" = "1" })
}

resource "aws_subnet" "public" {
  count = var.availability_zone_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.public_subnet_cidrs[count.index]
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(local.vpc_tags, { "kubernetes.io/role/elb" = "1" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = local.vpc_tags
}

resource "aws_eip" "nat" {
  count = local.nat_count

  tags = local.vpc_tags

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = local.vpc_tags
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = local.vpc_tags
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = var.availability_zone_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  count = local.nat_count

  vpc_id = aws_vpc.this.id

  tags = local.vpc_tags
}

resource "aws_route" "private_nat" {
  count = local.nat_count

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[count.index].id
}

resource "aws_route_table_association" "private" {
  count = var.availability_zone_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[min(count.index, local.nat_count - 1)].id
}
