//! Drop repeated users (same UPN or sAMAccountName case-insensitively, same objectGUID in
//! either form: GUID text or base64 immutable id) so one
//! input never processes a user twice; each repeat becomes a `duplicate-user` error record.
//!
//! Keys are kept as 64-bit hashes (8 bytes each, not the strings) so 100k users cost about
//! a few megabytes.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::{InputEvent, InputUser, error_event};
use crate::schema::{ErrorCode, UserKeys, UserRecord};
use crate::store::ad::ObjectGuid;

pub struct Deduplicate<I> {
    inner: I,
    /// Key hash -> line where the user first appeared.
    seen: HashMap<u64, u64>,
}

impl<I> Deduplicate<I> {
    pub fn new(inner: I) -> Self {
        Deduplicate {
            inner,
            seen: HashMap::new(),
        }
    }
}

fn key_hashes(record: &UserRecord) -> Vec<(&'static str, u64)> {
    // A GUID and its base64 immutable id are one user; anything else is compared as given
    // (immutable ids are case-sensitive) and is refused later by the stores.
    let guid = record.object_guid.as_deref().map(|g| {
        ObjectGuid::parse_either(g).map_or_else(|| g.trim().to_string(), |guid| guid.to_string())
    });
    [
        (
            "userPrincipalName",
            record.user_principal_name.as_deref().map(str::to_lowercase),
        ),
        ("objectGUID", guid),
        (
            "samAccountName",
            record.sam_account_name.as_deref().map(str::to_lowercase),
        ),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        let value = value?.trim().to_string();
        (!value.is_empty()).then(|| {
            let mut h = DefaultHasher::new();
            (name, value).hash(&mut h);
            (name, h.finish())
        })
    })
    .collect()
}

impl<I: Iterator<Item = InputEvent>> Iterator for Deduplicate<I> {
    type Item = InputEvent;

    fn next(&mut self) -> Option<InputEvent> {
        let event = self.inner.next()?;
        let InputEvent::User(InputUser { record, line }) = &event else {
            return Some(event);
        };
        let keys = key_hashes(record);
        if let Some((name, first)) = keys
            .iter()
            .find_map(|(name, h)| self.seen.get(h).map(|first| (name, *first)))
        {
            return Some(error_event(
                *line,
                Some(UserKeys::from(record)),
                ErrorCode::DuplicateUser,
                format!("line {line}: same {name} as line {first}; this record is ignored"),
                "list each user once; if both records are right, merge them",
            ));
        }
        for (_, h) in keys {
            self.seen.insert(h, *line);
        }
        Some(event)
    }
}
