terraform {
  required_version = ">= 1.0.3"

  required_providers {
    # 3.39 is the oldest version tested (against moto); nothing here uses an argument
    # that was removed or renamed before 6.0.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 3.39, < 6.0"
    }
  }
}
