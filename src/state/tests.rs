use super::*;

const DAY: Duration = Duration::from_secs(86_400);

fn entry(user: &str, target: &str, source: &str, verified: bool) -> Entry {
    Entry {
        user: user.into(),
        target: target.into(),
        source_sha256: source.into(),
        written_sha256: String::new(),
        at: Some(now_secs()),
        verified,
        object: String::new(),
    }
}

fn line(e: &Entry) -> String {
    format!("{}\n", serde_json::to_string(e).expect("json"))
}

#[test]
fn a_verified_entry_skips_only_the_same_source_in_the_same_target_while_fresh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let state = SyncState::open(&path).expect("open");
    state
        .record(&entry("upn:a", "folder|/x", "s1", true))
        .expect("record");
    state
        .record(&entry("upn:b", "folder|/x", "s1", false))
        .expect("record");
    assert!(state.verified_unchanged("upn:a", "folder|/x", "s1", DAY));
    assert!(
        !state.verified_unchanged("upn:a", "folder|/y", "s1", DAY),
        "other target"
    );
    assert!(
        !state.verified_unchanged("upn:a", "folder|/x", "s2", DAY),
        "other source"
    );
    assert!(
        !state.verified_unchanged("upn:a", "folder|/x", "s1", Duration::ZERO),
        "too old"
    );
    assert!(
        !state.verified_unchanged("upn:b", "folder|/x", "s1", DAY),
        "pending"
    );
    assert_eq!(
        state.last_write("upn:b", "folder|/x").map(|w| w.verified),
        Some(false)
    );
    drop(state);
    // The same answers after a reload.
    let state = SyncState::open_read_only(&path).expect("reopen");
    assert!(state.verified_unchanged("upn:a", "folder|/x", "s1", DAY));
    assert!(!state.verified_unchanged("upn:b", "folder|/x", "s1", DAY));
    // The latest line wins.
    let state = SyncState::open(&path).expect("reopen");
    state
        .record(&entry("upn:b", "folder|/x", "s1", true))
        .expect("record");
    assert!(state.verified_unchanged("upn:b", "folder|/x", "s1", DAY));
}

// Regression: a run killed mid-line left `{"user":…` without a newline; the next run's first
// entry was glued onto it and lost too.
#[test]
fn a_torn_last_line_is_skipped_and_the_next_entry_starts_on_its_own_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let good = line(&entry("upn:a", "t", "s1", true));
    let torn = &line(&entry("upn:b", "t", "s1", true))[..30];
    std::fs::write(&path, format!("{good}{torn}")).expect("write");
    let state = SyncState::open(&path).expect("open");
    assert_eq!(state.stats().skipped_lines, 1);
    assert!(state.verified_unchanged("upn:a", "t", "s1", DAY));
    assert!(!state.verified_unchanged("upn:b", "t", "s1", DAY));
    state
        .record(&entry("upn:c", "t", "s1", true))
        .expect("record");
    drop(state);
    let state = SyncState::open_read_only(&path).expect("reopen");
    assert!(state.verified_unchanged("upn:c", "t", "s1", DAY));
    assert_eq!(state.stats().entries, 2);
}

#[test]
fn corrupt_lines_are_skipped_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    // The first line is an entry: a file whose first line is not is refused, see below.
    let mut text = line(&entry("upn:a", "t", "s1", true));
    text.push_str("not json\n\u{0}\u{1}garbage\n{\"user\":1}\n\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe invalid utf-8\n");
    std::fs::write(&path, bytes).expect("write");
    let state = SyncState::open(&path).expect("bad lines do not stop the run");
    assert_eq!(state.stats().skipped_lines, 4);
    assert!(state.verified_unchanged("upn:a", "t", "s1", DAY));
}

#[test]
fn a_file_whose_first_line_is_not_an_entry_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("users.csv");
    let csv = format!("\n{}", "UserPrincipalName\nann@contoso.com\n".repeat(400));
    std::fs::write(&path, &csv).expect("write");
    for refused in [
        SyncState::open(&path).err(),
        SyncState::open_read_only(&path).err(),
    ] {
        let err = refused.expect("refused");
        assert_eq!(err.class.exit_code(), 2);
        assert!(
            err.message.contains("not a PhotoSync state file"),
            "{}",
            err.message
        );
    }
    assert_eq!(std::fs::read_to_string(&path).expect("read"), csv);
    // An empty file, and a run stopped while writing its very first entry, are state files.
    let torn_first = &line(&entry("upn:a", "t", "s1", true))[..30];
    for text in ["", "\n", torn_first, &format!("{torn_first}\n")] {
        std::fs::write(&path, text).expect("write");
        let state = SyncState::open(&path).expect("a state file");
        assert_eq!(state.stats().entries, 0, "{text:?}");
    }
}

#[test]
fn read_only_never_creates_or_writes_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let state = SyncState::open_read_only(&path).expect("open");
    state
        .record(&entry("upn:a", "t", "s1", true))
        .expect("ignored");
    assert!(!path.exists());
}

#[test]
fn a_file_over_twice_its_live_size_is_compacted_on_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let state = SyncState::open(&path).expect("open");
    for round in 0..40 {
        for user in ["upn:a", "upn:b"] {
            let verified = round % 2 == 1;
            state
                .record(&entry(user, "t", "s1", verified))
                .expect("record");
        }
    }
    state
        .record(&entry("upn:c", "t", "s2", false))
        .expect("record");
    let before = state.stats();
    assert!(before.file_bytes > 2 * before.live_bytes);
    drop(state);
    let state = SyncState::open(&path).expect("reopen compacts");
    let after = state.stats();
    assert_eq!(after.entries, 3);
    assert_eq!(after.file_bytes, after.live_bytes);
    assert_eq!(
        std::fs::metadata(&path).expect("metadata").len(),
        after.file_bytes
    );
    assert_eq!(
        std::fs::read_to_string(&path)
            .expect("read")
            .lines()
            .count(),
        3
    );
    // The latest state of each survived, and appends after compaction land correctly.
    assert!(state.verified_unchanged("upn:a", "t", "s1", DAY));
    assert!(!state.verified_unchanged("upn:c", "t", "s2", DAY));
    state
        .record(&entry("upn:c", "t", "s2", true))
        .expect("record");
    drop(state);
    let state = SyncState::open_read_only(&path).expect("reopen");
    assert!(state.verified_unchanged("upn:c", "t", "s2", DAY));
    assert_eq!(state.stats().skipped_lines, 0);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The writers' lock file stays (removing it would race the next writer); nothing else.
    assert_eq!(
        names,
        ["state.jsonl", "state.jsonl.lock"],
        "no temporary file left behind"
    );
}

/// Two names of one state file (a symlink, a path through `..`) are one file: the second
/// writer is refused whichever name it uses, and compaction rewrites the file itself, leaving
/// the symlink pointing at it.
#[cfg(unix)]
#[test]
fn a_state_file_reached_by_another_name_is_still_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = dir.path().join("state.jsonl");
    let link = dir.path().join("link.jsonl");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let dotted = dir.path().join("sub/../state.jsonl");
    let state = SyncState::open(&real).expect("open");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    for other in [&link, &dotted] {
        let err = SyncState::open(other)
            .err()
            .expect("a second writer is refused");
        assert!(err.message.contains("in use"), "{}", err.message);
    }
    for round in 0..40 {
        for user in ["upn:a", "upn:b"] {
            state
                .record(&entry(user, "t", "s1", round % 2 == 1))
                .expect("record");
        }
    }
    drop(state);
    let state = SyncState::open(&link).expect("compacts through the link");
    assert_eq!(state.stats().entries, 2);
    drop(state);
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(&real)
            .expect("read")
            .lines()
            .count(),
        2
    );
}

// Regression (hostile review): a symlink to a state file not created yet took a lock of its
// own name, and a hard link's name another, so two runs wrote one file at once (and
// compaction by one renamed over what the other appended to). The link resolves to the file
// it names; a hard-linked state file is refused.
#[cfg(unix)]
#[test]
fn a_dangling_link_shares_its_files_lock_and_a_hard_link_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = dir.path().join("new.jsonl");
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink("new.jsonl", &link).expect("symlink");
    let first = SyncState::open(&link).expect("open through the link");
    let err = SyncState::open(&real)
        .err()
        .expect("a second writer is refused");
    assert!(err.message.contains("in use"), "{}", err.message);
    drop(first);

    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&real, &hard).expect("hard link");
    for name in [&real, &hard] {
        let err = SyncState::open(name).err().expect("refused");
        assert!(err.message.contains("hard links"), "{}", err.message);
    }
    SyncState::open_read_only(&hard).expect("reading it is fine");
}

// Regression (issue 19, item 20): the state key lower-cased base64 immutable ids, which are
// case-sensitive, so two users could share one entry; and the same GUID given in its two
// forms had two entries.
#[test]
fn immutable_ids_keep_their_case_and_share_the_key_of_their_guid() {
    use base64::Engine as _;
    let guid = "0B6F0F5E-8F7C-4A2B-9C1D-2E3F4A5B6C7D";
    let bytes = uuid::Uuid::parse_str(guid).expect("guid").to_bytes_le();
    let immutable_id = base64::engine::general_purpose::STANDARD.encode(bytes);
    let key = |object_guid: &str| {
        user_key(&UserRecord {
            object_guid: Some(object_guid.to_string()),
            ..UserRecord::default()
        })
    };
    assert_eq!(key(&immutable_id), key(guid));
    assert_eq!(key(&format!("{{{guid}}}")), key(guid));
    // Existing state files keep working: the key of a GUID is unchanged.
    assert_eq!(
        key(guid).as_deref(),
        Some("guid:0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d")
    );
    assert_ne!(key(&immutable_id.to_lowercase()), key(&immutable_id));
}

/// Issue 18: the state keeps the exact fingerprint of PhotoSync's own verified write, through a
/// reload and a compaction; a pending write, a picture found in place and a line from an older
/// version (no `writtenSha256`) record none, so those targets are judged by their picture.
#[test]
fn a_verified_write_is_remembered_exactly_and_only_when_photosync_made_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let (source, written) = ("a".repeat(64), "b".repeat(64));
    let ours = Entry {
        written_sha256: written.clone(),
        ..entry("upn:a", "t", &source, true)
    };
    let pending = Entry {
        written_sha256: written.clone(),
        ..entry("upn:b", "t", &source, false)
    };
    let old_line = format!(
        r#"{{"user":"upn:c","target":"t","sourceSha256":"{source}","at":{},"verified":true}}"#,
        now_secs()
    );
    std::fs::write(&path, format!("{}{old_line}\n", line(&pending))).expect("write");
    let state = SyncState::open(&path).expect("open");
    state.record(&ours).expect("record");
    state
        .record(&entry("upn:d", "t", &source, true))
        .expect("record");
    // Enough superseded lines that the next open compacts the file.
    for _ in 0..40 {
        state.record(&ours).expect("record");
    }
    let check = |state: &SyncState| {
        let write = state.verified_write("upn:a", "t").expect("our write");
        assert!(write.is_held_as(&written));
        assert!(!write.is_held_as(&source));
        assert!(write.is_of_source(&source));
        assert!(!write.is_of_source(&written));
        for other in ["upn:b", "upn:c", "upn:d"] {
            assert_eq!(state.verified_write(other, "t"), None, "{other}");
        }
        // The older line still works as before.
        assert!(state.verified_unchanged("upn:c", "t", &source, DAY));
    };
    check(&state);
    drop(state);
    let state = SyncState::open(&path).expect("reopen compacts");
    assert_eq!(state.stats().file_bytes, state.stats().live_bytes);
    check(&state);
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .contains(&format!(r#""writtenSha256":"{written}""#))
    );
}
