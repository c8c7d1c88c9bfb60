# The EKS control plane: reachable only through its private endpoint, its Kubernetes
# secrets encrypted with a customer-managed KMS key.

resource "aws_kms_key" "this" {
  description             = "Encrypts the Kubernetes secrets of EKS cluster ${var.names.cluster}"
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  enable_key_rotation     = true

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = var.names.kms_alias
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "cluster_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = var.names.cluster_iam_role
  assume_role_policy = data.aws_iam_policy_document.cluster_assume_role.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# The control plane uses the key through its role for envelope encryption of secrets.
# (jsonencode rather than an aws_iam_policy_document data source: a data source that reads
# a resource's attributes is deferred to apply whenever anything upstream changes, and the
# policy would then show as changing in every such plan.)
resource "aws_iam_role_policy" "cluster_kms" {
  name = "secrets-encryption"
  role = aws_iam_role.cluster.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]
      Resource = aws_kms_key.this.arn
    }]
  })
}

# Attached to the control plane's network interfaces besides the security group EKS makes
# itself (which nodes and control plane share): lets the jumpbox, and the ranges the caller
# names, reach the API on 443.
resource "aws_security_group" "cluster" {
  name        = var.names.cluster
  description = "Access to the private API endpoint of EKS cluster ${var.names.cluster}"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.names.cluster })
}

resource "aws_security_group_rule" "cluster_from_jumpbox" {
  description              = "Kubernetes API from the jumpbox"
  type                     = "ingress"
  security_group_id        = aws_security_group.cluster.id
  protocol                 = "tcp"
  from_port                = 443
  to_port                  = 443
  source_security_group_id = aws_security_group.jumpbox.id
}

resource "aws_security_group_rule" "cluster_from_cidrs" {
  count = length(var.cluster_endpoint_allowed_cidrs) > 0 ? 1 : 0

  description       = "Kubernetes API from the allowed networks"
  type              = "ingress"
  security_group_id = aws_security_group.cluster.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = var.cluster_endpoint_allowed_cidrs
}

resource "aws_eks_cluster" "this" {
  name     = var.names.cluster
  version  = var.cluster_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = aws_subnet.private[*].id
    security_group_ids      = [aws_security_group.cluster.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = aws_kms_key.this.arn
    }
  }

  tags = var.tags

  # The role must be able to act before the cluster is created and until it is deleted;
  # the subnets need their NAT route for the control plane's first health checks.
  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_iam_role_policy.cluster_kms,
    aws_route_table_association.private,
    aws_route.private_nat,
  ]
}
