//! The JSON contract snapshot: `docs/schema.json` must equal what the types generate, so a
//! contract change is always visible in review. Regenerate with `UPDATE_SNAPSHOTS=1`.

#[test]
fn schema_snapshot_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema.json");
    let mut generated =
        serde_json::to_string_pretty(&photosync::schema::json_schema()).expect("schema serialises");
    generated.push('\n');
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/schema.json");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let diff: Vec<String> = checked_in
            .lines()
            .zip(generated.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(10)
            .map(|(i, (a, b))| format!("line {}:\n  checked in: {a}\n  generated:  {b}", i + 1))
            .collect();
        panic!(
            "docs/schema.json differs from the generated JSON Schema ({} vs {} lines).\n{}\n\
             If the contract change is intended, run `UPDATE_SNAPSHOTS=1 cargo test --test core schema` \
             and commit docs/schema.json.",
            checked_in.lines().count(),
            generated.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn schema_command_prints_the_same_schema() {
    let out = photosync_testkit::photosync!().args(["schema"]).output();
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    assert_eq!(printed, photosync::schema::json_schema());
}
