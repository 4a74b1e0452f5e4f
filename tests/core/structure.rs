//! The architecture's rules, checked on the sources: the engine and the commands decide by what
//! stores declare (capabilities, state keys), never by a store's name, so adding a store is
//! one folder and one registry line (docs/architecture.md).

use std::path::{Path, PathBuf};

/// Every string literal in Rust source, with its line: comments, char literals and lifetimes
/// are skipped; raw and byte strings count.
fn string_literals(source: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        match (at(i), at(i + 1)) {
            ('\n', _) => line += 1,
            ('/', '/') => {
                while i < chars.len() && at(i) != '\n' {
                    i += 1;
                }
                continue;
            }
            ('/', '*') => {
                i += 2;
                while i < chars.len() && !(at(i) == '*' && at(i + 1) == '/') {
                    line += usize::from(at(i) == '\n');
                    i += 1;
                }
                i += 2;
                continue;
            }
            ('\'', next) => {
                // A char literal ('x', '\n', '"'); otherwise a lifetime ('a).
                let end = if next == '\\' {
                    (i + 3..chars.len()).find(|&j| at(j) == '\'')
                } else {
                    (at(i + 2) == '\'').then_some(i + 2)
                };
                if let Some(end) = end {
                    i = end + 1;
                    continue;
                }
            }
            ('r', '"' | '#') if !is_ident(at(i.wrapping_sub(1))) => {
                let mut j = i + 1;
                let mut hashes = 0;
                while at(j) == '#' {
                    hashes += 1;
                    j += 1;
                }
                if at(j) == '"' {
                    let close: String = std::iter::once('"')
                        .chain(std::iter::repeat_n('#', hashes))
                        .collect();
                    let body_start = j + 1;
                    let rest: String = chars[body_start..].iter().collect();
                    let len = rest.find(&close).unwrap_or(rest.len());
                    let body: String = rest.chars().take(len).collect();
                    out.push((line, body.clone()));
                    line += body.matches('\n').count();
                    i = body_start + body.chars().count() + close.chars().count();
                    continue;
                }
            }
            ('"', _) => {
                let mut body = String::new();
                let start_line = line;
                i += 1;
                while i < chars.len() && at(i) != '"' {
                    if at(i) == '\\' {
                        body.push(at(i + 1));
                        i += 2;
                        continue;
                    }
                    line += usize::from(at(i) == '\n');
                    body.push(at(i));
                    i += 1;
                }
                out.push((start_line, body));
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("read the source folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Store names (and `name:` specs) written as literals in `source`.
fn store_name_literals(source: &str) -> Vec<(usize, String)> {
    let mut names: Vec<&str> = photosync::store::BACKENDS.iter().map(|b| b.name).collect();
    names.push("memory");
    string_literals(source)
        .into_iter()
        .filter(|(_, text)| {
            let text = text.trim().to_ascii_lowercase();
            names
                .iter()
                .any(|name| text == *name || text.starts_with(&format!("{name}:")))
        })
        .collect()
}

#[test]
fn the_literal_scan_sees_code_and_skips_comments() {
    let source = r##"
        // "graph" in a comment is prose
        /* "ad" in a block comment too */
        let quote = '"'; let apostrophe = '\''; let life: &'static str = "folder:/x";
        if name == "Graph" { }
        let raw = r#"sharepoint"#;
        let prose = "sync --targets graph";
    "##;
    let found: Vec<(usize, String)> = store_name_literals(source);
    assert_eq!(
        found,
        [
            (4, "folder:/x".to_string()),
            (5, "Graph".to_string()),
            (6, "sharepoint".to_string())
        ]
    );
}

/// The issue behind this rule: about 30 store-name literals in the engine decided behaviour
/// (`"graph" | "sharepoint"` meant cloud, `"ad"` meant the source...), so every new store
/// touched a dozen files and every rule had to be re-implemented per store.
#[test]
fn no_store_name_literal_in_the_engine_or_the_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offending = Vec::new();
    for dir in ["src/engine", "src/commands"] {
        for file in rust_files(&root.join(dir)) {
            let source = std::fs::read_to_string(&file).expect("read a source file");
            for (line, text) in store_name_literals(&source) {
                let shown = file.strip_prefix(root).unwrap_or(&file).display();
                offending.push(format!("{shown}:{line}: \"{text}\""));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "store names belong to the registry; decide by capabilities instead:\n{}",
        offending.join("\n")
    );
}
