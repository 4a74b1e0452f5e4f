//! The engine: `status` (read every store, compare, diagnose; never writes) and `sync`
//! (plan per user x target, skip when the same picture is already there, write through one
//! chokepoint, verify by reading back).
//!
//! Both run in one loop (`driver`): input is read on its own thread into a bounded channel, at
//! most `concurrency` users are in flight, and each record is written as its user finishes, so
//! memory stays flat in the number of users. One bad user never stops the run: its problem
//! becomes a record and counts towards the exit code (see `Tally`). A sync decision is a pure
//! `plan` (engine/sync/plan.rs); `execute` carries it out, and every write passes one
//! chokepoint (`apply_write`).
//!
//! The judgement itself lives in `verdict`, the state file in `state`, and presentation in
//! `output`: the engine runs users and hands records to a sink.

mod driver;
pub mod identity;
mod reference;
pub mod shard;
pub mod status;
pub mod stop;
pub mod sync;

use std::collections::BTreeMap;

use futures::SinkExt;

use crate::error::ErrorClass;
use crate::input::{InputEvent, InputStream};

pub use shard::Shard;
pub use status::{StatusOptions, run_status};
pub use stop::{StopReason, StopSignal};
pub use sync::{Reason, SyncOptions, SyncSource, run_sync};

/// Users queued between the input thread and the engine: enough to keep stores busy.
const INPUT_QUEUE: usize = 256;

/// Inline photo bytes (`thumbnailPhoto` in the input) queued or in flight at once. A photo
/// given inline is in memory from the moment its line is read (a `photoPath` is read only
/// when a photo slot admits it), so without this bound 256 queued and 128 in-flight users of
/// 4 MB photos held 774 MB (`cargo bench --bench photo -- memory`, path `inline`).
const INLINE_PHOTO_BUDGET: u32 = 24 << 20;

/// An input event on its way to the engine, holding its share of the inline photo budget
/// until the user is done.
pub struct Queued {
    pub event: InputEvent,
    _inline: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Move a blocking input reader onto its own thread and hand its events over a bounded
/// channel: reading stdin never blocks the async workers, and a slow run applies
/// back-pressure instead of buffering the whole input (by count, and by inline photo bytes).
pub fn input_channel(input: InputStream) -> futures::channel::mpsc::Receiver<Queued> {
    input_channel_within(input, INLINE_PHOTO_BUDGET)
}

fn input_channel_within(
    input: InputStream,
    inline_budget: u32,
) -> futures::channel::mpsc::Receiver<Queued> {
    let (mut tx, rx) = futures::channel::mpsc::channel(INPUT_QUEUE);
    let budget = std::sync::Arc::new(tokio::sync::Semaphore::new(inline_budget as usize));
    std::thread::spawn(move || {
        for event in input {
            // A photo larger than the whole budget waits for everything else to finish.
            let bytes = inline_photo_bytes(&event).min(inline_budget as usize) as u32;
            let inline = if bytes == 0 {
                None
            } else {
                match futures::executor::block_on(budget.clone().acquire_many_owned(bytes)) {
                    Ok(permit) => Some(permit),
                    Err(_) => break,
                }
            };
            let queued = Queued {
                event,
                _inline: inline,
            };
            if futures::executor::block_on(tx.send(queued)).is_err() {
                break;
            }
        }
    });
    rx
}

fn inline_photo_bytes(event: &InputEvent) -> usize {
    match event {
        InputEvent::User(user) => match &user.record.thumbnail_photo {
            Some(crate::schema::PhotoBytes::Base64(text)) => text.len(),
            Some(crate::schema::PhotoBytes::Bytes(bytes)) => bytes.len(),
            None => 0,
        },
        _ => 0,
    }
}

/// Counts and the worst error class seen: decides the summary and the exit code.
#[derive(Debug, Default)]
pub struct Tally {
    pub users: u64,
    pub counts: BTreeMap<String, u64>,
    worst: i32,
    drift: bool,
}

impl Tally {
    pub fn count(&mut self, key: &str) {
        *self.counts.entry(key.to_string()).or_default() += 1;
    }

    /// Record a per-item error of this class.
    pub fn error(&mut self, class: ErrorClass) {
        self.count("errors");
        // Exit 2 says "nothing ran"; a refusal that concerns one user (an existing `.gif`,
        // one SharePoint property) is that user's failure once the run is under way.
        let code = match class {
            ErrorClass::Config => 1,
            other => other.exit_code(),
        };
        if rank(code) > rank(self.worst) {
            self.worst = code;
        }
    }

    /// Record that a user is not in sync (matters only with `--fail-on-drift`).
    pub fn drift(&mut self) {
        self.drift = true;
    }

    /// DESIGN §5: 0 fine; else the worst class among item errors (config 2 > auth 3 >
    /// throttled 4 > other 1); drift alone gives 1 when asked.
    pub fn exit_code(&self, fail_on_drift: bool) -> i32 {
        if self.worst != 0 {
            self.worst
        } else if fail_on_drift && self.drift {
            1
        } else {
            0
        }
    }
}

/// How bad an exit code is, for picking the worst: a config error explains every other
/// failure, then auth, then exhausted throttling, then ordinary item failures.
fn rank(code: i32) -> u8 {
    match code {
        2 => 4,
        3 => 3,
        4 => 2,
        1 => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_with_inline_photo(n: usize, bytes: usize) -> InputEvent {
        InputEvent::User(crate::input::InputUser {
            record: crate::schema::UserRecord {
                user_principal_name: Some(format!("user{n}@contoso.com")),
                thumbnail_photo: Some(crate::schema::PhotoBytes::Base64("A".repeat(bytes))),
                ..Default::default()
            },
            line: n as u64 + 1,
        })
    }

    // Regression: inline photos were bounded only by the queue's length, so a run over large
    // `thumbnailPhoto`s held hundreds of megabytes before any photo slot was taken.
    #[tokio::test]
    async fn inline_photos_wait_for_the_budget_that_users_in_flight_hold() {
        use futures::StreamExt;
        let users: Vec<InputEvent> = (0..5).map(|n| user_with_inline_photo(n, 1000)).collect();
        let mut rx = input_channel_within(Box::new(users.into_iter()), 2500);
        let first = rx.next().await.expect("first user");
        let _second = rx.next().await.expect("second user");
        // Two users hold 2,000 of 2,500 bytes: the third cannot be queued while they last.
        let third = tokio::time::timeout(std::time::Duration::from_millis(300), rx.next()).await;
        assert!(
            third.is_err(),
            "a third inline photo was queued beyond the budget"
        );
        drop(first);
        let third = tokio::time::timeout(std::time::Duration::from_secs(30), rx.next()).await;
        assert!(
            matches!(third, Ok(Some(_))),
            "the freed budget lets the next user in"
        );
    }

    #[test]
    fn worst_error_class_decides_the_exit_code() {
        let mut tally = Tally::default();
        assert_eq!(tally.exit_code(true), 0);
        tally.drift();
        assert_eq!(tally.exit_code(false), 0);
        assert_eq!(tally.exit_code(true), 1);
        tally.error(ErrorClass::Input);
        assert_eq!(tally.exit_code(false), 1);
        tally.error(ErrorClass::Throttled);
        assert_eq!(tally.exit_code(false), 4);
        tally.error(ErrorClass::Permission);
        tally.error(ErrorClass::Transient);
        assert_eq!(tally.exit_code(false), 3);
        assert_eq!(tally.counts.get("errors"), Some(&4));
    }

    // Regression: one user's refusal with a configuration-like cause made the whole run
    // exit 2, which callers read as "nothing ran".
    #[test]
    fn a_per_user_refusal_is_a_failure_not_a_usage_error() {
        let mut tally = Tally::default();
        tally.error(ErrorClass::Config);
        assert_eq!(tally.exit_code(false), 1);
        tally.error(ErrorClass::Auth);
        assert_eq!(tally.exit_code(false), 3);
    }
}
