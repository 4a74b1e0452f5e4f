//! Presentation, below the engine: where records go (`sink`: JSON Lines, the `table`, the HTML
//! `report`), the progress line, and the report's thumbnails. The engine hands finished records
//! to a `RecordSink` and never formats text itself (ripgrep's Sink and printers).
//!
//! This is also the one place that writes to stdout. Data goes to stdout as JSON Lines (or a
//! table); everything else goes to stderr through `tracing`. A closed pipe (`| head`) ends the
//! run quietly instead of panicking.

pub mod progress;
pub mod report;
pub mod sink;
pub mod table;
pub mod thumbnail;

use std::io::{self, Write};

use serde::Serialize;

/// Write one JSON value as a line on stdout and flush, so consumers see records as they finish.
/// Returns `Err` only for a closed pipe or a dead stdout: callers stop the run then.
pub fn write_json_line<T: Serialize>(value: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut out = io::stdout().lock();
    out.write_all(&line)?;
    out.flush()
}

/// Write pretty JSON (single documents such as `photo inspect` and `schema`).
pub fn write_json_pretty<T: Serialize>(value: &T) -> io::Result<()> {
    let mut text = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    text.push(b'\n');
    let mut out = io::stdout().lock();
    out.write_all(&text)?;
    out.flush()
}
