//! Per-host pacing that adapts to the service's throttling signals.
//!
//! Microsoft 365 throttles per app and tenant: once one request gets a 429 or 503, the rest of
//! the run should slow down too, not hammer on and earn longer penalties. Each host gets a
//! gate with a request rate. A throttle response pauses the host for its `Retry-After` and
//! cuts the rate (taken from what was actually achieved, so the cut bites); every success
//! raises it a little again, until pacing switches off. Pacing is by slot: each request
//! reserves the next free instant, so a burst is spread evenly instead of released at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lowest rate the gate slows to (requests per second).
const MIN_RATE: f64 = 10.0;
/// Above this rate pacing is switched off (the service's own limits are far higher).
const UNPACED_RATE: f64 = 5_000.0;
/// Multiplicative increase per successful response once slowed down: from the floor back to
/// full speed takes a few hundred successes, i.e. seconds, not minutes.
const RECOVERY_STEP: f64 = 1.05;
/// Share of the achieved rate kept after a throttle response.
const CUT: f64 = 0.7;
/// Window over which the achieved rate is measured.
const RATE_WINDOW: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct HostState {
    /// Requests per second while pacing; `None` = unpaced.
    rate: Option<f64>,
    next_slot: Instant,
    paused_until: Option<Instant>,
    window_start: Instant,
    window_count: u64,
    last_window_rate: f64,
}

impl HostState {
    fn new(now: Instant) -> Self {
        HostState {
            rate: None,
            next_slot: now,
            paused_until: None,
            window_start: now,
            window_count: 0,
            last_window_rate: 0.0,
        }
    }

    fn achieved_rate(&self, now: Instant) -> f64 {
        let elapsed = now.duration_since(self.window_start).as_secs_f64();
        let current = if elapsed > 0.05 {
            self.window_count as f64 / elapsed
        } else {
            0.0
        };
        current.max(self.last_window_rate)
    }

    fn count(&mut self, now: Instant) {
        if now.duration_since(self.window_start) >= RATE_WINDOW {
            self.last_window_rate =
                self.window_count as f64 / now.duration_since(self.window_start).as_secs_f64();
            self.window_start = now;
            self.window_count = 0;
        }
        self.window_count += 1;
    }
}

enum Gate {
    Go,
    SlotIn(Duration),
    PausedFor(Duration),
}

/// The pacing gates of every host the run talks to.
#[derive(Debug, Default)]
pub struct HostGates {
    hosts: Mutex<HashMap<String, HostState>>,
}

impl HostGates {
    pub fn new() -> Self {
        Self::default()
    }

    /// Wait until this host may receive the next request.
    pub async fn acquire(&self, host: &str) {
        // Bounded: each pass either returns or sleeps until a pause that lies in the future;
        // pauses come from Retry-After values the caller has already capped.
        loop {
            match self.decide(host) {
                Gate::Go => return,
                Gate::SlotIn(wait) => {
                    tokio::time::sleep(wait).await;
                    return;
                }
                Gate::PausedFor(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    fn decide(&self, host: &str) -> Gate {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let state = hosts
            .entry(host.to_string())
            .or_insert_with(|| HostState::new(now));
        if let Some(until) = state.paused_until {
            if until > now {
                return Gate::PausedFor(until - now);
            }
            state.paused_until = None;
        }
        state.count(now);
        let Some(rate) = state.rate else {
            return Gate::Go;
        };
        // Reserve the next slot under the lock, then sleep outside it.
        let slot = state.next_slot.max(now);
        state.next_slot = slot + Duration::from_secs_f64(1.0 / rate);
        if slot <= now {
            Gate::Go
        } else {
            Gate::SlotIn(slot - now)
        }
    }

    /// The service said "slow down" (429/503), optionally for how long.
    pub fn throttled(&self, host: &str, retry_after: Option<Duration>) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let state = hosts
            .entry(host.to_string())
            .or_insert_with(|| HostState::new(now));
        let base = state.rate.unwrap_or_else(|| state.achieved_rate(now));
        let base = if base <= 0.0 { 50.0 } else { base };
        state.rate = Some((base * CUT).max(MIN_RATE));
        if let Some(pause) = retry_after {
            let until = now + pause;
            if state.paused_until.is_none_or(|p| p < until) {
                state.paused_until = Some(until);
            }
            // After the pause, requests restart spread out at the new rate.
            state.next_slot = state.next_slot.max(until);
        }
    }

    /// A request went through: recover speed gradually.
    pub fn succeeded(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = hosts.get_mut(host)
            && let Some(rate) = state.rate
        {
            let next = rate * RECOVERY_STEP;
            state.rate = if next >= UNPACED_RATE {
                None
            } else {
                Some(next)
            };
        }
    }

    /// Current pacing rate of a host (`None` = unpaced), for logs and tests.
    pub fn rate(&self, host: &str) -> Option<f64> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.get(host).and_then(|s| s.rate)
    }
}
