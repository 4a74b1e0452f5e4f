//! Reading a photo file someone else named: a record's `PhotoPath`, a folder store's file, a
//! command-line argument. Only a regular file is a photo: a device (`/dev/zero`) would be read
//! without end and a FIFO would hang the run, so both are refused at once. The file is opened
//! without waiting for a FIFO's writer, checked on the open handle (not the path, which may
//! change in between), and never read past the byte limit plus one byte.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::schema::ErrorCode;

/// The bytes of the photo file at `path`, at most `max_bytes` of them.
pub fn read_photo_file(path: &Path, max_bytes: usize) -> Result<Vec<u8>> {
    let unreadable = |e: std::io::Error| {
        Error::input(
            ErrorCode::PhotoFileUnreadable,
            format!("cannot read photo file {}: {e}", path.display()),
        )
        .with_hint(
            "check the path and that you may read the file (a relative PhotoPath is relative to the input file's folder)",
        )
    };
    let file = open_without_waiting(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(Error::input(
            ErrorCode::PhotoFileUnreadable,
            format!(
                "{} is not a regular file (it is {})",
                path.display(),
                kind_of(&meta)
            ),
        )
        .with_hint("name a photo file (JPEG, PNG, ...), not a device, pipe or folder"));
    }
    let too_large = |len: u64| {
        Error::input(
            ErrorCode::PhotoTooLarge,
            format!(
                "{} is {len} bytes, over the {max_bytes} byte limit for photos",
                path.display()
            ),
        )
        .with_hint("use a smaller photo (a few hundred pixels square is plenty), saved as JPEG")
    };
    if meta.len() > max_bytes as u64 {
        return Err(too_large(meta.len()));
    }
    // The file may grow between the check and the read: never read more than the limit allows.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Open for reading; on Unix without blocking on a FIFO that has no writer (for a regular
/// file the flag changes nothing).
fn open_without_waiting(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_within_the_limit_and_anything_else_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let photo = dir.path().join("a.jpg");
        std::fs::write(&photo, b"12345").expect("write");
        assert_eq!(read_photo_file(&photo, 5).expect("read"), b"12345");
        let err = read_photo_file(&photo, 4).expect_err("too large");
        assert_eq!(err.code, ErrorCode::PhotoTooLarge);
        let err = read_photo_file(dir.path(), 5).expect_err("a folder");
        assert!(err.message.contains("a folder"), "{}", err.message);
        #[cfg(unix)]
        {
            let err = read_photo_file(Path::new("/dev/zero"), 5).expect_err("a device");
            assert!(err.message.contains("a device"), "{}", err.message);
        }
    }
}
