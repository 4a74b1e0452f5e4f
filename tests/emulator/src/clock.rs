//! The emulator's one clock. Everything it judges by time reads it: token, form digest and Arc
//! key expiry, client-assertion validity, write and policy visibility delays, the throttling
//! budgets and the `Retry-After` they compute, added latency (and the request log's times). So a
//! test moves time instead of waiting for it, and a busy machine cannot change what it sees.
//!
//! By default the clock is the wall clock; `advance` moves it ahead and it flows on from there,
//! so the demo and benchmarks are unchanged. Frozen, it moves only when advanced: a request held
//! by added latency then waits until the clock passes its deadline, so a test decides exactly
//! when requests in flight finish and can count them first (`waiting`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::state::lock;

/// How far the clock has moved since `origin`.
#[derive(Debug, Clone, Copy)]
enum Reading {
    /// `at`, plus the wall time since `since`.
    Flowing { at: Duration, since: Instant },
    /// `at`, until advanced or resumed.
    Frozen { at: Duration },
}

pub struct Clock {
    /// A wall-clock instant and the Unix time it stood for: every reading is an offset from it.
    origin: Instant,
    origin_unix: Duration,
    reading: Mutex<Reading>,
    /// Bumped whenever the clock jumps (advance, freeze, resume): wakes the waits to look again.
    moved: watch::Sender<u64>,
    /// Requests waiting for the clock to pass their deadline.
    waiting: AtomicUsize,
}

impl Clock {
    /// A clock that reads the wall clock.
    pub fn new() -> Self {
        let origin = Instant::now();
        Clock {
            origin,
            origin_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            reading: Mutex::new(Reading::Flowing {
                at: Duration::ZERO,
                since: origin,
            }),
            moved: watch::Sender::new(0),
            waiting: AtomicUsize::new(0),
        }
    }

    /// (time since `origin`, frozen).
    fn read(&self) -> (Duration, bool) {
        match *lock(&self.reading) {
            Reading::Flowing { at, since } => (at + since.elapsed(), false),
            Reading::Frozen { at } => (at, true),
        }
    }

    /// Now, as an `Instant` comparable with every deadline the emulator stores.
    pub fn now(&self) -> Instant {
        self.origin + self.read().0
    }

    /// Now, as Unix time (token `iat`/`exp`, `expires_on`, dates the emulator writes).
    pub fn unix(&self) -> Duration {
        self.origin_unix + self.read().0
    }

    pub fn unix_secs(&self) -> u64 {
        self.unix().as_secs()
    }

    pub fn unix_ms(&self) -> u128 {
        self.unix().as_millis()
    }

    pub fn is_frozen(&self) -> bool {
        self.read().1
    }

    /// Moves the clock ahead (never back): whatever was due by then is due now.
    pub fn advance(&self, by: Duration) {
        {
            let mut reading = lock(&self.reading);
            *reading = match *reading {
                Reading::Flowing { at, since } => Reading::Flowing { at: at + by, since },
                Reading::Frozen { at } => Reading::Frozen { at: at + by },
            };
        }
        self.moved.send_modify(|n| *n += 1);
    }

    /// Stops the clock where it is; only `advance` moves it until `resume`.
    pub fn freeze(&self) {
        {
            let mut reading = lock(&self.reading);
            if let Reading::Flowing { at, since } = *reading {
                *reading = Reading::Frozen {
                    at: at + since.elapsed(),
                };
            }
        }
        self.moved.send_modify(|n| *n += 1);
    }

    /// Lets the clock flow with the wall clock again, from where it stands.
    pub fn resume(&self) {
        {
            let mut reading = lock(&self.reading);
            if let Reading::Frozen { at } = *reading {
                *reading = Reading::Flowing {
                    at,
                    since: Instant::now(),
                };
            }
        }
        self.moved.send_modify(|n| *n += 1);
    }

    /// Requests waiting in `sleep_until` right now (held by added latency).
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Waits until the clock reads `deadline` or later: on the wall clock with the precision of
    /// `latency::sleep_until`, cut short by an `advance`; on a frozen clock until advanced past it.
    pub async fn sleep_until(&self, deadline: Instant) {
        let _counted = Waiting::count(&self.waiting);
        let mut moved = self.moved.subscribe();
        loop {
            // Marked seen before the clock is read, so a jump after the reading wakes the wait.
            moved.borrow_and_update();
            let (since_origin, frozen) = self.read();
            let left = deadline.saturating_duration_since(self.origin + since_origin);
            if left.is_zero() {
                return;
            }
            if frozen {
                if moved.changed().await.is_err() {
                    return;
                }
                continue;
            }
            tokio::select! {
                () = crate::latency::sleep_until(tokio::time::Instant::now() + left) => return,
                changed = moved.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts one waiting request for as long as it waits, even if its connection is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn count(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn advancing_moves_every_reading_and_never_back() {
        let clock = Clock::new();
        clock.freeze();
        let (instant, unix) = (clock.now(), clock.unix());
        assert_eq!(clock.now(), instant, "frozen: time stands still");
        clock.advance(Duration::from_secs(3600));
        assert_eq!(clock.now() - instant, Duration::from_secs(3600));
        assert_eq!(clock.unix() - unix, Duration::from_secs(3600));
        clock.resume();
        assert!(clock.now() >= instant + Duration::from_secs(3600));
        assert!(!clock.is_frozen());
    }

    #[tokio::test]
    async fn a_frozen_clock_holds_waits_until_advanced_past_them() {
        let clock = Arc::new(Clock::new());
        clock.freeze();
        let deadline = clock.now() + Duration::from_secs(10);
        let waits: Vec<_> = (0..3)
            .map(|_| {
                let clock = clock.clone();
                tokio::spawn(async move { clock.sleep_until(deadline).await })
            })
            .collect();
        while clock.waiting() < 3 {
            tokio::task::yield_now().await;
        }
        clock.advance(Duration::from_secs(9));
        // Woken by the jump, still short of the deadline: all three look again and wait on.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(waits.iter().all(|w| !w.is_finished()));
        assert_eq!(clock.waiting(), 3);
        clock.advance(Duration::from_secs(1));
        for w in waits {
            w.await.expect("wait ends");
        }
        assert_eq!(clock.waiting(), 0);
    }

    #[tokio::test]
    async fn an_advance_ends_a_wall_clock_wait_early() {
        let clock = Arc::new(Clock::new());
        let deadline = clock.now() + Duration::from_secs(3600);
        let wait = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(deadline).await }
        });
        while clock.waiting() < 1 {
            tokio::task::yield_now().await;
        }
        clock.advance(Duration::from_secs(3600));
        wait.await.expect("an hour passed at once");
    }
}
