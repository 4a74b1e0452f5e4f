//! Files written whole: a temporary file beside the target, renamed over it when complete, so
//! a reader never sees half a file and a failed write leaves the old one as it was.
//!
//! The temporary file is created exclusively (`create_new`: O_EXCL, which never follows a
//! symlink) under a random name, so a file or link planted in a shared folder can neither
//! redirect the write nor be overwritten; it is removed whatever happens unless renamed.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// A temporary file in the target's directory, removed on drop unless renamed into place.
pub struct PartialFile {
    path: PathBuf,
    file: File,
    renamed: bool,
}

impl PartialFile {
    /// Create `.{name}.{random}.partial` beside `target` (its directory must exist; `name` cut to
    /// 200 bytes).
    pub fn beside(target: &Path) -> std::io::Result<Self> {
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        // At most 200 bytes of it: the 26 bytes around it must still fit the 255 a file name
        // may have, whatever the target's own name.
        // (`floor_char_boundary` is newer than the crate's minimum Rust.)
        let end = (0..=name.len().min(200))
            .rev()
            .find(|&i| name.is_char_boundary(i))
            .unwrap_or(0);
        let name = &name[..end];
        // A clash means someone else's file: try another name, never open theirs.
        for _ in 0..16 {
            let path = dir.join(format!(".{name}.{:016x}.partial", fastrand::u64(..)));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(PartialFile {
                        path,
                        file,
                        renamed: false,
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::new(
            ErrorKind::AlreadyExists,
            "no free temporary file name beside the target",
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Put the complete file at `to` (replacing what was there; a link there is replaced,
    /// not followed).
    pub fn rename_to(mut self, to: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, to)?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.renamed {
            // On failure nothing else can be done; the name was ours alone.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Write `bytes` as `dir/name` whole (creating `dir` when missing).
pub fn write_whole(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    let mut partial = PartialFile::beside(&target)?;
    partial.file().write_all(bytes)?;
    partial.rename_to(&target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_random_and_removed_unless_renamed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("a.jpg");
        let one = PartialFile::beside(&target).expect("one");
        let two = PartialFile::beside(&target).expect("two");
        assert_ne!(one.path(), two.path());
        let leftover = one.path().to_path_buf();
        drop(one);
        assert!(!leftover.exists());
        two.rename_to(&target).expect("rename");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["a.jpg"]);
    }

    /// A name of 255 bytes, the most a file system allows, is still written: the temporary
    /// name beside it keeps only 200 bytes of it (cut on a character, not inside one).
    #[test]
    fn the_longest_file_name_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["a".repeat(251) + ".jpg", "é".repeat(125) + "a.jpg"] {
            assert_eq!(name.len(), 255);
            write_whole(dir.path(), &name, b"photo").expect("written");
            assert_eq!(
                std::fs::read(dir.path().join(&name)).expect("read"),
                b"photo"
            );
        }
    }
}
