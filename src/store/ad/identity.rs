//! Proving that the directory entry found for a record is that record's person.
//!
//! objectGUID never changes and is never reused; a UPN, a mail address or a
//! DistinguishedName can be handed to a new account (a leaver's address given to a new
//! hire, a DN reused after a move or a delete). So a match by any other key is accepted only
//! when the entry's objectGUID is the record's (or either is unknown), and a DN match must
//! also agree with the record's UPN. Otherwise the user gets `identity-mismatch`: refused,
//! never written, never "in sync".

use super::entry::AdUser;
use super::guid::ObjectGuid;
use crate::error::{Error, ErrorClass, Result};
use crate::schema::{ErrorCode, UserRecord};

/// How a user was found, echoed as `matchedBy`.
pub const BY_GUID: &str = "objectGUID";
pub const BY_DN: &str = "distinguishedName";

/// The record's objectGUID, parsed. A malformed one is the record's input error: matching
/// by another key instead could not be cross-checked, so nothing is looked up at all.
pub fn record_guid(user: &UserRecord) -> Result<Option<ObjectGuid>> {
    match user.object_guid.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => ObjectGuid::parse(text).map(Some).map_err(|e| Error {
            message: format!("{}, so the user was not looked up by any key", e.message),
            ..e
        }),
        _ => Ok(None),
    }
}

/// Refuse an entry found by a fallback key that belongs to someone else.
pub fn cross_check(
    record: &UserRecord,
    expected: Option<ObjectGuid>,
    found: &AdUser,
    matched_by: &str,
) -> Result<()> {
    if matched_by == BY_GUID {
        return Ok(());
    }
    let what_to_check = if matched_by == BY_DN {
        "the DistinguishedName is probably stale (the account was moved, renamed or deleted and \
         the DN now names another object): export the user again with Get-ADUser, or match by \
         ObjectGUID alone"
    } else {
        "the address was probably reused for another account (a leaver's UPN or mail given to a \
         new hire), or the record's objectGUID is stale: fix the record or the account"
    };
    if let (Some(want), Some(have)) = (expected, found.object_guid)
        && want != have
    {
        return Err(mismatch(
            format!(
                "the AD entry found by {matched_by} ({}) has objectGUID {have}, but the record \
                 says {want}: a different object; nothing was written",
                found.dn
            ),
            what_to_check,
        ));
    }
    let record_upn = record
        .user_principal_name
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if matched_by == BY_DN
        && let (Some(want), Some(have)) = (record_upn, found.user_principal_name.as_deref())
        && !want.eq_ignore_ascii_case(have.trim())
    {
        return Err(mismatch(
            format!(
                "the AD entry at {} has userPrincipalName {have}, but the record says {want}: \
                 a different user; nothing was written",
                found.dn
            ),
            what_to_check,
        ));
    }
    Ok(())
}

fn mismatch(message: String, hint: &str) -> Error {
    Error::new(ErrorCode::IdentityMismatch, ErrorClass::Failed, message).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID_A: &str = "3ab39606-c642-489b-84b6-58c038d3ef39";
    const GUID_B: &str = "8c4ac332-975f-4717-ad7b-ba4a4e968fff";

    fn entry(guid: Option<&str>, upn: &str) -> AdUser {
        AdUser {
            dn: "CN=Someone,OU=People,DC=x".into(),
            user_principal_name: Some(upn.into()),
            object_guid: guid.map(|g| ObjectGuid::parse(g).expect("guid")),
            ..AdUser::default()
        }
    }

    fn record(guid: Option<&str>, upn: Option<&str>) -> UserRecord {
        UserRecord {
            object_guid: guid.map(str::to_string),
            user_principal_name: upn.map(str::to_string),
            ..UserRecord::default()
        }
    }

    #[test]
    fn another_objects_guid_is_refused_for_every_fallback_key() {
        let rec = record(Some(GUID_A), Some("ann@x"));
        let want = record_guid(&rec).expect("valid");
        for key in ["userPrincipalName", "mail", "sAMAccountName", BY_DN] {
            let err =
                cross_check(&rec, want, &entry(Some(GUID_B), "ann@x"), key).expect_err("mismatch");
            assert_eq!(err.code, ErrorCode::IdentityMismatch, "{key}");
            assert!(err.message.contains(GUID_A) && err.message.contains(GUID_B));
        }
        assert!(cross_check(&rec, want, &entry(Some(GUID_A), "ann@x"), "mail").is_ok());
        assert!(cross_check(&rec, want, &entry(None, "ann@x"), "mail").is_ok());
    }

    #[test]
    fn a_dn_match_must_also_agree_with_the_upn() {
        let rec = record(None, Some("ann@x"));
        let err =
            cross_check(&rec, None, &entry(Some(GUID_B), "bob@x"), BY_DN).expect_err("other upn");
        assert!(err.hint.as_deref().is_some_and(|h| h.contains("stale")));
        assert!(cross_check(&rec, None, &entry(Some(GUID_B), "ANN@x"), BY_DN).is_ok());
        // A UPN found by UPN agrees by construction; other keys are not compared by UPN.
        assert!(cross_check(&rec, None, &entry(Some(GUID_B), "bob@x"), "mail").is_ok());
    }

    #[test]
    fn a_malformed_guid_is_an_input_error_even_beside_other_keys() {
        let err = record_guid(&record(Some("not-a-guid"), Some("ann@x"))).expect_err("bad");
        assert_eq!(err.class, ErrorClass::Input);
        assert!(err.message.contains("not looked up"), "{}", err.message);
        assert_eq!(record_guid(&record(Some("  "), None)).expect("blank"), None);
    }
}
