//! Identity is proven, not assumed: a stale DistinguishedName or a reused UPN never wins over
//! the objectGUID a record carries, and lookups return user objects only (issue 9). What the
//! AD store finds passes the engine's identity gate (issue 18), as in status and sync.

use photosync::engine::identity::{self, Policy};
use photosync::error::Result;
use photosync::schema::{ErrorCode, UserRecord};
use photosync::store::ad::{AdStore, ObjectGuid};
use photosync::store::{PhotoStore, StoreUser};

use crate::support::{self, SAMBA_BASE, SLAPD_SUFFIX};
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
