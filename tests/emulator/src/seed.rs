//! The tenant a run starts from: users, app registrations and tenant policy, loaded from JSON
//! (the binary's `--seed FILE`) or built in code by tests. Photo sources are resolved here so the
//! rest of the emulator only ever sees bytes.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Where a user's mailbox lives; decides how the photo service treats the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Mailbox {
    /// Exchange Online mailbox: photos are served from the HD size ladder.
    #[default]
    ExchangeOnline,
    /// No mailbox at all: photo stored in Entra ID only.
    None,
    /// Mailbox hosted on-premises (hybrid).
    OnPremises,
}

/// What Exchange Online says a mailbox is for (Graph `mailboxSettings.userPurpose`, v1.0
/// `userPurpose` values). Only users with an Exchange Online mailbox have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum UserPurpose {
    /// A user account with a mailbox (the default).
    #[default]
    User,
    /// A mailbox linked to a user account in another forest.
    Linked,
    /// A mailbox shared by several accounts.
    Shared,
    /// A conference room.
    Room,
    /// A piece of equipment.
    Equipment,
    /// A mailbox of another kind.
    Others,
}

impl UserPurpose {
    /// The value as Graph spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            UserPurpose::User => "user",
            UserPurpose::Linked => "linked",
            UserPurpose::Shared => "shared",
            UserPurpose::Room => "room",
            UserPurpose::Equipment => "equipment",
            UserPurpose::Others => "others",
        }
    }
}

/// How the tenant's photo service stores pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum PhotoModel {
    /// Photos live in the Entra profile (Microsoft's 2024 documentation): one `Default`
    /// picture at its own pixel size for every user, whatever the mailbox; large uploads keep
    /// their size.
    #[default]
    EntraProfile,
    /// Exchange Online's HD ladder (48 … 648 px squares, never upsized) for users with an
    /// Exchange Online mailbox; others as under `entraProfile`.
    Exchange,
}

/// A deterministic failure of one user's photo calls (not a random rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserPhotoFault {
    /// Every photo and mailbox-settings call for the user answers 500
    /// `ErrorStoreInternalServerError` (Bookings and other scheduling mailboxes fail so).
    StoreInternalServerError,
    /// Every photo call for the user stalls for `Faults::stall_ms` (past a client's timeout),
    /// then answers 504.
    Stall,
}

/// An initial photo for a seeded user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", untagged)]
pub enum SeedPhoto {
    /// Raw image bytes, base64 (standard alphabet).
    Base64 { base64: String },
    /// Path to an image file, relative to the seed file's directory.
    File { file: PathBuf },
    /// A small synthetic picture generated at load time (deterministic from `hue`).
    Generated { generated: GeneratedPhoto },
}

/// Parameters of a synthetic photo.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedPhoto {
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub hue: u8,
}

/// One directory user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedUser {
    /// Object id (GUID). Generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    pub user_principal_name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub on_premises_immutable_id: Option<String>,
    #[serde(default)]
    pub on_premises_sam_account_name: Option<String>,
    #[serde(default)]
    pub mailbox: Mailbox,
    /// B2B guest (`userType` = `Guest`); UPNs of guests normally contain `#EXT#`.
    #[serde(default)]
    pub guest: bool,
    /// The mailbox's purpose; `user` when absent. Needs an Exchange Online mailbox.
    #[serde(default)]
    pub user_purpose: Option<UserPurpose>,
    #[serde(default)]
    pub photo: Option<SeedPhoto>,
    /// A deterministic failure of this user's photo calls.
    #[serde(default)]
    pub photo_fault: Option<UserPhotoFault>,
    /// `onPremisesSyncEnabled`; by default `true` for users with an `onPremisesImmutableId`
    /// (synced from AD), absent (`null`) for cloud-only users.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// `onPremisesLastSyncDateTime` (ISO 8601, `2026-11-30T08:15:00Z`); by default half an hour
    /// before the emulator started for synced users, `null` for cloud-only ones.
    #[serde(default)]
    pub on_premises_last_sync_date_time: Option<String>,
    /// Beta `onPremisesSyncBehavior.isCloudManaged`: the source of authority was moved to the
    /// cloud, so updates from AD are blocked.
    #[serde(default)]
    pub cloud_managed: bool,
}

impl SeedUser {
    pub fn new(upn: &str) -> Self {
        SeedUser {
            id: None,
            user_principal_name: upn.to_string(),
            display_name: None,
            mail: Some(upn.to_string()),
            on_premises_immutable_id: None,
            on_premises_sam_account_name: None,
            mailbox: Mailbox::ExchangeOnline,
            guest: upn.contains("#EXT#"),
            user_purpose: None,
            photo: None,
            photo_fault: None,
            on_premises_sync_enabled: None,
            on_premises_last_sync_date_time: None,
            cloud_managed: false,
        }
    }
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }
    pub fn display_name(mut self, name: &str) -> Self {
        self.display_name = Some(name.to_string());
        self
    }
    pub fn mail(mut self, mail: Option<&str>) -> Self {
        self.mail = mail.map(str::to_string);
        self
    }
    pub fn immutable_id(mut self, v: &str) -> Self {
        self.on_premises_immutable_id = Some(v.to_string());
        self
    }
    pub fn sam_account_name(mut self, v: &str) -> Self {
        self.on_premises_sam_account_name = Some(v.to_string());
        self
    }
    pub fn mailbox(mut self, mailbox: Mailbox) -> Self {
        self.mailbox = mailbox;
        self
    }
    pub fn guest(mut self, guest: bool) -> Self {
        self.guest = guest;
        self
    }
    /// A shared, room, equipment (…) mailbox; implies an Exchange Online mailbox.
    pub fn user_purpose(mut self, purpose: UserPurpose) -> Self {
        self.user_purpose = Some(purpose);
        self.mailbox = Mailbox::ExchangeOnline;
        self
    }
    pub fn photo_bytes(mut self, bytes: &[u8]) -> Self {
        self.photo = Some(SeedPhoto::Base64 {
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        });
        self
    }
    pub fn photo_fault(mut self, fault: UserPhotoFault) -> Self {
        self.photo_fault = Some(fault);
        self
    }
    /// Directory sync as Entra Connect last left it for this user.
    pub fn on_premises_sync(mut self, enabled: Option<bool>, last_sync: Option<&str>) -> Self {
        self.on_premises_sync_enabled = enabled;
        self.on_premises_last_sync_date_time = last_sync.map(str::to_string);
        self
    }
    pub fn cloud_managed(mut self, cloud_managed: bool) -> Self {
        self.cloud_managed = cloud_managed;
        self
    }
    pub fn generated_photo(mut self, width: u32, height: u32, hue: u8) -> Self {
        self.photo = Some(SeedPhoto::Generated {
            generated: GeneratedPhoto { width, height, hue },
        });
        self
    }
}

/// An app registration (service principal) in the tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedApp {
    pub client_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Client secret value (what the app sends as `client_secret`).
    #[serde(default)]
    pub secret: Option<String>,
    /// PEM public certificate (inline) for `client_assertion` verification.
    #[serde(default)]
    pub certificate_pem: Option<String>,
    /// PEM public certificate file, relative to the seed file's directory.
    #[serde(default)]
    pub certificate_file: Option<PathBuf>,
    /// Application roles granted on Microsoft Graph (e.g. `ProfilePhoto.ReadWrite.All`).
    #[serde(default)]
    pub graph_roles: Vec<String>,
    /// Application roles granted on SharePoint (e.g. `Sites.FullControl.All`).
    #[serde(default)]
    pub share_point_roles: Vec<String>,
    /// This app is the managed identity served by the managed-identity / IMDS endpoints.
    #[serde(default)]
    pub managed_identity: bool,
}

impl SeedApp {
    pub fn with_secret(client_id: &str, secret: &str) -> Self {
        SeedApp {
            client_id: client_id.to_string(),
            display_name: None,
            secret: Some(secret.to_string()),
            certificate_pem: None,
            certificate_file: None,
            graph_roles: Vec::new(),
            share_point_roles: Vec::new(),
            managed_identity: false,
        }
    }
    pub fn with_certificate(client_id: &str, certificate_pem: &str) -> Self {
        SeedApp {
            secret: None,
            certificate_pem: Some(certificate_pem.to_string()),
            ..SeedApp::with_secret(client_id, "")
        }
    }
    pub fn managed_identity(client_id: &str) -> Self {
        SeedApp {
            secret: None,
            managed_identity: true,
            ..SeedApp::with_secret(client_id, "")
        }
    }
    pub fn graph_roles(mut self, roles: &[&str]) -> Self {
        self.graph_roles = roles.iter().map(|r| r.to_string()).collect();
        self
    }
    pub fn share_point_roles(mut self, roles: &[&str]) -> Self {
        self.share_point_roles = roles.iter().map(|r| r.to_string()).collect();
        self
    }
}

/// `photoUpdateSettings` (Graph beta) tenant policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PhotoUpdateSettings {
    /// `cloud`, `onPremises` or absent (the default "empty" policy).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub allowed_roles: Vec<String>,
}

/// Tenant identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedTenant {
    /// Tenant id (GUID), used as `tid` and accepted in token URLs.
    pub id: String,
    /// Default domain (e.g. `contoso.test`), also accepted in token URLs.
    pub domain: String,
}

impl Default for SeedTenant {
    fn default() -> Self {
        SeedTenant {
            id: "11111111-2222-3333-4444-555555555555".to_string(),
            domain: "contoso.test".to_string(),
        }
    }
}

/// The whole seed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seed {
    #[serde(default)]
    pub tenant: SeedTenant,
    #[serde(default)]
    pub photo_update_settings: PhotoUpdateSettings,
    /// How photos are stored and served (`entraProfile` by default).
    #[serde(default)]
    pub photo_model: PhotoModel,
    /// Uploads narrower than this are refused with 400 `ValidationWidthTooSmall`. Microsoft
    /// does not document the minimum (a 23 px upload was refused), so it is off unless seeded.
    #[serde(default)]
    pub photo_min_width: Option<u32>,
    /// The most users one `GET /users` page holds, whatever `$top` asks: Graph pages on the
    /// server side too, and a client must follow `@odata.nextLink` until none is returned
    /// (Microsoft Graph docs, "Paging Microsoft Graph data in your app"). Off unless seeded.
    #[serde(default)]
    pub max_page_size: Option<usize>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub apps: Vec<SeedApp>,
    /// Directory relative paths (photo files, certificate files) are resolved against.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

impl Seed {
    pub fn new() -> Self {
        Seed::default()
    }

    /// Parses a seed; relative file references resolve against the current directory.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(json: &str) -> anyhow::Result<Seed> {
        let seed: Seed = serde_json::from_str(json).context("seed JSON is not valid")?;
        Ok(seed)
    }

    /// Loads a seed file; relative file references resolve against the file's directory.
    pub fn from_json_file(path: impl AsRef<Path>) -> anyhow::Result<Seed> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read seed file {}", path.display()))?;
        let mut seed =
            Seed::from_str(&text).with_context(|| format!("in seed file {}", path.display()))?;
        seed.base_dir = path.parent().map(Path::to_path_buf);
        Ok(seed)
    }

    /// The example tenant shipped in `tests/emulator/seed/example.json`.
    pub fn example() -> anyhow::Result<Seed> {
        Seed::from_json_file(Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/example.json"))
    }

    /// Path of the committed TEST-ONLY private key matching the example seed's certificate app.
    pub fn example_test_only_key_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/test-only-app-key.pem")
    }

    /// Path of the committed TEST-ONLY certificate registered for the example certificate app.
    pub fn example_test_only_cert_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/test-only-app-cert.pem")
    }

    pub fn tenant(mut self, id: &str, domain: &str) -> Self {
        self.tenant = SeedTenant {
            id: id.to_string(),
            domain: domain.to_string(),
        };
        self
    }
    pub fn user(mut self, user: SeedUser) -> Self {
        self.users.push(user);
        self
    }
    pub fn app(mut self, app: SeedApp) -> Self {
        self.apps.push(app);
        self
    }
    pub fn photo_model(mut self, model: PhotoModel) -> Self {
        self.photo_model = model;
        self
    }
    pub fn max_page_size(mut self, size: usize) -> Self {
        self.max_page_size = Some(size);
        self
    }
    pub fn photo_min_width(mut self, width: u32) -> Self {
        self.photo_min_width = Some(width);
        self
    }
    pub fn photo_update_settings(mut self, settings: PhotoUpdateSettings) -> Self {
        self.photo_update_settings = settings;
        self
    }

    pub(crate) fn resolve(&self, relative: &Path) -> PathBuf {
        match &self.base_dir {
            Some(dir) if relative.is_relative() => dir.join(relative),
            _ => relative.to_path_buf(),
        }
    }

    /// Bytes of a seeded photo (files read, base64 decoded, synthetic pictures drawn).
    pub(crate) fn photo_bytes(&self, photo: &SeedPhoto) -> anyhow::Result<Vec<u8>> {
        match photo {
            SeedPhoto::Base64 { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64.trim())
                .context("photo base64 is not valid"),
            SeedPhoto::File { file } => {
                let path = self.resolve(file);
                std::fs::read(&path)
                    .with_context(|| format!("cannot read photo file {}", path.display()))
            }
            SeedPhoto::Generated { generated } => crate::photo::synthetic_jpeg(generated),
        }
    }

    /// The PEM certificate of an app, inline or from its file.
    pub(crate) fn certificate_pem(&self, app: &SeedApp) -> anyhow::Result<Option<String>> {
        if let Some(pem) = &app.certificate_pem {
            return Ok(Some(pem.clone()));
        }
        if let Some(file) = &app.certificate_file {
            let path = self.resolve(file);
            let pem = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read certificate file {}", path.display()))?;
            return Ok(Some(pem));
        }
        Ok(None)
    }

    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        let mut seen = std::collections::HashSet::new();
        for user in &self.users {
            if !seen.insert(user.user_principal_name.to_lowercase()) {
                bail!(
                    "duplicate userPrincipalName in seed: {}",
                    user.user_principal_name
                );
            }
            if user.user_purpose.is_some()
                && (user.mailbox != Mailbox::ExchangeOnline || user.guest)
            {
                bail!(
                    "seed user {} has a userPurpose but no Exchange Online mailbox of this tenant (mailbox must be exchangeOnline, and guests have none)",
                    user.user_principal_name
                );
            }
        }
        let mut apps = std::collections::HashSet::new();
        for app in &self.apps {
            if !apps.insert(app.client_id.to_lowercase()) {
                bail!("duplicate app clientId in seed: {}", app.client_id);
            }
        }
        Ok(())
    }
}
