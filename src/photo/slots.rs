//! At most a few photos are decoded at once, whatever `--concurrency` says.
//!
//! Users in flight wait on the network most of the time, so a run may keep a hundred of them
//! going; but each decode briefly needs the full decoded picture in memory, and running more
//! decodes than there are cores only adds memory, not speed. Decoding happens on blocking
//! threads (never on the async workers), so a plain blocking semaphore is the right tool.
//!
//! `admitted` is the same bound one step earlier, for work that reads a photo and then
//! decodes it: a slot taken before the read also bounds the undecoded bytes in memory (a 12 MP
//! camera JPEG is several MB; a hundred of them waiting for a decode slot would not be). Every
//! path that reads a photo file takes it (the input's PhotoPath, sync's source, a folder file
//! over `FREE_BYTES`), and so does a large HTTP response body (`http`), for as long as it
//! lives. A task that holds a slot never waits for a second one: work nested in `admitted`
//! uses the slot already held, so no set of tasks can hold every slot while waiting for
//! another.
//!
//! `off_thread` moves photo work (decode, render, file reads) onto blocking threads;
//! `photo_work_on_task` lets tests prove that none is left on an async worker.

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

tokio::task_local! {
    /// Set while the task holds a slot of the photo budget (inside `admitted`).
    static ADMITTED: ();
}

/// Wait (asynchronously) for a slot of the photo budget and hold it for as long as the permit
/// lives; `None` when this task already holds one (inside `admitted`), which then covers this
/// work too. Never held around network calls: it would throttle them.
pub async fn admit() -> Option<tokio::sync::SemaphorePermit<'static>> {
    if ADMITTED.try_with(|_| ()).is_ok() {
        return None;
    }
    static ADMISSION: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let admission = ADMISSION.get_or_init(|| tokio::sync::Semaphore::new(slot_count()));
    let permit = admission
        .acquire()
        .await
        .unwrap_or_else(|_| unreachable!("the admission semaphore is never closed"));
    Some(permit)
}

/// Run `work` (read a photo, then decode it) holding one slot of the photo budget; photo work
/// nested inside it uses the same slot.
pub async fn admitted<F: std::future::Future>(work: F) -> F::Output {
    let Some(_permit) = admit().await else {
        return work.await;
    };
    ADMITTED.scope((), work).await
}

/// Photo bytes that may wait in memory without a slot of the photo budget: a hundred such
/// files or bodies waiting hold a few tens of MB at most.
pub const FREE_BYTES: u64 = 256 * 1024;

/// `admitted` for `len` bytes of photo about to be read: a read of at most `FREE_BYTES` waits
/// for no slot. Without this, a read-back of a rendition just written queued behind every user
/// still to be decoded, while each of them held its decoded source.
pub async fn admitted_if_large<F: std::future::Future>(len: u64, work: F) -> F::Output {
    if len <= FREE_BYTES {
        work.await
    } else {
        admitted(work).await
    }
}

/// Slots of the photo budget (one per core, at least 2).
pub fn budget_slots() -> usize {
    slot_count()
}

tokio::task_local! {
    /// Photo work done on the probed task itself (see `photo_work_on_task`).
    static ON_TASK: std::sync::Arc<std::sync::atomic::AtomicUsize>;
}

/// Run `work` and count the decodes and renders done on its own async task rather than on a
/// blocking thread: tests use it to prove photo work never stalls the async workers. (Blocking
/// threads do not inherit the count, so only work on the task itself is counted.)
pub async fn photo_work_on_task<F: std::future::Future>(work: F) -> (F::Output, usize) {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let output = ON_TASK.scope(count.clone(), work).await;
    (output, count.load(std::sync::atomic::Ordering::SeqCst))
}

/// One decode or render is starting here (counted only inside `photo_work_on_task`).
pub(super) fn note_photo_work() {
    let _ = ON_TASK.try_with(|count| count.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
}

/// Run photo work (reading a file, decoding, rendering) on a blocking thread, so it never
/// stalls the async workers that drive every other user's network calls.
pub async fn off_thread<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let _slot = work_slot().await;
    run_blocking(work).await
}

/// Run `prepare` (copying what the work needs) once a thread is free, then `work` on it: the
/// copies of photos waiting for a thread are never made, only those being worked on.
pub async fn off_thread_with<P, T, F>(prepare: impl FnOnce() -> P, work: F) -> Result<T>
where
    F: FnOnce(P) -> Result<T> + Send + 'static,
    P: Send + 'static,
    T: Send + 'static,
{
    let _slot = work_slot().await;
    let input = prepare();
    run_blocking(move || work(input)).await
}

/// A turn on a blocking thread: as many at once as there are decode slots. Without it, a
/// hundred users in flight would start a hundred threads, each with its own copy of the picture
/// and its own allocator arena, to wait for the same few cores.
async fn work_slot() -> tokio::sync::SemaphorePermit<'static> {
    static WORK: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    WORK.get_or_init(|| tokio::sync::Semaphore::new(slot_count()))
        .acquire()
        .await
        .unwrap_or_else(|_| unreachable!("the work semaphore is never closed"))
}

async fn run_blocking<T, F>(work: F) -> Result<T>
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
