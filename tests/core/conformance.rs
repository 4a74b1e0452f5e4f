//! The store conformance suite (photosync_testkit::conformance) run on the stores that need
//! no server: memory and folder, with the users their identity cases need. It also proves
//! each identity check fails on a store that lacks what the gate needs from it.

use std::sync::Arc;

use async_trait::async_trait;
use photosync::error::Result;
use photosync::photo::SourcePhoto;
use photosync::schema::UserRecord;
use photosync::store::ad::ObjectGuid;
use photosync::store::folder::{FolderStore, NamingRule};
use photosync::store::identity::Anchor;
use photosync::store::memory::{MemoryStore, Person};
use photosync::store::{Capabilities, PhotoRead, PhotoStore, StoreRole, StoreUser};
use photosync_testkit::conformance::{self, Fixture, IdentityCases, Migrated, SharedMail};

use crate::support::{jpeg, png, upn, with_sam};

/// The anchor of the account that holds `dana@` now (the new hire).
const NEW_HIRE_GUID: &str = "8c4ac332-975f-4717-ad7b-ba4a4e968fff";
/// The leaver's objectGUID, on a record that still carries `dana@`.
const LEAVER_GUID: &str = "3ab39606-c642-489b-84b6-58c038d3ef39";
/// gus's objectGUID, and the old forest's GUID Entra Connect anchors gus by.
const MIGRATED_GUID: &str = "5d6e7f80-0000-4000-8000-000000000007";
const MIGRATED_OLD_GUID: &str = "2b6c7d8e-0000-4000-8000-000000000007";

fn fixture(with_photo: UserRecord, unknown: UserRecord) -> Fixture {
    Fixture {
        with_photo,
        expected_photo: png(1, 200),
        without_photo: upn("bob"),
        unknown,
        writable: Some(upn("carol")),
        new_photo: jpeg(2, 400),
        identity: IdentityCases::default(),
    }
}

fn mail(address: &str) -> UserRecord {
    UserRecord {
        mail: Some(address.to_string()),
        ..Default::default()
    }
}

/// A memory store with the fixture's users, the new hire who got a leaver's UPN, and two
/// users sharing a mail; and its fixture.
fn memory() -> (MemoryStore, Fixture) {
    let store = MemoryStore::new();
    store.add_user("ann@contoso.com", Some(jpeg(1, 120)));
    store.add_user("bob@contoso.com", None);
    store.add_user("carol@contoso.com", Some(jpeg(3, 120)));
    let guid = ObjectGuid::parse(NEW_HIRE_GUID).expect("guid");
    store.add_person(
        "dana@contoso.com",
        Person {
            anchor: Anchor::Guid(guid),
            photo: Some(jpeg(4, 120)),
            ..Person::default()
        },
    );
    for (name, picture) in [("erin", 5), ("fay", 6)] {
        store.add_person(
            &format!("{name}@contoso.com"),
            Person {
                mail: Some("team@contoso.com".into()),
                photo: Some(jpeg(picture, 120)),
                ..Person::default()
            },
        );
    }
    // hank and ivy, each with a mail of their own.
    for name in ["hank", "ivy"] {
        store.add_person(
            &format!("{name}@contoso.com"),
            Person {
                mail: Some(format!("{name}.mail@contoso.com")),
                ..Person::default()
            },
        );
    }
    // gus, migrated from another forest: anchored by the old forest's GUID.
    store.add_person(
        "gus@contoso.com",
        Person {
            anchor: Anchor::Guid(ObjectGuid::parse(MIGRATED_OLD_GUID).expect("guid")),
            object_guid: Some(ObjectGuid::parse(MIGRATED_GUID).expect("guid")),
            ..Person::default()
        },
    );
    let mut fx = fixture(upn("ann"), upn("nobody"));
    fx.identity = IdentityCases {
        reused_upn: Some(UserRecord {
            object_guid: Some(LEAVER_GUID.into()),
            ..upn("dana")
        }),
        shared_mail: Some(SharedMail {
            record: mail("team@contoso.com"),
            holders: [upn("erin"), upn("fay")],
        }),
        two_keys: Some([
            upn("dana"),
            UserRecord {
                object_guid: Some(NEW_HIRE_GUID.into()),
                ..Default::default()
            },
        ]),
        // ann's UPN beside dana's objectGUID.
        guid_of_another: Some(UserRecord {
            object_guid: Some(NEW_HIRE_GUID.into()),
            ..upn("ann")
        }),
        // hank's UPN beside ivy's mail.
        mail_of_another: Some(UserRecord {
            mail: Some("ivy.mail@contoso.com".into()),
            ..upn("hank")
        }),
        migrated: Some(Migrated {
            record: UserRecord {
                object_guid: Some(MIGRATED_GUID.into()),
                consistency_guid: Some(MIGRATED_OLD_GUID.into()),
                ..upn("gus")
            },
            another_guid: NEW_HIRE_GUID.into(),
        }),
        ..IdentityCases::default()
    };
    (store, fx)
}

#[tokio::test]
async fn memory_store_conforms() {
    let (store, fixture) = memory();
    conformance::run(Arc::new(store), &fixture)
        .await
        .expect_conformant()
        .expect_skipped(&[
            "refuses_what_it_cannot_do",
            "dn_outside_base_is_refused",
            "colliding_names_never_overwrite",
        ]);
}

/// Two people with one sAMAccountName in two domains: one file under `{samAccountName}`.
fn namesakes() -> [UserRecord; 2] {
    let person = |sam: &str, domain: &str| UserRecord {
        sam_account_name: Some(sam.into()),
        user_principal_name: Some(format!("dana@{domain}")),
        ..Default::default()
    };
    [
        person("dana", "contoso.com"),
        person("DANA", "fabrikam.com"),
    ]
}

fn folder_target(dir: &std::path::Path) -> FolderStore {
    FolderStore::open(
        dir.to_path_buf(),
        NamingRule::parse("{samAccountName}.*").expect("rule"),
        StoreRole::Target,
    )
    .expect("open")
}

/// A folder target named by `{samAccountName}`, and its fixture.
fn folder(dir: &std::path::Path) -> (FolderStore, Fixture) {
    std::fs::write(dir.join("Ann.JPG"), jpeg(1, 150)).expect("write");
    std::fs::write(dir.join("carol.png"), png(3, 150)).expect("write");
    // A folder resolves every user it can name a file for: there is no "unknown" user, only
    // one the rule cannot name.
    let mut fx = fixture(with_sam("ann"), mail("x@contoso.com"));
    fx.without_photo = with_sam("bob");
    fx.writable = Some(with_sam("carol"));
    fx.identity.colliding_names = Some(namesakes());
    (folder_target(dir), fx)
}

#[tokio::test]
async fn folder_store_conforms_as_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, fixture) = folder(dir.path());
    conformance::run(Arc::new(store), &fixture)
        .await
        .expect_conformant()
        .expect_skipped(&[
            "deletes_when_it_can",
            "reused_upn_is_refused",
            "shared_mail_is_ambiguous",
            "dn_outside_base_is_refused",
            "one_account_under_two_keys_is_written_once",
            "upn_and_guid_of_two_accounts_is_refused",
            "upn_and_mail_of_two_accounts_is_refused",
            "migrated_account_is_one_person_by_either_guid",
        ]);
}

#[tokio::test]
async fn folder_store_conforms_when_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ann.jpg"), jpeg(1, 150)).expect("write");
    std::fs::write(dir.path().join("carol.jpg"), jpeg(3, 150)).expect("write");
    let store = FolderStore::open(
        dir.path().to_path_buf(),
        NamingRule::parse("{samAccountName}.jpg").expect("rule"),
        StoreRole::Read,
    )
    .expect("open");
    let mut fx = fixture(with_sam("ann"), upn("no-sam"));
    fx.without_photo = with_sam("bob");
    fx.writable = Some(with_sam("carol"));
    conformance::run(Arc::new(store), &fx)
        .await
        .expect_conformant()
        .expect_skipped(&[
            "writes_read_back_as_same_picture",
            "deletes_when_it_can",
            "malformed_guid_is_refused",
            "reused_upn_is_refused",
            "shared_mail_is_ambiguous",
            "dn_outside_base_is_refused",
            "colliding_names_never_overwrite",
            "one_account_under_two_keys_is_written_once",
            "upn_and_guid_of_two_accounts_is_refused",
            "upn_and_mail_of_two_accounts_is_refused",
            "migrated_account_is_one_person_by_either_guid",
        ]);
    assert_eq!(
        std::fs::read(dir.path().join("carol.jpg")).expect("read"),
        jpeg(3, 150),
        "a refused write must leave the file alone"
    );
}

/// What a defective store gets wrong, each a rule the suite must catch.
#[derive(Clone, Copy)]
enum Defect {
    /// Claims it can write, but drops every write.
    DropsWrites,
    /// Reports the first of several matches as the only one.
    HidesOtherMatches,
    /// Does not report the on-premises anchor of what it found.
    HidesAnchors,
    /// Does not report the found object's own keys (its UPN, mail).
    HidesKeys,
    /// Names files after users but does not tell the engine which (no `write_name`).
    HidesFileNames,
}

/// A working store with one defect.
struct Defective<S> {
    inner: S,
    defect: Defect,
}

#[async_trait]
impl<S: PhotoStore> PhotoStore for Defective<S> {
    fn name(&self) -> &str {
        "defective"
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn state_key(&self) -> Option<String> {
        self.inner.state_key()
    }
    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let mut found = self.inner.resolve(user).await?;
        if let Some(found) = &mut found {
            match self.defect {
                Defect::HidesOtherMatches => found.identity.others.clear(),
                Defect::HidesAnchors => found.identity.anchor = Anchor::Unknown,
                Defect::HidesKeys => found.identity.keys = Default::default(),
                Defect::DropsWrites | Defect::HidesFileNames => {}
            }
        }
        Ok(found)
    }
    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        self.inner.read_photo(user).await
    }
    fn write_name(&self, user: &UserRecord) -> Option<String> {
        match self.defect {
            Defect::HidesFileNames => None,
            _ => self.inner.write_name(user),
        }
    }
    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        match self.defect {
            Defect::DropsWrites => Ok(()),
            _ => self.inner.write_photo(user, photo).await,
        }
    }
    async fn delete_photo(&self, user: &StoreUser) -> Result<()> {
        self.inner.delete_photo(user).await
    }
}

/// The suite on `store` with `defect`: it must fail exactly the checks named `catches`.
async fn caught<S: PhotoStore + 'static>(
    inner: S,
    fixture: &Fixture,
    defect: Defect,
    catches: &[&str],
) {
    let report = conformance::run(Arc::new(Defective { inner, defect }), fixture).await;
    assert_eq!(report.failed(), catches, "{report}");
    assert!(report.to_string().contains("store `defective`"), "{report}");
}

#[tokio::test]
async fn suite_catches_a_store_that_drops_writes() {
    let (store, fixture) = memory();
    caught(
        store,
        &fixture,
        Defect::DropsWrites,
        &[
            "writes_read_back_as_same_picture",
            "one_account_under_two_keys_is_written_once",
            "migrated_account_is_one_person_by_either_guid",
        ],
    )
    .await;
}

// A store that keeps the found object's own keys to itself lets a record whose keys name two
// people through: the gate cannot hold the record's other keys to the object's.
#[tokio::test]
async fn suite_catches_a_store_that_hides_the_objects_keys() {
    let (store, fixture) = memory();
    caught(
        store,
        &fixture,
        Defect::HidesKeys,
        &[
            "upn_and_guid_of_two_accounts_is_refused",
            "upn_and_mail_of_two_accounts_is_refused",
            "migrated_account_is_one_person_by_either_guid",
        ],
    )
    .await;
}

// Each identity case fails on a store that lacks what the gate needs from it: a second
// match it keeps to itself (mail is not unique), an anchor it does not report (a reused
// UPN), a file name it does not declare (two users, one file).
#[tokio::test]
async fn suite_catches_a_store_that_hides_a_second_match() {
    let (store, fixture) = memory();
    caught(
        store,
        &fixture,
        Defect::HidesOtherMatches,
        &["shared_mail_is_ambiguous"],
    )
    .await;
}

#[tokio::test]
async fn suite_catches_a_store_that_hides_anchors() {
    let (store, fixture) = memory();
    caught(
        store,
        &fixture,
        Defect::HidesAnchors,
        &["reused_upn_is_refused"],
    )
    .await;
}

#[tokio::test]
async fn suite_catches_a_folder_that_hides_its_file_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, fixture) = folder(dir.path());
    caught(
        store,
        &fixture,
        Defect::HidesFileNames,
        &["colliding_names_never_overwrite"],
    )
    .await;
}

// A case is skipped only by a declared capability: a store that finds users by mail and knows
// anchors, tested without those cases, fails them instead of passing by omission.
#[tokio::test]
async fn suite_fails_a_fixture_without_the_cases_the_store_declares() {
    let (store, mut fixture) = memory();
    fixture.identity = IdentityCases::default();
    let report = conformance::run(Arc::new(store), &fixture).await;
    assert_eq!(
        report.failed(),
        vec![
            "reused_upn_is_refused",
            "shared_mail_is_ambiguous",
            "one_account_under_two_keys_is_written_once",
            "upn_and_guid_of_two_accounts_is_refused",
            "upn_and_mail_of_two_accounts_is_refused",
            "migrated_account_is_one_person_by_either_guid"
        ],
        "{report}"
    );
}
