# The AWS side of HCP Terraform's dynamic provider credentials: AWS trusts the HCP Terraform
# (or Terraform Enterprise) hostname as an OpenID Connect provider, and each deployment's
# workspace gets a role that only that workspace's runs can assume — the trust policy pins
# the token's audience and its subject, organization:ORG:project:PROJECT:workspace:WS:run_phase:PHASE,
# for each run phase allowed.

locals {
  issuer_host = var.hostname
  # One subject per workspace and run phase, exactly (no wildcard).
  subjects = {
    for workspace, project in var.workspaces : workspace => [
      for phase in var.run_phases :
      "organization:${var.organization}:project:${project}:workspace:${workspace}:run_phase:${phase}"
    ]
  }
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.this[0].arn : var.oidc_provider_arn
}

resource "aws_iam_openid_connect_provider" "this" {
  count = var.create_oidc_provider ? 1 : 0

  url             = "https://${local.issuer_host}"
  client_id_list  = [var.audience]
  thumbprint_list = var.thumbprints
  tags            = var.tags
}

data "aws_iam_policy_document" "trust" {
  for_each = local.subjects

  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer_host}:aud"
      values   = [var.audience]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer_host}:sub"
      values   = each.value
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.subjects

  name                 = "${var.role_name_prefix}${each.key}"
  description          = "HCP Terraform runs of workspace ${each.key} (organization ${var.organization}, project ${var.workspaces[each.key]}), run phases ${join(", ", var.run_phases)}."
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_duration
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = {
    for pair in setproduct(keys(local.subjects), var.policy_arns) : "${pair[0]} ${pair[1]}" => {
      workspace  = pair[0]
      policy_arn = pair[1]
    }
  }

  role       = aws_iam_role.this[each.value.workspace].name
  policy_arn = each.value.policy_arn
}
