//! The folder store: naming rules, case-insensitive matching, unmatched files, export.

use photosync::engine::{SyncOptions, SyncSource};
use photosync::schema::{Action, ErrorCode, FindingCode, PhotoBytes, UserRecord};
use photosync::store::folder::{FolderStore, NamingRule};
use photosync::store::{PhotoStore, RunContext, StoreRole, StoreSpec};

use crate::support::{encode, jpeg, jsonl, png, portrait, result_of, sync, upn, with_sam};

fn open(dir: &std::path::Path, rule: &str, role: StoreRole) -> FolderStore {
    FolderStore::open(
        dir.to_path_buf(),
        NamingRule::parse(rule).expect("rule"),
        role,
    )
    .expect("open folder")
}

#[tokio::test]
async fn sam_rule_matches_files_case_insensitively() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ANN.JPG"), jpeg(1, 64)).expect("write");
    std::fs::write(dir.path().join("notes.txt"), b"not a photo").expect("write");
    let store = open(dir.path(), "{samAccountName}.jpg", StoreRole::Read);
    let found = store
        .resolve(&with_sam("ann"))
        .await
        .expect("resolve")
        .expect("ann is nameable");
    let read = store.read_photo(&found).await.expect("read");
    let photo = read.photo.expect("ANN.JPG is ann's photo");
    assert_eq!(photo.info.format, "jpeg");
    assert!(
        read.details["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("ANN.JPG"))
    );
}

#[tokio::test]
async fn star_rule_takes_any_image_extension_and_users_without_file_are_absent() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ann@contoso.com.png"), png(1, 64)).expect("write");
    let store = open(dir.path(), "{userPrincipalName}.*", StoreRole::Read);
    let ann = store
        .resolve(&upn("ann"))
        .await
        .expect("resolve")
        .expect("ann");
    assert!(store.read_photo(&ann).await.expect("read").photo.is_some());
    let bob = store
        .resolve(&upn("bob"))
        .await
        .expect("resolve")
        .expect("bob");
    assert!(store.read_photo(&bob).await.expect("read").photo.is_none());
}

#[tokio::test]
async fn user_lacking_the_rule_property_is_not_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), "{employeeId}.jpg", StoreRole::Read);
    assert!(store.resolve(&upn("ann")).await.expect("resolve").is_none());
    let with_id = UserRecord {
        employee_id: Some("4711".into()),
        ..upn("ann")
    };
    assert_eq!(
        store
            .resolve(&with_id)
            .await
            .expect("resolve")
            .map(|u| u.key),
        Some("4711".to_string())
    );
}

#[tokio::test]
async fn files_no_user_claimed_are_unmatched_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ann.jpg"), jpeg(1, 32)).expect("write");
    std::fs::write(dir.path().join("left.jpg"), jpeg(2, 32)).expect("write");
    let store = open(dir.path(), "{samAccountName}.jpg", StoreRole::Read);
    store.resolve(&with_sam("ann")).await.expect("resolve");
    let findings = store.final_findings().await;
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].code, FindingCode::UnmatchedFile);
    assert!(
        findings[0].message.contains("left.jpg"),
        "{}",
        findings[0].message
    );
}

#[tokio::test]
async fn corrupt_photo_file_is_a_read_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut truncated = jpeg(1, 64);
    truncated.truncate(100);
    std::fs::write(dir.path().join("ann.jpg"), truncated).expect("write");
    let store = open(dir.path(), "{samAccountName}.jpg", StoreRole::Read);
    let ann = store
        .resolve(&with_sam("ann"))
        .await
        .expect("resolve")
        .expect("ann");
    let err = store.read_photo(&ann).await.expect_err("truncated jpeg");
    assert!(err.message.contains("ann.jpg"), "{}", err.message);
}

#[tokio::test]
async fn target_folder_is_created_and_png_rule_exports_png() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    let store = open(&out, "{samAccountName}.png", StoreRole::Target);
    let ann = store
        .resolve(&with_sam("Ann"))
        .await
        .expect("resolve")
        .expect("ann");
    let src = photosync::photo::load(&jpeg(3, 300), &Default::default()).expect("load");
    store.write_photo(&ann, &src).await.expect("write");
    let bytes = std::fs::read(out.join("Ann.png")).expect("exported file keeps the user's casing");
    assert!(bytes.starts_with(b"\x89PNG"));
    let read_only = open(&out, "{samAccountName}.png", StoreRole::Read);
    let err = read_only
        .write_photo(&ann, &src)
        .await
        .expect_err("read-only");
    assert_eq!(err.class, photosync::error::ErrorClass::Config);
}

/// Parse a spec and open it for reading, as the binary does.
async fn open_spec(spec: &str) -> photosync::error::Result<Box<dyn PhotoStore>> {
    let spec = StoreSpec::parse(spec)?;
    let settings = photosync::settings::Settings::default();
    photosync::store::open(&spec, StoreRole::Read, &RunContext::new(&settings)).await
}

#[tokio::test]
async fn open_registry_parses_specs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = format!("folder:{}:{{mail}}.png", dir.path().display());
    let store = open_spec(&spec).await.expect("folder spec");
    assert_eq!(store.name(), "folder");
    let open_err = |spec: &'static str| async move {
        match open_spec(spec).await {
            Ok(_) => panic!("{spec} opened without its settings"),
            Err(e) => e,
        }
    };
    // The cloud and directory stores exist in this build: unconfigured, each says which
    // setting it needs (a configuration error), never "not available".
    for (spec, needs) in [
        ("graph", "PHOTOSYNC_"),
        ("sharepoint", "PHOTOSYNC_SHAREPOINT_URL"),
        ("ad", "PHOTOSYNC_LDAP_URL"),
    ] {
        let err = open_err(spec).await;
        assert_eq!(err.class.exit_code(), 2, "{spec}");
        assert_ne!(err.code, ErrorCode::NotAvailable, "{spec}: {err:?}");
        let said = format!("{} {}", err.message, err.hint.clone().unwrap_or_default());
        assert!(said.contains(needs), "{spec} should name {needs}: {said}");
    }
    // Specs are checked when parsed, before anything opens.
    for (spec, says) in [
        ("dropbox", "unknown store"),
        ("", "empty"),
        ("graph:extra", "takes nothing after its name"),
        ("folder", "needs a directory"),
        ("folder:/tmp:{nope}.jpg", "unknown placeholder"),
    ] {
        let err = StoreSpec::parse(spec).expect_err(spec);
        assert_eq!(err.class.exit_code(), 2, "{spec}");
        assert!(err.message.contains(says), "{spec}: {}", err.message);
        assert!(err.hint.is_some(), "{spec}");
    }
    let missing = format!("folder:{}/nope", dir.path().display());
    assert!(open_spec(&missing).await.is_err());
}

// Regression: an existing `ann.gif` under a `.*` rule made the write a configuration error,
// and the whole run exited 2 ("nothing ran") although every other user was synced.
#[tokio::test]
async fn an_existing_file_that_cannot_be_replaced_fails_that_user_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ann.gif"), gif(4)).expect("write");
    let target: Vec<Box<dyn PhotoStore>> = vec![Box::new(open(
        dir.path(),
        "{samAccountName}.*",
        StoreRole::Target,
    ))];
    let users = [sam_with_photo("ann", 1), sam_with_photo("bob", 2)];
    let (records, summary) = sync(
        jsonl(&users),
        &SyncSource::Input,
        &target,
        &SyncOptions::default(),
    )
    .await;
    let ann = result_of(&records, "ann@contoso.com", "folder");
    assert_eq!(ann.action, Action::Failed);
    assert_eq!(
        ann.error.as_ref().map(|e| e.code),
        Some(ErrorCode::StoreRejected)
    );
    assert!(
        ann.error
            .as_ref()
            .is_some_and(|e| e.message.contains("ann.gif")),
        "{ann:?}"
    );
    assert_eq!(
        result_of(&records, "bob@contoso.com", "folder").action,
        Action::Updated
    );
    assert_eq!(summary.exit_code, 1);
    assert_eq!(
        std::fs::read(dir.path().join("ann.gif")).expect("kept"),
        gif(4)
    );
}

#[tokio::test]
async fn a_name_unsafe_on_windows_is_that_users_error_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), "{samAccountName}.jpg", StoreRole::Target);
    for sam in ["CON", "nul", "C:evil", "ann:stream", "ann.", "..", "LPT1"] {
        let err = store
            .resolve(&with_sam(sam))
            .await
            .expect_err("unsafe name");
        assert_eq!(err.class, photosync::error::ErrorClass::Input, "{sam}");
        assert!(err.message.contains(sam), "{}", err.message);
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}

#[tokio::test]
async fn export_leaves_only_whole_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), "{samAccountName}.jpg", StoreRole::Target);
    let src = photosync::photo::load(&jpeg(3, 300), &Default::default()).expect("load");
    for sam in ["ann", "bob"] {
        let user = store
            .resolve(&with_sam(sam))
            .await
            .expect("resolve")
            .expect("nameable");
        store.write_photo(&user, &src).await.expect("write");
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["ann.jpg", "bob.jpg"]);
}

// Regression (issue 19, item 18): the export's temporary file had a predictable name
// (`.{name}.{pid}.partial`) and was not created exclusively, so a symlink planted in a shared
// folder redirected the write to any file the run could write. Temporary files are created
// exclusively, with random names.
#[cfg(unix)]
#[tokio::test]
async fn a_planted_symlink_does_not_redirect_an_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("victim");
    let predictable = out.join(format!(".ann.jpg.{}.partial", std::process::id()));
    std::os::unix::fs::symlink(&victim, &predictable).expect("plant the symlink");
    let store = open(&out, "{samAccountName}.jpg", StoreRole::Target);
    let src = photosync::photo::load(&jpeg(3, 300), &Default::default()).expect("load");
    let user = store
        .resolve(&with_sam("ann"))
        .await
        .expect("resolve")
        .expect("nameable");
    store.write_photo(&user, &src).await.expect("write");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    let written = std::fs::read(out.join("ann.jpg")).expect("ann.jpg");
    photosync::photo::inspect(&written, &Default::default()).expect("a whole JPEG");
    assert!(
        std::fs::symlink_metadata(out.join("ann.jpg"))
            .expect("ann.jpg")
            .file_type()
            .is_file(),
        "ann.jpg is a file of its own, not the planted link"
    );
}

/// A user by sAMAccountName whose record carries portrait `person` as its photo.
fn sam_with_photo(name: &str, person: u64) -> UserRecord {
    UserRecord {
        thumbnail_photo: Some(PhotoBytes::Bytes(jpeg(person, 200))),
        ..with_sam(name)
    }
}

fn gif(person: u64) -> Vec<u8> {
    encode(&portrait(person, 32, 32), image::ImageFormat::Gif)
}

/// Write `files` into `dir`; false when the file system folds case (Windows, macOS), where
/// names that differ only by case cannot both exist.
fn write_case_variants(dir: &std::path::Path, files: &[(&str, Vec<u8>)]) -> bool {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write");
    }
    std::fs::read_dir(dir).expect("list").count() == files.len()
}

// Regression: a source folder holding `Ann.jpg` and `ann.jpg` (a case-sensitive file system)
// gave ann whichever of the two the directory listed first, so two runs could send two
// different photos. Which file is ann's cannot be told: she is refused, naming both, and the
// run goes on with the other users.
#[tokio::test]
async fn a_source_file_name_differing_only_by_case_refuses_that_user_naming_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src_dir = dir.path().join("hr");
    std::fs::create_dir(&src_dir).expect("mkdir");
    let files = [
        ("Ann.jpg", jpeg(1, 200)),
        ("ann.jpg", jpeg(2, 200)),
        ("bob.jpg", jpeg(3, 200)),
    ];
    if !write_case_variants(&src_dir, &files) {
        return;
    }
    let source = SyncSource::Store(Box::new(open(
        &src_dir,
        "{samAccountName}.jpg",
        StoreRole::Read,
    )));
    let out = dir.path().join("export");
    let target: Vec<Box<dyn PhotoStore>> = vec![Box::new(open(
        &out,
        "{samAccountName}.jpg",
        StoreRole::Target,
    ))];
    let (records, summary) = sync(
        jsonl(&[with_sam("ann"), with_sam("bob")]),
        &source,
        &target,
        &SyncOptions::default(),
    )
    .await;
    let ann = result_of(&records, "ann@contoso.com", "folder");
    assert_eq!(
        (ann.action, ann.reason.as_str()),
        (Action::Failed, "ambiguous-identity"),
        "{ann:?}"
    );
    let error = ann.error.as_ref().expect("ann's error");
    assert_eq!(error.code, ErrorCode::AmbiguousIdentity);
    assert!(
        error.message.contains("Ann.jpg") && error.message.contains("ann.jpg"),
        "{}",
        error.message
    );
    assert!(!out.join("ann.jpg").exists(), "nothing exported for ann");
    assert_eq!(
        result_of(&records, "bob@contoso.com", "folder").action,
        Action::Updated
    );
    assert_eq!(summary.exit_code, 1);
}

// The same in a target folder: `Ann.JPG` and `ann.jpg` are both ann's existing picture, so
// which one sync compared against and replaced was up to the directory's order. Neither is
// read or written; bob is.
#[tokio::test]
async fn a_target_file_name_differing_only_by_case_refuses_that_user_and_keeps_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [("Ann.JPG", jpeg(1, 200)), ("ann.jpg", jpeg(2, 200))];
    if !write_case_variants(dir.path(), &files) {
        return;
    }
    let target: Vec<Box<dyn PhotoStore>> = vec![Box::new(open(
        dir.path(),
        "{samAccountName}.jpg",
        StoreRole::Target,
    ))];
    let users = [sam_with_photo("ann", 4), sam_with_photo("bob", 5)];
    let (records, summary) = sync(
        jsonl(&users),
        &SyncSource::Input,
        &target,
        &SyncOptions {
            force: true,
            ..SyncOptions::default()
        },
    )
    .await;
    let ann = result_of(&records, "ann@contoso.com", "folder");
    assert_eq!(
        (ann.action, ann.reason.as_str()),
        (Action::Failed, "ambiguous-identity"),
        "{ann:?}"
    );
    let message = &ann.error.as_ref().expect("ann's error").message;
    assert!(
        message.contains("Ann.JPG") && message.contains("ann.jpg"),
        "{message}"
    );
    for (name, bytes) in &files {
        assert_eq!(&std::fs::read(dir.path().join(name)).expect("kept"), bytes);
    }
    assert_eq!(
        result_of(&records, "bob@contoso.com", "folder").action,
        Action::Updated
    );
    assert_eq!(summary.exit_code, 1);
}
