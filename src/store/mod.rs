//! Stores: every place a user photo can live, behind one small trait.
//!
//! The engine asks a store to resolve a user, read the photo, and (if the store declares it
//! can) write one; it never special-cases a backend beyond `Capabilities`. Backends:
//! `memory` (tests), `folder`, and later `ad`, `graph`, `sharepoint`. Every backend passes the
//! conformance suite in `tests/`.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::error::Result;
use crate::photo::SourcePhoto;
use crate::schema::{Finding, PhotoInfo, UserRecord};

pub mod ad;
pub mod memory;

/// What a store can do; the engine plans from this alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub can_write: bool,
    pub can_delete: bool,
    /// Which rendition the store wants when written.
    pub rendition: RenditionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenditionKind {
    /// AD `thumbnailPhoto`: small JPEG within a byte budget.
    Ad,
    /// Graph: up to 648x648 JPEG.
    Graph,
    /// Legacy SharePoint: 48/72/200 px set.
    SharePoint,
    /// The original bytes as given (folder export).
    Original,
}

/// A user as found in one store: its stable key there (DN, Graph object id, file path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUser {
    pub key: String,
    /// Store-specific facts worth echoing (e.g. resolved Graph id, matched-by).
    pub details: BTreeMap<String, serde_json::Value>,
}

/// A photo read from a store.
#[derive(Debug, Clone)]
pub struct StoredPhoto {
    pub bytes: Vec<u8>,
    pub info: PhotoInfo,
}

/// What reading a user's photo found: the photo if any, plus store-specific diagnoses.
#[derive(Debug, Clone, Default)]
pub struct PhotoRead {
    pub photo: Option<StoredPhoto>,
    pub details: BTreeMap<String, serde_json::Value>,
    pub findings: Vec<Finding>,
}

#[async_trait]
pub trait PhotoStore: Send + Sync {
    /// Short name used in output (`ad`, `graph`, `sharepoint`, `folder`, `memory`).
    fn name(&self) -> &str;

    fn capabilities(&self) -> Capabilities;

    /// Find the user; `Ok(None)` when the store has no such user.
    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>>;

    /// Read the user's photo; `photo: None` when the user has none.
    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead>;

    /// Replace the user's photo with this store's rendition of `photo`.
    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()>;

    /// Remove the user's photo. Only called when the user asked for deletes explicitly.
    async fn delete_photo(&self, _user: &StoreUser) -> Result<()> {
        Err(crate::error::Error::not_available(&format!(
            "deleting photos in the {} store",
            self.name()
        )))
    }
}
