//! Directory entries as photosync needs them, parsed from the raw protocol data.
//!
//! ldap3's `SearchEntry::construct` guesses per value whether it is text (into `attrs`) or
//! binary (into `bin_attrs`): an objectGUID made only of bytes below 0x80 lands in the text
//! map, and a malformed entry panics. We read the raw BER ourselves instead: every value stays
//! bytes, attributes that are text by schema are decoded here, and malformed data is an error.

use std::collections::BTreeMap;

use ldap3::ResultEntry;
use ldap3::asn1::{PL, StructureTag};

use super::guid::ObjectGuid;
use crate::error::{Error, ErrorClass, Result};
use crate::schema::{ErrorCode, UserRecord};

/// One entry: its DN and every attribute's raw values, attribute names lower-cased.
#[derive(Debug, Clone, Default)]
pub struct RawEntry {
    pub dn: String,
    pub attrs: BTreeMap<String, Vec<Vec<u8>>>,
}

impl RawEntry {
    /// Parse a SearchResultEntry (RFC 4511 §4.5.2) without panicking on malformed data.
    pub fn parse(entry: ResultEntry) -> Result<Self> {
        let malformed = || {
            Error::new(
                ErrorCode::StoreRejected,
                ErrorClass::Failed,
                "the directory sent a malformed search result entry",
            )
        };
        let tag = entry.0;
        let mut parts = constructed(tag).ok_or_else(malformed)?.into_iter();
        let dn = parts.next().and_then(primitive).ok_or_else(malformed)?;
        let dn = String::from_utf8(dn).map_err(|_| malformed())?;
        let mut attrs = BTreeMap::new();
        let list = parts.next().and_then(constructed).ok_or_else(malformed)?;
        for attribute in list {
            let mut pair = constructed(attribute).ok_or_else(malformed)?.into_iter();
            let name = pair.next().and_then(primitive).ok_or_else(malformed)?;
            let name = String::from_utf8(name).map_err(|_| malformed())?;
            let values = pair.next().and_then(constructed).ok_or_else(malformed)?;
            let values = values
                .into_iter()
                .map(primitive)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(malformed)?;
            attrs.insert(name.to_ascii_lowercase(), values);
        }
        Ok(RawEntry { dn, attrs })
    }

    pub fn first(&self, attribute: &str) -> Option<&[u8]> {
        self.attrs
            .get(&attribute.to_ascii_lowercase())
            .and_then(|v| v.first())
            .map(Vec::as_slice)
    }

    /// Remove and return an attribute's first value.
    pub fn take_first(&mut self, attribute: &str) -> Option<Vec<u8>> {
        self.attrs
            .remove(&attribute.to_ascii_lowercase())
            .and_then(|values| values.into_iter().next())
    }

    /// A text attribute (directory strings are UTF-8 by RFC 4517).
    pub fn text(&self, attribute: &str) -> Option<String> {
        self.first(attribute)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }
}

fn constructed(tag: StructureTag) -> Option<Vec<StructureTag>> {
    match tag.payload {
        PL::C(inner) => Some(inner),
        PL::P(_) => None,
    }
}

fn primitive(tag: StructureTag) -> Option<Vec<u8>> {
    match tag.payload {
        PL::P(bytes) => Some(bytes),
        PL::C(_) => None,
    }
}

/// The attribute Entra Connect anchors an account by, when set.
pub const CONSISTENCY_GUID: &str = "mS-DS-ConsistencyGuid";

/// A user as read from AD.
#[derive(Debug, Clone, Default)]
pub struct AdUser {
    pub dn: String,
    pub user_principal_name: Option<String>,
    pub sam_account_name: Option<String>,
    pub mail: Option<String>,
    pub object_guid: Option<ObjectGuid>,
    /// `mS-DS-ConsistencyGuid`: the anchor Entra Connect syncs the account by, when set (after
    /// a forest migration it holds the old forest's objectGUID).
    pub consistency_guid: Option<ObjectGuid>,
    /// The length of an `mS-DS-ConsistencyGuid` that is no GUID (not 16 bytes): the account's
    /// anchor cannot be told, rather than silently taken to be its objectGUID.
    pub malformed_consistency_guid: Option<usize>,
    /// Generalized time as the directory sent it (`20260101120000.0Z`).
    pub when_changed: Option<String>,
    /// The photo attribute's first value, when it was asked for and is set.
    pub photo: Option<Vec<u8>>,
}

impl AdUser {
    /// Consumes the entry so photo bytes are moved, not copied.
    pub fn from_entry(mut entry: RawEntry, photo_attribute: &str) -> Self {
        let photo = entry.take_first(photo_attribute).filter(|v| !v.is_empty());
        AdUser {
            user_principal_name: entry.text("userPrincipalName"),
            sam_account_name: entry.text("sAMAccountName"),
            mail: entry.text("mail"),
            object_guid: entry.first("objectGUID").and_then(ObjectGuid::from_bytes),
            consistency_guid: entry
                .first(CONSISTENCY_GUID)
                .and_then(ObjectGuid::from_bytes),
            malformed_consistency_guid: entry
                .first(CONSISTENCY_GUID)
                .filter(|v| !v.is_empty() && ObjectGuid::from_bytes(v).is_none())
                .map(<[u8]>::len),
            when_changed: entry
                .text("whenChanged")
                .or_else(|| entry.text("modifyTimestamp")),
            photo,
            dn: entry.dn,
        }
    }

    /// The identity keys as an input record (what `--ad-filter` feeds the engine).
    pub fn to_record(&self) -> UserRecord {
        UserRecord {
            user_principal_name: self.user_principal_name.clone(),
            object_guid: self.object_guid.map(|g| g.to_string()),
            consistency_guid: self
                .consistency_guid
                .filter(|c| Some(*c) != self.object_guid)
                .map(|g| g.to_string()),
            sam_account_name: self.sam_account_name.clone(),
            mail: self.mail.clone(),
            distinguished_name: Some(self.dn.clone()),
            ..Default::default()
        }
    }

    /// What Entra Connect anchors the account by: `mS-DS-ConsistencyGuid` when set (its default
    /// source anchor since 2017), else the objectGUID.
    pub fn anchor(&self) -> Option<ObjectGuid> {
        if self.malformed_consistency_guid.is_some() {
            return None;
        }
        self.consistency_guid.or(self.object_guid)
    }

    /// AD facts echoed in a store's `details`.
    pub fn details(&self) -> BTreeMap<String, serde_json::Value> {
        let mut details = BTreeMap::new();
        details.insert("dn".to_string(), self.dn.clone().into());
        if let Some(guid) = self.object_guid {
            details.insert("objectGuid".to_string(), guid.to_string().into());
        }
        if let Some(len) = self.malformed_consistency_guid {
            details.insert(
                "consistencyGuid".to_string(),
                format!("not a GUID ({len} bytes): the account's source anchor cannot be told")
                    .into(),
            );
        }
        if let Some(anchor) = self.anchor() {
            if Some(anchor) != self.object_guid {
                details.insert("consistencyGuid".to_string(), anchor.to_string().into());
            }
            details.insert(
                "onPremisesImmutableId".to_string(),
                anchor.immutable_id().into(),
            );
        }
        if let Some(changed) = &self.when_changed {
            details.insert("whenChanged".to_string(), changed.clone().into());
        }
        details
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3::asn1::TagClass;

    fn octets(bytes: &[u8]) -> StructureTag {
        StructureTag {
            class: TagClass::Universal,
            id: 4,
            payload: PL::P(bytes.to_vec()),
        }
    }

    fn seq(id: u64, inner: Vec<StructureTag>) -> StructureTag {
        StructureTag {
            class: TagClass::Universal,
            id,
            payload: PL::C(inner),
        }
    }

    fn entry(dn: &str, attrs: &[(&str, &[u8])]) -> ResultEntry {
        let list = attrs
            .iter()
            .map(|(name, value)| {
                seq(
                    16,
                    vec![octets(name.as_bytes()), seq(17, vec![octets(value)])],
                )
            })
            .collect();
        ResultEntry::new(StructureTag {
            class: TagClass::Application,
            id: 4,
            payload: PL::C(vec![octets(dn.as_bytes()), seq(16, list)]),
        })
    }

    // Regression: a GUID whose bytes are all < 0x80 is valid UTF-8, and ldap3's
    // SearchEntry put it in `attrs` as a String, where a `bin_attrs`-only reader missed it.
    #[test]
    fn ascii_looking_guid_is_read_as_bytes() {
        let raw = *b"ABCDEFGHIJKLMNOP";
        let parsed = RawEntry::parse(entry(
            "CN=A,DC=x",
            &[("objectGUID", &raw), ("thumbnailPhoto", b"\xff\xd8\xff")],
        ))
        .expect("well-formed");
        let user = AdUser::from_entry(parsed, "thumbnailPhoto");
        assert_eq!(user.object_guid.expect("guid").as_bytes(), &raw);
        assert_eq!(user.photo.as_deref(), Some(&b"\xff\xd8\xff"[..]));
    }

    // Regression: a consistency GUID of 4 bytes was dropped without a word, and the account's
    // anchor reported as its objectGUID, which Entra Connect may not use.
    #[test]
    fn a_consistency_guid_that_is_no_guid_is_said_and_leaves_the_anchor_unknown() {
        let parsed = RawEntry::parse(entry(
            "CN=A,DC=x",
            &[
                ("objectGUID", b"ABCDEFGHIJKLMNOP"),
                (CONSISTENCY_GUID, b"\x01\x02\x03\x04"),
            ],
        ))
        .expect("well-formed");
        let user = AdUser::from_entry(parsed, "thumbnailPhoto");
        assert_eq!(user.anchor(), None);
        let details = user.details();
        assert!(
            !details.contains_key("onPremisesImmutableId"),
            "{details:?}"
        );
        assert_eq!(
            details["consistencyGuid"],
            "not a GUID (4 bytes): the account's source anchor cannot be told"
        );
    }

    #[test]
    fn malformed_entry_is_an_error_not_a_panic() {
        let bad = ResultEntry::new(StructureTag {
            class: TagClass::Application,
            id: 4,
            payload: PL::P(vec![1, 2, 3]),
        });
        assert!(RawEntry::parse(bad).is_err());
        let missing_values = ResultEntry::new(StructureTag {
            class: TagClass::Application,
            id: 4,
            payload: PL::C(vec![
                octets(b"CN=A"),
                seq(16, vec![seq(16, vec![octets(b"mail")])]),
            ]),
        });
        assert!(RawEntry::parse(missing_values).is_err());
    }

    #[test]
    fn attribute_names_match_case_insensitively() {
        let parsed = RawEntry::parse(entry("CN=B", &[("USERPRINCIPALNAME", b"b@x.test")]))
            .expect("well-formed");
        assert_eq!(
            parsed.text("userPrincipalName").as_deref(),
            Some("b@x.test")
        );
    }
}
