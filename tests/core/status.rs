//! `status` through the engine with memory and folder stores.

use base64::Engine as _;
use photosync::error::{Error, ErrorClass};
use photosync::schema::{
    ErrorCode, FindingCode, OutputRecord, PhotoBytes, StoreState, UserRecord, Verdict,
};
use photosync::store::folder::{FolderStore, NamingRule};
use photosync::store::memory::MemoryStore;
use photosync::store::{PhotoStore, StoreRole};
use photosync_testkit::store::ScriptedStore;

use crate::support::{brighter, errors, jpeg, jsonl, png, status, status_of, upn};

fn photo_path(user: UserRecord, path: &std::path::Path) -> UserRecord {
    UserRecord {
        photo_path: Some(path.display().to_string()),
        ..user
    }
}

#[tokio::test]
async fn input_photo_against_a_folder_gives_every_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::create_dir_all(&photos).expect("mkdir");
    for person in 1..=3 {
        std::fs::write(src.join(format!("{person}.png")), png(person, 400)).expect("write");
    }
    // Same picture re-encoded and resized; a different picture; nothing for carol.
    std::fs::write(photos.join("ann@contoso.com.jpg"), jpeg(1, 96)).expect("write");
    std::fs::write(photos.join("bob@contoso.com.jpg"), jpeg(7, 96)).expect("write");
    std::fs::write(photos.join("old@contoso.com.jpg"), jpeg(9, 96)).expect("write");
    let users = vec![
        photo_path(upn("ann"), &src.join("1.png")),
        photo_path(upn("bob"), &src.join("2.png")),
        photo_path(upn("carol"), &src.join("3.png")),
        upn("dave"),
    ];
    let folder: Box<dyn PhotoStore> = Box::new(
        FolderStore::open(
            photos,
            NamingRule::parse("{userPrincipalName}.*").expect("rule"),
            StoreRole::Read,
        )
        .expect("open"),
    );
    let (records, summary) = status(jsonl(&users), &[folder]).await;

    let ann = status_of(&records, "ann@contoso.com");
    assert_eq!(ann.verdict, Verdict::InSync);
    assert_eq!(ann.reference.as_deref(), Some("input"));
    assert_eq!(ann.stores[1].matches_reference, Some(true));

    let bob = status_of(&records, "bob@contoso.com");
    assert_eq!(bob.verdict, Verdict::Differs);
    assert!(
        bob.findings
            .iter()
            .any(|f| f.code == FindingCode::DiffersFromReference && !f.hint.is_empty())
    );

    let carol = status_of(&records, "carol@contoso.com");
    // A folder is not the cloud: its gap has its own verdict.
    assert_eq!(carol.verdict, Verdict::MissingInStore);
    assert_eq!(carol.stores[1].state, StoreState::Absent);
    assert!(
        carol
            .findings
            .iter()
            .any(|f| f.code == FindingCode::MissingInStore)
    );

    assert_eq!(
        status_of(&records, "dave@contoso.com").verdict,
        Verdict::NoPhoto
    );

    // The unmatched folder file comes after the users, before the summary.
    let unmatched = records.iter().position(|r| {
        matches!(r, OutputRecord::Finding(f) if f.finding.code == FindingCode::UnmatchedFile
            && f.finding.message.contains("old@contoso.com.jpg"))
    });
    assert!(unmatched.is_some(), "{records:#?}");
    assert!(matches!(records.last(), Some(OutputRecord::Summary(_))));
    assert_eq!(summary.users, 4);
    assert_eq!(summary.counts.get("in-sync"), Some(&1));
    assert_eq!(summary.counts.get("differs"), Some(&1));
    assert_eq!(
        summary.exit_code, 0,
        "drift alone is exit 0 without --fail-on-drift"
    );
}

#[tokio::test]
async fn fail_on_drift_exits_1() {
    let store = MemoryStore::new();
    store.add_user("ann@contoso.com", Some(jpeg(2, 64)));
    let user = UserRecord {
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(1, 64))),
        ..upn("ann")
    };
    let stores: Vec<Box<dyn PhotoStore>> = vec![Box::new(store)];
    let mut sink = photosync::output::sink::CollectSink::default();
    let opts = photosync::engine::StatusOptions {
        fail_on_drift: true,
        ..Default::default()
    };
    let summary = photosync::engine::run_status(jsonl(&[user]), &stores, &opts, &mut sink).await;
    assert_eq!(summary.exit_code, 1);
}

#[tokio::test]
async fn corrupt_and_missing_input_photos_are_error_records_and_the_run_goes_on() {
    let store = MemoryStore::new();
    store.add_user("ann@contoso.com", Some(jpeg(1, 64)));
    store.add_user("bob@contoso.com", Some(jpeg(2, 64)));
    store.add_user("carol@contoso.com", Some(jpeg(3, 64)));
    let mut truncated = jpeg(1, 64);
    truncated.truncate(60);
    let users = vec![
        UserRecord {
            thumbnail_photo: Some(PhotoBytes::Base64(
                base64::engine::general_purpose::STANDARD.encode(&truncated),
            )),
            ..upn("ann")
        },
        UserRecord {
            photo_path: Some("/nonexistent/photosync/bob.jpg".into()),
            ..upn("bob")
        },
        UserRecord {
            thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(3, 64))),
            ..upn("carol")
        },
    ];
    let stores: Vec<Box<dyn PhotoStore>> = vec![Box::new(store)];
    let (records, summary) = status(jsonl(&users), &stores).await;
    let errs = errors(&records);
    assert_eq!(errs.len(), 2, "{records:#?}");
    let codes: Vec<_> = errs.iter().map(|e| e.error.code).collect();
    assert!(codes.contains(&ErrorCode::PhotoUnreadable), "{codes:?}");
    assert!(codes.contains(&ErrorCode::PhotoFileUnreadable), "{codes:?}");
    assert!(
        errs.iter()
            .all(|e| e.line.is_some() && e.error.hint.is_some())
    );
    assert_eq!(
        status_of(&records, "ann@contoso.com").verdict,
        Verdict::Error
    );
    assert_eq!(
        status_of(&records, "carol@contoso.com").verdict,
        Verdict::InSync
    );
    assert_eq!(summary.exit_code, 1);
}

#[tokio::test]
async fn one_failing_store_does_not_stop_the_others_and_sets_exit_4() {
    // A Graph whose every lookup is throttled.
    let throttled = ScriptedStore::over(MemoryStore::new())
        .named("graph")
        .failing_lookups(|| {
            Error::new(
                ErrorCode::Throttled,
                ErrorClass::Throttled,
                "429 Too Many Requests",
            )
            .with_hint("lower --concurrency")
        });
    let good = MemoryStore::new();
    good.add_user("ann@contoso.com", Some(jpeg(1, 64)));
    let stores: Vec<Box<dyn PhotoStore>> = vec![Box::new(good), Box::new(throttled)];
    let (records, summary) = status(jsonl(&[upn("ann"), upn("bob")]), &stores).await;
    let ann = status_of(&records, "ann@contoso.com");
    assert_eq!(ann.verdict, Verdict::Error);
    assert_eq!(
        ann.stores[0].state,
        StoreState::Present,
        "memory was still read"
    );
    assert_eq!(ann.stores[1].state, StoreState::Error);
    assert_eq!(
        ann.stores[1].error.as_ref().map(|e| e.code),
        Some(ErrorCode::Throttled)
    );
    assert!(
        ann.findings
            .iter()
            .any(|f| f.code == FindingCode::StoreUnreadable && f.hint == "lower --concurrency")
    );
    assert_eq!(summary.users, 2);
    assert_eq!(summary.exit_code, 4);
}

#[tokio::test]
async fn user_missing_from_a_store_is_a_user_not_found_finding() {
    let store = MemoryStore::new();
    let user = UserRecord {
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(1, 64))),
        ..upn("ann")
    };
    let stores: Vec<Box<dyn PhotoStore>> = vec![Box::new(store)];
    let (records, _) = status(jsonl(&[user]), &stores).await;
    let ann = status_of(&records, "ann@contoso.com");
    // Regression: a user the store does not know (a leaver) was `missing-in-cloud`.
    assert_eq!(ann.verdict, Verdict::NotFound);
    assert!(
        ann.findings
            .iter()
            .any(|f| f.code == FindingCode::UserNotFound)
    );
}

#[tokio::test]
async fn many_users_with_bounded_concurrency_all_get_one_record() {
    let store = MemoryStore::new();
    let users: Vec<UserRecord> = (0..300).map(|i| upn(&format!("u{i}"))).collect();
    for u in &users {
        store.add_user(u.user_principal_name.as_deref().expect("upn"), None);
    }
    let stores: Vec<Box<dyn PhotoStore>> = vec![Box::new(store)];
    let (records, summary) = status(jsonl(&users), &stores).await;
    assert_eq!(crate::support::statuses(&records).len(), 300);
    assert_eq!(summary.counts.get("no-photo"), Some(&300));
}

/// A store whose picture is judged the same only narrowly, or is too small to judge clearly,
/// stays in sync, and an info finding says sync will rewrite it; a clearly same picture gets
/// no such finding.
#[tokio::test]
async fn a_picture_judged_the_same_only_narrowly_or_too_small_is_in_sync_with_a_finding() {
    let graph = MemoryStore::new();
    graph.add_user("ann@contoso.com", Some(brighter(1, 10)));
    graph.add_user("bob@contoso.com", Some(brighter(2, 3)));
    graph.add_user("carol@contoso.com", Some(jpeg(3, 48)));
    let graph: Box<dyn PhotoStore> = Box::new(ScriptedStore::over(graph).named("graph"));
    let users = [1, 2, 3].map(|person| UserRecord {
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(person, 300))),
        ..upn(["ann", "bob", "carol"][person as usize - 1])
    });
    let (records, _) = status(jsonl(&users), &[graph]).await;
    let ann = status_of(&records, "ann@contoso.com");
    assert_eq!(ann.verdict, Verdict::InSync, "{ann:?}");
    assert_eq!(ann.stores[1].matches_reference, Some(true));
    assert!(ann.stores[1].distance > Some(photosync::photo::CLEARLY_SAME_MAX_DISTANCE));
    let narrow: Vec<_> = ann
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::ProbablySame)
        .collect();
    assert_eq!(narrow.len(), 1, "{:?}", ann.findings);
    assert_eq!(narrow[0].store.as_deref(), Some("graph"));
    assert!(
        narrow[0].hint.contains("photosync sync"),
        "{}",
        narrow[0].hint
    );
    let bob = status_of(&records, "bob@contoso.com");
    assert_eq!(bob.verdict, Verdict::InSync);
    assert!(
        bob.findings
            .iter()
            .all(|f| f.code != FindingCode::ProbablySame),
        "{:?}",
        bob.findings
    );
    let carol = status_of(&records, "carol@contoso.com");
    assert_eq!(carol.verdict, Verdict::InSync);
    assert!(carol.stores[1].distance <= Some(photosync::photo::CLEARLY_SAME_MAX_DISTANCE));
    let small: Vec<_> = carol
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::ProbablySame)
        .collect();
    assert_eq!(small.len(), 1, "{:?}", carol.findings);
    assert!(small[0].message.contains("48 px"), "{}", small[0].message);
}
