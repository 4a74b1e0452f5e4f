//! Black-box tests of the emulator over real loopback HTTP: identity, Graph photos, `$batch`,
//! throttling/faults and SharePoint. One test binary with modules keeps link time down.

mod batch;
mod binary;
mod common;
mod faults;
mod field;
mod graph;
mod identity;
mod mailbox;
mod sharepoint;
