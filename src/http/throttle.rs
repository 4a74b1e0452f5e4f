//! Per-host pacing that adapts to the service's throttling signals.
//!
//! Microsoft 365 throttles per app and tenant: once one request gets a 429 or 503, the rest of
//! the run should slow down too, not hammer on and earn longer penalties. Each host gets a
//! gate with a request rate. A throttle response pauses the host for its `Retry-After` and
//! cuts the rate (taken from what was actually achieved, so the cut bites) — once per
//! episode, since the requests already in flight and a batch's sub-requests answer 429
//! together. Successes raise the rate again: quickly back towards the rate that drew the
//! throttle, then slowly past it, so a fixed budget (Graph's resource units) is probed
//! rarely instead of emptied again at once; far enough above it, pacing switches off.
//! Pacing is by slot: each request reserves the next free instant, so a burst is spread
//! evenly; only slots close ahead are reserved, so a rate that has risen since applies to
//! requests already waiting.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lowest rate the gate slows to (requests per second).
const MIN_RATE: f64 = 10.0;
/// Above this rate pacing is switched off (the service's own limits are far higher).
const UNPACED_RATE: f64 = 5_000.0;
/// Share of the achieved rate kept after a throttle response.
const CUT: f64 = 0.7;
/// Throttle answers this soon after a cut belong to the same episode and do not cut again:
/// without this, one batch of 20 throttled sub-requests took the rate to the floor.
const EPISODE: Duration = Duration::from_secs(1);
/// A 429 this soon after the previous one means the rate that drew that one is too high.
const SETTLE: Duration = Duration::from_secs(5);
/// Growth per second at full pace while below the rate that drew the last throttle: from a
/// cut back up in about half a second, from the floor in seconds.
const FAST_GROWTH_PER_S: f64 = 2.0;
/// Growth per second at full pace past [`RESUME_SHARE`] of that rate, just after the 429: a
/// budget that was emptied once is approached slowly, so the next 429 is not drawn at once...
const PROBE_GROWTH: f64 = 0.005;
/// ...and it doubles every this long without another 429, so a rate learnt too low (another
/// job sharing the budget, since finished) is left behind within a minute.
const PROBE_DOUBLING: Duration = Duration::from_secs(5);
/// Share of the rate that drew the last throttle up to which recovery is fast.
const RESUME_SHARE: f64 = 0.9;
/// How far ahead a request may reserve its slot; later ones wait and ask again.
const HORIZON: Duration = Duration::from_millis(100);
/// Window over which the achieved rate is measured.
const RATE_WINDOW: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct HostState {
    /// Requests per second while pacing; `None` = unpaced.
    rate: Option<f64>,
    /// The rate at which this host last answered 429 (over a budget).
    throttled_at: Option<f64>,
    last_over_budget: Option<Instant>,
    /// Last cut for any throttle answer (429 or 503).
    last_cut: Option<Instant>,
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
            throttled_at: None,
            last_over_budget: None,
            last_cut: None,
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
    /// Paused, or no slot within the horizon: ask again after this.
    AskAgainIn(Duration),
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

    fn with_host<T>(&self, host: &str, f: impl FnOnce(&mut HostState, Instant) -> T) -> T {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if !hosts.contains_key(host) {
            hosts.insert(host.to_string(), HostState::new(now));
        }
        let state = hosts.get_mut(host).expect("inserted above");
        f(state, now)
    }

    /// Wait until this host may receive the next request.
    pub async fn acquire(&self, host: &str) {
        // Bounded: each pass returns, or sleeps until a pause (capped by the caller) ends or a
        // slot comes within the horizon.
        loop {
            match self.with_host(host, decide) {
                Gate::Go => return,
                Gate::SlotIn(wait) => {
                    tokio::time::sleep(wait).await;
                    return;
                }
                Gate::AskAgainIn(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Wait out a pause that began after this request passed its gate (while it waited for
    /// an in-flight slot): it would only earn another 429.
    pub async fn wait_out_pause(&self, host: &str) {
        loop {
            let left = self.with_host(host, |state, now| {
                state
                    .paused_until
                    .and_then(|until| until.checked_duration_since(now))
            });
            match left {
                Some(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
                _ => return,
            }
        }
    }

    /// The service said "slow down", optionally for how long: `over_budget` for a 429 (a
    /// budget such as Graph's resource units is spent), not for a 503 (a node shedding load,
    /// which says nothing about the rate the tenant allows).
    pub fn throttled(&self, host: &str, retry_after: Option<Duration>, over_budget: bool) {
        self.with_host(host, |state, now| {
            if let Some(pause) = retry_after {
                let until = now + pause;
                if state.paused_until.is_none_or(|p| p < until) {
                    state.paused_until = Some(until);
                }
                // After the pause, requests restart spread out at the new rate.
                state.next_slot = state.next_slot.max(until);
            }
            if state
                .last_cut
                .is_some_and(|t| now.duration_since(t) < EPISODE)
            {
                return;
            }
            state.last_cut = Some(now);
            let achieved = state.achieved_rate(now);
            // The paced rate may be above what was achieved (too few requests to use it).
            let base = match state.rate {
                Some(r) if achieved > 0.0 => r.min(achieved),
                Some(r) => r,
                None if achieved > 0.0 => achieved,
                None => 50.0,
            };
            if !over_budget {
                state.rate = Some((base * CUT).max(MIN_RATE));
                return;
            }
            // Over budget again soon after the last time: the rate that drew that 429 was
            // itself too high (a budget's start-up allowance inflates it), so it is cut too.
            let again = state
                .last_over_budget
                .is_some_and(|t| now.duration_since(t) < SETTLE);
            let ceiling = match state.throttled_at {
                Some(before) if again => base.min(before * CUT),
                _ => base,
            };
            state.throttled_at = Some(ceiling);
            state.last_over_budget = Some(now);
            state.rate = Some((ceiling * CUT).max(MIN_RATE));
        });
    }

    /// A request went through: recover speed, quickly below the rate that last drew a 429,
    /// slowly past it — and faster the longer no 429 comes, so a rate learnt while another
    /// job shared the budget does not hold this one back for long.
    pub fn succeeded(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = hosts.get_mut(host) else {
            return;
        };
        let Some(rate) = state.rate else {
            return;
        };
        let per_second = match (state.throttled_at, state.last_over_budget) {
            (Some(at), Some(when)) if rate >= at * RESUME_SHARE => {
                let quiet = when.elapsed().as_secs_f64() / PROBE_DOUBLING.as_secs_f64();
                (1.0 + PROBE_GROWTH * 2f64.powf(quiet)).min(FAST_GROWTH_PER_S)
            }
            _ => FAST_GROWTH_PER_S,
        };
        // One answer's share of a second at this rate, so growth per second does not depend
        // on the rate.
        let next = rate * per_second.powf(1.0 / rate);
        state.rate = if next >= UNPACED_RATE {
            None
        } else {
            Some(next)
        };
    }

    /// Current pacing rate of a host (`None` = unpaced), for logs and tests.
    pub fn rate(&self, host: &str) -> Option<f64> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.get(host).and_then(|s| s.rate)
    }
}

fn decide(state: &mut HostState, now: Instant) -> Gate {
    if let Some(until) = state.paused_until {
        if until > now {
            return Gate::AskAgainIn(until - now);
        }
        state.paused_until = None;
    }
    let Some(rate) = state.rate else {
        state.count(now);
        return Gate::Go;
    };
    let slot = state.next_slot.max(now);
    if slot > now + HORIZON {
        // Not reserved: by the time this request's turn comes the rate may have risen. Ask
        // again once half the horizon is free, so waiters do not wake for every slot.
        return Gate::AskAgainIn(slot - now - HORIZON / 2);
    }
    // Reserve the slot under the lock, then sleep outside it.
    state.next_slot = slot + Duration::from_secs_f64(1.0 / rate);
    state.count(now);
    if slot <= now {
        Gate::Go
    } else {
        Gate::SlotIn(slot - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    const HOST: &str = "https://graph.example";

    /// A host paced at `rate` with no history (no throttle seen, nothing achieved).
    fn paced(rate: f64) -> HostGates {
        let gates = HostGates::new();
        gates.with_host(HOST, |s, _| s.rate = Some(rate));
        gates
    }

    /// An edit of the host's state, and when it happens.
    type Change<'a> = (Duration, &'a dyn Fn(&mut HostState));

    /// When each of `n` requests queued at the gate together passes it, after the first: each
    /// follows the gate's answers as `acquire` does (take the slot at its time, or ask again
    /// then), on instants the test computes. Wall time never enters, so a busy machine cannot
    /// change the answer (issue 22: these tests measured elapsed time and asserted bounds on it).
    /// `change` edits the host once, before the first request asks at or after its time.
    fn passing_times(gates: &HostGates, n: usize, mut change: Option<Change<'_>>) -> Vec<Duration> {
        gates.with_host(HOST, |state, start| {
            let mut asking: BinaryHeap<Reverse<(Duration, usize)>> =
                (0..n).map(|i| Reverse((Duration::ZERO, i))).collect();
            let mut passed = vec![Duration::ZERO; n];
            while let Some(Reverse((at, i))) = asking.pop() {
                if let Some((_, edit)) = change.take_if(|(when, _)| *when <= at) {
                    edit(state);
                }
                match decide(state, start + at) {
                    Gate::Go => passed[i] = at,
                    Gate::SlotIn(wait) => passed[i] = at + wait,
                    Gate::AskAgainIn(wait) => asking.push(Reverse((at + wait, i))),
                }
            }
            passed.sort();
            passed
        })
    }

    #[test]
    fn a_throttle_episode_cuts_the_rate_once() {
        let gates = paced(400.0);
        // A batch of 20 throttled sub-requests answers at once.
        for _ in 0..20 {
            gates.throttled(HOST, None, true);
        }
        let rate = gates.rate(HOST).expect("paced");
        assert!((rate - 400.0 * CUT).abs() < 1e-6, "rate {rate}");
    }

    #[test]
    fn recovers_fast_to_near_the_throttled_rate_then_probes_slowly() {
        let gates = paced(400.0);
        gates.throttled(HOST, None, true);
        // Half a second of answers at the cut rate and above.
        for _ in 0..150 {
            gates.succeeded(HOST);
        }
        let back = gates.rate(HOST).expect("paced");
        assert!(back >= 400.0 * RESUME_SHARE, "fast recovery: {back}");
        // Five more seconds of answers at full pace: a few per cent more, not unpaced.
        for _ in 0..(5.0 * back) as usize {
            gates.succeeded(HOST);
        }
        let probed = gates.rate(HOST).expect("still paced");
        assert!(
            probed < 400.0 * 1.05,
            "probes past the throttled rate slowly: {probed}"
        );
    }

    #[test]
    fn a_throttle_soon_after_a_cut_lowers_the_rate_recovery_aims_for() {
        // Throttled at 400, recovered to 0.9 of it, throttled again: `seconds_ago` later.
        let second_throttle = |seconds_ago: u64| {
            let gates = paced(400.0);
            gates.throttled(HOST, None, true);
            while gates.rate(HOST).expect("paced") < 400.0 * RESUME_SHARE {
                gates.succeeded(HOST);
            }
            gates.with_host(HOST, |s, now| {
                s.last_cut = Some(now - Duration::from_secs(seconds_ago));
                s.last_over_budget = s.last_cut;
            });
            gates.throttled(HOST, None, true);
            gates.with_host(HOST, |s, _| s.throttled_at.expect("throttled"))
        };
        // Soon: the first rate (400) was too high, so recovery aims below its cut (280).
        assert!(second_throttle(2) <= 400.0 * CUT + 1e-6);
        // Long after: the rate that drew this throttle (360) is the new aim.
        assert!((second_throttle(30) - 400.0 * RESUME_SHARE).abs() < 2.0);
    }

    #[test]
    fn a_503_is_recovered_from_in_full_a_429_only_up_to_its_rate() {
        for (over_budget, recovered) in [(false, true), (true, false)] {
            let gates = paced(400.0);
            gates.throttled(HOST, None, over_budget);
            for _ in 0..10_000 {
                gates.succeeded(HOST);
            }
            assert_eq!(gates.rate(HOST).is_none(), recovered, "429: {over_budget}");
        }
    }

    #[test]
    fn probing_speeds_up_the_longer_no_429_comes() {
        let gates = paced(400.0);
        gates.throttled(HOST, None, true);
        while gates.rate(HOST).expect("paced") < 400.0 * RESUME_SHARE {
            gates.succeeded(HOST);
        }
        let before = gates.rate(HOST).expect("paced");
        gates.with_host(HOST, |s, now| {
            s.last_over_budget = Some(now - Duration::from_secs(60));
        });
        // About a second of answers at full pace, a minute after the 429.
        for _ in 0..before as usize {
            gates.succeeded(HOST);
        }
        assert!(gates.rate(HOST).expect("paced") > 1.5 * before);
    }

    #[test]
    fn a_risen_rate_applies_to_requests_already_waiting() {
        // 40 requests queue at 20/s (two seconds' worth), then the rate rises 50 ms later: they
        // must not keep the slots they would have reserved at the old rate.
        let rise: &dyn Fn(&mut HostState) = &|s| s.rate = Some(2_000.0);
        let risen = passing_times(&paced(20.0), 40, Some((Duration::from_millis(50), rise)));
        let last = risen.last().expect("40 requests");
        assert!(
            *last < Duration::from_millis(200),
            "last passed after {last:?}"
        );
        let kept = passing_times(&paced(20.0), 40, None);
        let last = kept.last().expect("40 requests");
        assert!(*last > Duration::from_millis(1_900), "at 20/s: {last:?}");
    }

    #[tokio::test]
    async fn a_request_past_its_gate_still_waits_out_a_pause_that_began_since() {
        let gates = HostGates::new();
        gates.acquire(HOST).await;
        // Polled once: no pause ends it at once, without a timer (nothing to time).
        assert!(
            gates.wait_out_pause(HOST).now_or_never().is_some(),
            "no pause, no wait"
        );
        gates.throttled(HOST, Some(Duration::from_secs(3600)), true);
        assert!(
            gates.wait_out_pause(HOST).now_or_never().is_none(),
            "a pause that began since is waited out"
        );
        // ... to its end: its length is a floor, which a busy machine only lengthens.
        let short = HostGates::new();
        short.acquire(HOST).await;
        let started = Instant::now();
        short.throttled(HOST, Some(Duration::from_millis(200)), true);
        short.wait_out_pause(HOST).await;
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[test]
    fn paced_requests_are_spread_at_the_rate() {
        // 30 slots at 100/s: one every 10 ms, the last 290 ms after the first.
        let passed = passing_times(&paced(100.0), 30, None);
        for (i, at) in passed.iter().enumerate() {
            let due = Duration::from_millis(10 * i as u64);
            assert!(
                at.abs_diff(due) < Duration::from_micros(1),
                "request {i} passed at {at:?}"
            );
        }
    }
}
