//! The judgement on one user: pick the reference picture, compare every store with it, and
//! give the verdict and findings in the fixed vocabulary (docs/cli.md). Pure: no I/O, so
//! every rule is unit-tested here. It reads what stores declare (`Capabilities`), never their
//! names.
//!
//! Reference (DESIGN §5): the input record's own photo, else the directory's, else the
//! cloud's (not a refreshed copy of it), else the first listed store holding one. The
//! "source" whose absence means `missing-in-source` is the input photo when the record names
//! one, else the directory when it is read.

use std::collections::BTreeMap;

use super::{Assessment, Observation, Observed, diagnose, finding};
use crate::error::error_info;
use crate::photo;
use crate::schema::{
    ComparedBy, ErrorCode, Finding, FindingCode, PhotoInfo, Severity, StoreState, StoreStatus,
    Verdict,
};
use crate::store::{Capabilities, StoreClass};

/// How strongly a store's picture claims to be the reference (lower wins); `None`: only when
/// no store that claims it holds a picture.
fn reference_rank(c: &Capabilities) -> Option<u8> {
    match c.class {
        StoreClass::Source => Some(0),
        StoreClass::Directory => Some(1),
        StoreClass::Cloud if !c.refreshed_copy => Some(2),
        _ => None,
    }
}

/// How one store's picture compares with the reference.
enum Comparison {
    /// It is the reference.
    Reference,
    /// Decided by the state's record of PhotoSync's own write, which the store holds byte for
    /// byte: the same when made from the reference picture, out of date when the source
    /// changed since.
    Record { same: bool },
    /// Decided by looking: the perceptual judgement, its distance, and why a "same" is only
    /// probably the same (`photo::doubt`).
    Picture {
        same: bool,
        distance: u32,
        doubt: Option<photo::Doubt>,
    },
}

/// Compare `obs`'s picture with the reference. PhotoSync's own verified write is compared by
/// its record, never judged by looking; so is nothing else. A write from another picture than
/// the reference says "out of date" only when the reference is the source (the record's own
/// photo or the directory): another target showing another picture says nothing about it.
fn compare(
    obs: &Observation,
    info: &PhotoInfo,
    reference: &PhotoInfo,
    reference_is_source: bool,
) -> Option<Comparison> {
    match obs.own_write {
        Some(write) if write.is_of_source(&reference.sha256) => {
            Some(Comparison::Record { same: true })
        }
        Some(_) if reference_is_source => Some(Comparison::Record { same: false }),
        _ => photo::same_picture(info, reference).map(|(same, distance)| {
            let rendition = obs
                .capabilities
                .rendition
                .map(|r| r.side_for(reference.side()));
            Comparison::Picture {
                same,
                distance,
                // A doubt qualifies a "same" only: a different picture has none.
                doubt: photo::doubt(distance, info.side(), rendition).filter(|_| same),
            }
        }),
    }
}

/// Put a comparison into the store's status; the finding when its picture is not the
/// reference, or, when the reference is the source sync writes from, is judged to be only
/// probably (`photo::doubt`: sync writes over it).
fn show_comparison(
    status: &mut StoreStatus,
    obs: &Observation,
    reference: &str,
    reference_is_source: bool,
    compared: Comparison,
) -> Option<Finding> {
    match compared {
        Comparison::Reference => {
            status.matches_reference = Some(true);
            status.distance = Some(0);
            None
        }
        Comparison::Record { same } => {
            status.matches_reference = Some(same);
            status.compared_by = Some(ComparedBy::OwnWrite);
            (!same).then(|| outdated_own_write(&obs.store, reference))
        }
        Comparison::Picture {
            same,
            distance,
            doubt,
        } => {
            status.matches_reference = Some(same);
            status.compared_by = Some(ComparedBy::Picture);
            status.distance = Some(distance);
            let service = obs.capabilities.service;
            if !same {
                Some(diagnose::differs(&obs.store, service, reference, distance))
            } else if reference_is_source && let Some(doubt) = doubt {
                Some(diagnose::probably_same(
                    &obs.store, reference, distance, doubt,
                ))
            } else {
                None
            }
        }
    }
}

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
    let holding = |rank: Option<u8>| {
        observations
            .iter()
            .position(|o| reference_rank(&o.capabilities) == rank && o.photo().is_some())
    };
    let reference_index = (0..=2)
        .find_map(|rank| holding(Some(rank)))
        .or_else(|| observations.iter().position(|o| o.photo().is_some()));
    let reference = reference_index.and_then(|i| {
        observations[i]
            .photo()
            .map(|p| (observations[i].store.clone(), p))
    });
    let reference_is_source = reference_index
        .is_some_and(|i| matches!(reference_rank(&observations[i].capabilities), Some(0 | 1)));
    let source_index = [StoreClass::Source, StoreClass::Directory]
        .iter()
        .find_map(|class| {
            observations
                .iter()
                .position(|o| o.capabilities.class == *class)
        });

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
            compared_by: None,
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
                // Not proven to be the record's person (another one, or several).
                let not_proven = matches!(
                    e.code,
                    ErrorCode::IdentityMismatch | ErrorCode::AmbiguousIdentity
                );
                let (code, message) = if not_proven {
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
                findings.push(finding(
                    FindingCode::UserNotFound,
                    Severity::Warning,
                    &obs.store,
                    format!("the user was not found in {}", obs.store),
                    obs.capabilities.not_found_hint.to_string(),
                ));
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
                        if let Some((ref_name, ref_info)) = &reference {
                            let compared = if is_reference {
                                Some(Comparison::Reference)
                            } else {
                                compare(obs, info, ref_info, reference_is_source)
                            };
                            let finding = compared.and_then(|compared| {
                                show_comparison(
                                    &mut status,
                                    obs,
                                    ref_name,
                                    reference_is_source,
                                    compared,
                                )
                            });
                            gaps.differs |= status.matches_reference == Some(false);
                            findings.extend(finding);
                        }
                    }
                    None => {
                        if let Some((ref_name, _)) = &reference {
                            if Some(index) == source_index {
                                gaps.source_missing = true;
                            } else if obs.capabilities.class == StoreClass::Cloud {
                                gaps.missing_in_cloud = true;
                            } else {
                                gaps.missing_in_store = true;
                            }
                            let is_source = Some(index) == source_index;
                            findings.push(missing_finding(&obs.store, ref_name, is_source));
                        }
                    }
                }
            }
        }
        stores.push(status);
    }
    let everywhere_unknown = observations
        .iter()
        .filter(|o| o.capabilities.class != StoreClass::Source)
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
    let services: Vec<_> = observations
        .iter()
        .map(|o| o.capabilities.service)
        .collect();
    findings.extend(diagnose::diagnose(
        &stores,
        &services,
        reference_index,
        verdict,
    ));
    Assessment {
        verdict,
        reference: reference.map(|(name, _)| name),
        stores,
        findings,
    }
}

/// The store still holds PhotoSync's verified write of an earlier source picture.
fn outdated_own_write(store: &str, reference: &str) -> Finding {
    finding(
        FindingCode::DiffersFromReference,
        Severity::Warning,
        store,
        format!(
            "{store} holds PhotoSync's verified write of an earlier picture; {reference} has changed since (decided by the state record, not by comparing pictures)"
        ),
        format!(
            "run `photosync sync --source {reference} --targets {store}` to write the current picture"
        ),
    )
}

fn missing_finding(store: &str, reference: &str, is_source: bool) -> Finding {
    if is_source {
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
        format!("run `photosync sync --source {reference} --targets {store}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::capabilities;
    use super::*;
    use crate::error::{Error, ErrorClass};
    use crate::photo::SAME_PICTURE_MAX_DISTANCE;
    use crate::schema::PhotoInfo;
    use crate::state::VerifiedWrite;

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
            capabilities: capabilities(store),
            observed: Observed::Read {
                photo,
                details: BTreeMap::new(),
                findings: Vec::new(),
                thumbnail: None,
            },
            own_write: None,
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

    // Regression: the hints said "run `photosync sync` with graph as a target", and sync needs
    // the reference's store as its source to write that picture.
    #[test]
    fn the_hint_to_sync_names_the_reference_as_the_source() {
        let differs = assess(&[
            read("ad", Some(info("ffffffff00000000", 5000))),
            read("graph", Some(info("0000000000000000", 5000))),
        ]);
        let missing = assess(&[
            read("graph", Some(info("0000000000000000", 5000))),
            read("sharepoint", None),
        ]);
        for (a, hint) in [
            (differs, "`photosync sync --source ad --targets graph`"),
            (
                missing,
                "`photosync sync --source graph --targets sharepoint`",
            ),
        ] {
            assert!(
                a.findings.iter().any(|f| f.hint.contains(hint)),
                "{hint} in {:?}",
                a.findings
            );
        }
    }

    /// Flat grey at 4 x 32, 4 x 34 and 4 x 35 levels: 8 levels (distance 67) is clearly the
    /// same picture, 12 levels (distance 100) only narrowly.
    #[test]
    fn a_narrow_match_with_the_source_is_in_sync_with_a_finding_and_with_another_store_not() {
        let (grey, clearly, narrowly) =
            ("ffffffff00000000", "ffffffff00000003", "ffffffff00000007");
        let narrow = |a: &Assessment| {
            a.findings
                .iter()
                .filter(|f| f.code == FindingCode::ProbablySame)
                .filter_map(|f| f.store.clone())
                .collect::<Vec<_>>()
        };
        let a = assess(&[
            read("ad", Some(info(grey, 5000))),
            read("graph", Some(info(narrowly, 5000))),
            read("sharepoint", Some(info(clearly, 5000))),
        ]);
        assert_eq!(a.verdict, Verdict::InSync);
        assert_eq!(a.stores[1].distance, Some(100));
        assert_eq!(a.stores[2].distance, Some(67));
        assert_eq!(narrow(&a), ["graph"]);
        // The reference is Graph, not a source sync writes from: nothing to say.
        let a = assess(&[
            read("ad", None),
            read("graph", Some(info(grey, 5000))),
            read("sharepoint", Some(info(narrowly, 5000))),
        ]);
        assert_eq!(a.stores[2].matches_reference, Some(true));
        assert!(narrow(&a).is_empty(), "{:?}", a.findings);
    }

    /// A clear match held at 48 px, where PhotoSync would write 96 (AD) or 200 (SharePoint),
    /// is only probably the same; at 64 px where it would write 96 (Graph, from a 96 px
    /// source), or at 48 px where it would write 60, it is clearly the same.
    #[test]
    fn a_clear_match_too_small_to_show_a_region_is_in_sync_with_a_finding() {
        let sized = |side: u32| PhotoInfo {
            width: side,
            height: side + 10,
            ..info("ffffffff00000000", 900)
        };
        let small = |a: &Assessment| {
            a.findings
                .iter()
                .filter(|f| f.code == FindingCode::ProbablySame)
                .map(|f| {
                    (
                        f.store.clone().unwrap_or_default(),
                        f.message.contains("48 px"),
                    )
                })
                .collect::<Vec<_>>()
        };
        let a = assess(&[
            read("input", Some(sized(96))),
            read("ad", Some(sized(48))),
            read("graph", Some(sized(64))),
            read("sharepoint", Some(sized(48))),
        ]);
        assert_eq!(a.verdict, Verdict::InSync);
        assert_eq!(a.stores[1].distance, Some(0));
        // SharePoint's largest rendition is 200 px: 48 is under two thirds of it too.
        assert_eq!(
            small(&a),
            [("ad".to_string(), true), ("sharepoint".to_string(), true)]
        );
        let a = assess(&[
            read("input", Some(sized(60))),
            read("graph", Some(sized(48))),
        ]);
        assert!(small(&a).is_empty(), "{:?}", a.findings);
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
    fn unreadable_store_makes_the_verdict_error() {
        let a = assess(&[
            read("ad", Some(info("0000000000000000", 5000))),
            Observation {
                store: "graph".into(),
                capabilities: capabilities("graph"),
                observed: Observed::Failed(Error::new(
                    crate::schema::ErrorCode::Throttled,
                    ErrorClass::Throttled,
                    "429",
                )),
                own_write: None,
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

    fn not_found(store: &str) -> Observation {
        Observation {
            store: store.into(),
            capabilities: capabilities(store),
            observed: Observed::NotFound,
            own_write: None,
        }
    }

    /// The reference is chosen by what stores declare, never by name: the record's own photo,
    /// then the directory, then the cloud (not a refreshed copy of it), then the first listed.
    #[test]
    fn the_reference_follows_the_declared_classes() {
        let photo = |p: &str| Some(info(p, 5000));
        type Stores<'a> = &'a [(&'a str, Option<&'a str>)];
        let cases: &[(Stores, Option<&str>)] = &[
            (&[("graph", Some("0")), ("input", Some("0"))], Some("input")),
            (&[("graph", Some("0")), ("ad", Some("0"))], Some("ad")),
            (
                &[("sharepoint", Some("0")), ("graph", Some("0"))],
                Some("graph"),
            ),
            (
                &[("folder", Some("0")), ("sharepoint", Some("0"))],
                Some("folder"),
            ),
            (
                &[("sharepoint", Some("0")), ("folder", Some("0"))],
                Some("sharepoint"),
            ),
            (&[("ad", None), ("folder", Some("0"))], Some("folder")),
            (&[("ad", None), ("graph", None)], None),
        ];
        for (stores, reference) in cases {
            let observations: Vec<Observation> = stores
                .iter()
                .map(|(store, p)| read(store, p.and_then(photo)))
                .collect();
            assert_eq!(
                assess(&observations).reference.as_deref(),
                *reference,
                "{stores:?}"
            );
        }
    }

    /// A missing photo is weighed by the store's class: the source's absence first, then a
    /// cloud store's, then any other store's.
    #[test]
    fn a_missing_photo_is_weighed_by_the_declared_class() {
        let photo = Some(info("0000000000000000", 5000));
        let cases: &[(&[&str], Verdict)] = &[
            (&["sharepoint"], Verdict::MissingInCloud),
            (&["folder"], Verdict::MissingInStore),
            // The record's own photo is the source: the directory lacking one is a store
            // missing it, not the source.
            (&["ad"], Verdict::MissingInStore),
            (&["folder", "graph"], Verdict::MissingInCloud),
        ];
        for (missing, verdict) in cases {
            let mut observations = vec![read("input", photo.clone())];
            observations.extend(missing.iter().map(|s| read(s, None)));
            assert_eq!(assess(&observations).verdict, *verdict, "{missing:?}");
        }
        // The directory is the source only when the record carries no photo of its own.
        let a = assess(&[read("ad", None), read("graph", photo.clone())]);
        assert_eq!(a.verdict, Verdict::MissingInSource);
    }

    #[test]
    fn a_user_no_store_knows_is_not_found_and_the_hint_is_the_stores_own() {
        let a = assess(&[not_found("ad"), not_found("graph")]);
        assert_eq!(a.verdict, Verdict::NotFound);
        assert!(
            a.findings
                .iter()
                .all(|f| f.code == FindingCode::UserNotFound && f.hint == "check the keys")
        );
        // The record's own photo does not make the user known somewhere.
        let a = assess(&[read("input", None), not_found("graph")]);
        assert_eq!(a.verdict, Verdict::NotFound);
    }

    /// A picture with this SHA-256, perceptually like `info(phash, …)`.
    fn exact(phash: &str, sha256: &str) -> PhotoInfo {
        PhotoInfo {
            sha256: sha256.repeat(32),
            ..info(phash, 5000)
        }
    }

    fn holding_own_write(store: &str, photo: PhotoInfo, write: VerifiedWrite) -> Observation {
        Observation {
            own_write: Some(write),
            ..read(store, Some(photo))
        }
    }

    /// Issue 18: a store holding PhotoSync's verified write of the reference picture is in
    /// sync by that record, even where looking would call the pictures different (a stricter
    /// judge than the one that verified the write, or a service's heavy re-encoding). Fails
    /// on code that judges every picture by looking.
    #[test]
    fn photosyncs_own_write_of_the_source_is_in_sync_by_its_record() {
        let source = exact("ffffffff00000000", "aa");
        let written = exact("0000000000000000", "bb");
        let write = VerifiedWrite::of(&"aa".repeat(32), &"bb".repeat(32));
        let judged = assess(&[
            read("input", Some(source.clone())),
            read("graph", Some(written.clone())),
        ]);
        assert_eq!(
            judged.verdict,
            Verdict::Differs,
            "the control: looking says different"
        );

        let a = assess(&[
            read("input", Some(source)),
            holding_own_write("graph", written, write),
        ]);
        assert_eq!(a.verdict, Verdict::InSync);
        assert_eq!(a.stores[1].matches_reference, Some(true));
        assert_eq!(a.stores[1].compared_by, Some(ComparedBy::OwnWrite));
        assert_eq!(a.stores[1].distance, None, "no picture judgement made");
        assert!(
            a.findings.iter().all(|f| f.severity == Severity::Info),
            "{:?}",
            a.findings
        );
    }

    /// Issue 18: a store still holding PhotoSync's write of an earlier source picture is out of
    /// date once the source changed, even where the new picture looks the same. Fails on code
    /// that calls it in sync by looking.
    #[test]
    fn photosyncs_own_write_of_an_earlier_source_is_out_of_date() {
        let source = exact("0000000000000000", "cc");
        let written = exact("0000000000000000", "bb");
        let write = VerifiedWrite::of(&"aa".repeat(32), &"bb".repeat(32));
        for reference in ["input", "ad"] {
            let judged = assess(&[
                read(reference, Some(source.clone())),
                read("graph", Some(written.clone())),
            ]);
            assert_eq!(
                judged.verdict,
                Verdict::InSync,
                "the control: looking says the same"
            );

            let a = assess(&[
                read(reference, Some(source.clone())),
                holding_own_write("graph", written.clone(), write),
            ]);
            assert_eq!(a.verdict, Verdict::Differs, "{reference}");
            assert_eq!(a.stores[1].matches_reference, Some(false));
            assert_eq!(a.stores[1].compared_by, Some(ComparedBy::OwnWrite));
            let finding = a
                .findings
                .iter()
                .find(|f| f.code == FindingCode::DiffersFromReference)
                .expect("a differs finding");
            assert!(
                finding.message.contains("earlier picture"),
                "{}",
                finding.message
            );
        }
    }

    /// Where the reference is not the source (another target, for lack of a source photo), a
    /// write made from another picture says nothing about it: the pictures are compared.
    #[test]
    fn an_own_write_is_out_of_date_only_against_the_source() {
        let shown = exact("0000000000000000", "cc");
        let write = VerifiedWrite::of(&"aa".repeat(32), &"bb".repeat(32));
        let a = assess(&[
            read("graph", Some(shown.clone())),
            holding_own_write("sharepoint", exact("0000000000000000", "bb"), write),
        ]);
        assert_eq!(a.reference.as_deref(), Some("graph"));
        assert_eq!(a.verdict, Verdict::InSync);
        assert_eq!(a.stores[1].compared_by, Some(ComparedBy::Picture));
        assert_eq!(
            a.stores[0].compared_by, None,
            "the reference is not compared"
        );
    }
}
