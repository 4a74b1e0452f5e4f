//! The folder store: naming rules, case-insensitive matching, unmatched files, export.

use photosync::schema::{FindingCode, UserRecord};
use photosync::store::folder::{FolderStore, NamingRule};
use photosync::store::{PhotoStore, StoreRole};

use crate::support::{jpeg, png, upn, with_sam};

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

#[tokio::test]
async fn open_registry_parses_specs() {
    let settings = photosync::settings::Settings::default();
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = format!("folder:{}:{{mail}}.png", dir.path().display());
    let store = photosync::store::open(&spec, &settings)
        .await
        .expect("folder spec");
    assert_eq!(store.name(), "folder");
    for (spec, exit) in [("graph", 2), ("ad", 2), ("sharepoint", 2), ("dropbox", 2)] {
        let err = match photosync::store::open(spec, &settings).await {
            Ok(_) => panic!("{spec} should not open in this build"),
            Err(e) => e,
        };
        assert_eq!(err.class.exit_code(), exit, "{spec}");
    }
    let missing = format!("folder:{}/nope", dir.path().display());
    assert!(photosync::store::open(&missing, &settings).await.is_err());
}
