//! The `ad` store: user photos in on-prem Active Directory (`thumbnailPhoto`) over LDAP.
//!
//! Admins usually treat AD as the source of truth, and Entra Connect copies `thumbnailPhoto`
//! to the cloud, so this store reads it directly (paged, so it works against DCs that cap
//! unpaged results), finds single user objects by objectGUID, DN, UPN, sAMAccountName or mail
//! (a match by anything but the objectGUID is cross-checked, see `identity`), and —
//! only when the engine was told to target `ad` — replaces the photo with a rendition that
//! fits the attribute. Connections are always encrypted unless explicitly allowed otherwise.

mod connection;
mod entry;
pub mod filter;
pub mod guid;
mod search;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use ldap3::{Ldap, Mod, Scope};

pub use connection::{AdConnection, Transport, tls_config};
pub use entry::{AdUser, RawEntry};
pub use filter::DEFAULT_USER_FILTER;
pub use guid::ObjectGuid;
pub use search::UserStream;

use super::identity::{self, Anchor, Identity, Key, ObjectKeys, Proofs};
use super::registry::{Backend, Opening};
use super::spec::StoreSpec;
use super::{
    Capabilities, PhotoRead, PhotoStore, RunContext, Service, StoreClass, StoreRole, StoreUser,
    StoredPhoto, state_key,
};
use crate::error::{Error, ErrorClass, Result};
use crate::photo::{self, RenditionSpec, SourcePhoto};
use crate::schema::{ErrorCode, Finding, FindingCode, Severity, UserRecord};
use crate::settings::DirectorySettings;
use crate::settings::env::{Group, LDAP_PHOTO_ATTRIBUTE};

/// The `ad` entry of the store registry.
pub const BACKEND: Backend = Backend {
    name: "ad",
    syntax: "ad",
    description: "on-prem Active Directory `thumbnailPhoto` over LDAP (docs/ad.md); also the `--ad-filter` input",
    settings: &[Group::Directory],
    rendition: Some(RENDITION),
    permissions: None,
    parse_argument: None,
    open,
};

fn open<'a>(_spec: &'a StoreSpec, _role: StoreRole, ctx: &'a RunContext) -> Opening<'a> {
    Box::pin(async move {
        let store: Box<dyn PhotoStore> = Box::new(AdStore::open(ctx.directory()).await?);
        Ok(store)
    })
}

/// Exchange Online ignores AD photos over this size when Entra Connect syncs them.
pub const EXCHANGE_MAX_BYTES: usize = 10_240;

/// What `thumbnailPhoto` receives: 96x96 (never upscaled) within the 10 KB Exchange accepts
/// from Entra Connect; the attribute itself holds up to 100 KB.
pub const RENDITION: RenditionSpec =
    RenditionSpec::up_to(96, EXCHANGE_MAX_BYTES, photo::AD_ATTRIBUTE_MAX_BYTES);

/// One way to look a user up.
enum Lookup {
    /// A subtree search for user objects with this assertion.
    Search(String),
    /// A base read of this DN.
    Entry(String),
}

/// Resolved users kept for the `read_photo` that usually follows.
const PREFETCH_LIMIT: usize = 1024;

/// Which attribute holds the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoAttribute {
    /// What Exchange, Outlook and Entra Connect use (single-valued, ≤ 100 KB).
    ThumbnailPhoto,
    /// The inetOrgPerson attribute some directories fill instead (multi-valued; first used).
    JpegPhoto,
}

impl PhotoAttribute {
    pub fn parse(name: &str) -> Result<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "thumbnailphoto" => Ok(PhotoAttribute::ThumbnailPhoto),
            "jpegphoto" => Ok(PhotoAttribute::JpegPhoto),
            other => Err(Error::config(format!(
                "`{other}` is not a photo attribute photosync can use"
            ))
            .with_hint(format!(
                "set {LDAP_PHOTO_ATTRIBUTE} to thumbnailPhoto or jpegPhoto"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PhotoAttribute::ThumbnailPhoto => "thumbnailPhoto",
            PhotoAttribute::JpegPhoto => "jpegPhoto",
        }
    }
}

/// Tunables with sensible defaults; tests and benchmarks adjust them.
#[derive(Debug, Clone)]
pub struct AdOptions {
    pub base_dn: Option<String>,
    pub photo_attribute: PhotoAttribute,
    /// Entries per page: below AD's default MaxPageSize (1000).
    pub page_size: i32,
    pub rendition: RenditionSpec,
    pub timeout: Duration,
}

impl Default for AdOptions {
    fn default() -> Self {
        AdOptions {
            base_dn: None,
            photo_attribute: PhotoAttribute::ThumbnailPhoto,
            page_size: 500,
            rendition: RENDITION,
            timeout: Duration::from_secs(60),
        }
    }
}

impl AdOptions {
    pub fn from_settings(settings: &DirectorySettings) -> Result<Self> {
        Ok(AdOptions {
            base_dn: settings.base_dn.clone(),
            photo_attribute: PhotoAttribute::parse(
                settings.photo_attribute.as_deref().unwrap_or(""),
            )?,
            ..AdOptions::default()
        })
    }
}

pub struct AdStore {
    connection: AdConnection,
    /// One multiplexed connection; replaced when the DC has closed it (AD drops idle
    /// connections after MaxConnIdleTime, 15 minutes by default).
    ldap: tokio::sync::Mutex<Ldap>,
    base_dn: String,
    options: AdOptions,
    /// Users fetched (with photo) by `resolve`, taken by the `read_photo` that follows, so a
    /// status run costs one directory round trip per user.
    prefetched: Mutex<HashMap<String, AdUser>>,
}

impl std::fmt::Debug for AdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdStore")
            .field("base_dn", &self.base_dn)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl AdStore {
    /// Open the store from resolved settings (the `ad` arm of the store registry).
    pub async fn open(settings: &DirectorySettings) -> Result<Self> {
        let connection = AdConnection::from_settings(settings)?;
        Self::connect(&connection, AdOptions::from_settings(settings)?).await
    }

    pub async fn connect(connection: &AdConnection, options: AdOptions) -> Result<Self> {
        let ldap = connection.open().await?;
        let base_dn = match options.base_dn.clone().filter(|b| !b.trim().is_empty()) {
            Some(base) => base,
            None => search::discover_base_dn(ldap.clone(), options.timeout).await?,
        };
        Ok(AdStore {
            connection: connection.clone(),
            ldap: tokio::sync::Mutex::new(ldap),
            base_dn,
            options,
            prefetched: Mutex::new(HashMap::new()),
        })
    }

    pub fn base_dn(&self) -> &str {
        &self.base_dn
    }

    pub fn photo_attribute(&self) -> PhotoAttribute {
        self.options.photo_attribute
    }

    /// A handle for one operation, reconnecting first if the connection was closed.
    async fn handle(&self) -> Result<Ldap> {
        let mut current = self.ldap.lock().await;
        if current.is_closed() {
            tracing::info!("the directory closed the connection; reconnecting");
            *current = self.connection.open().await?;
        }
        let mut ldap = current.clone();
        ldap.with_timeout(self.options.timeout);
        Ok(ldap)
    }

    fn attributes(&self, with_photo: bool) -> Vec<String> {
        let mut attrs: Vec<String> = [
            "userPrincipalName",
            "sAMAccountName",
            "objectGUID",
            entry::CONSISTENCY_GUID,
            "mail",
            "whenChanged",
            "modifyTimestamp",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if with_photo {
            attrs.push(self.options.photo_attribute.name().to_string());
        }
        attrs
    }

    /// Every user matching `--ad-filter` (default: enabled user accounts), paged, streamed
    /// with bounded buffering so memory stays flat however large the directory is.
    pub async fn users(&self, user_filter: Option<&str>, with_photos: bool) -> Result<UserStream> {
        let filter = filter::user_filter(user_filter)?;
        Ok(search::paged_users(
            self.handle().await?,
            self.base_dn.clone(),
            filter,
            self.attributes(with_photos),
            self.options.page_size,
            self.options.photo_attribute.name(),
        ))
    }

    /// The `--ad-filter` input source: one record per user, identity keys only.
    pub async fn user_records(&self, user_filter: Option<&str>) -> Result<UserStream> {
        self.users(user_filter, false).await
    }

    /// Find the user by the first identity key of the record that the directory knows:
    /// objectGUID, then DistinguishedName, UPN, sAMAccountName, mail. Only user objects
    /// (people, not computers or contacts) are considered. What was found, and how, is handed
    /// to the engine's identity gate (a stale DN or a reused UPN is refused there, also
    /// another match of the same key, and a DN outside the base).
    pub async fn find(&self, user: &UserRecord) -> Result<Option<(AdUser, Identity)>> {
        let attrs = self.attributes(true);
        let guid = identity::record_guid(user)?;
        let dn = user
            .distinguished_name
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let mut lookups: Vec<(Key, Lookup)> = Vec::new();
        if let Some(guid) = guid {
            let assertion = format!("(objectGUID={})", guid.filter_value());
            lookups.push((Key::ObjectGuid, Lookup::Search(assertion)));
        }
        if let Some(dn) = dn {
            lookups.push((Key::DistinguishedName, Lookup::Entry(dn.to_string())));
        }
        for (key, attribute, value) in [
            (
                Key::UserPrincipalName,
                "userPrincipalName",
                &user.user_principal_name,
            ),
            (
                Key::SamAccountName,
                "sAMAccountName",
                &user.sam_account_name,
            ),
            (Key::Mail, "mail", &user.mail),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                let assertion = filter::equals(attribute, value.trim());
                lookups.push((key, Lookup::Search(assertion)));
            }
        }
        if lookups.is_empty() {
            return Err(Error::input(
                ErrorCode::NoIdentity,
                "the record names no objectGUID, userPrincipalName, sAMAccountName or mail",
            )
            .with_hint("give each record at least one of these keys"));
        }
        for (matched_by, lookup) in lookups {
            let mut found = match lookup {
                Lookup::Entry(dn) => self.read_dn(&dn, &attrs).await?.into_iter().collect(),
                Lookup::Search(assertion) => self.search(&assertion, &attrs).await?,
            };
            if found.is_empty() {
                continue;
            }
            let first = found.remove(0);
            let identity = Identity {
                matched_by: Some(matched_by),
                object: first.dn.clone(),
                others: found.into_iter().map(|other| other.dn).collect(),
                anchor: first.anchor().map_or(Anchor::Unknown, Anchor::Guid),
                object_guid: first.object_guid,
                keys: ObjectKeys {
                    user_principal_name: first.user_principal_name.clone(),
                    sam_account_name: first.sam_account_name.clone(),
                    mail: first.mail.clone(),
                },
                outside_base: (!under_base(&first.dn, &self.base_dn)).then(|| self.base_dn.clone()),
                binding: None,
            };
            return Ok(Some((first, identity)));
        }
        Ok(None)
    }

    /// The user objects matching `assertion`: the first two, which is enough to tell one from
    /// several.
    async fn search(&self, assertion: &str, attrs: &[String]) -> Result<Vec<AdUser>> {
        let query = format!("(&{}{assertion})", filter::USER_OBJECTS);
        let found = search::entries(
            self.handle().await?,
            &self.base_dn,
            Scope::Subtree,
            &query,
            attrs,
            2,
        )
        .await?;
        let attribute = self.options.photo_attribute.name();
        Ok(found
            .into_iter()
            .map(|entry| AdUser::from_entry(entry, attribute))
            .collect())
    }

    /// The user object at `dn`, if it is one (a DN naming a group or computer is no user).
    async fn read_dn(&self, dn: &str, attrs: &[String]) -> Result<Option<AdUser>> {
        let mut found = search::entries(
            self.handle().await?,
            dn,
            Scope::Base,
            filter::USER_OBJECTS,
            attrs,
            1,
        )
        .await?;
        Ok(found
            .pop()
            .map(|entry| AdUser::from_entry(entry, self.options.photo_attribute.name())))
    }

    /// Replace the photo attribute with exactly these bytes (the rendition is chosen by the
    /// caller). Directory refusals become per-user errors.
    pub async fn replace_photo(&self, dn: &str, bytes: &[u8]) -> Result<()> {
        let attribute = self.options.photo_attribute.name().as_bytes();
        let result = self
            .handle()
            .await?
            .modify(dn, vec![Mod::Replace(attribute, [bytes].into())])
            .await
            .map_err(|e| connection::transport_error(&self.what("writing", dn), &e))?;
        self.forget(dn);
        if result.rc != 0 {
            return Err(connection::operation_error(
                &self.what("writing", dn),
                result.rc,
                &result.text,
            ));
        }
        Ok(())
    }

    fn what(&self, verb: &str, dn: &str) -> String {
        format!("{verb} {} of {dn}", self.options.photo_attribute.name())
    }

    fn forget(&self, dn: &str) {
        if let Ok(mut cache) = self.prefetched.lock() {
            cache.remove(dn);
        }
    }
}

#[async_trait]
impl PhotoStore for AdStore {
    fn name(&self) -> &str {
        BACKEND.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            class: StoreClass::Directory,
            service: Some(Service::ActiveDirectory),
            can_write: true,
            can_delete: true,
            refreshed_copy: false,
            rendition: Some(self.options.rendition),
            not_found_hint: "check the identity keys, and that the user is under the LDAP base DN",
            proofs: Proofs {
                anchors: true,
                by_mail: true,
                by_dn: true,
                named_files: false,
            },
        }
    }

    /// The server and the naming context searched (the discovered default when no base DN is
    /// configured).
    fn state_key(&self) -> Option<String> {
        Some(state_key::join(&[
            self.name(),
            &state_key::normalise_url(&self.connection.url),
            &state_key::normalise_dn(&self.base_dn),
        ]))
    }

    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let Some((found, identity)) = self.find(user).await? else {
            return Ok(None);
        };
        let mut details = found.details();
        let matched_by = identity.matched_by.map(Key::name);
        details.insert("matchedBy".to_string(), matched_by.into());
        let key = found.dn.clone();
        if let Ok(mut cache) = self.prefetched.lock() {
            // Bounded: callers that resolve without reading must not grow it without end.
            if cache.len() >= PREFETCH_LIMIT {
                cache.clear();
            }
            cache.insert(key.clone(), found);
        }
        Ok(Some(StoreUser {
            key,
            details,
            identity,
        }))
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        let cached = self
            .prefetched
            .lock()
            .ok()
            .and_then(|mut cache| cache.remove(&user.key));
        let found = match cached {
            Some(found) => found,
            None => self
                .read_dn(&user.key, &self.attributes(true))
                .await?
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::UserNotFound,
                        ErrorClass::NotFound,
                        format!("{} no longer exists in AD", user.key),
                    )
                })?,
        };
        let mut details: BTreeMap<String, serde_json::Value> = found.details();
        details.insert(
            "photoAttribute".to_string(),
            self.options.photo_attribute.name().into(),
        );
        let photo = match found.photo {
            None => None,
            Some(bytes) => Some(StoredPhoto::fingerprint(bytes).await.map_err(|e| {
                Error::new(
                    e.code,
                    ErrorClass::Failed,
                    format!(
                        "{} of {} is not a usable image: {}",
                        self.options.photo_attribute.name(),
                        found.dn,
                        e.message
                    ),
                )
                .with_hint("replace it with `photosync sync --targets ad` from a good source photo")
            })?),
        };
        let findings = exchange_findings(self.name(), photo.as_ref().map(|p| p.info.bytes));
        Ok(PhotoRead {
            photo,
            details,
            findings,
        })
    }

    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        let spec = self.options.rendition;
        let rendition =
            photo::render_off_thread(photo, move |photo| photo::render_one(photo, &spec)).await?;
        if rendition.bytes.len() > photo::AD_ATTRIBUTE_MAX_BYTES {
            return Err(Error::input(
                ErrorCode::PhotoTooLarge,
                format!(
                    "the AD rendition is {} bytes, over the attribute's {} byte limit",
                    rendition.bytes.len(),
                    photo::AD_ATTRIBUTE_MAX_BYTES
                ),
            ));
        }
        self.replace_photo(&user.key, &rendition.bytes).await
    }

    async fn delete_photo(&self, user: &StoreUser) -> Result<()> {
        let attribute = self.options.photo_attribute.name().as_bytes();
        let result = self
            .handle()
            .await?
            .modify(&user.key, vec![Mod::Delete(attribute, Default::default())])
            .await
            .map_err(|e| connection::transport_error(&self.what("deleting", &user.key), &e))?;
        self.forget(&user.key);
        // 16 noSuchAttribute: there was no photo to delete, which is what was wanted.
        if result.rc != 0 && result.rc != 16 {
            return Err(connection::operation_error(
                &self.what("deleting", &user.key),
                result.rc,
                &result.text,
            ));
        }
        Ok(())
    }
}

/// Whether `dn` is `base` or lies beneath it (RDNs compared without case or spacing).
fn under_base(dn: &str, base: &str) -> bool {
    let (dn, base) = (state_key::normalise_dn(dn), state_key::normalise_dn(base));
    dn == base || dn.ends_with(&format!(",{base}"))
}

/// Entra Connect exports `thumbnailPhoto`; the KB says Exchange Online ignores one over 10 KB, the
/// Entra Connect docs dropped that rule in 2023: said as a possible cause, not as fact.
fn exchange_findings(store: &str, photo_bytes: Option<u64>) -> Vec<Finding> {
    match photo_bytes {
        Some(bytes) if bytes > EXCHANGE_MAX_BYTES as u64 => {
            vec![too_large_for_exchange(store, bytes)]
        }
        _ => Vec::new(),
    }
}

fn too_large_for_exchange(store: &str, bytes: u64) -> Finding {
    Finding {
        code: FindingCode::AdPhotoTooLargeForExchange,
        severity: Severity::Warning,
        store: Some(store.to_string()),
        message: format!(
            "the AD thumbnailPhoto is {bytes} bytes; Microsoft's older guidance says Exchange Online ignores AD photos over {EXCHANGE_MAX_BYTES} bytes from Entra Connect, a rule the current Entra Connect documentation no longer states, so it may not apply to this tenant"
        ),
        hint:
            "if the cloud photo does not follow AD, this legacy 10 KB rule is one possible cause: \
               `photosync sync --targets ad` writes a 96x96 JPEG under 10 KB, \
               or set the cloud photo directly with `--targets graph`"
                .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression (issue 18): a DN outside the configured base was read and written.
    #[test]
    fn a_dn_is_under_the_base_only_below_it() {
        let base = "OU=People, DC=example,DC=test";
        assert!(under_base("cn=Ann,ou=people,dc=example,dc=test", base));
        assert!(under_base("OU=People,DC=example,DC=test", base));
        assert!(!under_base("CN=Ann,OU=Elsewhere,DC=example,DC=test", base));
        assert!(!under_base("CN=Ann,OU=NotPeople,DC=example,DC=test", base));
        assert!(!under_base("DC=test", base));
    }

    #[test]
    fn a_photo_over_10_kb_gets_the_exchange_finding() {
        let found = exchange_findings("ad", Some(20_000));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, FindingCode::AdPhotoTooLargeForExchange);
        assert!(
            found[0].message.contains("20000 bytes"),
            "{}",
            found[0].message
        );
        // Issue 21: the 10 KB rule is legacy; the finding says it may not apply.
        assert!(
            found[0].message.contains("may not apply"),
            "{}",
            found[0].message
        );
        assert!(exchange_findings("ad", Some(EXCHANGE_MAX_BYTES as u64)).is_empty());
        assert!(exchange_findings("ad", None).is_empty());
    }
}
