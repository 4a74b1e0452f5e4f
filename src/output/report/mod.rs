//! The photo report: one self-contained HTML file that shows, per user, the picture every
//! store holds side by side, with the verdict, the findings and their hints.
//!
//! Why a page and not more JSON: admins want to *look* at which face each store shows. The
//! page needs no network (inline CSS and script, thumbnails as `data:` URIs), so it opens from
//! a file share or a runbook's output. Every string from users or servers travels as JSON in
//! a data block and reaches the page only through `textContent`, and a strict
//! Content-Security-Policy allows nothing but the page's own hashed style and script
//! (docs/report.md).

mod data;
mod page;

use std::io::{self, Write};

use super::sink::RecordSink;
use crate::schema::OutputRecord;

pub use data::{ReportBuilder, ReportData, rank, to_script_json};
pub use page::{SCRIPT, STYLE, content_security_policy, render};

/// Collects the records of a status run and writes the page when the summary arrives (the
/// summary is the last record of a run).
pub struct ReportSink {
    out: Box<dyn Write + Send>,
    builder: Option<ReportBuilder>,
}

impl ReportSink {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        ReportSink {
            out,
            builder: Some(ReportBuilder::default()),
        }
    }
}

impl RecordSink for ReportSink {
    fn emit(&mut self, record: &OutputRecord) -> io::Result<()> {
        let Some(builder) = self.builder.as_mut() else {
            return Ok(());
        };
        match record {
            OutputRecord::Status(s) => builder.status(s),
            OutputRecord::Finding(f) => builder.finding(f),
            OutputRecord::Error(e) => builder.error(e),
            OutputRecord::Summary(s) => {
                builder.summary(s);
                if let Some(builder) = self.builder.take() {
                    let generated = httpdate::fmt_http_date(std::time::SystemTime::now());
                    let html = render(&builder.finish(generated)).map_err(io::Error::other)?;
                    self.out.write_all(html.as_bytes())?;
                    self.out.flush()?;
                }
            }
            OutputRecord::Result(_) | OutputRecord::Progress(_) | OutputRecord::Policy(_) => {}
        }
        Ok(())
    }
}
