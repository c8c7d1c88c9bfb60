# `terraform query` (Terraform 1.14 and newer) lists what `terraform import` adopts;
# `terraform query -generate-config-out=generated.tf` writes the blocks that adopt it.
# Terraform before 1.14 does not read .tfquery.hcl files.

list "ff_deployment" "fleet" {
  provider         = ff
  include_resource = true

  config {
    key_prefix = "WM-" # or cloud = "aws", labels = { team = "platform" }; none for every deployment
  }
}

list "ff_auth0_tenant_setup" "fleet" {
  provider         = ff
  include_resource = true

  config {
    key_prefix = "WM-"
  }
}

list "ff_platform_bootstrap" "fleet" {
  provider         = ff
  include_resource = true

  config {
    key_prefix = "WM-"
  }
}
