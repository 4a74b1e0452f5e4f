//! An in-memory store for tests: users keyed by UPN, photos kept as given. A user may carry a
//! mail and an on-premises anchor (`add_person`), so the identity gate's cases run against it
//! like against a directory: found by objectGUID, then UPN, then mail (which several users
//! may share).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::identity::{self, Anchor, Identity, Key, ObjectKeys, Proofs};
use super::{Capabilities, PhotoRead, PhotoStore, StoreClass, StoreUser, StoredPhoto};
use crate::error::Result;
use crate::photo::{self, DecodeLimits, SourcePhoto};
use crate::schema::UserRecord;
use crate::store::ad::ObjectGuid;

/// One user of the memory store.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub mail: Option<String>,
    /// `Anchor::Unknown` for users added with `add_user`.
    pub anchor: Anchor,
    /// An objectGUID apart from the anchor, as AD knows a migrated account's.
    pub object_guid: Option<ObjectGuid>,
    pub photo: Option<Vec<u8>>,
}

/// Clones share the users: a test keeps one to look inside after handing the other to the
/// engine.
#[derive(Clone, Default)]
pub struct MemoryStore {
    /// UPN (lower-case) -> the user; ordered, so "the first of several" is always the same.
    users: Arc<Mutex<BTreeMap<String, Person>>>,
    writes: Arc<Mutex<u64>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_user(&self, upn: &str, photo: Option<Vec<u8>>) {
        self.add_person(
            upn,
            Person {
                photo,
                ..Person::default()
            },
        );
    }

    pub fn add_person(&self, upn: &str, person: Person) {
        self.users
            .lock()
            .expect("memory store lock")
            .insert(upn.to_lowercase(), person);
    }

    pub fn photo_of(&self, upn: &str) -> Option<Vec<u8>> {
        self.users
            .lock()
            .expect("memory store lock")
            .get(&upn.to_lowercase())
            .and_then(|p| p.photo.clone())
    }

    /// How many writes the store has accepted.
    pub fn writes(&self) -> u64 {
        *self.writes.lock().expect("memory store lock")
    }
}

#[async_trait]
impl PhotoStore for MemoryStore {
    fn name(&self) -> &str {
        "memory"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            class: StoreClass::Files,
            service: None,
            can_write: true,
            can_delete: true,
            refreshed_copy: false,
            rendition: Some(super::graph::RENDITION),
            not_found_hint: "check the user's identity keys",
            proofs: Proofs {
                anchors: true,
                by_mail: true,
                ..Proofs::NONE
            },
        }
    }

    /// One memory store per process: nothing to tell apart.
    fn state_key(&self) -> Option<String> {
        Some(self.name().to_string())
    }

    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let guids = identity::record_guids(user)?;
        let text = |v: &Option<String>| v.as_deref().map(|v| v.trim().to_lowercase());
        let (upn, mail) = (text(&user.user_principal_name), text(&user.mail));
        let users = self.users.lock().expect("memory store lock");
        let lookups: [(Key, Box<dyn Fn(&String, &Person) -> bool>); 3] = [
            (
                Key::ObjectGuid,
                Box::new(|_, p| {
                    let anchor = match p.anchor {
                        Anchor::Guid(g) => Some(g),
                        _ => None,
                    };
                    anchor
                        .into_iter()
                        .chain(p.object_guid)
                        .any(|g| guids.contains(&g))
                }),
            ),
            (
                Key::UserPrincipalName,
                Box::new(|k, _| upn.as_ref() == Some(k)),
            ),
            (
                Key::Mail,
                Box::new(|_, p| mail.is_some() && text(&p.mail) == mail),
            ),
        ];
        for (key, matches) in lookups {
            let mut found = users.iter().filter(|(k, p)| matches(k, p));
            let Some((first, person)) = found.next() else {
                continue;
            };
            let identity = Identity {
                matched_by: Some(key),
                object: first.clone(),
                others: found.map(|(k, _)| k.clone()).collect(),
                anchor: person.anchor.clone(),
                object_guid: person.object_guid,
                keys: ObjectKeys {
                    user_principal_name: Some(first.clone()),
                    mail: person.mail.clone(),
                    ..ObjectKeys::default()
                },
                ..Identity::default()
            };
            return Ok(Some(StoreUser {
                key: first.clone(),
                details: Default::default(),
                identity,
            }));
        }
        Ok(None)
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        let bytes = self
            .users
            .lock()
            .expect("memory store lock")
            .get(&user.key)
            .and_then(|p| p.photo.clone());
        let photo = match bytes {
            Some(bytes) => {
                let info = photo::inspect(&bytes, &DecodeLimits::default())?;
                Some(StoredPhoto { bytes, info })
            }
            None => None,
        };
        Ok(PhotoRead {
            photo,
            ..Default::default()
        })
    }

    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        let rendition = photo::render_one(photo, &super::graph::RENDITION)?;
        self.users
            .lock()
            .expect("memory store lock")
            .entry(user.key.clone())
            .or_default()
            .photo = Some(rendition.bytes);
        *self.writes.lock().expect("memory store lock") += 1;
        Ok(())
    }

    async fn delete_photo(&self, user: &StoreUser) -> Result<()> {
        if let Some(person) = self
            .users
            .lock()
            .expect("memory store lock")
            .get_mut(&user.key)
        {
            person.photo = None;
        }
        Ok(())
    }
}
