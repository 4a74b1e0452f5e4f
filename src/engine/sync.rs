//! `sync`: per user and target, skip when the target already shows the source picture,
//! otherwise write the target's rendition and verify it by reading back. Every change goes
//! through `apply_write`, the one chokepoint where `--dry-run` stops. Nothing is deleted.
//! Services show a write only after a while (spec §12), so verification re-reads with backoff
//! within `--verify-window`; a write still not visible then is `updated` with
//! `verified: false` (reason `not-yet-visible`), a failure only with `--require-verified`.

use futures::StreamExt;
use futures::future::join_all;

use super::progress::Progress;
use super::reference;
use super::shard::Shard;
use super::sink::RecordSink;
use super::state::{DEFAULT_RECHECK_AFTER, Entry, SyncState, now_secs, user_key};
use super::status::next_before_grace;
use super::stop::{StopReason, StopSignal, until_stopped};
use super::{Tally, input_channel};
use crate::cli::ProgressMode;
use crate::error::{Error, ErrorClass, Result, error_info};
use crate::input::{InputEvent, InputStream, InputUser};
use crate::photo::{self, AdRenditionOptions, DecodeLimits, SourcePhoto};
use crate::schema::{
    Action, ErrorCode, ErrorRecord, OutputRecord, PhotoInfo, ResultRecord, SCHEMA_VERSION,
    SummaryRecord, UserKeys, UserRecord,
};
use crate::store::{PhotoStore, RenditionKind, StoreUser};

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
            SyncSource::Input => "input",
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
    /// The state-file identity of `targets[i]` (see `state::target_key`); a missing entry
    /// falls back to the store's name.
    pub target_keys: Vec<String>,
    /// Read every target even when the state says the user is verified and unchanged.
    pub recheck: bool,
    /// How long a verified state entry lets a re-run skip a user.
    pub recheck_after: std::time::Duration,
    /// Process only this shard of the input.
    pub shard: Option<Shard>,
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
            target_keys: Vec::new(),
            recheck: false,
            recheck_after: DEFAULT_RECHECK_AFTER,
            shard: None,
        }
    }
}

struct UserOutcome {
    records: Vec<OutputRecord>,
    errors: Vec<ErrorClass>,
    actions: Vec<Action>,
    is_user: bool,
}

/// Run `sync` over the input; writes records to `sink` and returns the summary (also written).
pub async fn run_sync(
    input: InputStream,
    source: &SyncSource,
    targets: &[Box<dyn PhotoStore>],
    opts: &SyncOptions,
    sink: &mut dyn RecordSink,
) -> SummaryRecord {
    let started = std::time::Instant::now();
    let mut tally = Tally::default();
    let mut progress = Progress::new(opts.progress, "sync")
        .with_total(opts.progress_total)
        .with_throttled(opts.throttled.clone());
    let shard = opts.shard;
    let stop = &opts.stop;
    let (events, input_end) = until_stopped(input_channel(input), stop);
    let mut outcomes = events
        .filter(move |event| {
            let keep = match (shard, event) {
                (None, _) => true,
                (Some(shard), InputEvent::User(user)) => shard.contains(&user.record),
                (Some(shard), InputEvent::Error(_)) => shard.reports_input_errors(),
                // Every shard's own search failed: each says its list is partial.
                (Some(_), InputEvent::SourceFailed(..)) => true,
            };
            futures::future::ready(keep)
        })
        .map(|event| async move {
            match event {
                InputEvent::Error(record) => UserOutcome {
                    records: vec![OutputRecord::Error(record)],
                    errors: vec![ErrorClass::Input],
                    actions: Vec::new(),
                    is_user: false,
                },
                InputEvent::SourceFailed(record, class) => UserOutcome {
                    records: vec![OutputRecord::Error(record)],
                    errors: vec![class],
                    actions: Vec::new(),
                    is_user: false,
                },
                InputEvent::User(user) => sync_user(user, source, targets, opts).await,
            }
        })
        .buffer_unordered(opts.concurrency.max(1));
    let mut output_closed = false;
    while let Some(outcome) = next_before_grace(&mut outcomes, stop).await {
        if outcome.is_user {
            tally.users += 1;
        }
        for action in &outcome.actions {
            tally.count(action_name(*action));
        }
        for class in outcome.errors {
            tally.error(class);
        }
        if output_closed {
            continue;
        }
        if outcome.records.iter().any(|r| sink.emit(r).is_err()) {
            // stdout closed (`| head`): take no more users, finish those in flight.
            output_closed = true;
            stop.trigger(StopReason::OutputClosed);
            continue;
        }
        progress.tick();
    }
    drop(outcomes);
    progress.finish();
    let summary = SummaryRecord {
        schema_version: SCHEMA_VERSION,
        command: "sync".to_string(),
        users: tally.users,
        counts: tally.counts.clone(),
        duration_ms: started.elapsed().as_millis() as u64,
        exit_code: stop
            .reason()
            .and_then(|reason| reason.exit_code(!input_end.reached()))
            .unwrap_or_else(|| tally.exit_code(false)),
    };
    if !output_closed {
        sink.emit(&OutputRecord::Summary(summary.clone())).ok();
    }
    summary
}

pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Updated => "updated",
        Action::Skipped => "skipped",
        Action::WouldUpdate => "would-update",
        Action::Failed => "failed",
    }
}

/// The authoritative photo for this user, `Ok(None)` when the source has none.
async fn source_photo(source: &SyncSource, record: &UserRecord) -> Result<Option<SourcePhoto>> {
    match source {
        SyncSource::Input => reference::input_photo(record).await,
        SyncSource::Store(store) => {
            let Some(found) = store.resolve(record).await? else {
                return Err(Error::new(
                    ErrorCode::UserNotFound,
                    ErrorClass::NotFound,
                    format!("the user was not found in the source ({})", store.name()),
                )
                .with_hint("check the identity keys, or the source's naming rule"));
            };
            // Read and decode within one slot of the photo budget: a photo file's bytes never
            // wait for their decode outside it.
            photo::admitted(async {
                match store.read_photo(&found).await?.photo {
                    Some(stored) => photo::load_off_thread(stored.bytes).await.map(Some),
                    None => Ok(None),
                }
            })
            .await
        }
    }
}

async fn sync_user(
    user: InputUser,
    source: &SyncSource,
    targets: &[Box<dyn PhotoStore>],
    opts: &SyncOptions,
) -> UserOutcome {
    let keys = UserKeys::from(&user.record);
    let result = |target: &str, action: Action, reason: &str| ResultRecord {
        schema_version: SCHEMA_VERSION,
        user: keys.clone(),
        target: target.to_string(),
        action,
        reason: reason.to_string(),
        verified: None,
        photo: None,
        error: None,
    };
    let mut outcome = UserOutcome {
        records: Vec::new(),
        errors: Vec::new(),
        actions: Vec::new(),
        is_user: true,
    };
    let src = match source_photo(source, &user.record).await {
        Ok(Some(src)) => src,
        Ok(None) => {
            for target in targets {
                outcome.actions.push(Action::Skipped);
                outcome.records.push(OutputRecord::Result(result(
                    target.name(),
                    Action::Skipped,
                    "no-source-photo",
                )));
            }
            return outcome;
        }
        Err(e) => {
            outcome.errors.push(e.class);
            outcome.records.push(OutputRecord::Error(ErrorRecord {
                schema_version: SCHEMA_VERSION,
                user: Some(keys.clone()),
                line: Some(user.line),
                store: Some(source.name().to_string()),
                error: error_info(&e),
            }));
            let reason = if e.code == ErrorCode::IdentityMismatch {
                "identity-mismatch"
            } else {
                "source-unreadable"
            };
            for target in targets {
                outcome.actions.push(Action::Failed);
                let mut failed = result(target.name(), Action::Failed, reason);
                failed.error = Some(error_info(&e));
                outcome.records.push(OutputRecord::Result(failed));
            }
            return outcome;
        }
    };
    let state_user = user_key(&user.record);
    let results = join_all(targets.iter().enumerate().map(|(i, target)| {
        let key = opts
            .target_keys
            .get(i)
            .map(String::as_str)
            .unwrap_or(target.name());
        let state = opts.state.as_ref().zip(state_user.as_deref());
        sync_target(
            target.as_ref(),
            &user.record,
            state.map(|(state, user)| StateSlot {
                state,
                user,
                target: key,
            }),
            &src,
            opts,
        )
    }))
    .await;
    for (mut record, error) in results {
        record.user = keys.clone();
        outcome.actions.push(record.action);
        if let Some(class) = error {
            outcome.errors.push(class);
        }
        outcome.records.push(OutputRecord::Result(record));
    }
    outcome
}

/// Where one user x target lives in the state file.
#[derive(Clone, Copy)]
struct StateSlot<'a> {
    state: &'a SyncState,
    user: &'a str,
    target: &'a str,
}

impl StateSlot<'_> {
    /// Remember what the target holds now. A failed append costs a re-check next run, never
    /// this user's result, so it is logged and the run goes on.
    fn record(&self, src: &SourcePhoto, written: &str, verified: bool) {
        let entry = Entry {
            user: self.user.to_string(),
            target: self.target.to_string(),
            source_sha256: src.info.sha256.clone(),
            source_signature: src.info.signature.clone(),
            written_signature: written.to_string(),
            at: Some(now_secs()),
            verified,
        };
        if let Err(e) = self.state.record(&entry) {
            tracing::warn!(error = %e, "could not append to the state file");
        }
    }
}

/// One user x one target. Returns the result and the error class when it failed.
async fn sync_target(
    target: &dyn PhotoStore,
    record: &UserRecord,
    state: Option<StateSlot<'_>>,
    src: &SourcePhoto,
    opts: &SyncOptions,
) -> (ResultRecord, Option<ErrorClass>) {
    let name = target.name();
    let done = |action: Action, reason: &str, verified: Option<bool>, photo: Option<PhotoInfo>| {
        (
            ResultRecord {
                schema_version: SCHEMA_VERSION,
                user: UserKeys::default(),
                target: name.to_string(),
                action,
                reason: reason.to_string(),
                verified,
                photo,
                error: None,
            },
            None,
        )
    };
    let failed = |reason: &str, e: Error| {
        let class = e.class;
        (
            ResultRecord {
                schema_version: SCHEMA_VERSION,
                user: UserKeys::default(),
                target: name.to_string(),
                action: Action::Failed,
                reason: reason.to_string(),
                verified: None,
                photo: None,
                error: Some(error_info(&e)),
            },
            Some(class),
        )
    };
    // Verified before and the source is unchanged: no call to the target at all.
    if !opts.force
        && !opts.recheck
        && let Some(slot) = state
        && slot.state.verified_unchanged(
            slot.user,
            slot.target,
            &src.info.sha256,
            opts.recheck_after,
        )
    {
        return done(Action::Skipped, "unchanged-since-verified", None, None);
    }
    // From here on the state is only written to, and never in a dry run.
    let state = state.filter(|_| !opts.dry_run);
    if !target.capabilities().can_write {
        return failed(
            "target-read-only",
            Error::config(format!("the {name} store cannot be written"))
                .with_hint("pick a target that accepts writes"),
        );
    }
    let found = match target.resolve(record).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return failed(
                "user-not-found",
                Error::new(
                    ErrorCode::UserNotFound,
                    ErrorClass::NotFound,
                    format!("the user was not found in {name}"),
                )
                .with_hint("check the identity keys; cloud matching works best with ObjectGUID"),
            );
        }
        Err(e) if e.code == ErrorCode::IdentityMismatch => return failed("identity-mismatch", e),
        Err(e) => return failed("target-unreadable", e),
    };
    // Only the fingerprint is kept: the bytes (a whole photo file for a folder) are not held
    // while the write goes out.
    let current = match target.read_photo(&found).await {
        Ok(read) => read.photo.map(|p| p.info),
        // Without knowing what is there, writing could clobber a newer photo: stop here.
        Err(e) => return failed("target-unreadable", e),
    };
    let same = current
        .as_ref()
        .and_then(|held| photo::same_picture(held, &src.info))
        .is_some_and(|(same, _)| same);
    let reason = match (&current, same, opts.force) {
        (Some(held), true, false) => {
            if let Some(slot) = state {
                slot.record(src, &held.signature, true);
            }
            return done(Action::Skipped, "already-in-sync", None, None);
        }
        (Some(_), true, true) => "forced",
        (Some(_), false, _) => "differs",
        (None, _, _) => "missing-in-target",
    };
    let before = current.as_ref();
    // An earlier run's write of this very picture was accepted but not yet seen (that run
    // stopped, or the service is slow to show it): watch for it before writing it again.
    if !opts.force
        && let Some(slot) = state
        && let Some(age) = slot
            .state
            .pending_age(slot.user, slot.target, &src.info.sha256)
        && let Some(left) = opts.verify_window.checked_sub(age)
        && let Ok(Applied::Written(info)) = read_back(target, &found, src, before, left).await
    {
        slot.record(src, &info.signature, true);
        return done(Action::Skipped, "already-in-sync", None, None);
    }
    // Recorded as pending the moment the store accepts the write, so a run killed before
    // the read-back still knows to check this user next time.
    let pending = || {
        if let Some(slot) = state {
            slot.record(src, &src.info.signature, false);
        }
    };
    match apply_write(target, &found, src, before, opts, &pending).await {
        Ok(Applied::WouldWrite(preview)) => done(Action::WouldUpdate, reason, None, preview),
        Ok(Applied::NotYetVisible) if opts.require_verified => failed(
            "not-yet-visible",
            verify_failed(target.name(), "the previous picture until --verify-window ran out")
                .with_hint("the service shows writes only after a while: run status later, or widen --verify-window"),
        ),
        Ok(Applied::NotYetVisible) => done(
            Action::Updated,
            "not-yet-visible",
            Some(false),
            preview(target.capabilities().rendition, src).await,
        ),
        Ok(Applied::Written(info)) => {
            if let Some(slot) = state {
                slot.record(src, &info.signature, true);
            }
            done(Action::Updated, reason, Some(true), Some(info))
        }
        // A refusal with its own name says more than the reason the write was attempted.
        Err(e) if e.code == ErrorCode::SharepointProfileWriteDenied => {
            failed("sharepoint-profile-write-denied", e)
        }
        Err(e) if e.code == ErrorCode::BlockedByPolicy => failed("cloud-writes-blocked", e),
        Err(e) => failed(reason, e),
    }
}

enum Applied {
    /// Dry run: what the target's rendition would be, when it can be told without the store.
    WouldWrite(Option<PhotoInfo>),
    Written(PhotoInfo),
    /// Accepted, but reads still showed the previous state when the verify window ran out.
    NotYetVisible,
}

/// The one place sync changes a store. `--dry-run` stops here; otherwise write, then read
/// back until the same picture shows (or the window runs out while the previous state still
/// shows). A third picture is a failed verification at once.
///
/// When a write's answer is lost (connection dropped, gateway timeout), the service may
/// have stored the photo, and a stored photo can take a while to show: watch for it within
/// the same window before sending it again, so a write that landed is not written twice.
async fn apply_write(
    target: &dyn PhotoStore,
    user: &StoreUser,
    src: &SourcePhoto,
    before: Option<&PhotoInfo>,
    opts: &SyncOptions,
    written: &(dyn Fn() + Sync),
) -> Result<Applied> {
    if opts.dry_run {
        tracing::info!(target = target.name(), user = %user.key, "skipped write because --dry-run");
        return Ok(Applied::WouldWrite(
            preview(target.capabilities().rendition, src).await,
        ));
    }
    let mut attempt = 1;
    loop {
        match target.write_photo(user, src).await {
            Ok(()) => {
                written();
                return read_back(target, user, src, before, opts.verify_window).await;
            }
            Err(e) if e.class == ErrorClass::Transient && attempt < WRITE_ATTEMPTS => {
                tracing::debug!(target = target.name(), user = %user.key, attempt, error = %e, "the answer to a photo write was lost; watching whether it landed");
                written();
                if let Applied::Written(info) =
                    read_back(target, user, src, before, opts.verify_window).await?
                {
                    return Ok(Applied::Written(info));
                }
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Read a target back after a write until it shows `src` (written), or until `window` runs
/// out while it still shows what it held before (not yet visible).
async fn read_back(
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

/// The rendition a store of this kind would receive, fingerprinted (for dry-run output);
/// made on a blocking thread.
async fn preview(kind: RenditionKind, src: &SourcePhoto) -> Option<PhotoInfo> {
    if kind == RenditionKind::Original {
        return None;
    }
    let previewed = photo::render_off_thread(src, move |src| {
        let bytes = match kind {
            RenditionKind::Ad => photo::render_ad(src, &AdRenditionOptions::default())?.bytes,
            RenditionKind::SharePoint => match photo::render_sharepoint(src)?.pop() {
                Some(largest) => largest.bytes,
                None => return Ok(None),
            },
            RenditionKind::Graph | RenditionKind::Original => photo::render_graph(src)?.bytes,
        };
        photo::inspect(&bytes, &DecodeLimits::default()).map(Some)
    });
    previewed.await.ok().flatten()
}

fn verify_failed(target: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::VerifyFailed,
        ErrorClass::Failed,
        format!("{target} accepted the photo but reading it back gave {what}"),
    )
    .with_hint("the service may still be processing it: run status again in a few minutes")
}
