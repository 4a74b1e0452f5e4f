//! `status`: per user, read every store, fingerprint, pick the reference picture, and say in
//! the fixed vocabulary what is where and what to do. Never writes.
//!
//! Reference (DESIGN §5): the input record's own photo, else AD's, else Graph's, else the
//! first listed store holding one. The "source" whose absence means `missing-in-source` is
//! the input photo when the record names one, else `ad` when it is read.

use std::collections::BTreeMap;

use futures::StreamExt;
use futures::future::join_all;

use super::progress::Progress;
use super::reference;
use super::sink::RecordSink;
use super::{Tally, input_channel};
use crate::cli::ProgressMode;
use crate::error::{Error, ErrorClass};
use crate::input::{InputEvent, InputStream, InputUser};
use crate::photo::{self, SAME_PICTURE_MAX_DISTANCE};
use crate::schema::{
    ErrorInfo, ErrorRecord, Finding, FindingCode, FindingRecord, OutputRecord, PhotoInfo,
    SCHEMA_VERSION, Severity, StatusRecord, StoreState, StoreStatus, SummaryRecord, UserKeys,
    UserRecord, Verdict,
};
use crate::store::PhotoStore;

/// Exchange Online ignores AD photos over this size when Entra Connect syncs them.
pub const EXCHANGE_AD_PHOTO_MAX_BYTES: u64 = 10_240;

#[derive(Debug, Clone)]
pub struct StatusOptions {
    pub concurrency: usize,
    pub fail_on_drift: bool,
    pub progress: ProgressMode,
}

impl Default for StatusOptions {
    fn default() -> Self {
        StatusOptions {
            concurrency: 16,
            fail_on_drift: false,
            progress: ProgressMode::None,
        }
    }
}

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

/// Everything one user produced, ready to write and count.
struct UserOutcome {
    records: Vec<OutputRecord>,
    errors: Vec<ErrorClass>,
    verdict: Option<Verdict>,
}

/// Run `status` over the input; writes records to `sink` and returns the summary (also written).
pub async fn run_status(
    input: InputStream,
    stores: &[Box<dyn PhotoStore>],
    opts: &StatusOptions,
    sink: &mut dyn RecordSink,
) -> SummaryRecord {
    let started = std::time::Instant::now();
    let mut tally = Tally::default();
    let mut progress = Progress::new(opts.progress, "status");
    let mut outcomes = input_channel(input)
        .map(|event| async move {
            match event {
                InputEvent::Error(record) => UserOutcome {
                    records: vec![OutputRecord::Error(record)],
                    errors: vec![ErrorClass::Input],
                    verdict: None,
                },
                InputEvent::User(user) => status_of_user(user, stores).await,
            }
        })
        .buffer_unordered(opts.concurrency.max(1));
    let mut stopped = false;
    while let Some(outcome) = outcomes.next().await {
        if let Some(verdict) = outcome.verdict {
            tally.users += 1;
            tally.count(verdict_name(verdict));
            if verdict != Verdict::InSync && verdict != Verdict::NoPhoto {
                tally.drift();
            }
        }
        for class in outcome.errors {
            tally.error(class);
        }
        if outcome
            .records
            .iter()
            .any(|record| sink.emit(record).is_err())
        {
            // stdout closed (`| head`): stop reading and end quietly.
            stopped = true;
            break;
        }
        progress.tick(sink);
    }
    drop(outcomes);
    progress.finish(sink);
    if !stopped {
        for store in stores {
            for finding in store.final_findings().await {
                tally.count("findings");
                let record = OutputRecord::Finding(FindingRecord {
                    schema_version: SCHEMA_VERSION,
                    finding,
                });
                sink.emit(&record).ok();
            }
        }
    }
    let summary = SummaryRecord {
        schema_version: SCHEMA_VERSION,
        command: "status".to_string(),
        users: tally.users,
        counts: tally.counts.clone(),
        duration_ms: started.elapsed().as_millis() as u64,
        exit_code: if stopped {
            0
        } else {
            tally.exit_code(opts.fail_on_drift)
        },
    };
    if !stopped {
        sink.emit(&OutputRecord::Summary(summary.clone())).ok();
    }
    summary
}

pub fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::InSync => "in-sync",
        Verdict::Differs => "differs",
        Verdict::MissingInCloud => "missing-in-cloud",
        Verdict::MissingInSource => "missing-in-source",
        Verdict::NoPhoto => "no-photo",
        Verdict::Error => "error",
    }
}

/// Read one store for one user.
pub async fn observe(store: &dyn PhotoStore, record: &UserRecord) -> Observation {
    let observed = match store.resolve(record).await {
        Ok(None) => Observed::NotFound,
        Err(e) => Observed::Failed(e),
        Ok(Some(found)) => match store.read_photo(&found).await {
            Ok(read) => {
                let mut details = found.details;
                details.extend(read.details);
                Observed::Read {
                    photo: read.photo.map(|p| p.info),
                    details,
                    findings: read.findings,
                }
            }
            Err(e) => Observed::Failed(e),
        },
    };
    Observation {
        store: store.name().to_string(),
        observed,
    }
}

async fn status_of_user(user: InputUser, stores: &[Box<dyn PhotoStore>]) -> UserOutcome {
    let record = &user.record;
    let keys = UserKeys::from(record);
    let input = async {
        if !reference::has_input_photo(record) {
            return None;
        }
        let observed = match reference::input_photo_info(record).await {
            Ok(photo) => Observed::Read {
                photo,
                details: BTreeMap::new(),
                findings: Vec::new(),
            },
            Err(e) => Observed::Failed(e),
        };
        Some(Observation {
            store: "input".to_string(),
            observed,
        })
    };
    let reads = join_all(stores.iter().map(|s| observe(s.as_ref(), record)));
    let (input, reads) = futures::join!(input, reads);
    let observations: Vec<Observation> = input.into_iter().chain(reads).collect();

    let mut records = Vec::new();
    let mut errors = Vec::new();
    for obs in &observations {
        if let Observed::Failed(e) = &obs.observed {
            errors.push(e.class);
            // The input's own photo is the user's data problem: say it as an error record
            // too, with the line, so it can be fixed at the source.
            if obs.store == "input" {
                records.push(OutputRecord::Error(ErrorRecord {
                    schema_version: SCHEMA_VERSION,
                    user: Some(keys.clone()),
                    line: Some(user.line),
                    store: Some("input".to_string()),
                    error: ErrorInfo {
                        hint: Some(e.hint.clone().unwrap_or_else(|| {
                            "fix or replace the photo given as thumbnailPhoto or PhotoPath"
                                .to_string()
                        })),
                        ..error_info(e)
                    },
                }));
            }
        }
    }
    let assessment = assess(&observations);
    records.push(OutputRecord::Status(StatusRecord {
        schema_version: SCHEMA_VERSION,
        user: keys,
        verdict: assessment.verdict,
        reference: assessment.reference,
        stores: assessment.stores,
        findings: assessment.findings,
    }));
    UserOutcome {
        records,
        errors,
        verdict: Some(assessment.verdict),
    }
}

pub fn error_info(e: &Error) -> ErrorInfo {
    ErrorInfo {
        code: e.code,
        message: e.message.clone(),
        hint: e.hint.clone(),
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
    let (mut any_error, mut any_differs, mut any_missing, mut source_missing) =
        (false, false, false, false);
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
        };
        match &obs.observed {
            Observed::Failed(e) => {
                any_error = true;
                status.state = StoreState::Error;
                status.error = Some(error_info(e));
                findings.push(finding(
                    FindingCode::StoreUnreadable,
                    Severity::Error,
                    &obs.store,
                    format!("{} could not be read: {}", obs.store, e.message),
                    e.hint.clone().unwrap_or_else(|| {
                        "run again later; if it persists, run with -v for details".to_string()
                    }),
                ));
            }
            Observed::NotFound => {
                status.state = StoreState::Absent;
                status
                    .details
                    .insert("userFound".to_string(), serde_json::Value::Bool(false));
                findings.push(not_found_finding(&obs.store));
                if reference.is_some() {
                    if Some(obs.store.as_str()) == source {
                        source_missing = true;
                    } else {
                        any_missing = true;
                    }
                }
            }
            Observed::Read {
                photo,
                details,
                findings: store_findings,
            } => {
                status.details = details.clone();
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
                                    any_differs = true;
                                    findings.push(differs_finding(&obs.store, ref_name, distance));
                                }
                            }
                        }
                    }
                    None => {
                        status.state = StoreState::Absent;
                        if let Some((ref_name, _)) = &reference {
                            if Some(obs.store.as_str()) == source {
                                source_missing = true;
                            } else {
                                any_missing = true;
                            }
                            findings.push(missing_finding(&obs.store, ref_name, source));
                        }
                    }
                }
            }
        }
        stores.push(status);
    }
    let verdict = if any_error {
        Verdict::Error
    } else if reference.is_none() {
        Verdict::NoPhoto
    } else if source_missing {
        Verdict::MissingInSource
    } else if any_differs {
        Verdict::Differs
    } else if any_missing {
        Verdict::MissingInCloud
    } else {
        Verdict::InSync
    };
    Assessment {
        verdict,
        reference: reference.map(|(name, _)| name),
        stores,
        findings,
    }
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
        "write a smaller AD photo (`photosync sync --targets ad` makes a 96x96 JPEG under 10 KB), \
         or set the cloud photo directly with `--targets graph`"
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(phash: &str, bytes: u64) -> PhotoInfo {
        PhotoInfo {
            format: "jpeg".into(),
            width: 96,
            height: 96,
            bytes,
            sha256: "00".into(),
            phash: phash.into(),
        }
    }

    fn read(store: &str, photo: Option<PhotoInfo>) -> Observation {
        Observation {
            store: store.into(),
            observed: Observed::Read {
                photo,
                details: BTreeMap::new(),
                findings: Vec::new(),
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
        assert_eq!(a.stores[1].distance, Some(32));
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
    fn nothing_anywhere_is_no_photo() {
        let a = assess(&[read("ad", None), read("graph", None)]);
        assert_eq!(a.verdict, Verdict::NoPhoto);
        assert!(a.findings.is_empty());
    }
}
