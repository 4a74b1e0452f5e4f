//! The judgement on one user, pure and unit-tested: `assess` picks the reference picture and
//! compares every store with it (verdict and per-store findings), `diagnose` adds Microsoft's
//! cross-store rules (a blurry source, an AD change that never arrives, guests and room
//! mailboxes...). Nothing here reads or writes a store.

mod assess;
pub mod diagnose;

pub use assess::{Assessment, EXCHANGE_AD_PHOTO_MAX_BYTES, Observation, Observed, assess};
