# The jumpbox: an instance in a private subnet without a public address and without any
# inbound rule. It is reached through AWS Systems Manager Session Manager only (its agent
# dials out through NAT), and from there reaches the cluster's private API endpoint.

data "aws_ssm_parameter" "jumpbox_ami" {
  name = var.jumpbox_ami_ssm_parameter
}

data "aws_iam_policy_document" "jumpbox_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "jumpbox" {
  name               = var.names.jumpbox
  assume_role_policy = data.aws_iam_policy_document.jumpbox_assume_role.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "jumpbox_ssm" {
  role       = aws_iam_role.jumpbox.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# `aws eks update-kubeconfig` on the jumpbox; what the role may do inside the cluster is
# the cluster's RBAC to decide. (jsonencode for the reason given in eks.tf.)
resource "aws_iam_role_policy" "jumpbox_eks" {
  name = "describe-cluster"
  role = aws_iam_role.jumpbox.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "eks:DescribeCluster"
      Resource = aws_eks_cluster.this.arn
    }]
  })
}

resource "aws_iam_instance_profile" "jumpbox" {
  name = var.names.jumpbox
  role = aws_iam_role.jumpbox.name

  tags = var.tags
}

# The rules are inline so that Terraform owns the whole rule set: an inbound rule added
# by hand (say, SSH from anywhere) shows as drift in the next plan and is removed.
resource "aws_security_group" "jumpbox" {
  name        = var.names.jumpbox
  description = "Jumpbox of EKS cluster ${var.names.cluster}: no inbound access, reached through SSM"
  vpc_id      = aws_vpc.this.id

  ingress = []

  egress {
    description = "SSM, package mirrors and the cluster API"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(var.tags, { Name = var.names.jumpbox })
}

resource "aws_instance" "jumpbox" {
  ami                         = data.aws_ssm_parameter.jumpbox_ami.value
  instance_type               = var.jumpbox_instance_type
  subnet_id                   = aws_subnet.private[0].id
  vpc_security_group_ids      = [aws_security_group.jumpbox.id]
  iam_instance_profile        = aws_iam_instance_profile.jumpbox.name
  associate_public_ip_address = false

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  root_block_device {
    encrypted   = true
    volume_type = "gp3"
    volume_size = var.jumpbox_root_volume_size
  }

  tags        = merge(var.tags, { Name = var.names.jumpbox })
  volume_tags = merge(var.tags, { Name = var.names.jumpbox })

  # The SSM agent registers through NAT; the role must be usable when it starts.
  depends_on = [aws_route.private_nat, aws_iam_role_policy_attachment.jumpbox_ssm]

  lifecycle {
    # A newer image in the SSM parameter would otherwise replace the jumpbox on any plan;
    # replace it deliberately with `terraform apply -replace=...`.
    ignore_changes = [ami]
  }
}
