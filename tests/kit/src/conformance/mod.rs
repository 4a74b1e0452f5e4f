//! The store conformance suite: what the engine relies on from a store, checked against any
//! `PhotoStore` and a fixture of users the test seeded. Every store joins with one call:
//!
//! ```text
//! use photosync_testkit::conformance::{self, Fixture};
//! let fixture = Fixture {
//!     with_photo: user("alice@contoso.com"),      // known, holds `expected_photo`
//!     expected_photo: alice_jpeg.clone(),         // any encoding of that picture
//!     without_photo: user("bob@contoso.com"),     // known, no photo
//!     unknown: user("nobody@contoso.com"),        // the store does not find it
//!     writable: Some(user("carol@contoso.com")),  // may be overwritten (needed if can_write)
//!     new_photo: other_jpeg.clone(),              // another picture, to write
//!     identity: IdentityCases { reused_upn: Some(..), ..IdentityCases::default() },
//! };
//! conformance::run(Arc::new(store), &fixture).await.expect_conformant();
//! ```
//!
//! The checks are named (`CHECKS`) and grouped: `basics` (resolve and read), `writes` (write,
//! read back, refuse, delete) and `identity` (the identity gate's cases, run through the
//! engine's own `sync` with the store as its target, so they prove what the engine does with
//! the store's answers). A check is skipped only by what the store declares in its
//! `Capabilities` (`can_write`, `proofs`), never by name; a check that applies but finds no
//! case in the fixture fails.

mod basics;
mod identity;
mod writes;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use photosync::error::Result;
use photosync::photo::{self, DecodeLimits, SourcePhoto};
use photosync::schema::{Finding, PhotoInfo, UserRecord};
use photosync::store::{Capabilities, PhotoRead, PhotoStore, StoreUser};

/// A check: what it finds for the store in `Ctx`.
type Check = for<'a> fn(&'a Ctx<'a>) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A named entry of `CHECKS`: the check's function name is its name in reports.
macro_rules! check {
    ($group:ident :: $name:ident) => {
        (stringify!($name), |ctx| Box::pin($group::$name(ctx)))
    };
}

/// Every check, in the order `run` runs them.
const CHECKS: &[(&str, Check)] = &[
    check!(basics::resolves_known_users),
    check!(basics::unknown_user_is_not_found),
    check!(basics::reads_are_honest),
    check!(basics::no_photo_reads_as_none),
    check!(writes::writes_read_back_as_same_picture),
    check!(writes::refuses_what_it_cannot_do),
    check!(writes::deletes_when_it_can),
    check!(identity::malformed_guid_is_refused),
    check!(identity::reused_upn_is_refused),
    check!(identity::shared_mail_is_ambiguous),
    check!(identity::dn_outside_base_is_refused),
    check!(identity::colliding_names_never_overwrite),
    check!(identity::one_account_under_two_keys_is_written_once),
    check!(identity::upn_and_guid_of_two_accounts_is_refused),
    check!(identity::upn_and_mail_of_two_accounts_is_refused),
    check!(identity::migrated_account_is_one_person_by_either_guid),
];

/// Known users and pictures of the store under test.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Found, and holds `expected_photo`.
    pub with_photo: UserRecord,
    /// Any encoding of the picture `with_photo` holds.
    pub expected_photo: Vec<u8>,
    /// Found, holds no photo.
    pub without_photo: UserRecord,
    /// Not found (for a folder: a record its naming rule cannot name a file for).
    pub unknown: UserRecord,
    /// Found, and may be overwritten and deleted; required when the store can write.
    pub writable: Option<UserRecord>,
    /// A picture other than `expected_photo`, to write.
    pub new_photo: Vec<u8>,
    pub identity: IdentityCases,
}

/// The identity gate's cases: the users the test seeded for them. A case the store's
/// `proofs` call for must be here.
#[derive(Debug, Clone, Default)]
pub struct IdentityCases {
    /// `proofs.anchors`: a record carrying a known user's UPN and an objectGUID that is not
    /// that user's anchor (the leaver's GUID; the UPN was given to a new hire).
    pub reused_upn: Option<UserRecord>,
    /// `proofs.by_mail`: a mail two users share.
    pub shared_mail: Option<SharedMail>,
    /// `proofs.by_dn`: a record whose DN names an account outside the store's base (with a
    /// key of that account's own, so only the base can refuse it).
    pub dn_outside_base: Option<UserRecord>,
    /// `proofs.named_files`: two users whose names fold to one file under a naive rule (for
    /// a folder, under its own rule). Neither needs a photo.
    pub colliding_names: Option<[UserRecord; 2]>,
    /// `proofs.anchors`, `by_mail` or `by_dn`: two records naming one account that may be
    /// written, by different keys (its UPN, and its objectGUID, sAMAccountName or mail).
    pub two_keys: Option<[UserRecord; 2]>,
    /// `proofs.anchors`: a record with one account's UPN and another account's objectGUID.
    pub guid_of_another: Option<UserRecord>,
    /// `proofs.by_mail`: a record with one account's UPN and another account's mail (each
    /// account holding a mail of its own).
    pub mail_of_another: Option<UserRecord>,
    /// `proofs.anchors`: an account migrated from another forest, which may be written.
    pub migrated: Option<Migrated>,
}

/// An account migrated from another forest: Entra Connect anchors it by the old forest's
/// GUID, kept in `mS-DS-ConsistencyGuid`, not by its objectGUID in this forest.
#[derive(Debug, Clone)]
pub struct Migrated {
    /// Its UPN, its objectGUID in this forest and, as `consistency_guid`, the old one.
    pub record: UserRecord,
    /// A GUID the store finds another account by (objectGUID or anchor).
    pub another_guid: String,
}

/// A record that names a user by nothing but a mail, and the two users holding that mail (by
/// a key of their own).
#[derive(Debug, Clone)]
pub struct SharedMail {
    pub record: UserRecord,
    pub holders: [UserRecord; 2],
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// Not applicable: the capability the store declares that rules it out.
    Skipped(&'static str),
    /// What went wrong, each in a sentence.
    Failed(Vec<String>),
}

/// Every check's outcome for one store.
#[derive(Debug)]
pub struct Report {
    pub store: String,
    pub outcomes: Vec<(&'static str, Outcome)>,
}

impl Report {
    pub fn is_conformant(&self) -> bool {
        self.failed().is_empty()
    }

    /// The names of the checks that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.names(|o| matches!(o, Outcome::Failed(_)))
    }

    /// The names of the checks skipped by capability.
    pub fn skipped(&self) -> Vec<&'static str> {
        self.names(|o| matches!(o, Outcome::Skipped(_)))
    }

    /// The outcome of the check `name`.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, o)| o)
    }

    fn names(&self, pick: impl Fn(&Outcome) -> bool) -> Vec<&'static str> {
        self.outcomes
            .iter()
            .filter(|(_, o)| pick(o))
            .map(|(n, _)| *n)
            .collect()
    }

    /// Panic naming the store and every failed check (for tests).
    #[track_caller]
    pub fn expect_conformant(&self) -> &Self {
        assert!(self.is_conformant(), "{self}");
        self
    }

    /// Panic unless exactly these checks were skipped: a store's test states which cases
    /// its capabilities rule out, so a changed capability cannot silently drop one.
    #[track_caller]
    pub fn expect_skipped(&self, names: &[&str]) -> &Self {
        let mut want = names.to_vec();
        want.sort_unstable();
        let mut have = self.skipped();
        have.sort_unstable();
        assert_eq!(have, want, "skipped checks differ:\n{self}");
        self
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failed().len();
        writeln!(
            f,
            "store `{}`: {failed} of {} conformance checks failed",
            self.store,
            self.outcomes.len()
        )?;
        for (name, outcome) in &self.outcomes {
            match outcome {
                Outcome::Passed => writeln!(f, "  ok      {name}")?,
                Outcome::Skipped(why) => writeln!(f, "  skipped {name}: {why}")?,
                Outcome::Failed(problems) => {
                    writeln!(f, "  FAILED  {name}:")?;
                    for problem in problems {
                        writeln!(f, "          - {problem}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// What the checks share: the store, what it declares, the fixture.
pub(crate) struct Ctx<'a> {
    pub store: Arc<dyn PhotoStore>,
    pub caps: Capabilities,
    pub fixture: &'a Fixture,
}

/// The problems one check finds, turned into its outcome.
#[derive(Default)]
pub(crate) struct Problems(Vec<String>);

impl Problems {
    pub fn add(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    pub fn outcome(self) -> Outcome {
        if self.0.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Failed(self.0)
        }
    }
}

/// The outcome of a check that failed for one reason.
pub(crate) fn failed(problem: impl Into<String>) -> Outcome {
    Outcome::Failed(vec![problem.into()])
}

/// Run every check against `store`; never panics on store misbehaviour, it reports it.
pub async fn run(store: Arc<dyn PhotoStore>, fixture: &Fixture) -> Report {
    let ctx = Ctx {
        caps: store.capabilities(),
        store: store.clone(),
        fixture,
    };
    let mut report = Report {
        store: store.name().to_string(),
        outcomes: Vec::new(),
    };
    if let Err(problem) = fixture_is_sound(fixture) {
        report.outcomes.push(("fixture", failed(problem)));
        return report;
    }
    for (name, check) in CHECKS {
        let outcome = check(&ctx).await;
        report.outcomes.push((name, outcome));
    }
    report
}

/// The fixture's pictures decode and differ: checks tell "written" from "untouched" by them.
fn fixture_is_sound(fixture: &Fixture) -> std::result::Result<(), String> {
    let limits = DecodeLimits::default();
    let expected = photo::inspect(&fixture.expected_photo, &limits)
        .map_err(|e| format!("fixture expected_photo is not an image: {e}"))?;
    let new = photo::inspect(&fixture.new_photo, &limits)
        .map_err(|e| format!("fixture new_photo is not an image: {e}"))?;
    if same_picture(&expected, &new) {
        return Err("fixture new_photo is the same picture as expected_photo".into());
    }
    Ok(())
}

pub(crate) fn same_picture(a: &PhotoInfo, b: &PhotoInfo) -> bool {
    photo::same_picture(a, b).is_some_and(|(same, _)| same)
}

/// A fixture picture, decoded as the engine's source would be.
pub(crate) fn source(bytes: &[u8]) -> std::result::Result<SourcePhoto, String> {
    photo::load(bytes, &DecodeLimits::default()).map_err(|e| format!("a fixture picture: {e}"))
}

/// How messages name a record.
pub(crate) fn who(user: &UserRecord) -> String {
    [
        &user.user_principal_name,
        &user.sam_account_name,
        &user.mail,
        &user.distinguished_name,
        &user.object_guid,
    ]
    .into_iter()
    .find_map(|key| key.clone())
    .unwrap_or_else(|| "<a record with no key>".to_string())
}

/// The user the store finds for `record`, asked directly (no gate): an error when there is
/// none.
pub(crate) async fn found(
    ctx: &Ctx<'_>,
    record: &UserRecord,
) -> std::result::Result<StoreUser, String> {
    let name = who(record);
    match ctx.store.resolve(record).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(format!("{name}: not found, expected found")),
        Err(e) => Err(format!("{name}: resolve failed: {e}")),
    }
}

/// The fingerprint of the photo the store holds for `record` (`None`: no photo), read
/// directly.
pub(crate) async fn picture(
    ctx: &Ctx<'_>,
    record: &UserRecord,
) -> std::result::Result<Option<PhotoInfo>, String> {
    let user = found(ctx, record).await?;
    match ctx.store.read_photo(&user).await {
        Ok(read) => Ok(read.photo.map(|p| p.info)),
        Err(e) => Err(format!("{}: read failed: {e}", who(record))),
    }
}

/// The SHA-256 of the photo the store holds for `record`: what tells "untouched".
pub(crate) async fn held(
    ctx: &Ctx<'_>,
    record: &UserRecord,
) -> std::result::Result<Option<String>, String> {
    Ok(picture(ctx, record).await?.map(|info| info.sha256))
}

/// The store under test as the engine takes a target (boxed, owned), still shared with the
/// suite.
pub(crate) struct Shared(pub Arc<dyn PhotoStore>);

#[async_trait]
impl PhotoStore for Shared {
    fn name(&self) -> &str {
        self.0.name()
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
    async fn explain_no_photo(
        &self,
        user: &StoreUser,
        read: &PhotoRead,
    ) -> BTreeMap<String, serde_json::Value> {
        self.0.explain_no_photo(user, read).await
    }
    fn write_name(&self, user: &UserRecord) -> Option<String> {
        self.0.write_name(user)
    }
    async fn explain_difference(&self, user: &StoreUser) -> BTreeMap<String, serde_json::Value> {
        self.0.explain_difference(user).await
    }
    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        self.0.write_photo(user, photo).await
    }
    async fn final_findings(&self) -> Vec<Finding> {
        self.0.final_findings().await
    }
    async fn delete_photo(&self, user: &StoreUser) -> Result<()> {
        self.0.delete_photo(user).await
    }
}
