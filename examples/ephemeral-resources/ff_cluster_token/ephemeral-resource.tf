# The EKS token ff_platform_bootstrap uses, presigned from the AWS credentials of the
# environment, for the other Kubernetes providers of the same configuration.
ephemeral "ff_cluster_token" "wm_prod" {
  eks {
    cluster_name = "ff-wm-prod"
    region       = "eu-west-1"
  }
}

locals {
  # An ephemeral value; for example:
  #   provider "kubernetes" {
  #     host                   = module.eks.cluster_endpoint
  #     cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)
  #     token                  = ephemeral.ff_cluster_token.wm_prod.token
  #   }
  kube_token = ephemeral.ff_cluster_token.wm_prod.token
}
