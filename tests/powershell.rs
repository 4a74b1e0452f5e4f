//! The PowerShell module (powershell/PhotoSync), checked where pwsh cannot run.
//!
//! pwsh is not installable on these machines, so the module is held to account three ways:
//! every script is parsed with the tree-sitter PowerShell grammar and the manifest is read from
//! the syntax tree (`syntax`, `manifest`); the packaging script's zip is read back and checked
//! against Azure Automation's rules (`packaging`); and the real `photosync` binary is fed exactly
//! what the module sends, asserting what the module relies on (`contract`, `contract_static`).
//! The Pester suite in tests/pester covers binding and objects wherever pwsh exists.

#[path = "powershell/common.rs"]
mod common;
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
#[path = "powershell/syntax.rs"]
mod syntax;
