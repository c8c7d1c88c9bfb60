# Imported by the deployment key; the connection comes from the configuration, the rest from
# the record the apply keeps in Vault and from the cluster itself.
terraform import ff_platform_bootstrap.wm_prod WM-Prod
