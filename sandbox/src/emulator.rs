//! The interface between the sandbox's shared parts and its services.
//!
//! The server, the fault layer, the control API and the state file know a service only
//! through [`Emulator`]: its name, how it answers an injected fault in its own error shape,
//! its sections of the inspection document and of the state file, its reset, and its
//! control endpoints. Each service module (`grafana`, `auth0`, `kubernetes`, `entra`, `tfc`,
//! `mirror`, `vault_proxy`) implements it on its own type, which also owns its state; the
//! one place that names them all is `emulators.rs`, the composition.
//!
//! A test (`shared_parts_do_not_import_emulators` below) reads the shared files and fails
//! when one of them names a service module.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The services, by the name faults and the request log use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Vault,
    Grafana,
    Auth0,
    /// The Terraform Cloud private registry API (HTTPS).
    Tfc,
    /// The provider network mirror (HTTPS).
    Mirror,
    Kubernetes,
    Entra,
}

impl Service {
    pub const ALL: [Service; 7] = [
        Service::Vault,
        Service::Grafana,
        Service::Auth0,
        Service::Kubernetes,
        Service::Tfc,
        Service::Mirror,
        Service::Entra,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Vault => "vault",
            Service::Grafana => "grafana",
            Service::Tfc => "tfc",
            Service::Mirror => "mirror",
            Service::Auth0 => "auth0",
            Service::Kubernetes => "kubernetes",
            Service::Entra => "entra",
        }
    }
}

/// What every service gives the shared parts.
pub trait Emulator: Send + Sync + 'static {
    /// Which service this is (fault matching, the request log).
    fn service(&self) -> Service;

    /// The answer to an injected `status` fault, in the service's own error shape.
    fn injected_status(&self, status: u16) -> Response<Body>;

    /// The answer to an injected `rate_limit` fault for a request to `path`: 429 with the
    /// service's own rate-limit headers.
    fn rate_limited(&self, path: &str, retry_after_s: u64) -> Response<Body>;

    /// Its section of `GET /_sandbox/state` (under its name); `None`: it holds nothing.
    fn inspect(&self) -> Option<Value> {
        None
    }

    /// Its section of the state file (under its name), as pretty-printed JSON; `None`: not
    /// kept in the state file. It is restored through the service's own constructor.
    fn snapshot(&self) -> Option<serde_json::Result<String>> {
        None
    }

    /// Clears its data (keeping credentials), for `POST /_sandbox/reset`.
    fn reset(&self) {}

    /// Its endpoints on the control port (full paths under `/_sandbox/`), if any. The
    /// control API saves the state file after a mutating call to them.
    fn control_routes(self: Arc<Self>) -> Option<Router> {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The files that hold the sandbox together, which must know services only through
    /// [`super::Emulator`].
    const SHARED_PARTS: [&str; 6] = [
        "server.rs",
        "faults.rs",
        "control.rs",
        "shared.rs",
        "state_file.rs",
        "emulator.rs",
    ];

    /// The service modules (and `distribution`, which starts two of them).
    const EMULATORS: [&str; 8] = [
        "auth0",
        "grafana",
        "kubernetes",
        "entra",
        "tfc",
        "mirror",
        "vault_proxy",
        "distribution",
    ];

    /// Every `crate::<emulator>` path a source names, in `use` lines or inline (outside
    /// comments), with its line number.
    fn emulator_paths(source: &str) -> Vec<(usize, String)> {
        let mut found = Vec::new();
        for (number, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + "crate::".len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // `use crate::{a, b::c}` names modules after the brace.
                let named: Vec<String> = if rest.starts_with('{') {
                    rest.trim_start_matches('{')
                        .split(',')
                        .map(|part| {
                            part.trim()
                                .split("::")
                                .next()
                                .unwrap_or_default()
                                .to_string()
                        })
                        .collect()
                } else {
                    vec![module]
                };
                for module in named {
                    if EMULATORS.contains(&module.as_str()) {
                        found.push((number + 1, line.trim().to_string()));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn shared_parts_do_not_import_emulators() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        for file in SHARED_PARTS {
            let source = std::fs::read_to_string(src.join(file)).expect("read a shared file");
            let source = source
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_string();
            for (line, text) in emulator_paths(&source) {
                offenders.push(format!("{file}:{line}: {text}"));
            }
        }
        assert!(
            offenders.is_empty(),
            "shared parts name service modules; go through `Emulator` instead:\n{}",
            offenders.join("\n")
        );
    }

    #[test]
    fn the_check_sees_use_lines_and_inline_paths() {
        let source = "use crate::grafana::state::GrafanaState;\n\
                      use crate::{util::lock, auth0::errors};\n\
                      // crate::kubernetes in a comment is fine\n\
                      let r = crate::tfc::errors::rate_limited(1);\n\
                      use crate::emulator::Emulator;\n";
        let lines: Vec<usize> = emulator_paths(source).into_iter().map(|(n, _)| n).collect();
        assert_eq!(lines, vec![1, 2, 4]);
    }
}
