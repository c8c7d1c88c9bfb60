//! `ff_deployment`'s schema.

use tfplugin::Type;
use tfplugin::schema::{Block, Constraint, Description, NestedBlock, Schema};

use crate::resources::{attribute, string_map, string_set};

/// The resource's schema.
pub fn schema() -> Schema {
    use Constraint::{Computed, Optional, OptionalComputed, Required};
    use Type::{Bool, Number, String as Str};
    let attributes = [
        ("id", attribute(Str, Computed, "The deployment key.")),
        (
            "key",
            attribute(
                Str,
                Required,
                "The deployment key, such as `WM-Prod`: 2 to 32 letters, digits and single hyphens, starting with a letter. Every name of the deployment derives from it. Changing it replaces the deployment.",
            ),
        ),
        (
            "display_name",
            attribute(
                Str,
                OptionalComputed,
                "Human-readable name of the deployment; the Grafana folder's title. Defaults to the key.",
            ),
        ),
        (
            "cloud",
            attribute(
                Str,
                Required,
                "Cloud the deployment runs in: `aws` or `azure`.",
            ),
        ),
        (
            "region",
            attribute(
                Str,
                Optional,
                "Cloud region of the deployment, such as `eu-west-1` or `westeurope`.",
            ),
        ),
        (
            "labels",
            attribute(
                string_map(),
                Optional,
                "Labels added to the deployment's tags and Kubernetes labels. Keys are lower-case letters, digits, `-`, `_` and `.`; values fit a Kubernetes label value.",
            ),
        ),
        (
            "generated_secrets",
            attribute(
                string_set(),
                Optional,
                "Names of secrets the provider generates in Vault at `<vault_path>/<name>` (key `value`, 40 random characters from the operating system's CSPRNG). An existing secret is never overwritten. Their values never enter the Terraform state.",
            ),
        ),
        (
            "deletion_protection",
            attribute(
                Bool,
                OptionalComputed,
                "While `true` (the default), destroying the deployment fails (at plan with Terraform 1.3 and newer, at apply before), and so does changing its `key` (which replaces it). A deployment Terraform replaces because its creation failed midway (it is tainted) is not deleted while protected: its objects are kept and adopted by the create that follows.",
            ),
        ),
        (
            "slug",
            attribute(
                Str,
                Computed,
                "The key in lower case: a DNS-1123 label used in most derived names.",
            ),
        ),
        (
            "names",
            attribute(
                string_map(),
                Computed,
                "Every name derived from the key: `slug`, `vault_path`, `vault_policy`, `grafana_folder_uid`, `grafana_team`, `grafana_service_account`, `grafana_datasource_uid`, `auth0_api`, `auth0_application_prefix`, `k8s_namespace`, `vault_kubernetes_auth_mount`, `cluster`, `resource_group`, `vnet`, `workspace`, `repository`, and the cluster modules' `vpc`, `cluster_iam_role`, `node_group`, `jumpbox`, `kms_alias`, `managed_identity`, `route_table`, `nat_gateway`.",
            ),
        ),
        (
            "tags",
            attribute(
                string_map(),
                Computed,
                "Tags for AWS `default_tags` or Azure `tags`: `ff:deployment-key`, `ff:managed-by`, `ff:cloud` and the labels.",
            ),
        ),
        (
            "vault_path",
            attribute(
                Str,
                Computed,
                "The deployment's Vault path, `<kv_mount>/<key>`.",
            ),
        ),
        (
            "vault_policy",
            attribute(
                Str,
                Computed,
                "Name of the Vault ACL policy granting read access to the deployment's secrets.",
            ),
        ),
        (
            "vault_policy_hcl",
            attribute(Str, Computed, "Text of that policy as Vault holds it."),
        ),
        (
            "secret_versions",
            attribute(
                Type::map(Number),
                Computed,
                "Current version of each generated secret.",
            ),
        ),
        (
            "grafana_folder_uid",
            attribute(Str, Computed, "Uid of the deployment's Grafana folder."),
        ),
        (
            "grafana_folder_id",
            attribute(Number, Computed, "Numeric id of the Grafana folder."),
        ),
        (
            "grafana_folder_title",
            attribute(
                Str,
                Computed,
                "Title of the Grafana folder as Grafana holds it.",
            ),
        ),
        (
            "grafana_team_id",
            attribute(
                Number,
                Computed,
                "Id of the deployment's Grafana team, which can edit the folder.",
            ),
        ),
        (
            "grafana_service_account_id",
            attribute(
                Number,
                Computed,
                "Id of the deployment's Grafana service account.",
            ),
        ),
        (
            "grafana_token_id",
            attribute(
                Number,
                Computed,
                "Id of the service-account token whose key is kept in Vault.",
            ),
        ),
        (
            "grafana_token_vault_path",
            attribute(
                Str,
                Computed,
                "Vault path holding the Grafana token (`token`, `token_id`, `service_account_id`, `url`).",
            ),
        ),
        (
            "given_secrets_wo",
            attribute(
                Type::map(Str),
                Optional,
                "Secrets you give (not generated), by name: each is written to Vault at `<vault_path>/<name>` (key `value`). Write-only: the values never enter the plan or the state, which keep the names and versions only (`given_secret_versions`). They are written when first given and again when `given_secrets_wo_version` changes, not when only a value changes. Needs Terraform 1.11 or later; older versions refuse it at validation.",
            )
            .write_only(),
        ),
        (
            "given_secrets_wo_version",
            attribute(
                Number,
                Optional,
                "Bump it to write the given secrets to Vault again (after changing a value).",
            ),
        ),
        (
            "given_secret_versions",
            attribute(
                Type::map(Number),
                Computed,
                "Version in Vault of each given secret; a secret deleted from Vault is written again from the configuration at the next apply.",
            ),
        ),
    ];
    let datasource = Block {
        description: Description::markdown(
            "A Grafana data source for the deployment, with uid `ff-<slug>-ds`.",
        ),
        attributes: [
            (
                "name",
                attribute(
                    Str,
                    OptionalComputed,
                    "Data source name; defaults to `ff-<slug>-<type>`.",
                ),
            ),
            (
                "type",
                attribute(
                    Str,
                    Required,
                    "Data source plugin type, such as `prometheus` or `loki`.",
                ),
            ),
            ("url", attribute(Str, Required, "URL of the data source.")),
        ]
        .into_iter()
        .map(|(n, a)| (n.to_string(), a))
        .collect(),
        blocks: Default::default(),
        deprecated: false,
    };
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "A customer deployment in Vault and Grafana, keyed by its deployment key, and the \
                 authority for every name derived from the key. Secrets are generated inside Vault \
                 and never enter the state. Import with `terraform import ff_deployment.NAME KEY`.",
            ),
            attributes: attributes
                .into_iter()
                .map(|(n, a)| (n.to_string(), a))
                .collect(),
            blocks: [(
                "grafana_datasource".to_string(),
                NestedBlock::optional(datasource),
            )]
            .into_iter()
            .collect(),
            deprecated: false,
        },
    }
}
