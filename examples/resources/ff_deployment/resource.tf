# A customer deployment: its secrets in Vault, its folder, team and service account in
# Grafana, and every name derived from the key.
resource "ff_deployment" "wm_prod" {
  key          = "WM-Prod"
  display_name = "WM production"
  cloud        = "aws"
  region       = "eu-west-1"
  labels       = { team = "platform" }

  # Generated inside Vault at deployments/WM-Prod/<name>; never in the state.
  generated_secrets = ["db-password", "session-secret"]

  grafana_datasource {
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }
}

# Feed the derived tags to the cloud provider.
output "tags" {
  value = ff_deployment.wm_prod.tags
}
