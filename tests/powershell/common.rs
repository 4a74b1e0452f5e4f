//! Shared helpers: where the module lives, and reading PowerShell files with tree-sitter.

use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser, Tree};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn module_dir() -> PathBuf {
    repo_root().join("powershell").join("PhotoSync")
}

/// Every file under `dir` (recursively), sorted, skipping hidden ones.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", current.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The PowerShell sources of the module and of the Pester suite.
pub fn powershell_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = files_under(&module_dir())
        .into_iter()
        .chain(files_under(&repo_root().join("tests").join("pester")))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("ps1" | "psm1" | "psd1")
            )
        })
        .collect();
    files.sort();
    files
}

pub fn parse(source: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("the tree-sitter-powershell grammar loads");
    parser
        .parse(source, None)
        .expect("tree-sitter returns a tree")
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every node of the tree, depth first.
pub fn all_nodes(tree: &Tree) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        out.push(node);
        for i in (0..node.child_count()).rev() {
            if let Some(child) = node.child(i as u32) {
                stack.push(child);
            }
        }
    }
    out
}

/// Syntax problems as `line:col: what`, 1-based.
pub fn syntax_problems(source: &str) -> Vec<String> {
    let tree = parse(source);
    let mut problems = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let at = node.start_position();
            let what = if node.is_missing() {
                format!("missing {}", node.kind())
            } else {
                let text = node_text(node, source);
                let snippet: String = text.chars().take(40).collect();
                format!("unexpected `{}`", snippet.replace('\n', "\\n"))
            };
            problems.push(format!("{}:{}: {what}", at.row + 1, at.column + 1));
            continue;
        }
        if node.has_error() {
            for i in 0..node.child_count() {
                if let Some(child) = node.child(i as u32) {
                    stack.push(child);
                }
            }
        }
    }
    problems.sort();
    problems
}

pub fn node_text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// The names of the functions a script defines (`function Verb-Noun { ... }`).
pub fn defined_functions(source: &str) -> Vec<String> {
    let tree = parse(source);
    all_nodes(&tree)
        .into_iter()
        .filter(|n| n.kind() == "function_name")
        .map(|n| node_text(n, source).to_string())
        .collect()
}

/// String literal values (quotes removed) anywhere under `node`.
pub fn string_values(node: Node<'_>, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "string_literal" {
            let text = node_text(n, source);
            out.push(text.trim_matches(|c| c == '\'' || c == '"').to_string());
            continue;
        }
        for i in (0..n.child_count()).rev() {
            if let Some(child) = n.child(i as u32) {
                stack.push(child);
            }
        }
    }
    out
}
