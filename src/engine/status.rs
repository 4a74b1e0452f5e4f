//! `status`: per user, read every store concurrently, fingerprint, and hand the observations
//! to `assess` for the verdict and findings. Streams records as users finish. Never writes.
//! Stops early on a signal or a closed stdout (`stop`), still with the run's real exit code.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use futures::future::join_all;

use super::assess::{Observation, Observed, assess};
use super::diagnose;
use super::progress::Progress;
use super::reference;
use super::sink::RecordSink;
use super::state::{self, SyncState};
use super::stop::{StopReason, StopSignal, until_stopped};
use super::thumbnail;
use super::{Tally, input_channel};
use crate::cli::ProgressMode;
use crate::error::{ErrorClass, error_info};
use crate::input::{InputEvent, InputStream, InputUser};
use crate::schema::{
    ErrorInfo, ErrorRecord, FindingRecord, OutputRecord, SCHEMA_VERSION, StatusRecord,
    SummaryRecord, UserKeys, UserRecord, Verdict,
};
use crate::store::PhotoStore;

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
    /// The state-file identity of `stores[i]` (see `state::target_key`).
    pub store_keys: Vec<String>,
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
            store_keys: Vec::new(),
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
    let stop = &opts.stop;
    let (events, input_end) = until_stopped(input_channel(input), stop);
    let mut outcomes = events
        .map(|event| async move {
            match event {
                InputEvent::Error(record) => UserOutcome {
                    records: vec![OutputRecord::Error(record)],
                    errors: vec![ErrorClass::Input],
                    verdict: None,
                },
                InputEvent::SourceFailed(record, class) => UserOutcome {
                    records: vec![OutputRecord::Error(record)],
                    errors: vec![class],
                    verdict: None,
                },
                InputEvent::User(user) => status_of_user(user, stores, opts).await,
            }
        })
        .buffer_unordered(opts.concurrency.max(1));
    let mut output_closed = false;
    while let Some(outcome) = next_before_grace(&mut outcomes, stop).await {
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
        if output_closed {
            continue;
        }
        if outcome
            .records
            .iter()
            .any(|record| sink.emit(record).is_err())
        {
            // stdout closed (`| head`): take no more users, finish those in flight.
            output_closed = true;
            stop.trigger(StopReason::OutputClosed);
            continue;
        }
        progress.tick();
    }
    drop(outcomes);
    progress.finish();
    let stopped = stop.reason();
    // Store-wide findings (unmatched files) need every user seen: only after a full run.
    if stopped.is_none() {
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
        exit_code: stopped
            .and_then(|reason| reason.exit_code(!input_end.reached()))
            .unwrap_or_else(|| tally.exit_code(opts.fail_on_drift)),
    };
    if !output_closed {
        sink.emit(&OutputRecord::Summary(summary.clone())).ok();
    }
    summary
}

/// The next finished user, or `None` when the input is done or the grace period after a
/// signal is over (users still in flight are then abandoned, and say so on stderr).
pub(super) async fn next_before_grace<S>(outcomes: &mut S, stop: &StopSignal) -> Option<S::Item>
where
    S: futures::Stream + Unpin,
{
    tokio::select! {
        biased;
        next = outcomes.next() => next,
        _ = stop.grace_over() => {
            tracing::warn!("users still in flight after the grace period were abandoned");
            None
        }
    }
}

pub fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::InSync => "in-sync",
        Verdict::Differs => "differs",
        Verdict::MissingInCloud => "missing-in-cloud",
        Verdict::MissingInStore => "missing-in-store",
        Verdict::MissingInSource => "missing-in-source",
        Verdict::NoPhoto => "no-photo",
        Verdict::NotFound => "not-found",
        Verdict::Error => "error",
    }
}

/// Read one store for one user (with a report thumbnail of the photo when asked, and what
/// explains a missing photo).
pub async fn observe(store: &dyn PhotoStore, record: &UserRecord, thumbnails: bool) -> Observation {
    let observed = match store.resolve(record).await {
        Ok(None) => Observed::NotFound,
        Err(e) => Observed::Failed(e),
        Ok(Some(found)) => match store.read_photo(&found).await {
            Ok(read) => {
                let explained = match &read.photo {
                    None => store.explain_no_photo(&found, &read).await,
                    Some(_) => BTreeMap::new(),
                };
                let mut details = found.details;
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
    Observation {
        store: store.name().to_string(),
        observed,
    }
}

async fn status_of_user(
    user: InputUser,
    stores: &[Box<dyn PhotoStore>],
    opts: &StatusOptions,
) -> UserOutcome {
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
            store: "input".to_string(),
            observed,
        })
    };
    let reads = join_all(
        stores
            .iter()
            .map(|s| observe(s.as_ref(), record, thumbnails)),
    );
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
    let mut assessment = assess(&observations);
    if let (Some(state), Some(user_key)) = (&opts.state, state::user_key(record)) {
        let now = std::time::SystemTime::now();
        for (store, key) in stores.iter().zip(&opts.store_keys) {
            let Some(last) = state.last_write(&user_key, key) else {
                continue;
            };
            let Some(shown) = assessment
                .stores
                .iter_mut()
                .find(|s| s.store == store.name())
            else {
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
            if ago <= diagnose::RECENT_WRITE_WINDOW {
                assessment
                    .findings
                    .push(diagnose::recently_written(shown, ago, last.verified));
            }
        }
    }
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
