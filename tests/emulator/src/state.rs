//! The tenant as it is while the emulator runs: directory, photos, apps, policy, SharePoint
//! profiles/files/digests, faults, request log and counters. Every lock here is a short
//! synchronous critical section — none is ever held across an `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use serde::Serialize;

use crate::clock::Clock;
use crate::options::{Faults, Options};
use crate::photo::{self, PhotoError, PhotoSet};
use crate::seed::{
    Mailbox, PhotoModel, PhotoUpdateSettings, Seed, SeedTenant, UserPhotoFault, UserPurpose,
};
use crate::throttle::Throttle;
use crate::token::{RegisteredCert, TokenSigner};

/// Locks that were poisoned by a panicking request are still usable: the data is plain state.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
pub(crate) fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}
pub(crate) fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// Wall time, for the timestamps in error texts only: everything judged by time reads
/// `State::clock`.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A directory user (immutable after seeding).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub on_premises_immutable_id: Option<String>,
    pub on_premises_sam_account_name: Option<String>,
    pub mailbox: Mailbox,
    pub guest: bool,
    /// `mailboxSettings.userPurpose`; `None` without an Exchange Online mailbox here (guests,
    /// mailbox-less and on-premises users).
    pub user_purpose: Option<UserPurpose>,
    /// `onPremisesSyncEnabled` (`None` = `null`, a cloud-only user).
    pub on_premises_sync_enabled: Option<bool>,
    /// `onPremisesLastSyncDateTime`, ISO 8601 UTC.
    pub on_premises_last_sync_date_time: Option<String>,
}

/// An app registration as the token endpoint sees it.
#[derive(Debug, Clone)]
pub struct App {
    pub client_id: String,
    pub object_id: String,
    pub secret: Option<String>,
    pub certs: Vec<RegisteredCert>,
    pub graph_roles: Vec<String>,
    pub share_point_roles: Vec<String>,
    pub managed_identity: bool,
}

#[derive(Default)]
pub struct Directory {
    pub users: Vec<User>,
    by_id: HashMap<String, usize>,
    by_upn: HashMap<String, usize>,
    /// Built once the directory is seeded (it does not change afterwards).
    pub(crate) by_filter: crate::directory::FilterIndex,
}

impl Directory {
    pub fn find(&self, key: &str) -> Option<&User> {
        let k = key.to_lowercase();
        self.by_id
            .get(&k)
            .or_else(|| self.by_upn.get(&k))
            .and_then(|i| self.users.get(*i))
    }
}

/// A file in the My Site `User Photos/Profile Pictures` library.
#[derive(Debug, Clone)]
pub struct SpFile {
    pub name: String,
    pub bytes: Bytes,
    pub etag: String,
    pub modified: u64,
}

#[derive(Default)]
pub struct SharePointState {
    /// Lower-cased account name (`i:0#.f|membership|upn`) → property → value.
    pub profiles: HashMap<String, BTreeMap<String, String>>,
    /// Lower-cased file name → file.
    pub files: HashMap<String, SpFile>,
    /// Digest value → expiry.
    pub digests: HashMap<String, Instant>,
}

/// The Azure Arc endpoint's challenge keys: each 401 writes a fresh `<id>.key` file into
/// `dir`; a key is good for one request within a minute.
pub struct ArcKeys {
    pub dir: PathBuf,
    /// Key → when it stops being accepted.
    pub live: HashMap<String, Instant>,
    /// Every key handed out (tests assert none shows up in a client's output).
    pub issued: Vec<String>,
}

/// One handled request, for tests and the admin API.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub route: String,
    pub status: u16,
    /// The origin (listener) the request came in on: the main one or a SharePoint host.
    pub origin: String,
    pub app_id: Option<String>,
    pub at_unix_ms: u128,
}

/// Aggregates tests assert on.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub requests_per_route: BTreeMap<String, u64>,
    pub throttled_429: u64,
    pub injected_5xx: u64,
    pub dropped_connections: u64,
    /// Requests handled in full whose answer was then dropped.
    pub dropped_after_processing: u64,
    /// Writes handled in full that were then answered 503.
    pub failed_after_processing: u64,
    /// Photo writes (PUT/PATCH/DELETE, Graph and SharePoint) per user id / file.
    pub writes_per_user: BTreeMap<String, u64>,
    pub tokens_issued: u64,
}

#[derive(Default, Clone)]
pub struct Urls {
    pub base: String,
    pub https_base: Option<String>,
    pub sharepoint: SharePointOrigins,
}

/// The three SharePoint hosts, each its own loopback origin (`http://127.0.0.1:PORT`).
#[derive(Debug, Default, Clone)]
pub struct SharePointOrigins {
    pub root: String,
    pub admin: String,
    pub my_site: String,
}

impl SharePointOrigins {
    pub fn all(&self) -> [&str; 3] {
        [&self.root, &self.admin, &self.my_site]
    }
}

/// A write reads do not see yet: what they see instead, and until when.
type HiddenWrite = (Option<Arc<PhotoSet>>, Instant);

pub struct State {
    pub tenant: SeedTenant,
    pub directory: RwLock<Directory>,
    pub photos: RwLock<HashMap<String, Arc<PhotoSet>>>,
    /// Writes not yet visible to Graph reads: user id → (what reads still see, until when).
    hidden_writes: Mutex<HashMap<String, HiddenWrite>>,
    pub apps: Vec<App>,
    /// photoUpdateSettings as last set (what GET shows).
    pub policy: RwLock<PhotoUpdateSettings>,
    /// What writes still obey until a change takes effect: (previous settings, effective at).
    policy_change: Mutex<Option<(PhotoUpdateSettings, Instant)>>,
    pub sharepoint: Mutex<SharePointState>,
    /// How photos are stored (fixed by the seed).
    pub photo_model: PhotoModel,
    /// Uploads narrower than this are refused (`ValidationWidthTooSmall`).
    pub photo_min_width: Option<u32>,
    /// The most users a `GET /users` page holds (server-side paging), if seeded.
    pub max_page_size: Option<usize>,
    /// Deterministic per-user photo failures: user id (lower case) → fault.
    pub user_faults: RwLock<HashMap<String, UserPhotoFault>>,
    /// Beta `onPremisesSyncBehavior.isCloudManaged`: user id (lower case) → value.
    pub cloud_managed: RwLock<HashMap<String, bool>>,
    /// Photo changes made by users themselves (the `change_photo_as_user` hook).
    pub user_photo_changes: Mutex<u64>,
    pub faults: RwLock<Faults>,
    pub token_lifetime: RwLock<Duration>,
    pub digest_lifetime: RwLock<Duration>,
    pub identity_header: String,
    pub msi_secret: String,
    pub arc_keys: Mutex<ArcKeys>,
    /// Statuses IMDS answers before serving tokens again (one per request).
    pub imds_script: Mutex<VecDeque<u16>>,
    pub signer: TokenSigner,
    pub log: Mutex<VecDeque<LogEntry>>,
    pub log_capacity: usize,
    pub counters: Mutex<Counters>,
    pub throttle: Throttle,
    /// The emulator's time (`clock`): every expiry, delay, budget and latency reads it.
    pub clock: Arc<Clock>,
    rng: Mutex<u64>,
    /// Faults injected in a row per request (method, path, query), for `max_faults_in_a_row`.
    faults_in_a_row: Mutex<HashMap<String, u32>>,
    pub urls: OnceLock<Urls>,
}

impl State {
    pub fn new(seed: &Seed, options: &Options) -> anyhow::Result<State> {
        seed.validate()?;
        let mut dir = Directory::default();
        let mut photos = HashMap::new();
        let mut user_faults = HashMap::new();
        let mut cloud_managed = HashMap::new();
        // Entra Connect's default cycle is 30 minutes: a synced user was last synced then.
        let default_last_sync = format!("{}Z", iso_utc(now_secs().saturating_sub(1800)));
        for (n, su) in seed.users.iter().enumerate() {
            let id = su
                .id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let user = User {
                id: id.clone(),
                user_principal_name: su.user_principal_name.clone(),
                display_name: su.display_name.clone().unwrap_or_else(|| {
                    su.user_principal_name
                        .split('@')
                        .next()
                        .unwrap_or_default()
                        .to_string()
                }),
                mail: su.mail.clone(),
                on_premises_immutable_id: su.on_premises_immutable_id.clone(),
                on_premises_sam_account_name: su.on_premises_sam_account_name.clone(),
                mailbox: su.mailbox,
                guest: su.guest,
                user_purpose: (su.mailbox == Mailbox::ExchangeOnline && !su.guest)
                    .then(|| su.user_purpose.unwrap_or_default()),
                on_premises_sync_enabled: su
                    .on_premises_sync_enabled
                    .or(su.on_premises_immutable_id.as_ref().map(|_| true)),
                on_premises_last_sync_date_time: su
                    .on_premises_last_sync_date_time
                    .clone()
                    .or_else(|| {
                        su.on_premises_immutable_id
                            .as_ref()
                            .map(|_| default_last_sync.clone())
                    }),
            };
            if let Some(fault) = su.photo_fault {
                user_faults.insert(id.to_lowercase(), fault);
            }
            if su.cloud_managed {
                cloud_managed.insert(id.to_lowercase(), true);
            }
            if let Some(p) = &su.photo {
                let bytes = seed.photo_bytes(p).map_err(|e| {
                    e.context(format!("photo of seed user {}", su.user_principal_name))
                })?;
                let set = photo::store(&bytes, ladder(seed.photo_model, &user), new_etag())
                    .map_err(|e| {
                        anyhow::anyhow!("photo of seed user {}: {e}", su.user_principal_name)
                    })?;
                photos.insert(id.to_lowercase(), Arc::new(set));
            }
            dir.by_id.insert(id.to_lowercase(), n);
            dir.by_upn.insert(su.user_principal_name.to_lowercase(), n);
            dir.users.push(user);
        }
        dir.by_filter = crate::directory::filter_index(&dir.users);
        let mut apps = Vec::new();
        for sa in &seed.apps {
            let certs = match seed.certificate_pem(sa)? {
                Some(pem) => vec![
                    RegisteredCert::from_pem(&pem)
                        .map_err(|e| e.context(format!("certificate of app {}", sa.client_id)))?,
                ],
                None => Vec::new(),
            };
            apps.push(App {
                client_id: sa.client_id.clone(),
                object_id: uuid::Uuid::new_v4().to_string(),
                secret: sa.secret.clone().filter(|s| !s.is_empty()),
                certs,
                graph_roles: sa.graph_roles.clone(),
                share_point_roles: sa.share_point_roles.clone(),
                managed_identity: sa.managed_identity,
            });
        }
        let user_count = dir.users.len();
        let clock = Arc::new(Clock::new());
        Ok(State {
            tenant: seed.tenant.clone(),
            directory: RwLock::new(dir),
            photos: RwLock::new(photos),
            hidden_writes: Mutex::new(HashMap::new()),
            apps,
            policy: RwLock::new(seed.photo_update_settings.clone()),
            policy_change: Mutex::new(None),
            sharepoint: Mutex::new(SharePointState::default()),
            photo_model: seed.photo_model,
            photo_min_width: seed.photo_min_width,
            max_page_size: seed.max_page_size,
            user_faults: RwLock::new(user_faults),
            cloud_managed: RwLock::new(cloud_managed),
            user_photo_changes: Mutex::new(0),
            faults: RwLock::new(options.faults.clone()),
            token_lifetime: RwLock::new(options.token_lifetime),
            digest_lifetime: RwLock::new(options.digest_lifetime),
            identity_header: options.identity_header.clone(),
            msi_secret: options.msi_secret.clone(),
            arc_keys: Mutex::new(ArcKeys {
                dir: options
                    .arc_key_dir
                    .clone()
                    .unwrap_or_else(std::env::temp_dir),
                live: HashMap::new(),
                issued: Vec::new(),
            }),
            imds_script: Mutex::new(options.imds_script.iter().copied().collect()),
            signer: TokenSigner::new(),
            log: Mutex::new(VecDeque::new()),
            log_capacity: options.request_log_capacity,
            counters: Mutex::new(Counters::default()),
            throttle: Throttle::new(user_count, clock.clone()),
            clock,
            rng: Mutex::new(options.faults.rng_seed),
            faults_in_a_row: Mutex::new(HashMap::new()),
            urls: OnceLock::new(),
        })
    }

    pub fn base_url(&self) -> String {
        self.urls.get().map(|u| u.base.clone()).unwrap_or_default()
    }

    /// The My Site host's origin (personal sites, the profile picture library).
    pub fn my_site_url(&self) -> String {
        self.urls
            .get()
            .map(|u| u.sharepoint.my_site.clone())
            .unwrap_or_default()
    }

    pub fn faults(&self) -> Faults {
        read(&self.faults).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.rng) = faults.rng_seed;
        lock(&self.faults_in_a_row).clear();
        *write(&self.faults) = faults;
    }

    /// Whether a fault drawn for `request` may be injected under `max_in_a_row`, counting it
    /// when so; a request served ends its run of faults.
    pub fn may_fault(&self, request: &str, drawn: bool, max_in_a_row: u32) -> bool {
        let mut runs = lock(&self.faults_in_a_row);
        let run = runs.get(request).copied().unwrap_or(0);
        if drawn && run < max_in_a_row {
            runs.insert(request.to_string(), run + 1);
            return true;
        }
        runs.remove(request);
        false
    }

    /// Deterministic uniform value in [0, 1) (SplitMix64 over the seeded state).
    pub fn random_unit(&self) -> f64 {
        let mut s = lock(&self.rng);
        *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn find_user(&self, key: &str) -> Option<User> {
        read(&self.directory).find(key).cloned()
    }

    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    pub fn photo(&self, user_id: &str) -> Option<Arc<PhotoSet>> {
        read(&self.photos).get(&user_id.to_lowercase()).cloned()
    }

    /// Replaces photoUpdateSettings; writes obey the new settings only after
    /// `policyChangeDelayMs` (Microsoft: changes take up to 24 hours).
    pub fn change_policy(&self, next: PhotoUpdateSettings) {
        let delay = read(&self.faults).policy_change_delay_ms;
        let enforced = self.enforced_policy();
        *lock(&self.policy_change) =
            (delay > 0).then(|| (enforced, self.clock.now() + Duration::from_millis(delay)));
        *write(&self.policy) = next;
    }

    /// The settings photo writes obey right now.
    pub fn enforced_policy(&self) -> PhotoUpdateSettings {
        let mut change = lock(&self.policy_change);
        match change.as_ref() {
            Some((before, until)) if self.clock.now() < *until => return before.clone(),
            Some(_) => *change = None,
            None => {}
        }
        read(&self.policy).clone()
    }

    /// What a Graph read sees now: the stored photo, or during `writeVisibilityDelayMs` after
    /// a write the picture that was visible before it (`None` = 404).
    pub fn visible_photo(&self, user_id: &str) -> Option<Arc<PhotoSet>> {
        let key = user_id.to_lowercase();
        {
            let mut hidden = lock(&self.hidden_writes);
            match hidden.get(&key) {
                Some((before, until)) if self.clock.now() < *until => return before.clone(),
                Some(_) => {
                    hidden.remove(&key);
                }
                None => {}
            }
        }
        self.photo(&key)
    }

    /// Starts the visibility delay of a Graph write (admin changes show at once): reads keep
    /// what they saw before it.
    pub(crate) fn hide_write(&self, user_id: &str) {
        let delay = read(&self.faults).write_visibility_delay_ms;
        if delay == 0 {
            return;
        }
        let before = self.visible_photo(user_id);
        lock(&self.hidden_writes).insert(
            user_id.to_lowercase(),
            (before, self.clock.now() + Duration::from_millis(delay)),
        );
    }

    /// Re-encodes and stores a photo; the expensive part runs before the lock is taken.
    pub fn set_photo(&self, user: &User, bytes: &[u8]) -> Result<Arc<PhotoSet>, PhotoError> {
        let set = self.store_photo(user, bytes)?;
        self.count_write(&user.id);
        Ok(set)
    }

    /// Stores a photo as the service keeps it (per `photo_model`), with a new ETag.
    pub(crate) fn store_photo(
        &self,
        user: &User,
        bytes: &[u8],
    ) -> Result<Arc<PhotoSet>, PhotoError> {
        let set = Arc::new(photo::store(
            bytes,
            ladder(self.photo_model, user),
            new_etag(),
        )?);
        write(&self.photos).insert(user.id.to_lowercase(), set.clone());
        Ok(set)
    }

    /// The user's deterministic photo fault, if one is seeded or set.
    pub fn user_fault(&self, user_id: &str) -> Option<UserPhotoFault> {
        read(&self.user_faults)
            .get(&user_id.to_lowercase())
            .copied()
    }

    /// A user whose `mail` is `key` but whose id and UPN are not (photo routes answer such a
    /// key as if the user had no photo).
    pub fn find_by_mail_only(&self, key: &str) -> Option<User> {
        let dir = read(&self.directory);
        dir.by_filter
            .get(&("mail", key.to_ascii_lowercase()))
            .and_then(|hits| hits.first())
            .and_then(|n| dir.users.get(*n))
            .cloned()
    }

    pub fn delete_photo(&self, user: &User) -> bool {
        let removed = write(&self.photos)
            .remove(&user.id.to_lowercase())
            .is_some();
        self.count_write(&user.id);
        removed
    }

    pub fn count_write(&self, key: &str) {
        *lock(&self.counters)
            .writes_per_user
            .entry(key.to_lowercase())
            .or_default() += 1;
    }

    pub fn record(&self, entry: LogEntry) {
        {
            let mut c = lock(&self.counters);
            *c.requests_per_route.entry(entry.route.clone()).or_default() += 1;
        }
        let mut log = lock(&self.log);
        if log.len() >= self.log_capacity.max(1) {
            log.pop_front();
        }
        log.push_back(entry);
    }
}

/// Whether the user's photos are kept on Exchange's size ladder.
fn ladder(model: PhotoModel, user: &User) -> bool {
    model == PhotoModel::Exchange && user.mailbox == Mailbox::ExchangeOnline
}

/// A fresh quoted ETag value in the service's style (`"BA09D118"`-like, 8 hex digits).
pub fn new_etag() -> String {
    let id = uuid::Uuid::new_v4();
    let b = id.as_bytes();
    format!("\"{:02X}{:02X}{:02X}{:02X}\"", b[0], b[1], b[2], b[3])
}

/// `YYYY-MM-DDTHH:MM:SS` for a Unix time (UTC), without pulling in a date crate.
pub fn iso_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}
