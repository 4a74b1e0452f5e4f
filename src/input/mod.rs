//! Input readers: user records from JSON Lines (stdin or a file) or CSV, streamed.
//!
//! Every reader yields `InputEvent`s one at a time, so a 100k-row CSV never sits in memory.
//! A bad line or row becomes an `InputEvent::Error` carrying its 1-based line (JSON Lines) or
//! row (CSV, header = row 1) and the run goes on. Records with no usable identity and
//! duplicates of an earlier user are reported here too, so the engine only sees users it
//! should process, each once.
//!
//! Relative `PhotoPath`s are resolved against the input file's directory (the current
//! directory for stdin), so a CSV and its photos can move together.

mod ad;
mod csv;
mod dedupe;
mod document;
mod jsonl;
mod record;

use std::path::{Path, PathBuf};

use crate::cli::InputArgs;
use crate::error::{Error, ErrorClass, Result};
use crate::schema::{ErrorCode, ErrorInfo, ErrorRecord, SCHEMA_VERSION, UserKeys, UserRecord};

pub use dedupe::Deduplicate;
pub use record::{has_identity, normalize_json_record};

/// One user record with where it came from.
#[derive(Debug, Clone)]
pub struct InputUser {
    pub record: UserRecord,
    /// 1-based line (JSON Lines) or row (CSV, header = 1).
    pub line: u64,
}

/// What a reader yields: a user to process, or a per-item problem to report.
#[derive(Debug, Clone)]
pub enum InputEvent {
    User(InputUser),
    Error(ErrorRecord),
    /// The source of users itself failed (an `--ad-filter` search cut off): the users read so
    /// far are processed, the rest of the list is missing. Nothing follows it; `class` (not
    /// "bad input") decides the exit code.
    SourceFailed(ErrorRecord, ErrorClass),
}

/// A streaming source of input events.
pub type InputStream = Box<dyn Iterator<Item = InputEvent> + Send>;

/// Open the input named by the arguments (default: JSON Lines on stdin), deduplicated.
pub fn open(args: &InputArgs) -> Result<InputStream> {
    if args.ad_filter.is_some() {
        return Err(Error::not_available("reading users with `--ad-filter`"));
    }
    let raw: InputStream = if let Some(path) = &args.csv {
        if path.as_os_str() == "-" {
            // As for --input: `-` is stdin (`Import-Csv`-style pipelines, `cat x.csv |`).
            Box::new(csv::CsvReader::new(std::io::stdin(), None)?)
        } else {
            let file = open_file(path)?;
            Box::new(csv::CsvReader::new(file, base_dir(path))?)
        }
    } else {
        match &args.input {
            Some(path) if path.as_os_str() != "-" => {
                let file = open_file(path)?;
                Box::new(jsonl::JsonLinesReader::new(
                    std::io::BufReader::new(file),
                    base_dir(path),
                ))
            }
            None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
                // Waiting silently on a terminal looks like a hang: say what is expected.
                return Err(Error::config("no users given").with_hint(
                    "pipe JSON Lines into photosync, or use --csv FILE or --input FILE (--input - reads the terminal)",
                ));
            }
            _ => Box::new(jsonl::JsonLinesReader::new(
                std::io::BufReader::new(std::io::stdin()),
                None,
            )),
        }
    };
    Ok(Box::new(Deduplicate::new(raw)))
}

/// Open the input, including `--ad-filter` (users read from AD, which needs the settings
/// and a running async runtime), deduplicated.
pub async fn open_with_settings(
    args: &InputArgs,
    directory: &crate::settings::DirectorySettings,
) -> Result<InputStream> {
    match &args.ad_filter {
        Some(filter) => {
            let users = ad::AdInput::open(directory, filter).await?;
            Ok(Box::new(Deduplicate::new(users)))
        }
        None => open(args),
    }
}

/// Read JSON Lines from any reader (tests, other front ends), deduplicated.
pub fn from_json_lines<R: std::io::Read + Send + 'static>(reader: R) -> InputStream {
    Box::new(Deduplicate::new(jsonl::JsonLinesReader::new(
        std::io::BufReader::new(reader),
        None,
    )))
}

/// Read CSV from any reader, deduplicated; `base_dir` anchors relative photo paths.
pub fn from_csv<R: std::io::Read + Send + 'static>(
    reader: R,
    base_dir: Option<PathBuf>,
) -> Result<InputStream> {
    Ok(Box::new(Deduplicate::new(csv::CsvReader::new(
        reader, base_dir,
    )?)))
}

fn open_file(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| {
        Error::config(format!("cannot open input file {}: {e}", path.display()))
            .with_hint("check the path given to --input or --csv")
    })
}

fn base_dir(path: &Path) -> Option<PathBuf> {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
}

/// An error record about one input line or row.
pub fn error_event(
    line: u64,
    user: Option<UserKeys>,
    code: ErrorCode,
    message: String,
    hint: &str,
) -> InputEvent {
    InputEvent::Error(ErrorRecord {
        schema_version: SCHEMA_VERSION,
        user,
        line: Some(line),
        store: None,
        error: ErrorInfo {
            code,
            message,
            hint: Some(hint.to_string()),
        },
    })
}

/// Accept a user record, or turn it into a `no-identity` error.
fn checked_user(mut record: UserRecord, line: u64, base: Option<&Path>) -> InputEvent {
    if !has_identity(&record) {
        return error_event(
            line,
            None,
            ErrorCode::NoIdentity,
            format!("line {line}: the record names no user"),
            "give at least one of UserPrincipalName, ObjectGUID, SamAccountName, mail, EmployeeID",
        );
    }
    if let (Some(base), Some(path)) = (base, record.photo_path.as_deref())
        && Path::new(path).is_relative()
    {
        record.photo_path = Some(base.join(path).to_string_lossy().into_owned());
    }
    InputEvent::User(InputUser { record, line })
}
