//! The README's first command, `scripts/demo`, run as a user runs it (against the binaries this
//! build made): it must exit 0, leave the synced users in sync on Graph and the others explained,
//! and write an HTML report that holds every user. Self-contained: no helpers from other suites.
//!
//! Needs the emulator binary beside `photosync`: `cargo test --workspace` (scripts/test) builds
//! it; alone, run `cargo build -p photosync-emulator` first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The newest modification time of the files under `dir`.
fn newest_change(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        let changed = if path.is_dir() {
            newest_change(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).expect("mtime")
        };
        newest = newest.max(changed);
    }
    newest
}

/// The folder with `photosync` (built for this test) and an up-to-date `photosync-emulator`.
fn binaries() -> PathBuf {
    let dir = Path::new(env!("CARGO_BIN_EXE_photosync"))
        .parent()
        .expect("binary folder")
        .to_path_buf();
    let emulator = dir.join(format!(
        "photosync-emulator{}",
        std::env::consts::EXE_SUFFIX
    ));
    let built = std::fs::metadata(&emulator)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "no emulator at {}: run `cargo build -p photosync-emulator` (scripts/test builds it)",
                emulator.display()
            )
        });
    assert!(
        built >= newest_change(&repo().join("tests/emulator/src")),
        "{} is older than its sources: run `cargo build -p photosync-emulator`",
        emulator.display()
    );
    dir
}

fn run_demo(report: &Path) -> Output {
    Command::new("bash")
        .arg(repo().join("scripts/demo"))
        .arg("--bin")
        .arg(binaries())
        .arg("--out")
        .arg(report)
        .env("NO_COLOR", "1")
        .output()
        .expect("run scripts/demo")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The report's rows by UPN: verdict and finding codes, read from the JSON the page carries.
fn report_rows(html: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let open = "<script type=\"application/json\" id=\"report-data\">";
    let start = html.find(open).expect("the report carries its data") + open.len();
    let end = start + html[start..].find("</script>").expect("end of the data");
    let data: Value = serde_json::from_str(&html[start..end]).expect("the data is JSON");
    data["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|row| {
            let upn = row["keys"]["userPrincipalName"].as_str().expect("UPN");
            let verdict = row["verdict"].as_str().expect("verdict");
            let codes = row["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| f["code"].as_str().expect("code").to_string())
                .collect();
            (upn.to_string(), (verdict.to_string(), codes))
        })
        .collect()
}

/// Issue 23: the demo stopped halfway with exit 1. Once the emulator denied app-only SharePoint
/// profile writes as Microsoft does, the sync to Graph and SharePoint exited 3, and the script
/// tolerated only 1; nothing ran the demo, so nobody saw it.
#[test]
fn demo_succeeds_although_sharepoint_denies_app_only_profile_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.html");
    let run = run_demo(&report);
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert!(
        run.status.success(),
        "the demo failed ({}):\n{stdout}\n{stderr}",
        run.status
    );

    // The denied write is shown, with the exit code and the reason the demo checks.
    assert!(
        stdout.contains(
            "checked: exit code 3 (permission failure) with reason sharepoint-profile-write-denied"
        ),
        "{stdout}"
    );
    // The report is where the demo says, and holds every user of the HR export.
    assert!(
        stdout.contains(&format!("Report: {}", report.display())),
        "{stdout}"
    );
    let rows = report_rows(&std::fs::read_to_string(&report).expect("the report was written"));
    let verdicts: BTreeMap<&str, &str> = rows
        .iter()
        .map(|(upn, (verdict, _))| (upn.as_str(), verdict.as_str()))
        .collect();
    assert_eq!(
        verdicts,
        BTreeMap::from([
            ("alice@contoso.test", "in-sync"),
            ("bob_fabrikam.test#EXT#@contoso.test", "in-sync"),
            ("bruno@contoso.test", "in-sync"),
            ("dana@contoso.test", "in-sync"),
            ("fatima@contoso.test", "no-photo"),
            ("former.employee@contoso.test", "not-found"),
            ("o'neil@contoso.test", "in-sync"),
        ])
    );
    // The leaver is explained as not in the tenant; the guest as a guest.
    assert!(
        rows["former.employee@contoso.test"]
            .1
            .contains(&"user-not-found".to_string())
    );
    assert!(
        rows["bob_fabrikam.test#EXT#@contoso.test"]
            .1
            .contains(&"account-type".to_string())
    );
    assert!(
        stdout.ends_with("every step behaved as expected.\n"),
        "{stdout}"
    );
}

/// A step that does not behave as the demo expects stops it with exit 1 and names the step,
/// instead of being tolerated: here the report cannot be written (its path is a folder).
#[test]
fn a_step_that_misbehaves_fails_the_demo_and_names_the_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_demo(dir.path());
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("demo: FAILED: `photosync status` exited with 2, expected 0"),
        "{stderr}"
    );
    // Every step before the report ran and was checked; the demo never claims success.
    assert!(
        stdout.contains("checked: exit code 0; five users in sync"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("every step behaved as expected"),
        "{stdout}"
    );
}
