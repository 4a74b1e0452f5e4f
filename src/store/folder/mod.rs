//! A folder of photo files named after users by a naming rule such as `{samAccountName}.jpg`
//! or `{userPrincipalName}.*` (any image extension). Matching is case-insensitive, so the
//! HR export `ALICE.JPG` is Alice's photo; a user with two files that differ only by case
//! (`Ann.jpg` and `ann.jpg`) is refused rather than given whichever the directory lists first.
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

mod rule;

pub use rule::{DEFAULT_RULE, NamingRule};
use rule::{IMAGE_EXTENSIONS, unsafe_name};

use super::registry::{Backend, Opening};
use super::spec::{Location, StoreSpec};
use super::{
    Capabilities, PhotoRead, PhotoStore, Proofs, RunContext, StoreClass, StoreRole, StoreUser,
    StoredPhoto, state_key,
};
use crate::error::{Error, ErrorClass, Result};
use crate::photo::{self, RenditionSpec, SourcePhoto};
use crate::schema::{ErrorCode, Finding, FindingCode, Severity, UserRecord};

/// The `folder` entry of the store registry.
pub const BACKEND: Backend = Backend {
    name: "folder",
    syntax: "folder:DIR[:RULE]",
    description: "files in DIR named by RULE, e.g. {samAccountName}.jpg (default {userPrincipalName}.*); written only when named in --targets",
    settings: &[],
    rendition: Some(RENDITION),
    permissions: None,
    parse_argument: Some(parse_location),
    open,
};

/// A JPEG export gets what Microsoft 365 keeps: the source's size up to 648x648.
pub const RENDITION: RenditionSpec = super::graph::RENDITION;

/// Where a folder spec points: the directory and the naming rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderLocation {
    pub dir: PathBuf,
    pub rule: NamingRule,
}

fn parse_location(argument: Option<&str>) -> Result<Location> {
    let (dir, rule) = parse_spec(argument.unwrap_or(""))?;
    Ok(Location::new(FolderLocation { dir, rule }))
}

fn open<'a>(spec: &'a StoreSpec, role: StoreRole, _ctx: &'a RunContext) -> Opening<'a> {
    Box::pin(async move {
        let location = spec
            .location::<FolderLocation>()
            .ok_or_else(|| Error::config("the folder store needs a directory"))?;
        let store: Box<dyn PhotoStore> = Box::new(FolderStore::open(
            location.dir.clone(),
            location.rule.clone(),
            role,
        )?);
        Ok(store)
    })
}

/// Split `DIR[:RULE]`: the rule is the part after the last `:` when it is meant as one, so
/// Windows paths (`C:\photos`) and folders with a colon in their name keep it.
pub fn parse_spec(rest: &str) -> Result<(PathBuf, NamingRule)> {
    let (dir, rule) = match rest.rsplit_once(':') {
        Some((dir, rule)) if is_meant_as_rule(rule) => (dir, rule),
        _ => (rest, DEFAULT_RULE),
    };
    if dir.is_empty() {
        return Err(Error::config("the folder store needs a directory")
            .with_hint("write folder:DIR or folder:DIR:{samAccountName}.jpg"));
    }
    Ok((PathBuf::from(dir), NamingRule::parse(rule)?))
}

/// A rule, or a try at one that `NamingRule::parse` should refuse: it has a brace, or it is
/// a file name with an image extension (`photo.jpg`, a rule missing its placeholder). Taken as
/// part of the folder instead, it wrote every user into a new folder named `out:photo.jpg`.
fn is_meant_as_rule(tail: &str) -> bool {
    let image_file_name = !tail.contains(['/', '\\'])
        && tail.rsplit_once('.').is_some_and(|(_, ext)| {
            ext == "*" || IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
        });
    tail.contains(['{', '}']) || image_file_name
}

/// One photo file found in the folder.
#[derive(Debug, Clone)]
struct IndexedFile {
    name: String,
    extension: String,
}

pub struct FolderStore {
    dir: PathBuf,
    /// `dir` resolved (`state_key::canonical_dir`): two targets naming one folder by two
    /// paths claim its files alike.
    canonical_dir: PathBuf,
    rule: NamingRule,
    writable: bool,
    /// Lower-case stem -> files with that stem.
    index: Mutex<HashMap<String, Vec<IndexedFile>>>,
    /// Hashes of the lower-case stems some user claimed (8 bytes per user, not the string).
    claimed: Mutex<HashSet<u64>>,
}

impl FolderStore {
    /// Open the folder `dir`. A missing target folder is created at the first write; a folder
    /// to read must exist.
    pub fn open(dir: PathBuf, rule: NamingRule, role: StoreRole) -> Result<Self> {
        let writable = role == StoreRole::Target;
        let mut index: HashMap<String, Vec<IndexedFile>> = HashMap::new();
        // A missing target folder is created at the first write, so a dry run leaves no trace.
        if writable && !dir.exists() {
            return Ok(FolderStore {
                canonical_dir: state_key::canonical_dir(&dir),
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
        // By preferred extension, then by name: the order never depends on the directory's.
        for files in index.values_mut() {
            files.sort_by_cached_key(|f| {
                let rank = IMAGE_EXTENSIONS.iter().position(|e| *e == f.extension);
                (rank.unwrap_or(usize::MAX), f.name.clone())
            });
        }
        Ok(FolderStore {
            canonical_dir: state_key::canonical_dir(&dir),
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
        "jpg" | "jpeg" => Ok(photo::render_one(photo, &RENDITION)?.bytes),
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
        BACKEND.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            class: StoreClass::Files,
            service: None,
            can_write: self.writable,
            can_delete: false,
            refreshed_copy: false,
            rendition: Some(RENDITION),
            not_found_hint: "the naming rule needs a property this record lacks: add it to the input",
            proofs: Proofs {
                named_files: true,
                ..Proofs::NONE
            },
        }
    }

    /// The canonical directory and the naming rule: another rule in the same folder writes
    /// other files.
    fn state_key(&self) -> Option<String> {
        Some(state_key::join(&[
            self.name(),
            &state_key::canonical_dir(&self.dir).display().to_string(),
            &self.rule.canonical(),
        ]))
    }

    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let Some(stem) = self.rule.stem_for(user)? else {
            return Ok(None);
        };
        lock(&self.claimed).insert(stem_hash(&stem.to_lowercase()));
        // Files whose names differ only by case (`Ann.jpg` and `ann.jpg`, which a
        // case-sensitive file system holds side by side) are equally the user's: reading or
        // replacing one of them would be a guess.
        let files = self.files_for(&stem);
        if let [first, second, ..] = files.as_slice()
            && first.extension == second.extension
        {
            let tied: Vec<String> = files
                .iter()
                .filter(|f| f.extension == first.extension)
                .map(|f| format!("`{}`", f.name))
                .collect();
            return Err(Error::new(
                ErrorCode::AmbiguousIdentity,
                ErrorClass::Failed,
                format!(
                    "{} holds {} files named `{stem}` by the rule {}, differing only by case: {}; which one is the user's photo cannot be told, so none was read or written",
                    self.dir.display(),
                    tied.len(),
                    self.rule,
                    tied.join(", ")
                ),
            )
            .with_hint("keep one of these files and remove the others: photosync matches file names case-insensitively"));
        }
        let mut details = BTreeMap::new();
        details.insert("rule".to_string(), json!(self.rule.to_string()));
        Ok(Some(StoreUser {
            key: stem,
            details,
            ..StoreUser::default()
        }))
    }

    /// The user's file, by its resolved folder and stem: the engine compares names
    /// case-insensitively, as files are matched here (`Ann.jpg` and `ann.jpg` are one file),
    /// and across targets (two rules may give two users one file of one folder). Without the
    /// extension: a `.*` rule reads any file of the stem as the user's.
    fn named_object(&self, user: &UserRecord) -> Option<String> {
        self.rule.stem_for(user).ok().flatten()
    }

    fn write_name(&self, user: &UserRecord) -> Option<String> {
        let stem = self.rule.stem_for(user).ok().flatten()?;
        Some(self.canonical_dir.join(stem).display().to_string())
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        let files = self.files_for(&user.key);
        let Some(file) = files.first() else {
            return Ok(PhotoRead::default());
        };
        let path = self.dir.join(&file.name);
        // A large file is read and fingerprinted within one slot of the photo budget (the
        // caller's, when it holds one): its bytes never wait for their decode outside it. A
        // small one (the rendition sync just wrote, read back) waits for no slot. A missing
        // file counts as large: the read reports it.
        let len = tokio::fs::metadata(&path)
            .await
            .map_or(u64::MAX, |meta| meta.len());
        let stored = photo::admitted_if_large(len, async {
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
        let (name, extension) = match (&existing, self.rule.extension()) {
            (Some(file), _) => (file.name.clone(), file.extension.clone()),
            (None, Some(ext)) => (format!("{}.{ext}", user.key), ext.to_string()),
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
                store: Some(BACKEND.name.to_string()),
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

    // Regression (review 06): a rule with no placeholder (`photo.jpg`, the typo `upn}.jpg`) was
    // taken as part of the folder, `out:photo.jpg`, and every user written there under the
    // default rule. It is a bad rule (exit 2); a colon in a folder's own name still is one.
    #[test]
    fn a_rule_without_a_placeholder_is_refused_not_taken_as_the_folder() {
        for spec in [
            "out:photo.jpg",
            "out:upn}.jpg",
            "out:Photo.*",
            r"C:\HR:photo.JPG",
        ] {
            let err = parse_spec(spec).expect_err(spec);
            assert_eq!(err.class.exit_code(), 2, "{spec}");
            assert!(
                err.message.contains("naming rule"),
                "{spec}: {}",
                err.message
            );
        }
        for (spec, folder) in [
            ("/srv/photos:2024", "/srv/photos:2024"),
            (r"C:\HR\Photos", r"C:\HR\Photos"),
            (r"\\server\share:old\photos", r"\\server\share:old\photos"),
        ] {
            let (dir, rule) = parse_spec(spec).expect(spec);
            assert_eq!(dir, PathBuf::from(folder));
            assert_eq!(rule.to_string(), DEFAULT_RULE);
        }
    }

    // Regression: reading a file back after writing it waited for a slot of the photo budget
    // behind every user still to be read, while each user in flight held its decoded source:
    // `sync --source input` of 200 4000x3000 photos into a folder at --concurrency 128 peaked
    // at 224 MB (86 MB before folder reads took a slot). A small file waits for no slot.
    #[tokio::test]
    async fn a_small_file_is_read_while_every_photo_slot_is_taken() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bytes = Vec::new();
        jpeg_encoder::Encoder::new(&mut bytes, 90)
            .encode(&[128; 64 * 64 * 3], 64, 64, jpeg_encoder::ColorType::Rgb)
            .expect("jpeg");
        std::fs::write(dir.path().join("ann@contoso.com.jpg"), &bytes).expect("photo");
        let rule = NamingRule::parse("{userPrincipalName}.jpg").expect("rule");
        let store =
            FolderStore::open(dir.path().to_path_buf(), rule, StoreRole::Read).expect("open");
        let record = UserRecord {
            user_principal_name: Some("ann@contoso.com".into()),
            ..UserRecord::default()
        };
        let user = store
            .resolve(&record)
            .await
            .expect("resolve")
            .expect("found");
        let mut held = Vec::new();
        for _ in 0..photo::budget_slots() {
            held.push(photo::admit().await);
        }
        // Every slot is held until the read returns: on the old code it never did.
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(60), store.read_photo(&user))
                .await
                .expect("the read waited for a slot of the photo budget")
                .expect("read");
        assert_eq!(read.photo.expect("a photo").info.bytes, bytes.len() as u64);
        drop(held);
    }

    fn key(dir: &Path, rule: &str) -> String {
        let rule = NamingRule::parse(rule).expect("rule");
        FolderStore::open(dir.to_path_buf(), rule, StoreRole::Target)
            .expect("open")
            .state_key()
            .expect("a folder always has a key")
    }

    // Regression: the folder's state key was its directory alone, so a second target
    // `{userPrincipalName}.png` in the same folder was "unchanged since verified" for every
    // user and never written. The rule is part of where a folder writes.
    #[test]
    fn another_rule_in_the_same_folder_is_another_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let jpg = key(dir.path(), "{userPrincipalName}.jpg");
        assert_ne!(jpg, key(dir.path(), "{userPrincipalName}.png"));
        assert_ne!(jpg, key(dir.path(), "{samAccountName}.jpg"));
        // The same files however the rule spells them.
        assert_eq!(jpg, key(dir.path(), "{UPN}.JPG"));
        assert_eq!(jpg, key(&dir.path().join("x").join(".."), "{upn}.jpg"));
        assert_ne!(jpg, key(&dir.path().join("other"), "{upn}.jpg"));
    }
}
