//! PhotoSync's test support, shared by every suite under `tests/` (and kept out of the shipped
//! library): each module is one concern.
//! - `run`: the binary runner (args, stdin, env → exit code, records by type, stderr).
//! - `portrait`: the deterministic "person N" pictures.
//! - `store`: a `MemoryStore` with a name, a class, a write hook and faults: the store double.
//! - `conformance`: the store conformance suite, named checks every store runs with one call.

pub mod conformance;
pub mod portrait;
pub mod run;
pub mod store;
