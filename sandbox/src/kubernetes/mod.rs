//! Kubernetes API server emulator, over HTTPS with its own CA and a bearer token.
//!
//! The parts of the API that the provider, kubectl (`create`, `apply` client- and server-side,
//! `get`, `patch`, `diff`, `replace`, `delete`, `api-resources`) and the Kubernetes Python
//! client use: <https://kubernetes.io/docs/reference/using-api/api-concepts/>.
//!
//! - `tls`: the sandbox's CA and serving certificate (rcgen), and the rustls acceptor;
//! - `resources`: the built-in resource table, custom resources registered by CRDs, and the
//!   discovery documents built from both;
//! - `state`: every object, stored generically as JSON under `group/resource/namespace/name`,
//!   with the readiness clocks of Deployments and CRDs and the tokens the sandbox issued;
//! - `fields`: field sets, server-side apply merging and `managedFields`;
//! - `strategic`: strategic merge patches, by the merge keys of the built-in kinds;
//! - `protobuf`: request bodies in `application/vnd.kubernetes.protobuf` (what kubectl's
//!   `create` subcommands send), decoded to JSON;
//! - `routes`: URL parsing, authentication, verbs (GET/LIST/POST/PUT/PATCH/DELETE), label and
//!   field selectors, Table output for kubectl, subresources (`serviceaccounts/<n>/token`);
//! - `errors`: `Status` bodies with the reasons and codes the real API server uses;
//! - `listener`: the TLS listener; `kubeconfig`: the file written for kubectl.
//!
//! Simplifications (documented in the sandbox README): no RBAC (any issued token may do
//! anything), lists are atomic for server-side apply (no merge keys), no watch, deletion is
//! immediate (a namespace takes its objects with it).

pub mod eks;
pub mod errors;
pub mod fields;
pub mod kubeconfig;
pub mod listener;
pub mod manifests;
pub mod protobuf;
pub mod resources;
pub mod routes;
pub mod state;
pub mod strategic;
pub mod tls;

pub use routes::router;
