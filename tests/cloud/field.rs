//! The client under what Microsoft 365 does today (issue 21): sync and status under both photo
//! models the emulator knows (the Entra profile, Exchange's HD ladder), a mailbox whose every
//! photo call fails with 500, and a photo call that stalls past the client's timeout.

use std::sync::Arc;
use std::time::Duration;

use image::ImageFormat;
use photosync::http::{HttpClient, HttpOptions, RetryPolicy};
use photosync::schema::UserRecord;
use photosync::store::PhotoStore;
use photosync_emulator::{Faults, PhotoModel, SeedUser, UserPhotoFault};

use super::support::*;
use photosync_testkit::portrait::{encode, portrait};

/// A JPEG portrait of `person`, `width` x `height`.
fn picture(person: u64, width: u32, height: u32) -> Vec<u8> {
    encode(&portrait(person, width, height), ImageFormat::Jpeg)
}

/// One record per (user, source picture) pair.
fn records(pictures: &[Vec<u8>]) -> String {
    pictures
        .iter()
        .enumerate()
        .map(|(i, p)| record(Some(&upn(i)), Some(&guid_of(i)), Some(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sync then status, under the Entra profile (the default: large and oblong pictures keep
/// their size) and under Exchange's ladder (squares of at most 648 px): every write is
/// verified by reading it back, and status then finds every user in sync. What Graph stores
/// differs (`Default` at the upload's size vs `648X648`); what PhotoSync tells does not.
#[test]
fn sync_and_status_agree_under_both_photo_models() {
    // Sources larger than Graph keeps, oblong, mid-sized and smaller than the ladder's top.
    let sources = [
        picture(11, 1600, 1600),
        picture(12, 1200, 800),
        picture(13, 300, 300),
        picture(14, 120, 160),
    ];
    for model in [PhotoModel::EntraProfile, PhotoModel::Exchange] {
        let seed = tenant_with_users(sources.len(), |_| None).photo_model(model);
        let emu = start(seed, Faults::realistic());
        let creds = secret_creds_graph_only(&emu);
        let input = records(&sources);
        let sync = sync_from_input(&creds, "graph", &[], &input);
        assert_eq!(sync.code, 0, "{model:?}: {}\n{}", sync.stdout, sync.stderr);
        for result in sync.of_type("result") {
            assert_eq!(result["action"], "updated", "{model:?}: {result}");
            assert_eq!(result["verified"], true, "{model:?}: {result}");
        }
        for (i, source) in sources.iter().enumerate() {
            assert!(holds_picture(&emu, &upn(i), source), "{model:?}: user {i}");
            // PhotoSync writes one square rendition of at most 648 px; how it is kept is the
            // model's business.
            let (id, width, height) = emu.admin().photo_sizes(&upn(i)).pop().expect("stored");
            assert_eq!(width, height, "{model:?}: user {i}");
            assert!(width <= 648, "{model:?}: user {i}");
            let expected_id = match model {
                PhotoModel::EntraProfile => "Default".to_string(),
                PhotoModel::Exchange => format!("{width}X{width}"),
            };
            assert_eq!(id, expected_id, "{model:?}: user {i}");
        }
        let status = status_json(&creds, "graph", &input);
        for s in status.of_type("status") {
            assert_eq!(s["verdict"], "in-sync", "{model:?}: {s}");
        }
        // A second sync finds nothing to do.
        let again = sync_from_input(&creds, "graph", &[], &input);
        for result in again.of_type("result") {
            assert_eq!(result["action"], "skipped", "{model:?}: {result}");
        }
    }
}

/// Under the Entra profile a user's own upload keeps its size and shape (here 1400x1000):
/// status reads it whole, judges it on its centre square and still matches the source.
#[test]
fn a_large_oblong_photo_kept_by_the_entra_profile_is_judged_like_any_other() {
    let source = picture(21, 1400, 1000);
    let emu = start(tenant_with_users(1, |_| None), Faults::default());
    emu.admin()
        .change_photo_as_user(&upn(0), &source)
        .expect("the user's own upload");
    assert_eq!(
        emu.admin().photo_sizes(&upn(0)).pop(),
        Some(("Default".to_string(), 1400, 1000))
    );
    let creds = secret_creds_graph_only(&emu);
    let status = status_json(&creds, "graph", &records(&[source]));
    let s = status.of_type("status").pop().expect("a status record");
    assert_eq!(s["verdict"], "in-sync", "{s}");
    let graph = store_entry(&s, "graph");
    assert_eq!(
        (&graph["photo"]["width"], &graph["photo"]["height"]),
        (&serde_json::json!(1400), &serde_json::json!(1000)),
        "{graph}"
    );
}

/// A mailbox whose every photo call answers 500 `ErrorStoreInternalServerError` (Bookings and
/// other scheduling mailboxes, field report): after a bounded number of attempts that user is
/// one failed result with an explanation, and the others are written. Before, the client
/// tried a failing mailbox 10 times with backoff of up to 30 s (about a minute per user).
#[test]
fn a_mailbox_failing_with_a_store_error_is_one_failed_user_and_the_run_goes_on() {
    let mut seed = tenant_with_users(3, |_| None);
    seed.users[1] = SeedUser::new(&upn(1))
        .immutable_id(&immutable_id_of(1))
        .photo_fault(UserPhotoFault::StoreInternalServerError);
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let sources = [
        picture(31, 400, 400),
        picture(32, 400, 400),
        picture(33, 400, 400),
    ];
    let sync = sync_from_input(&creds, "graph", &[], &records(&sources));
    assert_eq!(
        sync.code, 4,
        "transient failures exhausted: {}",
        sync.stderr
    );
    let results = sync.of_type("result");
    let of = |i: usize| {
        results
            .iter()
            .find(|r| r["user"]["userPrincipalName"] == upn(i))
            .unwrap_or_else(|| panic!("no result for user {i}:\n{}", sync.stdout))
    };
    assert_eq!(of(0)["action"], "updated");
    assert_eq!(of(2)["action"], "updated");
    let failed = of(1);
    assert_eq!(failed["action"], "failed", "{failed}");
    let error = &failed["error"];
    assert_eq!(error["code"], "transient", "{failed}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("ErrorStoreInternalServerError")),
        "{failed}"
    );
    assert!(
        error["hint"]
            .as_str()
            .is_some_and(|h| h.contains("Bookings")),
        "{failed}"
    );
    // Bounded: four reads of the failing mailbox's photo, no write.
    let id = graph_id_of(&emu, 1);
    let reads = emu
        .admin()
        .request_log()
        .iter()
        .filter(|e| e.route == "graph.photo.value.get" && e.path.to_lowercase().contains(&id))
        .count();
    assert_eq!(reads, 4);
    assert!(!emu.admin().counters().writes_per_user.contains_key(&id));
}

/// A photo call that stalls past the client's timeout (field report): the shared client gives
/// up after its timeout and failure-attempt budget and the user fails with the transient
/// class; the next user is read as usual.
#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_photo_call_fails_the_user_as_transient_after_the_timeout_and_retries() {
    let mut seed = tenant_with_users(2, |i| Some(40 + i as u64));
    seed.users[0] = SeedUser::new(&upn(0))
        .immutable_id(&immutable_id_of(0))
        .photo_bytes(&jpeg(40, 300))
        .photo_fault(UserPhotoFault::Stall);
    let emu = start(seed, Faults::default());
    let settings = secret_settings(&emu);
    // A short timeout (the emulator stalls 100 s) and two attempts keep the test short; the
    // defaults (60 s, four attempts) bound a real run the same way.
    let http = HttpClient::new(HttpOptions {
        request_timeout: Duration::from_secs(3),
        retry: RetryPolicy {
            max_failure_attempts: 2,
            ..RetryPolicy::default()
        },
        ..HttpOptions::default()
    })
    .expect("http client");
    let auth = photosync::auth::Authenticator::from_settings(
        &settings.cloud,
        &settings.sharepoint,
        Arc::clone(&http),
    )
    .expect("authenticator");
    let store = photosync::store::graph::GraphStore::new(http, &auth, &emu.graph_url(), None);
    let user = |i: usize| UserRecord {
        user_principal_name: Some(upn(i)),
        ..Default::default()
    };
    let stalled = store
        .resolve(&user(0))
        .await
        .expect("lookup works")
        .expect("found");
    let err = store
        .read_photo(&stalled)
        .await
        .expect_err("the stalled read gives up");
    assert_eq!(err.class, photosync::error::ErrorClass::Transient, "{err}");
    assert!(err.message.contains("timed out"), "{err}");
    let id = graph_id_of(&emu, 0);
    let attempts = emu
        .admin()
        .request_log()
        .iter()
        .filter(|e| e.path.to_lowercase().contains(&id) && e.route.starts_with("graph.photo"))
        .count();
    // The stalled requests never finish, so the log (written on answer) may not show them;
    // the client's own count does.
    assert_eq!(attempts, 0, "no stalled call was answered");
    assert!(err.message.contains("2 attempt"), "{err}");
    // The run goes on: the next user's photo is read.
    let next = store
        .resolve(&user(1))
        .await
        .expect("lookup works")
        .expect("found");
    let read = store.read_photo(&next).await.expect("the next user reads");
    assert!(read.photo.is_some());
}

/// A picture narrower than the tenant accepts: Graph answers 400 `ValidationWidthTooSmall`
/// (microsoft-graph-docs-contrib#423). PhotoSync never upscales, so a tiny source reaches the
/// service as it is; the user fails with the picture named as the cause, the others go on.
#[test]
fn a_picture_too_narrow_for_microsoft_365_is_explained_and_the_run_goes_on() {
    let emu = start(
        tenant_with_users(2, |_| None).photo_min_width(48),
        Faults::default(),
    );
    let creds = secret_creds_graph_only(&emu);
    let sync = sync_from_input(
        &creds,
        "graph",
        &[],
        &records(&[picture(51, 40, 40), picture(52, 300, 300)]),
    );
    let results = sync.of_type("result");
    assert_eq!(results.len(), 2, "{}", sync.stdout);
    let narrow = &results
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == upn(0))
        .expect("user 0")["error"];
    assert!(
        narrow["message"]
            .as_str()
            .is_some_and(|m| m.contains("too small") && m.contains("ValidationWidthTooSmall")),
        "{narrow}"
    );
    assert!(
        narrow["hint"].as_str().is_some_and(|h| h.contains("96x96")),
        "{narrow}"
    );
    let fine = results
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == upn(1))
        .expect("user 1");
    assert_eq!(fine["action"], "updated", "{fine}");
    assert!(emu.admin().photo_of(&upn(0)).is_none());
}
