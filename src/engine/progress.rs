//! Progress: a live count on stderr when it is a terminal (and stdout is not: then the rows
//! are the progress), `progress` records with `--progress json`, silence otherwise (logs stay
//! clean in runbooks and CI).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::sink::RecordSink;
use crate::cli::ProgressMode;
use crate::schema::{OutputRecord, ProgressRecord, SCHEMA_VERSION};

const TERMINAL_EVERY: Duration = Duration::from_millis(200);
const JSON_EVERY: Duration = Duration::from_secs(1);

pub struct Progress {
    mode: ProgressMode,
    terminal: bool,
    phase: &'static str,
    done: u64,
    last: Option<Instant>,
}

impl Progress {
    pub fn new(mode: ProgressMode, phase: &'static str) -> Self {
        Progress {
            mode,
            // When stdout is the same terminal, the rows themselves show progress, and a
            // live `\r` line would garble them.
            terminal: std::io::stderr().is_terminal() && !std::io::stdout().is_terminal(),
            phase,
            done: 0,
            last: None,
        }
    }

    /// One more user finished.
    pub fn tick(&mut self, sink: &mut dyn RecordSink) {
        self.done += 1;
        let every = match self.mode {
            ProgressMode::Auto if self.terminal => TERMINAL_EVERY,
            ProgressMode::Json => JSON_EVERY,
            _ => return,
        };
        if self.last.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last = Some(Instant::now());
        self.show(sink);
    }

    fn show(&self, sink: &mut dyn RecordSink) {
        match self.mode {
            ProgressMode::Json => {
                let record = OutputRecord::Progress(ProgressRecord {
                    schema_version: SCHEMA_VERSION,
                    done: self.done,
                    total: None,
                    phase: self.phase.to_string(),
                });
                sink.emit(&record).ok();
            }
            ProgressMode::Auto => {
                let mut err = std::io::stderr().lock();
                write!(err, "\r{}: {} users done", self.phase, self.done).ok();
                err.flush().ok();
            }
            ProgressMode::None => {}
        }
    }

    /// The run ended: leave the terminal line clean, give the final count.
    pub fn finish(&mut self, sink: &mut dyn RecordSink) {
        match self.mode {
            ProgressMode::Auto if self.terminal && self.last.is_some() => {
                self.show(sink);
                writeln!(std::io::stderr()).ok();
            }
            ProgressMode::Json => self.show(sink),
            _ => {}
        }
    }
}
