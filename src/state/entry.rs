//! One line of the state file, and the compact form kept in memory for each (user, target).
//!
//! The file holds full JSON lines (readable, greppable, mergeable by `cat`); memory holds
//! only a 128-bit key, 128-bit digests of the source and of PhotoSync's own write, and a few
//! numbers per entry, so 100k users cost a few megabytes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One line: what sync last knew about `user` in `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The user's stable key (`guid:…`, `upn:…`, …; see `user_key`).
    pub user: String,
    /// The target's identity (see `target`): which folder, tenant, directory or origin.
    pub target: String,
    /// SHA-256 of the source photo's bytes: "the source is unchanged" is exact.
    pub source_sha256: String,
    /// SHA-256 of the target's bytes as read back after PhotoSync's own verified write: the
    /// one exact fingerprint of that write as the service stores it (services re-encode).
    /// Empty when PhotoSync found the picture already there, on a pending write, and on lines
    /// from older versions: then the target is judged by its picture alone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub written_sha256: String,
    /// Unix seconds of the write, or of the read that showed the target already held it.
    /// Absent on lines from older versions, which are ignored.
    #[serde(default)]
    pub at: Option<u64>,
    /// Whether a read-back showed the picture; `false` = written but not yet seen (pending).
    #[serde(default)]
    pub verified: bool,
    /// The target's object the line is about (the store's key for it: a Graph object id, a
    /// DN, a file stem). A later run that skips this user without looking still claims it, so
    /// another record of the run that resolves to it is refused (`duplicate-user`). Absent on
    /// lines from older versions.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub object: String,
}

/// Hash of (user, target): the in-memory key. SHA-256 (not std's hasher) so it is the same
/// in every build and process.
pub type Key = [u8; 16];

pub fn key_of(user: &str, target: &str) -> Key {
    let mut hasher = Sha256::new();
    hasher.update(user.as_bytes());
    hasher.update([0u8]);
    hasher.update(target.as_bytes());
    first_16(&hasher.finalize())
}

/// A target object's key (`Entry::object`, `StoreUser::key`) as 16 bytes: what the run's
/// claims compare, from the state file or from a look at the target alike.
pub fn object_digest(key: &str) -> [u8; 16] {
    first_16(&Sha256::digest(key.as_bytes()))
}

/// A source's SHA-256 (hex) as 16 bytes; any other string is hashed so it still compares.
pub fn source_digest(sha256_hex: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    let bytes = sha256_hex.as_bytes();
    if bytes.len() == 64 && bytes.iter().all(u8::is_ascii_hexdigit) {
        for (i, pair) in bytes.chunks_exact(2).take(16).enumerate() {
            out[i] = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
        }
        out
    } else {
        first_16(&Sha256::digest(bytes))
    }
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.to_ascii_lowercase().wrapping_sub(b'a') + 10,
    }
}

fn first_16(digest: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// What memory keeps of the latest line for a (user, target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Live {
    pub source: [u8; 16],
    /// The digest of PhotoSync's own verified write (`writtenSha256`), when the line has one.
    pub written: Option<[u8; 16]>,
    pub at: u64,
    pub verified: bool,
    /// `object_digest` of the line's `object`, when it has one.
    pub object: Option<[u8; 16]>,
    /// Where the line starts in the file and how long it is (with its newline), for
    /// compaction and the live-size estimate.
    pub offset: u64,
    pub len: u64,
}

/// What a later run or `status` may ask about a (user, target): when it was last written
/// (or seen in place) and whether that was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastWrite {
    pub written_at: std::time::SystemTime,
    pub verified: bool,
}

/// PhotoSync's own verified write to a target, as the state records it: which source picture
/// it was made from, and exactly what the target returned when it was read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedWrite {
    source: [u8; 16],
    written: [u8; 16],
}

impl VerifiedWrite {
    /// Whether a target's bytes (their SHA-256) are this write, byte for byte.
    pub fn is_held_as(&self, target_sha256: &str) -> bool {
        source_digest(target_sha256) == self.written
    }

    /// Whether this write was made from the source picture with this SHA-256.
    pub fn is_of_source(&self, source_sha256: &str) -> bool {
        source_digest(source_sha256) == self.source
    }

    /// A write of `source_sha256` read back as `written_sha256`, for the verdict's tests.
    #[cfg(test)]
    pub(crate) fn of(source_sha256: &str, written_sha256: &str) -> VerifiedWrite {
        VerifiedWrite {
            source: source_digest(source_sha256),
            written: source_digest(written_sha256),
        }
    }
}

impl Live {
    /// Read what an entry says (at `offset`, `len` bytes with its newline).
    pub fn of(entry: &Entry, offset: u64, len: u64) -> Live {
        Live {
            source: source_digest(&entry.source_sha256),
            written: (entry.verified && !entry.written_sha256.is_empty())
                .then(|| source_digest(&entry.written_sha256)),
            at: entry.at.unwrap_or(0),
            verified: entry.verified,
            object: (!entry.object.is_empty()).then(|| object_digest(&entry.object)),
            offset,
            len,
        }
    }

    /// PhotoSync's own verified write, when this entry records one.
    pub fn verified_write(&self) -> Option<VerifiedWrite> {
        self.written.map(|written| VerifiedWrite {
            source: self.source,
            written,
        })
    }

    pub fn last_write(&self) -> LastWrite {
        let at = std::time::Duration::from_secs(self.at);
        LastWrite {
            // Entries from the future are refused on load; this only guards the arithmetic.
            written_at: std::time::UNIX_EPOCH
                .checked_add(at)
                .unwrap_or_else(std::time::SystemTime::now),
            verified: self.verified,
        }
    }
}

/// Parse one line (without its newline). `None` for anything that is not a current entry.
pub fn parse_line(line: &[u8]) -> Option<Entry> {
    let entry: Entry = serde_json::from_slice(line).ok()?;
    entry.at?;
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_across_builds() {
        // Pinned: a change here would silently invalidate every state file in the field.
        let key = key_of("upn:ann@contoso.com", "graph|t|https://graph.microsoft.com");
        assert_eq!(
            key,
            key_of("upn:ann@contoso.com", "graph|t|https://graph.microsoft.com")
        );
        assert_ne!(
            key,
            key_of("upn:ann@contoso.com", "graph|u|https://graph.microsoft.com")
        );
        // "a" + "bc" and "ab" + "c" must not collide.
        assert_ne!(key_of("a", "bc"), key_of("ab", "c"));
    }

    #[test]
    fn source_digest_reads_hex_and_hashes_anything_else() {
        let hex = "00ff".repeat(16);
        assert_eq!(source_digest(&hex)[..2], [0x00, 0xff]);
        assert_ne!(source_digest("not hex"), source_digest("not hex either"));
    }

    #[test]
    fn lines_with_the_signatures_older_versions_wrote_still_load() {
        // Until 2026-12 each line also held two perceptual signatures (4 KB) that no decision
        // read; a file written then must keep every entry.
        let line = br#"{"user":"u","target":"graph","sourceSha256":"ab","sourceSignature":"AQ","writtenSignature":"AQ","writtenSha256":"cd","at":5,"verified":true}"#;
        let entry = parse_line(line).expect("an older line loads");
        assert_eq!(
            (entry.written_sha256.as_str(), entry.verified),
            ("cd", true)
        );
        let written = serde_json::to_string(&entry).expect("serialise");
        assert!(!written.contains("Signature"), "{written}");
    }

    #[test]
    fn lines_from_older_versions_are_not_entries() {
        assert!(parse_line(br#"{"user":"u","target":"graph","sourceSha256":"ab"}"#).is_none());
        let line = br#"{"user":"u","target":"graph","sourceSha256":"ab","at":5,"verified":true}"#;
        assert_eq!(parse_line(line).map(|e| e.verified), Some(true));
    }
}
