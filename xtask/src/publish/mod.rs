//! `cargo xtask publish`: publishes a signed release (from `cargo xtask release --gpg-key`)
//! to a Terraform Cloud / Enterprise private registry, following the documented steps
//! (<https://developer.hashicorp.com/terraform/cloud-docs/registry/publish-providers>):
//!
//! 1. the private provider `ORG/ff` — `GET`, created with `POST .../registry-providers` when
//!    missing ([providers API](https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/providers));
//! 2. the GPG public key — `GET /api/registry/private/v2/gpg-keys/ORG/KEY_ID`, added with
//!    `POST /api/registry/private/v2/gpg-keys` when missing
//!    ([GPG keys API](https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/gpg-keys));
//! 3. the version — `GET .../versions/VERSION`, created with `protocols` from the registry
//!    manifest and the key id when missing; then `SHA256SUMS` and its signature are `PUT` to
//!    the `shasums-upload` / `shasums-sig-upload` links while the registry says they are not
//!    uploaded ([versions and platforms API](https://developer.hashicorp.com/terraform/cloud-docs/api-docs/private-registry/provider-versions-platforms));
//! 4. each platform — `GET .../platforms/OS/ARCH`, created with its `shasum` and `filename`
//!    when missing; its zip is `PUT` to `provider-binary-upload` while not uploaded.
//!
//! Every step reads first, so a second run (or one after an interruption) sends only what
//! is missing, and a run over a complete version sends nothing but reads. What exists with
//! different content (another key, another checksum) is an error, never overwritten.
//! `--dry-run` performs the reads and prints the writes instead of sending them. The token
//! comes from the environment only and is never printed.

mod api;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::names;
use crate::platform::Platform;
use api::{Api, Found, Written};

/// `cargo xtask publish` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Organization whose private registry receives the provider (it is also the
    /// provider's namespace: `HOSTNAME/ORGANIZATION/ff`).
    #[arg(long, env = "TFE_ORGANIZATION")]
    pub organization: String,
    /// Terraform Cloud / Enterprise hostname.
    #[arg(long, env = "TFE_HOSTNAME", default_value = "app.terraform.io")]
    pub hostname: String,
    /// Base URL of the API, when it is not https://HOSTNAME (e.g. a local emulator).
    #[arg(long, env = "TFE_ADDRESS")]
    pub address: Option<String>,
    /// Release directory written by `cargo xtask release --gpg-key ...`.
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// PEM bundle of extra CA certificates to trust.
    #[arg(long, env = "SSL_CERT_FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Read what exists and print the requests that would change the registry, without
    /// sending them.
    #[arg(long)]
    pub dry_run: bool,
}

/// The files of the release being published.
struct Release {
    version: String,
    sha256sums: PathBuf,
    signature: PathBuf,
    public_key: PathBuf,
    protocols: Vec<String>,
    archives: Vec<(Platform, PathBuf, String)>,
}

/// What the run did (or, in a dry run, would do), for the summary.
#[derive(Default)]
struct Summary {
    dry_run: bool,
    lines: Vec<String>,
    changes: usize,
}

impl Summary {
    /// Something that already is as it should be.
    fn kept(&mut self, what: String, state: &str) {
        self.lines.push(format!("{what}: {state}"));
    }

    /// Something created or uploaded now (or that would be, in a dry run).
    fn changed(&mut self, what: String, action: &str) {
        self.changes += 1;
        let action = if self.dry_run {
            format!("would be {action}")
        } else {
            action.to_string()
        };
        self.lines.push(format!("{what}: {action}"));
    }
}

/// The token: `TFE_TOKEN`, or Terraform's own `TF_TOKEN_<hostname>` variable.
fn token(hostname: &str) -> Result<String> {
    if let Ok(token) = std::env::var("TFE_TOKEN")
        && !token.trim().is_empty()
    {
        return Ok(token.trim().to_string());
    }
    let variable = format!(
        "TF_TOKEN_{}",
        hostname.replace('-', "__").replace(['.', ':'], "_")
    );
    match std::env::var(&variable) {
        Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_string()),
        _ => bail!(
            "no API token: set TFE_TOKEN (or {variable}) to a token of a user or team with \
             Manage Private Registry permission (tokens are never taken as arguments)"
        ),
    }
}

/// Runs the publication.
pub fn run(args: &Args) -> Result<()> {
    let release = read_release(&args.dist)?;
    crate::gpg::verify_with(&release.public_key, &release.signature, &release.sha256sums)
        .context("the release's signature does not verify with its public key; release again")?;
    let key_id = crate::gpg::key_id_of_file(&release.public_key)?;
    let armor = std::fs::read_to_string(&release.public_key)
        .with_context(|| format!("cannot read {}", release.public_key.display()))?;
    let org = args.organization.trim();
    if org.is_empty()
        || !org
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        bail!("{org:?} is not an organization name");
    }
    let base = match &args.address {
        Some(address) => address.trim_end_matches('/').to_string(),
        None => format!("https://{}", args.hostname),
    };
    let ca = match &args.ca_cert {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?)
        }
        None => None,
    };
    let api = Api::new(&base, token(&args.hostname)?, ca.as_deref(), args.dry_run)?;
    println!(
        "publishing terraform-provider-ff {} to {base} as {}/{org}/{} (key {key_id}){}",
        release.version,
        args.hostname,
        names::PROVIDER_TYPE,
        if args.dry_run { " — dry run" } else { "" }
    );
    let mut summary = Summary {
        dry_run: args.dry_run,
        ..Summary::default()
    };
    ensure_provider(&api, org, &mut summary)?;
    ensure_key(&api, org, &key_id, &armor, &mut summary)?;
    ensure_version(&api, org, &key_id, &release, &mut summary)?;
    for (platform, path, shasum) in &release.archives {
        ensure_platform(
            &api,
            org,
            &release.version,
            platform,
            path,
            shasum,
            &mut summary,
        )?;
    }
    println!();
    for line in &summary.lines {
        println!("  {line}");
    }
    match (summary.changes, args.dry_run) {
        (0, _) => println!("nothing to do: {} is fully published", release.version),
        (n, true) => println!("dry run: {n} change(s) would be made"),
        (n, false) => println!("done: {n} change(s) made"),
    }
    Ok(())
}

fn provider_path(org: &str) -> String {
    format!(
        "/api/v2/organizations/{org}/registry-providers/private/{org}/{}",
        names::PROVIDER_TYPE
    )
}

fn ensure_provider(api: &Api, org: &str, summary: &mut Summary) -> Result<()> {
    match api.get(&provider_path(org))? {
        Found::Yes(_) => summary.kept("provider".into(), "exists"),
        Found::No => {
            api.post(
                &format!("/api/v2/organizations/{org}/registry-providers"),
                &json!({"data": {"type": "registry-providers", "attributes": {
                    "name": names::PROVIDER_TYPE,
                    "namespace": org,
                    "registry-name": "private",
                }}}),
            )?;
            summary.changed("provider".into(), "created");
        }
    }
    Ok(())
}

fn ensure_key(
    api: &Api,
    org: &str,
    key_id: &str,
    armor: &str,
    summary: &mut Summary,
) -> Result<()> {
    match api.get(&format!("/api/registry/private/v2/gpg-keys/{org}/{key_id}"))? {
        Found::Yes(_) => summary.kept(format!("GPG key {key_id}"), "exists"),
        Found::No => {
            let written = api.post(
                "/api/registry/private/v2/gpg-keys",
                &json!({"data": {"type": "gpg-keys", "attributes": {
                    "namespace": org,
                    "ascii-armor": armor,
                }}}),
            )?;
            if let Written::Sent(doc) = written {
                let registered = doc
                    .pointer("/data/attributes/key-id")
                    .and_then(Value::as_str);
                if registered.map(str::to_ascii_uppercase).as_deref() != Some(key_id) {
                    bail!(
                        "the registry registered the key as {registered:?}, but gpg reads its id as \
                         {key_id}: is the public key file the one that signed SHA256SUMS?"
                    );
                }
            }
            summary.changed(format!("GPG key {key_id}"), "added");
        }
    }
    Ok(())
}

fn ensure_version(
    api: &Api,
    org: &str,
    key_id: &str,
    release: &Release,
    summary: &mut Summary,
) -> Result<()> {
    let version = &release.version;
    let versions = format!("{}/versions", provider_path(org));
    let document = match api.get(&format!("{versions}/{version}"))? {
        Found::Yes(doc) => {
            let attributes = &doc["data"]["attributes"];
            let existing_key = attributes["key-id"].as_str().unwrap_or_default();
            if !existing_key.eq_ignore_ascii_case(key_id) {
                bail!(
                    "version {version} exists, signed with key {existing_key:?} instead of \
                     {key_id}; delete the version in the registry to publish it again"
                );
            }
            let protocols: Vec<&str> = attributes["protocols"]
                .as_array()
                .map(|p| p.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if release
                .protocols
                .iter()
                .any(|p| !protocols.contains(&p.as_str()))
            {
                bail!(
                    "version {version} exists with protocols {protocols:?}, not {:?}; delete the \
                     version in the registry to publish it again",
                    release.protocols
                );
            }
            summary.kept(format!("version {version}"), "exists");
            Some(doc)
        }
        Found::No => {
            let written = api.post(
                &versions,
                &json!({"data": {"type": "registry-provider-versions", "attributes": {
                    "version": version,
                    "key-id": key_id,
                    "protocols": release.protocols,
                }}}),
            )?;
            summary.changed(
                format!("version {version} (protocols {:?})", release.protocols),
                "created",
            );
            match written {
                Written::Sent(doc) => Some(doc),
                Written::DryRun => None,
            }
        }
    };
    let uploaded = |flag: &str| {
        document
            .as_ref()
            .and_then(|d| d.pointer(&format!("/data/attributes/{flag}")))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let link = |name: &str| {
        document
            .as_ref()
            .and_then(|d| d.pointer(&format!("/data/links/{name}")))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    for (flag, link_name, path, label) in [
        (
            "shasums-uploaded",
            "shasums-upload",
            &release.sha256sums,
            "SHA256SUMS",
        ),
        (
            "shasums-sig-uploaded",
            "shasums-sig-upload",
            &release.signature,
            "SHA256SUMS.sig",
        ),
    ] {
        if uploaded(flag) {
            summary.kept(label.to_string(), "uploaded");
        } else {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            api.upload(link(link_name).as_deref(), &file_name(path), bytes)?;
            summary.changed(label.to_string(), "uploaded");
        }
    }
    Ok(())
}

fn ensure_platform(
    api: &Api,
    org: &str,
    version: &str,
    platform: &Platform,
    path: &Path,
    shasum: &str,
    summary: &mut Summary,
) -> Result<()> {
    let platforms = format!("{}/versions/{version}/platforms", provider_path(org));
    let filename = file_name(path);
    let document = match api.get(&format!("{platforms}/{}/{}", platform.os, platform.arch))? {
        Found::Yes(doc) => {
            let existing = doc["data"]["attributes"]["shasum"]
                .as_str()
                .unwrap_or_default();
            if existing != shasum {
                bail!(
                    "platform {platform} of {version} exists with shasum {existing}, but \
                     {filename} has {shasum}; delete the version in the registry to publish \
                     this build"
                );
            }
            summary.kept(format!("platform {platform}"), "exists");
            Some(doc)
        }
        Found::No => {
            // The documentation's table names the type "registry-provider-platforms" (its
            // sample payload says "registry-provider-version-platforms"); the table wins.
            let written = api.post(
                &platforms,
                &json!({"data": {"type": "registry-provider-platforms", "attributes": {
                    "os": platform.os,
                    "arch": platform.arch,
                    "shasum": shasum,
                    "filename": filename,
                }}}),
            )?;
            summary.changed(format!("platform {platform}"), "created");
            match written {
                Written::Sent(doc) => Some(doc),
                Written::DryRun => None,
            }
        }
    };
    let uploaded = document
        .as_ref()
        .and_then(|d| d.pointer("/data/attributes/provider-binary-uploaded"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if uploaded {
        summary.kept(filename.clone(), "uploaded");
    } else {
        let link = document
            .as_ref()
            .and_then(|d| d.pointer("/data/links/provider-binary-upload"))
            .and_then(Value::as_str);
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        api.upload(link, &filename, bytes)?;
        summary.changed(filename.clone(), "uploaded");
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The release of this version in `dist`, checked for everything the registry requires:
/// the signature and its public key, and that every zip is listed in `SHA256SUMS` with the
/// checksum it has.
fn read_release(dist: &Path) -> Result<Release> {
    let version = ff_provider::VERSION.to_string();
    let sha256sums = dist.join(names::sha256sums(&version));
    let signature = dist.join(names::signature(&version));
    let public_key = dist.join(names::public_key(&version));
    let manifest = dist.join(names::manifest(&version));
    let sums = std::fs::read_to_string(&sha256sums).with_context(|| {
        format!(
            "{} is missing: run `cargo xtask release --gpg-key KEY --out {}` first",
            sha256sums.display(),
            dist.display()
        )
    })?;
    for required in [&signature, &public_key] {
        if !required.is_file() {
            bail!(
                "{} is missing: the private registry requires a signed release; run \
                 `cargo xtask release --gpg-key KEY --out {}`",
                required.display(),
                dist.display()
            );
        }
    }
    let manifest_doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?,
    )
    .with_context(|| format!("{} is not JSON", manifest.display()))?;
    let protocols: Vec<String> = manifest_doc
        .pointer("/metadata/protocol_versions")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if protocols.is_empty() {
        bail!("{} declares no protocol_versions", manifest.display());
    }

    let mut archives = Vec::new();
    for line in sums.lines() {
        let Some((digest, name)) = line.split_once("  ") else {
            bail!("{} has a malformed line {line:?}", sha256sums.display());
        };
        let Some((file_version, platform)) = names::parse_zip(name) else {
            continue; // the manifest
        };
        if file_version != version {
            bail!(
                "{} lists {name}, which is not version {version}",
                sha256sums.display()
            );
        }
        let path = dist.join(name);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let actual = crate::hashes::sha256_hex(&bytes);
        if actual != digest {
            bail!(
                "{name} has SHA-256 {actual}, but {} lists {digest}: the release directory is \
                 inconsistent; run the release again",
                sha256sums.display()
            );
        }
        archives.push((platform, path, digest.to_string()));
    }
    if archives.is_empty() {
        bail!("{} lists no archive", sha256sums.display());
    }
    archives.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Release {
        version,
        sha256sums,
        signature,
        public_key,
        protocols,
        archives,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_the_environment_only() {
        // TF_TOKEN_<host> as Terraform encodes it: dots → "_", dashes → "__".
        if std::env::var("TFE_TOKEN").is_ok() {
            return; // the caller's token would be used
        }
        let err = token("no-such.example.invalid").unwrap_err().to_string();
        assert!(err.contains("TF_TOKEN_no__such_example_invalid"), "{err}");
    }

    #[test]
    fn a_release_without_signature_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let version = ff_provider::VERSION;
        std::fs::write(
            tmp.path().join(names::sha256sums(version)),
            "00  terraform-provider-ff_x_linux_amd64.zip\n",
        )
        .unwrap();
        let err = read_release(tmp.path()).err().unwrap().to_string();
        assert!(err.contains("requires a signed release"), "{err}");
    }
}
