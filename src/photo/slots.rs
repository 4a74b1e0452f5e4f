//! At most a few photos are decoded at once, whatever `--concurrency` says.
//!
//! Users in flight wait on the network most of the time, so a run may keep a hundred of them
//! going; but each decode briefly needs the full decoded picture in memory, and running more
//! decodes than there are cores only adds memory, not speed. Decoding happens on blocking
//! threads (never on the async workers), so a plain blocking semaphore is the right tool.
//!
//! `admit` is the same bound one step earlier, for callers that read a photo file and then
//! decode it: taken before the read, it also bounds the undecoded bytes in memory (a 12 MP
//! camera JPEG is several MB; a hundred of them waiting for a decode slot would not be).

use std::sync::{Condvar, Mutex, OnceLock};

use crate::error::{Error, ErrorClass, Result};
use crate::schema::ErrorCode;

/// A counting semaphore for decode work.
pub struct DecodeSlots {
    free: Mutex<usize>,
    freed: Condvar,
}

/// Held while decoding; gives the slot back when dropped (also on panic or error).
pub struct DecodeSlot<'a>(&'a DecodeSlots);

impl DecodeSlots {
    pub fn new(slots: usize) -> DecodeSlots {
        DecodeSlots {
            free: Mutex::new(slots.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Wait for a free slot.
    pub fn acquire(&self) -> DecodeSlot<'_> {
        // A poisoned lock only means another decode panicked; the count is still right.
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        DecodeSlot(self)
    }
}

impl Drop for DecodeSlot<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(|e| e.into_inner());
        *free += 1;
        self.0.freed.notify_one();
    }
}

/// The process-wide slots: one per core (at least 2, so one slow file cannot stall a run).
pub fn decode_slots() -> &'static DecodeSlots {
    static SLOTS: OnceLock<DecodeSlots> = OnceLock::new();
    SLOTS.get_or_init(|| DecodeSlots::new(slot_count()))
}

/// Wait (asynchronously) until a photo may be read and decoded; hold the permit until the
/// decoded photo is made. Never held around network calls: it would throttle them.
pub async fn admit() -> tokio::sync::SemaphorePermit<'static> {
    static ADMISSION: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let admission = ADMISSION.get_or_init(|| tokio::sync::Semaphore::new(slot_count()));
    admission
        .acquire()
        .await
        .unwrap_or_else(|_| unreachable!("the admission semaphore is never closed"))
}

/// Run photo work (reading a file, decoding, rendering) on a blocking thread, so it never
/// stalls the async workers that drive every other user's network calls.
pub async fn off_thread<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        Error::new(
            ErrorCode::PhotoUnreadable,
            ErrorClass::Failed,
            format!("photo work stopped: {e}"),
        )
    })?
}

fn slot_count() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_decodes_than_slots() {
        let slots = DecodeSlots::new(2);
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..10 {
                        let _slot = slots.acquire();
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        // Hold the slot long enough for the others to pile up behind it.
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        now.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=2).contains(&peak), "{peak} decodes at once");
    }
}
