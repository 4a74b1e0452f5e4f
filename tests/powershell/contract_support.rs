//! How the contract tests run photosync the way the module does: the JSON Lines that
//! New-PhotoSyncInputItem produces, and the arguments the cmdlets build, read from their scripts.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Value, json};

use crate::common::repo_root;

pub struct Run {
    pub code: i32,
    pub records: Vec<Value>,
    pub stderr: String,
}

/// Runs photosync the way Start-PhotoSyncCore does: stdin JSON Lines, no PHOTOSYNC_*
/// settings inherited from the test's environment, working directory = the caller's location.
pub fn run(cwd: &Path, args: &[&str], lines: &[String]) -> Run {
    let mut payload = String::new();
    for line in lines {
        payload.push_str(line);
        payload.push('\n');
    }
    // The kit writes stdin from a thread, as the module writes asynchronously: output may fill
    // the pipe first.
    let output = photosync_testkit::photosync!()
        .args(args)
        .current_dir(cwd)
        .without_env_prefix("PHOTOSYNC_")
        .stdin(payload)
        .output();
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let records = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    Run {
        code: output.status.code().expect("exit code, not a signal"),
        records,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn of_type<'a>(run: &'a Run, kind: &str) -> Vec<&'a Value> {
    run.records.iter().filter(|r| r["type"] == kind).collect()
}

pub fn hr_photo(name: &str) -> PathBuf {
    repo_root().join("examples").join("hr").join(name)
}

pub fn photo_bytes(name: &str) -> Vec<u8> {
    std::fs::read(hr_photo(name)).expect("examples/hr photo")
}

/// What New-PhotoSyncInputItem writes: the bound
/// properties only, in this order, camelCase, photo bytes as base64, absent keys left out.
#[derive(Default)]
pub struct ModuleRecord<'a> {
    pub upn: Option<&'a str>,
    pub guid: Option<&'a str>,
    pub sam: Option<&'a str>,
    pub mail: Option<&'a str>,
    pub photo: Option<&'a [u8]>,
    pub photo_path: Option<&'a Path>,
}

impl ModuleRecord<'_> {
    pub fn line(&self) -> String {
        let mut map = serde_json::Map::new();
        let mut put = |key: &str, value: Option<&str>| {
            if let Some(v) = value {
                map.insert(key.to_string(), json!(v));
            }
        };
        put("userPrincipalName", self.upn);
        put("objectGuid", self.guid);
        put("samAccountName", self.sam);
        put("mail", self.mail);
        if let Some(bytes) = self.photo {
            map.insert(
                "thumbnailPhoto".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
            );
        }
        if let Some(path) = self.photo_path {
            map.insert("photoPath".into(), json!(path.to_string_lossy()));
        }
        Value::Object(map).to_string()
    }
}

pub const ANN_GUID: &str = "0b9a4c2e-5d6f-4a1b-9c8d-7e6f5a4b3c2d";

pub fn assert_common_shape(run: &Run) {
    assert!(
        !run.records.is_empty(),
        "no records; stderr: {}",
        run.stderr
    );
    for record in &run.records {
        assert_eq!(record["schemaVersion"], json!(1), "{record}");
        assert!(record["type"].is_string(), "{record}");
    }
    let summary = run.records.last().expect("records");
    assert_eq!(summary["type"], "summary", "the summary comes last");
    assert_eq!(
        summary["exitCode"],
        json!(run.code),
        "summary.exitCode = exit code"
    );
}

/// The arguments Get-PhotoSyncStatus builds, read from its script: the `$arguments = @(...)` list
/// of its begin block, `--input -`, and the `--progress none` Start-PhotoSyncCore adds outside a
/// console host. Expressions are replaced by the values a default call gives them.
pub fn status_args(stores: &str) -> Vec<String> {
    let script = public_script("Get-PhotoSyncStatus.ps1");
    let concurrency = parameter_default(&script, "Concurrency");
    let mut args = module_argument_list(
        &script,
        "$arguments = @(",
        &[
            ("($coreSpecs -join ',')", stores),
            ("[string]$Concurrency", &concurrency),
        ],
    );
    args.extend(module_argument_list(
        &script,
        "$arguments += @('--input'",
        &[],
    ));
    args.extend(progress_args());
    args
}

/// The arguments Sync-UserPhoto builds (read from its script, like `status_args`), with `extra`
/// (e.g. `--dry-run`, each checked to be one the script adds) before `--input -`.
pub fn sync_args(targets: &str, extra: &[&str]) -> Vec<String> {
    let script = public_script("Sync-UserPhoto.ps1");
    let concurrency = parameter_default(&script, "Concurrency");
    let source = parameter_default(&script, "Source");
    let mut args = module_argument_list(
        &script,
        "$arguments = @(",
        &[
            ("$coreSource", &source),
            ("($coreTargets -join ',')", targets),
            ("[string]$Concurrency", &concurrency),
        ],
    );
    for flag in extra.iter().filter(|f| f.starts_with("--")) {
        assert!(
            script.contains(&format!("'{flag}'")),
            "Sync-UserPhoto.ps1 never passes {flag}"
        );
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(module_argument_list(
        &script,
        "$arguments += @('--input'",
        &[],
    ));
    args.extend(progress_args());
    args
}

fn public_script(name: &str) -> String {
    crate::common::read(&crate::common::module_dir().join("Public").join(name))
}

/// `--progress none`: what Start-PhotoSyncCore adds when progress is not shown (tests, runbooks).
fn progress_args() -> Vec<String> {
    let core = crate::common::read(
        &crate::common::module_dir()
            .join("Private")
            .join("Start-PhotoSyncCore.ps1"),
    );
    assert!(
        core.contains("$ArgumentList += @('--progress', $progressMode)")
            && core.contains("else { 'none' }"),
        "Start-PhotoSyncCore no longer adds --progress json|none"
    );
    vec!["--progress".into(), "none".into()]
}

/// The default of `[type]$Name = value` in a param block, quotes removed.
fn parameter_default(script: &str, name: &str) -> String {
    let needle = format!("${name} = ");
    let line = script
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.contains(&needle))
        .unwrap_or_else(|| panic!("no default for -{name} in the script"));
    let value = &line[line.find(&needle).expect("found") + needle.len()..];
    value
        .trim_end_matches(',')
        .trim_matches(|c| c == '\'' || c == '"')
        .to_string()
}

/// The elements of the `@(...)` on the line starting with `start`: string literals as they are,
/// expressions by `bindings` (an unknown expression fails the test: the module changed).
fn module_argument_list(script: &str, start: &str, bindings: &[(&str, &str)]) -> Vec<String> {
    let line = script
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with `{start}` in the script"));
    let open = line.find("@(").expect("an @( list") + 2;
    let close = line.rfind(')').expect("the list closes on its line");
    let mut elements = Vec::new();
    let (mut depth, mut quoted, mut current) = (0i32, false, String::new());
    for c in line[open..close].chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                elements.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    elements.push(current.trim().to_string());
    elements
        .into_iter()
        .map(|element| {
            if let Some(literal) = element
                .strip_prefix('\'')
                .and_then(|e| e.strip_suffix('\''))
            {
                return literal.to_string();
            }
            bindings
                .iter()
                .find(|(expression, _)| *expression == element)
                .map(|(_, value)| value.to_string())
                .unwrap_or_else(|| panic!("`{element}` in `{line}` has no test value"))
        })
        .collect()
}

pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
