//! `status`: per user, read every store concurrently, fingerprint, and hand the observations
//! to `assess` for the verdict and findings. What a store found is shown as the record's only
//! once the identity gate proved it (`identity::prove`). With `--state`, a store holding
//! PhotoSync's own verified write byte for byte is compared by that record, not by looking.
//! Streams records as users finish.
//! Never writes.
//! Stops early on a signal or a closed stdout (`stop`), still with the run's real exit code.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::join_all;

use super::driver::{self, Drive, Outcome};
use super::identity;
use super::reference;
use super::stop::StopSignal;
use crate::error::{Error, error_info};
use crate::input::{InputStream, InputUser};
use crate::output::progress::{Progress, ProgressMode};
use crate::output::sink::RecordSink;
use crate::output::thumbnail;
use crate::photo;
use crate::schema::{
    ErrorInfo, ErrorRecord, FindingRecord, OutputRecord, PhotoInfo, SCHEMA_VERSION, StatusRecord,
    SummaryRecord, UserKeys, UserRecord, Verdict,
};
use crate::state::{self, SyncState, VerifiedWrite};
use crate::store::ad::ObjectGuid;
use crate::store::identity::Anchor;
use crate::store::{Capabilities, INPUT, PhotoStore, StoreClass, StoreUser};
use crate::verdict::{Observation, Observed, assess, diagnose};

#[derive(Clone)]
pub struct StatusOptions {
    pub concurrency: usize,
    pub fail_on_drift: bool,
    pub progress: ProgressMode,
    /// Asks the run to stop early (signals); the engine also triggers it when stdout closes.
    pub stop: StopSignal,
    /// Keep a small JPEG of every picture for the HTML report.
    pub thumbnails: bool,
    /// The sync state file, read only: says when each store was last written.
    pub state: Option<Arc<SyncState>>,
    /// What the identity gate allows beyond its rules.
    pub identity: identity::Policy,
}

impl Default for StatusOptions {
    fn default() -> Self {
        StatusOptions {
            concurrency: 16,
            fail_on_drift: false,
            progress: ProgressMode::None,
            stop: StopSignal::default(),
            thumbnails: false,
            state: None,
            identity: identity::Policy::default(),
        }
    }
}

/// Run `status` over the input; writes records to `sink` and returns the summary (also written).
pub async fn run_status(
    input: InputStream,
    stores: &[Box<dyn PhotoStore>],
    opts: &StatusOptions,
    sink: &mut dyn RecordSink,
) -> SummaryRecord {
    // Where each store writes, as the state file keys it (asked once, not per user).
    let state_keys: Vec<Option<String>> = stores.iter().map(|s| s.state_key()).collect();
    let drive = Drive {
        concurrency: opts.concurrency,
        shard: None,
        stop: &opts.stop,
        progress: Progress::new(opts.progress, "status"),
        intake: None,
    };
    let mut driven = driver::drive(input, drive, sink, |user| {
        status_of_user(user, stores, &state_keys, opts)
    })
    .await;
    // Store-wide findings (unmatched files) need every user seen: only after a full run.
    if opts.stop.reason().is_none() {
        for store in stores {
            for finding in store.final_findings().await {
                driven.tally.count("findings");
                let record = OutputRecord::Finding(FindingRecord {
                    schema_version: SCHEMA_VERSION,
                    finding,
                });
                sink.emit(&record).ok();
            }
        }
    }
    driven.summarize("status", &opts.stop, opts.fail_on_drift, sink)
}

/// The record's objectGUID as the gate reads it; a malformed one fails every store.
type RecordGuid = std::result::Result<Option<ObjectGuid>, Error>;

/// Read one store for one user (with a report thumbnail of the photo when asked, and what
/// explains a missing photo), once the identity gate proved what the store found (`found`,
/// resolved beforehand); the user as the store found it, for follow-up questions.
async fn observe(
    store: &dyn PhotoStore,
    record: &UserRecord,
    guid: &RecordGuid,
    found: std::result::Result<Option<StoreUser>, Error>,
    opts: &StatusOptions,
) -> (Observation, Option<StoreUser>) {
    let found = match (guid, found) {
        (Err(e), _) => Err(e.clone()),
        (Ok(guid), Ok(Some(user))) => identity::confirm_keys_agree(store, record, &user)
            .await
            .and_then(|()| {
                identity::prove(store.name(), record, *guid, &user.identity, &opts.identity)
            })
            .map(|()| Some(user)),
        (Ok(_), other) => other,
    };
    let thumbnails = opts.thumbnails;
    let mut user = None;
    let observed = match found {
        Ok(None) => Observed::NotFound,
        Err(e) => Observed::Failed(e),
        Ok(Some(found)) => match store.read_photo(&found).await {
            Ok(read) => {
                let explained = match &read.photo {
                    None => store.explain_no_photo(&found, &read).await,
                    Some(_) => BTreeMap::new(),
                };
                let mut details = found.details.clone();
                user = Some(found);
                details.extend(read.details);
                details.extend(explained);
                let thumbnail = match (&read.photo, thumbnails) {
                    (Some(p), true) => thumbnail::from_bytes(p.bytes.clone()).await,
                    _ => None,
                };
                Observed::Read {
                    photo: read.photo.map(|p| p.info),
                    details,
                    findings: read.findings,
                    thumbnail,
                }
            }
            Err(e) => Observed::Failed(e),
        },
    };
    let observation = Observation {
        store: store.name().to_string(),
        capabilities: store.capabilities(),
        observed,
        own_write: None,
    };
    (observation, user)
}

/// Every store's object is one person: where two stores know an on-premises anchor, they
/// agree (`identity::confirm_same_person`). A store whose object disagrees with the
/// directory's (else with the first store that knows an anchor) is refused, so its picture is
/// never compared as the record's.
fn hold_to_one_person(reads: &mut [(Observation, Option<StoreUser>)]) {
    let anchored = |(_, u): &(Observation, Option<StoreUser>)| {
        u.as_ref()
            .is_some_and(|u| matches!(u.identity.anchor, Anchor::Guid(_) | Anchor::Other(_)))
    };
    let directory =
        |(o, _): &(Observation, Option<StoreUser>)| o.capabilities.class == StoreClass::Directory;
    let Some((first_store, person)) = (reads.iter().find(|r| anchored(r) && directory(r)))
        .or_else(|| reads.iter().find(|r| anchored(r)))
        .and_then(|(o, u)| Some((o.store.clone(), u.as_ref()?.identity.clone())))
    else {
        return;
    };
    for (observation, user) in reads.iter_mut() {
        let Some(found) = user.as_ref() else {
            continue;
        };
        if let Err(e) = identity::confirm_same_person(
            &first_store,
            &person,
            &observation.store,
            &found.identity,
        ) {
            observation.observed = Observed::Failed(e);
            *user = None;
        }
    }
}

/// Ask each store that does not show the directory's picture why (only where both hold a
/// photo and the pictures differ: an AD change that never arrived), into its details.
async fn explain_differences(
    stores: &[Box<dyn PhotoStore>],
    reads: &mut [(Observation, Option<StoreUser>)],
) {
    let directory = reads
        .iter()
        .find(|(o, _)| o.capabilities.class == StoreClass::Directory)
        .and_then(|(o, _)| o.photo().cloned());
    let Some(directory) = directory else {
        return;
    };
    for (store, (observation, user)) in stores.iter().zip(reads.iter_mut()) {
        let (
            Some(user),
            Observed::Read {
                photo: Some(shown),
                details,
                ..
            },
        ) = (user.as_ref(), &mut observation.observed)
        else {
            continue;
        };
        if observation.capabilities.class != StoreClass::Directory
            && photo::same_picture(&directory, shown).is_some_and(|(same, _)| !same)
        {
            details.extend(store.explain_difference(user).await);
        }
    }
}

/// PhotoSync's verified write to a store, when the store holds it byte for byte now.
fn held_own_write(
    state: &SyncState,
    user: &str,
    key: Option<&str>,
    photo: Option<&PhotoInfo>,
) -> Option<VerifiedWrite> {
    let write = state.verified_write(user, key?)?;
    write.is_held_as(&photo?.sha256).then_some(write)
}

async fn status_of_user(
    user: InputUser,
    stores: &[Box<dyn PhotoStore>],
    state_keys: &[Option<String>],
    opts: &StatusOptions,
) -> Outcome {
    let thumbnails = opts.thumbnails;
    let record = &user.record;
    let keys = UserKeys::from(record);
    let input = async {
        if !reference::has_input_photo(record) {
            return None;
        }
        let observed = match reference::input_photo(record).await {
            Ok(photo) => Observed::Read {
                thumbnail: match photo.as_ref().filter(|_| thumbnails) {
                    Some(p) => thumbnail::from_photo(p).await,
                    None => None,
                },
                photo: photo.map(|p| p.info),
                details: BTreeMap::new(),
                findings: Vec::new(),
            },
            Err(e) => Observed::Failed(e),
        };
        Some(Observation {
            store: INPUT.to_string(),
            capabilities: Capabilities::INPUT,
            observed,
            own_write: None,
        })
    };
    let guid = identity::record_guid(record);
    let reads = async {
        // Every store's match first: one found by the record's own objectGUID may teach the
        // others a migrated account's anchor (`identity::with_learned_anchor`).
        let found = join_all(stores.iter().map(|s| async {
            match &guid {
                Ok(_) => s.resolve(record).await,
                Err(e) => Err(e.clone()),
            }
        }))
        .await;
        let record_guid = guid.as_ref().ok().copied().flatten();
        let learned =
            found.iter().flatten().flatten().find_map(|user| {
                identity::with_learned_anchor(record, record_guid, &user.identity)
            });
        let record = learned.as_ref().unwrap_or(record);
        join_all(
            stores
                .iter()
                .zip(found)
                .map(|(s, found)| observe(s.as_ref(), record, &guid, found, opts)),
        )
        .await
    };
    let (input, mut reads) = futures::join!(input, reads);
    hold_to_one_person(&mut reads);
    explain_differences(stores, &mut reads).await;
    let user_key = state::user_key(record);
    if let (Some(state), Some(user)) = (&opts.state, user_key.as_deref()) {
        for ((observation, _), key) in reads.iter_mut().zip(state_keys) {
            observation.own_write =
                held_own_write(state, user, key.as_deref(), observation.photo());
        }
    }
    let observations: Vec<Observation> = input
        .into_iter()
        .chain(reads.into_iter().map(|(observation, _)| observation))
        .collect();

    let mut records = Vec::new();
    let mut errors = Vec::new();
    for obs in &observations {
        if let Observed::Failed(e) = &obs.observed {
            errors.push(e.class);
            // The input's own photo is the user's data problem: say it as an error record
            // too, with the line, so it can be fixed at the source.
            if obs.capabilities.class == StoreClass::Source {
                records.push(OutputRecord::Error(ErrorRecord {
                    schema_version: SCHEMA_VERSION,
                    user: Some(keys.clone()),
                    line: Some(user.line),
                    store: Some(obs.store.clone()),
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
    let mut assessment = assess(&observations);
    if let (Some(state), Some(user_key)) = (&opts.state, user_key) {
        let now = std::time::SystemTime::now();
        // The picture the stores are compared with, as the state file fingerprints a source.
        let reference_sha = assessment
            .reference
            .as_deref()
            .and_then(|name| assessment.stores.iter().find(|s| s.store == name))
            .and_then(|s| s.photo.as_ref())
            .map(|p| p.sha256.clone());
        // The stores' statuses follow the input's own (when the record has a photo).
        let first_store = assessment.stores.len() - stores.len();
        for (i, (store, key)) in stores.iter().zip(state_keys).enumerate() {
            let Some(key) = key.as_deref() else {
                continue;
            };
            let Some(last) = state.last_write(&user_key, key) else {
                continue;
            };
            let Some(shown) = assessment.stores.get_mut(first_store + i) else {
                continue;
            };
            let ago = now.duration_since(last.written_at).unwrap_or_default();
            if !last.verified {
                // A write not yet seen by a read-back: show it and its age (never a verdict).
                shown.details.insert(
                    "pendingWrite".to_string(),
                    serde_json::json!({ "ageSecs": ago.as_secs() }),
                );
            }
            // PhotoSync verified this very source picture here, and the store now shows
            // another: someone changed it outside PhotoSync.
            let changed_outside = shown.matches_reference == Some(false)
                && reference_sha
                    .as_deref()
                    .is_some_and(|sha| state.verified_source(&user_key, key, sha));
            if changed_outside {
                assessment
                    .findings
                    .push(diagnose::changed_outside(shown, ago));
            } else if ago <= diagnose::RECENT_WRITE_WINDOW {
                assessment.findings.push(diagnose::recently_written(
                    shown,
                    store.capabilities().service,
                    ago,
                    last.verified,
                ));
            }
        }
    }
    records.push(OutputRecord::Status(StatusRecord {
        schema_version: SCHEMA_VERSION,
        user: keys,
        line: Some(user.line),
        verdict: assessment.verdict,
        reference: assessment.reference,
        stores: assessment.stores,
        findings: assessment.findings,
    }));
    let verdict = assessment.verdict;
    Outcome {
        records,
        errors,
        counts: vec![verdict.name()],
        drift: verdict != Verdict::InSync && verdict != Verdict::NoPhoto,
    }
}
