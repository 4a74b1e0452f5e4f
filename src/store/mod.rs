//! Stores: every place a user photo can live, behind one small trait.
//!
//! The engine asks a store to resolve a user, read the photo, and (if the store declares it
//! can) write one; it never special-cases a backend beyond `Capabilities`. Backends:
//! `memory` (tests), `folder`, `ad`, `graph`, `sharepoint`. Every backend passes the
//! conformance suite in `conformance`. `open` turns a `--stores`/`--targets` spec into a store.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::photo::SourcePhoto;
use crate::schema::{Finding, PhotoInfo, UserRecord};
use crate::settings::Settings;

pub mod ad;
pub mod cloud;
pub mod conformance;
pub mod folder;
pub mod graph;
pub mod memory;
pub mod sharepoint;

/// Why a store is opened: to be read (status, sync source) or written (sync target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreRole {
    Read,
    Target,
}

/// Open a store to read from a spec: `ad`, `graph`, `sharepoint`, `folder:DIR[:RULE]`.
pub async fn open(spec: &str, settings: &Settings) -> Result<Box<dyn PhotoStore>> {
    open_as(spec, settings, StoreRole::Read).await
}

/// Open a store as a sync target (folders are created and become writable).
pub async fn open_target(spec: &str, settings: &Settings) -> Result<Box<dyn PhotoStore>> {
    open_as(spec, settings, StoreRole::Target).await
}

/// The store registry: the one place that maps a spec's kind to a backend.
pub async fn open_as(
    spec: &str,
    settings: &Settings,
    role: StoreRole,
) -> Result<Box<dyn PhotoStore>> {
    let spec = spec.trim();
    let (kind, rest) = match spec.split_once(':') {
        Some((kind, rest)) => (kind, Some(rest)),
        None => (spec, None),
    };
    match (kind.to_ascii_lowercase().as_str(), rest) {
        ("ad", None) => Ok(Box::new(ad::AdStore::open(settings).await?)),
        ("graph", None) => {
            let ctx = cloud::context(settings)?;
            // Fail before the first user when the credential does not work at all.
            ctx.auth.token(crate::auth::Resource::Graph).await?;
            Ok(Box::new(graph::GraphStore::new(
                ctx.http.clone(),
                &ctx.auth,
                &settings.graph_url,
            )))
        }
        ("sharepoint", None) => {
            let urls = sharepoint::SharePointUrls::from_settings(settings).ok_or_else(|| {
                Error::config("the sharepoint store needs the SharePoint URL").with_hint(
                    "set PHOTOSYNC_SHAREPOINT_URL, e.g. https://contoso-admin.sharepoint.com",
                )
            })?;
            let ctx = cloud::context(settings)?;
            Ok(Box::new(
                sharepoint::SharePointStore::open(
                    ctx.http.clone(),
                    &ctx.auth,
                    &urls,
                    role == StoreRole::Target,
                )
                .await?,
            ))
        }
        ("folder", Some(rest)) => Ok(Box::new(folder::FolderStore::open_spec(rest, role)?)),
        ("folder", None) => Err(Error::config("the folder store needs a directory")
            .with_hint("write folder:DIR or folder:DIR:{samAccountName}.jpg")),
        _ => Err(Error::config(format!("unknown store `{spec}`"))
            .with_hint("stores are: ad, graph, sharepoint, folder:DIR[:RULE]")),
    }
}

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

impl StoredPhoto {
    /// Fingerprint bytes read from a store on a blocking thread, so decoding (milliseconds
    /// per photo) runs on spare cores instead of stalling every other user's I/O.
    pub async fn fingerprint(bytes: Vec<u8>) -> Result<StoredPhoto> {
        crate::photo::off_thread(move || {
            let info = crate::photo::inspect(&bytes, &crate::photo::DecodeLimits::default())?;
            Ok(StoredPhoto { bytes, info })
        })
        .await
    }
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

    /// Facts that explain why a found user has no photo here (e.g. the kind of mailbox),
    /// added to the store's `details`. Only `status` asks, and only after `read_photo` found
    /// no photo, so in-sync users and `sync` never pay for it. Best effort: nothing when the
    /// facts cannot be read.
    async fn explain_no_photo(
        &self,
        _user: &StoreUser,
        _read: &PhotoRead,
    ) -> BTreeMap<String, serde_json::Value> {
        BTreeMap::new()
    }

    /// Replace the user's photo with this store's rendition of `photo`.
    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()>;

    /// Findings about the store as a whole, asked once after every user was processed
    /// (e.g. a folder's files that matched no user).
    async fn final_findings(&self) -> Vec<Finding> {
        Vec::new()
    }

    /// Remove the user's photo. Only called when the user asked for deletes explicitly.
    async fn delete_photo(&self, _user: &StoreUser) -> Result<()> {
        Err(crate::error::Error::not_available(&format!(
            "deleting photos in the {} store",
            self.name()
        )))
    }
}
