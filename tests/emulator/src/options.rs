//! Per-run knobs: latency, injected faults, throttling limits, token and digest lifetimes, TLS,
//! managed-identity secrets and scripted IMDS answers.
//! `Faults` can also be replaced while the emulator runs (admin API), so tests can turn
//! throttling or errors on for one phase only.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which of the "no photo" answers seen over the years the photo service gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum NoPhotoVariant {
    /// 404 `ErrorItemNotFound` "The photo wasn't found." (2018)
    ErrorItemNotFound,
    /// 404 `GetUserPhoto` "The photo wasn't found." (2018 variant)
    GetUserPhoto,
    /// 404 `ImageNotFound` ImageNotFoundException (≈2021–2023)
    ImageNotFound,
    /// 404 `ErrorEntityNotFound` ImageNotFoundException (2024 →, default)
    #[default]
    ErrorEntityNotFound,
    /// Historic: metadata 200 with a 1x1 image/gif entry, `$value` 404.
    LegacyOneByOneGif,
}

/// How photo calls treat users without an Exchange Online mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum MailboxMode {
    /// Photos live in Entra ID: mailbox-less and on-prem users work, served as one `Default` size.
    #[default]
    Modern,
    /// Historic: no mailbox → 404 `ErrorNonExistentMailbox`; on-prem → 400 `MailboxNotHostedInExchangeOnline`.
    Legacy,
}

/// What the Outlook-class concurrency limit counts (spec §12: per app ID by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum OutlookScope {
    /// One in-flight limit per app, whichever mailboxes it targets (Microsoft's current docs).
    #[default]
    App,
    /// One limit per app+mailbox (older wording; some tenants behave so).
    AppMailbox,
}

/// The throttling model's budgets (Graph "identity and access" + Outlook concurrency limits).
/// `None` disables that limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ThrottleLimits {
    /// Resource units per app+tenant per `resource_unit_window`. Default derives from the tenant
    /// size as Microsoft documents (S <50 users: 3,500; M ≤500: 5,000; L: 8,000 per 10 s).
    pub resource_units: Option<u32>,
    pub resource_unit_window_ms: u64,
    /// Writes per app+tenant per `write_window` (documented 3,000 / 150 s).
    pub writes: Option<u32>,
    pub write_window_ms: u64,
    /// Concurrent Outlook requests (photos, mailbox settings) per app, or per app+mailbox with
    /// `outlook_scope = appMailbox` (documented 4).
    pub outlook_concurrency: Option<u32>,
    pub outlook_scope: OutlookScope,
    /// Whether the limits are enforced at all.
    pub enabled: bool,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            resource_units: None,
            resource_unit_window_ms: 10_000,
            writes: Some(3_000),
            write_window_ms: 150_000,
            outlook_concurrency: Some(4),
            outlook_scope: OutlookScope::App,
            enabled: true,
        }
    }
}

/// Faults and behaviour switches that may change while the emulator runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Added to every emulated API response.
    pub latency_ms: u64,
    /// Probability (0..1) of answering 503 instead of serving the request.
    pub error_503_rate: f64,
    /// Probability (0..1) of answering 504.
    pub error_504_rate: f64,
    /// Probability (0..1) of dropping the connection without a complete response.
    pub drop_connection_rate: f64,
    /// Probability (0..1) of answering 429 `TooManyRequests` (with `Retry-After`) before serving
    /// the request, whatever the budgets: throttling that does not depend on how fast the
    /// client is, so a test on a slow machine still meets it.
    pub error_429_rate: f64,
    /// Seed of the deterministic RNG driving the random faults.
    pub rng_seed: u64,
    /// At most this many of the faults above (drop, 503, 504, 429) in a row for one request
    /// (method, path and query); the next one is served. 0: no bound. A service that is flaky
    /// but up: a client whose retries cover the bound gets every request through, whichever
    /// order concurrent requests draw the random faults in.
    pub max_faults_in_a_row: u32,
    /// Retry-After (seconds) sent with injected 503/504.
    pub retry_after_secs: u64,
    pub throttle: ThrottleLimits,
    pub no_photo: NoPhotoVariant,
    pub mailbox_mode: MailboxMode,
    /// Probability (0..1) of handling a write (PUT, PATCH, DELETE, SharePoint POST) fully and
    /// then dropping the connection before the answer: the write happened, the client cannot
    /// know.
    pub drop_after_processing_rate: f64,
    /// Probability (0..1) of handling a write fully and then answering 503 (with
    /// `Retry-After`): the write happened, the answer says it failed — as a gateway that timed
    /// out waiting for a backend that did finish. A client that resends on 503 writes twice.
    pub error_503_after_processing_rate: f64,
    /// After a photo write or delete, Graph reads keep serving the previous picture (or 404)
    /// for this long (the service is "not updated immediately"). 0 for the demo.
    pub write_visibility_delay_ms: u64,
    /// Accept app-only `SetSingleValueProfileProperty` calls. Real tenants answer "Access
    /// denied" (spec §12), so off by default.
    pub sharepoint_app_only_profile_writes: bool,
    /// Identify assertion certificates by the SHA-1 `x5t` only, answering an `x5t#S256`-only
    /// assertion with AADSTS700027 as some tenants did (entra-docs PR #1301).
    pub reject_x5t_s256: bool,
    /// A photoUpdateSettings change is shown at once but enforced on writes only after this
    /// long (the service takes up to 24 hours).
    pub policy_change_delay_ms: u64,
    /// The `MSI_ENDPOINT` (App Service 2017-09-01) answers `expires_on` as epoch seconds instead
    /// of its documented date string (`MM/DD/YYYY hh:mm:ss AM +00:00`); clients must read both.
    pub msi_expires_on_epoch: bool,
    /// How long a photo call of a user seeded with the `stall` fault hangs before its 504:
    /// past any client's timeout (PhotoSync's is 60 s).
    pub stall_ms: u64,
}

impl Faults {
    /// The fault model tests use to stay honest: writes become visible only after a few
    /// seconds, as in real tenants.
    pub fn realistic() -> Self {
        Faults {
            write_visibility_delay_ms: 3_000,
            ..Faults::default()
        }
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            error_503_rate: 0.0,
            error_504_rate: 0.0,
            drop_connection_rate: 0.0,
            error_429_rate: 0.0,
            rng_seed: 42,
            max_faults_in_a_row: 0,
            retry_after_secs: 1,
            throttle: ThrottleLimits::default(),
            no_photo: NoPhotoVariant::default(),
            mailbox_mode: MailboxMode::default(),
            drop_after_processing_rate: 0.0,
            error_503_after_processing_rate: 0.0,
            write_visibility_delay_ms: 0,
            sharepoint_app_only_profile_writes: false,
            reject_x5t_s256: false,
            policy_change_delay_ms: 0,
            msi_expires_on_epoch: false,
            stall_ms: 100_000,
        }
    }
}

/// HTTPS listener settings.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Where the generated test CA (`ca.crt`) and server files are written. A temporary
    /// directory under the system temp dir when `None`.
    pub dir: Option<PathBuf>,
}

/// Everything fixed at start.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address for the plain HTTP listener (port 0 = pick a free one).
    pub listen: std::net::SocketAddr,
    pub faults: Faults,
    /// Lifetime of issued access tokens.
    pub token_lifetime: Duration,
    /// Lifetime of SharePoint form digests (`FormDigestTimeoutSeconds`).
    pub digest_lifetime: Duration,
    /// Value the managed-identity endpoint expects in `X-IDENTITY-HEADER`.
    pub identity_header: String,
    /// Value the `MSI_ENDPOINT` (App Service 2017) endpoint expects in its `secret` header.
    pub msi_secret: String,
    /// Where the Azure Arc endpoint writes its challenge key files. A fresh folder under the
    /// system temp dir (removed when the emulator stops) when `None`.
    pub arc_key_dir: Option<PathBuf>,
    /// Statuses IMDS answers, one per request and in order, before it serves tokens again
    /// (e.g. `[410, 429, 500]`); also settable at run time with `Admin::script_imds`.
    pub imds_script: Vec<u16>,
    /// Also serve everything over HTTPS with a generated test CA.
    pub tls: Option<TlsOptions>,
    /// Request-log entries kept (oldest dropped first).
    pub request_log_capacity: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            faults: Faults::default(),
            token_lifetime: Duration::from_secs(3599),
            digest_lifetime: Duration::from_secs(1800),
            identity_header: "emulator-identity-header".to_string(),
            msi_secret: "emulator-msi-secret".to_string(),
            arc_key_dir: None,
            imds_script: Vec::new(),
            tls: None,
            request_log_capacity: 100_000,
        }
    }
}
