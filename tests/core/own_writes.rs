//! Issue 18, "use what PhotoSync knows first": where the state records PhotoSync's own
//! verified write to a target (`writtenSha256`, the target's bytes as read back), a target
//! holding that write is compared by the record, never judged by looking; a changed source is
//! written whatever the target shows; lines from older versions are judged as before.

use std::sync::Arc;

use photosync::engine::{StatusOptions, SyncOptions, SyncSource};
use photosync::output::sink::CollectSink;
use photosync::photo::sha256_hex;
use photosync::schema::{
    Action, ComparedBy, OutputRecord, PhotoBytes, ResultRecord, UserRecord, Verdict,
};
use photosync::state::{self, SyncState};
use photosync::store::PhotoStore;
use photosync::store::memory::MemoryStore;

use crate::support::{jpeg, jsonl, png, result_of, status_of, sync, upn};

const ANN: &str = "ann@contoso.com";

fn ann_with(photo: &[u8]) -> UserRecord {
    UserRecord {
        thumbnail_photo: Some(PhotoBytes::Bytes(photo.to_vec())),
        ..upn("ann")
    }
}

/// A memory target where Ann holds `photo`, and the store itself for checking writes.
fn target_holding(photo: Option<Vec<u8>>) -> (MemoryStore, Vec<Box<dyn PhotoStore>>) {
    let store = MemoryStore::new();
    store.add_user(ANN, photo);
    (store.clone(), vec![Box::new(store)])
}

/// A state line saying an earlier run wrote `source` to Ann's memory target and verified it,
/// reading back `written` (`None`: a line as versions before issue 18 wrote it).
fn earlier_run_wrote(path: &std::path::Path, source: &[u8], written: Option<&[u8]>) {
    let state = SyncState::open(path).expect("state");
    state
        .record(&state::Entry {
            user: format!("upn:{ANN}"),
            target: "memory".into(),
            source_sha256: sha256_hex(source),
            written_sha256: written.map(sha256_hex).unwrap_or_default(),
            at: Some(state::now_secs() - 60),
            verified: true,
            object: String::new(),
        })
        .expect("record");
}

fn with_state(path: &std::path::Path) -> SyncOptions {
    SyncOptions {
        state: Some(SyncState::open(path).expect("state")),
        ..Default::default()
    }
}

fn rechecking(path: &std::path::Path) -> SyncOptions {
    SyncOptions {
        recheck: true,
        ..with_state(path)
    }
}

/// Sync Ann with `photo` as her source; her result.
async fn sync_ann(
    photo: &[u8],
    targets: &[Box<dyn PhotoStore>],
    opts: SyncOptions,
) -> ResultRecord {
    let (records, _) = sync(
        jsonl(&[ann_with(photo)]),
        &SyncSource::Input,
        targets,
        &opts,
    )
    .await;
    result_of(&records, ANN, "memory").clone()
}

async fn status_with_state(
    user: UserRecord,
    stores: &[Box<dyn PhotoStore>],
    path: &std::path::Path,
) -> Vec<OutputRecord> {
    let opts = StatusOptions {
        state: Some(Arc::new(SyncState::open_read_only(path).expect("state"))),
        ..Default::default()
    };
    let mut sink = CollectSink::default();
    photosync::engine::run_status(jsonl(&[user]), stores, &opts, &mut sink).await;
    sink.records
}

/// (a) The target holds, byte for byte, what an earlier run wrote and verified for this very
/// source; today's judge calls it another picture (a stricter judge than the one that verified
/// the write, or a service's heavy re-encoding). Before issue 18 status said `differs` and sync
/// wrote it again; now the record decides: in sync, nothing written.
#[tokio::test]
async fn a_target_holding_photosyncs_own_write_is_in_sync_by_the_record_whatever_looking_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let (source, written) = (jpeg(1, 200), jpeg(2, 200));
    let (store, targets) = target_holding(Some(written.clone()));
    earlier_run_wrote(&path, &source, Some(&written));

    let records = status_with_state(ann_with(&source), &targets, &path).await;
    let status = status_of(&records, ANN);
    assert_eq!(status.verdict, Verdict::InSync, "{status:?}");
    let shown = &status.stores[1];
    assert_eq!(shown.matches_reference, Some(true));
    assert_eq!(shown.compared_by, Some(ComparedBy::OwnWrite));
    assert_eq!(shown.distance, None, "no picture judgement made");

    let r = sync_ann(&source, &targets, rechecking(&path)).await;
    assert_eq!(
        (r.action, r.reason.as_str()),
        (Action::Skipped, "own-write-unchanged")
    );
    assert_eq!(store.writes(), 0);
    assert_eq!(store.photo_of(ANN), Some(written));
}

/// (c) The same history in a line from an older version (no `writtenSha256`): nothing says the
/// target holds PhotoSync's write, so it is judged by looking, as before.
#[tokio::test]
async fn an_older_state_line_without_the_written_fingerprint_is_judged_by_looking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let (source, written) = (jpeg(1, 200), jpeg(2, 200));
    let (store, targets) = target_holding(Some(written));
    earlier_run_wrote(&path, &source, None);
    assert!(
        !std::fs::read_to_string(&path)
            .expect("read")
            .contains("writtenSha256"),
        "the line is in the older format"
    );

    let records = status_with_state(ann_with(&source), &targets, &path).await;
    let status = status_of(&records, ANN);
    assert_eq!(status.verdict, Verdict::Differs);
    assert_eq!(status.stores[1].compared_by, Some(ComparedBy::Picture));

    let r = sync_ann(&source, &targets, rechecking(&path)).await;
    assert_eq!(r.action, Action::Updated);
    assert_eq!(r.reason, "replaced-outside-change");
    assert_eq!(store.writes(), 1);
}

/// (b) The source changed since PhotoSync's verified write, and the target now holds another
/// encoding of the new picture that PhotoSync did not write. Looking calls it the same, and
/// before issue 18 sync skipped it (`already-in-sync`): a skipped update whenever the judge is
/// wrong. Now the changed source is written; a line from an older version still skips.
#[tokio::test]
async fn a_changed_source_is_written_even_where_the_target_looks_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let (first, second) = (jpeg(1, 200), jpeg(2, 200));
    let (store, targets) = target_holding(None);
    let r = sync_ann(&first, &targets, with_state(&path)).await;
    assert_eq!(r.action, Action::Updated);
    assert_eq!(store.writes(), 1);

    let look_alike = png(2, 200);
    store.add_user(ANN, Some(look_alike.clone()));
    let r = sync_ann(&second, &targets, with_state(&path)).await;
    assert_eq!(
        (r.action, r.reason.as_str(), r.verified),
        (Action::Updated, "source-changed", Some(true))
    );
    assert_eq!(store.writes(), 2);
    assert_ne!(store.photo_of(ANN), Some(look_alike.clone()));

    // The control, and (c): with the older version's line, looking decides, as before.
    let old_path = dir.path().join("old.jsonl");
    let (store, targets) = target_holding(Some(look_alike));
    earlier_run_wrote(&old_path, &first, None);
    let r = sync_ann(&second, &targets, with_state(&old_path)).await;
    assert_eq!(
        (r.action, r.reason.as_str()),
        (Action::Skipped, "already-in-sync")
    );
    assert_eq!(store.writes(), 0);
}

/// After a verified write, the state's line carries the exact fingerprint of what the target
/// returned; a re-run that reads the target (`--recheck`) decides by it.
#[tokio::test]
async fn a_verified_write_is_recorded_exactly_and_decides_the_next_look() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let source = jpeg(3, 200);
    let (store, targets) = target_holding(None);
    let r = sync_ann(&source, &targets, with_state(&path)).await;
    assert_eq!(r.action, Action::Updated);
    let held = store.photo_of(ANN).expect("written");
    let write = SyncState::open_read_only(&path)
        .expect("state")
        .verified_write(&format!("upn:{ANN}"), "memory")
        .expect("the write is recorded");
    assert!(write.is_held_as(&sha256_hex(&held)));
    assert!(write.is_of_source(&sha256_hex(&source)));

    let r = sync_ann(&source, &targets, rechecking(&path)).await;
    assert_eq!(r.reason, "own-write-unchanged");
    assert_eq!(store.writes(), 1);
}
