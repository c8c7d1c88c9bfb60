# The Azure side of HCP Terraform's dynamic provider credentials: a federated identity
# credential on the runs' Entra ID application for each workspace and run phase, so that
# Entra ID exchanges exactly those runs' workload identity tokens (issuer, subject
# organization:ORG:project:PROJECT:workspace:WS:run_phase:PHASE, audience) for the
# application's tokens — no client secret anywhere.

locals {
  credentials = merge([
    for workspace, project in var.workspaces : {
      for phase in var.run_phases : "${workspace}-${phase}" => {
        workspace = workspace
        phase     = phase
        subject   = "organization:${var.organization}:project:${project}:workspace:${workspace}:run_phase:${phase}"
      }
    }
  ]...)
}

resource "azuread_application_federated_identity_credential" "this" {
  for_each = local.credentials

  application_id = var.application_id
  display_name   = "tfc-${each.key}"
  description    = "HCP Terraform runs of workspace ${each.value.workspace} (organization ${var.organization}), ${each.value.phase} phase."
  audiences      = [var.audience]
  issuer         = "https://${var.hostname}"
  subject        = each.value.subject
}
