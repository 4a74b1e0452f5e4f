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

/// Move a blocking input reader onto its own thread and hand its events over a bounded
/// channel: reading stdin never blocks the async workers, and a slow run applies
/// back-pressure instead of buffering the whole input.
pub fn input_channel(input: InputStream) -> futures::channel::mpsc::Receiver<InputEvent> {
    let (mut tx, rx) = futures::channel::mpsc::channel(INPUT_QUEUE);
    std::thread::spawn(move || {
        for event in input {
            if futures::executor::block_on(tx.send(event)).is_err() {
                break;
            }
        }
    });
    rx
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
