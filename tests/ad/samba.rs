//! Against a real AD implementation (Samba 4 DC): TLS, binds, the default user filter,
//! lookups, objectGUID forms, filter injection, and thumbnailPhoto writes under AD's schema.

use base64::Engine;
use futures::StreamExt;
use photosync::error::{ErrorClass, Result};
use photosync::photo::{self, DecodeLimits};
use photosync::schema::{ErrorCode, UserRecord};
use photosync::store::ad::{AdStore, ObjectGuid};
use photosync::store::{PhotoStore, StoreUser, state_key};
use photosync_testkit::portrait;

use crate::support::{
    self, SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD, SAMBA_BASE, SAMBA_USER, SAMBA_USER_PASSWORD,
};
use crate::{connection, open};

async fn admin() -> AdStore {
    let samba = support::samba();
    let conn = samba.admin_over_ldaps(connection);
    open(&conn, None)
        .await
        .expect("LDAPS bind as Administrator")
}

async fn resolve(store: &AdStore, record: UserRecord) -> Result<Option<StoreUser>> {
    store.resolve(&record).await
}

fn by_upn(upn: &str) -> UserRecord {
    UserRecord {
        user_principal_name: Some(upn.to_string()),
        ..Default::default()
    }
}

#[tokio::test]
async fn ldaps_with_the_test_ca_reads_a_photo_byte_for_byte() {
    let samba = support::samba();
    let store = admin().await;
    assert_eq!(
        store.base_dn(),
        SAMBA_BASE,
        "base DN discovered from the rootDSE"
    );
    let seeded = samba.user("photo.user");
    let user = support::found(&store, &by_upn(seeded.upn)).await;
    assert_eq!(user.key, seeded.dn());
    let read = store.read_photo(&user).await.expect("read");
    let photo = read.photo.expect("has a photo");
    assert_eq!(Some(&photo.bytes), seeded.photo.as_ref());
    assert_eq!((photo.info.width, photo.info.height), (96, 96));
    assert_eq!(read.details["dn"], seeded.dn());
    assert!(
        read.details["whenChanged"]
            .as_str()
            .is_some_and(|w| w.ends_with('Z'))
    );
}

#[tokio::test]
async fn starttls_with_the_test_ca_binds_as_a_normal_user_by_upn() {
    let samba = support::samba();
    let conn = connection(
        &samba.ldap_url(),
        SAMBA_USER,
        SAMBA_USER_PASSWORD,
        Some(&samba.certs.ca),
    );
    let store = open(&conn, Some(SAMBA_BASE)).await.expect("StartTLS bind");
    let found = resolve(&store, by_upn("no.photo@example.test"))
        .await
        .expect("lookup");
    assert!(found.is_some());
}

#[tokio::test]
async fn a_wrong_ca_is_refused_with_a_clear_message() {
    let samba = support::samba();
    for url in [samba.ldaps_url(), samba.ldap_url()] {
        let conn = connection(
            &url,
            SAMBA_ADMIN,
            SAMBA_ADMIN_PASSWORD,
            Some(&samba.certs.wrong_ca),
        );
        let err = open(&conn, None).await.expect_err("must fail");
        assert_eq!(err.class, ErrorClass::Config);
        assert!(
            err.message.contains("could not be verified"),
            "{}",
            err.message
        );
        assert!(err.message.contains("UnknownIssuer"), "{}", err.message);
    }
}

#[tokio::test]
async fn a_bad_password_gives_an_auth_error_with_a_hint_and_no_secret() {
    let samba = support::samba();
    let conn = connection(
        &samba.ldaps_url(),
        SAMBA_USER,
        "Wrong!Passw0rd",
        Some(&samba.certs.ca),
    );
    let err = open(&conn, None).await.expect_err("must fail");
    assert_eq!(err.class, ErrorClass::Auth);
    assert_eq!(err.class.exit_code(), 3);
    assert_eq!(err.code, ErrorCode::AuthFailed);
    assert!(
        err.message.contains("invalid credentials"),
        "{}",
        err.message
    );
    assert!(err.message.contains(SAMBA_USER));
    let hint = err.hint.clone().unwrap_or_default();
    assert!(hint.contains("PHOTOSYNC_LDAP_PASSWORD"), "{hint}");
    assert!(!format!("{err:?}").contains("Wrong!Passw0rd"));
}

#[tokio::test]
async fn plaintext_simple_bind_is_opt_in_and_ad_refuses_it_anyway() {
    let samba = support::samba();
    let mut conn = connection(&samba.ldap_url(), SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD, None);
    conn.allow_plaintext = true;
    let err = open(&conn, None)
        .await
        .expect_err("AD requires strong auth");
    assert_eq!(err.class, ErrorClass::Auth);
    assert!(
        err.message.contains("encrypted connection"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn default_filter_lists_enabled_users_with_their_keys() {
    let samba = support::samba();
    let store = admin().await;
    let mut stream = store.user_records(None).await.expect("default filter");
    let mut records = Vec::new();
    while let Some(user) = stream.next().await {
        records.push(user.expect("user").to_record());
    }
    let upns: Vec<_> = records
        .iter()
        .filter_map(|r| r.user_principal_name.clone())
        .collect();
    for u in samba.users.iter().filter(|u| !u.disabled) {
        assert!(
            upns.iter().any(|x| x == u.upn),
            "{} missing from {upns:?}",
            u.upn
        );
    }
    assert!(
        !upns.iter().any(|x| x == "old.account@example.test"),
        "disabled user listed"
    );
    let anna = records
        .iter()
        .find(|r| r.sam_account_name.as_deref() == Some("anna"))
        .expect("anna");
    assert_eq!(anna.mail.as_deref(), Some("anna.berg@example.test"));
    assert_eq!(
        anna.user_principal_name.as_deref(),
        Some("anna@corp.example.test")
    );
    assert!(anna.object_guid.is_some() && anna.distinguished_name.is_some());
    // A caller's filter narrows to users too.
    let mut only = store
        .user_records(Some("(sAMAccountName=jorsted)"))
        .await
        .expect("filter");
    let first = only.next().await.expect("one").expect("ok");
    assert_eq!(
        first.user_principal_name.as_deref(),
        Some("jürgen.ørsted@example.test")
    );
    assert!(only.next().await.is_none());
    let Err(bad) = store.user_records(Some("(sAMAccountName=jorsted")).await else {
        panic!("an unbalanced filter was accepted");
    };
    assert_eq!(bad.class, ErrorClass::Config);
}

#[tokio::test]
async fn objectguid_matches_samba_and_ldapsearch_independently() {
    let samba = support::samba();
    let store = admin().await;
    let seeded = samba.user("photo.user");
    let user = support::found(&store, &by_upn(seeded.upn)).await;
    // Samba's own string form of the GUID (what Get-ADUser shows).
    let samba_text = samba
        .ldbsearch("(sAMAccountName=photo.user)", "objectGUID")
        .expect("guid");
    assert_eq!(user.details["objectGuid"], samba_text);
    // OpenLDAP's client prints the raw bytes base64-encoded: that is the immutableId.
    let b64 = samba
        .ldapsearch_base64("(sAMAccountName=photo.user)", "objectGUID")
        .expect("objectGUID line");
    assert_eq!(user.details["onPremisesImmutableId"], b64);
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&b64)
        .expect("base64");
    assert_eq!(
        ObjectGuid::from_bytes(&raw).expect("16 bytes").to_string(),
        samba_text
    );

    // Looking the user up by that GUID string finds the same entry.
    let record = UserRecord {
        object_guid: Some(samba_text.clone()),
        ..Default::default()
    };
    let again = support::found(&store, &record).await;
    assert_eq!(again.key, seeded.dn());
    assert_eq!(again.details["matchedBy"], "objectGUID");
}

#[tokio::test]
async fn users_are_found_by_each_key() {
    let samba = support::samba();
    let store = admin().await;
    let anna = samba.user("anna");
    let cases = [
        (by_upn("ANNA@corp.example.test"), "userPrincipalName"),
        (
            UserRecord {
                sam_account_name: Some("anna".into()),
                ..Default::default()
            },
            "sAMAccountName",
        ),
        (
            UserRecord {
                mail: Some("anna.berg@example.test".into()),
                ..Default::default()
            },
            "mail",
        ),
        (
            UserRecord {
                distinguished_name: Some(anna.dn()),
                ..Default::default()
            },
            "distinguishedName",
        ),
        // A stale UPN falls through to the next key.
        (
            UserRecord {
                user_principal_name: Some("gone@example.test".into()),
                mail: Some("anna.berg@example.test".into()),
                ..Default::default()
            },
            "mail",
        ),
    ];
    for (record, key) in cases {
        let found = support::found(&store, &record).await;
        assert_eq!(found.key, anna.dn());
        assert_eq!(found.details["matchedBy"], key);
    }
    let jurgen = resolve(&store, by_upn("jürgen.ørsted@example.test"))
        .await
        .expect("lookup");
    assert_eq!(jurgen.expect("found").key, samba.user("jorsted").dn());
    assert!(
        resolve(&store, by_upn("nobody@example.test"))
            .await
            .expect("lookup")
            .is_none()
    );
    let none = resolve(&store, UserRecord::default())
        .await
        .expect_err("no identity");
    assert_eq!(none.code, ErrorCode::NoIdentity);
}

#[tokio::test]
async fn filter_injection_attempts_match_nothing() {
    let samba = support::samba();
    let store = admin().await;
    for attempt in [
        "*",
        "*)(userPrincipalName=*",
        "*)(|(objectClass=*)",
        "a\\",
        "nul\0*",
        "(*)",
        "*)",
    ] {
        let upn = resolve(&store, by_upn(attempt)).await.expect("no error");
        assert!(upn.is_none(), "UPN {attempt:?} matched something");
        let record = UserRecord {
            sam_account_name: Some(attempt.into()),
            ..Default::default()
        };
        assert!(
            resolve(&store, record).await.expect("no error").is_none(),
            "sAM {attempt:?}"
        );
    }
    // Legitimate special characters still match exactly.
    let record = UserRecord {
        sam_account_name: Some("paren(1)".into()),
        ..Default::default()
    };
    let found = support::found(&store, &record).await;
    assert_eq!(found.key, samba.user("paren(1)").dn());
}

#[tokio::test]
async fn a_user_without_a_photo_reads_as_absent() {
    let store = admin().await;
    let user = support::found(&store, &by_upn("no.photo@example.test")).await;
    let read = store.read_photo(&user).await.expect("read");
    assert!(read.photo.is_none());
    assert_eq!(read.details["photoAttribute"], "thumbnailPhoto");
}

#[tokio::test]
async fn photo_write_round_trip_and_schema_limit() {
    let store = admin().await;
    let user = support::found(&store, &by_upn("writable@example.test")).await;
    let source = photo::load(
        &portrait::jpeg_at_quality(77, 600, 95),
        &DecodeLimits::default(),
    )
    .expect("source");
    store.write_photo(&user, &source).await.expect("write");
    let read = store
        .read_photo(&user)
        .await
        .expect("read back")
        .photo
        .expect("written");
    assert!(
        read.bytes.len() <= 10_240,
        "AD rendition is {} bytes",
        read.bytes.len()
    );
    assert_eq!((read.info.format.as_str(), read.info.width), ("jpeg", 96));
    let (same, distance) = photo::same_picture(&read.info, &source.info).expect("hashes");
    assert!(
        same,
        "read-back differs from the source (distance {distance})"
    );

    // 102400 bytes is AD's limit: more is refused by the DC, as a clear per-user error.
    let err = store
        .replace_photo(&user.key, &vec![0xA5; 150_000])
        .await
        .expect_err("rejected");
    assert_eq!(err.code, ErrorCode::StoreRejected);
    assert!(
        err.message
            .contains("writing thumbnailPhoto of CN=Writable User"),
        "{}",
        err.message
    );
    assert!(err.hint.as_deref().unwrap_or("").contains("102400"));
    store
        .replace_photo(&user.key, &vec![0x5A; 102_400])
        .await
        .expect("exactly the limit fits");

    store.delete_photo(&user).await.expect("delete");
    let user = support::found(&store, &by_upn("writable@example.test")).await;
    assert!(store.read_photo(&user).await.expect("read").photo.is_none());
}

#[tokio::test]
async fn writing_another_users_photo_without_rights_is_a_permission_error() {
    let samba = support::samba();
    let conn = connection(
        &samba.ldaps_url(),
        SAMBA_USER,
        SAMBA_USER_PASSWORD,
        Some(&samba.certs.ca),
    );
    let store = open(&conn, None).await.expect("bind as jdoe");
    let victim = support::found(&store, &by_upn("photo.user@example.test")).await;
    let err = store
        .replace_photo(&victim.key, &portrait::jpeg_at_quality(9, 96, 80))
        .await
        .expect_err("denied");
    assert_eq!(err.class, ErrorClass::Permission, "{}", err.message);
    assert_eq!(err.code, ErrorCode::PermissionDenied);
}

// Issue 18, item 7: state entries are keyed by where a target writes. Samba and slapd serve
// the same naming context (two forests named alike, as after an acquisition), and one server
// serves more than one: a run against either must never skip users as "unchanged since
// verified" on the strength of a write to the other.
#[tokio::test]
async fn another_server_or_naming_context_is_another_target() {
    let samba = support::samba();
    let conn = samba.admin_over_ldaps(connection);
    let key = |store: AdStore| {
        store
            .state_key()
            .expect("an AD store knows where it writes")
    };
    let domain = key(admin().await);
    let users = format!("CN=Users,{SAMBA_BASE}");
    let users = key(open(&conn, Some(&users)).await.expect("open"));
    assert_ne!(domain, users, "another naming context of the same server");
    let spelled = key(open(&conn, Some("dc=Example, dc=Test"))
        .await
        .expect("open"));
    assert_eq!(domain, spelled, "the discovered base, spelled otherwise");
    let slapd = support::slapd();
    let slapd_conn = slapd.reader_over_ldaps(connection);
    let slapd_store = open(&slapd_conn, Some(support::SLAPD_SUFFIX))
        .await
        .expect("open slapd");
    assert_eq!(
        state_key::normalise_dn(slapd_store.base_dn()),
        state_key::normalise_dn(SAMBA_BASE),
        "both serve one naming context"
    );
    assert_ne!(domain, key(slapd_store), "another server");
}
