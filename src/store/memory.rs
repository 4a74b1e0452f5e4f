//! An in-memory store for tests: users keyed by UPN, photos kept as given.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Capabilities, PhotoRead, PhotoStore, StoreClass, StoreUser, StoredPhoto};
use crate::error::Result;
use crate::photo::{self, DecodeLimits, SourcePhoto};
use crate::schema::UserRecord;

#[derive(Default)]
pub struct MemoryStore {
    /// UPN (lower-case) -> photo bytes (None = user without photo).
    users: Mutex<HashMap<String, Option<Vec<u8>>>>,
    writes: Mutex<u64>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_user(&self, upn: &str, photo: Option<Vec<u8>>) {
        self.users
            .lock()
            .expect("memory store lock")
            .insert(upn.to_lowercase(), photo);
    }

    pub fn photo_of(&self, upn: &str) -> Option<Vec<u8>> {
        self.users
            .lock()
            .expect("memory store lock")
            .get(&upn.to_lowercase())
            .cloned()
            .flatten()
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
        }
    }

    /// One memory store per process: nothing to tell apart.
    fn state_key(&self) -> Option<String> {
        Some(self.name().to_string())
    }

    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let Some(upn) = user.user_principal_name.as_deref() else {
            return Ok(None);
        };
        let key = upn.to_lowercase();
        let known = self
            .users
            .lock()
            .expect("memory store lock")
            .contains_key(&key);
        Ok(known.then(|| StoreUser {
            key,
            details: Default::default(),
        }))
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        let bytes = self
            .users
            .lock()
            .expect("memory store lock")
            .get(&user.key)
            .cloned()
            .flatten();
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
            .insert(user.key.clone(), Some(rendition.bytes));
        *self.writes.lock().expect("memory store lock") += 1;
        Ok(())
    }

    async fn delete_photo(&self, user: &StoreUser) -> Result<()> {
        self.users
            .lock()
            .expect("memory store lock")
            .insert(user.key.clone(), None);
        Ok(())
    }
}
