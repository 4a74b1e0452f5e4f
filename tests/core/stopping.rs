//! Stopping early without lying: a closed stdout (`| head -1`) and Ctrl+C / SIGTERM end the
//! real binary cleanly, with records, summary and an exit code that tell the truth (issue 9).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use photosync_testkit::photosync;

use crate::support::jpeg;

/// Wait for the child; a hang guard (not a timing assertion): kill it after a minute.
fn exit_code(child: &mut Child) -> Option<i32> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("photosync did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// Regression: a write error other than a closed pipe (stdout on a full disk) was taken for a
// reader that left: every record lost, nothing on stderr, exit 0. It is said on stderr now,
// and the run exits 74 (EX_IOERR), in both output formats.
#[test]
fn results_that_cannot_be_written_are_said_and_exit_74() {
    let full = std::path::Path::new("/dev/full");
    assert!(full.exists(), "this test needs Linux's /dev/full");
    let dir = tempfile::tempdir().expect("tempdir");
    let photo = dir.path().join("hr.jpg");
    std::fs::write(&photo, jpeg(1, 64)).expect("write");
    let stores = format!("folder:{}", dir.path().display());
    for format in ["json", "table"] {
        let out = Command::new(env!("CARGO_BIN_EXE_photosync"))
            .args(["status", "--stores", &stores, "--format", format])
            .env_remove("PHOTOSYNC_CONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::fs::File::create(full).expect("open /dev/full"))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                let input = format!("{{\"SamAccountName\":\"ann\",\"PhotoPath\":{photo:?}}}\n");
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(input.as_bytes())?;
                child.wait_with_output()
            })
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(74), "{format}: {stderr}");
        assert!(
            stderr.contains("cannot write the results"),
            "{format}: {stderr}"
        );
        assert!(
            stderr.contains("No space left on device"),
            "{format}: {stderr}"
        );
    }
}

// Regression: when the reader went away, the run ended with exit code 0, so
// `photosync status --fail-on-drift | head -1` reported a drifted run as fine; and (issue 19,
// item 17) `sync ... | head -1` exited 0 after 17 of 300 users, as if it were complete. A run
// stopped by a closed stdout with users left unprocessed exits 141 (128 + SIGPIPE), whatever
// the users it did finish.
#[test]
fn a_closed_stdout_with_users_left_exits_141() {
    let dir = tempfile::tempdir().expect("tempdir");
    let photo = dir.path().join("hr.jpg");
    std::fs::write(&photo, jpeg(1, 64)).expect("write");
    std::fs::create_dir(dir.path().join("published")).expect("mkdir");
    let published = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("published").display()
    );
    let missing = dir.path().join("missing.jpg");
    // Far more output than a pipe buffers, so the writer meets the closed pipe.
    let users = 600;
    let input = |path: &std::path::Path| -> String {
        (0..users)
            .map(|i| format!("{{\"SamAccountName\":\"u{i}\",\"PhotoPath\":{:?}}}\n", path))
            .collect()
    };
    let out = dir.path().join("out");
    let target = format!("folder:{}:{{samAccountName}}.jpg", out.display());
    for (args, stdin, expected) in [
        // Every user drifts (the published folder has no photos).
        (
            vec!["status", "--stores", &published, "--fail-on-drift"],
            input(&photo),
            141,
        ),
        // Every user fails (the source photo is missing).
        (
            vec!["sync", "--source", "input", "--targets", &target],
            input(&missing),
            141,
        ),
        // Every user finished is fine, but most were never processed.
        (
            vec!["sync", "--source", "input", "--targets", &target],
            input(&photo),
            141,
        ),
    ] {
        let (mut child, mut stdin_pipe) = photosync!().args(&args).spawn();
        let writer = std::thread::spawn(move || {
            // The run may stop reading before the end: a closed pipe here is expected.
            let _ = stdin_pipe.write_all(stdin.as_bytes());
        });
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut first).expect("one line");
        assert!(first.starts_with('{'), "{first}");
        drop(stdout); // `| head -1`
        let code = exit_code(&mut child);
        writer.join().expect("writer");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
            .expect("stderr");
        assert_eq!(code, Some(expected), "{args:?}\nstderr:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// Start a sync into a folder whose stdin stays open, wait for the first finished user,
/// send `signal`, and check what the run left behind.
fn interrupted_sync(signal: &str, expected: i32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let target = format!("folder:{}:{{samAccountName}}.jpg", out.display());
    let (mut child, mut stdin) = photosync!()
        .args([
            "sync",
            "--source",
            "input",
            "--targets",
            &target,
            "--concurrency",
            "4",
        ])
        .spawn();
    let photo = dir.path().join("hr.jpg");
    std::fs::write(&photo, jpeg(7, 300)).expect("write");
    for i in 0..8 {
        writeln!(
            stdin,
            "{{\"SamAccountName\":\"u{i}\",\"PhotoPath\":{photo:?}}}"
        )
        .expect("feed");
    }
    stdin.flush().expect("flush");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).expect("read") > 0 {
        let record: serde_json::Value = serde_json::from_str(&line).expect("json");
        line.clear();
        let is_result = record["type"] == "result";
        lines.push(record);
        if is_result {
            break;
        }
    }
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    // stdin stays open: the run must stop reading input on its own.
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest of stdout");
    let code = exit_code(&mut child);
    drop(stdin);
    for l in rest.lines() {
        lines.push(serde_json::from_str(l).expect("json"));
    }
    assert_eq!(code, Some(expected), "{lines:#?}");
    let summary = lines.last().expect("records");
    assert_eq!(summary["type"], "summary", "{lines:#?}");
    assert_eq!(summary["exitCode"], expected);
    let results: Vec<_> = lines.iter().filter(|r| r["type"] == "result").collect();
    assert_eq!(summary["users"], results.len() as u64, "{lines:#?}");
    // Every user reported as updated has its whole file; nothing half-written remains.
    for result in &results {
        assert_eq!(result["action"], "updated", "{result}");
        let sam = result["user"]["samAccountName"].as_str().expect("sam");
        let bytes = std::fs::read(out.join(format!("{sam}.jpg"))).expect("exported file");
        photosync::photo::inspect(&bytes, &Default::default()).expect("a whole JPEG");
    }
    let names: Vec<String> = std::fs::read_dir(&out)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    // Only whole photos remain: no temporary file, every file a complete JPEG.
    for name in &names {
        assert!(
            name.ends_with(".jpg") && !name.starts_with('.'),
            "{names:?}"
        );
        let bytes = std::fs::read(out.join(name)).expect("read");
        photosync::photo::inspect(&bytes, &Default::default()).expect("a whole JPEG");
    }
    // A user still in flight when the grace period ran out (a very slow machine) may have
    // its file without a result; the run then says so.
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert!(
        names.len() == results.len() || stderr.contains("abandoned"),
        "{names:?}\n{stderr}"
    );
}

// Regression: SIGTERM killed the process where it stood: no summary, no exit code of its
// own, and a folder export could keep a `.partial` file.
#[test]
fn sigterm_finishes_users_in_flight_and_exits_143() {
    interrupted_sync("-TERM", 143);
}

#[test]
fn ctrl_c_finishes_users_in_flight_and_exits_130() {
    interrupted_sync("-INT", 130);
}
