//! Stopping a run early without losing what was done: on Ctrl+C, SIGTERM or a closed stdout
//! the engine stops taking users from the input, lets the users in flight finish (for a
//! signal, within a short grace period), writes their records, the state and the summary, and
//! exits with the run's real class — 130 / 143 for a signal, as shells expect.
//!
//! Cancelling a user mid-write could leave a half-written file or an unrecorded update, so
//! users are never abandoned before the grace period is over. Signals in the first seconds of
//! the stop are the same stop (GNU `timeout` signals the child and then its whole group); a
//! signal after that ends the process at once, for people who really mean it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use tokio::sync::watch;

/// How long users in flight may take to finish after Ctrl+C or SIGTERM.
pub const SIGNAL_GRACE: Duration = Duration::from_secs(10);

/// Further signals this soon after the first are the same stop, not a demand to stop at once.
pub const SAME_STOP: Duration = Duration::from_secs(5);

/// Why a run stopped before its input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// stdout was closed (`| head -1`): nothing more can be reported.
    OutputClosed,
    /// The results could not be written (a full disk, an I/O error): exit code 74.
    OutputFailed,
    /// SIGINT (Ctrl+C): exit code 130.
    Interrupted,
    /// SIGTERM: exit code 143.
    Terminated,
    /// The credential cannot work again in this run (an expired ready token): exit code 3.
    CredentialDead,
}

impl StopReason {
    /// The exit code a stop imposes (128 + signal number): a signal always; a closed stdout
    /// only with users left unread (141, as for SIGPIPE: not a complete run, whatever the
    /// users it finished), else the run keeps the class of what it did (`None`).
    pub fn exit_code(self, users_left: bool) -> Option<i32> {
        match self {
            StopReason::OutputClosed => users_left.then_some(141),
            // sysexits' EX_IOERR: records the caller relies on were lost, whoever finished.
            StopReason::OutputFailed => Some(OUTPUT_FAILED_EXIT),
            StopReason::Interrupted => Some(130),
            StopReason::Terminated => Some(143),
            StopReason::CredentialDead => Some(3),
        }
    }
}

/// The exit code of a run whose results could not be written.
pub const OUTPUT_FAILED_EXIT: i32 = 74;

/// Whether the input was read to its end: a stop before that left users unprocessed.
#[derive(Clone, Default)]
pub struct InputEnd(Arc<AtomicBool>);

impl InputEnd {
    pub fn reached(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// `events` until `stop` is asked for, and whether they ran to their end first.
pub fn until_stopped<'a, S>(
    events: S,
    stop: &'a StopSignal,
) -> (impl Stream<Item = S::Item> + 'a, InputEnd)
where
    S: Stream + 'a,
{
    let end = InputEnd::default();
    let mark = end.clone();
    // Polled only once `events` is exhausted, and never after the stop.
    let marker = futures::stream::poll_fn(move |_| {
        mark.0.store(true, Ordering::Release);
        std::task::Poll::Ready(None)
    });
    let events = events.chain(marker).take_until(Box::pin(stop.stopped()));
    (events, end)
}

/// A shared "please stop" flag: cheap to clone, first reason wins.
#[derive(Clone)]
pub struct StopSignal {
    sender: Arc<watch::Sender<Option<(StopReason, Instant)>>>,
    /// When the first signal came: a later one (after `SAME_STOP`) ends the process.
    first_signal: Arc<Mutex<Option<Instant>>>,
}

impl Default for StopSignal {
    fn default() -> Self {
        StopSignal {
            sender: Arc::new(watch::channel(None).0),
            first_signal: Arc::new(Mutex::new(None)),
        }
    }
}

impl std::fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopSignal")
            .field("reason", &self.reason())
            .finish()
    }
}

impl StopSignal {
    /// Ask the run to stop; a later reason does not replace the first.
    pub fn trigger(&self, reason: StopReason) {
        self.sender.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some((reason, Instant::now()));
            true
        });
    }

    pub fn reason(&self) -> Option<StopReason> {
        self.sender.borrow().map(|(reason, _)| reason)
    }

    /// Resolves once a stop was asked for.
    pub async fn stopped(&self) {
        let mut rx = self.sender.subscribe();
        // The sender lives in `self`, so `wait_for` only ends when the condition holds.
        let _ = rx.wait_for(Option::is_some).await;
    }

    /// Resolves when users in flight have had their time: never for a closed stdout or a dead
    /// credential (they always finish), `SIGNAL_GRACE` after a signal.
    pub async fn grace_over(&self) {
        self.stopped().await;
        let since = *self.sender.borrow();
        match since {
            Some((StopReason::Interrupted | StopReason::Terminated, at)) => {
                tokio::time::sleep_until((at + SIGNAL_GRACE).into()).await;
            }
            _ => std::future::pending::<()>().await,
        }
    }

    /// Listen for Ctrl+C and SIGTERM for the rest of the process (call inside the runtime).
    /// The handlers are installed before this returns, so no early signal is missed.
    pub fn listen_for_signals(&self) {
        watch_signals(self.clone());
    }

    fn received(&self, reason: StopReason) {
        let now = Instant::now();
        let first = {
            let mut slot = self.first_signal.lock().unwrap_or_else(|p| p.into_inner());
            let earlier = *slot;
            slot.get_or_insert(now);
            earlier
        };
        match repeat_of(first, now) {
            Repeat::First => {
                tracing::warn!(
                    "stopping: finishing the users in flight (up to {} s); a signal after {} s \
                     stops at once",
                    SIGNAL_GRACE.as_secs(),
                    SAME_STOP.as_secs()
                );
                self.trigger(reason);
            }
            Repeat::SameStop => tracing::info!("already stopping: the signal changes nothing"),
            Repeat::StopNow => {
                tracing::warn!("another signal: stopping now");
                std::process::exit(reason.exit_code(false).unwrap_or(130));
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Repeat {
    First,
    SameStop,
    StopNow,
}

/// What a signal at `now` means when an earlier one came at `first` (`None`: there was none).
fn repeat_of(first: Option<Instant>, now: Instant) -> Repeat {
    match first {
        None => Repeat::First,
        Some(first) if now.saturating_duration_since(first) > SAME_STOP => Repeat::StopNow,
        Some(_) => Repeat::SameStop,
    }
}

#[cfg(unix)]
fn watch_signals(stop: StopSignal) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot listen for signals; Ctrl+C will stop the run at once");
        return;
    };
    tokio::spawn(async move {
        loop {
            let reason = tokio::select! {
                _ = int.recv() => StopReason::Interrupted,
                _ = term.recv() => StopReason::Terminated,
            };
            stop.received(reason);
        }
    });
}

#[cfg(not(unix))]
fn watch_signals(stop: StopSignal) {
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            stop.received(StopReason::Interrupted);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_reason_wins_and_wakes_waiters() {
        let stop = StopSignal::default();
        assert_eq!(stop.reason(), None);
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.stopped().await }
        });
        stop.trigger(StopReason::Terminated);
        stop.trigger(StopReason::OutputClosed);
        waiter.await.expect("woken");
        assert_eq!(stop.reason(), Some(StopReason::Terminated));
        assert_eq!(StopReason::Terminated.exit_code(false), Some(143));
        assert_eq!(StopReason::Interrupted.exit_code(true), Some(130));
        assert_eq!(StopReason::OutputClosed.exit_code(false), None);
        assert_eq!(StopReason::OutputClosed.exit_code(true), Some(141));
        assert_eq!(StopReason::CredentialDead.exit_code(false), Some(3));
    }
}

#[cfg(test)]
mod repeat_tests {
    use super::*;

    #[test]
    fn signals_soon_after_the_first_are_the_same_stop() {
        let first = Instant::now();
        assert_eq!(repeat_of(None, first), Repeat::First);
        let soon = first + Duration::from_millis(1);
        assert_eq!(repeat_of(Some(first), soon), Repeat::SameStop);
        assert_eq!(repeat_of(Some(first), first + SAME_STOP), Repeat::SameStop);
        let later = first + SAME_STOP + Duration::from_millis(1);
        assert_eq!(repeat_of(Some(first), later), Repeat::StopNow);
    }
}

#[cfg(test)]
mod input_end_tests {
    use super::*;

    #[tokio::test]
    async fn the_end_is_reached_only_when_the_input_ran_out_before_the_stop() {
        let stop = StopSignal::default();
        let (events, end) = until_stopped(futures::stream::iter([1, 2]), &stop);
        assert_eq!(events.collect::<Vec<_>>().await, [1, 2]);
        assert!(end.reached());

        let stop = StopSignal::default();
        let (mut events, end) = until_stopped(futures::stream::iter([1, 2]), &stop);
        assert_eq!(events.next().await, Some(1));
        stop.trigger(StopReason::OutputClosed);
        assert_eq!(events.next().await, None);
        assert!(!end.reached());
    }
}
