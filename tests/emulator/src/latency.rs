//! Added latency that means what it says.
//!
//! Tokio's timer works in whole milliseconds and fires late: a 10 ms sleep answered a loopback
//! request in 11.7 ms on average (measured), so a benchmark's "bound at 10 ms" charged the
//! client for 1.6 ms of the emulator's timer. Here the timer sleeps to just before the
//! deadline and a blocking-pool thread sleeps the rest (the OS sleep overshoots by tens of
//! microseconds, not a millisecond), without spinning a core. `cargo bench -p
//! photosync-emulator --bench latency` measures it.

use std::time::Duration;

use tokio::time::Instant;

/// Tokio's timer wakes within about this much after its deadline.
const TIMER_SLACK: Duration = Duration::from_millis(2);

/// Wait until `deadline`, late by microseconds rather than up to a couple of milliseconds.
pub async fn sleep_until(deadline: Instant) {
    if let Some(coarse) = deadline.checked_sub(TIMER_SLACK)
        && coarse > Instant::now()
    {
        tokio::time::sleep_until(coarse).await;
    }
    let rest = deadline.saturating_duration_since(Instant::now());
    if rest.is_zero() {
        return;
    }
    // A blocking-pool thread is cheap for the ≤ 2 ms this lasts; if the pool is gone (the
    // runtime is shutting down), fall back to the coarse timer.
    if tokio::task::spawn_blocking(move || std::thread::sleep(rest))
        .await
        .is_err()
    {
        tokio::time::sleep_until(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How late it wakes is a figure for the benchmark (`benches/latency.rs`), not a test: a busy
    /// machine decides it. Never waking early is a guarantee.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_wakes_before_the_deadline() {
        for wait in [0, 1, 2, 3, 5] {
            let deadline = Instant::now() + Duration::from_millis(wait);
            sleep_until(deadline).await;
            assert!(
                Instant::now() >= deadline,
                "woke before a {wait} ms deadline"
            );
        }
    }
}
