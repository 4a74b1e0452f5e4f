//! The store conformance suite: the behaviour the engine relies on, checked against any
//! `PhotoStore` with a fixture of known users. Memory and folder stores run it in
//! `tests/core/conformance.rs`; the AD and cloud stores run it against their real servers.
//!
//! How to call it from a test:
//!
//! ```text
//! use photosync::store::conformance::{self, Fixture};
//! let fixture = Fixture {
//!     with_photo: user("alice@contoso.com"),      // known, holds `expected_photo`
//!     expected_photo: alice_jpeg.clone(),         // any encoding of that picture
//!     without_photo: Some(user("bob@contoso.com")), // known, no photo
//!     unknown: Some(user("nobody@contoso.com")),  // not in the store (None if the store
//!                                                 // resolves every nameable user)
//!     writable: Some(user("carol@contoso.com")),  // may be overwritten (needed if can_write)
//!     new_photo: other_jpeg.clone(),              // a different picture to write
//! };
//! conformance::check(&store, &fixture).await.expect_conformant();
//! ```
//!
//! What it checks: resolve finds known users, does not find unknown ones, and is stable;
//! reads give the photo (honest SHA-256, same picture as expected) or none; a store that
//! declares `can_write` reads back what it wrote as the same picture, within its rendition's
//! size rules; a store that does not declares so refuses writes; `can_delete` likewise.

use std::fmt;

use super::PhotoStore;
use crate::photo::{self, DecodeLimits};
use crate::schema::UserRecord;

/// Known users and pictures of the store under test.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub with_photo: UserRecord,
    pub expected_photo: Vec<u8>,
    pub without_photo: Option<UserRecord>,
    pub unknown: Option<UserRecord>,
    pub writable: Option<UserRecord>,
    pub new_photo: Vec<u8>,
}

/// Every check that failed, in order.
#[derive(Debug, Default)]
pub struct Report {
    pub store: String,
    pub failures: Vec<String>,
}

impl Report {
    pub fn is_conformant(&self) -> bool {
        self.failures.is_empty()
    }

    /// Panic with every failure listed (for tests).
    #[track_caller]
    pub fn expect_conformant(&self) {
        assert!(self.is_conformant(), "{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "store `{}` failed {} conformance check(s):",
            self.store,
            self.failures.len()
        )?;
        for failure in &self.failures {
            writeln!(f, "  - {failure}")?;
        }
        Ok(())
    }
}

fn who(user: &UserRecord) -> String {
    user.user_principal_name
        .clone()
        .or_else(|| user.sam_account_name.clone())
        .or_else(|| user.object_guid.clone())
        .or_else(|| user.mail.clone())
        .unwrap_or_else(|| "<user>".to_string())
}

/// Run every check; never panics on store misbehaviour, it records it.
pub async fn check(store: &dyn PhotoStore, fixture: &Fixture) -> Report {
    let mut report = Report {
        store: store.name().to_string(),
        failures: Vec::new(),
    };
    let limits = DecodeLimits::default();
    let fail = |report: &mut Report, msg: String| report.failures.push(msg);

    let expected = match photo::inspect(&fixture.expected_photo, &limits) {
        Ok(info) => info,
        Err(e) => {
            fail(
                &mut report,
                format!("fixture expected_photo is not an image: {e}"),
            );
            return report;
        }
    };

    // Resolve and read a user with a photo.
    let name = who(&fixture.with_photo);
    match store.resolve(&fixture.with_photo).await {
        Ok(Some(found)) => {
            match store.resolve(&fixture.with_photo).await {
                Ok(Some(again)) if again.key == found.key => {}
                other => fail(
                    &mut report,
                    format!(
                        "resolving {name} twice gave {:?}, then {other:?}",
                        found.key
                    ),
                ),
            }
            match store.read_photo(&found).await {
                Ok(read) => match read.photo {
                    Some(stored) => {
                        if stored.info.sha256 != photo::sha256_hex(&stored.bytes) {
                            fail(
                                &mut report,
                                format!("{name}: info.sha256 is not the SHA-256 of the bytes read"),
                            );
                        }
                        if stored.info.bytes != stored.bytes.len() as u64 {
                            fail(
                                &mut report,
                                format!("{name}: info.bytes is not the byte count"),
                            );
                        }
                        match photo::same_picture(&stored.info, &expected) {
                            Some((true, _)) => {}
                            other => fail(
                                &mut report,
                                format!(
                                    "{name}: stored photo is not the expected picture ({other:?})"
                                ),
                            ),
                        }
                    }
                    None => fail(
                        &mut report,
                        format!("{name}: read gave no photo, expected one"),
                    ),
                },
                Err(e) => fail(&mut report, format!("{name}: read failed: {e}")),
            }
        }
        Ok(None) => fail(&mut report, format!("{name}: not found, expected found")),
        Err(e) => fail(&mut report, format!("{name}: resolve failed: {e}")),
    }

    // A known user without a photo reads as none, not as an error.
    if let Some(user) = &fixture.without_photo {
        let name = who(user);
        match store.resolve(user).await {
            Ok(Some(found)) => match store.read_photo(&found).await {
                Ok(read) if read.photo.is_none() => {}
                Ok(_) => fail(
                    &mut report,
                    format!("{name}: read gave a photo, expected none"),
                ),
                Err(e) => fail(&mut report, format!("{name}: read failed: {e}")),
            },
            Ok(None) => fail(&mut report, format!("{name}: not found, expected found")),
            Err(e) => fail(&mut report, format!("{name}: resolve failed: {e}")),
        }
    }

    // An unknown user is `Ok(None)`, not an error.
    if let Some(user) = &fixture.unknown {
        match store.resolve(user).await {
            Ok(None) => {}
            other => fail(
                &mut report,
                format!("{}: expected not found, got {other:?}", who(user)),
            ),
        }
    }

    check_writes(store, fixture, &mut report).await;
    report
}

async fn check_writes(store: &dyn PhotoStore, fixture: &Fixture, report: &mut Report) {
    let caps = store.capabilities();
    let Some(user) = &fixture.writable else {
        if caps.can_write {
            report
                .failures
                .push("the store can write but the fixture has no writable user".to_string());
        }
        return;
    };
    let name = who(user);
    let source = match photo::load(&fixture.new_photo, &DecodeLimits::default()) {
        Ok(source) => source,
        Err(e) => {
            report
                .failures
                .push(format!("fixture new_photo is not an image: {e}"));
            return;
        }
    };
    let found = match store.resolve(user).await {
        Ok(Some(found)) => found,
        other => {
            report
                .failures
                .push(format!("{name}: writable user not found ({other:?})"));
            return;
        }
    };
    let before = store.read_photo(&found).await.ok().and_then(|r| r.photo);
    let written = store.write_photo(&found, &source).await;
    if !caps.can_write {
        if written.is_ok() {
            report
                .failures
                .push("write succeeded although can_write is false".to_string());
        }
        let after = store.read_photo(&found).await.ok().and_then(|r| r.photo);
        if before.map(|p| p.info.sha256) != after.map(|p| p.info.sha256) {
            report
                .failures
                .push("a refused write changed the stored photo".to_string());
        }
        return;
    }
    if let Err(e) = written {
        report.failures.push(format!("{name}: write failed: {e}"));
        return;
    }
    match store.read_photo(&found).await {
        Ok(read) => match read.photo {
            Some(stored) => {
                match photo::same_picture(&stored.info, &source.info) {
                    Some((true, _)) => {}
                    other => report.failures.push(format!(
                        "{name}: read-back is not the written picture ({other:?})"
                    )),
                }
                check_rendition(caps.rendition, &stored.info, report);
            }
            None => report
                .failures
                .push(format!("{name}: read-back after write gave no photo")),
        },
        Err(e) => report
            .failures
            .push(format!("{name}: read-back after write failed: {e}")),
    }
    let deleted = store.delete_photo(&found).await;
    match (caps.can_delete, deleted) {
        (false, Ok(())) => report
            .failures
            .push("delete succeeded although can_delete is false".to_string()),
        (true, Err(e)) => report.failures.push(format!("{name}: delete failed: {e}")),
        (true, Ok(())) => match store.read_photo(&found).await {
            Ok(read) if read.photo.is_none() => {}
            other => report.failures.push(format!(
                "{name}: photo still there after delete ({:?})",
                other.map(|r| r.photo.map(|p| p.info))
            )),
        },
        (false, Err(_)) => {}
    }
}

/// What a written store holds keeps within the rendition it declares: no side larger than
/// the largest it asks for, no file over its byte limit.
fn check_rendition(
    spec: Option<crate::photo::RenditionSpec>,
    info: &crate::schema::PhotoInfo,
    report: &mut Report,
) {
    let Some(spec) = spec else {
        report
            .failures
            .push("the store can write but declares no rendition".to_string());
        return;
    };
    let ok = info.width <= spec.max_px
        && info.height <= spec.max_px
        && info.bytes <= spec.limit_bytes as u64;
    if !ok {
        report.failures.push(format!(
            "stored photo {}x{} / {} bytes breaks the declared rendition ({spec:?})",
            info.width, info.height, info.bytes
        ));
    }
}
