//! The PowerShell module (powershell/PhotoSync), checked by static means that run everywhere.
//!
//! The Pester suite (tests/pester, run by .ci/run under pwsh) runs the module for real; these
//! tests hold it to account where PowerShell is not needed: every script parses with the
//! tree-sitter PowerShell grammar and the manifest is read from the syntax tree (`syntax`,
//! `manifest`); parameter names and aliases cannot clash (`parameters`); nothing Windows
//! PowerShell 5.1 lacks is used (`compat`); no `process {}` block reads `$PSBoundParameters`
//! (`pipeline`); the packaging script's zip is read back and checked
//! against Azure Automation's rules (`packaging`); and the real `photosync` binary is fed what
//! the module sends, with the arguments read from the module's scripts (`contract`,
//! `contract_static`).

mod common;
mod compat;
mod contract;
mod contract_static;
mod contract_support;
mod manifest;
mod packaging;
mod parameters;
mod pipeline;
mod syntax;
