//! The provider's schema: the `vault`, `auth0` and `grafana` blocks and the request timeout.

use std::collections::BTreeMap;

use tfplugin::Type;
use tfplugin::schema::{Attribute, Block, Constraint, Description, NestedBlock, Schema};

fn string_attr(description: &str, sensitive: bool) -> Attribute {
    let attribute = Attribute::new(Type::String, Constraint::Optional, description);
    if sensitive {
        attribute.sensitive()
    } else {
        attribute
    }
}

fn block(description: &str, attributes: Vec<(&str, Attribute)>) -> NestedBlock {
    NestedBlock::optional(Block {
        description: Description::markdown(description),
        attributes: attributes
            .into_iter()
            .map(|(name, attr)| (name.to_string(), attr))
            .collect(),
        ..Block::default()
    })
}

/// `outer` with `inner` nested in it under `name`.
fn with_block(mut outer: NestedBlock, name: &str, inner: NestedBlock) -> NestedBlock {
    outer.block.blocks.insert(name.to_string(), inner);
    outer
}

/// `vault.auth_login_jwt`.
fn jwt_login_block() -> NestedBlock {
    block(
        "Log in to Vault with a JWT through its JWT auth method (`auth/<mount>/login`) instead of using `token`: with Terraform Cloud dynamic credentials, set the workspace variable `TFC_WORKLOAD_IDENTITY_AUDIENCE` so that each run gets a workload identity token in `TFC_WORKLOAD_IDENTITY_TOKEN`, which is the default `jwt`. The Vault role binds that audience and the claims of the runs it admits. The provider logs in again before the Vault token expires.",
        vec![
            (
                "mount",
                string_attr("Mount path of the JWT auth method (default `jwt`).", false),
            ),
            (
                "role",
                Attribute {
                    constraint: Constraint::Required,
                    ..string_attr("Name of the JWT role to log in as.", false)
                },
            ),
            (
                "jwt",
                string_attr(
                    "The signed JWT to log in with. Environment: `TFC_WORKLOAD_IDENTITY_TOKEN` (Terraform Cloud's workload identity token).",
                    true,
                ),
            ),
        ],
    )
}

/// The provider's schema.
pub fn provider_schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "The `ff` provider turns a customer deployment — its secrets in Vault, its \
                 authentication in Auth0, its monitoring in Grafana and its Kubernetes \
                 platform — into resources keyed by a short deployment key such as `WM-Prod`. \
                 Every block is optional; each setting falls back to the environment variable \
                 the official provider of that system reads.",
            ),
            attributes: BTreeMap::from([(
                "request_timeout_seconds".to_string(),
                Attribute::new(
                    Type::Number,
                    Constraint::Optional,
                    "Timeout of one request to a backend, in seconds (default 30). \
                     Failed and timed-out requests are retried a few times with backoff.",
                ),
            )]),
            blocks: BTreeMap::from([
                (
                    "vault".to_string(),
                    with_block(
                        block(
                            "HashiCorp Vault, which holds every secret of the deployments. The provider authenticates with `token`, or logs in with `auth_login_jwt` (Terraform Cloud dynamic credentials); a token with a TTL is renewed, and a login is repeated, before it expires, so applies may last longer than the token's TTL.",
                            vec![
                                (
                                    "address",
                                    string_attr(
                                        "Vault address, such as `https://vault.example.com:8200`. Environment: `VAULT_ADDR`.",
                                        false,
                                    ),
                                ),
                                (
                                    "token",
                                    string_attr("Vault token. Environment: `VAULT_TOKEN`.", true),
                                ),
                                (
                                    "namespace",
                                    string_attr(
                                        "Vault Enterprise namespace. Environment: `VAULT_NAMESPACE`.",
                                        false,
                                    ),
                                ),
                                (
                                    "kv_mount",
                                    string_attr(
                                        "KV version 2 mount that holds the deployments (default `deployments`); enabled if missing.",
                                        false,
                                    ),
                                ),
                                (
                                    "ca_cert_file",
                                    string_attr(
                                        "PEM file of extra CA certificates to trust. Environment: `VAULT_CACERT`.",
                                        false,
                                    ),
                                ),
                            ],
                        ),
                        "auth_login_jwt",
                        jwt_login_block(),
                    ),
                ),
                (
                    "auth0".to_string(),
                    block(
                        "Auth0 tenant, managed through its Management API.",
                        vec![
                            (
                                "domain",
                                string_attr(
                                    "Tenant domain, such as `example.eu.auth0.com` (a full `https://` URL is accepted too). Environment: `AUTH0_DOMAIN`.",
                                    false,
                                ),
                            ),
                            (
                                "client_id",
                                string_attr(
                                    "Client id of a machine-to-machine application authorised for the Management API. Environment: `AUTH0_CLIENT_ID`.",
                                    false,
                                ),
                            ),
                            (
                                "client_secret",
                                string_attr(
                                    "Its client secret. Environment: `AUTH0_CLIENT_SECRET`.",
                                    true,
                                ),
                            ),
                            (
                                "api_token",
                                string_attr(
                                    "A Management API token, instead of the client credentials. Environment: `AUTH0_API_TOKEN`.",
                                    true,
                                ),
                            ),
                            (
                                "ca_cert_file",
                                string_attr("PEM file of extra CA certificates to trust.", false),
                            ),
                        ],
                    ),
                ),
                (
                    "grafana".to_string(),
                    block(
                        "Grafana, where each deployment gets a folder, a team and a service account.",
                        vec![
                            (
                                "url",
                                string_attr(
                                    "Grafana URL, such as `https://grafana.example.com`. Environment: `GRAFANA_URL`.",
                                    false,
                                ),
                            ),
                            (
                                "auth",
                                string_attr(
                                    "`user:password` for basic auth, or a service account token. Environment: `GRAFANA_AUTH`.",
                                    true,
                                ),
                            ),
                            (
                                "ca_cert_file",
                                string_attr(
                                    "PEM file of extra CA certificates to trust. Environment: `GRAFANA_CA_CERT`.",
                                    false,
                                ),
                            ),
                        ],
                    ),
                ),
            ]),
            deprecated: false,
        },
    }
}
