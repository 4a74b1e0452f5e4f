//! The optional `sync --state FILE`: what sync last wrote (or saw) per user and target, so a
//! re-run can skip a user whose source is unchanged and whose last write there was verified,
//! without calling the target at all.
//!
//! The file is append-only JSON Lines: a crash loses at most the line being written, and a
//! torn last line is skipped on load (and a newline is added before the next entry, so the
//! next entry is not glued to it). Bad lines are skipped with a warning, never fatal. When the
//! file grows past twice its live size it is rewritten atomically (write, fsync, rename).
//! Compaction keeps only entries, so a path that is not a state file (a device, a folder, or a
//! file whose first line is no entry, such as the input CSV) is refused before it is read.
//! Memory holds ~80 bytes per (user, target), see `entry`.

mod entry;
mod lock;
mod recheck;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::schema::UserRecord;

pub use entry::{Entry, LastWrite, VerifiedWrite, object_digest};
use entry::{Key, Live, key_of, parse_line, source_digest};
pub use recheck::{DEFAULT_RECHECK_AFTER, parse_duration};

/// Below this size a file is never compacted: rewriting it would save nothing worth a rename.
const COMPACT_MIN_BYTES: u64 = 4096;

/// How far ahead of this machine's clock an entry's time may be (another machine's clock
/// running fast). Beyond it the entry is refused on load: it would stay fresh forever.
const FUTURE_TOLERANCE_SECS: u64 = 600;

/// How much of a file is read to tell whether it is a state file: far more than one entry.
const STATE_PROBE_BYTES: u64 = 64 * 1024;

/// How every entry line starts (`user` is `Entry`'s first field). A first line that starts
/// so is a state file's even when torn or damaged (it is skipped on load, and a torn one is
/// complete once the next entry is appended after its newline).
const ENTRY_START: &[u8] = br#"{"user":"#;

pub struct SyncState {
    path: PathBuf,
    inner: Mutex<Inner>,
    /// Held while a run may write the state (`None` when read-only).
    _writer: Option<lock::WriterLock>,
}

struct Inner {
    live: HashMap<Key, Live>,
    /// Sum of the live lines' lengths.
    live_bytes: u64,
    /// Current file length (where the next line starts).
    file_len: u64,
    /// `None` when opened read-only (`--dry-run`, `status`): nothing is ever written.
    file: Option<File>,
    /// The file ends without a newline (a torn line): write one before the next entry.
    needs_newline: bool,
    /// Lines skipped on load (torn, corrupt, or from another version).
    skipped_lines: u64,
    /// Entries this run could not append (a full disk): each costs a re-check next run.
    failed_appends: u64,
}

/// What a load found, for logs, tests and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadStats {
    pub entries: u64,
    pub skipped_lines: u64,
    pub file_bytes: u64,
    pub live_bytes: u64,
}

/// The stable key of a user in the state file: the first of objectGUID (as lower-case GUID
/// text, whichever form was given), UPN, sAMAccountName, mail, employeeId, lower-cased. An
/// objectGUID that is neither form keeps its case: base64 immutable ids are case-sensitive.
pub fn user_key(record: &UserRecord) -> Option<String> {
    if let Some(given) = record.object_guid.as_deref().map(str::trim)
        && !given.is_empty()
    {
        return Some(match crate::store::ad::ObjectGuid::parse_either(given) {
            Some(guid) => format!("guid:{guid}"),
            None => format!("guid:{given}"),
        });
    }
    [
        record
            .user_principal_name
            .as_deref()
            .map(|u| format!("upn:{u}")),
        record
            .sam_account_name
            .as_deref()
            .map(|s| format!("sam:{s}")),
        record.mail.as_deref().map(|m| format!("mail:{m}")),
        record.employee_id.as_deref().map(|e| format!("emp:{e}")),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|k| k.trim().to_lowercase())
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The state file's real path: two names of one file (a symlink, `./`, `..`) take one
/// writer's lock, and compaction renames over the file itself, never over a symlink to it. A
/// file not there yet is resolved through its folder.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    // A link to a file not there yet names that file (and so its lock), not itself.
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        path = match path.parent() {
            Some(parent) => parent.join(target),
            None => target,
        };
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            crate::store::state_key::canonical_dir(parent).join(name)
        }
        _ => path.to_path_buf(),
    }
}

impl SyncState {
    /// Open for a run that writes: take the writer's lock (another writer is an error naming
    /// it), load what is there, compact if due, append from now on. The file is created when
    /// missing.
    pub fn open(path: &Path) -> Result<Self> {
        let path = &real_path(path);
        refuse_unless_state_file(path)?;
        refuse_other_names(path)?;
        let writer = lock::take(path)?;
        let mut inner = load(path)?;
        if inner.file_len > COMPACT_MIN_BYTES && inner.file_len > 2 * inner.live_bytes {
            compact(path, &mut inner)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| state_error(path, e))?;
        inner.file = Some(file);
        Ok(SyncState {
            path: path.to_path_buf(),
            inner: Mutex::new(inner),
            _writer: Some(writer),
        })
    }

    /// Open without ever writing (dry runs, `status`): a missing file is an empty state and
    /// is not created.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let path = &real_path(path);
        refuse_unless_state_file(path)?;
        Ok(SyncState {
            path: path.to_path_buf(),
            inner: Mutex::new(load(path)?),
            _writer: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn stats(&self) -> LoadStats {
        let inner = self.lock();
        LoadStats {
            entries: inner.live.len() as u64,
            skipped_lines: inner.skipped_lines,
            file_bytes: inner.file_len,
            live_bytes: inner.live_bytes,
        }
    }

    /// When `user` was last written to (or seen in place in) `target`, and whether verified;
    /// `None` after a refused write (an entry at time 0: no write on record).
    pub fn last_write(&self, user: &str, target: &str) -> Option<LastWrite> {
        self.lock()
            .live
            .get(&key_of(user, target))
            .filter(|live| live.at > 0)
            .map(Live::last_write)
    }

    /// Whether `target` was verified to hold this source picture for `user` less than
    /// `max_age` ago: then a re-run may skip the user without calling the target.
    pub fn verified_unchanged(
        &self,
        user: &str,
        target: &str,
        source_sha256: &str,
        max_age: Duration,
    ) -> bool {
        let now = now_secs();
        self.lock()
            .live
            .get(&key_of(user, target))
            .is_some_and(|live| {
                live.verified
                    && live.source == source_digest(source_sha256)
                    && now.saturating_sub(live.at) < max_age.as_secs()
            })
    }

    /// Whether the last entry says `target` was verified to hold this source picture for
    /// `user`, at any time: then another picture there now was put there by someone else.
    pub fn verified_source(&self, user: &str, target: &str, source_sha256: &str) -> bool {
        self.lock()
            .live
            .get(&key_of(user, target))
            .is_some_and(|live| live.verified && live.source == source_digest(source_sha256))
    }

    /// PhotoSync's own verified write to `target` for `user`, when the last entry records one
    /// (entries from older versions, pending writes and pictures found in place do not).
    pub fn verified_write(&self, user: &str, target: &str) -> Option<VerifiedWrite> {
        self.lock()
            .live
            .get(&key_of(user, target))
            .and_then(Live::verified_write)
    }

    /// The target's object the last entry for `user` there is about, when it names one.
    pub fn object_of(&self, user: &str, target: &str) -> Option<[u8; 16]> {
        self.lock()
            .live
            .get(&key_of(user, target))
            .and_then(|live| live.object)
    }

    /// How long ago a write of this source picture to `target` was accepted without a
    /// read-back showing it yet (a run stopped, or the service was slow to show it).
    pub fn pending_age(&self, user: &str, target: &str, source_sha256: &str) -> Option<Duration> {
        let now = now_secs();
        self.lock()
            .live
            .get(&key_of(user, target))
            .filter(|live| !live.verified && live.source == source_digest(source_sha256))
            .map(|live| Duration::from_secs(now.saturating_sub(live.at)))
    }

    /// How many entries this run could not append.
    pub fn failed_appends(&self) -> u64 {
        self.lock().failed_appends
    }

    /// Append an entry (and remember it). A read-only state ignores this.
    pub fn record(&self, entry: &Entry) -> Result<()> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| Error::config(format!("cannot encode state entry: {e}")))?;
        line.push(b'\n');
        let mut inner = self.lock();
        let inner = &mut *inner;
        let Some(file) = inner.file.as_mut() else {
            return Ok(());
        };
        let appended = (|| {
            if inner.needs_newline {
                file.write_all(b"\n")?;
                inner.file_len += 1;
                inner.needs_newline = false;
            }
            file.write_all(&line)
        })();
        if let Err(e) = appended {
            // Part of the line may be there: the next entry starts on a line of its own.
            inner.failed_appends += 1;
            inner.needs_newline = true;
            inner.file_len = file.metadata().map_or(inner.file_len, |m| m.len());
            return Err(state_error(&self.path, e));
        }
        let live = Live::of(entry, inner.file_len, line.len() as u64);
        inner.file_len += live.len;
        remember(inner, key_of(&entry.user, &entry.target), live);
        Ok(())
    }
}

fn remember(inner: &mut Inner, key: Key, live: Live) {
    inner.live_bytes += live.len;
    if let Some(old) = inner.live.insert(key, live) {
        inner.live_bytes -= old.len;
    }
}

/// Read every valid line; a missing file is an empty state.
fn load(path: &Path) -> Result<Inner> {
    let mut inner = Inner {
        live: HashMap::new(),
        live_bytes: 0,
        file_len: 0,
        file: None,
        needs_newline: false,
        skipped_lines: 0,
        failed_appends: 0,
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(inner),
        Err(e) => return Err(state_error(path, e)),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::with_capacity(512);
    let mut line_number = 0u64;
    let latest = now_secs().saturating_add(FUTURE_TOLERANCE_SECS);
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| state_error(path, e))?;
        if read == 0 {
            break;
        }
        line_number += 1;
        let offset = inner.file_len;
        inner.file_len += read as u64;
        let complete = line.last() == Some(&b'\n');
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(text)
            .filter(|_| complete)
            .filter(|entry| entry.at.is_some_and(|at| at <= latest))
        {
            Some(entry) => {
                let live = Live::of(&entry, offset, read as u64);
                remember(&mut inner, key_of(&entry.user, &entry.target), live);
            }
            None => {
                inner.skipped_lines += 1;
                if complete {
                    tracing::warn!(
                        path = %path.display(),
                        line = line_number,
                        "skipped a state line that is not a valid entry or is dated in the future (its user is checked again)"
                    );
                } else {
                    // What a run stopped mid-write leaves behind.
                    tracing::warn!(
                        path = %path.display(),
                        line = line_number,
                        "skipped the state file's incomplete last line, left by a run that was stopped while writing it (its user is checked again)"
                    );
                }
            }
        }
        if !complete {
            inner.needs_newline = true;
        }
    }
    Ok(inner)
}

/// Refuse a path that is there but is not a state file, before it is locked, read or
/// rewritten: a device or FIFO would be read without end, and compaction would drop every
/// line of another file (an input CSV given as `--state`). A file is a state file when it is
/// empty or its first non-blank line is an entry or starts like one (a run stopped while
/// writing its first entry); a corrupt line further down is skipped on load as before.
fn refuse_unless_state_file(path: &Path) -> Result<()> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(state_error(path, e)),
    };
    if !metadata.is_file() {
        return Err(Error::config(format!(
            "--state {} is not a regular file (a folder, device or FIFO)",
            path.display()
        ))
        .with_hint("give --state the path of a state file, or of a file to create"));
    }
    let file = File::open(path).map_err(|e| state_error(path, e))?;
    let mut reader = BufReader::new(file.take(STATE_PROBE_BYTES));
    let mut line = Vec::with_capacity(512);
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| state_error(path, e))?
            == 0
        {
            return Ok(());
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            break;
        }
    }
    let text = line.strip_suffix(b"\n").unwrap_or(&line);
    if text.starts_with(ENTRY_START) || parse_line(text).is_some() {
        return Ok(());
    }
    Err(Error::config(format!(
        "--state {} is not a PhotoSync state file (its first line is not a state entry); it was left untouched",
        path.display()
    ))
    .with_hint(
        "give --state a file of its own (it is created when missing), not the input or another file; \
         a damaged state file can be moved aside: its users are then checked again",
    ))
}

/// A state file with another name (a hard link) would get a writer's lock per name, and the
/// first compaction splits the two names into two files: refused, so one run never appends
/// to a file another run is rewriting. A symlink is fine: it resolves to the one name.
fn refuse_other_names(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.nlink() > 1
        {
            return Err(Error::config(format!(
                "--state {} has {} names (hard links): runs through each would both write it",
                path.display(),
                metadata.nlink()
            ))
            .with_hint(
                "give every run the same name of the state file, or link it with a symlink",
            ));
        }
    }
    let _ = path;
    Ok(())
}

/// Rewrite the file with only its live lines, atomically: a temporary file in the same
/// directory (see `partial_file`), fsync, rename over the old one, fsync the directory.
fn compact(path: &Path, inner: &mut Inner) -> Result<()> {
    let err = |e| state_error(path, e);
    let result = (|| -> std::io::Result<HashMap<Key, Live>> {
        let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
        let mut tmp = crate::partial_file::PartialFile::beside(path)?;
        let mut out = BufWriter::new(tmp.file());
        let mut fresh = HashMap::with_capacity(inner.live.len());
        let mut line = Vec::with_capacity(512);
        let (mut read_at, mut write_at) = (0u64, 0u64);
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line)? as u64;
            if read == 0 {
                break;
            }
            let offset = read_at;
            read_at += read;
            let Some(entry) = parse_line(line.strip_suffix(b"\n").unwrap_or(&line)) else {
                continue;
            };
            let key = key_of(&entry.user, &entry.target);
            if let Some(live) = inner.live.get(&key).filter(|l| l.offset == offset) {
                out.write_all(&line)?;
                fresh.insert(
                    key,
                    Live {
                        offset: write_at,
                        ..*live
                    },
                );
                write_at += read;
            }
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        tmp.rename_to(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Makes the rename itself durable; not possible on every platform.
            if let Ok(dir) = File::open(dir) {
                dir.sync_all().ok();
            }
        }
        Ok(fresh)
    })();
    match result {
        Ok(fresh) => {
            let before = inner.file_len;
            inner.live = fresh;
            inner.file_len = inner.live.values().map(|l| l.len).sum();
            inner.live_bytes = inner.file_len;
            inner.needs_newline = false;
            tracing::info!(
                path = %path.display(),
                before,
                after = inner.file_len,
                "compacted the state file"
            );
            Ok(())
        }
        // The temporary file is gone with its guard.
        Err(e) => Err(err(e)),
    }
}

fn state_error(path: &Path, e: std::io::Error) -> Error {
    Error::config(format!("cannot use state file {}: {e}", path.display()))
        .with_hint("check the path given to --state and its permissions")
}

#[cfg(test)]
mod tests;
