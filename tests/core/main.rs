//! The core integration tests: input readers, the folder and memory stores (with the
//! conformance suite), the status and sync engine, the CLI binary, the schema snapshot and
//! the generated parts of the docs.
//! One test binary (ripgrep's habit) with a module per concern.

mod support;

mod cli;
mod clouds;
mod conformance;
mod diagnosis;
mod docs;
mod examples;
mod folder;
mod identity;
mod incremental;
mod input;
mod own_writes;
mod props;
mod schema;
mod snapshots;
mod status;
mod stopping;
mod structure;
mod sync;
