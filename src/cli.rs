//! The command line: clap definitions only. `main.rs` parses, `commands` runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Output: JSON Lines on stdout when piped (one record per line, each with `type` and
`schemaVersion`), a table on a terminal; logs and progress go to stderr.

Exit codes:
  0  every item is fine
  1  the run finished, but some items failed (or differ, with `status --fail-on-drift`)
  2  usage or configuration error: nothing ran
  3  authentication or permission failure
  4  throttling or transient failures outlasted the retries
  130 / 143  stopped by Ctrl+C / SIGTERM: users in flight finished, summary written
  141  stdout was closed (`| head -1`) before every user was processed

Secrets are read only from the environment or files, never from the command line:
PHOTOSYNC_CLIENT_SECRET(_FILE), PHOTOSYNC_CERTIFICATE_PASSWORD, PHOTOSYNC_ACCESS_TOKEN(_FILE),
PHOTOSYNC_LDAP_PASSWORD(_FILE). See docs/cli.md.

Credential: PHOTOSYNC_AUTH, else the first configured of a ready token, a certificate, a client
secret, a managed identity endpoint. A managed identity uses, first match wins:
  1. IDENTITY_ENDPOINT + IDENTITY_HEADER  Azure Automation / App Service (the PowerShell module
                                          refuses Automation cloud sandboxes: use a Hybrid Worker)
  2. IDENTITY_ENDPOINT + IMDS_ENDPOINT    Hybrid Runbook Worker on an Azure Arc-enabled server
                                          (reads the agent's key file; system-assigned only)
  3. MSI_ENDPOINT + MSI_SECRET            older Automation hybrid jobs (App Service 2017 API)
  4. IMDS (PHOTOSYNC_AUTH=managed-identity) Hybrid Runbook Worker on an Azure VM
See docs/auth.md.";

#[derive(Debug, Parser)]
#[command(
    name = "photosync",
    version,
    about = "See which store holds which user photo (AD, Entra/Graph, SharePoint), and sync them.",
    long_about = "PhotoSync reads every store that shows a user's photo in Microsoft 365 (on-prem AD \
thumbnailPhoto, Microsoft Graph, the legacy SharePoint profile store, a folder), compares the \
pictures perceptually (every service re-encodes, so bytes never match), says in plain words \
what is in sync and what to do, and pushes a correctly sized photo to each target.",
    after_help = after_help()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Log detail on stderr: -v info, -vv debug.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

fn after_help() -> String {
    format!("{AFTER_HELP}\n\n{}", crate::settings::env_help())
}

/// Non-secret connection settings; each overrides its PHOTOSYNC_* variable.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection (override PHOTOSYNC_* variables)")]
pub struct ConnectionArgs {
    /// Config file of PHOTOSYNC_*=VALUE lines (lowest precedence) [env: PHOTOSYNC_CONFIG].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Entra tenant id or domain [env: PHOTOSYNC_TENANT_ID].
    #[arg(long, global = true, value_name = "TENANT")]
    pub tenant_id: Option<String>,
    /// Application (client) id [env: PHOTOSYNC_CLIENT_ID].
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,
    /// Certificate file, PEM or PFX [env: PHOTOSYNC_CERTIFICATE_PATH].
    #[arg(long, global = true, value_name = "FILE")]
    pub certificate_path: Option<PathBuf>,
    /// secret | certificate | managed-identity | token [env: PHOTOSYNC_AUTH].
    #[arg(long, global = true, value_name = "KIND")]
    pub auth: Option<String>,
    /// Microsoft Graph base URL [env: PHOTOSYNC_GRAPH_URL].
    #[arg(long, global = true, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Identity platform base URL [env: PHOTOSYNC_LOGIN_URL].
    #[arg(long, global = true, value_name = "URL")]
    pub login_url: Option<String>,
    /// SharePoint base URL [env: PHOTOSYNC_SHAREPOINT_URL].
    #[arg(long, global = true, value_name = "URL")]
    pub sharepoint_url: Option<String>,
    /// LDAP URL, ldaps:// or ldap:// (StartTLS) [env: PHOTOSYNC_LDAP_URL].
    #[arg(long, global = true, value_name = "URL")]
    pub ldap_url: Option<String>,
    /// Bind DN or UPN [env: PHOTOSYNC_LDAP_BIND_DN].
    #[arg(long, global = true, value_name = "DN")]
    pub ldap_bind_dn: Option<String>,
    /// Search base [env: PHOTOSYNC_LDAP_BASE_DN].
    #[arg(long, global = true, value_name = "DN")]
    pub ldap_base_dn: Option<String>,
    /// PEM CA bundle for the directory [env: PHOTOSYNC_LDAP_CA_FILE].
    #[arg(long, global = true, value_name = "FILE")]
    pub ldap_ca_file: Option<PathBuf>,
}

impl ConnectionArgs {
    pub fn to_flags(&self) -> crate::settings::SettingFlags {
        crate::settings::SettingFlags {
            config: self.config.clone(),
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            certificate_path: self.certificate_path.clone(),
            auth: self.auth.clone(),
            graph_url: self.graph_url.clone(),
            login_url: self.login_url.clone(),
            sharepoint_url: self.sharepoint_url.clone(),
            ldap_url: self.ldap_url.clone(),
            ldap_bind_dn: self.ldap_bind_dn.clone(),
            ldap_base_dn: self.ldap_base_dn.clone(),
            ldap_ca_file: self.ldap_ca_file.clone(),
        }
    }
}

/// Where progress goes, always stderr: `auto` (a live line when stderr is a terminal),
/// `none`, or `json` (periodic `progress` records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ProgressMode {
    #[default]
    Auto,
    None,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report, per user, which store holds which picture and what to do. Never writes.
    Status(StatusArgs),
    /// Push the authoritative photo to each target, skipping users already in sync.
    Sync(SyncArgs),
    /// Work with single photo files.
    #[command(subcommand)]
    Photo(PhotoCommand),
    /// Check the configured credential: which one, whether tokens come, which roles they carry.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Print the JSON Schema of every input and output record.
    Schema,
}

/// Where user records come from (at most one; default: JSON Lines on stdin).
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// JSON Lines file of user records (`-` for stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["csv", "ad_filter"])]
    pub input: Option<PathBuf>,

    /// CSV of user records (columns: UserPrincipalName, ObjectGUID, SamAccountName, Mail,
    /// PhotoPath...; header names case-insensitive; `,` or `;`).
    #[arg(long, value_name = "FILE", conflicts_with = "ad_filter")]
    pub csv: Option<PathBuf>,

    /// Read users from AD with this LDAP filter (e.g. "(department=Sales)").
    #[arg(long, value_name = "LDAP_FILTER")]
    pub ad_filter: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Table,
    /// A self-contained HTML report (status only; see docs/report.md).
    Html,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  photosync status --csv users.csv --stores graph,folder:./photos
  Get-ADUser ... | ConvertTo-Json -Compress | photosync status --stores ad,graph
  photosync status --ad-filter '(department=Sales)' --stores ad,graph,sharepoint --fail-on-drift
  photosync status --csv users.csv --stores graph,sharepoint --format html --out report.html")]
pub struct StatusArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Stores to read, comma-separated: ad, graph, sharepoint, folder:DIR[:RULE].
    /// RULE is a naming rule such as {samAccountName}.jpg (default {userPrincipalName}.*).
    #[arg(long, value_delimiter = ',', default_value = "ad,graph")]
    pub stores: Vec<String>,

    /// Output format (default: table on a terminal, json when piped). `html` is one
    /// self-contained page with every store's picture side by side.
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Write the output to FILE instead of stdout (replaced only when the run completes).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit 1 when any user is not in sync (for scheduled checks).
    #[arg(long)]
    pub fail_on_drift: bool,

    /// The state file of `sync --state`, read only: say when sync last wrote each store,
    /// whether it shows the picture yet, and the age of writes still waiting for verification
    /// (`pendingWrite` in a store's details). Verdicts always come from reading the stores.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Parallel users in flight.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,

    /// Progress reporting: auto, none, json.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  photosync sync --source ad --targets graph --dry-run
  photosync sync --source input --csv photos.csv --targets graph
  photosync sync --source folder:./photos:{samAccountName}.jpg --input users.jsonl --targets graph,ad")]
pub struct SyncArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The authoritative photo: ad (thumbnailPhoto), input (thumbnailPhoto/PhotoPath in the
    /// records), or folder:DIR[:RULE].
    #[arg(long)]
    pub source: String,

    /// Targets to write, comma-separated: graph, ad, sharepoint, folder:DIR[:RULE].
    /// ad and sharepoint are written only when named here.
    #[arg(long, value_delimiter = ',', default_value = "graph")]
    pub targets: Vec<String>,

    /// Plan only: report `would-update` and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Parallel users in flight.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,

    /// State file remembering what was written, to skip unchanged users quickly on re-runs:
    /// a user whose source is unchanged and whose last write to a target was verified is
    /// skipped without calling that target.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// With --state: read every target again, even for users the state says are verified.
    #[arg(long)]
    pub recheck: bool,

    /// With --state: a verified entry older than this is checked again (7d, 12h, 30m, 90s).
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub recheck_after: String,

    /// Process only shard K of N (1 <= K <= N), split by objectGUID (else UPN): N jobs with
    /// 1/N .. N/N together process every user exactly once.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// Write even when the target already holds the same picture.
    #[arg(long)]
    pub force: bool,

    /// Seconds to keep re-reading a written photo until the service shows it; after that the
    /// write is reported `updated` with `verified: false` (reason not-yet-visible).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub verify_window: u64,

    /// Treat a write not yet visible within --verify-window as a failure.
    #[arg(long)]
    pub require_verified: bool,

    /// Output format (default: table on a terminal, json when piped).
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Progress reporting: auto, none, json.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Ad,
    Graph,
    Sharepoint,
}

#[derive(Debug, Subcommand)]
pub enum PhotoCommand {
    /// Print format, size, SHA-256 and perceptual hash of an image as JSON.
    Inspect { file: PathBuf },
    /// Write the rendition a target would receive.
    Prepare {
        file: PathBuf,
        #[arg(long, value_enum)]
        target: Target,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// AD rendition size in pixels.
        #[arg(long, default_value_t = 96)]
        ad_size: u32,
        /// AD rendition byte budget (at most 102400, the attribute's limit; 10240 is what
        /// Exchange Online accepts from Entra Connect).
        #[arg(long, default_value_t = 10_240)]
        ad_max_bytes: usize,
    },
    /// Say whether two images show the same picture (perceptual distance).
    Compare { a: PathBuf, b: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Get a token for each resource and report what it allows.
    Test,
}
