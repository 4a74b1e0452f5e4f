//! End-to-end tests of the cloud side (auth, the shared HTTP client, the Graph and SharePoint
//! stores) against the project's Microsoft 365 emulator, started by each test. The real
//! `photosync` binary runs with a clean environment; nothing is mocked.

#[path = "cloud/support.rs"]
mod support;

#[path = "cloud/auth.rs"]
mod auth;
#[path = "cloud/chaos.rs"]
mod chaos;
#[path = "cloud/chaos_driver.rs"]
mod chaos_driver;
#[path = "cloud/conformance.rs"]
mod conformance;
#[path = "cloud/fidelity.rs"]
mod fidelity;
#[path = "cloud/field.rs"]
mod field;
#[path = "cloud/graph.rs"]
mod graph;
#[path = "cloud/hostile.rs"]
mod hostile;
#[path = "cloud/identity.rs"]
mod identity;
#[path = "cloud/mailbox.rs"]
mod mailbox;
#[path = "cloud/modes.rs"]
mod modes;
#[path = "cloud/policy.rs"]
mod policy;
#[path = "cloud/sharepoint.rs"]
mod sharepoint;
