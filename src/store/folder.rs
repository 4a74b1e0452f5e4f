//! A folder of photo files named after users by a naming rule such as `{samAccountName}.jpg`
//! or `{userPrincipalName}.*` (any image extension). Matching is case-insensitive, so the
//! HR export `ALICE.JPG` is Alice's photo.
//!
//! The folder is listed once when the store opens; files that no user claimed during the run
//! are reported by `final_findings` (`unmatched-file`), users without a file read as absent.
//! The store writes (export) only when opened as a sync target, and never deletes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::json;

use super::{
    Capabilities, PhotoRead, PhotoStore, RenditionKind, StoreRole, StoreUser, StoredPhoto,
};
use crate::error::{Error, ErrorClass, Result};
use crate::photo::{self, SourcePhoto};
use crate::schema::{ErrorCode, Finding, FindingCode, Severity, UserRecord};

/// The rule used when the spec names none.
pub const DEFAULT_RULE: &str = "{userPrincipalName}.*";

/// Extensions a `.*` rule matches, in the order preferred when a user has several files.
const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "gif", "webp", "bmp"];

const PLACEHOLDERS: &[&str] = &[
    "userPrincipalName",
    "upn",
    "samAccountName",
    "sam",
    "mail",
    "employeeId",
    "objectGuid",
];

/// How a user's file is named: a stem template with placeholders and an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingRule {
    stem: String,
    /// Lower-case extension without the dot; `None` = any image extension (`.*`).
    extension: Option<String>,
}

impl NamingRule {
    pub fn parse(rule: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::config(format!("naming rule `{rule}` {why}")).with_hint(
                "use a rule such as {samAccountName}.jpg, {userPrincipalName}.* or {mail}.png",
            )
        };
        if rule.contains(['/', '\\']) {
            return Err(bad("must name a file, not a path"));
        }
        let literal: String = {
            // The rule's own text outside the placeholders must be file-name safe too.
            let mut text = String::new();
            let mut depth = 0;
            for c in rule.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    c if depth == 0 => text.push(c),
                    _ => {}
                }
            }
            text
        };
        if literal
            .chars()
            .any(|c| c.is_control() || (c != '*' && WINDOWS_FORBIDDEN.contains(&c)))
            || literal.matches('*').count() > usize::from(rule.ends_with(".*"))
        {
            return Err(bad(
                "contains a character file names cannot hold on Windows",
            ));
        }
        let Some((stem, ext)) = rule.rsplit_once('.') else {
            return Err(bad("needs an extension (.jpg, .png or .* for any image)"));
        };
        let extension = match ext.to_ascii_lowercase().as_str() {
            "*" => None,
            e if IMAGE_EXTENSIONS.contains(&e) => Some(e.to_string()),
            _ => return Err(bad("has an extension that is not an image type")),
        };
        let mut rest = stem;
        let mut placeholders = 0;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(bad("has an unclosed `{`"));
            };
            let name = &rest[open + 1..open + close];
            if !PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                return Err(bad(&format!(
                    "uses unknown placeholder {{{name}}} (known: {})",
                    PLACEHOLDERS.join(", ")
                )));
            }
            placeholders += 1;
            rest = &rest[open + close + 1..];
        }
        if placeholders == 0 {
            return Err(bad("names no user property in braces"));
        }
        Ok(NamingRule {
            stem: stem.to_string(),
            extension,
        })
    }

    /// The file stem for this user: `Ok(None)` when the user lacks a property the rule needs,
    /// an input error when a value cannot be a plain file name on Windows or Unix (it could
    /// escape the folder, open a device or an alternate data stream, or be silently renamed).
    pub fn stem_for(&self, user: &UserRecord) -> Result<Option<String>> {
        let mut out = String::new();
        let mut rest = self.stem.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                return Ok(None);
            };
            let name = &rest[open + 1..close];
            let Some(value) = placeholder_value(name, user) else {
                return Ok(None);
            };
            let value = value.trim();
            if value.is_empty() {
                return Ok(None);
            }
            if let Some(why) = unsafe_in_file_name(value) {
                return Err(unsafe_name(name, value, why));
            }
            out.push_str(value);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        let extension = self.extension.as_deref().unwrap_or("jpg");
        if let Some(why) = unsafe_file_name(&out, extension) {
            return Err(unsafe_name("the rule", &out, why));
        }
        Ok(Some(out))
    }

    fn accepts(&self, ext: &str) -> bool {
        match &self.extension {
            Some(e) => e == ext || (e == "jpg" && ext == "jpeg") || (e == "jpeg" && ext == "jpg"),
            None => IMAGE_EXTENSIONS.contains(&ext),
        }
    }
}

impl std::fmt::Display for NamingRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ext = self.extension.as_deref().unwrap_or("*");
        write!(f, "{}.{ext}", self.stem)
    }
}

fn placeholder_value<'a>(name: &str, user: &'a UserRecord) -> Option<&'a str> {
    let field = match name.to_ascii_lowercase().as_str() {
        "userprincipalname" | "upn" => &user.user_principal_name,
        "samaccountname" | "sam" => &user.sam_account_name,
        "mail" => &user.mail,
        "employeeid" => &user.employee_id,
        "objectguid" => &user.object_guid,
        _ => return None,
    };
    field.as_deref()
}

/// Characters Windows refuses in file names (`:` would also open an alternate data stream).
const WINDOWS_FORBIDDEN: &[char] = &['<', '>', ':', '"', '|', '?', '*', '/', '\\'];

/// Why a placeholder value cannot go into a file name, if it cannot.
fn unsafe_in_file_name(value: &str) -> Option<&'static str> {
    if value.chars().any(char::is_control) {
        Some("contains control characters")
    } else if value.contains(WINDOWS_FORBIDDEN) {
        Some("contains a path separator, a drive or stream colon, or a character Windows forbids")
    } else if value.contains("..") || value == "." {
        Some("contains `..`")
    } else {
        None
    }
}

/// Device names Windows opens instead of a file, whatever the extension (`NUL.jpg`).
fn is_windows_device(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or(stem).trim_end_matches(' ');
    let upper = base.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let prefix = upper.get(..3).unwrap_or_default();
            let digit = upper.get(3..).unwrap_or_default();
            (prefix == "COM" || prefix == "LPT")
                && (matches!(digit, "¹" | "²" | "³")
                    || (digit.len() == 1 && digit.bytes().all(|b| b.is_ascii_digit())))
        }
    }
}

/// Why the whole file name `stem.extension` is unsafe, if it is.
fn unsafe_file_name(stem: &str, extension: &str) -> Option<&'static str> {
    if is_windows_device(stem) {
        Some("is a reserved device name on Windows (CON, NUL, COM1, LPT1, ...)")
    } else if stem.ends_with(['.', ' ']) || stem.starts_with(' ') {
        Some("begins with a space or ends with a dot or space, which Windows strips")
    } else if stem.len() + extension.len() + 1 > 255 {
        Some("is longer than a file name may be")
    } else {
        None
    }
}

fn unsafe_name(what: &str, value: &str, why: &str) -> Error {
    Error::input(
        ErrorCode::StoreRejected,
        format!(
            "{what} value `{}` cannot name a photo file: it {why}",
            value.escape_default()
        ),
    )
    .with_hint(
        "fix the value in the input, or name files by another property (e.g. {objectGuid}.jpg)",
    )
}

/// Split `DIR[:RULE]`: the rule is the part after the last `:` when it contains `{`, so
/// Windows paths (`C:\photos`) keep their drive colon.
pub fn parse_spec(rest: &str) -> Result<(PathBuf, NamingRule)> {
    let (dir, rule) = match rest.rsplit_once(':') {
        Some((dir, rule)) if rule.contains('{') => (dir, rule),
        _ => (rest, DEFAULT_RULE),
    };
    if dir.is_empty() {
        return Err(Error::config("the folder store needs a directory")
            .with_hint("write folder:DIR or folder:DIR:{samAccountName}.jpg"));
    }
    Ok((PathBuf::from(dir), NamingRule::parse(rule)?))
}

/// One photo file found in the folder.
#[derive(Debug, Clone)]
struct IndexedFile {
    name: String,
    extension: String,
}

pub struct FolderStore {
    dir: PathBuf,
    rule: NamingRule,
    writable: bool,
    /// Lower-case stem -> files with that stem.
    index: Mutex<HashMap<String, Vec<IndexedFile>>>,
    /// Hashes of the lower-case stems some user claimed (8 bytes per user, not the string).
    claimed: Mutex<HashSet<u64>>,
}

impl FolderStore {
    /// Open `DIR[:RULE]`. A missing target folder is created at the first write; a folder to
    /// read must exist.
    pub fn open_spec(rest: &str, role: StoreRole) -> Result<Self> {
        let (dir, rule) = parse_spec(rest)?;
        Self::open(dir, rule, role)
    }

    pub fn open(dir: PathBuf, rule: NamingRule, role: StoreRole) -> Result<Self> {
        let writable = role == StoreRole::Target;
        let mut index: HashMap<String, Vec<IndexedFile>> = HashMap::new();
        // A missing target folder is created at the first write, so a dry run leaves no trace.
        if writable && !dir.exists() {
            return Ok(FolderStore {
                dir,
                rule,
                writable,
                index: Mutex::new(index),
                claimed: Mutex::new(HashSet::new()),
            });
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            Error::config(format!("cannot list folder {}: {e}", dir.display()))
                .with_hint("check the DIR in folder:DIR[:RULE]")
        })?;
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Some((stem, ext)) = name.rsplit_once('.') else {
                continue;
            };
            let ext = ext.to_ascii_lowercase();
            if !rule.accepts(&ext) {
                continue;
            }
            index
                .entry(stem.to_lowercase())
                .or_default()
                .push(IndexedFile {
                    name: name.clone(),
                    extension: ext,
                });
        }
        for files in index.values_mut() {
            files.sort_by_key(|f| {
                IMAGE_EXTENSIONS
                    .iter()
                    .position(|e| *e == f.extension)
                    .unwrap_or(usize::MAX)
            });
        }
        Ok(FolderStore {
            dir,
            rule,
            writable,
            index: Mutex::new(index),
            claimed: Mutex::new(HashSet::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn files_for(&self, stem: &str) -> Vec<IndexedFile> {
        lock(&self.index)
            .get(&stem.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}

/// The file bytes for a photo saved with this extension: the graph rendition as JPEG, the
/// square as PNG; any other existing type cannot be replaced.
fn encode_for(extension: &str, photo: &SourcePhoto) -> Result<Vec<u8>> {
    match extension {
        "jpg" | "jpeg" => Ok(photo::render_graph(photo)?.bytes),
        "png" => {
            let mut out = Cursor::new(Vec::new());
            photo
                .square
                .write_to(&mut out, image::ImageFormat::Png)
                .map_err(|e| {
                    Error::new(
                        ErrorCode::PhotoUnreadable,
                        ErrorClass::Failed,
                        format!("cannot encode PNG: {e}"),
                    )
                })?;
            Ok(out.into_inner())
        }
        // One user's existing file, not the run's configuration: that user fails.
        other => Err(Error::new(
            ErrorCode::StoreRejected,
            ErrorClass::Failed,
            format!(
                "the existing .{other} file cannot be replaced: photosync writes only JPEG and PNG"
            ),
        )
        .with_hint("convert or remove the file, or use a rule ending in .jpg or .png")),
    }
}

fn stem_hash(lower_stem: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(lower_stem, &mut h);
    std::hash::Hasher::finish(&h)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave these maps half-updated in a way that matters here.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl PhotoStore for FolderStore {
    fn name(&self) -> &str {
        "folder"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            can_write: self.writable,
            can_delete: false,
            rendition: RenditionKind::Graph,
        }
    }

    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let Some(stem) = self.rule.stem_for(user)? else {
            return Ok(None);
        };
        lock(&self.claimed).insert(stem_hash(&stem.to_lowercase()));
        let mut details = BTreeMap::new();
        details.insert("rule".to_string(), json!(self.rule.to_string()));
        Ok(Some(StoreUser { key: stem, details }))
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        let files = self.files_for(&user.key);
        let Some(file) = files.first() else {
            return Ok(PhotoRead::default());
        };
        let path = self.dir.join(&file.name);
        // Read and fingerprinted within one slot of the photo budget (the caller's, when it
        // holds one): a photo file's bytes never wait for their decode outside it.
        let stored = photo::admitted(async {
            let (file, limit) = (path.clone(), photo::DecodeLimits::default().max_bytes);
            let bytes = photo::off_thread(move || photo::read_photo_file(&file, limit)).await?;
            StoredPhoto::fingerprint(bytes).await.map_err(|e| Error {
                message: format!("{}: {}", path.display(), e.message),
                ..e
            })
        })
        .await?;
        let mut details = BTreeMap::new();
        details.insert("file".to_string(), json!(path.display().to_string()));
        if files.len() > 1 {
            let others: Vec<&str> = files[1..].iter().map(|f| f.name.as_str()).collect();
            details.insert("otherFiles".to_string(), json!(others));
        }
        Ok(PhotoRead {
            photo: Some(stored),
            details,
            findings: Vec::new(),
        })
    }

    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        if !self.writable {
            return Err(Error::config(format!(
                "the folder {} is only read in this run",
                self.dir.display()
            ))
            .with_hint("name the folder in --targets to export photos into it"));
        }
        let existing = self.files_for(&user.key).into_iter().next();
        let (name, extension) = match (&existing, &self.rule.extension) {
            (Some(file), _) => (file.name.clone(), file.extension.clone()),
            (None, Some(ext)) => (format!("{}.{ext}", user.key), ext.clone()),
            (None, None) => (format!("{}.jpg", user.key), "jpg".to_string()),
        };
        let path = self.dir.join(&name);
        // Belt and braces: whatever the name, the file lands directly in the target folder.
        if path.parent() != Some(self.dir.as_path()) || Path::new(&name).components().count() != 1 {
            return Err(unsafe_name(
                "the file",
                &name,
                "does not name a file in the folder",
            ));
        }
        let bytes = {
            let extension = extension.clone();
            photo::render_off_thread(photo, move |photo| encode_for(&extension, photo))
                .await
                .map_err(|e| Error {
                    message: format!("{}: {}", path.display(), e.message),
                    ..e
                })?
        };
        let dir = self.dir.clone();
        let file = name.clone();
        // On a blocking thread that finishes even when the run is interrupted: the file is
        // either replaced whole or left as it was, and no partial file stays behind.
        tokio::task::spawn_blocking(move || crate::partial_file::write_whole(&dir, &file, &bytes))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|written| written)
            .map_err(|e| {
                Error::new(
                    ErrorCode::StoreRejected,
                    ErrorClass::Failed,
                    format!("cannot write {}: {e}", path.display()),
                )
                .with_hint("check free space and permissions on the folder")
            })?;
        if existing.is_none() {
            lock(&self.index)
                .entry(user.key.to_lowercase())
                .or_default()
                .push(IndexedFile { name, extension });
        }
        Ok(())
    }

    async fn final_findings(&self) -> Vec<Finding> {
        let claimed = lock(&self.claimed).clone();
        let index = lock(&self.index);
        let mut names: Vec<&str> = index
            .iter()
            .filter(|(stem, _)| !claimed.contains(&stem_hash(stem)))
            .flat_map(|(_, files)| files.iter().map(|f| f.name.as_str()))
            .collect();
        names.sort_unstable();
        names
            .into_iter()
            .map(|name| Finding {
                code: FindingCode::UnmatchedFile,
                severity: Severity::Info,
                store: Some("folder".to_string()),
                message: format!(
                    "{} matches no user in the input (rule {})",
                    self.dir.join(name).display(),
                    self.rule
                ),
                hint: "rename the file to the rule, or add the user to the input".to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_keeps_windows_drive_colons() {
        let (dir, rule) = parse_spec(r"C:\photos:{samAccountName}.jpg").expect("spec");
        assert_eq!(dir, PathBuf::from(r"C:\photos"));
        assert_eq!(rule.to_string(), "{samAccountName}.jpg");
        let (dir, rule) = parse_spec(r"C:\photos").expect("spec");
        assert_eq!(dir, PathBuf::from(r"C:\photos"));
        assert_eq!(rule.to_string(), DEFAULT_RULE);
    }

    #[test]
    fn bad_rules_are_config_errors() {
        for rule in [
            "{nope}.jpg",
            "alice.jpg",
            "{mail}",
            "{mail}.txt",
            "x/{mail}.jpg",
        ] {
            let err = NamingRule::parse(rule).expect_err(rule);
            assert_eq!(err.class, ErrorClass::Config, "{rule}");
        }
    }

    fn sam(value: &str) -> UserRecord {
        UserRecord {
            sam_account_name: Some(value.into()),
            ..Default::default()
        }
    }

    // Regression: only `/`, `\` and `..` were refused, so on Windows `C:evil`, `a:stream`
    // (an alternate data stream), `NUL` or `COM1` (devices) and `ann.` (renamed) got through.
    #[test]
    fn values_unsafe_on_windows_or_unix_are_the_records_error() {
        let rule = NamingRule::parse("{samAccountName}.jpg").expect("rule");
        for value in [
            "../etc/passwd",
            "a/b",
            r"a\b",
            "..",
            "a..b",
            "C:",
            "C:evil",
            "ann:secret",
            "CON",
            "nul",
            "Com1",
            "LPT9",
            "com¹",
            "aux.backup",
            "ann.",
            "bad\u{0}nul",
            "tab\there",
            "what?",
            "a*b",
            "<x>",
            "pipe|",
            "quote\"",
        ] {
            let err = rule.stem_for(&sam(value)).expect_err(value);
            assert_eq!(err.class, ErrorClass::Input, "{value}");
        }
        for value in [
            "ann",
            "console",
            "COM10",
            "lpt",
            "o'neil",
            "jürgen.ørsted",
            "a.b",
        ] {
            assert_eq!(
                rule.stem_for(&sam(value)).expect(value).as_deref(),
                Some(value)
            );
        }
        // A missing or blank property is "not in this folder", not an error.
        assert_eq!(rule.stem_for(&UserRecord::default()).expect("none"), None);
        assert_eq!(rule.stem_for(&sam("  ")).expect("blank"), None);
        // Values are trimmed; a rule that itself ends the stem in a space is refused.
        assert_eq!(
            rule.stem_for(&sam(" ann ")).expect("trimmed").as_deref(),
            Some("ann")
        );
        let spaced = NamingRule::parse("{samAccountName} .jpg").expect("rule");
        assert!(spaced.stem_for(&sam("ann")).is_err());
        // The rule's own text is checked too.
        for bad in ["{sam}?.jpg", "{sam}|.jpg", "{sam}*x.jpg", "{sam}<.png"] {
            assert!(NamingRule::parse(bad).is_err(), "{bad}");
        }
        assert!(NamingRule::parse("{sam}.*").is_ok());
    }
}
