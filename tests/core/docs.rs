//! Generated parts of the docs: each block between `<!-- generated:NAME -->` and
//! `<!-- /generated:NAME -->` must equal what the code generates from its one declaration (the
//! environment variable table, the store registry), so the docs cannot drift from the binary.
//! Regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test core docs`.

use std::path::Path;

/// The text of block `name` in `text`, and where it sits.
fn block<'a>(text: &'a str, name: &str) -> Option<(usize, usize, &'a str)> {
    let open = format!("<!-- generated:{name} -->\n");
    let close = format!("<!-- /generated:{name} -->");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    Some((start, end, &text[start..end]))
}

/// Tests run in parallel and two blocks may share a file: one rewrite at a time.
static DOCS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Check (or with `UPDATE_SNAPSHOTS`, rewrite) block `name` of `file` against `generated`.
fn check_block(file: &str, name: &str, generated: &str) {
    let _one_at_a_time = DOCS.lock().unwrap_or_else(|e| e.into_inner());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("read the doc");
    let Some((start, end, current)) = block(&text, name) else {
        panic!("{file} has no `<!-- generated:{name} -->` ... `<!-- /generated:{name} -->` block");
    };
    if current == generated {
        return;
    }
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        let updated = format!("{}{generated}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).expect("write the doc");
        return;
    }
    panic!(
        "{file}: the `{name}` block differs from what the code generates.\n\
         Run `UPDATE_SNAPSHOTS=1 cargo test --test core docs` and commit {file}.\n\
         --- in {file} ---\n{current}\n--- generated ---\n{generated}"
    );
}

#[test]
fn the_environment_tables_in_the_docs_are_the_declared_variables() {
    let generated = photosync::settings::env::markdown();
    check_block("README.md", "environment", &generated);
    check_block("docs/cli.md", "environment", &generated);
}

#[test]
fn the_store_table_in_the_docs_is_the_registry() {
    check_block(
        "docs/cli.md",
        "stores",
        &photosync::store::registry::markdown(),
    );
}

/// A `result` record's reasons are a fixed vocabulary scripts match on: each is documented.
#[test]
fn every_sync_reason_is_documented() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    let text = std::fs::read_to_string(path).expect("read docs/cli.md");
    for reason in photosync::engine::Reason::ALL {
        assert!(
            text.contains(&format!("`{}`", reason.name())),
            "docs/cli.md does not explain the sync reason `{}`",
            reason.name()
        );
    }
}
