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

#[path = "powershell/common.rs"]
mod common;
#[path = "powershell/compat.rs"]
mod compat;
#[path = "powershell/contract.rs"]
mod contract;
#[path = "powershell/contract_static.rs"]
mod contract_static;
#[path = "powershell/contract_support.rs"]
mod contract_support;
#[path = "powershell/manifest.rs"]
mod manifest;
#[path = "powershell/packaging.rs"]
mod packaging;
#[path = "powershell/parameters.rs"]
mod parameters;
#[path = "powershell/pipeline.rs"]
mod pipeline;
#[path = "powershell/syntax.rs"]
mod syntax;
