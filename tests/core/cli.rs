//! The `photosync` binary end to end: stdout is JSON Lines, messages go to stderr, exit
//! codes follow DESIGN §5, secrets never show up.

use std::io::Write;
use std::process::{Command, Output};

use photosync_testkit::photosync;

use crate::support::{jpeg, png, sync_args};

/// Every stdout line parses as JSON with `type` and `schemaVersion`.
fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            assert!(v["type"].is_string(), "no type: {line}");
            assert_eq!(v["schemaVersion"], 1, "no schemaVersion: {line}");
            v
        })
        .collect()
}

fn of_type<'a>(lines: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    lines.iter().filter(|v| v["type"] == kind).collect()
}

/// A named pipe at `path` (the system's mkfifo).
fn mkfifo(path: &std::path::Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("photos")).expect("mkdir");
    std::fs::write(dir.path().join("ann.png"), png(1, 300)).expect("write");
    std::fs::write(dir.path().join("photos/ann.jpg"), jpeg(1, 96)).expect("write");
    std::fs::write(dir.path().join("photos/bob.jpg"), jpeg(2, 96)).expect("write");
    dir
}

#[test]
fn status_from_stdin_writes_json_lines_and_exits_0() {
    let dir = setup();
    let stores = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("photos").display()
    );
    let stdin = format!(
        "{{\"SamAccountName\":\"ann\",\"PhotoPath\":\"{}\"}}\nnot json\n{{\"SamAccountName\":\"carol\"}}\n",
        dir.path().join("ann.png").display()
    );
    let out = photosync!()
        .args(["status", "--stores", &stores])
        .stdin(stdin.as_bytes())
        .output();
    let lines = json_lines(&out);
    let statuses = of_type(&lines, "status");
    assert_eq!(statuses.len(), 2, "{lines:#?}");
    let ann = statuses
        .iter()
        .find(|s| s["user"]["samAccountName"] == "ann")
        .expect("ann's status");
    assert_eq!(ann["verdict"], "in-sync");
    let errors = of_type(&lines, "error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], "bad-input-line");
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(of_type(&lines, "finding").len(), 1, "bob.jpg is unmatched");
    let summary = of_type(&lines, "summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(lines.last(), Some(summary[0]), "summary is last");
    assert_eq!(out.status.code(), Some(1), "the bad line makes it exit 1");
}

/// `--report FILE`: the records still go to stdout (what the PowerShell module reads) and the
/// HTML page goes to FILE, from one run: the module's -ReportPath.
#[test]
fn status_report_writes_the_page_beside_the_records() {
    let dir = setup();
    let stores = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("photos").display()
    );
    let report = dir.path().join("report.html");
    let stdin = format!(
        "{{\"SamAccountName\":\"ann\",\"PhotoPath\":\"{}\"}}\n{{\"SamAccountName\":\"bob\"}}\n",
        dir.path().join("ann.png").display()
    );
    let out = photosync!()
        .args([
            "status",
            "--stores",
            &stores,
            "--format",
            "json",
            "--report",
            &report.to_string_lossy(),
        ])
        .stdin(stdin.as_bytes())
        .output();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(of_type(&lines, "status").len(), 2, "{lines:#?}");
    assert_eq!(of_type(&lines, "summary").len(), 1);
    let page = std::fs::read_to_string(&report).expect("the report is written");
    assert!(
        page.starts_with("<!DOCTYPE html>"),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(page.contains("ann") && page.contains("bob"));
    assert!(
        !dir.path().join("report.html.partial").exists(),
        "the partial file is renamed into place"
    );
}

#[test]
fn csv_status_with_table_format_is_readable_text() {
    let dir = setup();
    std::fs::write(
        dir.path().join("users.csv"),
        "SamAccountName;PhotoPath\nann;ann.png\nbob;ann.png\n",
    )
    .expect("write");
    let csv = dir.path().join("users.csv");
    let stores = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("photos").display()
    );
    let out = photosync!()
        .args([
            "status",
            "--csv",
            csv.to_str().expect("utf-8"),
            "--stores",
            &stores,
            "--format",
            "table",
            "--fail-on-drift",
        ])
        .output();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("USER"), "{text}");
    assert!(
        text.contains("in-sync") && text.contains("differs"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "NO_COLOR means no escape codes: {text}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "--fail-on-drift with bob differing"
    );
}

#[test]
fn unconfigured_cloud_store_is_exit_2_with_message_on_stderr() {
    let out = photosync!().args(["status", "--stores", "graph"]).output();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no credential"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["code"], "config");
}

/// A target named twice (the same folder by two paths, here) would write every user there
/// twice: a usage error before any user.
#[test]
fn a_target_named_twice_is_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().display().to_string();
    let targets = format!("folder:{path},folder:{path}/.");
    let out = photosync!()
        .args(["sync", "--source", "input", "--targets", targets.as_str()])
        .output();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("names one place twice"), "{stderr}");
}

// Regression: `--csv -` failed with "cannot open input file -" although `--input -` reads
// stdin; and `--concurrency 0` was taken silently.
#[test]
fn csv_from_stdin_is_read_and_zero_concurrency_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = format!("folder:{}", dir.path().display());
    let run = photosync!()
        .args(["status", "--csv", "-", "--stores", store.as_str()])
        .stdin("UserPrincipalName\nann@contoso.com\nbob@contoso.com\n")
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.of_type("status").len(), 2, "{}", run.stdout);
    for command in [
        vec!["status", "--stores", store.as_str(), "--concurrency", "0"],
        vec![
            "sync",
            "--source",
            "input",
            "--targets",
            store.as_str(),
            "--concurrency",
            "0",
        ],
    ] {
        let run = photosync!().args(&command).stdin("").run();
        assert_eq!(run.code, 2, "{command:?}: {}", run.stderr);
        assert!(run.stderr.contains("at least 1"), "{}", run.stderr);
    }
}

// Regression: a directory that answers StartTLS with an error (no TLS on the port) was "cannot
// reach the directory … check the firewall", exit 4, as if it were a network fault to retry.
#[test]
fn a_directory_refusing_starttls_is_a_configuration_error() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let mut request = [0u8; 256];
            let n = client.read(&mut request).unwrap_or(0);
            // The request's messageID (SEQUENCE, then INTEGER of one byte), answered with an
            // ExtendedResponse [APPLICATION 24] of resultCode protocolError (2).
            let id = if n > 4 && request[2] == 0x02 && request[3] == 0x01 {
                request[4]
            } else {
                1
            };
            let answer = [
                0x30, 0x0c, 0x02, 0x01, id, 0x78, 0x07, 0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00,
            ];
            let _ = client.write_all(&answer);
        }
    });
    let url = format!("ldap://127.0.0.1:{port}");
    let run = photosync!()
        .envs([
            ("PHOTOSYNC_LDAP_URL", url.as_str()),
            ("PHOTOSYNC_LDAP_BIND_DN", "cn=svc,dc=example,dc=test"),
            ("PHOTOSYNC_LDAP_PASSWORD", "Pa55-never-sent"),
            ("PHOTOSYNC_LDAP_BASE_DN", "dc=example,dc=test"),
        ])
        .args(["status", "--stores", "ad"])
        .stdin("{\"userPrincipalName\":\"ann@example.test\"}\n")
        .run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("refused StartTLS"), "{all}");
    assert!(!all.contains("firewall"), "{all}");
    run.assert_never_shows("Pa55-never-sent");
}

#[test]
fn bad_config_file_is_exit_2_and_secrets_never_leak() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("photosync.conf");
    std::fs::write(
        &conf,
        "PHOTOSYNC_CLIENT_SECRET=hunter2-secret\nPHOTOSYNC_TENNANT=x\n",
    )
    .expect("write");
    let out = photosync!()
        .args(["status", "--stores", "folder:/tmp", "-vv"])
        .envs([("PHOTOSYNC_CONFIG", conf.to_str().expect("utf-8"))])
        .output();
    assert_eq!(out.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The line is named, never quoted; the likely setting is suggested.
    assert!(all.contains("line 2"), "{all}");
    assert!(all.contains("PHOTOSYNC_TENANT_ID"), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
}

// Regression (issue 19, item 19): `sync --format html` was refused only after the stores were
// opened and the state file created: a usage error must leave nothing behind.
#[test]
fn a_usage_error_touches_no_store_and_no_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.jsonl");
    let state_arg = state.to_string_lossy().into_owned();
    let source = format!("folder:{}", dir.path().join("missing-source").display());
    let target = format!("folder:{}", dir.path().join("out").display());
    for extra in [
        vec!["--format", "html"],
        vec!["--shard", "2/1"],
        vec!["--recheck-after", "soon"],
    ] {
        let mut args = vec![
            "sync",
            "--source",
            &source,
            "--targets",
            &target,
            "--state",
            &state_arg,
        ];
        args.extend(extra.iter().copied());
        let out = photosync!().args(&args).output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        // The missing source folder would have been the complaint had it been opened.
        assert!(!stderr.contains("missing-source"), "{extra:?}: {stderr}");
        assert!(stderr.contains("hint:"), "{extra:?}: {stderr}");
        assert!(!state.exists(), "{extra:?} created the state file");
    }
}

#[test]
fn sync_dry_run_writes_nothing_and_reports_would_update() {
    let dir = setup();
    let out_dir = dir.path().join("export");
    let targets = format!("folder:{}:{{samAccountName}}.jpg", out_dir.display());
    let stdin = format!(
        "{{\"SamAccountName\":\"ann\",\"PhotoPath\":\"{}\"}}\n",
        dir.path().join("ann.png").display()
    );
    let out = photosync!()
        .args(sync_args(&targets, &["--dry-run", "-v"]))
        .stdin(stdin.as_bytes())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped write because --dry-run"),
        "the dry-run chokepoint logs on stderr: {stderr}"
    );
    let lines = json_lines(&out);
    let results = of_type(&lines, "result");
    assert_eq!(results.len(), 1, "{lines:#?}");
    assert_eq!(results[0]["action"], "would-update");
    assert!(
        !out_dir.exists(),
        "a dry run must not even create the target folder"
    );
    assert_eq!(out.status.code(), Some(0));

    let out = photosync!()
        .args(sync_args(&targets, &[]))
        .stdin(stdin.as_bytes())
        .output();
    let lines = json_lines(&out);
    assert_eq!(of_type(&lines, "result")[0]["action"], "updated");
    assert!(out_dir.join("ann.jpg").exists());
}

#[test]
fn help_lists_environment_variables_and_exit_codes() {
    let out = photosync!().args(["--help"]).output();
    let text = String::from_utf8_lossy(&out.stdout);
    for var in photosync::settings::env::VARS.iter().filter(|v| v.listed()) {
        assert!(text.contains(var.name), "--help lacks {var}");
    }
    assert!(text.contains("Exit codes"), "{text}");
}

/// A store spec is checked once, when the command line is parsed: a bad one stops the run
/// before any user, as one error record with a hint (what scripts and the module read).
#[test]
fn a_bad_store_spec_is_one_error_record_before_any_user() {
    for args in [
        vec![
            "sync",
            "--source",
            "input",
            "--targets",
            "folder:/tmp/x:{nope}.jpg",
        ],
        vec!["sync", "--source", "dropbox", "--targets", "folder:/tmp/x"],
        vec!["status", "--stores", "graph:tenant"],
    ] {
        // No input: the run stops before reading any (and may exit before stdin is written).
        let out = photosync!().args(&args).output();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{args:?}: {lines:#?}");
        assert_eq!(lines[0]["type"], "error");
        assert_eq!(lines[0]["code"], "config");
        assert!(lines[0]["hint"].is_string(), "{args:?}: {lines:#?}");
    }
}

// Regression: once clap read the flags' variables itself, an exported but empty
// `PHOTOSYNC_AUTH=` was a usage error ("a value is required"), and an empty
// `PHOTOSYNC_TENANT_ID=` overrode the config file. Empty means unset, as it always did.
#[test]
fn an_exported_but_empty_variable_counts_as_unset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("photosync.conf");
    std::fs::write(
        &config,
        "PHOTOSYNC_AUTH=token\nPHOTOSYNC_ACCESS_TOKEN=opaque-test-token\nPHOTOSYNC_TENANT_ID=from-file\n",
    )
    .expect("write config");
    let config = config.to_str().expect("utf-8 path");
    let out = photosync!()
        .args(["auth", "test"])
        .envs([
            ("PHOTOSYNC_CONFIG", config),
            ("PHOTOSYNC_AUTH", ""),
            ("PHOTOSYNC_TENANT_ID", ""),
            ("PHOTOSYNC_GRAPH_URL", ""),
            ("PHOTOSYNC_CERTIFICATE_PATH", ""),
            ("PHOTOSYNC_LDAP_CA_FILE", ""),
            ("PHOTOSYNC_ALLOW_CLOUD_ONLY_MATCH", ""),
        ])
        .output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["credential"]["kind"], "token", "{report:#}");
    assert_eq!(
        report["tokens"][0]["audienceRequested"], "https://graph.microsoft.com",
        "an empty PHOTOSYNC_GRAPH_URL is the default, not an empty URL: {report:#}"
    );

    // Regression (hostile review): the path and switch variables were still usage errors when
    // empty, naming a flag the admin never gave.
    let out = photosync!()
        .args(["status", "--input", "-", "--stores"])
        .args([format!("folder:{}", dir.path().display())])
        .envs([("PHOTOSYNC_CONFIG", ""), ("PHOTOSYNC_LDAP_CA_FILE", "")])
        .stdin(b"")
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// stdout is data: `--progress json` records go to stderr (they went to stdout before), so a
// consumer of the results never has to filter them out.
#[test]
fn progress_json_goes_to_stderr_as_records() {
    let dir = setup();
    let stores = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("photos").display()
    );
    let out = photosync!()
        .args(["status", "--stores", &stores, "--progress", "json"])
        .stdin(b"{\"sam\":\"ann\"}\n")
        .output();
    let lines = json_lines(&out);
    assert!(of_type(&lines, "progress").is_empty(), "{lines:#?}");
    let progress: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "progress")
        .collect();
    assert!(
        !progress.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(progress.last().map(|p| p["done"].clone()), Some(1.into()));
}

#[test]
fn windows_powershell_get_aduser_json_with_byte_array_photo() {
    // What `Get-ADUser -Properties thumbnailPhoto | ConvertTo-Json -Compress` gives on
    // Windows PowerShell 5.1: ObjectGUID as {"Guid": ...}, thumbnailPhoto as byte values.
    let dir = tempfile::tempdir().expect("tempdir");
    let guid = "0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d";
    std::fs::write(
        dir.path().join(format!("{}.JPG", guid.to_uppercase())),
        jpeg(4, 200),
    )
    .expect("write");
    let photo: Vec<String> = jpeg(4, 96).iter().map(|b| b.to_string()).collect();
    let stdin = format!(
        "{{\"DistinguishedName\":\"CN=Ann,DC=contoso,DC=com\",\"ObjectGUID\":{{\"Guid\":\"{guid}\"}},\"SamAccountName\":\"ann\",\"thumbnailPhoto\":[{}],\"Enabled\":true}}\n",
        photo.join(",")
    );
    let stores = format!("folder:{}:{{objectGuid}}.jpg", dir.path().display());
    let out = photosync!()
        .args(["status", "--stores", &stores])
        .stdin(stdin.as_bytes())
        .output();
    let lines = json_lines(&out);
    let statuses = of_type(&lines, "status");
    assert_eq!(statuses.len(), 1, "{lines:#?}");
    assert_eq!(statuses[0]["verdict"], "in-sync", "{lines:#?}");
    assert_eq!(statuses[0]["user"]["objectGuid"], guid);
    assert_eq!(statuses[0]["reference"], "input");
    assert_eq!(out.status.code(), Some(0));
}

// Regression (issue 19, item 3): the progress ETA counted the input's lines by reading it
// whole, so `cat in.jsonl | photosync sync --input /dev/stdin` and `--input <(...)` found
// the input already consumed: `users: 0`, exit 0, nothing written.
#[test]
fn input_that_is_a_pipe_is_read_once_not_counted_away() {
    let dir = setup();
    let photo = dir.path().join("ann.png");
    let jsonl = format!("{{\"SamAccountName\":\"ann\",\"PhotoPath\":{photo:?}}}\n");
    let csv = format!("SamAccountName,PhotoPath\nann,{}\n", photo.display());
    let fifo = dir.path().join("users.fifo");
    mkfifo(&fifo);
    let fifo_arg = fifo.to_string_lossy().into_owned();
    for (flag, path, text) in [
        ("--input", "/dev/stdin", &jsonl),
        ("--csv", "/dev/stdin", &csv),
        ("--input", fifo_arg.as_str(), &jsonl),
    ] {
        let out_dir = dir
            .path()
            .join(format!("out-{}", flag.trim_start_matches('-')));
        let _ = std::fs::remove_dir_all(&out_dir);
        let target = format!("folder:{}:{{samAccountName}}.jpg", out_dir.display());
        // `<(...)`: a writer feeds the FIFO while photosync reads it.
        let writer = (path == fifo_arg).then(|| {
            let (fifo, text) = (fifo.clone(), text.clone());
            std::thread::spawn(move || feed_fifo(&fifo, text.as_bytes()))
        });
        let stdin = if writer.is_some() { "" } else { text.as_str() };
        let out = photosync!()
            .args(sync_args(&target, &[flag, path]))
            .stdin(stdin.as_bytes())
            .output();
        if let Some(writer) = writer {
            writer.join().expect("writer");
        }
        let lines = json_lines(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let summary = of_type(&lines, "summary");
        assert_eq!(
            summary[0]["users"], 1,
            "{flag} {path}: {lines:#?}\n{stderr}"
        );
        assert_eq!(out.status.code(), Some(0), "{flag} {path}: {stderr}");
        assert!(out_dir.join("ann.jpg").exists(), "{flag} {path}");
    }
}

/// Write `bytes` into a FIFO once a reader has it open; gives up (instead of hanging the test)
/// when no reader comes within a minute.
fn feed_fifo(fifo: &std::path::Path, bytes: &[u8]) {
    use std::os::unix::fs::OpenOptionsExt;
    let start = std::time::Instant::now();
    let mut file = loop {
        // Non-blocking open fails (ENXIO) while no reader is there.
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo)
        {
            Ok(file) => break file,
            Err(_) if start.elapsed() < std::time::Duration::from_secs(60) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("nobody opened {}: {e}", fifo.display()),
        }
    };
    file.write_all(bytes).expect("feed the fifo");
}

// Regression (issue 19, item 4): `PhotoPath: /dev/zero` was read without end (885 MB of RSS in
// 5 s) and a FIFO hung the run. Only regular files are photos; each of these users gets a
// clear error and the run ends.
#[test]
fn a_photo_path_that_is_a_device_or_a_fifo_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("photo.fifo");
    mkfifo(&fifo);
    let stdin = format!(
        "{{\"sam\":\"zero\",\"PhotoPath\":\"/dev/zero\"}}\n{{\"sam\":\"fifo\",\"PhotoPath\":{fifo:?}}}\n{{\"sam\":\"dir\",\"PhotoPath\":{:?}}}\n",
        dir.path()
    );
    let target = format!("folder:{}", dir.path().join("out").display());
    // Old builds read /dev/zero until memory ran out: cap the heap so they fail, not the machine.
    let (child, input) = photosync!()
        .args(sync_args(&target, &[]))
        .stdin(stdin)
        .memory_cap(2 << 30)
        .spawn();
    drop(input);
    let out = wait_or_kill(child, std::time::Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines = json_lines(&out);
    let errors = of_type(&lines, "error");
    for sam in ["zero", "fifo", "dir"] {
        let error = errors
            .iter()
            .find(|e| e["user"]["samAccountName"] == sam)
            .unwrap_or_else(|| panic!("no error for {sam}: {lines:#?}\n{stderr}"));
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains("not a regular file"), "{message}");
    }
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

/// The child's output, or a panic (after killing it) when it runs past `limit`: a hang guard,
/// not a timing assertion.
fn wait_or_kill(mut child: std::process::Child, limit: std::time::Duration) -> Output {
    let start = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "photosync did not finish: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// A folder with ann's photo, the input naming her, and a report from an earlier run.
fn report_setup() -> (tempfile::TempDir, String, String) {
    let dir = setup();
    let stores = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("photos").display()
    );
    std::fs::write(dir.path().join("report.html"), "the last good report").expect("write");
    (dir, stores, "{\"SamAccountName\":\"ann\"}\n".to_string())
}

// Regression (issue 19, item 18): the report was written to `report.html.partial`, a
// predictable name opened without O_EXCL, so a symlink planted there redirected the write
// (and the link then replaced the report).
#[cfg(unix)]
#[test]
fn a_planted_symlink_does_not_redirect_the_report() {
    let (dir, stores, stdin) = report_setup();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, dir.path().join("report.html.partial")).expect("plant");
    let report = dir.path().join("report.html");
    let out = photosync!()
        .args([
            "status",
            "--stores",
            &stores,
            "--out",
            &report.to_string_lossy(),
        ])
        .stdin(stdin.as_bytes())
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    let meta = std::fs::symlink_metadata(&report).expect("report");
    assert!(
        meta.file_type().is_file(),
        "the report is a file, not the link"
    );
    let html = std::fs::read_to_string(&report).expect("report");
    assert!(
        html.contains("<html") || html.contains("<!DOCTYPE"),
        "{html}"
    );
}

// Regression (hostile review): `--out` or `--report` naming the input CSV (a swapped or
// tab-completed argument) replaced the user list with this run's output, exit 0; naming each
// other, one output replaced the other. Both are refused before anything is written.
#[test]
fn out_or_report_naming_the_input_or_each_other_is_refused_and_nothing_is_replaced() {
    let dir = setup();
    let stores = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("photos").display()
    );
    let users = dir.path().join("users.csv");
    let list = "SamAccountName\nann\nbob\n";
    std::fs::write(&users, list).expect("csv");
    std::os::unix::fs::symlink(&users, dir.path().join("link.csv")).expect("link");
    let report = dir.path().join("r.html").to_string_lossy().into_owned();
    let users_path = users.to_string_lossy().into_owned();
    let link = dir.path().join("link.csv").to_string_lossy().into_owned();
    for outputs in [
        vec!["--out", users_path.as_str()],
        vec!["--report", users_path.as_str()],
        vec!["--out", link.as_str()],
        vec!["--out", report.as_str(), "--report", report.as_str()],
    ] {
        let out = photosync!()
            .args(["status", "--stores", &stores, "--csv", &users_path])
            .args(outputs.clone())
            .output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{outputs:?}: {stderr}");
        assert!(
            stderr.contains("name the same file"),
            "{outputs:?}: {stderr}"
        );
        assert_eq!(std::fs::read_to_string(&users).expect("csv"), list);
        assert!(!std::path::Path::new(&report).exists(), "{outputs:?}");
    }
    // Devices are written into, not replaced: naming one twice is fine.
    let out = photosync!()
        .args(["status", "--stores", &stores, "--csv", &users_path])
        .args(["--out", "/dev/null", "--report", "/dev/null"])
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// Regression (issue 19, item 16): an interrupted `status --out report.html` replaced the last
// good report with a partial one. The partial one is kept under another name, and said so.
#[test]
fn an_interrupted_report_keeps_the_last_good_one() {
    use std::io::BufRead;
    let (dir, stores, stdin) = report_setup();
    let report = dir.path().join("report.html");
    let (mut child, input) = photosync!()
        .args([
            "status",
            "--stores",
            &stores,
            "--progress",
            "json",
            "--out",
            &report.to_string_lossy(),
        ])
        .stdin(stdin)
        .spawn();
    // stdin stays open; once ann is done (a progress record), the run is stopped.
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).expect("stderr") > 0 {
        seen.push_str(&line);
        let done = line.contains("\"progress\"");
        line.clear();
        if done {
            break;
        }
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let rest = wait_or_kill(child, std::time::Duration::from_secs(60));
    drop(input);
    seen.push_str(&String::from_utf8_lossy(&rest.stderr));
    let mut tail = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut tail).ok();
    seen.push_str(&tail);
    assert_eq!(rest.status.code(), Some(143), "{seen}");
    assert_eq!(
        std::fs::read_to_string(&report).expect("report"),
        "the last good report"
    );
    let partial = dir.path().join("report.partial.html");
    let html = std::fs::read_to_string(&partial).expect("the partial report is kept aside");
    assert!(
        html.contains("<html") || html.contains("<!DOCTYPE"),
        "{html}"
    );
    assert!(seen.contains("report.partial.html"), "{seen}");
}

/// `status --out PATH` for one user with no photo: a few small JSON lines.
fn status_out_to(dir: &std::path::Path, out: &std::path::Path) -> Output {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).expect("mkdir");
    photosync!()
        .args([
            "status",
            "--stores",
            &format!("folder:{}", photos.display()),
            "--format",
            "json",
            "--out",
            &out.to_string_lossy(),
        ])
        .stdin("{\"SamAccountName\":\"ann\"}\n")
        .output()
}

// Regression (review 07): `--out` renamed its file over whatever was at the path, so a FIFO
// (or a device: `--out /dev/null` as root) became a regular file and no byte reached the
// reader. Something that is not a regular file is written into as it is.
#[cfg(unix)]
#[test]
fn out_into_a_fifo_writes_into_it_and_leaves_it_a_fifo() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("report.fifo");
    mkfifo(&fifo);
    // Held open for reading and writing (Linux does not block on that), so the run's open
    // does not wait for a reader and its few lines sit in the pipe until read here.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .expect("open fifo");
    let out = status_out_to(dir.path(), &fifo);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kind = std::fs::symlink_metadata(&fifo).expect("fifo").file_type();
    assert!(kind.is_fifo(), "replaced by {kind:?}");
    let mut buffer = vec![0u8; 1 << 16];
    let read = reader.read(&mut buffer).expect("read the fifo");
    let text = String::from_utf8_lossy(&buffer[..read]);
    assert!(text.contains(r#""type":"summary""#), "{text}");
}

// Regression (review 07): `--out link` replaced a symlink to a regular file with a file of its
// own. The file the link points to is replaced; the link stays.
#[cfg(unix)]
#[test]
fn out_through_a_symlink_replaces_the_file_it_points_to_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = dir.path().join("last-report.json");
    std::fs::write(&real, "the last report").expect("write");
    let link = dir.path().join("report.json");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let out = status_out_to(dir.path(), &link);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link_kind = std::fs::symlink_metadata(&link).expect("link").file_type();
    assert!(link_kind.is_symlink(), "replaced by {link_kind:?}");
    let text = std::fs::read_to_string(&real).expect("report");
    assert!(text.contains(r#""type":"summary""#), "{text}");
}
