//! Every example in the generated docs is valid: each `terraform` code block of
//! docs/index.md, docs/resources/*.md, docs/ephemeral-resources/*.md and
//! docs/list-resources/*.md passes `terraform validate` (with `-query` for the list blocks of
//! `terraform query`) with the provider's real schema, on every terraform tested that knows
//! the feature (ephemeral resources from 1.10, import blocks by identity from 1.12, queries
//! from 1.14); and every `terraform import` line of a page imports into a resource its
//! example declares.
//! (That docs/ is what the generator writes is checked by xtask's own test.)

use std::path::{Path, PathBuf};

use ff_e2e::terraform::Workdir;
use ff_e2e::tools::{repo_root, terraforms};

const PROVIDER_REQUIREMENT: &str = r#"terraform {
  required_providers {
    ff = { source = "registry.terraform.io/ff/ff" }
  }
}
"#;

/// The fenced blocks of `language` in a markdown text.
fn blocks(markdown: &str, language: &str) -> Vec<String> {
    let fence = format!("```{language}\n");
    let mut found = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let Some(end) = body.find("\n```") else { break };
        found.push(body[..end].to_string());
        rest = &body[end..];
    }
    found
}

fn pages() -> Vec<PathBuf> {
    let docs = repo_root().join("docs");
    let mut pages = vec![docs.join("index.md")];
    for dir in [
        "resources",
        "data-sources",
        "ephemeral-resources",
        "list-resources",
    ] {
        if let Ok(entries) = std::fs::read_dir(docs.join(dir)) {
            for entry in entries.flatten() {
                if entry.path().extension().is_some_and(|e| e == "md") {
                    pages.push(entry.path());
                }
            }
        }
    }
    pages.sort();
    pages
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_example_in_the_docs_validates() {
    let pages = pages();
    assert!(
        pages.len() >= 2,
        "docs/ has the provider page and resource pages: {pages:?}"
    );
    // (page, example, what it is)
    let mut examples: Vec<(String, String, Example)> = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("read page");
        let page_blocks = blocks(&text, "terraform");
        let dir = page
            .parent()
            .and_then(Path::file_name)
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        if matches!(
            dir.as_str(),
            "resources" | "ephemeral-resources" | "list-resources"
        ) {
            assert!(
                !page_blocks.is_empty(),
                "{} has no example: add it under examples/{dir}/<type>/ and run `cargo xtask docs`",
                relative(page)
            );
        }
        // Import commands name a resource of the page's example.
        for shell in blocks(&text, "shell") {
            for line in shell.lines().filter(|l| l.starts_with("terraform import ")) {
                let address = line.split_whitespace().nth(2).unwrap_or_default();
                let (kind, name) = address.split_once('.').unwrap_or_default();
                let declared = format!("resource \"{kind}\" \"{name}\"");
                assert!(
                    page_blocks.iter().any(|b| b.contains(&declared)),
                    "{}: `{line}` imports into {address}, which its example does not declare",
                    relative(page)
                );
            }
        }
        let first = page_blocks.first().cloned().unwrap_or_default();
        for block in page_blocks {
            let example = if dir == "list-resources" {
                Example::Query
            } else if block.contains("import {") && block.contains("identity") {
                // Validated with the resource it imports into.
                examples.push((
                    relative(page),
                    format!("{first}\n{block}"),
                    Example::Identity,
                ));
                continue;
            } else if block.contains("ephemeral \"") {
                Example::Ephemeral
            } else {
                Example::Plain
            };
            examples.push((relative(page), block, example));
        }
    }
    let kinds: std::collections::BTreeSet<Example> = examples.iter().map(|(_, _, k)| *k).collect();
    assert_eq!(
        kinds.len(),
        4,
        "every kind of example is in the docs: {kinds:?}"
    );
    for tf in terraforms() {
        for (page, example, kind) in &examples {
            let (major, minor) = kind.needs();
            if !tf.at_least(major, minor) {
                continue;
            }
            let (main, query) = match kind {
                Example::Query => (PROVIDER_REQUIREMENT.to_string(), Some(example.clone())),
                _ if example.contains("required_providers") => (example.clone(), None),
                _ => (format!("{PROVIDER_REQUIREMENT}\n{example}\n"), None),
            };
            let dir = Workdir::new(&tf, &main, Vec::new());
            let run = match query {
                Some(query) => {
                    dir.write("example.tfquery.hcl", &query);
                    dir.run(&["validate", "-query", "-no-color"])
                }
                None => dir.run(&["validate", "-no-color"]),
            };
            assert_eq!(
                run.code,
                0,
                "terraform {}: the example of {page} does not validate:\n{example}\n{}",
                tf.version,
                run.output()
            );
        }
    }
}

/// What an example needs of Terraform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Example {
    /// Any version.
    Plain,
    /// `ephemeral` blocks: 1.10.
    Ephemeral,
    /// `import` blocks with `identity`: 1.12.
    Identity,
    /// `list` blocks in `.tfquery.hcl` files: 1.14.
    Query,
}

impl Example {
    fn needs(self) -> (u32, u32) {
        match self {
            Example::Plain => (0, 0),
            Example::Ephemeral => (1, 10),
            Example::Identity => (1, 12),
            Example::Query => (1, 14),
        }
    }
}
