//! Finding a user in Entra ID from the keys an input record carries.
//!
//! Order (DESIGN §3): objectGUID (as `onPremisesImmutableId`, which Entra Connect sets to the
//! base64 of the GUID's bytes), then UPN, then mail. Every lookup is a `$filter` query with
//! the value as a doubled-quote OData literal in the query string, never a path segment:
//! that sidesteps the `#EXT#`, leading-`$` and apostrophe traps of `/users/{upn}`. Photos are
//! then addressed by the object id alone.
//!
//! A match by a fallback key is proven, not assumed (DESIGN §7): when the record carries an
//! objectGUID and the user was found by UPN or mail, the user's `onPremisesImmutableId` must
//! be empty or the same id. Otherwise a new hire who inherited a leaver's UPN would get the
//! leaver's photo; `cross_check` refuses that with `identity-mismatch`.

use base64::Engine;

use crate::error::{Error, ErrorClass, Result};
use crate::schema::{ErrorCode, UserRecord};

/// Properties read when resolving; the sync properties explain an AD change that never
/// arrives (`sync_path`) without another call.
pub const SELECT: &str = "id,userPrincipalName,mail,onPremisesImmutableId,userType,onPremisesSyncEnabled,onPremisesLastSyncDateTime";

/// One way to look a user up, in the order tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// `objectGuid`, `userPrincipalName` or `mail`: echoed as `matchedBy`.
    pub matched_by: &'static str,
    /// The value looked up, for messages.
    pub key: String,
    /// The `$filter` expression.
    pub filter: String,
}

/// An OData string literal: quotes doubled inside single quotes.
pub fn odata_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `onPremisesImmutableId` for an AD objectGUID: base64 of the GUID in Microsoft's byte order
/// (first three fields little-endian), as Entra Connect computes it. Accepts the
/// `Get-ADUser` form (`xxxxxxxx-xxxx-…`, braces optional) or an immutable id already.
pub fn immutable_id(object_guid: &str) -> Result<String> {
    let trimmed = object_guid
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}');
    if let Ok(uuid) = uuid::Uuid::parse_str(trimmed) {
        return Ok(base64::engine::general_purpose::STANDARD.encode(uuid.to_bytes_le()));
    }
    match base64::engine::general_purpose::STANDARD.decode(trimmed) {
        Ok(bytes) if bytes.len() == 16 => Ok(trimmed.to_string()),
        // The whole record is refused, not just this key: a UPN match could not be
        // cross-checked against the objectGUID the record meant to give.
        _ => Err(Error::input(
            ErrorCode::NoIdentity,
            format!(
                "objectGuid `{object_guid}` is not a GUID, so the user was not looked up by any key"
            ),
        )
        .with_hint(
            "pass the GUID as Get-ADUser prints it, e.g. 0b9c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e, or leave ObjectGUID out",
        )),
    }
}

/// The 16 bytes behind an immutable id, when it is the base64 of a GUID (Entra Connect's
/// default source anchor); other anchors (custom attributes) compare as text.
fn anchor_bytes(immutable_id: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(immutable_id.trim())
        .ok()
        .filter(|b| b.len() == 16)
}

/// Whether two immutable ids name the same on-premises object.
fn same_anchor(a: &str, b: &str) -> bool {
    match (anchor_bytes(a), anchor_bytes(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// The `Get-ADUser` form of an immutable id when it is a GUID's base64, for messages.
fn guid_text(immutable_id: &str) -> Option<String> {
    let bytes: [u8; 16] = anchor_bytes(immutable_id)?.try_into().ok()?;
    Some(uuid::Uuid::from_bytes_le(bytes).to_string())
}

/// Refuse a user found by a fallback key whose on-premises anchor is another object's.
/// `expected` is the immutable id the record's objectGUID gives; `found` the user's own.
pub fn cross_check(
    matched_by: &str,
    key: &str,
    expected: Option<&str>,
    found: Option<&str>,
) -> Result<()> {
    let (Some(expected), Some(found)) = (expected, found.filter(|f| !f.trim().is_empty())) else {
        return Ok(());
    };
    if matched_by == "objectGuid" || same_anchor(expected, found) {
        return Ok(());
    }
    let describe = |id: &str| match guid_text(id) {
        Some(guid) => format!("`{id}` (objectGUID {guid})"),
        None => format!("`{id}`"),
    };
    Err(Error::new(
        ErrorCode::IdentityMismatch,
        ErrorClass::Failed,
        format!(
            "the Entra user found by {matched_by} `{key}` has onPremisesImmutableId {}, but the record's objectGUID gives {}: a different person; nothing was written",
            describe(found),
            describe(expected)
        ),
    )
    .with_hint(
        "check whether the UPN or mail was reused for a new account (a leaver's address given to a new hire), \
         or whether the record's objectGUID is stale; fix the record or the account, then run again",
    ))
}

/// The immutable id the record's objectGUID gives, if it carries one; a malformed GUID is
/// the record's input error.
pub fn expected_immutable_id(user: &UserRecord) -> Result<Option<String>> {
    match user.object_guid.as_deref().map(str::trim) {
        Some(guid) if !guid.is_empty() => immutable_id(guid).map(Some),
        _ => Ok(None),
    }
}

/// The lookups to try for a record, in order. Empty when the record names no usable key.
pub fn lookups(user: &UserRecord) -> Result<Vec<Lookup>> {
    let mut out = Vec::new();
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(guid) = present(&user.object_guid) {
        out.push(Lookup {
            matched_by: "objectGuid",
            filter: format!(
                "onPremisesImmutableId eq {}",
                odata_literal(&immutable_id(&guid)?)
            ),
            key: guid,
        });
    }
    if let Some(upn) = present(&user.user_principal_name) {
        out.push(Lookup {
            matched_by: "userPrincipalName",
            filter: format!("userPrincipalName eq {}", odata_literal(&upn)),
            key: upn,
        });
    }
    if let Some(mail) = present(&user.mail) {
        out.push(Lookup {
            matched_by: "mail",
            filter: format!("mail eq {}", odata_literal(&mail)),
            key: mail,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_id_uses_microsoft_byte_order() {
        // Known pair: GUID 748b2d3b-ba5b-4a1c-9e3f-3c2b1a0f9e8d → bytes 3b2d8b74 5bba 1c4a 9e3f…
        let id = immutable_id("748b2d3b-ba5b-4a1c-9e3f-3c2b1a0f9e8d").expect("guid");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&id)
            .expect("b64");
        assert_eq!(&bytes[..4], &[0x3b, 0x2d, 0x8b, 0x74]);
        assert_eq!(&bytes[4..6], &[0x5b, 0xba]);
        assert_eq!(&bytes[8..10], &[0x9e, 0x3f]);
        // Already an immutable id: kept.
        assert_eq!(immutable_id(&id).expect("again"), id);
        assert!(immutable_id("not-a-guid").is_err());
    }

    #[test]
    fn fallback_matches_must_carry_the_records_anchor_or_none() {
        let mine = immutable_id("748b2d3b-ba5b-4a1c-9e3f-3c2b1a0f9e8d").expect("guid");
        let other = immutable_id("0b9c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e").expect("guid");
        let upn = "userPrincipalName";
        // Same anchor (also with different padding-free spelling), none, or no GUID given: fine.
        assert!(cross_check(upn, "a@x", Some(&mine), Some(&mine)).is_ok());
        assert!(cross_check(upn, "a@x", Some(&mine), None).is_ok());
        assert!(cross_check(upn, "a@x", Some(&mine), Some("")).is_ok());
        assert!(cross_check(upn, "a@x", None, Some(&other)).is_ok());
        // A reused UPN: another object's anchor is refused, naming both ids.
        let err = cross_check(upn, "a@x", Some(&mine), Some(&other)).expect_err("mismatch");
        assert_eq!(err.code, ErrorCode::IdentityMismatch);
        assert_eq!(err.class.exit_code(), 1);
        assert!(err.message.contains(&mine) && err.message.contains(&other));
        assert!(err.message.contains("0b9c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"));
        assert!(err.hint.as_deref().is_some_and(|h| h.contains("reused")));
        // A non-GUID source anchor is compared as text.
        assert!(cross_check("mail", "a@x", Some(&mine), Some("EMP-4711")).is_err());
    }

    #[test]
    fn a_malformed_guid_is_the_records_error_even_with_a_upn() {
        let user = UserRecord {
            user_principal_name: Some("ann@contoso.test".into()),
            object_guid: Some("not-a-guid".into()),
            ..UserRecord::default()
        };
        let err = lookups(&user).expect_err("malformed guid");
        assert_eq!(err.class, ErrorClass::Input);
        assert!(err.message.contains("not-a-guid"), "{}", err.message);
        assert!(expected_immutable_id(&user).is_err());
    }

    #[test]
    fn lookups_follow_the_documented_order_and_quote_safely() {
        let user = UserRecord {
            user_principal_name: Some("o'neil@contoso.test".into()),
            mail: Some("o.neil@contoso.test".into()),
            object_guid: Some("748b2d3b-ba5b-4a1c-9e3f-3c2b1a0f9e8d".into()),
            ..UserRecord::default()
        };
        let l = lookups(&user).expect("lookups");
        let order: Vec<_> = l.iter().map(|l| l.matched_by).collect();
        assert_eq!(order, ["objectGuid", "userPrincipalName", "mail"]);
        assert_eq!(l[1].filter, "userPrincipalName eq 'o''neil@contoso.test'");
        assert!(lookups(&UserRecord::default()).expect("none").is_empty());
    }
}
