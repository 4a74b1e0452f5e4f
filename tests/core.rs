//! The core integration tests: input readers, the folder and memory stores (with the
//! conformance suite), the status and sync engine, the CLI binary, the schema snapshot and
//! the generated parts of the docs.
//! One test binary (ripgrep's habit) with a module per concern.

#[path = "core/support.rs"]
mod support;

#[path = "core/cli.rs"]
mod cli;
#[path = "core/clouds.rs"]
mod clouds;
#[path = "core/conformance.rs"]
mod conformance;
#[path = "core/diagnosis.rs"]
mod diagnosis;
#[path = "core/docs.rs"]
mod docs;
#[path = "core/examples.rs"]
mod examples;
#[path = "core/folder.rs"]
mod folder;
#[path = "core/identity.rs"]
mod identity;
#[path = "core/incremental.rs"]
mod incremental;
#[path = "core/input.rs"]
mod input;
#[path = "core/own_writes.rs"]
mod own_writes;
#[path = "core/props.rs"]
mod props;
#[path = "core/schema.rs"]
mod schema;
#[path = "core/status.rs"]
mod status;
#[path = "core/stopping.rs"]
mod stopping;
#[path = "core/structure.rs"]
mod structure;
#[path = "core/sync.rs"]
mod sync;
