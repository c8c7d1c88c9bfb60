terraform {
  required_version = ">= 1.0.3"

  required_providers {
    ff = {
      source = "registry.terraform.io/ff/ff"
    }
  }
}
