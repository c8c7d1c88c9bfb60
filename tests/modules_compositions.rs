//! The two compositions, `modules/ff-aws` and `modules/ff-azure`, are one design written for
//! two clouds: this test fails when they drift apart. `auth0.tf` is the same file byte for
//! byte; `platform.tf` is the same but for its comments and the `eks {}`/`aks {}` block; every
//! variable and output the two declare alike is the same block, once the cloud's own words
//! (AWS/Azure, EKS/AKS, VPC/virtual network) are set aside. A change to one composition is
//! made to the other in the same commit, or this test names what differs.

use std::collections::BTreeMap;
use std::path::Path;

use ff_e2e::tools::repo_root;

/// The cloud's own words in a module, each replaced by a neutral one before comparing.
const WORDS: &[(&str, &str, &str)] = &[
    ("AWS", "Azure", "<cloud>"),
    ("EKS", "AKS", "<cluster kind>"),
    ("VPC", "virtual network", "<network>"),
];

fn read(module: &str, file: &str) -> String {
    let path = repo_root().join("modules").join(module).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text with the cloud's words of module `which` (0: AWS, 1: Azure) made neutral.
fn neutral(text: &str, which: usize) -> String {
    WORDS.iter().fold(text.to_string(), |t, words| {
        let word = if which == 0 { words.0 } else { words.1 };
        t.replace(word, words.2)
    })
}

/// Top-level blocks `kind "NAME" { … }` of an HCL file, by name, as written.
fn blocks(text: &str, kind: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let open = format!("{kind} \"");
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
            if line == "}" {
                let (name, body) = current.take().expect("a block is open");
                out.insert(name, body);
            }
        } else if let Some(rest) = line.strip_prefix(&open) {
            let name = rest.split('"').next().unwrap_or_default().to_string();
            current = Some((name, format!("{line}\n")));
        }
    }
    assert!(current.is_none(), "an unclosed {kind} block");
    out
}

/// `platform.tf` without comments and without the cloud's token block.
fn platform_without_cloud(text: &str) -> String {
    let mut out = String::new();
    let mut depth_in_cloud_block: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if let Some(depth) = depth_in_cloud_block.as_mut() {
            *depth += line.matches('{').count();
            *depth -= line.matches('}').count().min(*depth);
            if *depth == 0 {
                depth_in_cloud_block = None;
            }
            continue;
        }
        if trimmed.starts_with("eks {") || trimmed.starts_with("aks {") {
            let depth = line.matches('{').count() - line.matches('}').count().min(1);
            if depth > 0 {
                depth_in_cloud_block = Some(depth);
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn the_aws_and_azure_compositions_do_not_drift() {
    assert!(Path::new(&repo_root().join("modules/ff-aws")).is_dir());
    let mut problems = Vec::new();

    if read("ff-aws", "auth0.tf") != read("ff-azure", "auth0.tf") {
        problems.push("auth0.tf differs between ff-aws and ff-azure".to_string());
    }

    let (aws, azure) = (
        platform_without_cloud(&read("ff-aws", "platform.tf")),
        platform_without_cloud(&read("ff-azure", "platform.tf")),
    );
    assert!(
        aws.contains("ff_platform_bootstrap"),
        "platform.tf was read: {aws}"
    );
    if aws != azure {
        problems.push(format!(
            "platform.tf differs beyond comments and the eks/aks block:\n--- ff-aws\n{aws}\n--- ff-azure\n{azure}"
        ));
    }

    for (file, kind, at_least) in [
        ("variables.tf", "variable", 20),
        ("outputs.tf", "output", 15),
    ] {
        let aws = blocks(&neutral(&read("ff-aws", file), 0), kind);
        let azure = blocks(&neutral(&read("ff-azure", file), 1), kind);
        let shared: Vec<&String> = aws.keys().filter(|n| azure.contains_key(*n)).collect();
        assert!(
            shared.len() >= at_least,
            "{file}: the compositions share {} {kind}s, expected at least {at_least}",
            shared.len()
        );
        for name in shared {
            if aws[name] != azure[name] {
                problems.push(format!(
                    "{file}: {kind} \"{name}\" differs:\n--- ff-aws\n{}--- ff-azure\n{}",
                    aws[name], azure[name]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_comparison_sees_a_difference() {
    let a = "variable \"x\" {\n  description = \"AWS thing.\"\n}\n";
    let b = "variable \"x\" {\n  description = \"Azure thing.\"\n}\n";
    let c = "variable \"x\" {\n  description = \"Azure things.\"\n}\n";
    assert_eq!(
        blocks(&neutral(a, 0), "variable"),
        blocks(&neutral(b, 1), "variable")
    );
    assert_ne!(
        blocks(&neutral(a, 0), "variable"),
        blocks(&neutral(c, 1), "variable")
    );
    let with_eks =
        "resource \"r\" \"x\" {\n  cluster {\n    eks {\n      region = 1\n    }\n  }\n}\n";
    let with_aks = "resource \"r\" \"x\" {\n  cluster {\n    aks {}\n  }\n}\n";
    assert_eq!(
        platform_without_cloud(with_eks),
        platform_without_cloud(with_aks)
    );
    assert!(platform_without_cloud(with_eks).contains("cluster {"));
}
