//! The one loop `status` and `sync` share: input read on its own thread into a bounded channel
//! (`input_channel`), only this job's shard kept, at most `concurrency` users in flight, each
//! user's records written as it finishes, the tally that decides the exit code, progress, and
//! stopping on a signal or a closed stdout. What a command does for one user is the `work` it
//! hands in; the summary is written last, by `Driven::summarize`.

use std::future::Future;

use futures::StreamExt;

use super::shard::Shard;
use super::stop::{InputEnd, OUTPUT_FAILED_EXIT, StopReason, StopSignal, until_stopped};
use super::{Queued, Tally, input_channel};
use crate::error::ErrorClass;
use crate::input::{InputEvent, InputStream, InputUser};
use crate::output::progress::Progress;
use crate::output::sink::RecordSink;
use crate::schema::{OutputRecord, SCHEMA_VERSION, SummaryRecord};

/// Everything one user produced, ready to write and count.
#[derive(Debug, Default)]
pub struct Outcome {
    pub records: Vec<OutputRecord>,
    /// The class of each failure, for the exit code.
    pub errors: Vec<ErrorClass>,
    /// What the summary counts: the verdict (status) or each target's action (sync).
    pub counts: Vec<&'static str>,
    /// Not in sync (matters with `status --fail-on-drift`).
    pub drift: bool,
}

/// How to run the loop.
pub struct Drive<'a> {
    pub concurrency: usize,
    /// Process only this shard of the input.
    pub shard: Option<Shard>,
    pub stop: &'a StopSignal,
    pub progress: Progress,
    /// Called for each user as it is taken from the input, in input order, before any user's
    /// work runs concurrently and before the shard filter: what must follow the input's order
    /// and see every shard's users (sync's file-name claims).
    pub intake: Option<&'a (dyn Fn(&InputUser) + Sync)>,
}

/// What the loop leaves for the end of the run.
pub struct Driven {
    pub tally: Tally,
    /// stdout was closed: nothing more is written.
    pub output_closed: bool,
    /// Whether the input ran to its end before any stop (else users were left unread).
    input_end: InputEnd,
    started: std::time::Instant,
}

/// Run `work` for every user of `input` (a bad input line becomes its error record), writing
/// each user's records to `sink` as it finishes.
pub async fn drive<F, Fut>(
    input: InputStream,
    mut drive: Drive<'_>,
    sink: &mut dyn RecordSink,
    work: F,
) -> Driven
where
    F: Fn(InputUser) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let started = std::time::Instant::now();
    let mut tally = Tally::default();
    let (shard, stop, intake) = (drive.shard, drive.stop, drive.intake);
    let work = &work;
    // The input lines of the users being worked on: said by line if a stop abandons them.
    let in_flight = std::sync::Mutex::new(std::collections::BTreeSet::<u64>::new());
    let in_flight = &in_flight;
    let (events, input_end) = until_stopped(input_channel(input), stop);
    let mut outcomes = events
        .filter(move |queued| {
            // Every user, before the shard filter: two records that collide in different
            // shards must see each other in every shard's run.
            if let (Some(intake), InputEvent::User(user)) = (intake, &queued.event) {
                intake(user);
            }
            let keep = match (shard, &queued.event) {
                (None, _) => true,
                (Some(shard), InputEvent::User(user)) => shard.contains(&user.record),
                (Some(shard), InputEvent::Error(_)) => shard.reports_input_errors(),
                // Every shard's own search failed: each says its list is partial.
                (Some(_), InputEvent::SourceFailed(..)) => true,
            };
            futures::future::ready(keep)
        })
        .map(move |queued| {
            async move {
                // The user's share of the inline photo budget is held until its work is done.
                let Queued { event, _inline } = queued;
                match event {
                    InputEvent::Error(record) => (
                        false,
                        Outcome {
                            records: vec![OutputRecord::Error(record)],
                            errors: vec![ErrorClass::Input],
                            ..Outcome::default()
                        },
                    ),
                    InputEvent::SourceFailed(record, class) => (
                        false,
                        Outcome {
                            records: vec![OutputRecord::Error(record)],
                            errors: vec![class],
                            ..Outcome::default()
                        },
                    ),
                    InputEvent::User(user) => {
                        let line = user.line;
                        if let Ok(mut lines) = in_flight.lock() {
                            lines.insert(line);
                        }
                        let outcome = work(user).await;
                        if let Ok(mut lines) = in_flight.lock() {
                            lines.remove(&line);
                        }
                        (true, outcome)
                    }
                }
            }
        })
        .buffer_unordered(drive.concurrency.max(1));
    let mut output_closed = false;
    while let Some((is_user, outcome)) = next_before_grace(&mut outcomes, stop, in_flight).await {
        if is_user {
            tally.users += 1;
        }
        for count in &outcome.counts {
            tally.count(count);
        }
        if outcome.drift {
            tally.drift();
        }
        for class in outcome.errors {
            tally.error(class);
        }
        if output_closed {
            continue;
        }
        if let Some(e) = outcome.records.iter().find_map(|r| sink.emit(r).err()) {
            // stdout closed (`| head`): take no more users, finish those in flight. Any other
            // write error (a full disk) lost records the caller relies on: said, and exit 74.
            output_closed = true;
            stop.trigger(output_stop(&e));
            continue;
        }
        drive.progress.tick();
    }
    drop(outcomes);
    drive.progress.finish();
    Driven {
        tally,
        output_closed,
        input_end,
        started,
    }
}

impl Driven {
    /// Write the run's `summary` record (unless stdout is closed) and return it; a stopped
    /// run exits with the signal's code (141 for a closed stdout with users left unread).
    pub fn summarize(
        self,
        command: &str,
        stop: &StopSignal,
        fail_on_drift: bool,
        sink: &mut dyn RecordSink,
    ) -> SummaryRecord {
        let mut summary = SummaryRecord {
            schema_version: SCHEMA_VERSION,
            command: command.to_string(),
            users: self.tally.users,
            counts: self.tally.counts.clone(),
            duration_ms: self.started.elapsed().as_millis() as u64,
            exit_code: stop
                .reason()
                .and_then(|reason| reason.exit_code(!self.input_end.reached()))
                .unwrap_or_else(|| self.tally.exit_code(fail_on_drift)),
        };
        if !self.output_closed
            && let Err(e) = sink.emit(&OutputRecord::Summary(summary.clone()))
            && output_stop(&e) == StopReason::OutputFailed
        {
            summary.exit_code = OUTPUT_FAILED_EXIT;
        }
        summary
    }
}

/// Why writing a record failed: the reader left (a closed pipe, quietly), or the output itself
/// failed, which is said on stderr since no record can carry it.
fn output_stop(e: &std::io::Error) -> StopReason {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return StopReason::OutputClosed;
    }
    tracing::error!(error = %e, "cannot write the results; the run stopped, and the records written so far are all there is");
    StopReason::OutputFailed
}

/// The next finished user, or `None` when the input is done or the grace period after a
/// signal is over (users still in flight are then abandoned, and said on stderr by their
/// input lines: no record of theirs is written, and a write of theirs may have landed).
async fn next_before_grace<S>(
    outcomes: &mut S,
    stop: &StopSignal,
    in_flight: &std::sync::Mutex<std::collections::BTreeSet<u64>>,
) -> Option<S::Item>
where
    S: futures::Stream + Unpin,
{
    tokio::select! {
        biased;
        next = outcomes.next() => next,
        _ = stop.grace_over() => {
            let lines: Vec<String> = in_flight
                .lock()
                .map(|lines| lines.iter().map(u64::to_string).collect())
                .unwrap_or_default();
            tracing::warn!(
                lines = %lines.join(","),
                "{} user(s) still in flight after the grace period were abandoned without a \
                 result: whether their writes landed is not known; with --state the next run \
                 checks them",
                lines.len()
            );
            None
        }
    }
}
