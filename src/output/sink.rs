//! Where records go: JSON Lines on stdout, a table (see `table`), or a vector in tests.
//! A write error (closed pipe) makes the engine stop quietly.

use std::io::{self, Write};

use crate::schema::OutputRecord;

pub trait RecordSink: Send {
    fn emit(&mut self, record: &OutputRecord) -> io::Result<()>;
}

/// One JSON object per line, flushed per record so consumers see users as they finish.
pub struct JsonLinesSink<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> JsonLinesSink<W> {
    pub fn new(out: W) -> Self {
        JsonLinesSink { out }
    }
}

impl JsonLinesSink<io::Stdout> {
    pub fn stdout() -> Self {
        JsonLinesSink::new(io::stdout())
    }
}

impl<W: Write + Send> RecordSink for JsonLinesSink<W> {
    fn emit(&mut self, record: &OutputRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.out.write_all(&line)?;
        self.out.flush()
    }
}

/// Keeps every record (tests and library callers).
#[derive(Default)]
pub struct CollectSink {
    pub records: Vec<OutputRecord>,
}

impl RecordSink for CollectSink {
    fn emit(&mut self, record: &OutputRecord) -> io::Result<()> {
        self.records.push(record.clone());
        Ok(())
    }
}
