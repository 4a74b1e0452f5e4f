//! Progress of a long run, always on stderr (stdout is data): a live line on a terminal
//! (unless stdout is the same terminal: then the rows are the progress), periodic `progress`
//! JSON records with `--progress json`, silence otherwise (logs stay clean in runbooks and CI).
//!
//! Each shows users done of the total (when the input can tell), the rate, the 429s received
//! so far (the tenant's throttle budget, not the machine, bounds a large run) and an ETA.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::schema::{OutputRecord, ProgressRecord, SCHEMA_VERSION};

/// Where progress goes, always stderr: `auto` (a live line when stderr is a terminal),
/// `none`, or `json` (periodic `progress` records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ProgressMode {
    #[default]
    Auto,
    None,
    Json,
}

const TERMINAL_EVERY: Duration = Duration::from_millis(200);
const JSON_EVERY: Duration = Duration::from_secs(1);

/// Reads a counter owned elsewhere (the HTTP client's 429 count).
pub type Counter = Arc<dyn Fn() -> u64 + Send + Sync>;

pub struct Progress {
    mode: ProgressMode,
    terminal: bool,
    phase: &'static str,
    done: u64,
    total: Option<u64>,
    throttled: Option<Counter>,
    started: Instant,
    last: Option<Instant>,
    /// Where JSON records go: stderr, or a test's buffer.
    json_out: Box<dyn Write + Send>,
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
            total: None,
            throttled: None,
            started: Instant::now(),
            last: None,
            json_out: Box::new(std::io::stderr()),
        }
    }

    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }

    pub fn with_throttled(mut self, throttled: Option<Counter>) -> Self {
        self.throttled = throttled;
        self
    }

    /// Send JSON records somewhere other than stderr (tests).
    pub fn with_json_output(mut self, out: Box<dyn Write + Send>) -> Self {
        self.json_out = out;
        self
    }

    /// One more user finished.
    pub fn tick(&mut self) {
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
        self.show();
    }

    /// The numbers shown now.
    pub fn record(&self) -> ProgressRecord {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = (elapsed > 0.0).then(|| self.done as f64 / elapsed);
        let eta_secs = match (self.total, rate) {
            (Some(total), Some(rate)) if rate > 0.0 => {
                Some((total.saturating_sub(self.done) as f64 / rate).ceil() as u64)
            }
            _ => None,
        };
        ProgressRecord {
            schema_version: SCHEMA_VERSION,
            done: self.done,
            total: self.total,
            phase: self.phase.to_string(),
            rate_per_sec: rate.map(|r| (r * 10.0).round() / 10.0),
            throttled: self.throttled.as_ref().map(|count| count()),
            eta_secs,
        }
    }

    fn show(&mut self) {
        let record = self.record();
        match self.mode {
            ProgressMode::Json => {
                if let Ok(mut line) = serde_json::to_vec(&OutputRecord::Progress(record)) {
                    line.push(b'\n');
                    self.json_out.write_all(&line).ok();
                    self.json_out.flush().ok();
                }
            }
            ProgressMode::Auto => {
                let mut err = std::io::stderr().lock();
                // Pad so a shorter line fully covers the previous one.
                write!(err, "\r{:<72}", terminal_line(&record)).ok();
                err.flush().ok();
            }
            ProgressMode::None => {}
        }
    }

    /// The run ended: give the final count and leave the terminal line clean.
    pub fn finish(&mut self) {
        match self.mode {
            ProgressMode::Auto if self.terminal && self.last.is_some() => {
                self.show();
                writeln!(std::io::stderr()).ok();
            }
            ProgressMode::Json => self.show(),
            _ => {}
        }
    }
}

/// `sync: 1234/10000 users, 85.3/s, 12 throttled (429), ETA 1m44s`
pub fn terminal_line(r: &ProgressRecord) -> String {
    let mut line = match r.total {
        Some(total) => format!("{}: {}/{} users", r.phase, r.done, total),
        None => format!("{}: {} users", r.phase, r.done),
    };
    if let Some(rate) = r.rate_per_sec {
        line.push_str(&format!(", {rate:.1}/s"));
    }
    if let Some(throttled) = r.throttled {
        line.push_str(&format!(", {throttled} throttled (429)"));
    }
    if let Some(eta) = r.eta_secs {
        line.push_str(&format!(", ETA {}", short_duration(eta)));
    }
    line
}

fn short_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_progress_goes_to_its_own_stream_with_total_rate_429s_and_eta() {
        let buffer = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut progress = Progress::new(ProgressMode::Json, "sync")
            .with_total(Some(10))
            .with_throttled(Some(Arc::new(|| 7)))
            .with_json_output(Box::new(Shared(buffer.clone())));
        std::thread::sleep(Duration::from_millis(5));
        for _ in 0..4 {
            progress.tick();
        }
        progress.finish();
        let text = String::from_utf8(buffer.lock().expect("lock").clone()).expect("utf-8");
        let last: serde_json::Value =
            serde_json::from_str(text.lines().last().expect("a record")).expect("json");
        assert_eq!(last["type"], "progress");
        assert_eq!(
            (last["done"].as_u64(), last["total"].as_u64()),
            (Some(4), Some(10))
        );
        assert_eq!(last["throttled"].as_u64(), Some(7));
        assert!(last["ratePerSec"].as_f64().is_some_and(|r| r > 0.0));
        assert!(last["etaSecs"].as_u64().is_some());
    }

    #[test]
    fn the_terminal_line_says_done_of_total_rate_throttling_and_eta() {
        let record = ProgressRecord {
            schema_version: SCHEMA_VERSION,
            done: 1234,
            total: Some(10_000),
            phase: "sync".into(),
            rate_per_sec: Some(85.3),
            throttled: Some(12),
            eta_secs: Some(104),
        };
        assert_eq!(
            terminal_line(&record),
            "sync: 1234/10000 users, 85.3/s, 12 throttled (429), ETA 1m44s"
        );
        assert_eq!(short_duration(7322), "2h02m");
    }
}
