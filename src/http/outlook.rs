//! The in-flight limit for Outlook-class calls (profile photos, mailbox settings).
//!
//! Graph lists the photo resource under Outlook, which allows 4 concurrent requests per app ID
//! whichever mailboxes they target, and answers 429 `ApplicationThrottled` beyond (spec §12).
//! That limit is about requests in flight, not their rate, so it gets its own limiter,
//! independent of `--concurrency` and of the directory calls' pacing. It starts at 4, halves
//! on Outlook's concurrency 429 or a photo write's 429 over Graph's write budget (and pauses
//! for its `Retry-After`; the caller decides which 429s count), climbs back by one step after
//! a run of successes, and probes above a limit that once earned a 429 only rarely — so a
//! tenant that allows more (per-mailbox counting) is found, and a strict one costs few 429s.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// In-flight Outlook calls at the start (the documented per-app limit).
pub const START_LIMIT: usize = 4;
/// Never more in flight than this, whatever `--concurrency` says.
pub const MAX_LIMIT: usize = 16;
/// Successes per allowed call before the limit rises by one.
const RAISE_AFTER_PER_SLOT: u64 = 4;
/// Successes before a limit that once earned a 429 is tried again.
const PROBE_AFTER: u64 = 20_000;

#[derive(Debug)]
struct LimiterState {
    limit: usize,
    in_flight: usize,
    /// Lowest limit that has earned a 429 since the last successful probe above it.
    ceiling: Option<usize>,
    successes: u64,
    paused_until: Option<Instant>,
}

/// Shared by every Outlook-class request of a run.
#[derive(Debug)]
pub struct OutlookLimiter {
    state: Mutex<LimiterState>,
    released: Notify,
}

/// One call's slot; released on drop.
#[derive(Debug)]
pub struct OutlookPermit<'a> {
    limiter: &'a OutlookLimiter,
}

impl Drop for OutlookPermit<'_> {
    fn drop(&mut self) {
        let mut s = self.limiter.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        drop(s);
        // One slot freed, one waiter woken (in arrival order): waking them all would have
        // dozens of tasks race for one slot on every answer.
        self.limiter.released.notify_one();
    }
}

impl Default for OutlookLimiter {
    fn default() -> Self {
        Self::new()
    }
}

enum Wait {
    Paused(Duration),
    Full,
}

impl OutlookLimiter {
    pub fn new() -> Self {
        OutlookLimiter {
            state: Mutex::new(LimiterState {
                limit: START_LIMIT,
                in_flight: 0,
                ceiling: None,
                successes: 0,
                paused_until: None,
            }),
            released: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait for a slot.
    pub async fn acquire(&self) -> OutlookPermit<'_> {
        loop {
            let notified = self.released.notified();
            tokio::pin!(notified);
            // Registered before the check, so a release between check and wait is not lost.
            notified.as_mut().enable();
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                match s.paused_until {
                    Some(until) if until > now => Wait::Paused(until - now),
                    _ if s.in_flight < s.limit => {
                        s.in_flight += 1;
                        return OutlookPermit { limiter: self };
                    }
                    _ => Wait::Full,
                }
            };
            match wait {
                Wait::Paused(d) => tokio::time::sleep(d).await,
                Wait::Full => notified.await,
            }
        }
    }

    /// An Outlook call succeeded (or failed for a reason other than throttling).
    pub fn succeeded(&self) {
        let mut s = self.lock();
        s.successes += 1;
        let next = s.limit + 1;
        let needed = if s.ceiling.is_some_and(|c| next >= c) {
            PROBE_AFTER
        } else {
            RAISE_AFTER_PER_SLOT * s.limit as u64
        };
        if next <= MAX_LIMIT && s.successes >= needed {
            if s.ceiling.is_some_and(|c| next >= c) {
                // Probing again: forget the old ceiling; a 429 will set it anew.
                s.ceiling = None;
            }
            s.limit = next;
            s.successes = 0;
            drop(s);
            self.released.notify_one();
        }
    }

    /// The service answered 429: halve the limit and pause new calls for `retry_after`.
    pub fn throttled(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        let hit = s.limit;
        s.ceiling = Some(s.ceiling.map_or(hit, |c| c.min(hit)));
        s.limit = (hit / 2).max(1);
        s.successes = 0;
        if let Some(pause) = retry_after {
            let until = Instant::now() + pause;
            if s.paused_until.is_none_or(|p| p < until) {
                s.paused_until = Some(until);
            }
        }
    }

    /// Current limit (for logs, tests and the benchmark).
    pub fn limit(&self) -> usize {
        self.lock().limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn never_more_in_flight_than_the_limit() {
        let limiter = Arc::new(OutlookLimiter::new());
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let (l, n, p) = (limiter.clone(), now.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = l.acquire().await;
                let v = n.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(v, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
                n.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(peak.load(Ordering::SeqCst), START_LIMIT);
    }

    #[test]
    fn halves_on_429_recovers_and_probes_the_old_ceiling_only_rarely() {
        let l = OutlookLimiter::new();
        for _ in 0..RAISE_AFTER_PER_SLOT * 4 {
            l.succeeded();
        }
        assert_eq!(l.limit(), 5, "raises slowly while nothing is throttled");
        l.throttled(None);
        assert_eq!(l.limit(), 2);
        for _ in 0..RAISE_AFTER_PER_SLOT * (2 + 3) {
            l.succeeded();
        }
        assert_eq!(
            l.limit(),
            4,
            "climbs back below the limit that earned a 429"
        );
        for _ in 0..PROBE_AFTER - 1 {
            l.succeeded();
        }
        assert_eq!(l.limit(), 4, "does not probe the ceiling early");
        l.succeeded();
        assert_eq!(l.limit(), 5);
        for _ in 0..200_000 {
            l.succeeded();
        }
        assert_eq!(l.limit(), MAX_LIMIT, "never above the cap");
    }
}
