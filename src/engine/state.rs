//! The optional `sync --state FILE`: an append-only JSON Lines log of (user, target, source
//! SHA-256) already in place, so a re-run skips unchanged users without reading the target.
//!
//! Append-only keeps it crash-safe (a torn last line is ignored on load) and mergeable by
//! `cat`. Only hashes of the entries are kept in memory (8 bytes each).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::schema::UserRecord;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    user: String,
    target: String,
    source_sha256: String,
}

pub struct SyncState {
    path: PathBuf,
    done: Mutex<HashSet<u64>>,
    file: Mutex<std::fs::File>,
}

/// The stable key of a user in the state file: the first of objectGUID, UPN, sAMAccountName,
/// mail, employeeId, lower-cased.
pub fn user_key(record: &UserRecord) -> Option<String> {
    [
        record.object_guid.as_deref().map(|g| format!("guid:{g}")),
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
    .map(|k| k.to_lowercase())
}

fn entry_hash(user: &str, target: &str, sha256: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (user, target, sha256).hash(&mut h);
    h.finish()
}

impl SyncState {
    pub fn open(path: &Path) -> Result<Self> {
        let mut done = HashSet::new();
        match std::fs::File::open(path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let Ok(line) = line else { break };
                    // A torn or foreign line only costs a re-check of that user.
                    if let Ok(entry) = serde_json::from_str::<Entry>(&line) {
                        done.insert(entry_hash(&entry.user, &entry.target, &entry.source_sha256));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(state_error(path, e)),
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| state_error(path, e))?;
        Ok(SyncState {
            path: path.to_path_buf(),
            done: Mutex::new(done),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn contains(&self, user: &str, target: &str, sha256: &str) -> bool {
        self.done
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&entry_hash(user, target, sha256))
    }

    /// Remember that `target` holds the picture with this source hash for `user`.
    pub fn record(&self, user: &str, target: &str, sha256: &str) -> Result<()> {
        let hash = entry_hash(user, target, sha256);
        if !self
            .done
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(hash)
        {
            return Ok(());
        }
        let mut line = serde_json::to_vec(&Entry {
            user: user.to_string(),
            target: target.to_string(),
            source_sha256: sha256.to_string(),
        })
        .map_err(|e| Error::config(format!("cannot encode state entry: {e}")))?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)
            .and_then(|_| file.flush())
            .map_err(|e| state_error(&self.path, e))
    }
}

fn state_error(path: &Path, e: std::io::Error) -> Error {
    Error::config(format!("cannot use state file {}: {e}", path.display()))
        .with_hint("check the path given to --state and its permissions")
}
