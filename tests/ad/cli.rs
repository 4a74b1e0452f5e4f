//! `photosync` end to end against the Samba DC: `status --ad-filter` next to a folder store,
//! `sync --source ad`, `sync --targets ad`, setup errors; and the store conformance suite.

use std::process::Output;
use std::sync::Arc;

use photosync::photo::{self, DecodeLimits};
use photosync::schema::UserRecord;
use photosync::store::PhotoStore;
use photosync_testkit::conformance::{self, Fixture, IdentityCases, Migrated, SharedMail};
use photosync_testkit::portrait;
use serde_json::Value;

use crate::support::{self, SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD, SAMBA_BASE, USERS, store_of};
use crate::{connection, open};

pub(crate) fn photosync(args: &[&str], password: &str, stdin: Option<&str>) -> Output {
    let samba = support::samba();
    photosync_testkit::photosync!()
        .args(args)
        .clean_env()
        .inherit("PATH")
        .env("PHOTOSYNC_LDAP_URL", samba.ldaps_url())
        .env("PHOTOSYNC_LDAP_BIND_DN", SAMBA_ADMIN)
        .env("PHOTOSYNC_LDAP_PASSWORD", password)
        .env("PHOTOSYNC_LDAP_CA_FILE", &samba.certs.ca)
        .stdin(stdin.unwrap_or(""))
        .output()
}

pub(crate) fn records(out: &Output, kind: &str) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == kind)
        .collect()
}

pub(crate) fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn by_sam<'a>(records: &'a [Value], sam: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["user"]["samAccountName"] == sam)
        .unwrap_or_else(|| panic!("no record for {sam} in {records:?}"))
}

#[test]
fn status_with_ad_filter_compares_ad_with_a_folder() {
    let samba = support::samba();
    let dir = support::scratch_dir("cli-status");
    // photo.user: the same picture, re-encoded larger; anna: a different picture.
    std::fs::write(
        dir.join("photo.user.jpg"),
        portrait::jpeg_at_quality(1, 300, 90),
    )
    .expect("write");
    std::fs::write(dir.join("anna.jpg"), portrait::jpeg_at_quality(99, 300, 90)).expect("write");
    let folder = format!("folder:{}:{{samAccountName}}.jpg", dir.display());
    let filter = "(|(sAMAccountName=photo.user)(sAMAccountName=anna)(sAMAccountName=no.photo)(sAMAccountName=old.account))";
    let out = photosync(
        &[
            "status",
            "--ad-filter",
            filter,
            "--stores",
            &format!("ad,{folder}"),
            "--format",
            "json",
        ],
        SAMBA_ADMIN_PASSWORD,
        None,
    );
    let status = records(&out, "status");
    assert_eq!(
        status.len(),
        3,
        "disabled account excluded by default; {}",
        describe(&out)
    );
    let photo_user = by_sam(&status, "photo.user");
    assert_eq!(photo_user["verdict"], "in-sync", "{photo_user}");
    let ad = store_of(photo_user, "ad");
    assert_eq!(ad["state"], "present");
    assert_eq!(ad["details"]["dn"], samba.user("photo.user").dn());
    assert!(ad["details"]["onPremisesImmutableId"].is_string());
    assert_eq!(by_sam(&status, "anna")["verdict"], "differs");
    assert_eq!(by_sam(&status, "no.photo")["verdict"], "no-photo");
    assert_eq!(
        store_of(by_sam(&status, "no.photo"), "ad")["state"],
        "absent"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"summary\""));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sync_from_ad_to_a_folder_and_from_a_folder_to_ad() {
    let samba = support::samba();
    let out_dir = support::scratch_dir("cli-sync-out");
    let folder = format!("folder:{}:{{samAccountName}}.jpg", out_dir.display());
    let out = photosync(
        &[
            "sync",
            "--source",
            "ad",
            "--ad-filter",
            "(sAMAccountName=photo.user)",
            "--targets",
            &folder,
            "--format",
            "json",
        ],
        SAMBA_ADMIN_PASSWORD,
        None,
    );
    let results = records(&out, "result");
    assert_eq!(results.len(), 1, "{}", describe(&out));
    assert_eq!(results[0]["action"], "updated", "{}", describe(&out));
    let written = std::fs::read(out_dir.join("photo.user.jpg")).expect("exported photo");
    let written = photo::inspect(&written, &DecodeLimits::default()).expect("jpeg");
    let seeded = photo::inspect(
        samba.user("photo.user").photo.as_deref().expect("seeded"),
        &DecodeLimits::default(),
    )
    .expect("jpeg");
    assert!(photo::same_picture(&written, &seeded).expect("hashes").0);

    // Folder → AD, only because `ad` is named as a target; records piped in by UPN.
    let src_dir = support::scratch_dir("cli-sync-src");
    let source_photo = portrait::jpeg_at_quality(55, 800, 95);
    std::fs::write(src_dir.join("sync.target@example.test.jpg"), &source_photo).expect("write");
    let source = format!("folder:{}", src_dir.display());
    let out = photosync(
        &[
            "sync",
            "--source",
            &source,
            "--targets",
            "ad",
            "--format",
            "json",
        ],
        SAMBA_ADMIN_PASSWORD,
        Some("{\"UserPrincipalName\":\"sync.target@example.test\"}\n"),
    );
    let results = records(&out, "result");
    assert_eq!(results.len(), 1, "{}", describe(&out));
    assert_eq!(results[0]["action"], "updated", "{}", describe(&out));
    assert!(
        results[0]["photo"]["bytes"]
            .as_u64()
            .is_some_and(|b| b <= 10_240),
        "{}",
        results[0]
    );

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let conn = samba.admin_over_ldaps(connection);
        let store = open(&conn, None).await.expect("open");
        let record = UserRecord {
            sam_account_name: Some("sync.target".into()),
            ..Default::default()
        };
        let user = support::found(&store, &record).await;
        let stored = store
            .read_photo(&user)
            .await
            .expect("read")
            .photo
            .expect("written");
        assert_eq!((stored.info.width, stored.info.height), (96, 96));
        let source = photo::inspect(&source_photo, &DecodeLimits::default()).expect("source");
        assert!(
            photo::same_picture(&stored.info, &source)
                .expect("hashes")
                .0
        );
    });
    let _ = std::fs::remove_dir_all(out_dir);
    let _ = std::fs::remove_dir_all(src_dir);
}

/// `sync --source ad` puts the directory's match through the identity gate before reading its
/// photo: a record with photo.user's objectGUID and no.photo's UPN (a row mixed up in an export)
/// read photo.user's photo and wrote it to `no.photo@example.test.jpg`. Refused now, nothing
/// written; photo.user's own record (by UPN), in the same run, is exported.
#[test]
fn sync_from_ad_refuses_a_record_naming_two_people() {
    let samba = support::samba();
    let guid = samba
        .ldbsearch("(sAMAccountName=photo.user)", "objectGUID")
        .expect("photo.user's objectGUID");
    let photo_user_upn = samba
        .ldbsearch("(sAMAccountName=photo.user)", "userPrincipalName")
        .expect("photo.user's UPN");
    let out_dir = support::scratch_dir("cli-sync-two-people");
    let folder = format!("folder:{}:{{userPrincipalName}}.jpg", out_dir.display());
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"ObjectGUID": guid, "UserPrincipalName": "no.photo@example.test"}),
        serde_json::json!({"UserPrincipalName": photo_user_upn}),
    );
    let out = photosync(
        &[
            "sync",
            "--source",
            "ad",
            "--targets",
            &folder,
            "--format",
            "json",
        ],
        SAMBA_ADMIN_PASSWORD,
        Some(&input),
    );
    let results = records(&out, "result");
    let of = |upn: &str| {
        results
            .iter()
            .find(|r| r["user"]["userPrincipalName"] == upn)
            .unwrap_or_else(|| panic!("no result for {upn}: {}", describe(&out)))
    };
    let mixed = of("no.photo@example.test");
    assert_eq!(mixed["action"], "failed", "{}", describe(&out));
    assert_eq!(mixed["reason"], "identity-mismatch", "{}", describe(&out));
    assert!(!out_dir.join("no.photo@example.test.jpg").exists());
    assert_eq!(
        of(&photo_user_upn)["action"],
        "updated",
        "{}",
        describe(&out)
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let _ = std::fs::remove_dir_all(out_dir);
}

#[test]
fn a_rejected_bind_exits_3_with_a_hint_and_no_password() {
    let out = photosync(
        &[
            "status",
            "--ad-filter",
            "(sAMAccountName=anna)",
            "--stores",
            "ad",
        ],
        "Not-The-Password",
        None,
    );
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid credentials"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    let all = format!("{stderr}{}", String::from_utf8_lossy(&out.stdout));
    assert!(!all.contains("Not-The-Password"));
}

#[test]
fn a_malformed_ad_filter_is_a_usage_error() {
    let out = photosync(
        &[
            "status",
            "--ad-filter",
            "(department=Sales",
            "--stores",
            "ad",
        ],
        SAMBA_ADMIN_PASSWORD,
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid LDAP filter"));
}

// The base DN is Samba's users container, so `outside.base` lies outside it.
#[tokio::test]
async fn the_ad_store_passes_the_conformance_suite() {
    let samba = support::samba();
    let conn = samba.admin_over_ldaps(connection);
    let base = format!("{USERS},{SAMBA_BASE}");
    let store = open(&conn, Some(&base)).await.expect("open");
    let upn = |u: &str| UserRecord {
        user_principal_name: Some(u.to_string()),
        ..Default::default()
    };
    let sam = |s: &str| UserRecord {
        sam_account_name: Some(s.to_string()),
        ..Default::default()
    };
    let outside = samba.user("outside.base");
    let fixture = Fixture {
        with_photo: upn("photo.user@example.test"),
        expected_photo: samba.user("photo.user").photo.clone().expect("seeded"),
        without_photo: upn("no.photo@example.test"),
        unknown: upn("nobody@example.test"),
        writable: Some(upn("conform@example.test")),
        new_photo: portrait::jpeg_at_quality(31, 400, 90),
        identity: IdentityCases {
            // The leaver's GUID, which no account carries, beside the new hire's UPN.
            reused_upn: Some(UserRecord {
                object_guid: Some("0b9c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e".into()),
                ..upn("new.hire@example.test")
            }),
            shared_mail: Some(SharedMail {
                record: UserRecord {
                    mail: Some("shared.mail@example.test".into()),
                    ..Default::default()
                },
                holders: [sam("shared.one"), sam("shared.two")],
            }),
            dn_outside_base: Some(UserRecord {
                distinguished_name: Some(outside.dn()),
                ..upn(outside.upn)
            }),
            colliding_names: None,
            two_keys: Some([upn("conform@example.test"), sam("conform")]),
            // no.photo's UPN beside photo.user's objectGUID, as Samba prints it.
            guid_of_another: Some(UserRecord {
                object_guid: samba.ldbsearch("(sAMAccountName=photo.user)", "objectGUID"),
                ..upn("no.photo@example.test")
            }),
            // no.photo's UPN beside photo.user's mail.
            mail_of_another: Some(UserRecord {
                mail: Some("photo.user@example.test".into()),
                ..upn("no.photo@example.test")
            }),
            // Its objectGUID as Samba made it, and its old forest's in mS-DS-ConsistencyGuid.
            migrated: Some(Migrated {
                record: UserRecord {
                    object_guid: samba
                        .ldbsearch("(sAMAccountName=migrated.writable)", "objectGUID"),
                    consistency_guid: Some(support::MIGRATED_WRITABLE_OLD_GUID.into()),
                    ..upn("migrated.writable@example.test")
                },
                another_guid: samba
                    .ldbsearch("(sAMAccountName=photo.user)", "objectGUID")
                    .expect("photo.user's objectGUID"),
            }),
        },
    };
    conformance::run(Arc::new(store), &fixture)
        .await
        .expect_conformant()
        .expect_skipped(&[
            "refuses_what_it_cannot_do",
            "colliding_names_never_overwrite",
        ]);
}
