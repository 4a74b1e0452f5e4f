//! The store conformance suite run on the stores that exist today. It also proves the suite
//! catches a misbehaving store.

use async_trait::async_trait;
use photosync::error::Result;
use photosync::photo::SourcePhoto;
use photosync::schema::UserRecord;
use photosync::store::conformance::{self, Fixture};
use photosync::store::folder::{FolderStore, NamingRule};
use photosync::store::memory::MemoryStore;
use photosync::store::{Capabilities, PhotoRead, PhotoStore, StoreRole, StoreUser};

use crate::support::{jpeg, png, upn, with_sam};

fn fixture(with_photo: UserRecord, unknown: Option<UserRecord>) -> Fixture {
    Fixture {
        with_photo,
        expected_photo: png(1, 200),
        without_photo: Some(upn("bob")),
        unknown,
        writable: Some(upn("carol")),
        new_photo: jpeg(2, 400),
    }
}

#[tokio::test]
async fn memory_store_conforms() {
    let store = MemoryStore::new();
    store.add_user("ann@contoso.com", Some(jpeg(1, 120)));
    store.add_user("bob@contoso.com", None);
    store.add_user("carol@contoso.com", Some(jpeg(3, 120)));
    conformance::check(&store, &fixture(upn("ann"), Some(upn("nobody"))))
        .await
        .expect_conformant();
}

#[tokio::test]
async fn folder_store_conforms_as_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Ann@Contoso.com.JPG"), jpeg(1, 150)).expect("write");
    std::fs::write(dir.path().join("carol@contoso.com.png"), png(3, 150)).expect("write");
    let store = FolderStore::open(
        dir.path().to_path_buf(),
        NamingRule::parse("{userPrincipalName}.*").expect("rule"),
        StoreRole::Target,
    )
    .expect("open");
    // A folder resolves every user it can name a file for: there is no "unknown" user, only
    // one the rule cannot name.
    let unnameable = UserRecord {
        mail: Some("x@contoso.com".into()),
        ..Default::default()
    };
    conformance::check(&store, &fixture(with_sam("Ann"), Some(unnameable)))
        .await
        .expect_conformant();
}

#[tokio::test]
async fn folder_store_conforms_when_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ann.jpg"), jpeg(1, 150)).expect("write");
    std::fs::write(dir.path().join("carol.jpg"), jpeg(3, 150)).expect("write");
    let store = FolderStore::open(
        dir.path().to_path_buf(),
        NamingRule::parse("{samAccountName}.jpg").expect("rule"),
        StoreRole::Read,
    )
    .expect("open");
    let mut fx = fixture(with_sam("ann"), Some(upn("no-sam")));
    fx.without_photo = Some(with_sam("bob"));
    fx.writable = Some(with_sam("carol"));
    let report = conformance::check(&store, &fx).await;
    report.expect_conformant();
    assert_eq!(
        std::fs::read(dir.path().join("carol.jpg")).expect("read"),
        jpeg(3, 150),
        "a refused write must leave the file alone"
    );
}

/// Claims it can write but silently drops writes: the suite must say so.
struct LyingStore(MemoryStore);

#[async_trait]
impl PhotoStore for LyingStore {
    fn name(&self) -> &str {
        "lying"
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn state_key(&self) -> Option<String> {
        self.0.state_key()
    }
    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        self.0.resolve(user).await
    }
    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        self.0.read_photo(user).await
    }
    async fn write_photo(&self, _user: &StoreUser, _photo: &SourcePhoto) -> Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn suite_catches_a_store_that_drops_writes() {
    let inner = MemoryStore::new();
    inner.add_user("ann@contoso.com", Some(jpeg(1, 120)));
    inner.add_user("bob@contoso.com", None);
    inner.add_user("carol@contoso.com", Some(jpeg(3, 120)));
    let report = conformance::check(
        &LyingStore(inner),
        &fixture(upn("ann"), Some(upn("nobody"))),
    )
    .await;
    assert!(!report.is_conformant());
    assert!(
        report.failures.iter().any(|f| f.contains("read-back")),
        "{report}"
    );
}
