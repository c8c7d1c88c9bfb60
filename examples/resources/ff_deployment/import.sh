# A deployment is imported by its key; the full state is rebuilt from Vault and Grafana.
terraform import ff_deployment.wm_prod WM-Prod
