//! What the module's scripts assume about the core, checked against the Rust sources of truth:
//! environment variable names (src/settings/env.rs), error codes (src/schema.rs), the schema version.

use std::collections::BTreeSet;

use photosync::schema::{SCHEMA_VERSION, json_schema};
use photosync::settings::env::VARS;

use crate::common::{files_under, module_dir, read};

/// Variables the module reads itself; the core never sees them.
const MODULE_ONLY_VARS: &[&str] = &["PHOTOSYNC_BINARY", "PHOTOSYNC_NO_PROGRESS"];

fn module_sources() -> String {
    files_under(&module_dir())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ps1" || e == "psm1"))
        .map(|p| read(p))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_photosync_variable_the_module_sets_is_one_the_core_reads() {
    let sources = module_sources();
    let known: BTreeSet<&str> = VARS.iter().map(|var| var.name).collect();
    let mut used = BTreeSet::new();
    for (start, _) in sources.match_indices("PHOTOSYNC_") {
        let name: String = sources[start..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        // `PHOTOSYNC_*` in comments and messages names the family, not a variable.
        if !name.ends_with('_') {
            used.insert(name);
        }
    }
    assert!(used.contains("PHOTOSYNC_ACCESS_TOKEN"), "found: {used:?}");
    let unknown: Vec<_> = used
        .iter()
        .filter(|n| !known.contains(n.as_str()) && !MODULE_ONLY_VARS.contains(&n.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "the core does not read {unknown:?} (src/settings/env.rs)"
    );
    // Every secret the core takes from the environment can be given through the module.
    for secret in [
        "PHOTOSYNC_CLIENT_SECRET",
        "PHOTOSYNC_ACCESS_TOKEN",
        "PHOTOSYNC_CERTIFICATE_PASSWORD",
        "PHOTOSYNC_LDAP_PASSWORD",
    ] {
        assert!(used.contains(secret), "the module never sets {secret}");
    }
}

#[test]
fn secrets_reach_the_child_only_through_its_start_info_environment() {
    let sources = module_sources();
    // Setting $env:PHOTOSYNC_* would leak secrets into the whole session and later children.
    assert!(
        !sources.contains("$env:PHOTOSYNC_ACCESS_TOKEN")
            && !sources.contains("$env:PHOTOSYNC_CLIENT_SECRET")
            && !sources.contains("SetEnvironmentVariable"),
        "secrets must not be put in the session environment"
    );
    assert!(sources.contains("$startInfo.EnvironmentVariables[$name]"));
    // No command-line flag carries a secret (the core has none, and none may be invented).
    for flag in ["--access-token", "--client-secret", "--password", "--token"] {
        assert!(
            !sources.contains(flag),
            "the module passes {flag} on the command line"
        );
    }
}

/// Every error code the core can emit maps to its own PowerShell ErrorCategory, so the
/// category of an ErrorRecord never silently falls back to NotSpecified.
#[test]
fn every_core_error_code_has_an_error_category() {
    let schema = json_schema();
    let text = serde_json::to_string(&schema).expect("schema serialises");
    let value: serde_json::Value = serde_json::from_str(&text).expect("schema parses");
    let mut codes = BTreeSet::new();
    collect_error_codes(&value, &mut codes);
    assert!(
        codes.contains("user-not-found") && codes.len() >= 15,
        "codes: {codes:?}"
    );
    let mapping = read(
        &module_dir()
            .join("Private")
            .join("Get-PhotoSyncErrorCategory.ps1"),
    );
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !mapping.contains(&format!("'{code}' {{ return")))
        .collect();
    assert!(
        missing.is_empty(),
        "Get-PhotoSyncErrorCategory lacks {missing:?}"
    );
}

/// The module's own error codes (`-Code '...'` in its scripts: no binary, a bad path, no input,
/// several values for one key) have categories too: `PhotoSync.no-input` was NotSpecified.
#[test]
fn every_module_error_code_has_an_error_category() {
    let sources = module_sources();
    let mapping = read(
        &module_dir()
            .join("Private")
            .join("Get-PhotoSyncErrorCategory.ps1"),
    );
    let mut codes = BTreeSet::new();
    for (at, _) in sources.match_indices("-Code '") {
        let rest = &sources[at + "-Code '".len()..];
        if let Some(end) = rest.find('\'') {
            codes.insert(rest[..end].to_string());
        }
    }
    assert!(
        codes.contains("no-input") && codes.contains("binary-missing") && codes.len() >= 8,
        "codes: {codes:?}"
    );
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !mapping.contains(&format!("'{code}' {{ return")))
        .collect();
    assert!(
        missing.is_empty(),
        "Get-PhotoSyncErrorCategory lacks {missing:?}"
    );
}

fn collect_error_codes(value: &serde_json::Value, codes: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(defs)) = map.get("$defs")
                && let Some(error_code) = defs.get("ErrorCode")
            {
                gather_enum_strings(error_code, codes);
            }
            for v in map.values() {
                collect_error_codes(v, codes);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_error_codes(v, codes)),
        _ => {}
    }
}

fn gather_enum_strings(value: &serde_json::Value, codes: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(s)) = map.get("const") {
                codes.insert(s.clone());
            }
            if let Some(serde_json::Value::Array(items)) = map.get("enum") {
                codes.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)));
            }
            map.values().for_each(|v| gather_enum_strings(v, codes));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| gather_enum_strings(v, codes)),
        _ => {}
    }
}

#[test]
fn module_schema_version_matches_the_binary() {
    let root = read(&module_dir().join("PhotoSync.psm1"));
    let declared = root
        .lines()
        .find_map(|l| l.trim().strip_prefix("$script:PhotoSyncSchemaVersion = "))
        .expect("PhotoSync.psm1 declares $script:PhotoSyncSchemaVersion");
    assert_eq!(declared.trim(), SCHEMA_VERSION.to_string());

    // The module reads `schemaVersion` from `photosync schema` before its first run.
    let output = photosync_testkit::photosync!().args(["schema"]).output();
    assert!(output.status.success(), "photosync schema: {output:?}");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let schema: serde_json::Value =
        serde_json::from_str(&text).expect("photosync schema prints JSON");
    assert_eq!(schema["schemaVersion"], serde_json::json!(SCHEMA_VERSION));
    // Assert-PhotoSyncSchemaVersion takes the first `"schemaVersion": <digits>` in the text.
    assert_eq!(first_numeric_schema_version(&text), Some(SCHEMA_VERSION));
}

/// What the module's regex `"schemaVersion"\s*:\s*(\d+)` finds first.
fn first_numeric_schema_version(text: &str) -> Option<u32> {
    text.match_indices("\"schemaVersion\"")
        .find_map(|(at, key)| {
            let rest = text[at + key.len()..]
                .trim_start()
                .strip_prefix(':')?
                .trim_start();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
}

/// The output reference in docs/powershell.md names every value a script may compare with.
#[test]
fn docs_name_every_verdict_state_action_and_error_code() {
    use photosync::schema::{Action, StoreState, Verdict};
    let docs = read(
        &crate::common::repo_root()
            .join("docs")
            .join("powershell.md"),
    );
    let mut values: Vec<String> = Vec::new();
    let words = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
    for verdict in [
        Verdict::InSync,
        Verdict::Differs,
        Verdict::MissingInCloud,
        Verdict::MissingInStore,
        Verdict::NotFound,
        Verdict::MissingInSource,
        Verdict::NoPhoto,
        Verdict::Error,
    ] {
        values.push(words(serde_json::json!(verdict)));
    }
    for state in [
        StoreState::Present,
        StoreState::Absent,
        StoreState::Error,
        StoreState::NotApplicable,
    ] {
        values.push(words(serde_json::json!(state)));
    }
    for action in [
        Action::Updated,
        Action::Skipped,
        Action::WouldUpdate,
        Action::Failed,
    ] {
        values.push(words(serde_json::json!(action)));
    }
    let mut codes = BTreeSet::new();
    collect_error_codes(&json_schema(), &mut codes);
    values.extend(codes);
    let missing: Vec<_> = values
        .iter()
        .filter(|v| !docs.contains(&format!("`{v}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/powershell.md does not name {missing:?}"
    );
}
