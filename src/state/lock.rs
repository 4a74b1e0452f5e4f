//! One writer per state file. Two runs appending to one file lose entries (compaction renames
//! a new file over the path while the other run keeps appending to the old one), so a run
//! that writes the state holds an exclusive lock on a side file, `<state>.lock`, for as long
//! as it runs; the OS releases it when the process ends, however it ends. The side file is
//! never renamed (the state file is), and it names the holder for the run that is refused.
//! Readers (`status --state`, `sync --dry-run`) never take the lock, so they never wait.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Held by a run that writes the state; dropping it (or exiting) lets the next writer in.
pub(super) struct WriterLock {
    _file: File,
}

/// Take the writer's lock for `state`, or say which run holds it.
pub(super) fn take(state: &Path) -> Result<WriterLock> {
    let path = lock_path(state);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| lock_error(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(in_use(state, &path)),
        Err(TryLockError::Error(e)) => return Err(lock_error(&path, e)),
    }
    // Who holds it, for the run that will be refused; a failure here costs only that line.
    let holder = format!(
        "pid {} on {} since {}\n",
        std::process::id(),
        host_name(),
        httpdate::fmt_http_date(std::time::SystemTime::now())
    );
    if file.set_len(0).is_ok() {
        let _ = file.write_all(holder.as_bytes());
    }
    Ok(WriterLock { _file: file })
}

fn in_use(state: &Path, lock: &Path) -> Error {
    // The holder wrote its line just after locking; on Windows a locked file cannot be read.
    let holder = std::fs::read_to_string(lock)
        .ok()
        .map(|text| crate::terminal::printable(text.trim()))
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "another run".to_string());
    Error::config(format!(
        "the state file {} is in use by another run ({holder})",
        state.display()
    ))
    .with_hint(
        "wait for that run to end, or give this run its own --state file; \
         `status --state` and `sync --dry-run` only read it and may run alongside",
    )
}

fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

fn host_name() -> String {
    // Linux names it here; elsewhere the pid and the time say enough.
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "this machine".to_string())
}

fn lock_error(path: &Path, e: std::io::Error) -> Error {
    Error::config(format!("cannot lock state file {}: {e}", path.display()))
        .with_hint("check that the folder of the --state file is writable")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state.jsonl");
        let first = take(&state).expect("first writer");
        let refused = take(&state).err().expect("second writer refused");
        assert_eq!(refused.class.exit_code(), 2);
        assert!(
            refused
                .message
                .contains(&format!("pid {}", std::process::id())),
            "{}",
            refused.message
        );
        drop(first);
        take(&state).expect("the next writer once the first is gone");
    }
}
