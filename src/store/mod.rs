//! Stores: every place a user photo can live, behind one small trait.
//!
//! The engine asks a store to resolve a user, read the photo, and (if the store declares it
//! can) write one; it never tells backends apart by name, only by what they declare
//! (`Capabilities`: class, rendition, hints; `state_key`: where they write). Backends register
//! in one table (`registry`): `ad`, `graph`, `sharepoint`, `folder`; `memory` is for tests.
//! A `--stores`/`--targets`/`--source` value is parsed once into a `StoreSpec` and opened
//! through the registry with the run's shared `RunContext`. Every backend passes the store
//! conformance suite (`photosync_testkit::conformance`, in tests/kit).

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::error::Result;
use crate::photo::{RenditionSpec, SourcePhoto};
use crate::schema::{Finding, PhotoInfo, UserRecord};

pub mod ad;
pub mod context;
pub mod folder;
pub mod graph;
pub mod identity;
pub mod memory;
pub mod registry;
pub mod sharepoint;
pub mod spec;
pub mod state_key;

pub use context::{CloudContext, RunContext};
pub use identity::{Identity, Proofs};
pub use registry::{BACKENDS, Backend, open};
pub use spec::{SourceSpec, StoreSpec};

/// Why a store is opened: to be read (status, sync source) or written (sync target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreRole {
    Read,
    Target,
}

/// The name the user record's own photo (`thumbnailPhoto`, `photoPath`) goes by in output and
/// as `--source input`: a source, never a store.
pub const INPUT: &str = "input";

/// What kind of place a store is; the verdict reads it, never a store's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreClass {
    /// The user record's own photo: the authority when the record carries one.
    Source,
    /// Microsoft 365: a photo missing there is `missing-in-cloud`.
    Cloud,
    /// An on-premises directory: the source of truth when the record carries no photo.
    Directory,
    /// Files (a folder, memory).
    Files,
}

/// Which Microsoft service a store reads, for Microsoft's own cross-store rules
/// (`verdict::diagnose`: Entra Connect exports AD's photo, the legacy SharePoint profile copies
/// the Graph photo...). A store that is none of these declares `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// On-premises Active Directory `thumbnailPhoto`.
    ActiveDirectory,
    /// The Microsoft 365 photo behind Entra, Exchange, Outlook and Teams (Microsoft Graph).
    Graph,
    /// The legacy SharePoint user profile picture.
    SharePointProfile,
}

/// What a store is and can do; the engine and the verdict plan from this alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub class: StoreClass,
    pub service: Option<Service>,
    pub can_write: bool,
    pub can_delete: bool,
    /// Shows a copy of another store's picture that its service refreshes on its own schedule
    /// (the legacy SharePoint profile copies the Graph photo): it is the reference only when
    /// no authoritative store holds a picture.
    pub refreshed_copy: bool,
    /// What the store receives when written (`None`: never written, like the input photo).
    pub rendition: Option<RenditionSpec>,
    /// What to check when the store does not know a user.
    pub not_found_hint: &'static str,
    /// Which identity proofs its matches need (the conformance suite's identity cases).
    pub proofs: Proofs,
}

impl Capabilities {
    /// The record's own photo: read, never written.
    pub const INPUT: Capabilities = Capabilities {
        class: StoreClass::Source,
        service: None,
        can_write: false,
        can_delete: false,
        refreshed_copy: false,
        rendition: None,
        not_found_hint: "check the thumbnailPhoto or PhotoPath of the record",
        proofs: Proofs::NONE,
    };
}

/// A user as found in one store: its stable key there (DN, Graph object id, file path).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreUser {
    pub key: String,
    /// Store-specific facts worth echoing (e.g. resolved Graph id, matched-by).
    pub details: BTreeMap<String, serde_json::Value>,
    /// Who the object is, for the engine's identity gate (`engine::identity`).
    pub identity: Identity,
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
    /// Short name used in output: the backend's registry name (`memory` for tests).
    fn name(&self) -> &str;

    fn capabilities(&self) -> Capabilities;

    /// Where this store writes, as the state file keys it: two stores that write different
    /// places never share a key (Graph: the tenant its token is for; a folder: its canonical
    /// directory and naming rule; AD: the server and naming context; SharePoint: the host and
    /// tenant). `None` when it cannot be told, and then `sync --state` refuses the target.
    fn state_key(&self) -> Option<String>;

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

    /// The name this record's photo is written under, when two users could be given the same
    /// one (a file named by a rule): the engine lets one user of a run claim it. Pure and
    /// cheap: asked for every user, even those the state file lets sync skip.
    fn write_name(&self, _user: &UserRecord) -> Option<String> {
        None
    }

    /// The `StoreUser::key` this record resolves to, when the record alone decides it (a file
    /// named by a rule): a state entry recorded for another key (the user was renamed) says
    /// nothing about the object the record names now. Pure and cheap, like `write_name`.
    fn named_object(&self, _user: &UserRecord) -> Option<String> {
        None
    }

    /// Facts that explain why this store does not show the picture the directory (AD) holds
    /// for a found user (e.g. how directory sync treats the user), added to the store's
    /// `details`. Only `status` asks, and only when both hold a photo and the pictures differ.
    /// Best effort: nothing when the facts cannot be read.
    async fn explain_difference(&self, _user: &StoreUser) -> BTreeMap<String, serde_json::Value> {
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
