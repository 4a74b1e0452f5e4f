//! PhotoSync core: read user photos from every store, compare them perceptually, and sync.
//! `main.rs` is a thin shell over these modules (see DESIGN.md §1).

pub mod auth;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod error;
pub mod http;
pub mod input;
pub mod output;
pub mod partial_file;
pub mod photo;
pub mod schema;
pub mod settings;
pub mod state;
pub mod store;
pub mod terminal;
pub mod verdict;
