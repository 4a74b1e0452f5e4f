//! `sync`: per user and target, skip when the target already shows the source picture,
//! otherwise write the target's rendition and verify it by reading back. What to do is a pure
//! decision (`plan`); `execute` looks at the target when the plan asks and carries the decision
//! out. Every change goes through `apply_write`, the one chokepoint where `--dry-run` stops;
//! it takes only a user the identity gate admitted (`engine::identity`). Nothing is deleted.
//! Services show a write only after a while (spec §12), so verification re-reads with backoff
//! within `--verify-window`; a write still not visible then is `updated` with
//! `verified: false` (reason `not-yet-visible`), a failure only with `--require-verified`.

mod execute;
mod plan;

use futures::future::join_all;

use super::driver::{self, Drive, Outcome};
use super::identity::{self, Admitted, Claims};
use super::reference;
use super::shard::Shard;
use super::stop::{StopReason, StopSignal};
use crate::error::{Error, ErrorClass, Result, error_info};
use crate::input::{InputStream, InputUser};
use crate::output::progress::{Progress, ProgressMode};
use crate::output::sink::RecordSink;
use crate::photo::{self, DecodeLimits, RenditionSpec, SourcePhoto};
use crate::schema::{
    Action, ErrorCode, ErrorRecord, OutputRecord, PhotoInfo, ResultRecord, SCHEMA_VERSION,
    SummaryRecord, UserKeys, UserRecord,
};
use crate::state::{DEFAULT_RECHECK_AFTER, Entry, SyncState, now_secs, user_key};
use crate::store::ad::ObjectGuid;
use crate::store::identity::Identity;
use crate::store::{INPUT, PhotoStore, StoreUser};
pub use plan::Reason;

/// Where the authoritative photo comes from.
pub enum SyncSource {
    /// The record's own `thumbnailPhoto` / `photoPath`.
    Input,
    /// A store (`ad`, a folder).
    Store(Box<dyn PhotoStore>),
}

impl SyncSource {
    fn name(&self) -> &str {
        match self {
            SyncSource::Input => INPUT,
            SyncSource::Store(store) => store.name(),
        }
    }
}

pub struct SyncOptions {
    pub concurrency: usize,
    pub dry_run: bool,
    pub force: bool,
    pub progress: ProgressMode,
    /// Users expected, when the input can tell (for the progress ETA).
    pub progress_total: Option<u64>,
    /// 429s received so far, when the run talks to a throttling service (for progress).
    pub throttled: Option<std::sync::Arc<dyn Fn() -> u64 + Send + Sync>>,
    pub state: Option<SyncState>,
    /// Asks the run to stop early (signals); the engine also triggers it when stdout closes.
    pub stop: StopSignal,
    /// How long a write may take to become visible before it is reported unverified.
    pub verify_window: std::time::Duration,
    /// An unverified write is the user's failure instead of a pending success.
    pub require_verified: bool,
    /// Read every target even when the state says the user is verified and unchanged.
    pub recheck: bool,
    /// How long a verified state entry lets a re-run skip a user.
    pub recheck_after: std::time::Duration,
    /// Process only this shard of the input.
    pub shard: Option<Shard>,
    /// What the identity gate allows beyond its rules.
    pub identity: identity::Policy,
    /// Write only where a target has no photo or a placeholder.
    pub only_missing: bool,
    /// With `state`: leave a target someone changed since PhotoSync's verified write.
    pub keep_outside_changes: bool,
    /// The picture for users whose source has none (guests, service accounts); it only fills a
    /// missing photo or a placeholder.
    pub default_photo: Option<SourcePhoto>,
}

/// Default of `--verify-window`.
pub const DEFAULT_VERIFY_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            concurrency: 16,
            dry_run: false,
            force: false,
            progress: ProgressMode::None,
            progress_total: None,
            throttled: None,
            state: None,
            stop: StopSignal::default(),
            verify_window: DEFAULT_VERIFY_WINDOW,
            require_verified: false,
            recheck: false,
            recheck_after: DEFAULT_RECHECK_AFTER,
            shard: None,
            identity: identity::Policy::default(),
            only_missing: false,
            keep_outside_changes: false,
            default_photo: None,
        }
    }
}

/// How claims and messages name a user: the state file's key, else the input line.
fn who_of(user: &InputUser) -> String {
    user_key(&user.record).unwrap_or_else(|| format!("the record on line {}", user.line))
}

/// Run `sync` over the input; writes records to `sink` and returns the summary (also written).
pub async fn run_sync(
    input: InputStream,
    source: &SyncSource,
    targets: &[Box<dyn PhotoStore>],
    opts: &SyncOptions,
    sink: &mut dyn RecordSink,
) -> SummaryRecord {
    // Where each target writes, as the state file keys it (asked once, not per user).
    let state_keys: Vec<Option<String>> = targets.iter().map(|t| t.state_key()).collect();
    // The files and objects the users of this run claimed, across all targets (name-collision,
    // duplicate-user).
    let claims = Claims::default();
    // File names are claimed in input order as users are taken, so which of two colliding
    // records is "the later" never depends on whose photo decodes first.
    let reserve_names = |user: &InputUser| {
        let who = who_of(user);
        for target in targets.iter().filter(|t| t.capabilities().can_write) {
            if let Some(name) = target.write_name(&user.record) {
                claims.reserve_file(&name, &who);
            }
        }
    };
    let drive = Drive {
        concurrency: opts.concurrency,
        shard: opts.shard,
        stop: &opts.stop,
        progress: Progress::new(opts.progress, "sync")
            .with_total(opts.progress_total)
            .with_throttled(opts.throttled.clone()),
        intake: Some(&reserve_names),
    };
    let driven = driver::drive(input, drive, sink, |user| {
        sync_user(user, source, targets, &state_keys, &claims, opts)
    })
    .await;
    // Entries the state file lost cost a re-check next run, never a user's result; but the
    // run's memory is incomplete, which an unattended job must hear about: exit 74.
    if let Some(state) = &opts.state
        && state.failed_appends() > 0
    {
        tracing::error!(
            entries = state.failed_appends(),
            "could not write every entry to the state file; the next run checks those users again"
        );
        opts.stop.trigger(StopReason::OutputFailed);
    }
    driven.summarize("sync", &opts.stop, false, sink)
}

/// The authoritative photo for this user (`None` when the source has none) and, from a store,
/// who the object it was read from is. A source store's user passes the identity gate as a
/// target's does: a record's keys that name two people, or one the GUID disagrees with, must
/// not choose whose face is written.
async fn source_photo(
    source: &SyncSource,
    record: &UserRecord,
    guid: Option<ObjectGuid>,
    policy: &identity::Policy,
) -> Result<(Option<SourcePhoto>, Option<Identity>)> {
    match source {
        SyncSource::Input => Ok((reference::input_photo(record).await?, None)),
        SyncSource::Store(store) => {
            let Some(found) = store.resolve(record).await? else {
                return Err(Error::new(
                    ErrorCode::UserNotFound,
                    ErrorClass::NotFound,
                    format!("the user was not found in the source ({})", store.name()),
                )
                .with_hint("check the identity keys, or the source's naming rule"));
            };
            identity::confirm_keys_agree(store.as_ref(), record, &found).await?;
            identity::prove(store.name(), record, guid, &found.identity, policy)?;
            // Read and decode within one slot of the photo budget: a photo file's bytes never
            // wait for their decode outside it.
            let photo = photo::admitted(async {
                match store.read_photo(&found).await?.photo {
                    Some(stored) => photo::load_off_thread(stored.bytes).await.map(Some),
                    None => Ok(None),
                }
            })
            .await?;
            Ok((photo, Some(found.identity)))
        }
    }
}

async fn sync_user(
    user: InputUser,
    source: &SyncSource,
    targets: &[Box<dyn PhotoStore>],
    state_keys: &[Option<String>],
    claims: &Claims,
    opts: &SyncOptions,
) -> Outcome {
    let keys = UserKeys::from(&user.record);
    let line = user.line;
    let mut outcome = Outcome::default();
    let mut report = |record: ResultRecord, class: Option<ErrorClass>| {
        outcome.counts.push(record.action.name());
        outcome.errors.extend(class);
        outcome.records.push(OutputRecord::Result(ResultRecord {
            user: keys.clone(),
            line: Some(line),
            ..record
        }));
    };
    // A malformed objectGUID refuses the user everywhere: no store could check a match by
    // another key against the GUID the record meant to give.
    let guid = match identity::record_guid(&user.record) {
        Ok(guid) => guid,
        Err(e) => return refused_everywhere(&user, None, targets, e),
    };
    let own = source_photo(source, &user.record, guid, &opts.identity).await;
    // Without a photo of its own, the user gets --default-photo, when given.
    let (src, default_photo, source_person) = match (own, &opts.default_photo) {
        (Ok((Some(src), person)), _) => (std::borrow::Cow::Owned(src), false, person),
        (Ok((None, _)), Some(default)) => (std::borrow::Cow::Borrowed(default), true, None),
        (Ok((None, _)), None) => {
            for target in targets {
                report(
                    result(target.name(), Action::Skipped, Reason::NoSourcePhoto),
                    None,
                );
            }
            return outcome;
        }
        (Err(e), _) => return refused_everywhere(&user, Some(source.name()), targets, e),
    };
    // A migrated account's anchor, learned from the source's match by objectGUID, is what
    // a target's anchor is held to beside the record's objectGUID.
    let learned = source_person
        .as_ref()
        .and_then(|person| identity::with_learned_anchor(&user.record, guid, person));
    let record = learned.as_ref().unwrap_or(&user.record);
    let state_user = user_key(&user.record);
    let who = who_of(&user);
    let results = join_all(targets.iter().zip(state_keys).map(|(target, key)| {
        let slot = match (&opts.state, state_user.as_deref(), key.as_deref()) {
            (Some(state), Some(user), Some(target)) => Some(StateSlot {
                state,
                user,
                target,
            }),
            _ => None,
        };
        execute::sync_target(execute::Job {
            target: target.as_ref(),
            place: key.as_deref().unwrap_or(target.name()),
            record,
            guid,
            who: &who,
            claims,
            state: slot,
            src: &src,
            source_person: source_person.as_ref(),
            source_name: source.name(),
            default_photo,
            opts,
        })
    }))
    .await;
    for (record, class) in results {
        report(record, class);
    }
    outcome
}

/// One error record for the user (from `store`, if one), and a failed result on every
/// target saying why it was not synced.
fn refused_everywhere(
    user: &InputUser,
    store: Option<&str>,
    targets: &[Box<dyn PhotoStore>],
    e: Error,
) -> Outcome {
    let keys = UserKeys::from(&user.record);
    let mut outcome = Outcome::default();
    outcome.records.push(OutputRecord::Error(ErrorRecord {
        schema_version: SCHEMA_VERSION,
        user: Some(keys.clone()),
        line: Some(user.line),
        store: store.map(str::to_string),
        error: error_info(&e),
    }));
    for target in targets {
        let (record, _) = failed(target.name(), plan::source_failure(&e), &e);
        outcome.counts.push(record.action.name());
        outcome.records.push(OutputRecord::Result(ResultRecord {
            user: keys.clone(),
            line: Some(user.line),
            ..record
        }));
    }
    outcome.errors.push(e.class);
    outcome
}

/// A failed result for `target`, carrying the error, and the error's class.
fn failed(target: &str, reason: Reason, e: &Error) -> (ResultRecord, Option<ErrorClass>) {
    let record = ResultRecord {
        error: Some(error_info(e)),
        ..result(target, Action::Failed, reason)
    };
    (record, Some(e.class))
}

/// A result record for `target` (the user's keys and line are filled in by `sync_user`).
fn result(target: &str, action: Action, reason: Reason) -> ResultRecord {
    ResultRecord {
        schema_version: SCHEMA_VERSION,
        user: UserKeys::default(),
        line: None,
        target: target.to_string(),
        action,
        reason: reason.name().to_string(),
        verified: None,
        photo: None,
        error: None,
    }
}

/// Where one user x target lives in the state file.
#[derive(Clone, Copy)]
pub(super) struct StateSlot<'a> {
    pub state: &'a SyncState,
    pub user: &'a str,
    pub target: &'a str,
}

impl StateSlot<'_> {
    /// Remember that a write of `src` to `object` is being sent: it may land, and until a
    /// read-back shows it no run trusts it.
    pub fn record_pending(&self, src: &SourcePhoto, object: &StoreUser) {
        self.record(src, "", false, object);
    }

    /// Take back the pending entry of a write the store refused: nothing is pending, and no
    /// write is on record (`at` 0), so neither a later run nor `status` waits for one.
    pub fn record_refused(&self, object: &StoreUser) {
        let entry = Entry {
            user: self.user.to_string(),
            target: self.target.to_string(),
            source_sha256: String::new(),
            written_sha256: String::new(),
            at: Some(0),
            verified: false,
            object: object.key.clone(),
        };
        self.append(&entry);
    }

    /// Remember that the target was read holding `shown` for `src` at `object`: PhotoSync's
    /// own write (`own_write`, kept byte-exact so later runs compare the target with it), or a
    /// picture found in place.
    pub fn record_verified(
        &self,
        src: &SourcePhoto,
        shown: &PhotoInfo,
        own_write: bool,
        object: &StoreUser,
    ) {
        let written_sha256 = if own_write { shown.sha256.as_str() } else { "" };
        self.record(src, written_sha256, true, object);
    }

    fn record(&self, src: &SourcePhoto, written_sha256: &str, verified: bool, object: &StoreUser) {
        self.append(&Entry {
            user: self.user.to_string(),
            target: self.target.to_string(),
            source_sha256: src.info.sha256.clone(),
            written_sha256: written_sha256.to_string(),
            at: Some(now_secs()),
            verified,
            object: object.key.clone(),
        });
    }

    /// A failed append costs a re-check next run, never this user's result, so it is logged
    /// and the run goes on.
    fn append(&self, entry: &Entry) {
        if let Err(e) = self.state.record(entry) {
            // Said once here, and counted at the end of the run.
            if self.state.failed_appends() == 1 {
                tracing::warn!(error = %e, "could not append to the state file");
            }
        }
    }
}

pub(super) enum Applied {
    /// Dry run: what the target's rendition would be, when it can be told without the store.
    WouldWrite(Option<PhotoInfo>),
    Written(PhotoInfo),
    /// Accepted, but reads still showed the previous state when the verify window ran out.
    NotYetVisible,
}

/// What `apply_write` tells the state as a write goes.
pub(super) enum WriteMark {
    /// About to send: the write may land from now on.
    Sending,
    /// The store refused the first send: nothing landed.
    Refused,
}

/// The one place sync changes a store. `--dry-run` stops here; otherwise write, then read
/// back until the same picture shows (or the window runs out while the previous state still
/// shows). A third picture is a failed verification at once.
///
/// When a write's answer is lost (connection dropped, gateway timeout), the service may
/// have stored the photo, and a stored photo can take a while to show: watch for it within
/// the same window before sending it again, so a write that landed is not written twice.
pub(super) async fn apply_write(
    target: &dyn PhotoStore,
    admitted: &Admitted,
    src: &SourcePhoto,
    before: Option<&PhotoInfo>,
    opts: &SyncOptions,
    mark: &(dyn Fn(WriteMark) + Sync),
) -> Result<Applied> {
    let user = admitted.user();
    if opts.dry_run {
        tracing::info!(target = target.name(), user = %user.key, "skipped write because --dry-run");
        return Ok(Applied::WouldWrite(
            preview(target.capabilities().rendition, src).await,
        ));
    }
    // Before the first byte is sent: a write can land while its answer is still on the way,
    // and a run killed (or given up on) then must leave a record that the target may hold
    // this picture, or the next run would trust the entry before it and skip the user.
    mark(WriteMark::Sending);
    let mut attempt = 1;
    loop {
        match target.write_photo(user, src).await {
            Ok(()) => {
                return read_back(target, user, src, before, opts.verify_window).await;
            }
            Err(e) if e.class == ErrorClass::Transient => {
                tracing::debug!(target = target.name(), user = %user.key, attempt, error = %e, "the answer to a photo write was lost; watching whether it landed");
                // The last send is read back too: it may have landed like the others.
                if let Applied::Written(info) =
                    read_back(target, user, src, before, opts.verify_window).await?
                {
                    return Ok(Applied::Written(info));
                }
                if attempt >= WRITE_ATTEMPTS {
                    return Err(e);
                }
                attempt += 1;
            }
            Err(e) => {
                // Refused at the first send: nothing landed, so nothing is pending (an earlier
                // send whose answer was lost still may have landed).
                if attempt == 1 {
                    mark(WriteMark::Refused);
                }
                return Err(e);
            }
        }
    }
}

/// Read a target back after a write until it shows `src` (written), or until `window` runs
/// out while it still shows what it held before (not yet visible).
pub(super) async fn read_back(
    target: &dyn PhotoStore,
    user: &StoreUser,
    src: &SourcePhoto,
    before: Option<&PhotoInfo>,
    window: std::time::Duration,
) -> Result<Applied> {
    // A window past what a clock can hold (`--verify-window 18446744073709551615`) has no end.
    let deadline = tokio::time::Instant::now().checked_add(window);
    let mut pause = VERIFY_FIRST_PAUSE;
    loop {
        let read_back = target.read_photo(user).await?.photo;
        // Absent, or the picture from before the write: not visible yet, read again.
        if let Some(stored) = &read_back {
            match photo::same_picture(&stored.info, &src.info) {
                Some((true, _)) => return Ok(Applied::Written(stored.info.clone())),
                Some((false, distance)) => {
                    let was_there = before
                        .and_then(|b| photo::same_picture(&stored.info, b))
                        .is_some_and(|(same, _)| same);
                    if !was_there {
                        return Err(verify_failed(
                            target.name(),
                            &format!("a different picture (distance {distance})"),
                        ));
                    }
                }
                None => return Err(verify_failed(target.name(), "an unreadable fingerprint")),
            }
        }
        let now = tokio::time::Instant::now();
        let left = deadline.map_or(pause, |d| d.saturating_duration_since(now));
        if left.is_zero() {
            return Ok(Applied::NotYetVisible);
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(VERIFY_MAX_PAUSE);
    }
}

/// Times sync sends one photo write whose answer keeps getting lost. Each resend follows a
/// read-back showing the write did not land, so it is never a second write; since a 503 on a
/// write also takes this path (issue 19), a few more tries keep a flaky gateway from failing
/// users that a blind HTTP retry used to get through.
const WRITE_ATTEMPTS: u32 = 5;

/// Backoff between read-backs of a write that is not visible yet.
const VERIFY_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);
const VERIFY_MAX_PAUSE: std::time::Duration = std::time::Duration::from_secs(8);

/// The rendition a store declaring `spec` would receive, fingerprinted (for dry-run output);
/// made on a blocking thread.
pub(super) async fn preview(spec: Option<RenditionSpec>, src: &SourcePhoto) -> Option<PhotoInfo> {
    let spec = spec?;
    let previewed = photo::render_off_thread(src, move |src| {
        let rendition = photo::render_one(src, &spec)?;
        photo::inspect(&rendition.bytes, &DecodeLimits::default())
    });
    previewed.await.ok()
}

pub(super) fn verify_failed(target: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::VerifyFailed,
        ErrorClass::Failed,
        format!("{target} accepted the photo but reading it back gave {what}"),
    )
    .with_hint("the service may still be processing it: run status again in a few minutes")
}
