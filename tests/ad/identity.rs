//! Identity is proven, not assumed: a stale DistinguishedName or a reused UPN never wins over
//! the objectGUID a record carries, and lookups return user objects only (issue 9). What the
//! AD store finds passes the engine's identity gate (issue 18), as in status and sync; and
//! `photosync sync --targets ad` against Samba writes nobody the gate refuses, which the tests
//! prove by reading thumbnailPhoto back with `ldapsearch`.

use std::process::Output;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use photosync::engine::identity::{self, Policy};
use photosync::engine::{self, SyncOptions, SyncSource};
use photosync::error::Result;
use photosync::input::{InputEvent, InputUser};
use photosync::output::sink::CollectSink;
use photosync::photo::{self, DecodeLimits};
use photosync::schema::{ErrorCode, OutputRecord, UserRecord};
use photosync::store::ad::{AdStore, ObjectGuid};
use photosync::store::{PhotoStore, StoreUser};

use photosync_testkit::portrait;
use serde_json::Value;

use crate::cli::{describe, photosync, records};
use crate::support::{self, SAMBA_ADMIN_PASSWORD, SAMBA_BASE, SLAPD_SUFFIX, SeedUser, USERS};
use crate::{connection, open};

async fn slapd_store() -> AdStore {
    let slapd = support::slapd();
    let conn = slapd.reader_over_ldaps(connection);
    open(&conn, Some(SLAPD_SUFFIX)).await.expect("open slapd")
}

/// What the store found for `record`, once the identity gate proved it.
async fn proven(store: &AdStore, record: &UserRecord) -> Result<Option<StoreUser>> {
    let guid = identity::record_guid(record)?;
    let found = store.resolve(record).await?;
    if let Some(user) = &found {
        identity::prove(
            store.name(),
            record,
            guid,
            &user.identity,
            &Policy::default(),
        )?;
    }
    Ok(found)
}

fn slapd_dn(i: usize) -> String {
    format!("uid={},ou=people,{SLAPD_SUFFIX}", support::slapd_uid(i))
}

fn slapd_guid_text(i: usize) -> String {
    ObjectGuid::from_bytes(&support::slapd_guid(i))
        .expect("16 bytes")
        .to_string()
}

// Regression: the DN was tried first and won, so a `Get-ADUser` export whose DN now names
// another account (moved, renamed, reused) wrote onto that account.
#[tokio::test]
async fn a_stale_dn_does_not_win_over_the_records_objectguid() {
    let store = slapd_store().await;
    let record = UserRecord {
        object_guid: Some(slapd_guid_text(10)),
        distinguished_name: Some(slapd_dn(11)),
        ..Default::default()
    };
    let found = support::found(&store, &record).await;
    assert_eq!(found.key, slapd_dn(10));
    assert_eq!(found.details["matchedBy"], "objectGUID");
}

#[tokio::test]
async fn a_dn_or_upn_naming_another_objects_guid_is_an_identity_mismatch() {
    let store = slapd_store().await;
    // The record's account is gone (its GUID matches nobody); its DN and UPN now belong to
    // user 12, whose objectGUID is another.
    let gone = ObjectGuid::from_bytes(&support::slapd_guid(90_000))
        .expect("16 bytes")
        .to_string();
    for record in [
        UserRecord {
            object_guid: Some(gone.clone()),
            distinguished_name: Some(slapd_dn(12)),
            ..Default::default()
        },
        UserRecord {
            object_guid: Some(gone.clone()),
            user_principal_name: Some(format!("{}@example.test", support::slapd_uid(12))),
            ..Default::default()
        },
    ] {
        let err = proven(&store, &record).await.expect_err("mismatch");
        assert_eq!(err.code, ErrorCode::IdentityMismatch, "{err:?}");
        assert_eq!(err.class.exit_code(), 1);
        assert!(err.message.contains(&gone), "{}", err.message);
        assert!(
            err.message.contains(&slapd_guid_text(12)),
            "{}",
            err.message
        );
        assert!(err.hint.is_some());
    }
}

#[tokio::test]
async fn a_dn_that_names_another_upn_is_an_identity_mismatch() {
    let store = slapd_store().await;
    let record = UserRecord {
        user_principal_name: Some(format!("{}@example.test", support::slapd_uid(13))),
        distinguished_name: Some(slapd_dn(14)),
        ..Default::default()
    };
    let err = proven(&store, &record).await.expect_err("mismatch");
    assert_eq!(err.code, ErrorCode::IdentityMismatch);
    assert!(err.hint.as_deref().is_some_and(|h| h.contains("stale")));
}

#[tokio::test]
async fn a_dn_naming_no_user_object_finds_nobody() {
    let store = slapd_store().await;
    for dn in [
        support::SLAPD_READER_DN.to_string(),
        format!("ou=people,{SLAPD_SUFFIX}"),
    ] {
        let record = UserRecord {
            distinguished_name: Some(dn.clone()),
            ..Default::default()
        };
        assert!(
            store.resolve(&record).await.expect("lookup").is_none(),
            "{dn} is not a user"
        );
    }
}

#[tokio::test]
async fn a_malformed_guid_is_the_records_error_not_a_silent_upn_match() {
    let store = slapd_store().await;
    let record = UserRecord {
        object_guid: Some("3ab39606-c642-489b-84b6-58c038d3ef3z".into()),
        user_principal_name: Some(format!("{}@example.test", support::slapd_uid(15))),
        ..Default::default()
    };
    let err = store.resolve(&record).await.expect_err("malformed guid");
    assert_eq!(err.code, ErrorCode::NoIdentity);
    assert_eq!(err.class.exit_code(), 1);
    assert!(err.message.contains("58c038d3ef3z"), "{}", err.message);
    // The next record is unaffected.
    let next = UserRecord {
        object_guid: Some(slapd_guid_text(15)),
        ..Default::default()
    };
    assert_eq!(support::found(&store, &next).await.key, slapd_dn(15));
}

// Against real AD rules: a computer is an `objectClass=user` object too, so lookups by
// sAMAccountName or DN returned the domain controller's own account.
#[tokio::test]
async fn computers_are_not_users_in_samba() {
    let samba = support::samba();
    let conn = samba.admin_over_ldaps(connection);
    let store = open(&conn, None)
        .await
        .expect("LDAPS bind as Administrator");
    let computer_dn = format!("CN=DC1,OU=Domain Controllers,{SAMBA_BASE}");
    assert!(
        samba
            .ldbsearch("(sAMAccountName=DC1$)", "objectClass")
            .is_some(),
        "the DC's computer account exists"
    );
    for record in [
        UserRecord {
            sam_account_name: Some("DC1$".into()),
            ..Default::default()
        },
        UserRecord {
            distinguished_name: Some(computer_dn),
            ..Default::default()
        },
    ] {
        assert!(
            store.resolve(&record).await.expect("lookup").is_none(),
            "{record:?} found a computer"
        );
    }
    // A stale DN beside the right GUID: the GUID wins on a real DC too.
    let anna = samba.user("anna");
    let photo_user = samba.user("photo.user");
    let anna_guid = store
        .resolve(&UserRecord {
            sam_account_name: Some(anna.sam.into()),
            ..Default::default()
        })
        .await
        .expect("lookup")
        .expect("anna")
        .details["objectGuid"]
        .as_str()
        .expect("guid")
        .to_string();
    let found = store
        .resolve(&UserRecord {
            object_guid: Some(anna_guid),
            distinguished_name: Some(photo_user.dn()),
            ..Default::default()
        })
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.key, anna.dn());
}

// --- `photosync sync --targets ad` against Samba, base DN `CN=Users,DC=example,DC=test` ---

/// The account the gated run may write: proof that the run writes at all.
const CONTROL: &str = "gate.control";
/// The photo every record of the run carries; the control user must end up with it.
const NEW_PHOTO_SEED: u64 = 61;

/// A `sync --source input` record: these keys and the run's new photo.
fn record(keys: &[(&str, String)]) -> String {
    let mut v = serde_json::Map::new();
    for (key, value) in keys {
        v.insert((*key).to_string(), value.clone().into());
    }
    v.insert("thumbnailPhoto".into(), STANDARD.encode(new_photo()).into());
    Value::Object(v).to_string()
}

/// One sync to AD of every identity case (bad users never stop the run), with the base DN
/// set to Samba's users container, run once for all tests below: its stdout and stderr.
fn gated_run() -> &'static Output {
    static RUN: OnceLock<Output> = OnceLock::new();
    RUN.get_or_init(|| {
        let samba = support::samba();
        let (outside, by_dn) = (samba.user("outside.base"), samba.user("named.by.dn"));
        let input = [
            // (a) A DN outside the base, confirmed by the account's own UPN.
            record(&[
                ("distinguishedName", outside.dn()),
                ("userPrincipalName", outside.upn.into()),
            ]),
            // (b) A DN alone (the input reader refuses it: the engine test below sends one
            // past it); a DN its sAMAccountName confirms but whose UPN is another account's.
            record(&[("distinguishedName", by_dn.dn())]),
            record(&[
                ("distinguishedName", by_dn.dn()),
                ("samAccountName", by_dn.sam.into()),
                ("userPrincipalName", samba.user("shared.one").upn.into()),
            ]),
            // (c) Only a mail two accounts share.
            record(&[("mail", "shared.mail@example.test".into())]),
            // The control: an account the run may write.
            record(&[("samAccountName", CONTROL.into())]),
        ]
        .join("\n");
        let base = format!("{USERS},{SAMBA_BASE}");
        photosync(
            &[
                "sync",
                "--source",
                "input",
                "--targets",
                "ad",
                "--ldap-base-dn",
                &base,
                "--format",
                "json",
                "--progress",
                "none",
            ],
            SAMBA_ADMIN_PASSWORD,
            Some(&input),
        )
    })
}

/// The run's records of `kind`, after checking the run as a whole: exit 1 (some users
/// failed), one result per user the reader accepted, and the control user written.
fn gated(kind: &str) -> Vec<Value> {
    let out = gated_run();
    assert_eq!(out.status.code(), Some(1), "{}", describe(out));
    let results = records(out, "result");
    assert_eq!(results.len(), 4, "{}", describe(out));
    let control = results
        .iter()
        .find(|r| r["user"]["samAccountName"] == CONTROL)
        .unwrap_or_else(|| panic!("no control result: {}", describe(out)));
    assert_eq!(control["action"], "updated", "{}", describe(out));
    let written = thumbnail_photo(support::samba().user(CONTROL)).expect("control written");
    assert!(same_picture(&written, &new_photo()));
    records(out, kind)
}

/// The run's one result whose user keys (the record's keys but its DN) satisfy `is`.
fn result_of(is: impl Fn(&Value) -> bool) -> Value {
    let mut matching = gated("result").into_iter().filter(|r| is(&r["user"]));
    let result = matching
        .next()
        .unwrap_or_else(|| panic!("no such result: {}", describe(gated_run())));
    assert!(matching.next().is_none(), "two such results");
    result
}

fn new_photo() -> Vec<u8> {
    portrait::jpeg_at_quality(NEW_PHOTO_SEED, 300, 90)
}

fn same_picture(a: &[u8], b: &[u8]) -> bool {
    let inspect = |bytes| photo::inspect(bytes, &DecodeLimits::default()).expect("a JPEG");
    photo::same_picture(&inspect(a), &inspect(b))
        .expect("hashes")
        .0
}

/// `user`'s thumbnailPhoto as Samba holds it, read with OpenLDAP's `ldapsearch` rather
/// than photosync.
fn thumbnail_photo(user: &SeedUser) -> Option<Vec<u8>> {
    let filter = format!("(sAMAccountName={})", user.sam);
    support::samba()
        .ldapsearch_base64(&filter, "thumbnailPhoto")
        .map(|b64| STANDARD.decode(b64).expect("base64"))
}

/// The seeded photos of these accounts are still there, byte for byte.
fn untouched(sams: &[&str]) {
    for sam in sams {
        let user = support::samba().user(sam);
        assert_eq!(
            thumbnail_photo(user),
            user.photo,
            "{sam}'s thumbnailPhoto was replaced"
        );
    }
}

fn failed_with(result: &Value, code: &str) -> String {
    assert_eq!(result["action"], "failed", "{result}");
    assert_eq!(result["error"]["code"], code, "{result}");
    result["error"]["message"]
        .as_str()
        .expect("a message")
        .to_string()
}

// Regression (issue 18): the DN lookup ignored the configured base DN, so a record whose DN
// named an account outside it wrote that account's thumbnailPhoto.
#[test]
fn sync_refuses_a_dn_outside_the_base_dn_and_writes_nothing() {
    let outside = support::samba().user("outside.base");
    let result = result_of(|user| user["userPrincipalName"] == outside.upn);
    let message = failed_with(&result, "identity-mismatch");
    assert!(message.contains(&outside.dn()), "{message}");
    assert!(message.contains("outside the configured base"), "{message}");
    untouched(&["outside.base"]);
}

// A DN can name another account after a move or rename: a second key that names someone
// else refuses it even when a third agrees, and with no second key it is never written.
#[test]
fn sync_never_writes_on_a_dn_alone_or_one_another_key_disputes() {
    let errors = gated("error");
    assert!(
        errors
            .iter()
            .any(|e| e["line"] == 2 && e["code"] == "no-identity"),
        "the reader refuses a DN alone: {errors:?}"
    );
    let by_sam = |user: &Value| user["samAccountName"] == "named.by.dn";
    let disputed = failed_with(&result_of(by_sam), "identity-mismatch");
    assert!(disputed.contains("shared.one@example.test"), "{disputed}");
    untouched(&["named.by.dn", "shared.one"]);
}

// Regression (issue 18): AD's ambiguity was "user not found", and Graph wrote the first of a
// mail two users share. Now it is ambiguous-identity, naming both, and neither is written.
#[test]
fn sync_refuses_a_mail_two_accounts_share_and_names_both() {
    let by_mail = |user: &Value| user["mail"] == "shared.mail@example.test";
    let message = failed_with(&result_of(by_mail), "ambiguous-identity");
    let samba = support::samba();
    for sam in ["shared.one", "shared.two"] {
        assert!(message.contains(&samba.user(sam).dn()), "{message}");
    }
    untouched(&["shared.one", "shared.two"]);
}

// The reader refuses a record naming nothing but a DN, so the gate's own rule is driven here
// through the engine, whose write chokepoint takes only what the gate admitted.
#[tokio::test]
async fn the_engine_never_writes_on_a_dn_alone() {
    let samba = support::samba();
    let conn = samba.admin_over_ldaps(connection);
    let base = format!("{USERS},{SAMBA_BASE}");
    let target: Box<dyn PhotoStore> = Box::new(open(&conn, Some(&base)).await.expect("open"));
    let dir = support::scratch_dir("dn-alone");
    let photo_path = dir.join("new.jpg");
    std::fs::write(&photo_path, new_photo()).expect("write photo");
    let by_dn = samba.user("named.by.dn");
    let record = UserRecord {
        distinguished_name: Some(by_dn.dn()),
        photo_path: Some(photo_path.display().to_string()),
        ..Default::default()
    };
    let input = std::iter::once(InputEvent::User(InputUser { record, line: 1 }));
    let mut sink = CollectSink::default();
    let options = SyncOptions::default();
    engine::run_sync(
        Box::new(input),
        &SyncSource::Input,
        &[target],
        &options,
        &mut sink,
    )
    .await;
    let results: Vec<_> = sink
        .records
        .iter()
        .filter_map(|r| match r {
            OutputRecord::Result(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 1, "{:?}", sink.records);
    let error = results[0].error.as_ref().expect("refused");
    assert_eq!(error.code, ErrorCode::NoIdentity, "{error:?}");
    assert!(error.message.contains(&by_dn.dn()), "{}", error.message);
    untouched(&["named.by.dn"]);
    let _ = std::fs::remove_dir_all(dir);
}
