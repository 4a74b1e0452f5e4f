//! End-to-end tests of the cloud side (auth, the shared HTTP client, the Graph and SharePoint
//! stores) against the project's Microsoft 365 emulator, started by each test. The real
//! `photosync` binary runs with a clean environment; nothing is mocked.

mod support;

mod auth;
mod chaos;
mod chaos_driver;
mod conformance;
mod fidelity;
mod field;
mod graph;
mod hostile;
mod identity;
mod mailbox;
mod modes;
mod policy;
mod sharepoint;
