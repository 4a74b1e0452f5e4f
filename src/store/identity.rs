//! What a store knows about the object it found for a record: the facts the engine's identity
//! gate (`engine::identity`) proves the record's person from. Stores report these facts; they
//! do not decide identity themselves, so one rule holds for every store.

use crate::error::{Error, Result};
use crate::schema::{ErrorCode, UserRecord};
use crate::store::ad::ObjectGuid;

/// The key a store found the object by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    ObjectGuid,
    /// The record's `mS-DS-ConsistencyGuid`: the anchor Entra Connect syncs the account by.
    ConsistencyGuid,
    DistinguishedName,
    UserPrincipalName,
    SamAccountName,
    Mail,
}

impl Key {
    pub fn name(self) -> &'static str {
        match self {
            Key::ObjectGuid => "objectGUID",
            Key::ConsistencyGuid => "mS-DS-ConsistencyGuid",
            Key::DistinguishedName => "distinguishedName",
            Key::UserPrincipalName => "userPrincipalName",
            Key::SamAccountName => "sAMAccountName",
            Key::Mail => "mail",
        }
    }
}

/// The on-premises anchor of the object found (AD's objectGUID, Entra's
/// `onPremisesImmutableId`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Anchor {
    /// The store cannot tell (a folder of files): there is nothing to compare.
    #[default]
    Unknown,
    /// The object has none: a cloud-only account.
    Missing,
    /// An objectGUID, whichever form the store gave it in.
    Guid(ObjectGuid),
    /// A source anchor that is not a GUID (a custom attribute), compared as text.
    Other(String),
}

impl Anchor {
    /// Entra's `onPremisesImmutableId`: the base64 of a GUID by default, else any text.
    pub fn from_immutable_id(value: Option<&str>) -> Anchor {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Anchor::Missing,
            Some(v) => ObjectGuid::from_immutable_id(v)
                .map(Anchor::Guid)
                .unwrap_or_else(|_| Anchor::Other(v.to_string())),
        }
    }

    /// How messages show it: the GUID with its immutable id, or the text.
    pub fn describe(&self) -> String {
        match self {
            Anchor::Unknown => "an unknown anchor".to_string(),
            Anchor::Missing => "no on-premises anchor (a cloud-only account)".to_string(),
            Anchor::Guid(g) => format!("objectGUID {g} (immutable id `{}`)", g.immutable_id()),
            Anchor::Other(text) => format!("source anchor `{text}`"),
        }
    }
}

/// The object's own keys, to confirm a match by DN against the record's other keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectKeys {
    pub user_principal_name: Option<String>,
    pub sam_account_name: Option<String>,
    pub mail: Option<String>,
}

/// An entry bound to a directory object by its own property (a SharePoint profile's
/// `msOnline-ObjectId`): the object the store resolved and the one the entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// What names the binding in messages (`msOnline-ObjectId`).
    pub property: &'static str,
    /// The Entra object id the record resolved to.
    pub resolved: String,
    /// The object id the entry itself carries; `None` when it carries none.
    pub bound: Option<String>,
}

/// Everything a store found out about who the object is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The key it was found by; `None` when the store finds users by a naming rule.
    pub matched_by: Option<Key>,
    /// The object, as messages name it (a DN, a UPN and object id).
    pub object: String,
    /// Other objects the same key matched: any at all makes the match ambiguous.
    pub others: Vec<String>,
    pub anchor: Anchor,
    /// The object's own objectGUID, where the store knows it apart from the anchor: an AD
    /// account whose `mS-DS-ConsistencyGuid` (what Entra Connect anchors it by) holds another
    /// GUID, as after a forest migration, where it keeps the old forest's.
    pub object_guid: Option<ObjectGuid>,
    pub keys: ObjectKeys,
    /// The base the store is configured to, when the object lies outside it.
    pub outside_base: Option<String>,
    pub binding: Option<Binding>,
}

impl Identity {
    /// The object is one of these GUIDs' person: its anchor or its own objectGUID is one of
    /// them (GUIDs are unique across forests, so either names one person).
    pub fn has_guid(&self, guids: &[ObjectGuid]) -> bool {
        let anchor = match &self.anchor {
            Anchor::Guid(g) => Some(*g),
            _ => None,
        };
        anchor
            .into_iter()
            .chain(self.object_guid)
            .any(|g| guids.contains(&g))
    }

    /// How messages show the anchor, with the object's own objectGUID where that differs.
    pub fn describe_anchor(&self) -> String {
        match (&self.anchor, self.object_guid) {
            (Anchor::Guid(anchor), Some(own)) if *anchor != own => format!(
                "objectGUID {own} and mS-DS-ConsistencyGuid {anchor} (immutable id `{}`)",
                anchor.immutable_id()
            ),
            (anchor, _) => anchor.describe(),
        }
    }
}

/// Which identity proofs a store's matches need: what the conformance suite's identity cases
/// test it for (a case is skipped only when the store declares it does not apply).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Proofs {
    /// It knows each object's on-premises anchor (AD's objectGUID, Entra's immutable id).
    pub anchors: bool,
    /// It finds users by mail, which several objects may share.
    pub by_mail: bool,
    /// It finds users by DistinguishedName, within a configured base.
    pub by_dn: bool,
    /// It names a file after each user, and two users' names may fold to one file.
    pub named_files: bool,
}

impl Proofs {
    /// A store that finds nobody by a shared key and names no files.
    pub const NONE: Proofs = Proofs {
        anchors: false,
        by_mail: false,
        by_dn: false,
        named_files: false,
    };
}

/// The record's objectGUID, in either everyday form (the `Get-ADUser` text or its base64
/// immutable id: one identity). A malformed one is the record's input error for every store:
/// a match by another key could not be checked against the GUID the record meant to give.
/// A malformed `mS-DS-ConsistencyGuid` fails here too, so every store refuses that user.
pub fn record_guid(user: &UserRecord) -> Result<Option<ObjectGuid>> {
    record_consistency_guid(user)?;
    parse_guid(&user.object_guid, "objectGuid", "ObjectGUID")
}

/// The record's `mS-DS-ConsistencyGuid` (the anchor Entra Connect syncs the account by, when
/// it differs from the objectGUID), in the same two forms.
pub fn record_consistency_guid(user: &UserRecord) -> Result<Option<ObjectGuid>> {
    parse_guid(&user.consistency_guid, "consistencyGuid", "ConsistencyGuid")
}

/// Every GUID the record names its person by: what a store's anchor or objectGUID is held to.
pub fn record_guids(user: &UserRecord) -> Result<Vec<ObjectGuid>> {
    let guid = record_guid(user)?;
    Ok(guid
        .into_iter()
        .chain(record_consistency_guid(user)?)
        .collect())
}

fn parse_guid(value: &Option<String>, field: &str, leave_out: &str) -> Result<Option<ObjectGuid>> {
    let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    ObjectGuid::parse(text)
        .or_else(|_| ObjectGuid::from_immutable_id(text))
        .map(Some)
        .map_err(|_| {
            Error::input(
                ErrorCode::NoIdentity,
                format!(
                    "{field} `{text}` is neither a GUID nor its base64 immutable id, so the user was not looked up by any key"
                ),
            )
            .with_hint(format!(
                "pass the GUID as Get-ADUser prints it, e.g. 0b9c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e, or leave {leave_out} out"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_guid(text: &str) -> UserRecord {
        UserRecord {
            object_guid: Some(text.to_string()),
            ..UserRecord::default()
        }
    }

    #[test]
    fn a_guid_and_its_immutable_id_are_one_identity() {
        let text = record_guid(&with_guid("3ab39606-c642-489b-84b6-58c038d3ef39"));
        let id = record_guid(&with_guid("BpazOkLGm0iEtljAONPvOQ=="));
        assert_eq!(text.expect("text"), id.expect("id"));
        assert_eq!(record_guid(&with_guid("  ")).expect("blank"), None);
        let err = record_guid(&with_guid("not-a-guid")).expect_err("malformed");
        assert_eq!(err.code, ErrorCode::NoIdentity);
        assert!(err.message.contains("not-a-guid"), "{}", err.message);
    }

    #[test]
    fn an_immutable_id_that_is_no_guid_is_compared_as_text() {
        let guid = ObjectGuid::parse("3ab39606-c642-489b-84b6-58c038d3ef39").expect("guid");
        assert_eq!(
            Anchor::from_immutable_id(Some("BpazOkLGm0iEtljAONPvOQ==")),
            Anchor::Guid(guid)
        );
        assert_eq!(Anchor::from_immutable_id(Some(" ")), Anchor::Missing);
        assert_eq!(
            Anchor::from_immutable_id(Some("EMP-4711")),
            Anchor::Other("EMP-4711".into())
        );
    }
}
