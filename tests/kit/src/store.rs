//! The scripted store: a `MemoryStore` under the name and class a test needs, that counts the
//! calls made to it and can be scripted: a hook run instead of each write, a fault for every
//! lookup, writes hidden from reads for a while (the cloud's eventual consistency), and
//! writes whose answer never comes.
//! Clones share everything: a test keeps one to look at and steer while the engine holds
//! another.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use photosync::error::{Error, Result};
use photosync::photo::SourcePhoto;
use photosync::schema::UserRecord;
use photosync::store::memory::MemoryStore;
use photosync::store::{Capabilities, PhotoRead, PhotoStore, StoreClass, StoreUser, StoredPhoto};

/// Runs instead of a write: gets the memory behind the store, the user and the photo.
pub type WriteHook =
    Arc<dyn Fn(&MemoryStore, &StoreUser, &SourcePhoto) -> Result<()> + Send + Sync>;

/// The error every lookup fails with.
pub type Fault = Arc<dyn Fn() -> Error + Send + Sync>;

/// User key -> the photo reads still show while writes are hidden (None: no photo).
type StaleReads = HashMap<String, Option<Vec<u8>>>;

#[derive(Clone)]
pub struct ScriptedStore {
    memory: MemoryStore,
    name: String,
    class: Option<StoreClass>,
    calls: Arc<AtomicU64>,
    on_write: Option<WriteHook>,
    failing_lookups: Option<Fault>,
    stale_reads: Arc<Mutex<Option<StaleReads>>>,
    unanswered_writes: Arc<AtomicBool>,
}

impl ScriptedStore {
    /// `memory` (shared, not copied) as a store named "memory" with its own class.
    pub fn over(memory: MemoryStore) -> Self {
        ScriptedStore {
            memory,
            name: "memory".into(),
            class: None,
            calls: Arc::default(),
            on_write: None,
            failing_lookups: None,
            stale_reads: Arc::default(),
            unanswered_writes: Arc::default(),
        }
    }

    /// The name records carry for it ("graph", "ad", …).
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// The class the engine treats it as (cloud, directory, files).
    pub fn class(mut self, class: StoreClass) -> Self {
        self.class = Some(class);
        self
    }

    /// Run `hook` instead of each write (a service that swaps the picture, refuses, …).
    pub fn on_write(
        mut self,
        hook: impl Fn(&MemoryStore, &StoreUser, &SourcePhoto) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.on_write = Some(Arc::new(hook));
        self
    }

    /// Every lookup (`resolve`) fails with `fault()`.
    pub fn failing_lookups(mut self, fault: impl Fn() -> Error + Send + Sync + 'static) -> Self {
        self.failing_lookups = Some(Arc::new(fault));
        self
    }

    /// From now on reads show each user's photo as it was before their first write here,
    /// until `show_writes`.
    pub fn hide_writes(&self) {
        *self.stale_reads.lock().expect("scripted store lock") = Some(StaleReads::new());
    }

    /// From now on (`true`) writes land but their answer never comes, as when a run is
    /// killed between the two.
    pub fn unanswered_writes(&self, on: bool) {
        self.unanswered_writes.store(on, Ordering::SeqCst);
    }

    /// Reads show what was written again.
    pub fn show_writes(&self) {
        *self.stale_reads.lock().expect("scripted store lock") = None;
    }

    /// Every call made to the store so far (lookups, reads, writes).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }

    fn stale_photo(&self, user: &StoreUser) -> Option<Option<Vec<u8>>> {
        let stale = self.stale_reads.lock().expect("scripted store lock");
        stale.as_ref().and_then(|m| m.get(&user.key).cloned())
    }
}

#[async_trait]
impl PhotoStore for ScriptedStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        let mut capabilities = self.memory.capabilities();
        if let Some(class) = self.class {
            capabilities.class = class;
        }
        capabilities
    }

    fn state_key(&self) -> Option<String> {
        self.memory.state_key()
    }

    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        self.count();
        if let Some(fault) = &self.failing_lookups {
            return Err(fault());
        }
        self.memory.resolve(user).await
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        self.count();
        let Some(old) = self.stale_photo(user) else {
            return self.memory.read_photo(user).await;
        };
        let photo = match old {
            Some(bytes) => Some(StoredPhoto::fingerprint(bytes).await?),
            None => None,
        };
        Ok(PhotoRead {
            photo,
            ..Default::default()
        })
    }

    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        self.count();
        if let Some(stale) = self
            .stale_reads
            .lock()
            .expect("scripted store lock")
            .as_mut()
        {
            stale
                .entry(user.key.clone())
                .or_insert_with(|| self.memory.photo_of(&user.key));
        }
        let answer = match &self.on_write {
            Some(hook) => hook(&self.memory, user, photo),
            None => self.memory.write_photo(user, photo).await,
        };
        if self.unanswered_writes.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        answer
    }
}
