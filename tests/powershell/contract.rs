//! Contract tests: the real photosync binary, fed exactly the JSON Lines the module sends, with
//! exactly the arguments the cmdlets build, against local folder stores (no cloud needed).
//! Each assertion is something a line of the module relies on.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::{Value, json};

use crate::common::{module_dir, parse, read, string_values};
use crate::contract_support::{
    ANN_GUID, ModuleRecord, assert_common_shape, hr_photo, of_type, photo_bytes, run, status_args,
    strs, sync_args,
};

#[test]
fn status_reads_get_aduser_records_with_base64_photos_and_missing_properties() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("cloud");
    std::fs::create_dir(&folder).expect("mkdir");
    // The folder already holds Bob's picture, as the cloud would.
    std::fs::copy(
        hr_photo("bob.smith.jpg"),
        folder.join("bob.smith@contoso.com.jpg"),
    )
    .expect("copy");
    let ann = photo_bytes("ann.lee.jpg");
    let bob_path = hr_photo("bob.smith.jpg");
    let lines = vec![
        // Get-ADUser -Properties thumbnailPhoto, mail
        ModuleRecord {
            upn: Some("ann.lee@contoso.com"),
            guid: Some(ANN_GUID),
            sam: Some("ann.lee"),
            mail: Some("ann.lee@contoso.com"),
            photo: Some(&ann),
            ..Default::default()
        }
        .line(),
        // Get-ChildItem ... FullName → photoPath, absolute (the module resolves it)
        ModuleRecord {
            upn: Some("bob.smith@contoso.com"),
            photo_path: Some(&bob_path),
            ..Default::default()
        }
        .line(),
        // Get-ADUser without thumbnailPhoto or mail: those properties are simply absent
        ModuleRecord {
            sam: Some("dave.kim"),
            ..Default::default()
        }
        .line(),
    ];
    let run = run(
        dir.path(),
        &strs(&status_args(&format!("folder:{}", folder.display()))),
        &lines,
    );
    assert_common_shape(&run);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);

    let statuses = of_type(&run, "status");
    assert_eq!(statuses.len(), 3, "one status per user: {:?}", run.records);
    let by_label = |label: &str| {
        statuses
            .iter()
            .find(|s| {
                s["user"]["userPrincipalName"] == label || s["user"]["samAccountName"] == label
            })
            .unwrap_or_else(|| panic!("no status for {label}"))
    };

    // The identity keys come back under the names Add-PhotoSyncUserKey reads.
    let ann_status = by_label("ann.lee@contoso.com");
    assert_eq!(ann_status["user"]["objectGuid"], ANN_GUID);
    assert_eq!(ann_status["user"]["samAccountName"], "ann.lee");
    assert_eq!(ann_status["user"]["mail"], "ann.lee@contoso.com");
    assert!(
        ann_status["user"].get("thumbnailPhoto").is_none(),
        "photos are never echoed"
    );
    assert_eq!(ann_status["reference"], "input");
    let input_store = ann_status["stores"]
        .as_array()
        .expect("stores")
        .iter()
        .find(|s| s["store"] == "input")
        .expect("the inline photo is the input store");
    assert_eq!(input_store["state"], "present");
    let expected_sha = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&ann))
    };
    assert_eq!(
        input_store["photo"]["sha256"],
        json!(expected_sha),
        "base64 decoded to the same bytes"
    );
    for field in ["format", "width", "height", "bytes", "sha256", "phash"] {
        assert!(!input_store["photo"][field].is_null(), "PhotoInfo.{field}");
    }

    let bob_status = by_label("bob.smith@contoso.com");
    assert_eq!(bob_status["verdict"], "in-sync", "{bob_status}");
    let bob_folder = bob_status["stores"]
        .as_array()
        .expect("stores")
        .iter()
        .find(|s| s["store"] == "folder")
        .expect("folder store");
    assert_eq!(bob_folder["matchesReference"], json!(true));
    assert!(bob_folder["distance"].is_u64());

    // Only a sAMAccountName: the folder's {userPrincipalName} rule cannot name his file, so the
    // folder does not know him at all.
    assert_eq!(by_label("dave.kim")["verdict"], "not-found");

    let verdicts: BTreeSet<&str> = statuses
        .iter()
        .filter_map(|s| s["verdict"].as_str())
        .collect();
    for verdict in &verdicts {
        assert!(
            [
                "in-sync",
                "differs",
                "missing-in-cloud",
                "missing-in-store",
                "not-found",
                "missing-in-source",
                "no-photo",
                "error"
            ]
            .contains(verdict),
            "{verdict} is not in the documented vocabulary"
        );
    }
}

#[test]
fn raw_convertto_json_of_get_aduser_objects_from_both_editions_is_accepted() {
    // What `Get-ADUser ... | ConvertTo-Json -Compress | photosync status` gives: PascalCase names,
    // extra properties, nested objects; PowerShell 7 writes byte[] as base64, Windows PowerShell
    // 5.1 as a number array and escapes ' as \u0027.
    let dir = tempfile::tempdir().expect("tempdir");
    let ann = photo_bytes("ann.lee.jpg");
    let bob = photo_bytes("bob.smith.jpg");
    let ps7 = json!({
        "DistinguishedName": "CN=Ann Lee,OU=Staff,DC=contoso,DC=com", "Enabled": true,
        "GivenName": "Ann", "Name": "Ann Lee", "ObjectClass": "user", "ObjectGUID": ANN_GUID,
        "SamAccountName": "ann.lee", "SID": {"BinaryLength": 28, "Value": "S-1-5-21-1-2-3-1104"},
        "Surname": "Lee", "UserPrincipalName": "ann.lee@contoso.com",
        "mail": "ann.lee@contoso.com",
        "thumbnailPhoto": base64::engine::general_purpose::STANDARD.encode(&ann),
        "PropertyNames": ["DistinguishedName", "mail", "thumbnailPhoto"], "PropertyCount": 12
    })
    .to_string();
    let ps51 = format!(
        "{{\"DistinguishedName\":\"CN=Bob O\\u0027Smith,OU=Staff,DC=contoso,DC=com\",\"ObjectGUID\":\"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f\",\"SamAccountName\":\"bob.smith\",\"UserPrincipalName\":\"bob.smith@contoso.com\",\"thumbnailPhoto\":{}}}",
        serde_json::to_string(&bob).expect("bytes as array")
    );
    // An Import-Csv row straight through ConvertTo-Json: every value a string, empty cells "".
    let csv_row = json!({"UserPrincipalName": "dave.kim@contoso.com", "SamAccountName": "dave.kim", "Department": "IT", "PhotoPath": ""}).to_string();
    let run = run(
        dir.path(),
        &strs(&status_args(&format!("folder:{}", dir.path().display()))),
        &[ps7, ps51, csv_row],
    );
    assert_common_shape(&run);
    assert_eq!(
        of_type(&run, "error"),
        Vec::<&Value>::new(),
        "stderr: {}",
        run.stderr
    );
    let statuses = of_type(&run, "status");
    assert_eq!(statuses.len(), 3);
    for status in &statuses {
        if status["user"]["samAccountName"] == "dave.kim" {
            assert_eq!(
                status["verdict"], "no-photo",
                "an empty CSV cell is no photo, not an error"
            );
        } else {
            assert_eq!(status["reference"], "input", "{status}");
        }
    }
}

#[test]
fn whatif_dry_run_writes_nothing_then_sync_writes_and_rerun_skips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("target");
    std::fs::create_dir(&target).expect("mkdir");
    let ann = photo_bytes("ann.lee.jpg");
    let bob_path = hr_photo("bob.smith.jpg");
    let lines = vec![
        ModuleRecord {
            upn: Some("ann.lee@contoso.com"),
            guid: Some(ANN_GUID),
            photo: Some(&ann),
            ..Default::default()
        }
        .line(),
        ModuleRecord {
            upn: Some("bob.smith@contoso.com"),
            photo_path: Some(&bob_path),
            ..Default::default()
        }
        .line(),
    ];
    let targets = format!("folder:{}", target.display());

    // Sync-UserPhoto -WhatIf
    let plan = run(
        dir.path(),
        &strs(&sync_args(&targets, &["--dry-run"])),
        &lines,
    );
    assert_common_shape(&plan);
    assert_eq!(plan.code, 0, "stderr: {}", plan.stderr);
    assert_eq!(
        std::fs::read_dir(&target).expect("list").count(),
        0,
        "a dry run wrote files"
    );
    let results = of_type(&plan, "result");
    assert_eq!(results.len(), 2);
    for result in &results {
        assert_eq!(result["action"], "would-update", "{result}");
        assert_eq!(result["target"], "folder");
        assert!(result["reason"].is_string());
    }

    // Sync-UserPhoto
    let write = run(dir.path(), &strs(&sync_args(&targets, &[])), &lines);
    assert_common_shape(&write);
    assert_eq!(write.code, 0, "stderr: {}", write.stderr);
    for result in of_type(&write, "result") {
        assert_eq!(result["action"], "updated", "{result}");
        assert_eq!(result["verified"], json!(true));
        assert!(result["photo"]["sha256"].is_string());
    }
    assert_eq!(std::fs::read_dir(&target).expect("list").count(), 2);

    // The next run: nothing to do.
    let again = run(dir.path(), &strs(&sync_args(&targets, &[])), &lines);
    for result in of_type(&again, "result") {
        assert_eq!(result["action"], "skipped", "{result}");
    }

    // -Force rewrites although the picture is the same; --state is accepted.
    let state = dir.path().join("state.db");
    let state_arg = state.to_string_lossy().into_owned();
    let forced = run(
        dir.path(),
        &strs(&sync_args(&targets, &["--state", &state_arg, "--force"])),
        &lines,
    );
    assert_eq!(forced.code, 0, "stderr: {}", forced.stderr);
    for result in of_type(&forced, "result") {
        assert_eq!(result["action"], "updated", "{result}");
    }
}

#[test]
fn per_user_errors_carry_line_user_code_and_hint_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("target");
    std::fs::create_dir(&target).expect("mkdir");
    let missing = dir.path().join("missing.jpg");
    let bob_path = hr_photo("bob.smith.jpg");
    let lines = vec![
        ModuleRecord {
            upn: Some("ghost@contoso.com"),
            photo_path: Some(&missing),
            ..Default::default()
        }
        .line(),
        ModuleRecord {
            upn: Some("bob.smith@contoso.com"),
            photo_path: Some(&bob_path),
            ..Default::default()
        }
        .line(),
        ModuleRecord {
            sam: Some("broken"),
            photo: Some(b"not a picture"),
            ..Default::default()
        }
        .line(),
        // An object whose only bound property was the photo: no identity.
        ModuleRecord {
            photo: Some(&photo_bytes("ann.lee.jpg")),
            ..Default::default()
        }
        .line(),
    ];
    let run = run(
        dir.path(),
        &strs(&sync_args(&format!("folder:{}", target.display()), &[])),
        &lines,
    );
    assert_common_shape(&run);
    assert_eq!(
        run.code, 1,
        "some users failed: exit 1, not terminating; stderr: {}",
        run.stderr
    );

    let errors = of_type(&run, "error");
    let mapping = read(
        &module_dir()
            .join("Private")
            .join("Get-PhotoSyncErrorCategory.ps1"),
    );
    let mut lines_with_errors = BTreeSet::new();
    for error in &errors {
        // Write-PhotoSyncCoreNotice maps `line` back to the input object (the TargetObject).
        let line = error["line"]
            .as_u64()
            .unwrap_or_else(|| panic!("per-user error without line: {error}"));
        assert!((1..=4).contains(&line), "{error}");
        lines_with_errors.insert(line);
        let code = error["code"].as_str().expect("code");
        assert!(
            mapping.contains(&format!("'{code}' {{ return")),
            "unmapped code {code}"
        );
        assert!(!error["message"].as_str().unwrap_or_default().is_empty());
        assert!(
            !error["hint"].as_str().unwrap_or_default().is_empty(),
            "RecommendedAction comes from hint: {error}"
        );
    }
    assert_eq!(
        lines_with_errors,
        BTreeSet::from([1, 3, 4]),
        "errors: {errors:?}"
    );
    let ghost = errors.iter().find(|e| e["line"] == 1).expect("ghost error");
    assert_eq!(ghost["code"], "photo-file-unreadable");
    assert_eq!(ghost["user"]["userPrincipalName"], "ghost@contoso.com");
    assert_eq!(
        errors.iter().find(|e| e["line"] == 4).expect("no identity")["code"],
        "no-identity"
    );

    // The failed user's result carries the error too (SyncResult.Error); Bob went through.
    let results = of_type(&run, "result");
    let ghost_result = results
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == "ghost@contoso.com")
        .expect("ghost result");
    assert_eq!(ghost_result["action"], "failed");
    assert_eq!(ghost_result["error"]["code"], "photo-file-unreadable");
    let bob = results
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == "bob.smith@contoso.com")
        .expect("bob result");
    assert_eq!(bob["action"], "updated");
}

#[test]
fn setup_errors_are_one_error_record_without_user_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = ModuleRecord {
        sam: Some("ann.lee"),
        ..Default::default()
    }
    .line();
    let run = run(dir.path(), &strs(&status_args("no-such-store")), &[line]);
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    let errors = of_type(&run, "error");
    assert_eq!(errors.len(), 1, "{:?}", run.records);
    // No `user` and no `line`: Complete-PhotoSyncCore turns it into the terminating error.
    assert!(errors[0].get("user").is_none() && errors[0].get("line").is_none());
    assert_eq!(errors[0]["code"], "config");
    assert!(errors[0]["hint"].is_string());
    assert!(of_type(&run, "status").is_empty());
}

#[test]
fn progress_and_store_findings_have_the_fields_the_module_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("photos");
    std::fs::create_dir(&folder).expect("mkdir");
    // A file no user claims: a store-level `finding` record (written as a warning/verbose line).
    std::fs::copy(
        hr_photo("carol.diaz.jpg"),
        folder.join("nobody@contoso.com.jpg"),
    )
    .expect("copy");
    let line = ModuleRecord {
        upn: Some("ann.lee@contoso.com"),
        ..Default::default()
    }
    .line();
    let mut args = status_args(&format!("folder:{}", folder.display()));
    let last = args.len() - 1;
    args[last] = "json".into(); // --progress json, as when Write-Progress is wanted
    let run = run(dir.path(), &strs(&args), &[line]);
    assert_common_shape(&run);
    // Progress is on stderr (stdout is data); Write-PhotoSyncCoreLog picks out these lines.
    assert!(of_type(&run, "progress").is_empty(), "progress on stdout");
    let progress: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("{\"type\":\"progress\""))
        .map(|l| serde_json::from_str(l).expect("progress line is JSON"))
        .collect();
    assert!(
        !progress.is_empty(),
        "no progress records on stderr with --progress json"
    );
    for record in &progress {
        assert!(
            record["done"].is_u64() && record["phase"].is_string(),
            "{record}"
        );
    }
    let findings = of_type(&run, "finding");
    assert_eq!(findings.len(), 1, "{:?}", run.records);
    for field in ["code", "severity", "message", "hint"] {
        assert!(
            findings[0][field].is_string(),
            "finding.{field}: {}",
            findings[0]
        );
    }
}

/// Every `--flag` the cmdlets pass exists on the subcommand they pass it to.
#[test]
fn every_flag_the_module_passes_is_accepted_by_the_binary() {
    let help = |sub: &str| {
        let output = photosync_testkit::photosync!()
            .args([sub, "--help"])
            .output();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let runner = read(&module_dir().join("Private").join("Start-PhotoSyncCore.ps1"));
    let runner_flags = flags_in(&runner);
    for (cmdlet, sub) in [
        ("Get-PhotoSyncStatus", "status"),
        ("Sync-UserPhoto", "sync"),
    ] {
        let text = help(sub);
        let source = read(&module_dir().join("Public").join(format!("{cmdlet}.ps1")));
        let flags: BTreeSet<String> = flags_in(&source).union(&runner_flags).cloned().collect();
        assert!(
            flags.contains("--format") && flags.contains("--input"),
            "{cmdlet}: {flags:?}"
        );
        for flag in flags {
            assert!(
                text.contains(&format!("{flag} "))
                    || text.contains(&format!("{flag}\n"))
                    || text.contains(&format!("{flag}...")),
                "{cmdlet} passes {flag}, which `photosync {sub}` lacks"
            );
        }
    }
}

/// The policy cmdlets pass only flags `photosync policy set` takes (a renamed flag would make
/// every Set-PhotoSyncPolicy a usage error).
#[test]
fn every_flag_the_policy_cmdlets_pass_is_accepted_by_policy_set() {
    let output = photosync_testkit::photosync!()
        .args(["policy", "set", "--help"])
        .output();
    let text = String::from_utf8_lossy(&output.stdout);
    let source = read(&module_dir().join("Public").join("Set-PhotoSyncPolicy.ps1"));
    let flags = flags_in(&source);
    for expected in ["--source", "--allowed-roles", "--dry-run"] {
        assert!(flags.contains(expected), "Set-PhotoSyncPolicy: {flags:?}");
    }
    for flag in flags {
        assert!(
            text.contains(&format!("{flag} ")) || text.contains(&format!("{flag}\n")),
            "Set-PhotoSyncPolicy passes {flag}, which `photosync policy set` lacks"
        );
    }
}

fn flags_in(source: &str) -> BTreeSet<String> {
    string_values(parse(source).root_node(), source)
        .into_iter()
        .filter(|s| s.starts_with("--") && s.len() > 2 && !s.contains(' '))
        .collect()
}

// Regression: the module matched records to its input by echoed keys, so two users in flight
// that share a mail (the later one without a UPN) got each other's photo and record. Every
// status and result names the input line it answers; the module matches by that alone.
#[test]
fn status_and_result_records_name_the_input_line_they_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("target");
    std::fs::create_dir(&target).expect("mkdir");
    let ann_path = hr_photo("ann.lee.jpg");
    let bob_path = hr_photo("bob.smith.jpg");
    let lines = vec![
        ModuleRecord {
            upn: Some("dana@contoso.com"),
            mail: Some("shared@contoso.com"),
            photo_path: Some(&ann_path),
            ..Default::default()
        }
        .line(),
        ModuleRecord {
            mail: Some("shared@contoso.com"),
            photo_path: Some(&bob_path),
            ..Default::default()
        }
        .line(),
    ];
    let folder = format!("folder:{}", target.display());
    let line_of = |record: &Value| record["line"].as_u64();

    let status = run(dir.path(), &strs(&status_args(&folder)), &lines);
    assert_common_shape(&status);
    let statuses = of_type(&status, "status");
    assert_eq!(statuses.len(), 2, "{:?}", status.records);
    for record in statuses {
        let expected = if record["user"]["userPrincipalName"] == "dana@contoso.com" {
            1
        } else {
            2
        };
        assert_eq!(line_of(record), Some(expected), "{record}");
    }

    // Two targets: both results of a user carry its line.
    let second = dir.path().join("second");
    std::fs::create_dir(&second).expect("mkdir");
    let targets = format!("{folder},folder:{}", second.display());
    let sync = run(
        dir.path(),
        &strs(&sync_args(&targets, &["--dry-run"])),
        &lines,
    );
    assert_common_shape(&sync);
    let results = of_type(&sync, "result");
    assert_eq!(results.len(), 4, "{:?}", sync.records);
    for record in results {
        let expected = if record["user"]["userPrincipalName"] == "dana@contoso.com" {
            1
        } else {
            2
        };
        assert_eq!(line_of(record), Some(expected), "{record}");
    }
}
