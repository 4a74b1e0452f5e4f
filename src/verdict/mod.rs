//! The judgement on one user, pure and unit-tested: `assess` picks the reference picture and
//! compares every store with it (verdict and per-store findings) from what each store
//! declares, and `diagnose` adds Microsoft's cross-store rules (a blurry source, an AD change
//! that never arrives, guests and room mailboxes...), matched on the typed `Service`. Nothing
//! here reads or writes a store, and `assess` calls `diagnose`, never the other way round.

mod assess;
pub mod diagnose;

use std::collections::BTreeMap;

pub use assess::assess;

use crate::error::Error;
use crate::schema::{Finding, FindingCode, PhotoInfo, Severity, StoreStatus, Verdict};
use crate::state::VerifiedWrite;
use crate::store::Capabilities;

/// What one store showed for one user.
#[derive(Debug, Clone)]
pub enum Observed {
    /// The store has no such user.
    NotFound,
    /// The user is there, with or without a photo.
    Read {
        photo: Option<PhotoInfo>,
        details: BTreeMap<String, serde_json::Value>,
        findings: Vec<Finding>,
        /// A small JPEG for the HTML report, when one was asked for.
        thumbnail: Option<Vec<u8>>,
    },
    /// The store could not be read for this user.
    Failed(Error),
}

/// One store's observation, with what the store declares about itself.
#[derive(Debug, Clone)]
pub struct Observation {
    pub store: String,
    pub capabilities: Capabilities,
    pub observed: Observed,
    /// The store's picture is, byte for byte, PhotoSync's verified write that the state
    /// records (`status --state`): then the record, not the picture, is compared.
    pub own_write: Option<VerifiedWrite>,
}

impl Observation {
    pub fn photo(&self) -> Option<&PhotoInfo> {
        match &self.observed {
            Observed::Read { photo, .. } => photo.as_ref(),
            _ => None,
        }
    }
}

/// The judgement on one user's observations.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub verdict: Verdict,
    pub reference: Option<String>,
    /// One per observation, in the same order.
    pub stores: Vec<StoreStatus>,
    pub findings: Vec<Finding>,
}

fn finding(
    code: FindingCode,
    severity: Severity,
    store: &str,
    message: String,
    hint: String,
) -> Finding {
    Finding {
        code,
        severity,
        store: Some(store.to_string()),
        message,
        hint,
    }
}

/// Stores as the verdict sees them, for the unit tests: the labels are only labels, what
/// counts is what each declares.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::store::{Capabilities, Service, StoreClass, ad, folder, graph, sharepoint};

    /// What a store of this (test) label declares: `input`, `ad`, `graph`, `sharepoint`, or
    /// a plain store of files for anything else.
    pub fn capabilities(label: &str) -> Capabilities {
        let (class, service, rendition) = match label {
            "input" => return Capabilities::INPUT,
            "ad" => (
                StoreClass::Directory,
                Some(Service::ActiveDirectory),
                ad::RENDITION,
            ),
            "graph" => (StoreClass::Cloud, Some(Service::Graph), graph::RENDITION),
            "sharepoint" => (
                StoreClass::Cloud,
                Some(Service::SharePointProfile),
                sharepoint::RENDITION,
            ),
            _ => (StoreClass::Files, None, folder::RENDITION),
        };
        Capabilities {
            class,
            service,
            can_write: true,
            can_delete: false,
            refreshed_copy: service == Some(Service::SharePointProfile),
            rendition: Some(rendition),
            not_found_hint: "check the keys",
            proofs: crate::store::Proofs::NONE,
        }
    }
}
