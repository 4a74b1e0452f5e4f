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

    /// The file stem for this user, or `None` when the user lacks a property the rule needs
    /// or a value could escape the folder.
    pub fn stem_for(&self, user: &UserRecord) -> Option<String> {
        let mut out = String::new();
        let mut rest = self.stem.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}')?;
            let value = placeholder_value(&rest[open + 1..close], user)?;
            let value = value.trim();
            if value.is_empty() || value.contains(['/', '\\', '\0']) || value == ".." {
                return None;
            }
            out.push_str(value);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Some(out)
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

    fn encode_for(&self, extension: &str, photo: &SourcePhoto) -> Result<Vec<u8>> {
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
            other => Err(
                Error::config(format!("the folder store cannot export .{other} files"))
                    .with_hint("use a rule ending in .jpg, .png or .*"),
            ),
        }
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
        let Some(stem) = self.rule.stem_for(user) else {
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
        let bytes = tokio::fs::read(&path).await.map_err(|e| {
            Error::input(
                ErrorCode::PhotoFileUnreadable,
                format!("cannot read {}: {e}", path.display()),
            )
            .with_hint("check the file's permissions")
        })?;
        let stored = StoredPhoto::fingerprint(bytes).await.map_err(|e| Error {
            message: format!("{}: {}", path.display(), e.message),
            ..e
        })?;
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
        let bytes = self.encode_for(&extension, photo)?;
        let path = self.dir.join(&name);
        // Write beside the target and rename, so a reader never sees half a file.
        let partial = self.dir.join(format!(".{name}.partial"));
        let io_error = |e: std::io::Error| {
            Error::new(
                ErrorCode::StoreRejected,
                ErrorClass::Failed,
                format!("cannot write {}: {e}", path.display()),
            )
            .with_hint("check free space and permissions on the folder")
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(io_error)?;
        tokio::fs::write(&partial, &bytes).await.map_err(io_error)?;
        tokio::fs::rename(&partial, &path).await.map_err(io_error)?;
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

    #[test]
    fn values_that_escape_the_folder_give_no_file_name() {
        let rule = NamingRule::parse("{samAccountName}.jpg").expect("rule");
        let user = UserRecord {
            sam_account_name: Some("../etc/passwd".into()),
            ..Default::default()
        };
        assert_eq!(rule.stem_for(&user), None);
    }
}
