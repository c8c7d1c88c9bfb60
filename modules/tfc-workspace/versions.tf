terraform {
  # optional() object attributes and lifecycle preconditions.
  required_version = ">= 1.3"

  required_providers {
    tfe = {
      source  = "hashicorp/tfe"
      version = ">= 0.50, < 1.0"
    }
    gitlab = {
      source  = "gitlabhq/gitlab"
      version = ">= 16.0, < 19.0"
    }
  }
}
