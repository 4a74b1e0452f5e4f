//! The store conformance suite (photosync_testkit::conformance) run against the Graph and
//! SharePoint stores and the emulator: the behaviour the engine relies on — resolve, read,
//! write and read back the same picture, and the identity gate's cases — from the store
//! itself, not only through the binary. The tenant holds the users those cases need.

use photosync::photo::{self, DecodeLimits};
use photosync::schema::UserRecord;
use photosync::settings::{CloudSettings, Settings, SharePointSettings};
use photosync::store::{PhotoStore, RunContext, StoreRole, StoreSpec};
use photosync_emulator::{Faults, RunningEmulator, Seed, SeedUser};
use photosync_testkit::conformance::{self, Fixture, IdentityCases, Migrated, SharedMail};

use super::support::*;

/// Holds `reused_upn` now: the new hire, with an anchor (test user 10's) of their own.
const NEW_HIRE: &str = "new.hire@contoso.test";
/// A mail two users share (Entra does not make mail unique).
const SHARED_MAIL: &str = "team@contoso.test";
const SHARING: [&str; 2] = ["ann@contoso.test", "bob@contoso.test"];
/// Two users whose UPNs fold to one name under SharePoint's naive file naming.
const FOLDING: [&str; 2] = ["ann.lee@contoso.test", "ann_lee@contoso.test"];
/// Anchored by `guid_of(12)` (its old forest's objectGUID); `guid_of(13)` is its objectGUID
/// in this forest, which Entra never saw.
const MIGRATED: &str = "migrated@contoso.test";

fn user(upn: &str) -> UserRecord {
    UserRecord {
        user_principal_name: Some(upn.to_string()),
        ..Default::default()
    }
}

/// `n` test users (see `tenant_with_users`), and the identity cases' users: the new hire who
/// got a leaver's UPN, two users sharing a mail, two whose names fold to one file.
fn tenant(n: usize, photo: impl Fn(usize) -> Option<u64>) -> Seed {
    let mut seed = tenant_with_users(n, photo).user(
        SeedUser::new(NEW_HIRE)
            .immutable_id(&immutable_id_of(10))
            .photo_bytes(&jpeg(510, 300)),
    );
    for (upn, person) in SHARING.into_iter().zip([511, 512]) {
        seed = seed.user(
            SeedUser::new(upn)
                .mail(Some(SHARED_MAIL))
                .photo_bytes(&jpeg(person, 300)),
        );
    }
    for upn in FOLDING {
        seed = seed.user(SeedUser::new(upn));
    }
    // Migrated from another forest: Entra Connect anchors it by the old forest's GUID.
    seed.user(SeedUser::new(MIGRATED).immutable_id(&immutable_id_of(12)))
}

/// The same roles in every store's tenant: user0 holds `expected_photo`, user1 none, user2
/// takes the writes, nobody@ does not exist; and the identity cases.
fn fixture(expected_photo: Vec<u8>) -> Fixture {
    Fixture {
        with_photo: user(&upn(0)),
        expected_photo,
        without_photo: user(&upn(1)),
        unknown: user("nobody@contoso.test"),
        writable: Some(user(&upn(2))),
        new_photo: jpeg(77, 400),
        identity: IdentityCases {
            // The leaver's record: test user 11's GUID, which no account carries.
            reused_upn: Some(UserRecord {
                object_guid: Some(guid_of(11)),
                ..user(NEW_HIRE)
            }),
            shared_mail: Some(SharedMail {
                record: UserRecord {
                    mail: Some(SHARED_MAIL.to_string()),
                    ..Default::default()
                },
                holders: SHARING.map(user),
            }),
            colliding_names: Some(FOLDING.map(user)),
            // The new hire by UPN, and by their objectGUID alone.
            two_keys: Some([
                user(NEW_HIRE),
                UserRecord {
                    object_guid: Some(guid_of(10)),
                    ..Default::default()
                },
            ]),
            // user0's UPN beside the new hire's objectGUID.
            guid_of_another: Some(UserRecord {
                object_guid: Some(guid_of(10)),
                ..user(&upn(0))
            }),
            // user1's UPN beside user0's mail (every seeded user's mail is its UPN).
            mail_of_another: Some(UserRecord {
                mail: Some(upn(0)),
                ..user(&upn(1))
            }),
            migrated: Some(Migrated {
                record: UserRecord {
                    object_guid: Some(guid_of(13)),
                    consistency_guid: Some(guid_of(12)),
                    ..user(MIGRATED)
                },
                another_guid: guid_of(10),
            }),
            ..IdentityCases::default()
        },
    }
}

/// Open `spec` as a sync target the way the binary does.
async fn open_target(spec: &str, settings: &Settings) -> Box<dyn PhotoStore> {
    let spec = StoreSpec::parse(spec).expect("a store spec");
    photosync::store::open(&spec, StoreRole::Target, &RunContext::new(settings))
        .await
        .unwrap_or_else(|e| panic!("the {spec} store opens: {e}"))
}

/// An emulator whose user0 holds person 1's photo in Graph, and its Graph store.
async fn graph_store() -> (RunningEmulator, Box<dyn PhotoStore>) {
    let emu = start(tenant(3, |i| (i == 0).then_some(1)), Faults::default());
    let settings = secret_settings(&emu);
    let store = open_target("graph", &settings).await;
    (emu, store)
}

/// An emulator whose user0 holds `source` as SharePoint profile picture (set through the
/// binary), in a tenant that still allows app-only profile writes, and its SharePoint store.
async fn sharepoint_store(source: &[u8]) -> (RunningEmulator, Box<dyn PhotoStore>) {
    let emu = start(
        tenant(3, |_| None),
        Faults {
            sharepoint_app_only_profile_writes: true,
            ..Faults::default()
        },
    );
    let creds = pem_creds(&emu, "rs256");
    let input = record(Some(&upn(0)), None, Some(source));
    let sync = sync_from_input(&creds, "sharepoint", &[], &input);
    assert_eq!(sync.code, 0, "{}\n{}", sync.stdout, sync.stderr);
    let env = |name: &str| {
        creds
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} is set"))
    };
    let settings = Settings {
        cloud: CloudSettings {
            tenant_id: Some(emu.tenant_id()),
            client_id: Some(CERT_APP.to_string()),
            certificate_path: Some(env("PHOTOSYNC_CERTIFICATE_PATH").into()),
            graph_url: emu.graph_url(),
            login_url: emu.login_url(),
            ..CloudSettings::default()
        },
        sharepoint: SharePointSettings {
            url: Some(emu.sharepoint_url()),
            my_site_url: Some(emu.sharepoint_my_site_url()),
            root_url: Some(emu.sharepoint_root_url()),
            ..SharePointSettings::default()
        },
        ..Settings::default()
    };
    let store = open_target("sharepoint", &settings).await;
    (emu, store)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_graph_store_passes_the_conformance_suite() {
    let (emu, store) = graph_store().await;
    let fixture = fixture(emu.admin().photo_of(&upn(0)).expect("seeded photo"));
    conformance::run(store.into(), &fixture)
        .await
        .expect_conformant()
        .expect_skipped(&[
            "refuses_what_it_cannot_do",
            "dn_outside_base_is_refused",
            "colliding_names_never_overwrite",
        ]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sharepoint_store_passes_the_conformance_suite() {
    // SharePoint has no seeded pictures: user0 gets one through the binary first.
    let source = jpeg(5, 240);
    let (_emu, store) = sharepoint_store(&source).await;
    // Profiles exist for every user; user1's still shows the placeholder.
    let fixture = fixture(source);
    conformance::run(store.into(), &fixture)
        .await
        .expect_conformant()
        .expect_skipped(&["deletes_when_it_can", "dn_outside_base_is_refused"]);
}

/// Read user0's photo and write a new one to user2, counting the decodes and renders done on
/// the calling task instead of a blocking thread.
async fn photo_work_on_the_task(store: &dyn PhotoStore) -> usize {
    let source = photo::load(&jpeg(77, 400), &DecodeLimits::default()).expect("source");
    let ((), on_task) = photo::photo_work_on_task(async {
        let found = store
            .resolve(&user(&upn(0)))
            .await
            .expect("resolve")
            .expect("user0");
        let read = store.read_photo(&found).await.expect("read");
        assert!(
            read.photo.is_some(),
            "user0 has a photo in {}",
            store.name()
        );
        let target = store
            .resolve(&user(&upn(2)))
            .await
            .expect("resolve")
            .expect("user2");
        store.write_photo(&target, &source).await.expect("write");
    })
    .await;
    on_task
}

// Regression (issue 19, item 13): the Graph and SharePoint stores decoded the photos they read
// and rendered the ones they wrote on the async worker thread, stalling every other user's
// network calls on that thread meanwhile (`photo::inspect` even waited there for a decode
// slot). Photo work runs on blocking threads.
#[tokio::test(flavor = "multi_thread")]
async fn cloud_stores_decode_and_render_off_the_async_workers() {
    let (_graph_emu, graph) = graph_store().await;
    assert_eq!(photo_work_on_the_task(graph.as_ref()).await, 0, "graph");
    let (_sharepoint_emu, sharepoint) = sharepoint_store(&jpeg(5, 240)).await;
    assert_eq!(
        photo_work_on_the_task(sharepoint.as_ref()).await,
        0,
        "sharepoint"
    );
}
