//! The identity gate on the stores that need no server (issue 18): a malformed objectGUID
//! refuses the user on every target, not just the directory ones, and two users of one run
//! never land on one file of a folder target.

use photosync::engine::{SyncOptions, SyncSource};
use photosync::schema::{Action, PhotoBytes, UserRecord};
use photosync::state::SyncState;
use photosync::store::ad::ObjectGuid;
use photosync::store::folder::{FolderStore, NamingRule};
use photosync::store::identity::Anchor;
use photosync::store::memory::{MemoryStore, Person};
use photosync::store::{PhotoStore, StoreClass, StoreRole};
use photosync_testkit::store::ScriptedStore;

use crate::support::{jpeg, jsonl, result_of, results, status, statuses, sync};

fn folder(dir: &std::path::Path, rule: &str) -> FolderStore {
    let rule = NamingRule::parse(rule).expect("rule");
    FolderStore::open(dir.to_path_buf(), rule, StoreRole::Target).expect("open folder")
}

fn person(name: &str, mail: Option<&str>, picture: u64) -> UserRecord {
    UserRecord {
        user_principal_name: Some(format!("{name}@contoso.com")),
        mail: mail.map(str::to_string),
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(picture, 200))),
        ..Default::default()
    }
}

// Regression (issue 18): a malformed GUID was refused by Graph (`no-identity`) and written
// to every other target in the same run: the folder and memory stores never looked at it.
#[tokio::test]
async fn a_malformed_guid_refuses_the_user_for_every_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let memory = MemoryStore::new();
    memory.add_user("ann@contoso.com", None);
    let targets: Vec<Box<dyn PhotoStore>> = vec![
        Box::new(folder(dir.path(), "{userPrincipalName}.jpg")),
        Box::new(memory.clone()),
    ];
    let record = UserRecord {
        object_guid: Some("3ab39606-c642-489b-84b6-58c038d3ef3z".into()),
        ..person("ann", None, 1)
    };
    let (records, summary) = sync(
        jsonl(&[record]),
        &SyncSource::Input,
        &targets,
        &SyncOptions::default(),
    )
    .await;
    for target in ["folder", "memory"] {
        let result = result_of(&records, "ann@contoso.com", target);
        assert_eq!(result.action, Action::Failed, "{target}: {result:?}");
        assert_eq!(result.reason, "no-identity", "{target}");
    }
    assert_eq!(memory.writes(), 0, "memory was written");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        0,
        "a file was written"
    );
    assert_eq!(summary.exit_code, 1);
}

// Regression (issue 18): two users whose names resolve to one file (here a mail they share,
// in another case) were both written, the second replacing the first one's face. With one
// user at a time the first is written and the second refused; the file keeps the first's
// picture.
#[tokio::test]
async fn two_users_of_one_run_never_share_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(folder(dir.path(), "{mail}.jpg"))];
    let users = [
        person("ann", Some("Team@contoso.com"), 1),
        person("bob", Some("team@contoso.com"), 2),
    ];
    let opts = SyncOptions {
        concurrency: 1,
        ..SyncOptions::default()
    };
    let (records, _) = sync(jsonl(&users), &SyncSource::Input, &targets, &opts).await;
    assert_eq!(
        result_of(&records, "ann@contoso.com", "folder").action,
        Action::Updated
    );
    let bob = result_of(&records, "bob@contoso.com", "folder");
    assert_eq!(bob.action, Action::Failed, "{bob:?}");
    assert_eq!(bob.reason, "name-collision");
    let message = &bob.error.as_ref().expect("error").message;
    assert!(message.contains("ann@contoso.com"), "{message}");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let held = std::fs::read(files[0].path()).expect("read");
    let limits = photosync::photo::DecodeLimits::default();
    let held = photosync::photo::inspect(&held, &limits).expect("held");
    let ann = photosync::photo::inspect(&jpeg(1, 200), &limits).expect("ann");
    assert!(
        photosync::photo::same_picture(&held, &ann).is_some_and(|(same, _)| same),
        "the file no longer shows ann"
    );
    assert_eq!(results(&records).len(), 2);
}

// Regression: the claim on a shared file went to whichever user reached its write first, so
// when the earlier record's photo was slower to decode the later record was written, and the
// earlier one was refused with a message saying neither was. Names are claimed in input order
// now: the later record is always the one refused at once, and the file never shows it.
#[tokio::test]
async fn the_later_record_is_refused_whichever_photo_is_ready_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(folder(dir.path(), "{mail}.jpg"))];
    let slow = UserRecord {
        // A large picture: its decode and rendition take far longer than bob's.
        thumbnail_photo: Some(PhotoBytes::Bytes(crate::support::png(1, 2400))),
        ..person("ann", Some("Team@contoso.com"), 1)
    };
    let users = [slow, person("bob", Some("team@contoso.com"), 2)];
    let opts = SyncOptions {
        concurrency: 4,
        ..SyncOptions::default()
    };
    let (records, _) = sync(jsonl(&users), &SyncSource::Input, &targets, &opts).await;
    let bob = result_of(&records, "bob@contoso.com", "folder");
    assert_eq!(
        (bob.action, bob.reason.as_str()),
        (Action::Failed, "name-collision"),
        "{bob:?}"
    );
    let message = &bob.error.as_ref().expect("error").message;
    assert!(
        message.contains("the later record, is not written there"),
        "{message}"
    );
    let limits = photosync::photo::DecodeLimits::default();
    let bobs = photosync::photo::inspect(&jpeg(2, 200), &limits).expect("bob");
    for file in std::fs::read_dir(dir.path()).expect("ls").flatten() {
        let held = std::fs::read(file.path()).expect("read");
        let held = photosync::photo::inspect(&held, &limits).expect("held");
        assert!(
            !photosync::photo::same_picture(&held, &bobs).is_some_and(|(same, _)| same),
            "{} shows bob, the later record",
            file.path().display()
        );
    }
}

// Regression: claims were taken after the shard filter, so two records naming one file in
// different shards never met: each shard wrote its own person's face into the one file.
#[tokio::test]
async fn records_colliding_in_different_shards_are_refused_in_each() {
    use photosync::engine::Shard;
    let dir = tempfile::tempdir().expect("tempdir");
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(folder(dir.path(), "{mail}.jpg"))];
    let users = [
        person("ann", Some("Team@contoso.com"), 1),
        person("bob", Some("team@contoso.com"), 2),
    ];
    let count = (2..16)
        .find(|&count| {
            let shard = (1..=count).find(|&index| Shard { index, count }.contains(&users[0]));
            shard.is_some_and(|index| !Shard { index, count }.contains(&users[1]))
        })
        .expect("a shard count that parts them");
    let mut refused = Vec::new();
    for index in 1..=count {
        let opts = SyncOptions {
            shard: Some(Shard { index, count }),
            ..SyncOptions::default()
        };
        let (records, _) = sync(jsonl(&users), &SyncSource::Input, &targets, &opts).await;
        for r in results(&records) {
            assert_eq!(
                (r.action, r.reason.as_str()),
                (Action::Failed, "name-collision"),
                "{r:?}"
            );
            refused.extend(r.user.user_principal_name.clone());
        }
    }
    refused.sort();
    assert_eq!(refused, ["ann@contoso.com", "bob@contoso.com"]);
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        0,
        "a file was written"
    );
}

// Two folder targets on one folder (named by two paths) with two rules: eve's mail is dan's
// UPN, so one file would hold both. The file claims span targets: with one user at a time,
// dan is written and eve refused there, and the file keeps dan's picture.
#[tokio::test]
async fn two_targets_on_one_folder_never_give_two_users_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let targets: Vec<Box<dyn PhotoStore>> = vec![
        Box::new(folder(dir.path(), "{userPrincipalName}.jpg")),
        Box::new(folder(&dir.path().join("sub/.."), "{mail}.jpg")),
    ];
    let users = [
        person("dan", Some("dan.mail@contoso.com"), 1),
        person("eve", Some("dan@contoso.com"), 2),
    ];
    let opts = SyncOptions {
        concurrency: 1,
        ..SyncOptions::default()
    };
    let (records, _) = sync(jsonl(&users), &SyncSource::Input, &targets, &opts).await;
    let refused: Vec<_> = results(&records)
        .into_iter()
        .filter(|r| r.action == Action::Failed)
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        refused[0].user.user_principal_name.as_deref(),
        Some("eve@contoso.com")
    );
    assert_eq!(refused[0].reason, "name-collision");
    let held = std::fs::read(dir.path().join("dan@contoso.com.jpg")).expect("read");
    let limits = photosync::photo::DecodeLimits::default();
    let held = photosync::photo::inspect(&held, &limits).expect("held");
    let dan = photosync::photo::inspect(&jpeg(1, 200), &limits).expect("dan");
    assert!(
        photosync::photo::same_picture(&held, &dan).is_some_and(|(same, _)| same),
        "dan@contoso.com.jpg no longer shows dan"
    );
}

// One person under two keys (UPN on one record, objectGUID on the other) stays refused on the
// next run, when the state file lets sync skip the first record without looking: its state
// line names the object, and the skip claims it.
#[tokio::test]
async fn one_person_under_two_keys_is_refused_also_when_the_state_skips_the_first() {
    const GUID: &str = "8c4ac332-975f-4717-ad7b-ba4a4e968fff";
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let memory = MemoryStore::new();
    memory.add_person(
        "dana@contoso.com",
        Person {
            anchor: Anchor::Guid(ObjectGuid::parse(GUID).expect("guid")),
            ..Person::default()
        },
    );
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(memory.clone())];
    let by_upn = person("dana", None, 1);
    let by_guid = UserRecord {
        object_guid: Some(GUID.into()),
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(2, 200))),
        ..Default::default()
    };
    for (run, first_reason) in [(1, "missing-in-target"), (2, "unchanged-since-verified")] {
        let opts = SyncOptions {
            concurrency: 1,
            state: Some(SyncState::open(&path).expect("state")),
            ..SyncOptions::default()
        };
        let input = jsonl(&[by_upn.clone(), by_guid.clone()]);
        let (records, _) = sync(input, &SyncSource::Input, &targets, &opts).await;
        let first = result_of(&records, "dana@contoso.com", "memory");
        assert_eq!(first.reason, first_reason, "run {run}: {first:?}");
        let second = results(&records)
            .into_iter()
            .find(|r| r.user.object_guid.as_deref() == Some(GUID))
            .expect("the GUID record's result");
        assert_eq!(second.action, Action::Failed, "run {run}: {second:?}");
        assert_eq!(second.reason, "duplicate-user", "run {run}");
    }
    assert_eq!(
        memory.writes(),
        1,
        "dana was written once, by the first record"
    );
}

/// `name`@contoso.com in a memory store, with an on-premises anchor, the mail
/// `mail`@contoso.com and a photo.
fn anchored(store: &MemoryStore, name: &str, guid: &str, mail: &str, photo: Option<Vec<u8>>) {
    store.add_person(
        &format!("{name}@contoso.com"),
        Person {
            anchor: Anchor::Guid(ObjectGuid::parse(guid).expect("guid")),
            mail: Some(format!("{mail}@contoso.com")),
            photo,
            ..Person::default()
        },
    );
}

/// Status's stores: `cloud` as graph, listed first, and `directory` as AD.
fn cloud_then_directory(cloud: MemoryStore, directory: MemoryStore) -> Vec<Box<dyn PhotoStore>> {
    vec![
        Box::new(ScriptedStore::over(cloud).named("graph")),
        Box::new(
            ScriptedStore::over(directory)
                .named("ad")
                .class(StoreClass::Directory),
        ),
    ]
}

/// A record naming `name`@contoso.com by UPN and, if given, `mail`@contoso.com by mail; no
/// photo of its own (a source store has it).
fn keys(name: &str, mail: Option<&str>) -> UserRecord {
    UserRecord {
        user_principal_name: Some(format!("{name}@contoso.com")),
        mail: mail.map(|m| format!("{m}@contoso.com")),
        ..Default::default()
    }
}

const ANN: &str = "1a5b6c7d-0000-4000-8000-00000000000a";
const BOB: &str = "1a5b6c7d-0000-4000-8000-00000000000b";
const CAROL: &str = "1a5b6c7d-0000-4000-8000-00000000000c";

// Regression: a record's keys were held to each other only for a GUID and a UPN (and a DN), so
// a record whose UPN names ann and whose mail names bob was written to ann (found by UPN) with
// the photo a folder names by mail: bob's face. Any key of the record that names another object
// of the same store now refuses it; carol's record, whose keys agree, is written.
#[tokio::test]
async fn a_record_whose_keys_name_two_people_of_one_store_is_refused() {
    let photos = tempfile::tempdir().expect("tempdir");
    for (name, picture) in [("ann", 1), ("bob", 2), ("carol", 3)] {
        std::fs::write(
            photos.path().join(format!("{name}@contoso.com.jpg")),
            jpeg(picture, 200),
        )
        .expect("photo");
    }
    let source = FolderStore::open(
        photos.path().to_path_buf(),
        NamingRule::parse("{mail}.jpg").expect("rule"),
        StoreRole::Read,
    )
    .expect("folder");
    let target = MemoryStore::new();
    for name in ["ann", "bob", "carol"] {
        target.add_person(
            &format!("{name}@contoso.com"),
            Person {
                mail: Some(format!("{name}@contoso.com")),
                ..Person::default()
            },
        );
    }
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(target.clone())];
    let (records, _) = sync(
        jsonl(&[keys("ann", Some("bob")), keys("carol", Some("carol"))]),
        &SyncSource::Store(Box::new(source)),
        &targets,
        &SyncOptions::default(),
    )
    .await;
    let ann = result_of(&records, "ann@contoso.com", "memory");
    assert_eq!(
        (ann.action, ann.reason.as_str()),
        (Action::Failed, "identity-mismatch"),
        "{ann:?}"
    );
    let message = &ann.error.as_ref().expect("an error").message;
    assert!(
        message.contains("mail bob@contoso.com names another one"),
        "{message}"
    );
    assert_eq!(
        target.photo_of("ann@contoso.com"),
        None,
        "bob's face on ann"
    );
    let carol = result_of(&records, "carol@contoso.com", "memory");
    assert_eq!(carol.action, Action::Updated, "{carol:?}");
}

// Regression (issue 18): a record whose UPN names bob in the target, and whose mail names ann
// in the source (which does not know bob's UPN), read ann's photo and wrote it to bob: each
// store's own match was sound, and nothing compared the two. The anchors of the two objects
// now must agree; carol, one person in both, is written.
#[tokio::test]
async fn a_source_photo_of_another_person_is_not_written_to_the_target() {
    let source = MemoryStore::new();
    anchored(&source, "ann", ANN, "ann", Some(jpeg(1, 200)));
    anchored(&source, "carol", CAROL, "carol", Some(jpeg(3, 200)));
    let target = MemoryStore::new();
    anchored(&target, "ann", ANN, "ann", None);
    anchored(&target, "bob", BOB, "bob", None);
    anchored(&target, "carol", CAROL, "carol", None);
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(target.clone())];
    let (mixed, carol) = (keys("bob", Some("ann")), keys("carol", None));
    let (records, summary) = sync(
        jsonl(&[mixed, carol]),
        &SyncSource::Store(Box::new(source)),
        &targets,
        &SyncOptions::default(),
    )
    .await;
    let bob = result_of(&records, "bob@contoso.com", "memory");
    assert_eq!(
        (bob.action, bob.reason.as_str()),
        (Action::Failed, "identity-mismatch"),
        "{bob:?}"
    );
    let message = &bob.error.as_ref().expect("an error").message;
    assert!(
        message.contains("ann@contoso.com") && message.contains("bob@contoso.com"),
        "names both people: {message}"
    );
    assert_eq!(
        target.photo_of("bob@contoso.com"),
        None,
        "ann's face on bob"
    );
    let carol = result_of(&records, "carol@contoso.com", "memory");
    assert_eq!(carol.action, Action::Updated, "{carol:?}");
    assert_eq!(target.writes(), 1);
    assert_eq!(summary.exit_code, 1);
}

// Regression (issue 18): a source store's match was never put through the identity gate, so
// a mail two source users share read "the first" one's photo, and a record whose objectGUID
// is ann's and whose UPN is carol's read ann's. Both are refused for every target now.
#[tokio::test]
async fn a_source_match_the_gate_refuses_refuses_the_user_everywhere() {
    let source = MemoryStore::new();
    anchored(&source, "ann", ANN, "team", Some(jpeg(1, 200)));
    anchored(&source, "bob", BOB, "team", Some(jpeg(2, 200)));
    anchored(&source, "carol", CAROL, "carol", Some(jpeg(3, 200)));
    let target = MemoryStore::new();
    target.add_user("team@contoso.com", None);
    target.add_user("carol@contoso.com", None);
    let dir = tempfile::tempdir().expect("tempdir");
    let targets: Vec<Box<dyn PhotoStore>> = vec![
        Box::new(target.clone()),
        Box::new(folder(dir.path(), "{userPrincipalName}.jpg")),
    ];
    let shared_mail = keys("team", Some("team"));
    let mixed = UserRecord {
        object_guid: Some(ANN.into()),
        ..keys("carol", None)
    };
    let (records, _) = sync(
        jsonl(&[shared_mail, mixed]),
        &SyncSource::Store(Box::new(source)),
        &targets,
        &SyncOptions::default(),
    )
    .await;
    for (upn, reason) in [
        ("team@contoso.com", "ambiguous-identity"),
        ("carol@contoso.com", "identity-mismatch"),
    ] {
        for target in ["memory", "folder"] {
            let result = result_of(&records, upn, target);
            assert_eq!(
                (result.action, result.reason.as_str()),
                (Action::Failed, reason),
                "{upn} on {target}: {result:?}"
            );
        }
    }
    assert_eq!(target.writes(), 0);
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
}

// Regression (issue 18): status compared, as one user's pictures, ann's photo in the directory
// (found by the record's mail: bob's UPN is unknown there) with bob's in Graph, said "differs"
// and told the admin to sync, which would have carried ann's face to bob. The store whose
// object is not the directory's person is refused now, naming both, even when listed first.
#[tokio::test]
async fn status_never_compares_two_people_as_one_user() {
    let directory = MemoryStore::new();
    anchored(&directory, "ann", ANN, "ann", Some(jpeg(1, 200)));
    let cloud = MemoryStore::new();
    anchored(&cloud, "bob", BOB, "bob", Some(jpeg(2, 200)));
    let stores = cloud_then_directory(cloud, directory);
    let mixed = keys("bob", Some("ann"));
    let (records, summary) = status(jsonl(&[mixed]), &stores).await;
    let record = serde_json::to_value(statuses(&records)[0]).expect("json");
    assert_eq!(record["verdict"], "error", "{record}");
    let store = |name: &str| {
        record["stores"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["store"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {record}"))
    };
    let graph = store("graph");
    assert_eq!(graph["error"]["code"], "identity-mismatch", "{record}");
    let message = graph["error"]["message"].as_str().expect("message");
    assert!(message.contains("ann@contoso.com") && message.contains("bob@contoso.com"));
    assert_eq!(store("ad")["state"], "present", "{record}");
    assert_eq!(summary.exit_code, 1);
}

/// `name`@contoso.com as AD knows an account migrated from another forest: its own objectGUID
/// `own`, and the old forest's GUID `anchor` kept in mS-DS-ConsistencyGuid (what Entra Connect
/// anchors it by, and so Graph's immutable id).
fn migrated(store: &MemoryStore, name: &str, own: &str, anchor: &str, photo: Option<Vec<u8>>) {
    store.add_person(
        &format!("{name}@contoso.com"),
        Person {
            anchor: Anchor::Guid(ObjectGuid::parse(anchor).expect("anchor")),
            object_guid: Some(ObjectGuid::parse(own).expect("guid")),
            photo,
            ..Person::default()
        },
    );
}

const ANN_OLD_FOREST: &str = "2b6c7d8e-0000-4000-8000-00000000000a";
const BOB_OLD_FOREST: &str = "2b6c7d8e-0000-4000-8000-00000000000b";

// Regression (issue 18): after a forest migration Entra Connect anchors an account by its
// mS-DS-ConsistencyGuid (the old forest's GUID), not its objectGUID; a record carrying the
// objectGUID, as Get-ADUser prints it, was refused by every cloud target (identity-mismatch).
// Now the directory's match by that objectGUID teaches the targets the anchor; another
// person's anchor is still refused.
#[tokio::test]
async fn a_migrated_account_is_one_person_by_its_objectguid_or_its_consistency_guid() {
    let directory = MemoryStore::new();
    migrated(&directory, "ann", ANN, ANN_OLD_FOREST, Some(jpeg(1, 200)));
    migrated(&directory, "bob", BOB, BOB_OLD_FOREST, Some(jpeg(2, 200)));
    let cloud = MemoryStore::new();
    anchored(&cloud, "ann", ANN_OLD_FOREST, "ann", None);
    // bob's UPN was given to somebody else in the cloud: anchored by a third GUID.
    anchored(&cloud, "bob", CAROL, "bob", None);
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(cloud.clone())];
    let by_guid = |name: &str, guid: &str| UserRecord {
        object_guid: Some(guid.into()),
        ..keys(name, None)
    };
    let (records, _) = sync(
        jsonl(&[by_guid("ann", ANN), by_guid("bob", BOB)]),
        &SyncSource::Store(Box::new(directory.clone())),
        &targets,
        &SyncOptions::default(),
    )
    .await;
    let ann = result_of(&records, "ann@contoso.com", "memory");
    assert_eq!(ann.action, Action::Updated, "{ann:?}");
    assert!(cloud.photo_of("ann@contoso.com").is_some());
    let bob = result_of(&records, "bob@contoso.com", "memory");
    assert_eq!(
        (bob.action, bob.reason.as_str()),
        (Action::Failed, "identity-mismatch"),
        "{bob:?}"
    );
    assert_eq!(cloud.photo_of("bob@contoso.com"), None);

    // Without the directory in the run, the record itself must give the anchor: its
    // objectGUID alone is refused, with a hint that names the attribute.
    let with_photo = |guid: &str, consistency: Option<&str>| UserRecord {
        object_guid: Some(guid.into()),
        consistency_guid: consistency.map(str::to_string),
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(4, 200))),
        ..keys("ann", None)
    };
    let fresh = MemoryStore::new();
    anchored(&fresh, "ann", ANN_OLD_FOREST, "ann", None);
    let targets: Vec<Box<dyn PhotoStore>> = vec![Box::new(fresh.clone())];
    let (records, _) = sync(
        jsonl(&[with_photo(ANN, None)]),
        &SyncSource::Input,
        &targets,
        &SyncOptions::default(),
    )
    .await;
    let refused = result_of(&records, "ann@contoso.com", "memory");
    assert_eq!(refused.reason, "identity-mismatch", "{refused:?}");
    let error = refused.error.as_ref().expect("an error");
    assert!(
        error
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("mS-DS-ConsistencyGuid"),
        "{error:?}"
    );
    // The immutable id form, as PowerShell 7's ConvertTo-Json writes the byte[].
    let immutable_id = ObjectGuid::parse(ANN_OLD_FOREST)
        .expect("guid")
        .immutable_id();
    let (records, _) = sync(
        jsonl(&[with_photo(ANN, Some(&immutable_id))]),
        &SyncSource::Input,
        &targets,
        &SyncOptions::default(),
    )
    .await;
    let ann = result_of(&records, "ann@contoso.com", "memory");
    assert_eq!(ann.action, Action::Updated, "{ann:?}");
    assert_eq!(fresh.writes(), 1);
}

// Regression (issue 18): status refused a migrated account's cloud object (identity-mismatch)
// and showed no comparison; the directory's match by objectGUID now vouches for its anchor.
#[tokio::test]
async fn status_compares_a_migrated_account_with_its_cloud_object() {
    let directory = MemoryStore::new();
    migrated(&directory, "ann", ANN, ANN_OLD_FOREST, Some(jpeg(1, 200)));
    let cloud = MemoryStore::new();
    anchored(&cloud, "ann", ANN_OLD_FOREST, "ann", Some(jpeg(1, 200)));
    let stores = cloud_then_directory(cloud, directory);
    let record = UserRecord {
        object_guid: Some(ANN.into()),
        ..keys("ann", None)
    };
    let (records, summary) = status(jsonl(&[record]), &stores).await;
    let record = serde_json::to_value(statuses(&records)[0]).expect("json");
    assert_eq!(record["verdict"], "in-sync", "{record}");
    assert_eq!(summary.exit_code, 0);
}
