//! The JSON contract: every record photosync reads or writes, in one place.
//!
//! The PowerShell module and any script parse these records, so they change only on purpose:
//! every output line carries `type` and `schemaVersion`, `photosync schema` prints the JSON
//! Schema generated from these types, and a test snapshots it (`docs/schema.json`).
//! Consumers ignore unknown `type`s and fields.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change of an output record.
pub const SCHEMA_VERSION: u32 = 1;

/// One user to look at or sync, as read from JSON Lines, CSV, LDAP or a folder scan.
/// Field names accept both camelCase and the PowerShell / Get-ADUser spelling.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    #[serde(
        default,
        alias = "UserPrincipalName",
        alias = "upn",
        alias = "UPN",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_principal_name: Option<String>,
    /// `Get-ADUser`'s ObjectGUID form: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    #[serde(
        default,
        alias = "ObjectGUID",
        alias = "objectGUID",
        alias = "ObjectGuid",
        skip_serializing_if = "Option::is_none"
    )]
    pub object_guid: Option<String>,
    /// `mS-DS-ConsistencyGuid`, the anchor Entra Connect syncs the account by, as a GUID or
    /// its base64 (what PowerShell 7's `ConvertTo-Json` writes for the byte[] `Get-ADUser`
    /// gives). Needed only where it differs from ObjectGUID (after a forest migration) and no
    /// AD store is part of the run (one that is reads it itself).
    #[serde(
        default,
        alias = "mS-DS-ConsistencyGuid",
        alias = "ms-DS-ConsistencyGuid",
        alias = "ConsistencyGuid",
        alias = "ConsistencyGUID",
        skip_serializing_if = "Option::is_none"
    )]
    pub consistency_guid: Option<String>,
    #[serde(
        default,
        alias = "SamAccountName",
        alias = "sAMAccountName",
        skip_serializing_if = "Option::is_none"
    )]
    pub sam_account_name: Option<String>,
    #[serde(
        default,
        alias = "Mail",
        alias = "EmailAddress",
        skip_serializing_if = "Option::is_none"
    )]
    pub mail: Option<String>,
    #[serde(
        default,
        alias = "EmployeeID",
        alias = "EmployeeId",
        skip_serializing_if = "Option::is_none"
    )]
    pub employee_id: Option<String>,
    #[serde(
        default,
        alias = "DistinguishedName",
        skip_serializing_if = "Option::is_none"
    )]
    pub distinguished_name: Option<String>,
    /// The authoritative photo inline, base64 (what `ConvertTo-Json` writes for a byte[]).
    /// Never echoed back in output.
    #[serde(default, alias = "ThumbnailPhoto", skip_serializing)]
    pub thumbnail_photo: Option<PhotoBytes>,
    /// The authoritative photo as a file path.
    #[serde(
        default,
        alias = "PhotoPath",
        alias = "FullName",
        skip_serializing_if = "Option::is_none"
    )]
    pub photo_path: Option<String>,
}

/// Photo bytes in input: a base64 string, or an array of byte values (Windows PowerShell 5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PhotoBytes {
    Base64(String),
    Bytes(Vec<u8>),
}

/// The identity keys of a user, echoed on every output record so results can be joined
/// back to the input and piped again.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct UserKeys {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sam_account_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    /// `mS-DS-ConsistencyGuid` when the input gave one, so a migrated account's results pipe
    /// into sync with the GUID that proves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency_guid: Option<String>,
}

impl From<&UserRecord> for UserKeys {
    fn from(r: &UserRecord) -> Self {
        UserKeys {
            user_principal_name: r.user_principal_name.clone(),
            object_guid: r.object_guid.clone(),
            sam_account_name: r.sam_account_name.clone(),
            mail: r.mail.clone(),
            employee_id: r.employee_id.clone(),
            consistency_guid: r.consistency_guid.clone(),
        }
    }
}

/// Every line photosync writes on stdout.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum OutputRecord {
    Status(StatusRecord),
    Result(ResultRecord),
    Error(ErrorRecord),
    Progress(ProgressRecord),
    Summary(SummaryRecord),
    Finding(FindingRecord),
    Policy(PolicyRecord),
}

/// What `photosync policy` did with the tenant's photo policy (`photoUpdateSettings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyAction {
    /// `policy show`: read only.
    Shown,
    /// `policy set`: changed (PATCH).
    Updated,
    /// `policy set --source unset`: reset to the default, empty policy (DELETE).
    Reset,
    /// `policy set --dry-run`: what `updated` would write; nothing was changed.
    WouldUpdate,
    /// `policy set --source unset --dry-run`.
    WouldReset,
    /// `policy set` asked for what the tenant already has: nothing was sent.
    Unchanged,
}

/// The tenant's photo policy and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicySettings {
    /// `cloud`, `onPremises` or `unset` (the default: both AD and Microsoft 365 write).
    pub source: String,
    /// Entra role template ids allowed to change photos in the cloud; empty: every user may
    /// change their own.
    pub allowed_roles: Vec<String>,
    /// Whether photos can be changed through Microsoft 365 at all (`false` for `onPremises`).
    pub cloud_photo_changes: bool,
    /// Whether people can change their own photo in Teams, Outlook or their profile.
    pub users_can_change_own_photo: bool,
    /// The policy's effect in plain words.
    pub effect: String,
}

/// One line of `photosync policy show|set`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRecord {
    pub schema_version: u32,
    pub action: PolicyAction,
    /// The policy now (for a dry run: as it would be).
    #[serde(flatten)]
    pub settings: PolicySettings,
    /// The policy before a change (`policy set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PolicySettings>,
    /// What to know next (a change takes up to 24 hours; Outlook's SetPhotoEnabled no longer
    /// applies).
    pub hint: String,
}

/// A finding about a store as a whole rather than one user (e.g. a folder file that matches
/// no user), written after the per-user records and before the summary.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindingRecord {
    pub schema_version: u32,
    #[serde(flatten)]
    pub finding: Finding,
}

/// Per store: what it holds for this user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StoreState {
    Present,
    Absent,
    Error,
    NotApplicable,
}

/// How a store's picture was compared with the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ComparedBy {
    /// The pictures were compared perceptually (`distance`).
    Picture,
    /// `status --state`: the store holds PhotoSync's verified write byte for byte, so the state
    /// record decides: the same when that write was made from the reference picture, out of
    /// date when the source changed since. No picture judgement is made.
    OwnWrite,
}

/// Per user: the one-word answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every store with a photo holds the reference picture.
    InSync,
    /// At least one store holds a different picture.
    Differs,
    /// The source has a photo; a cloud store (`graph`, `sharepoint`) has none.
    MissingInCloud,
    /// The source has a photo; a folder or AD (not a cloud store) has none.
    MissingInStore,
    /// A store has a photo but the source (reference) has none.
    MissingInSource,
    /// No store has a photo.
    NoPhoto,
    /// A store does not know the user at all (e.g. a leaver removed from the tenant); every
    /// store that knows the user agrees with the reference.
    NotFound,
    /// A store could not be read, so no verdict can be given.
    Error,
}

impl Verdict {
    /// The name in the JSON output (and the summary's counts).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::InSync => "in-sync",
            Verdict::Differs => "differs",
            Verdict::MissingInCloud => "missing-in-cloud",
            Verdict::MissingInStore => "missing-in-store",
            Verdict::MissingInSource => "missing-in-source",
            Verdict::NoPhoto => "no-photo",
            Verdict::NotFound => "not-found",
            Verdict::Error => "error",
        }
    }
}

/// What happened to one user x target in a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Updated,
    Skipped,
    WouldUpdate,
    Failed,
}

impl Action {
    /// The name in the JSON output (and the summary's counts).
    pub fn name(self) -> &'static str {
        match self {
            Action::Updated => "updated",
            Action::Skipped => "skipped",
            Action::WouldUpdate => "would-update",
            Action::Failed => "failed",
        }
    }
}

/// Fingerprints and shape of one stored photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoInfo {
    /// `jpeg`, `png`, `gif`, `webp`, `bmp`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// SHA-256 of the stored bytes, lowercase hex: equal only for byte-identical files.
    pub sha256: String,
    /// 64-bit perceptual hash, 16 lowercase hex digits: close for the same picture re-encoded
    /// (informational; "same picture" is decided on `signature`).
    pub phash: String,
    /// Mean luma of the upright square, 0 (black) to 255 (white).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightness: Option<u8>,
    /// Standard deviation of luma: near 0 for a flat, featureless picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contrast: Option<u8>,
    /// Perceptual signature (base64, 2,052 characters): what "same picture" is decided on, so a
    /// stored copy can be compared without the old bytes (docs/photos.md).
    #[serde(default)]
    pub signature: String,
}

impl PhotoInfo {
    /// The side of its centre square, in pixels: the shorter of width and height.
    pub fn side(&self) -> u32 {
        self.width.min(self.height)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusRecord {
    pub schema_version: u32,
    pub user: UserKeys,
    /// The input line this status answers (JSON Lines: the 1-based line; CSV: the row,
    /// header = 1), as on `error` records. Match records to the users sent by it, never by
    /// their keys: two users may share one (a mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub verdict: Verdict,
    /// Which store's photo the others were compared with (`input`, `ad`, `graph`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub stores: Vec<StoreStatus>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoreStatus {
    /// `input`, `ad`, `graph`, `sharepoint`, `folder`.
    pub store: String,
    pub state: StoreState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoInfo>,
    /// Whether this store's picture is the reference picture (`comparedBy` says how this
    /// was decided).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches_reference: Option<bool>,
    /// How `matchesReference` was decided; absent for the reference itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compared_by: Option<ComparedBy>,
    /// Perceptual distance to the reference (0 = identical, see docs/photos.md); only when the
    /// pictures were compared (`comparedBy: picture`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<u32>,
    /// Store-specific facts worth showing (e.g. SharePoint `PictureURL`, Graph ETag).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// A small JPEG of the picture for the HTML report; never part of the JSON contract.
    #[serde(skip)]
    #[schemars(skip)]
    pub thumbnail: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A diagnosis in plain words with the next step. `code` is stable; text may improve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    pub message: String,
    pub hint: String,
}

/// Stable finding codes (documented in docs/cli.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    /// The source has a photo; this store has none.
    MissingInStore,
    /// This store holds a different picture from the reference.
    DiffersFromReference,
    /// The user could not be found in this store.
    UserNotFound,
    /// The store could not be read for this user.
    StoreUnreadable,
    /// The AD photo is over 10 KB, which Exchange Online ignores when Entra Connect syncs it.
    AdPhotoTooLargeForExchange,
    /// Tenant policy (`photoUpdateSettings`) blocks photo changes from the cloud side.
    CloudWritesBlocked,
    /// The user has no Exchange Online mailbox.
    NoCloudMailbox,
    /// SharePoint shows a placeholder instead of a picture.
    SharepointPlaceholder,
    /// SharePoint's legacy profile picture is older than the reference.
    SharepointStale,
    /// The profile's `PictureURL` points outside the tenant's SharePoint hosts; it was not
    /// fetched (the SharePoint token goes only to the tenant's own origins).
    SharepointForeignPictureUrl,
    /// A folder file matches no user in the input.
    UnmatchedFile,
    /// The photo is small enough that services will upscale it.
    PhotoTooSmall,
    /// The user a store found by UPN, mail or DN is not the record's objectGUID: refused.
    IdentityMismatch,
    /// A small AD thumbnail (96 px) is the source for Graph's 648 px photo: blurry on high-DPI
    /// screens.
    LowResolutionSource,
    /// The picture is very dark.
    PhotoTooDark,
    /// The picture is nearly uniform (blank, a logo, a placeholder).
    PhotoTooFlat,
    /// The picture is far from square, so every service crops it.
    PhotoNotSquare,
    /// The source is over a store's size limit; sync writes a smaller rendition instead.
    PhotoOverStoreLimit,
    /// AD and Graph differ while the tenant's photo policy is `cloud`: the cloud photo wins
    /// over what Entra Connect exports from AD.
    CloudPhotoOverridesAd,
    /// AD and Graph differ while the tenant's photo policy is unset: AD (through Entra
    /// Connect) and Microsoft 365 both write, and the last writer wins.
    PhotoPolicyUnset,
    /// AD and Graph differ and the user's source of authority was moved to the cloud
    /// (`onPremisesSyncBehavior.isCloudManaged`): updates from AD are blocked.
    CloudManagedUser,
    /// AD and Graph differ and Entra Connect last synced this user far behind the tenant's
    /// other users: the user has stopped exporting (e.g. a `LargeObject` export error).
    StaleDirectorySync,
    /// AD and Graph differ and the cloud user is cloud-only (`onPremisesSyncEnabled` is not
    /// true): Entra Connect never carries AD's photo to it.
    NotSyncedFromAd,
    /// Every store agrees: a client (Teams, Outlook) showing another picture is caching it.
    ClientCache,
    /// A guest, shared, room or equipment account: what works differs from a member mailbox.
    AccountType,
    /// Sync wrote this store recently (from `--state`): when, and whether it shows it yet.
    RecentlyWritten,
    /// The store shows another picture than the one PhotoSync wrote and verified there while
    /// the source is unchanged (from `--state`): someone changed it outside PhotoSync.
    ChangedOutsidePhotosync,
    /// The store's picture is judged the same as the reference, but not clearly (`photo::doubt`:
    /// by a narrow margin, a distance over `photo::CLEARLY_SAME_MAX_DISTANCE`, or in a picture
    /// too small to show a changed region): `sync` rewrites it once rather than leave a
    /// picture that may be another version.
    ProbablySame,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultRecord {
    pub schema_version: u32,
    pub user: UserKeys,
    /// The input line this result answers, as on `status`: the results of one user (one per
    /// target) share it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// `graph`, `ad`, `sharepoint`, `folder`.
    pub target: String,
    pub action: Action,
    /// Why this action: `already-in-sync`, `differs`, `missing-in-target`, `no-source-photo`, ...
    /// (a dry run's `would-update` carries the reason the write was planned for; docs/cli.md
    /// lists every reason).
    pub reason: String,
    /// After a write: whether reading back gave the same picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// The rendition written (or that would be written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
}

/// The error part of a record: stable code, message, what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A per-item problem that did not stop the run (a bad input line, an unreadable photo).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorRecord {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserKeys>,
    /// 1-based line (JSON Lines) or row (CSV, header = 1) of the input, when it came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(flatten)]
    pub error: ErrorInfo,
}

/// Stable error codes (documented in docs/cli.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// Usage or configuration error.
    Config,
    /// A capability this build does not have yet.
    NotAvailable,
    /// An input line is not valid JSON or not a user record.
    BadInputLine,
    /// A CSV row could not be used.
    BadCsvRow,
    /// A record names no usable identity (UPN, objectGUID, sAMAccountName, mail).
    NoIdentity,
    /// The same user appears twice in one input: by the same key (the later record is
    /// ignored), or by different keys that resolve to one object of a target (sync writes
    /// neither there).
    DuplicateUser,
    /// The image could not be decoded (corrupt, truncated).
    PhotoUnreadable,
    /// The image format is not supported (HEIC, TIFF, ...).
    PhotoUnsupportedFormat,
    /// The image exceeds the byte, pixel or memory limits.
    PhotoTooLarge,
    /// A photo file could not be read from disk.
    PhotoFileUnreadable,
    /// The user does not exist in the store.
    UserNotFound,
    /// Credentials missing, wrong or expired.
    AuthFailed,
    /// The credential lacks a needed permission.
    PermissionDenied,
    /// Tenant policy blocks the write.
    BlockedByPolicy,
    /// The configured credential cannot be used for this store (e.g. a client secret for
    /// SharePoint).
    CredentialNotSupported,
    /// The user has no Exchange Online mailbox, so the photo service cannot serve them.
    NoMailbox,
    /// Throttling outlasted the retries.
    Throttled,
    /// Network or service failure outlasted the retries.
    Transient,
    /// The store rejected the request.
    StoreRejected,
    /// A written photo did not read back as the same picture.
    VerifyFailed,
    /// The user found by a fallback key (UPN, mail, DN) carries another objectGUID /
    /// immutable id than the record: a reused UPN or a stale DN; or a GUID-carrying record
    /// matched a cloud-only object, a DN outside the base, or a SharePoint profile bound to
    /// another Entra object. Nothing is written.
    IdentityMismatch,
    /// The record's key matched more than one object (a mail shared by two users): none of
    /// them is written.
    AmbiguousIdentity,
    /// Two users of one run would be written to the same file: neither is written there.
    NameCollision,
    /// SharePoint refused an app-only user-profile write (the usual answer in real tenants;
    /// modern SharePoint shows the Graph photo instead).
    SharepointProfileWriteDenied,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressRecord {
    pub schema_version: u32,
    pub done: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Short words for the current phase (`reading`, `syncing`).
    pub phase: String,
    /// Users finished per second since the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_sec: Option<f64>,
    /// 429 (throttled) answers received so far, when the run talks to a cloud service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttled: Option<u64>,
    /// Estimated seconds left, when the total is known and the rate is above zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta_secs: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SummaryRecord {
    pub schema_version: u32,
    /// `status` or `sync`.
    pub command: String,
    pub users: u64,
    /// Verdict counts (status) or action counts (sync), plus `errors`.
    pub counts: BTreeMap<String, u64>,
    pub duration_ms: u64,
    pub exit_code: i32,
}

/// The JSON Schema of every record type: `photosync schema` prints this.
pub fn json_schema() -> serde_json::Value {
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "PhotoSync records",
        "schemaVersion": SCHEMA_VERSION,
        "input": schemars::schema_for!(UserRecord),
        "output": schemars::schema_for!(OutputRecord),
    })
}
