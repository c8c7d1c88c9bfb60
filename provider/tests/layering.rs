//! The provider crate's layers only point down, and no files import each other in a circle.
//!
//! Layers, top to bottom (README "How the provider is built", CONTRIBUTING "Layout"):
//!
//! 1. entry: `lib.rs`, `main.rs`, `provider.rs` (the tfplugin provider and its resource list);
//! 2. resources: `resources/**`;
//! 3. config: `config/**` (model, schema, validation, building every client);
//! 4. context: `context.rs` (what the resources receive);
//! 5. backends: `backends/**`;
//! 6. foundation: `naming.rs`, `diag.rs`, `logging.rs`, `stop.rs`, `optional_block.rs`.
//!
//! Resources and configuration are side by side: neither imports the other (the resources
//! get the configured clients through the context). The test reads every file under
//! `provider/src`, collects its `crate::`, `super::` and `self::` paths and its uses of its
//! own child modules, maps each to the file that defines it, and fails naming the file, the
//! line and the import that points up, or the files of a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top first, and the layers each may import from (besides itself).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "entry",
        &["resources", "config", "context", "backends", "foundation"],
    ),
    ("resources", &["context", "backends", "foundation"]),
    ("config", &["context", "backends", "foundation"]),
    ("context", &["backends", "foundation"]),
    ("backends", &["foundation"]),
    ("foundation", &[]),
];

/// The layer of a top-level module of the crate (`None`: not placed yet).
fn layer_of_module(first: Option<&str>) -> Option<&'static str> {
    Some(match first {
        None | Some("provider") => "entry",
        Some("resources") => "resources",
        Some("config") => "config",
        Some("context") => "context",
        Some("backends") => "backends",
        Some("naming" | "diag" | "logging" | "stop" | "optional_block") => "foundation",
        Some(_) => return None,
    })
}

/// One source file: its path under `src/`, its module path and its text.
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

/// A use of another file of the crate.
#[derive(Clone, Debug)]
struct Import {
    from: String,
    to: String,
    line: usize,
    path: String,
}

/// The module path of a file under `src/` (`lib.rs` and `main.rs` are the root).
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.split('/').map(str::to_string).collect();
    let last = parts.pop().unwrap_or_default();
    match last.as_str() {
        "mod.rs" => {}
        "lib.rs" | "main.rs" if parts.is_empty() => {}
        name => parts.push(name.trim_end_matches(".rs").to_string()),
    }
    parts
}

fn read_sources(root: &Path) -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let file = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            Source {
                module: module_of(&file),
                file,
                text,
            }
        })
        .collect()
}

/// For each line, how many inline modules (`mod tests { … }`) it is in, as rustfmt lays
/// them out: the block closes at the first `}` with the opening line's indentation.
fn inline_depths(text: &str) -> Vec<usize> {
    let mut open: Vec<String> = Vec::new();
    let mut depths = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if open.last().is_some_and(|i| line == format!("{i}}}")) {
            open.pop();
            depths.push(open.len() + 1);
            continue;
        }
        depths.push(open.len());
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let opens_mod = match words.as_slice() {
            ["mod", _, "{"] => true,
            [vis, "mod", _, "{"] => vis.starts_with("pub"),
            _ => false,
        };
        if opens_mod {
            open.push(indent.to_string());
        }
    }
    depths
}

/// The child modules a file declares (`mod x;`, `pub mod x;`).
fn child_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let name = match words.as_slice() {
                ["mod", name] => name,
                [vis, "mod", name] if vis.starts_with("pub") => name,
                _ => return None,
            };
            name.strip_suffix(';').map(str::to_string)
        })
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths of a text that start at `crate`, `super`, `self` or one of `children`, each
/// with its line (0-based) and segments; a `{…}` group is expanded one level, across lines.
fn paths_in(text: &str, children: &[String]) -> Vec<(usize, String, Vec<String>)> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut line_of = Vec::with_capacity(chars.len());
    let mut line = 0;
    for &c in &chars {
        line_of.push(line);
        if c == '\n' {
            line += 1;
        }
    }
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':');
        if !starts_word || !is_ident(chars[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (is_ident(chars[j]) || chars[j] == ':') {
            j += 1;
        }
        let written: String = chars[i..j].iter().collect();
        let first = written.split("::").next().unwrap_or_default();
        let rooted =
            matches!(first, "crate" | "super" | "self") || children.iter().any(|c| c == first);
        if !(rooted && written.contains("::")) {
            i = j;
            continue;
        }
        let base: Vec<String> = written
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if written.ends_with("::") && chars.get(j) == Some(&'{') {
            let close = chars[j..]
                .iter()
                .position(|&c| c == '}')
                .map_or(chars.len(), |p| j + p);
            let group: String = chars[j + 1..close].iter().collect();
            for item in group.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let mut path = base.clone();
                path.extend(
                    item.split("::")
                        .map(|s| s.trim().trim_matches(|c: char| !is_ident(c)).to_string())
                        .filter(|s| !s.is_empty() && s != "self"),
                );
                found.push((line_of[i], format!("{written}{{{item}}}"), path));
            }
            i = close;
            continue;
        }
        found.push((line_of[i], written, base));
        i = j;
    }
    found
}

/// Every import between files of the crate.
fn imports(sources: &[Source]) -> Vec<Import> {
    let files: BTreeMap<Vec<String>, &str> = sources
        .iter()
        .filter(|s| s.file != "main.rs")
        .map(|s| (s.module.clone(), s.file.as_str()))
        .collect();
    let mut out = Vec::new();
    for source in sources {
        let children = child_modules(&source.text);
        let depths = inline_depths(&source.text);
        let comments: Vec<bool> = source
            .text
            .lines()
            .map(|l| l.trim_start().starts_with("//"))
            .collect();
        {
            for (n, written, segments) in paths_in(&source.text, &children) {
                if comments.get(n).copied().unwrap_or(false) {
                    continue;
                }
                let mut inline = depths.get(n).copied().unwrap_or(0);
                let mut module = source.module.clone();
                let mut rest = segments.as_slice();
                match rest.first().map(String::as_str) {
                    Some("crate") => {
                        module.clear();
                        rest = &rest[1..];
                    }
                    Some("self") => rest = &rest[1..],
                    Some("super") => {
                        while rest.first().is_some_and(|s| s == "super") {
                            if inline > 0 {
                                inline -= 1;
                            } else {
                                module.pop();
                            }
                            rest = &rest[1..];
                        }
                    }
                    _ => {}
                }
                if module.is_empty() && source.file == "main.rs" {
                    continue;
                }
                let mut target = module.clone();
                let mut best = files.get(&module).copied();
                for segment in rest {
                    target.push(segment.clone());
                    if let Some(file) = files.get(&target) {
                        best = Some(file);
                    }
                }
                if let Some(to) = best
                    && to != source.file
                {
                    out.push(Import {
                        from: source.file.clone(),
                        to: to.to_string(),
                        line: n + 1,
                        path: written,
                    });
                }
            }
        }
    }
    out
}

fn layer_of_file(file: &str) -> Option<&'static str> {
    if file == "main.rs" || file == "lib.rs" {
        return Some("entry");
    }
    let module = module_of(file);
    layer_of_module(module.first().map(String::as_str))
}

/// What is wrong: files in no layer, imports that point up or sideways, and circles.
fn problems(sources: &[Source]) -> Vec<String> {
    let mut problems = Vec::new();
    for source in sources {
        if layer_of_file(&source.file).is_none() {
            problems.push(format!(
                "{} is in no layer: place its module in layer_of_module (tests/layering.rs) \
                 and in the layering described in README.md",
                source.file
            ));
        }
    }
    let all = imports(sources);
    for import in &all {
        let (Some(from), Some(to)) = (layer_of_file(&import.from), layer_of_file(&import.to))
        else {
            continue;
        };
        let allowed = from == to
            || LAYERS
                .iter()
                .any(|(layer, below)| *layer == from && below.contains(&to));
        if !allowed {
            problems.push(format!(
                "{}:{} imports `{}` from {} — layer `{from}` may not import layer `{to}`",
                import.from, import.line, import.path, import.to
            ));
        }
    }
    // Circles: files that reach each other through imports.
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for import in &all {
        edges
            .entry(import.from.as_str())
            .or_default()
            .insert(import.to.as_str());
    }
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(file) = todo.pop() {
            for next in edges.get(file).into_iter().flatten() {
                if seen.insert(*next) {
                    todo.push(next);
                }
            }
        }
        seen
    };
    let mut named = BTreeSet::new();
    for import in &all {
        // One line per pair of files in a circle, at its first import.
        if reach(&import.to).contains(import.from.as_str())
            && named.insert((import.from.as_str(), import.to.as_str()))
        {
            let from = import.from.as_str();
            let circle: BTreeSet<&str> = edges
                .keys()
                .copied()
                .filter(|f| *f == from || (reach(from).contains(f) && reach(f).contains(from)))
                .collect();
            problems.push(format!(
                "{}:{} imports `{}` from {}, which leads back: a circle through {:?}",
                import.from, import.line, import.path, import.to, circle
            ));
        }
    }
    problems
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn layers_only_point_down_and_no_file_imports_in_a_circle() {
    let sources = read_sources(&src_dir());
    assert!(
        sources.len() > 20,
        "found only {} files under {}",
        sources.len(),
        src_dir().display()
    );
    let problems = problems(&sources);
    assert!(
        problems.is_empty(),
        "the provider crate's layering is broken:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_layer_is_reached_from_the_one_above() {
    // The check sees the imports it is meant to judge: the real crate has edges between
    // each pair of neighbouring layers, so a scanner that found nothing would fail here.
    let sources = read_sources(&src_dir());
    let pairs: BTreeSet<(&str, &str)> = imports(&sources)
        .iter()
        .filter_map(|i| Some((layer_of_file(&i.from)?, layer_of_file(&i.to)?)))
        .collect();
    for expected in [
        ("entry", "config"),
        ("entry", "resources"),
        ("resources", "context"),
        ("config", "context"),
        ("config", "backends"),
        ("context", "backends"),
        ("backends", "foundation"),
    ] {
        assert!(
            pairs.contains(&expected),
            "no import from {} to {} found; the scanner misses imports ({pairs:?})",
            expected.0,
            expected.1
        );
    }
}

fn fake(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(file, text)| Source {
            file: file.to_string(),
            module: module_of(file),
            text: text.to_string(),
        })
        .collect()
}

#[test]
fn an_upward_import_is_named() {
    let sources = fake(&[
        ("lib.rs", "pub mod backends;\npub mod provider;\n"),
        ("provider.rs", "use crate::backends::auth0::Client;\n"),
        ("backends/mod.rs", "pub mod auth0;\npub mod http;\n"),
        (
            "backends/auth0.rs",
            "use super::http::Http;\nuse crate::provider::Auth0Credentials;\n",
        ),
        ("backends/http.rs", "pub struct Http;\n"),
    ]);
    let problems = problems(&sources);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "backends/auth0.rs:2 imports `crate::provider::Auth0Credentials` from provider.rs"
        ),
        "{problems:#?}"
    );
    assert!(
        problems[1..].iter().all(|p| p.contains("a circle through")),
        "{problems:#?}"
    );
}

#[test]
fn a_circle_within_a_layer_and_grouped_paths_are_seen() {
    let sources = fake(&[
        ("lib.rs", "pub mod resources;\n"),
        ("resources/mod.rs", "mod bootstrap;\n"),
        (
            "resources/bootstrap/mod.rs",
            "mod validate;\nfn f() { validate::check(); }\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
        (
            "resources/bootstrap/validate.rs",
            "use super::{\n    model::State,\n    parse,\n};\n",
        ),
    ]);
    let problems = problems(&sources);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems.iter().any(|p| p.starts_with(
            "resources/bootstrap/validate.rs:1 imports `super::{model::State}` from resources/bootstrap/mod.rs"
        )),
        "{problems:#?}"
    );
}

#[test]
fn a_test_module_importing_its_own_file_is_no_circle() {
    let sources = fake(&[
        ("lib.rs", "pub mod naming;\npub mod diag;\n"),
        (
            "naming.rs",
            "pub fn f() {}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::diag::chain;\n}\n",
        ),
        ("diag.rs", "pub fn chain() {}\n"),
    ]);
    let all = imports(&sources);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0].from.as_str(), all[0].to.as_str()),
        ("naming.rs", "diag.rs")
    );
    assert!(problems(&sources).is_empty());
}
