terraform {
  required_version = ">= 1.3"

  required_providers {
    ff = {
      source = "registry.terraform.io/ff/ff"
    }
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.0, < 5.0"
    }
  }
}
