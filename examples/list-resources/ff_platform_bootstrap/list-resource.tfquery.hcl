# Every platform bootstrap of an Azure deployment, found by its record in Vault.
list "ff_platform_bootstrap" "azure" {
  provider         = ff
  include_resource = true

  config {
    cloud = "azure"
  }
}
