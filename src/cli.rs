//! The command line: clap definitions only. `main.rs` parses, `commands` runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::output::progress::ProgressMode;
use crate::settings::env;
use crate::store::registry::{self, Backend};
use crate::store::{SourceSpec, StoreSpec};

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
  74   the results could not be written (stdout or --out on a full disk, an I/O error)
  141  stdout was closed (`| head -1`) before every user was processed

Credential: PHOTOSYNC_AUTH, else the first configured of a ready token, a certificate, a client
secret, a managed identity endpoint (one given by a flag or the environment before any the
config file holds). A managed identity uses, first match wins:
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
    pub connection: crate::settings::Flags,

    /// Log detail on stderr: -v info, -vv debug.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

fn after_help() -> String {
    let secrets: Vec<&str> = env::VARS
        .iter()
        .filter(|v| v.secret && v.listed())
        .map(|v| v.name)
        .collect();
    let stores = registry::BACKENDS
        .iter()
        .map(|b| (b.syntax.to_string(), b.description.to_string()));
    let mut variables =
        String::from("Environment (flags win over these, these over the config file):\n");
    for group in env::Group::ALL {
        variables.push_str(&format!("  {}:\n", group.title()));
        let vars = env::VARS
            .iter()
            .filter(|v| v.group == group && v.listed())
            .map(|v| (v.name.to_string(), v.description()));
        variables.push_str(&hanging(vars, 4, 32, HELP_WIDTH));
    }
    format!(
        "{AFTER_HELP}\n\nSecrets are read only from the environment or files (the *_FILE variables), never \
         from the command line: {}. See docs/cli.md.\n\nStores (--stores, --targets, --source):\n{}\n{variables}",
        secrets.join(", "),
        hanging(stores, 2, 20, HELP_WIDTH),
    )
}

/// Where clap wraps the help text, and how far it indents a flag's help.
const HELP_WIDTH: usize = 100;
const FLAG_HELP_INDENT: usize = 10;

/// `label  text` rows within `width` columns, the text wrapped with a hanging indent so clap
/// (which wraps at 100 columns) leaves the columns aligned.
fn hanging(
    rows: impl Iterator<Item = (String, String)>,
    indent: usize,
    label: usize,
    width: usize,
) -> String {
    let mut text = String::new();
    for (name, meaning) in rows {
        let mut line = format!("{:indent$}{name:<label$} ", "");
        let hang = line.len();
        for word in meaning.split_whitespace() {
            if line.len() + word.len() >= width && line.len() > hang {
                text.push_str(line.trim_end());
                text.push('\n');
                line = " ".repeat(hang);
            }
            line.push_str(word);
            line.push(' ');
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
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
    /// Show or set the tenant's photo policy (Graph photoUpdateSettings): where photos may be
    /// changed, and who may change them.
    #[command(subcommand)]
    Policy(PolicyCommand),
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
    /// PhotoPath...; header names case-insensitive; `,` or `;`; `-` for stdin).
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

    #[arg(long, value_delimiter = ',', default_value = "ad,graph", value_parser = store_spec,
          help = stores_help("Stores to read"), long_help = stores_long_help("Stores to read"))]
    pub stores: Vec<StoreSpec>,

    /// Output format (default: table on a terminal, json when piped). `html` is one
    /// self-contained page with every store's picture side by side.
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Write the output to FILE instead of stdout (replaced only when the run completes).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Also write the HTML report to FILE (replaced only when the run completes), while the
    /// records still go to stdout in --format: one run gives a script its records and people
    /// the page.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Exit 1 when any user is not in sync (for scheduled checks).
    #[arg(long)]
    pub fail_on_drift: bool,

    /// The state file of `sync --state`, read only: say when sync last wrote each store,
    /// whether it shows the picture yet, and the age of writes still waiting for verification
    /// (`pendingWrite` in a store's details). Verdicts always come from reading the stores.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Parallel users in flight.
    #[arg(long, default_value_t = 16, value_parser = at_least_one)]
    pub concurrency: usize,

    /// Progress reporting: auto, none, json.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  photosync sync --source ad --targets graph --dry-run
  photosync sync --source input --csv photos.csv --targets graph
  photosync sync --source input --csv guests.csv --targets graph --only-missing --default-photo logo.png
  photosync sync --source ad --targets graph --state sync.state --keep-outside-changes
  photosync sync --source folder:./photos:{samAccountName}.jpg --input users.jsonl --targets graph,ad")]
pub struct SyncArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_parser = source_spec, help = source_help())]
    pub source: SourceSpec,

    #[arg(long, value_delimiter = ',', default_value = "graph", value_parser = store_spec,
          help = stores_help("Targets to write (a store is written only when named here)"),
          long_help = stores_long_help("Targets to write (a store is written only when named here)"))]
    pub targets: Vec<StoreSpec>,

    /// Plan only: report `would-update` and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Parallel users in flight.
    #[arg(long, default_value_t = 16, value_parser = at_least_one)]
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

    /// Write even when the target already holds the same picture. Without it, a picture
    /// PhotoSync did not write is left only when clearly the same; one judged the same narrowly,
    /// or under 72 px where PhotoSync writes a larger one, is written (reason probably-same).
    /// A source picture that is itself a placeholder (nearly uniform) never replaces
    /// somebody's photo, even with --force (reason placeholder-source).
    #[arg(long)]
    pub force: bool,

    /// Write only where a target has no photo or a placeholder (a nearly uniform picture);
    /// a target holding somebody's photo is skipped (reason target-has-photo).
    #[arg(long, conflicts_with = "force")]
    pub only_missing: bool,

    /// The picture for users whose source has none (guests, service accounts, rooms). It only
    /// fills a target with no photo or a placeholder (reason default-photo), never replaces
    /// somebody's photo.
    #[arg(long, value_name = "FILE")]
    pub default_photo: Option<PathBuf>,

    /// With --state: leave alone a target someone changed (in Teams, Outlook, the admin
    /// center) since PhotoSync's verified write while the source stayed the same (skipped,
    /// changed-outside-photosync). Without it sync writes the source back and says so (reason
    /// replaced-outside-change).
    #[arg(long, requires = "state")]
    pub keep_outside_changes: bool,

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

#[derive(Debug, Subcommand)]
pub enum PhotoCommand {
    /// Print format, size, SHA-256 and perceptual hash of an image as JSON.
    Inspect { file: PathBuf },
    /// Write the rendition a target would receive.
    Prepare {
        file: PathBuf,
        /// The store whose rendition to write.
        #[arg(long, value_name = "STORE", value_parser = rendition_target)]
        target: &'static Backend,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// Side in pixels of a single-size rendition (default: the target's own, e.g. 96 for
        /// ad; 32..=648).
        #[arg(long, visible_alias = "ad-size", value_name = "PX")]
        size: Option<u32>,
        /// Byte budget of a single-size rendition (default: the target's own; at most what it
        /// accepts: 102400 for ad's attribute, where 10240 is what Exchange Online takes from
        /// Entra Connect).
        #[arg(long, visible_alias = "ad-max-bytes", value_name = "BYTES")]
        max_bytes: Option<usize>,
    },
    /// Say whether two images show the same picture (perceptual distance).
    Compare { a: PathBuf, b: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the policy and what it means, as one JSON line (needs PeopleSettings.Read.All).
    Show,
    /// Change the policy, then print it as `show` does, with the previous one (needs
    /// PeopleSettings.ReadWrite.All; a person signing in needs the People Administrator role).
    /// Changes take up to 24 hours to apply across Microsoft 365.
    #[command(after_help = "Examples:
  photosync policy set --source onPremises            AD is authoritative: cloud changes blocked
  photosync policy set --source cloud --allowed-roles people-administrator,user-administrator
                                                      photos managed in the cloud by admins only
  photosync policy set --allowed-roles none           every user may change their own photo
  photosync policy set --source unset --dry-run       what resetting to the default would do")]
    Set(PolicySetArgs),
}

/// Where photos may be changed (`photoUpdateSettings.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicySourceArg {
    /// Photos are managed in Microsoft 365; a photo set there wins over AD's.
    Cloud,
    /// Photos change only in AD (Entra Connect exports thumbnailPhoto); cloud changes blocked.
    #[value(name = "onPremises", alias = "on-premises", alias = "onpremises")]
    OnPremises,
    /// Reset to the tenant's default, empty policy (DELETE): both AD and the cloud write.
    Unset,
}

#[derive(Debug, Args)]
pub struct PolicySetArgs {
    /// Where photos may be changed.
    #[arg(long, value_enum)]
    pub source: Option<PolicySourceArg>,

    /// Roles that may change photos in the cloud, comma-separated: people-administrator,
    /// user-administrator, global-administrator or role template ids; `none` lets every user
    /// change their own photo. (This replaces Outlook on the web's SetPhotoEnabled, which no
    /// longer controls photo changes.)
    #[arg(long, value_name = "ROLES")]
    pub allowed_roles: Option<String>,

    /// Print what would change (`would-update`); change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Get a token for each resource and report what it allows.
    Test,
}

/// `--stores`/`--targets` values: parsed once, checked by the backend (a clap error carries the
/// hint too).
fn store_spec(text: &str) -> Result<StoreSpec, String> {
    StoreSpec::parse(text).map_err(|e| with_hint(&e))
}

fn source_spec(text: &str) -> Result<SourceSpec, String> {
    SourceSpec::parse(text).map_err(|e| with_hint(&e))
}

/// `photo prepare --target`: a store that is written, by name.
fn rendition_target(name: &str) -> Result<&'static Backend, String> {
    registry::find(name)
        .filter(|b| b.rendition.is_some())
        .ok_or_else(|| {
            let names: Vec<&str> = registry::BACKENDS
                .iter()
                .filter(|b| b.rendition.is_some())
                .map(|b| b.name)
                .collect();
            format!(
                "`{name}` is not a store photosync writes; use one of: {}",
                names.join(", ")
            )
        })
}

fn with_hint(e: &crate::error::Error) -> String {
    match &e.hint {
        Some(hint) => format!("{}\n  hint: {hint}", e.message),
        None => e.message.clone(),
    }
}

fn stores_help(what: &str) -> String {
    format!("{what}, comma-separated: {}", registry::syntax_list())
}

fn stores_long_help(what: &str) -> String {
    let stores = registry::BACKENDS
        .iter()
        .map(|b| (b.syntax.to_string(), b.description.to_string()));
    let width = HELP_WIDTH - FLAG_HELP_INDENT;
    format!(
        "{what}, comma-separated:\n{}",
        hanging(stores, 2, 20, width)
    )
}

/// `--concurrency`: 0 users in flight would never start one.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (users in flight at once)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn source_help() -> String {
    format!(
        "The authoritative photo: {} (thumbnailPhoto/PhotoPath in the records) or a store: {}",
        crate::store::INPUT,
        registry::syntax_list()
    )
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// The variable table names each flag, and clap reads that variable for it: neither can
    /// drift from the other.
    #[test]
    fn every_flag_reads_the_variable_the_table_names() {
        let command = Cli::command();
        let env_of = |flag: &str| {
            command
                .get_arguments()
                .find(|a| a.get_long().is_some_and(|l| format!("--{l}") == flag))
                .and_then(|a| a.get_env())
                .and_then(|e| e.to_str())
                .map(str::to_string)
        };
        for var in env::VARS {
            if let Some(flag) = var.flag {
                assert_eq!(env_of(flag).as_deref(), Some(var.name), "{flag}");
            }
        }
        for arg in command.get_arguments() {
            let Some(name) = arg.get_env().and_then(|e| e.to_str()) else {
                continue;
            };
            let var = env::find(name).unwrap_or_else(|| panic!("{name} is not in the table"));
            assert_eq!(
                var.flag.map(str::to_string),
                arg.get_long().map(|l| format!("--{l}")),
                "{name}"
            );
        }
    }

    #[test]
    fn help_lists_every_listed_variable_and_every_store() {
        let text = after_help();
        for var in env::VARS {
            assert_eq!(text.contains(var.name), var.listed(), "{var}");
        }
        for backend in registry::BACKENDS {
            assert!(text.contains(backend.syntax), "{}", backend.name);
        }
        // Clap wraps at 100 columns: aligned rows must already fit, or they lose their indent.
        let rows = text.lines().filter(|l| l.starts_with("  "));
        assert!(rows.clone().count() > 40);
        for row in rows {
            assert!(row.chars().count() <= 100, "{row}");
        }
    }
}
