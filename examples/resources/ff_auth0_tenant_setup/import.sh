# The whole setup is imported by the deployment key; applications, API, grants and roles are
# found in Auth0 by the key they carry.
terraform import ff_auth0_tenant_setup.wm_prod WM-Prod
