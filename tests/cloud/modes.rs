//! Issue 21 §3 against the emulator: respecting what people changed (a photo changed in Teams
//! or Outlook after PhotoSync's verified write: `changed-outside-photosync` in status, written
//! back by default and said so, left alone with `--keep-outside-changes`), and filling what is
//! missing (`--only-missing`, `--default-photo`); and a second run with `--state` deciding by
//! PhotoSync's own verified write (issue 18).

use image::{ImageFormat, Rgb, RgbImage};
use photosync_emulator::{Faults, SeedUser};
use serde_json::Value;

use super::support::*;
use photosync_testkit::portrait::{encode, portrait};

/// The result of `user` in a sync run.
fn result_of(run: &Run, user: &str) -> Value {
    run.of_type("result")
        .into_iter()
        .find(|r| r["user"]["userPrincipalName"] == user)
        .unwrap_or_else(|| panic!("no result for {user}:\n{}\n{}", run.stdout, run.stderr))
}

fn status_of(run: &Run, user: &str) -> Value {
    run.of_type("status")
        .into_iter()
        .find(|r| r["user"]["userPrincipalName"] == user)
        .unwrap_or_else(|| panic!("no status for {user}:\n{}\n{}", run.stdout, run.stderr))
}

/// `status --stores graph --state STATE` of `records`: what the state makes of each user.
fn status_with_state(creds: &Creds, state: &str, records: &str) -> Run {
    creds
        .photosync()
        .args([
            "status", "--stores", "graph", "--state", state, "--format", "json",
        ])
        .stdin(records)
        .run()
}

fn writes_to(emu: &photosync_emulator::RunningEmulator, i: usize) -> u64 {
    let id = graph_id_of(emu, i);
    emu.admin()
        .counters()
        .writes_per_user
        .get(&id)
        .copied()
        .unwrap_or(0)
}

/// A flat grey square: what a placeholder looks like.
fn placeholder() -> Vec<u8> {
    encode(
        &RgbImage::from_pixel(300, 300, Rgb([200, 200, 200])),
        ImageFormat::Jpeg,
    )
}

#[test]
fn a_photo_changed_outside_photosync_is_reported_written_back_or_kept() {
    let emu = start(tenant_with_users(2, |_| None), Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let dir = tempfile::tempdir().expect("tempdir");
    let state = temp_path(&dir, "sync.state");
    let state = state.to_str().expect("utf-8 path");
    let sources = [jpeg(21, 400), jpeg(22, 400)];
    let input = (0..2)
        .map(|i| record(Some(&upn(i)), Some(&guid_of(i)), Some(&sources[i])))
        .collect::<Vec<_>>()
        .join("\n");
    let first = sync_from_input(&creds, "graph", &["--state", state], &input);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);

    // user0 changes their own photo in Teams; the source stays the same.
    let theirs = jpeg(23, 400);
    emu.admin()
        .change_photo_as_user(&upn(0), &theirs)
        .expect("the user's own change");

    let status = status_with_state(&creds, state, &input);
    let changed = status_of(&status, &upn(0));
    assert_eq!(changed["verdict"], "differs", "{changed}");
    assert!(
        has_finding(&changed, "changed-outside-photosync"),
        "{changed}"
    );
    assert!(!has_finding(&changed, "recently-written"), "{changed}");
    let untouched = status_of(&status, &upn(1));
    assert!(
        !has_finding(&untouched, "changed-outside-photosync"),
        "{untouched}"
    );

    // --keep-outside-changes leaves the user's own picture, without a write.
    let writes = writes_to(&emu, 0);
    let kept = sync_from_input(
        &creds,
        "graph",
        &["--state", state, "--recheck", "--keep-outside-changes"],
        &input,
    );
    assert_eq!(kept.code, 0, "{}\n{}", kept.stdout, kept.stderr);
    let result = result_of(&kept, &upn(0));
    assert_eq!(result["action"], "skipped", "{result}");
    assert_eq!(result["reason"], "changed-outside-photosync", "{result}");
    assert_eq!(writes_to(&emu, 0), writes);
    assert!(holds_picture(&emu, &upn(0), &theirs));
    // user1 still holds PhotoSync's write byte for byte: in sync by the record (issue 18).
    assert_eq!(result_of(&kept, &upn(1))["reason"], "own-write-unchanged");

    // By default the authoritative picture goes back, and the result says what it replaced.
    let restored = sync_from_input(&creds, "graph", &["--state", state, "--recheck"], &input);
    assert_eq!(restored.code, 0, "{}\n{}", restored.stdout, restored.stderr);
    let result = result_of(&restored, &upn(0));
    assert_eq!(result["action"], "updated", "{result}");
    assert_eq!(result["reason"], "replaced-outside-change", "{result}");
    assert!(holds_picture(&emu, &upn(0), &sources[0]));
}

/// Issue 18 end to end: after a verified write, the state holds the exact fingerprint of what
/// Graph returned, and a second run with `--state` decides by that record instead of comparing
/// pictures, and says so: `status` in sync with `comparedBy: own-write`, `sync --recheck`
/// skipped as `own-write-unchanged` without a write. Once the source changes, the target is
/// out of date whatever it looks like: a re-encoded source (the same picture, other bytes) and
/// a look-alike someone put in Teams are both written (`source-changed`). Before issue 18 both
/// were judged "the same picture": `in-sync` and `already-in-sync`, the update skipped.
#[test]
fn a_second_run_with_state_decides_by_photosyncs_own_write() {
    let emu = start(tenant_with_users(2, |_| None), Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let dir = tempfile::tempdir().expect("tempdir");
    let state = temp_path(&dir, "sync.state");
    let state = state.to_str().expect("utf-8 path");
    let input_of = |sources: &[Vec<u8>]| {
        (0..2)
            .map(|i| record(Some(&upn(i)), Some(&guid_of(i)), Some(&sources[i])))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let input = input_of(&[jpeg(51, 400), jpeg(52, 400)]);
    let first = sync_from_input(&creds, "graph", &["--state", state], &input);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);

    // The state line carries the SHA-256 of the bytes Graph serves, not of what was sent.
    let lines = std::fs::read_to_string(state).expect("state file");
    for i in 0..2 {
        let served = emu.admin().photo_of(&upn(i)).expect("written");
        let sha = photosync::photo::sha256_hex(&served);
        assert!(
            lines.contains(&format!(r#""writtenSha256":"{sha}""#)),
            "{lines}"
        );
    }

    let status = status_with_state(&creds, state, &input);
    for i in 0..2 {
        let user = status_of(&status, &upn(i));
        assert_eq!(user["verdict"], "in-sync", "{user}");
        let graph = store_entry(&user, "graph");
        assert_eq!(graph["matchesReference"], true, "{graph}");
        assert_eq!(graph["comparedBy"], "own-write", "{graph}");
        assert!(
            graph.get("distance").is_none(),
            "no picture judgement: {graph}"
        );
    }

    let writes = [writes_to(&emu, 0), writes_to(&emu, 1)];
    let again = sync_from_input(&creds, "graph", &["--state", state, "--recheck"], &input);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    for (i, writes) in writes.into_iter().enumerate() {
        let result = result_of(&again, &upn(i));
        assert_eq!(result["action"], "skipped", "{result}");
        assert_eq!(result["reason"], "own-write-unchanged", "{result}");
        assert_eq!(writes_to(&emu, i), writes);
    }

    // user0's source is a new picture, and someone already put a look-alike of it in Teams;
    // user1's source is the same picture re-encoded. Both are judged "the same" by looking.
    let (new0, new1) = (jpeg(53, 400), jpeg(52, 320));
    emu.admin()
        .change_photo_as_user(&upn(0), &jpeg(53, 500))
        .expect("the user's own change");
    let changed = input_of(&[new0.clone(), new1]);
    let status = status_with_state(&creds, state, &changed);
    let user0 = status_of(&status, &upn(0));
    assert_eq!(
        user0["verdict"], "in-sync",
        "not our write: judged by looking {user0}"
    );
    assert_eq!(store_entry(&user0, "graph")["comparedBy"], "picture");
    let user1 = status_of(&status, &upn(1));
    assert_eq!(user1["verdict"], "differs", "{user1}");
    assert_eq!(store_entry(&user1, "graph")["comparedBy"], "own-write");
    assert!(has_finding(&user1, "differs-from-reference"), "{user1}");

    let synced = sync_from_input(&creds, "graph", &["--state", state], &changed);
    assert_eq!(synced.code, 0, "{}\n{}", synced.stdout, synced.stderr);
    for i in 0..2 {
        let result = result_of(&synced, &upn(i));
        assert_eq!(result["action"], "updated", "{result}");
        assert_eq!(result["reason"], "source-changed", "{result}");
        assert_eq!(result["verified"], true, "{result}");
    }
    assert!(holds_picture(&emu, &upn(0), &new0));
}

#[test]
fn only_missing_fills_empty_and_placeholder_targets_and_leaves_real_photos() {
    let theirs = jpeg(31, 300);
    let mut seed = tenant_with_users(3, |_| None);
    seed.users[1] = SeedUser::new(&upn(1))
        .immutable_id(&immutable_id_of(1))
        .photo_bytes(&theirs);
    seed.users[2] = SeedUser::new(&upn(2))
        .immutable_id(&immutable_id_of(2))
        .photo_bytes(&placeholder());
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let sources: Vec<Vec<u8>> = (0..3).map(|i| jpeg(40 + i as u64, 400)).collect();
    let input = (0..3)
        .map(|i| record(Some(&upn(i)), Some(&guid_of(i)), Some(&sources[i])))
        .collect::<Vec<_>>()
        .join("\n");
    let run = sync_from_input(&creds, "graph", &["--only-missing"], &input);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(result_of(&run, &upn(0))["reason"], "missing-in-target");
    let kept = result_of(&run, &upn(1));
    assert_eq!(
        (kept["action"].as_str(), kept["reason"].as_str()),
        (Some("skipped"), Some("target-has-photo")),
        "{kept}"
    );
    assert_eq!(writes_to(&emu, 1), 0);
    assert!(holds_picture(&emu, &upn(1), &theirs));
    let filled = result_of(&run, &upn(2));
    assert_eq!(filled["action"], "updated", "{filled}");
    assert_eq!(filled["reason"], "placeholder-in-target", "{filled}");
    assert!(holds_picture(&emu, &upn(0), &sources[0]));
    assert!(holds_picture(&emu, &upn(2), &sources[2]));
}

#[test]
fn the_default_photo_fills_users_without_a_source_photo_and_replaces_no_ones_picture() {
    let theirs = jpeg(51, 300);
    let mut seed = tenant_with_users(3, |_| None);
    seed.users[1] = SeedUser::new(&upn(1))
        .immutable_id(&immutable_id_of(1))
        .photo_bytes(&theirs);
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let dir = tempfile::tempdir().expect("tempdir");
    let logo = temp_path(&dir, "default.png");
    let default = encode(&portrait(52, 300, 300), ImageFormat::Png);
    std::fs::write(&logo, &default).expect("write the default photo");
    let own = jpeg(53, 400);
    // user0 and user1 have no photo of their own (guests); user2 has one.
    let input = [
        record(Some(&upn(0)), Some(&guid_of(0)), None),
        record(Some(&upn(1)), Some(&guid_of(1)), None),
        record(Some(&upn(2)), Some(&guid_of(2)), Some(&own)),
    ]
    .join("\n");
    let logo = logo.to_str().expect("utf-8 path");
    let run = sync_from_input(&creds, "graph", &["--default-photo", logo], &input);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let filled = result_of(&run, &upn(0));
    assert_eq!(filled["action"], "updated", "{filled}");
    assert_eq!(filled["reason"], "default-photo", "{filled}");
    assert!(holds_picture(&emu, &upn(0), &default));
    // Somebody's own picture is never replaced by the default one.
    assert_eq!(result_of(&run, &upn(1))["reason"], "target-has-photo");
    assert!(holds_picture(&emu, &upn(1), &theirs));
    // A user with a source photo gets it, as always.
    assert_eq!(result_of(&run, &upn(2))["reason"], "missing-in-target");
    assert!(holds_picture(&emu, &upn(2), &own));

    // An unreadable default photo stops the run before any user.
    std::fs::write(dir.path().join("broken.png"), b"not a picture").expect("write");
    let broken = temp_path(&dir, "broken.png");
    let run = sync_from_input(
        &creds,
        "graph",
        &["--default-photo", broken.to_str().expect("utf-8 path")],
        &input,
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.of_type("result").is_empty(), "{}", run.stdout);
}
