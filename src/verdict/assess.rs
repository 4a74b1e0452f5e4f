//! The judgement on one user: pick the reference picture, compare every store with it, and
//! give the verdict and findings in the fixed vocabulary (docs/cli.md). Pure: no I/O, so
//! every rule is unit-tested here.
//!
//! Reference (DESIGN §5): the input record's own photo, else AD's, else Graph's, else the
//! first listed store holding one. The "source" whose absence means `missing-in-source` is
//! the input photo when the record names one, else `ad` when it is read.

use std::collections::BTreeMap;

use super::diagnose;
use crate::error::{Error, error_info};
use crate::photo::{self, SAME_PICTURE_MAX_DISTANCE};
use crate::schema::{
    ErrorCode, Finding, FindingCode, PhotoInfo, Severity, StoreState, StoreStatus, Verdict,
};

/// Exchange Online ignores AD photos over this size when Entra Connect syncs them.
pub const EXCHANGE_AD_PHOTO_MAX_BYTES: u64 = 10_240;

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

#[derive(Debug, Clone)]
pub struct Observation {
    pub store: String,
    pub observed: Observed,
}

impl Observation {
    fn photo(&self) -> Option<&PhotoInfo> {
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
    pub stores: Vec<StoreStatus>,
    pub findings: Vec<Finding>,
}

/// Stores behind Microsoft 365's cloud: a photo missing there is `missing-in-cloud`.
const CLOUD_STORES: [&str; 2] = ["graph", "sharepoint"];

/// What went wrong across the stores, in the order the verdict weighs it.
#[derive(Default)]
struct Gaps {
    error: bool,
    source_missing: bool,
    differs: bool,
    missing_in_cloud: bool,
    missing_in_store: bool,
    not_found: bool,
}

/// Pick the reference, compare every store with it, and give the verdict and findings.
pub fn assess(observations: &[Observation]) -> Assessment {
    let reference_index = ["input", "ad", "graph"]
        .iter()
        .find_map(|name| {
            observations
                .iter()
                .position(|o| o.store == *name && o.photo().is_some())
        })
        .or_else(|| observations.iter().position(|o| o.photo().is_some()));
    let reference = reference_index.and_then(|i| {
        observations[i]
            .photo()
            .map(|p| (observations[i].store.clone(), p))
    });
    let source = ["input", "ad"]
        .iter()
        .find(|name| observations.iter().any(|o| o.store == **name))
        .copied();

    let mut stores = Vec::new();
    let mut findings = Vec::new();
    let mut gaps = Gaps::default();
    for (index, obs) in observations.iter().enumerate() {
        let is_reference = Some(index) == reference_index;
        let mut status = StoreStatus {
            store: obs.store.clone(),
            state: StoreState::Absent,
            photo: None,
            matches_reference: None,
            distance: None,
            details: BTreeMap::new(),
            error: None,
            thumbnail: None,
        };
        match &obs.observed {
            Observed::Failed(e) => {
                gaps.error = true;
                status.state = StoreState::Error;
                status.error = Some(error_info(e));
                let (code, message) = if e.code == ErrorCode::IdentityMismatch {
                    let message = format!("{}: {}", obs.store, e.message);
                    (FindingCode::IdentityMismatch, message)
                } else {
                    let message = format!("{} could not be read: {}", obs.store, e.message);
                    (FindingCode::StoreUnreadable, message)
                };
                findings.push(finding(
                    code,
                    Severity::Error,
                    &obs.store,
                    message,
                    e.hint.clone().unwrap_or_else(|| {
                        "run again later; if it persists, run with -v for details".to_string()
                    }),
                ));
            }
            Observed::NotFound => {
                // Not knowing the user is not the same as lacking their photo: a leaver
                // removed from the tenant is `not-found` there, never `missing-in-cloud`.
                gaps.not_found = true;
                status
                    .details
                    .insert("userFound".to_string(), serde_json::Value::Bool(false));
                findings.push(not_found_finding(&obs.store));
            }
            Observed::Read {
                photo,
                details,
                findings: store_findings,
                thumbnail,
            } => {
                status.details = details.clone();
                status.thumbnail = thumbnail.clone();
                findings.extend(store_findings.iter().cloned());
                match photo {
                    Some(info) => {
                        status.state = StoreState::Present;
                        status.photo = Some(info.clone());
                        if obs.store == "ad" && info.bytes > EXCHANGE_AD_PHOTO_MAX_BYTES {
                            findings.push(ad_too_large(info.bytes));
                        }
                        if let Some((ref_name, ref_info)) = &reference {
                            let compared = if is_reference {
                                Some((true, 0))
                            } else {
                                photo::same_picture(info, ref_info)
                            };
                            if let Some((same, distance)) = compared {
                                status.matches_reference = Some(same);
                                status.distance = Some(distance);
                                if !same {
                                    gaps.differs = true;
                                    findings.push(differs_finding(&obs.store, ref_name, distance));
                                }
                            }
                        }
                    }
                    None => {
                        if let Some((ref_name, _)) = &reference {
                            if Some(obs.store.as_str()) == source {
                                gaps.source_missing = true;
                            } else if CLOUD_STORES.contains(&obs.store.as_str()) {
                                gaps.missing_in_cloud = true;
                            } else {
                                gaps.missing_in_store = true;
                            }
                            findings.push(missing_finding(&obs.store, ref_name, source));
                        }
                    }
                }
            }
        }
        stores.push(status);
    }
    let everywhere_unknown = observations
        .iter()
        .filter(|o| o.store != "input")
        .all(|o| matches!(o.observed, Observed::NotFound));
    let verdict = if gaps.error {
        Verdict::Error
    } else if reference.is_none() {
        if gaps.not_found && everywhere_unknown {
            Verdict::NotFound
        } else {
            Verdict::NoPhoto
        }
    } else if gaps.source_missing {
        Verdict::MissingInSource
    } else if gaps.differs {
        Verdict::Differs
    } else if gaps.missing_in_cloud {
        Verdict::MissingInCloud
    } else if gaps.missing_in_store {
        Verdict::MissingInStore
    } else if gaps.not_found {
        Verdict::NotFound
    } else {
        Verdict::InSync
    };
    findings.extend(diagnose::diagnose(
        reference
            .as_ref()
            .map(|(name, info)| (name.as_str(), *info)),
        &stores,
        verdict,
    ));
    Assessment {
        verdict,
        reference: reference.map(|(name, _)| name),
        stores,
        findings,
    }
}

pub(super) fn finding(
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

fn not_found_finding(store: &str) -> Finding {
    let hint = match store {
        "graph" | "sharepoint" => {
            "include ObjectGUID in the input so the user can be matched by onPremisesImmutableId, \
             or check the UPN in Entra"
        }
        "ad" => "check the identity keys, and that the user is under the LDAP base DN",
        "folder" => "the naming rule needs a property this record lacks: add it to the input",
        _ => "check the user's identity keys",
    };
    finding(
        FindingCode::UserNotFound,
        Severity::Warning,
        store,
        format!("the user was not found in {store}"),
        hint.to_string(),
    )
}

fn missing_finding(store: &str, reference: &str, source: Option<&str>) -> Finding {
    if Some(store) == source {
        return finding(
            FindingCode::MissingInStore,
            Severity::Warning,
            store,
            format!("the source ({store}) has no photo, but {reference} has one"),
            format!("add the photo to {store}, or sync from {reference}"),
        );
    }
    finding(
        FindingCode::MissingInStore,
        Severity::Warning,
        store,
        format!("{store} has no photo; {reference} has one"),
        format!("run `photosync sync` with {store} as a target"),
    )
}

fn differs_finding(store: &str, reference: &str, distance: u32) -> Finding {
    if store == "sharepoint" {
        // The legacy profile keeps its own copy, refreshed from Exchange/Graph only when the
        // user views their own profile: a stale copy is common and has its own explanation.
        return finding(
            FindingCode::SharepointStale,
            Severity::Warning,
            store,
            format!(
                "classic SharePoint pages still show an older picture than {reference} (distance {distance})"
            ),
            "SharePoint refreshes it from Exchange/Graph when the user next opens their own profile (allow 24-72 hours); to replace it now, run `photosync sync --targets sharepoint`".to_string(),
        );
    }
    finding(
        FindingCode::DiffersFromReference,
        Severity::Warning,
        store,
        format!(
            "{store} shows a different picture from {reference} (distance {distance}, same picture at <= {SAME_PICTURE_MAX_DISTANCE})"
        ),
        format!("run `photosync sync` with {store} as a target to replace it"),
    )
}

fn ad_too_large(bytes: u64) -> Finding {
    finding(
        FindingCode::AdPhotoTooLargeForExchange,
        Severity::Warning,
        "ad",
        format!(
            "the AD thumbnailPhoto is {bytes} bytes; Exchange Online ignores photos over {EXCHANGE_AD_PHOTO_MAX_BYTES} bytes from Entra Connect"
        ),
        "AD's own limit is 100 KB, but Exchange takes only 10 KB through Entra Connect: \
         `photosync sync --targets ad` writes a 96x96 JPEG under 10 KB instead, \
         or set the cloud photo directly with `--targets graph`"
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;

    /// A flat picture whose grey level is 4x the number of set bits in `phash`: equal hashes
    /// (or one bit apart) are the same picture, far-apart hashes are not.
    fn info(phash: &str, bytes: u64) -> PhotoInfo {
        let grey = (u64::from_str_radix(phash, 16).unwrap_or(0).count_ones() * 4) as u8;
        let flat = image::RgbImage::from_pixel(8, 8, image::Rgb([grey; 3]));
        PhotoInfo {
            format: "jpeg".into(),
            width: 96,
            height: 96,
            bytes,
            sha256: "00".into(),
            phash: phash.into(),
            brightness: None,
            contrast: None,
            signature: photo::Signature::of(&flat).to_string(),
        }
    }

    fn read(store: &str, photo: Option<PhotoInfo>) -> Observation {
        Observation {
            store: store.into(),
            observed: Observed::Read {
                photo,
                details: BTreeMap::new(),
                findings: Vec::new(),
                thumbnail: None,
            },
        }
    }

    #[test]
    fn ad_is_the_reference_without_an_input_photo() {
        let a = assess(&[
            read("ad", Some(info("ffffffff00000000", 5000))),
            read("graph", Some(info("0000000000000000", 5000))),
        ]);
        assert_eq!(a.reference.as_deref(), Some("ad"));
        assert_eq!(a.verdict, Verdict::Differs);
        assert_eq!(a.stores[1].matches_reference, Some(false));
        // Grey 128 against grey 0: far over the threshold.
        assert!(a.stores[1].distance > Some(SAME_PICTURE_MAX_DISTANCE));
    }

    #[test]
    fn graph_photo_without_ad_photo_is_missing_in_source() {
        let a = assess(&[
            read("ad", None),
            read("graph", Some(info("0000000000000000", 5000))),
        ]);
        assert_eq!(a.reference.as_deref(), Some("graph"));
        assert_eq!(a.verdict, Verdict::MissingInSource);
    }

    #[test]
    fn big_ad_photo_gets_the_exchange_finding() {
        let a = assess(&[
            read("ad", Some(info("0000000000000000", 20_000))),
            read("graph", Some(info("0000000000000001", 5000))),
        ]);
        assert_eq!(a.verdict, Verdict::InSync);
        assert!(
            a.findings
                .iter()
                .any(|f| f.code == FindingCode::AdPhotoTooLargeForExchange)
        );
    }

    #[test]
    fn unreadable_store_makes_the_verdict_error() {
        let a = assess(&[
            read("ad", Some(info("0000000000000000", 5000))),
            Observation {
                store: "graph".into(),
                observed: Observed::Failed(Error::new(
                    crate::schema::ErrorCode::Throttled,
                    ErrorClass::Throttled,
                    "429",
                )),
            },
        ]);
        assert_eq!(a.verdict, Verdict::Error);
        assert_eq!(a.stores[1].state, StoreState::Error);
        assert!(
            a.findings
                .iter()
                .any(|f| f.code == FindingCode::StoreUnreadable)
        );
    }

    #[test]
    fn tiny_reference_gets_photo_too_small() {
        let mut small = info("0000000000000000", 900);
        small.width = 48;
        small.height = 48;
        let a = assess(&[read("input", Some(small)), read("graph", None)]);
        assert!(
            a.findings.iter().any(
                |f| f.code == FindingCode::PhotoTooSmall && f.store.as_deref() == Some("input")
            )
        );
        let a = assess(&[read("input", Some(info("0000000000000000", 900)))]);
        assert!(
            !a.findings
                .iter()
                .any(|f| f.code == FindingCode::PhotoTooSmall)
        );
    }

    #[test]
    fn nothing_anywhere_is_no_photo() {
        let a = assess(&[read("ad", None), read("graph", None)]);
        assert_eq!(a.verdict, Verdict::NoPhoto);
        assert!(a.findings.is_empty());
    }
}
