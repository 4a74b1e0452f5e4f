//! Incremental sync with `--state`: state keys name the target (not its kind), a verified and
//! unchanged user is skipped without any call to the target, pending writes are checked
//! again, `--recheck`/`--recheck-after`, a dry run leaves no state file, and `--shard K/N`.

use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use photosync::engine::{Shard, SyncOptions, SyncSource};
use photosync::schema::{Action, OutputRecord, PhotoBytes, UserRecord};
use photosync::state::{self, SyncState};
use photosync::store::memory::MemoryStore;
use photosync::store::{PhotoStore, StoreRole};

use photosync_testkit::photosync;
use photosync_testkit::store::ScriptedStore;

use crate::support::{jpeg, jsonl, png, result_of, results, sync, sync_args, upn};

fn with_photo(name: &str, person: u64) -> UserRecord {
    UserRecord {
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(person, 200))),
        ..upn(name)
    }
}

/// The memory target as Graph, counting every call; `hide_writes` plays the cloud's eventual
/// consistency.
fn counting(store: &Arc<MemoryStore>) -> ScriptedStore {
    ScriptedStore::over((**store).clone()).named("graph")
}

fn store_with(users: &[&str]) -> Arc<MemoryStore> {
    let store = MemoryStore::new();
    for name in users {
        store.add_user(&format!("{name}@contoso.com"), None);
    }
    Arc::new(store)
}

fn with_state(path: &std::path::Path) -> SyncOptions {
    SyncOptions {
        state: Some(SyncState::open(path).expect("state")),
        ..Default::default()
    }
}

#[tokio::test]
async fn verified_unchanged_users_are_skipped_without_any_call_to_the_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let store = store_with(&["ann", "bob"]);
    let counting = counting(&store);
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(counting.clone())];
    let users = || jsonl(&[with_photo("ann", 1), with_photo("bob", 2)]);
    sync(users(), &SyncSource::Input, &targets, &with_state(&path)).await;
    assert_eq!(store.writes(), 2);
    let calls = counting.calls();

    let (records, summary) = sync(users(), &SyncSource::Input, &targets, &with_state(&path)).await;
    assert_eq!(counting.calls(), calls, "no call to the target at all");
    for name in ["ann", "bob"] {
        let r = result_of(&records, &format!("{name}@contoso.com"), "graph");
        assert_eq!(
            (r.action, r.reason.as_str()),
            (Action::Skipped, "unchanged-since-verified")
        );
    }
    assert_eq!(summary.counts.get("skipped"), Some(&2));

    // A changed source is synced; --recheck and an expired entry read the target again.
    let (records, _) = sync(
        jsonl(&[with_photo("ann", 3)]),
        &SyncSource::Input,
        &targets,
        &with_state(&path),
    )
    .await;
    assert_eq!(
        result_of(&records, "ann@contoso.com", "graph").action,
        Action::Updated
    );
    // One after the other: a run holds the state's writer lock while it lives.
    let recheck = |opts: SyncOptions| SyncOptions {
        recheck: true,
        ..opts
    };
    let expired = |opts: SyncOptions| SyncOptions {
        recheck_after: Duration::ZERO,
        ..opts
    };
    for with in [recheck, expired] {
        let opts = with(with_state(&path));
        let before = counting.calls();
        let (records, _) = sync(
            jsonl(&[with_photo("bob", 2)]),
            &SyncSource::Input,
            &targets,
            &opts,
        )
        .await;
        assert!(counting.calls() > before, "the target was read");
        // It holds PhotoSync's verified write byte for byte: in sync by the record (issue 18).
        let bob = result_of(&records, "bob@contoso.com", "graph");
        assert_eq!(
            (bob.action, bob.reason.as_str()),
            (Action::Skipped, "own-write-unchanged")
        );
    }
    assert_eq!(store.writes(), 3);
}

#[tokio::test]
async fn a_write_not_yet_visible_stays_pending_and_is_checked_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let store = store_with(&["ann"]);
    let counting = counting(&store);
    counting.hide_writes();
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(counting.clone())];
    let quick = || SyncOptions {
        verify_window: Duration::from_millis(200),
        ..with_state(&path)
    };
    let (records, _) = sync(
        jsonl(&[with_photo("ann", 1)]),
        &SyncSource::Input,
        &targets,
        &quick(),
    )
    .await;
    let ann = result_of(&records, "ann@contoso.com", "graph");
    assert_eq!(
        (ann.action, ann.reason.as_str(), ann.verified),
        (Action::Updated, "not-yet-visible", Some(false))
    );
    let state = SyncState::open_read_only(&path).expect("state");
    let user = "upn:ann@contoso.com";
    let target = targets[0].state_key().expect("the target's state key");
    let last = state
        .last_write(user, &target)
        .expect("the write is in the state");
    assert!(!last.verified, "written but not seen: pending");
    assert!(
        last.written_at
            .elapsed()
            .is_ok_and(|age| age < Duration::from_secs(60))
    );

    // The write becomes visible: the next run reads (does not trust the pending entry),
    // finds the picture, writes nothing and records it verified.
    counting.show_writes();
    let calls = counting.calls();
    let (records, _) = sync(
        jsonl(&[with_photo("ann", 1)]),
        &SyncSource::Input,
        &targets,
        &with_state(&path),
    )
    .await;
    assert!(counting.calls() > calls);
    let ann = result_of(&records, "ann@contoso.com", "graph");
    assert_eq!(
        (ann.action, ann.reason.as_str()),
        (Action::Skipped, "already-in-sync")
    );
    assert_eq!(store.writes(), 1);
    let state = SyncState::open_read_only(&path).expect("state");
    assert_eq!(
        state.last_write(user, &target).map(|w| w.verified),
        Some(true)
    );
}

// Regression (hostile review): the pending entry was written only once the store answered, so
// a run killed after a write landed but before its answer left the earlier run's verified
// entry last in the state: the next run with that earlier source skipped the user as
// "unchanged since verified" while the target held the killed run's picture (the wrong CSV's,
// possibly another person's). The entry is written before the write is sent.
#[tokio::test]
async fn a_run_killed_after_its_write_landed_leaves_the_next_run_checking_that_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let store = store_with(&["ann"]);
    let counting = counting(&store);
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(counting.clone())];
    let run = |person: u64| {
        let opts = with_state(&path);
        let targets = &targets;
        async move {
            let input = jsonl(&[with_photo("ann", person)]);
            sync(input, &SyncSource::Input, targets, &opts).await
        }
    };
    run(1).await;
    assert_eq!(store.writes(), 1);

    // Another picture's write lands, and the run is killed before the answer comes.
    counting.unanswered_writes(true);
    let killed = run(2);
    tokio::select! {
        _ = killed => panic!("the run finished though its write was never answered"),
        () = async {
            while store.writes() < 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        } => {}
    }
    counting.unanswered_writes(false);

    let (records, _) = run(1).await;
    let ann = result_of(&records, "ann@contoso.com", "graph");
    assert_eq!(
        (ann.action, ann.reason.as_str()),
        (Action::Updated, "differs"),
        "the target holds the killed run's picture: {records:?}"
    );
    assert_eq!(store.writes(), 3);
}

// The pending entry goes in before the send (above); a write the store refuses takes it
// back, so no later run waits for it and `status` tells of no write (as before the change).
#[tokio::test]
async fn a_refused_write_leaves_nothing_pending() {
    use photosync::error::{Error, ErrorClass};
    use photosync::schema::ErrorCode;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let store = store_with(&["ann"]);
    let refusing = counting(&store).on_write(|_, _, _| {
        Err(Error::new(
            ErrorCode::PermissionDenied,
            ErrorClass::Permission,
            "refused",
        ))
    });
    let target_key = refusing.state_key().expect("the target's state key");
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(refusing)];
    let (records, _) = sync(
        jsonl(&[with_photo("ann", 1)]),
        &SyncSource::Input,
        &targets,
        &with_state(&path),
    )
    .await;
    assert_eq!(
        result_of(&records, "ann@contoso.com", "graph").action,
        Action::Failed
    );
    let state = SyncState::open_read_only(&path).expect("state");
    let user = "upn:ann@contoso.com";
    let source = photosync::photo::sha256_hex(&jpeg(1, 200));
    assert!(state.last_write(user, &target_key).is_none());
    assert!(state.pending_age(user, &target_key, &source).is_none());
}

fn actions(out: &Output) -> Vec<(String, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "result")
        .map(|v| {
            (
                v["action"].as_str().unwrap_or_default().to_string(),
                v["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A temp dir holding ann's photo as a PNG file, and the input line that points at it: the one
/// user the `--state` CLI tests sync.
fn ann_with_a_photo_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let photo = dir.path().join("ann.png");
    std::fs::write(&photo, png(1, 200)).expect("write");
    let stdin = format!(
        "{{\"SamAccountName\":\"ann\",\"PhotoPath\":\"{}\"}}\n",
        photo.display()
    );
    (dir, stdin)
}

// Regression: state entries were keyed by the target's kind (`folder`), so a second run with
// another folder target and the same --state skipped everyone and never created the folder.
#[test]
fn another_folder_target_with_the_same_state_is_written_in_full() {
    let (dir, stdin) = ann_with_a_photo_file();
    let state = dir.path().join("state.jsonl");
    let state_arg = state.to_string_lossy().into_owned();
    let run = |folder: &str| {
        let target = format!(
            "folder:{}:{{samAccountName}}.jpg",
            dir.path().join(folder).display()
        );
        photosync!()
            .args(sync_args(&target, &["--state", &state_arg]))
            .stdin(&stdin)
            .output()
    };
    assert_eq!(
        actions(&run("a")),
        [("updated".into(), "missing-in-target".into())]
    );
    assert!(dir.path().join("a/ann.jpg").exists());
    let second = run("b");
    assert_eq!(
        actions(&second),
        [("updated".into(), "missing-in-target".into())],
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(
        dir.path().join("b/ann.jpg").exists(),
        "the second folder was created and written"
    );
    // And the first folder is now skipped from the state alone.
    assert_eq!(
        actions(&run("a")),
        [("skipped".into(), "unchanged-since-verified".into())]
    );
}

#[test]
fn a_dry_run_creates_no_state_file() {
    let (dir, stdin) = ann_with_a_photo_file();
    let state = dir.path().join("state.jsonl");
    let target = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("out").display()
    );
    let out = photosync!()
        .args(sync_args(
            &target,
            &["--dry-run", "--state", &state.to_string_lossy()],
        ))
        .stdin(&stdin)
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        actions(&out),
        [("would-update".into(), "missing-in-target".into())]
    );
    assert!(!state.exists(), "--dry-run must not create the state file");
}

#[test]
fn bad_shard_and_recheck_values_are_usage_errors() {
    for args in [
        ["--shard", "0/3"],
        ["--shard", "4/3"],
        ["--recheck-after", "soon"],
    ] {
        let out = photosync!()
            .args(sync_args("folder:/tmp/x", &args))
            .output();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("hint"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn shards_together_process_every_user_exactly_once() {
    let users: Vec<UserRecord> = (0..60)
        .map(|i| {
            let mut u = with_photo(&format!("user{i}"), i);
            if i % 2 == 0 {
                u.object_guid = Some(format!("{i:08x}-0000-4000-8000-{:012x}", i * 31));
            }
            u
        })
        .collect();
    let names: Vec<String> = (0..60).map(|i| format!("user{i}")).collect();
    let store = store_with(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(counting(&store))];
    let mut seen = std::collections::BTreeMap::<String, u32>::new();
    let mut input_errors = 0;
    for k in 1..=3 {
        let opts = SyncOptions {
            shard: Some(Shard { index: k, count: 3 }),
            ..Default::default()
        };
        let mut text: String = String::new();
        for u in &users {
            let mut v = serde_json::to_value(u).expect("json");
            v["thumbnailPhoto"] = serde_json::to_value(&u.thumbnail_photo).expect("photo");
            text.push_str(&format!("{v}\n"));
        }
        text.push_str("{not json\n");
        let input = crate::support::raw_jsonl(&text);
        let (records, _) = sync(input, &SyncSource::Input, &targets, &opts).await;
        let mine = results(&records);
        assert!(
            !mine.is_empty() && mine.len() < 60,
            "shard {k} has a share: {}",
            mine.len()
        );
        for r in mine {
            *seen
                .entry(r.user.user_principal_name.clone().expect("upn"))
                .or_default() += 1;
        }
        input_errors += records
            .iter()
            .filter(|r| matches!(r, OutputRecord::Error(_)))
            .count();
    }
    assert_eq!(seen.len(), 60, "every user in some shard");
    assert!(
        seen.values().all(|&n| n == 1),
        "no user in two shards: {seen:?}"
    );
    assert_eq!(
        input_errors, 1,
        "an input error is reported by one shard only"
    );
    assert_eq!(store.writes(), 60);
}

#[test]
fn status_shows_pending_writes_and_their_age_but_judges_from_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).expect("mkdir");
    std::fs::write(photos.join("ann@contoso.com.jpg"), jpeg(1, 96)).expect("write");
    std::fs::write(photos.join("bob@contoso.com.jpg"), jpeg(2, 96)).expect("write");
    let spec = format!("folder:{}", photos.display());
    let folder = photosync::store::folder::FolderStore::open(
        photos.clone(),
        photosync::store::folder::NamingRule::parse(photosync::store::folder::DEFAULT_RULE)
            .expect("rule"),
        StoreRole::Read,
    )
    .expect("folder");
    let target = folder.state_key().expect("a folder knows where it writes");
    let path = dir.path().join("state.jsonl");
    let state = SyncState::open(&path).expect("state");
    for (user, verified) in [
        ("upn:ann@contoso.com", false),
        ("upn:bob@contoso.com", true),
    ] {
        state
            .record(&state::Entry {
                user: user.into(),
                target: target.clone(),
                source_sha256: "00".repeat(32),
                written_sha256: String::new(),
                at: Some(state::now_secs() - 120),
                verified,
                object: String::new(),
            })
            .expect("record");
    }
    drop(state);
    let out = photosync!().args([
            "status",
            "--stores",
            &spec,
            "--state",
            &path.to_string_lossy(),
            "--format",
            "json",
        ]).stdin("{\"userPrincipalName\":\"ann@contoso.com\"}\n{\"userPrincipalName\":\"bob@contoso.com\"}\n").output();
    let statuses: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "status")
        .collect();
    assert_eq!(
        statuses.len(),
        2,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let details = |upn: &str| {
        let s = statuses
            .iter()
            .find(|s| s["user"]["userPrincipalName"] == upn)
            .expect("status");
        (
            s["stores"][0]["details"].clone(),
            s["stores"][0]["state"].clone(),
        )
    };
    let (ann, ann_state) = details("ann@contoso.com");
    let age = ann["pendingWrite"]["ageSecs"]
        .as_u64()
        .expect("ann's write is pending");
    assert!((120..3600).contains(&age), "{age}");
    assert_eq!(ann_state, "present", "the store decides, not the state");
    let (bob, _) = details("bob@contoso.com");
    assert!(
        bob.get("pendingWrite").is_none(),
        "verified writes are not pending: {bob}"
    );
}

// Regression (issue 19, item 14): a state line with `"at":18446744073709551615` made `status
// --state` panic (exit 101) turning it into a time, and a future `at` kept an entry fresh
// forever. Future entries are refused on load; their users are checked again.
#[test]
fn a_state_entry_from_the_future_is_refused_not_a_panic() {
    let (dir, stdin) = ann_with_a_photo_file();
    let out_dir = dir.path().join("out");
    let target = format!("folder:{}:{{samAccountName}}.jpg", out_dir.display());
    std::fs::create_dir(&out_dir).expect("mkdir");
    let key = photosync::store::folder::FolderStore::open(
        out_dir.clone(),
        photosync::store::folder::NamingRule::parse("{samAccountName}.jpg").expect("rule"),
        StoreRole::Target,
    )
    .expect("folder")
    .state_key()
    .expect("a folder knows where it writes");
    let source = std::fs::read(dir.path().join("ann.png")).expect("read photo");
    let path = dir.path().join("state.jsonl");
    let far = serde_json::json!({
        "user": "sam:ann", "target": key, "sourceSha256": photosync::photo::sha256_hex(&source),
        "at": u64::MAX, "verified": true,
    });
    std::fs::write(&path, format!("{far}\n")).expect("write state");
    let state_arg = path.to_string_lossy().into_owned();
    let status = photosync!()
        .args([
            "status", "--stores", &target, "--state", &state_arg, "--format", "json",
        ])
        .stdin("{\"SamAccountName\":\"ann\"}\n")
        .output();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert_eq!(status.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let loaded = SyncState::open_read_only(&path).expect("state loads");
    assert_eq!(
        (loaded.stats().entries, loaded.stats().skipped_lines),
        (0, 1)
    );
    // The refused entry does not make sync skip ann: she is written.
    let sync = photosync!()
        .args(sync_args(&target, &["--state", &state_arg]))
        .stdin(&stdin)
        .output();
    assert_eq!(
        actions(&sync),
        [("updated".into(), "missing-in-target".into())],
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
}

// Regression (issue 19, item 14): `--verify-window 18446744073709551615` overflowed the
// read-back deadline and the run died with exit 101 after its first write.
#[test]
fn a_huge_verify_window_is_not_a_panic() {
    let (dir, stdin) = ann_with_a_photo_file();
    let target = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("out").display()
    );
    let out = photosync!()
        .args(sync_args(
            &target,
            &["--verify-window", &u64::MAX.to_string()],
        ))
        .stdin(&stdin)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        actions(&out),
        [("updated".into(), "missing-in-target".into())]
    );
}

// Regression (issue 19, item 2): two runs sharing one state file lost entries (compaction
// renamed a new file over the path while the other run kept appending to the old one). A run
// that writes the state locks it: a second writer exits 2 naming the holder; readers never
// wait.
#[test]
fn a_second_writer_of_a_state_file_is_refused_and_readers_never_wait() {
    use std::io::BufRead;
    let (dir, stdin) = ann_with_a_photo_file();
    let state = dir.path().join("state.jsonl");
    let state_arg = state.to_string_lossy().into_owned();
    let target = |name: &str| {
        format!(
            "folder:{}:{{samAccountName}}.jpg",
            dir.path().join(name).display()
        )
    };
    // The first run holds the state while it waits for more input (its stdin stays open).
    let first_target = target("a");
    let (mut first, first_in) = photosync!()
        .args(sync_args(&first_target, &["--state", &state_arg]))
        .stdin(stdin.as_bytes())
        .spawn();
    let mut first_out = std::io::BufReader::new(first.stdout.take().expect("stdout"));
    let mut line = String::new();
    first_out.read_line(&mut line).expect("ann's result");
    assert!(line.contains("\"result\""), "{line}");

    let second = photosync!()
        .args(sync_args(&target("b"), &["--state", &state_arg]))
        .stdin(&stdin)
        .output();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("in use") && stderr.contains(&format!("pid {}", first.id())),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
    assert!(
        !dir.path().join("b").exists(),
        "the refused run wrote nothing"
    );

    // Readers go on while the writer runs.
    let dry = photosync!()
        .args(sync_args(
            &target("c"),
            &["--state", &state_arg, "--dry-run"],
        ))
        .stdin(&stdin)
        .output();
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let status = photosync!()
        .args(["status", "--stores", &first_target, "--state", &state_arg])
        .stdin(&stdin)
        .output();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );

    drop(first_in);
    let rest = first.wait_with_output().expect("first run ends");
    assert_eq!(rest.status.code(), Some(0));
    // Once the writer is gone, the next one takes the state.
    let next = photosync!()
        .args(sync_args(&target("b"), &["--state", &state_arg]))
        .stdin(&stdin)
        .output();
    assert_eq!(
        next.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
}

// Regression: a user skipped because the target held somebody else's photo (`--only-missing`,
// `target-has-photo`) was recorded as this source verified there, so the next ordinary
// `sync --state` skipped them as `unchanged-since-verified` and never wrote the source.
#[tokio::test]
async fn a_photo_left_alone_by_only_missing_is_not_recorded_as_the_source_verified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let store = MemoryStore::new();
    store.add_user("ann@contoso.com", Some(jpeg(9, 200)));
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(store.clone())];
    let ann = || jsonl(&[with_photo("ann", 1)]);
    let only_missing = SyncOptions {
        only_missing: true,
        ..with_state(&path)
    };
    let (records, _) = sync(ann(), &SyncSource::Input, &targets, &only_missing).await;
    drop(only_missing);
    let r = result_of(&records, "ann@contoso.com", "memory");
    assert_eq!(
        (r.action, r.reason.as_str()),
        (Action::Skipped, "target-has-photo")
    );
    let (records, _) = sync(ann(), &SyncSource::Input, &targets, &with_state(&path)).await;
    let r = result_of(&records, "ann@contoso.com", "memory");
    assert_eq!((r.action, r.reason.as_str()), (Action::Updated, "differs"));
    assert_eq!(store.writes(), 1);
}

/// An input CSV of `rows` users (over compaction's 4 KiB floor at 300), each pointing at ann's
/// photo: the kind of file a swapped argument hands to `--state`.
fn hr_csv(dir: &std::path::Path, rows: usize) -> std::path::PathBuf {
    let photo = dir.join("ann.png");
    std::fs::write(&photo, png(1, 200)).expect("write photo");
    let mut text = String::from("UserPrincipalName,PhotoPath\n");
    for i in 0..rows {
        text.push_str(&format!("user{i:05}@contoso.com,{}\n", photo.display()));
    }
    let path = dir.join("hr.csv");
    std::fs::write(&path, text).expect("write csv");
    path
}

// Regression (review 01): `--state` naming the input CSV (or any other existing file) rewrote
// it to nothing: compaction drops every line that is not an entry. A file whose first line is
// no state entry is now refused, exit 2, before anything runs, and left byte for byte.
#[test]
fn a_state_path_naming_a_file_that_is_not_a_state_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = hr_csv(dir.path(), 300);
    let before = std::fs::read(&csv).expect("read");
    let csv_arg = csv.to_string_lossy().into_owned();
    let target = format!("folder:{}", dir.path().join("out").display());
    let seen = format!("folder:{}", dir.path().display());
    for args in [
        vec!["sync", "--source", "input", "--targets", &target],
        vec![
            "sync",
            "--source",
            "input",
            "--targets",
            &target,
            "--dry-run",
        ],
        vec!["status", "--stores", &seen],
    ] {
        let out = photosync!()
            .args(&args)
            .args(["--csv", &csv_arg, "--state", &csv_arg])
            .output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("not a PhotoSync state file") && stderr.contains("hint"),
            "{args:?}: {stderr}"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .all(|l| l.contains(r#""code":"config""#)),
            "nothing ran: {args:?}"
        );
        assert_eq!(std::fs::read(&csv).expect("read"), before, "{args:?}");
    }
    assert!(!dir.path().join("out").exists());
    assert!(!dir.path().join("hr.csv.lock").exists());
}

// Regression (review 02): a `--state` path that is not a regular file was read without end
// (/dev/zero) and got a `.lock` beside it. It is refused before it is opened.
#[test]
fn a_state_path_that_is_not_a_regular_file_is_refused_before_it_is_read() {
    let (dir, stdin) = ann_with_a_photo_file();
    let folder = dir.path().join("state-folder");
    std::fs::create_dir(&folder).expect("mkdir");
    let target = format!("folder:{}", dir.path().join("out").display());
    let out = photosync!()
        .args(sync_args(&target, &["--state", &folder.to_string_lossy()]))
        .stdin(&stdin)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    assert!(!dir.path().join("state-folder.lock").exists());
    assert!(!dir.path().join("out").exists(), "nothing ran");
}

// Regression (review 01): the torn last line a stopped run leaves was skipped silently, while
// the docs promise a warning. A real state file with one is still used, with that warning.
#[test]
fn a_torn_last_state_line_is_skipped_with_a_warning() {
    let (dir, stdin) = ann_with_a_photo_file();
    let state = dir.path().join("state.jsonl");
    let entry = serde_json::json!({
        "user": "sam:bob", "target": "folder|/elsewhere", "sourceSha256": "ab",
        "at": state::now_secs(), "verified": true,
    })
    .to_string();
    std::fs::write(&state, format!("{entry}\n{}", &entry[..30])).expect("write state");
    let target = format!(
        "folder:{}:{{samAccountName}}.jpg",
        dir.path().join("out").display()
    );
    let out = photosync!()
        .args(sync_args(&target, &["--state", &state.to_string_lossy()]))
        .stdin(&stdin)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("incomplete last line"), "{stderr}");
    assert_eq!(
        actions(&out),
        [("updated".into(), "missing-in-target".into())]
    );
    let kept = std::fs::read_to_string(&state).expect("read");
    assert!(kept.starts_with(&format!("{entry}\n")), "{kept}");
}

// Regression: when the state file could not grow (a full disk), every append failed with a
// WARN line each and the run exited 0, so an unattended job never heard that its memory was
// lost. Now the first failure is said, the count at the end, and the run exits 74. The file
// size limit (`ulimit -f`, with SIGXFSZ ignored) stands in for the full disk: the state file
// is already past it, the photos written are not.
#[test]
fn a_state_file_that_cannot_grow_is_said_once_and_exits_74() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let target = format!("folder:{}:{{userPrincipalName}}.jpg", out.display());
    let state = dir.path().join("sync.state");
    let filler: String = (0..400)
        .map(|i| {
            format!(
                "{{\"user\":\"upn:filler{i}@contoso.com\",\"target\":\"folder|/elsewhere|{{userPrincipalName}}.*\",\"sourceSha256\":\"{:064x}\",\"at\":1796586386,\"verified\":true,\"object\":\"filler{i}@contoso.com\"}}\n",
                i
            )
        })
        .collect();
    std::fs::write(&state, &filler).expect("state");
    let photo = dir.path().join("ann.jpg");
    std::fs::write(&photo, jpeg(1, 200)).expect("photo");
    let input: String = (0..3)
        .map(|i| {
            format!("{{\"userPrincipalName\":\"u{i}@contoso.com\",\"photoPath\":{photo:?}}}\n")
        })
        .collect();
    let limit_kb = filler.len() / 1024 - 4;
    let script = format!(
        "trap '' XFSZ; ulimit -f {limit_kb}; exec \"$0\" sync --source input --targets {target} --state {}",
        state.display()
    );
    let mut child = std::process::Command::new("bash")
        .args(["-c", &script, env!("CARGO_BIN_EXE_photosync")])
        .env_remove("PHOTOSYNC_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("input");
    let run = child.wait_with_output().expect("run");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(74), "{stderr}");
    assert_eq!(
        stderr.matches("could not append to the state file").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("next run checks those users again"),
        "{stderr}"
    );
    // The users themselves were written: only the run's memory was lost.
    for (action, _) in actions(&run) {
        assert_eq!(action, "updated");
    }
    assert_eq!(std::fs::read_dir(&out).expect("out").count(), 3);
}

// Regression: a user renamed since the last run (same objectGUID, new UPN) was skipped as
// "unchanged since verified" for up to --recheck-after, while a folder named by UPN had no
// file under the new name; and a new hire given the freed UPN was refused as a duplicate of
// the renamed user's stale object. The state entry speaks only for the object it recorded.
#[tokio::test]
async fn a_renamed_user_is_written_under_the_new_name_despite_the_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out");
    let rule =
        photosync::store::folder::NamingRule::parse("{userPrincipalName}.jpg").expect("rule");
    let folder = || -> Vec<Box<dyn PhotoStore>> {
        vec![Box::new(
            photosync::store::folder::FolderStore::open(
                out.clone(),
                rule.clone(),
                StoreRole::Target,
            )
            .expect("folder"),
        )]
    };
    let ann = |upn: &str| UserRecord {
        object_guid: Some("1a5b6c7d-0000-4000-8000-00000000000a".into()),
        ..with_photo(upn, 1)
    };
    sync(
        jsonl(&[ann("ann.lee")]),
        &SyncSource::Input,
        &folder(),
        &with_state(&path),
    )
    .await;
    assert!(out.join("ann.lee@contoso.com.jpg").exists());

    let newcomer = UserRecord {
        object_guid: Some("1a5b6c7d-0000-4000-8000-00000000000b".into()),
        ..with_photo("ann.lee", 2)
    };
    let (records, _) = sync(
        jsonl(&[ann("ann.smith"), newcomer]),
        &SyncSource::Input,
        &folder(),
        &with_state(&path),
    )
    .await;
    let renamed = result_of(&records, "ann.smith@contoso.com", "folder");
    assert_eq!(
        (renamed.action, renamed.reason.as_str()),
        (Action::Updated, "missing-in-target"),
        "{renamed:?}"
    );
    assert!(out.join("ann.smith@contoso.com.jpg").exists());
    let hire = result_of(&records, "ann.lee@contoso.com", "folder");
    assert_eq!(hire.action, Action::Updated, "{hire:?}");
}
