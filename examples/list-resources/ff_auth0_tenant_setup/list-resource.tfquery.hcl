# Every deployment's Auth0 setup, found by the marks its applications and roles carry.
list "ff_auth0_tenant_setup" "all" {
  provider         = ff
  include_resource = true
}
