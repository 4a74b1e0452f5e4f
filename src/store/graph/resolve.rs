//! Finding a user in Entra ID from the keys an input record carries.
//!
//! Order (DESIGN §3): objectGUID (as `onPremisesImmutableId`, which Entra Connect sets to the
//! base64 of the GUID's bytes), then UPN, then mail. Every lookup is a `$filter` query with
//! the value as a doubled-quote OData literal in the query string, never a path segment:
//! that sidesteps the `#EXT#`, leading-`$` and apostrophe traps of `/users/{upn}`. Photos are
//! then addressed by the object id alone.

use base64::Engine;

use crate::error::{Error, Result};
use crate::schema::{ErrorCode, UserRecord};

/// Properties read when resolving.
pub const SELECT: &str = "id,userPrincipalName,mail,onPremisesImmutableId,userType";

/// One way to look a user up, in the order tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// `objectGuid`, `userPrincipalName` or `mail`: echoed as `matchedBy`.
    pub matched_by: &'static str,
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
        _ => Err(Error::input(
            ErrorCode::NoIdentity,
            format!("objectGuid `{object_guid}` is not a GUID"),
        )
        .with_hint(
            "pass the GUID as Get-ADUser prints it, e.g. 0b9c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e",
        )),
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
        });
    }
    if let Some(upn) = present(&user.user_principal_name) {
        out.push(Lookup {
            matched_by: "userPrincipalName",
            filter: format!("userPrincipalName eq {}", odata_literal(&upn)),
        });
    }
    if let Some(mail) = present(&user.mail) {
        out.push(Lookup {
            matched_by: "mail",
            filter: format!("mail eq {}", odata_literal(&mail)),
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
