//! PhotoSync's test support, shared by every suite under `tests/` (and kept out of the shipped
//! library): each module is one concern.
//! - `run`: the binary runner (args, stdin, env → exit code, records by type, stderr).

pub mod run;

/// The deterministic "person N" pictures.
pub mod portrait;

/// A `MemoryStore` with a name, a class, a write hook and faults: the store double.
pub mod store;
