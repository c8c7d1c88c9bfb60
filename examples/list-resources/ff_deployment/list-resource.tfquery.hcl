# Every AWS deployment of the platform team whose key starts with WM-, with the state an
# import would give: `terraform query -generate-config-out=generated.tf` writes the
# resource and import blocks that adopt them.
list "ff_deployment" "wm_aws" {
  provider         = ff
  include_resource = true

  config {
    cloud      = "aws"
    key_prefix = "WM-"
    labels     = { team = "platform" }
  }
}
