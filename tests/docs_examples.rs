//! Every example in the generated docs is valid: each `terraform` code block of
//! docs/index.md and docs/resources/*.md (docs/data-sources/*.md too, when there are any)
//! passes `terraform validate` with the provider's real schema, on every terraform tested;
//! and every `terraform import` line of a page imports into a resource its example declares.
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
    for dir in ["resources", "data-sources"] {
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
    let mut examples = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("read page");
        let page_blocks = blocks(&text, "terraform");
        if page.parent().is_some_and(|p| p.ends_with("resources")) {
            assert!(
                !page_blocks.is_empty(),
                "{} has no example: add examples/resources/<type>/resource.tf and run `cargo xtask docs`",
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
        for block in page_blocks {
            examples.push((relative(page), block));
        }
    }
    for tf in terraforms() {
        for (page, example) in &examples {
            let main = if example.contains("required_providers") {
                example.clone()
            } else {
                format!("{PROVIDER_REQUIREMENT}\n{example}\n")
            };
            let dir = Workdir::new(&tf, &main, Vec::new());
            let run = dir.run(&["validate", "-no-color"]);
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
