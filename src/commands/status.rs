//! `photosync status`: open the input and the stores, run the engine, return the exit code.

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{Format, StatusArgs};
use crate::engine::{self, StatusOptions};
use crate::error::{Error, Result};
use crate::output::report::ReportSink;
use crate::output::sink::RecordSink;
use crate::partial_file::PartialFile;
use crate::schema::OutputRecord;
use crate::settings::Settings;
use crate::state::SyncState;
use crate::store::{self, PhotoStore, RunContext, StoreRole};

pub async fn run(args: StatusArgs, settings: &Settings, ctx: &RunContext) -> Result<i32> {
    if args.stores.is_empty() {
        return Err(Error::config("no stores to read")
            .with_hint("name stores with --stores, e.g. --stores folder:./photos"));
    }
    refuse_replacing_what_the_run_reads(&args)?;
    let mut stores: Vec<Box<dyn PhotoStore>> = Vec::new();
    for spec in &args.stores {
        stores.push(store::open(spec, StoreRole::Read, ctx).await?);
    }
    let input = crate::input::open_with_settings(&args.input, ctx.directory()).await?;
    // `--out report.html` alone means the HTML report.
    let format = args.format.or_else(|| {
        let ext = args
            .out
            .as_ref()?
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        matches!(ext.as_str(), "html" | "htm").then_some(Format::Html)
    });
    let opts = StatusOptions {
        concurrency: args.concurrency,
        fail_on_drift: args.fail_on_drift,
        progress: args.progress,
        stop: super::stop_on_signals(ctx),
        thumbnails: format == Some(Format::Html) || args.report.is_some(),
        identity: engine::identity::Policy {
            allow_cloud_only_match: settings.allow_cloud_only_match,
        },
        state: match &args.state {
            Some(path) => Some(Arc::new(SyncState::open_read_only(path)?)),
            None => None,
        },
    };
    let Some(out) = &args.out else {
        let sink = super::sink_for(format, settings, ctx)?;
        let Some(report) = &args.report else {
            let mut sink = sink;
            return Ok(engine::run_status(input, &stores, &opts, sink.as_mut())
                .await
                .exit_code);
        };
        // The records to stdout and the page to --report, from one run.
        let mut page_out = ReportOut::open(report).map_err(|e| out_error(report, e))?;
        let file = page_out.file().map_err(|e| out_error(report, e))?;
        let mut tee = ReportTee {
            records: sink,
            report: ReportSink::new(Box::new(BufWriter::new(file))),
            failed: None,
        };
        let summary = engine::run_status(input, &stores, &opts, &mut tee).await;
        let ReportTee {
            report: page,
            failed,
            ..
        } = tee;
        drop(page);
        if let Some(e) = failed {
            return Err(out_error(report, e));
        }
        page_out.finish(&opts)?;
        return Ok(summary.exit_code);
    };
    let mut destination = ReportOut::open(out).map_err(|e| out_error(out, e))?;
    let file = destination.file().map_err(|e| out_error(out, e))?;
    let mut sink = super::sink_to(format, Box::new(BufWriter::new(file)), false, settings, ctx)?;
    let summary = engine::run_status(input, &stores, &opts, sink.as_mut()).await;
    drop(sink);
    destination.finish(&opts)?;
    Ok(summary.exit_code)
}

/// `--out` or `--report` naming the input, the state file or each other (a swapped or
/// tab-completed argument) would replace a file the admin curated with this run's output:
/// refused before anything is read or written. Devices and pipes are written into, not
/// replaced, so they may be named twice (`/dev/null`).
fn refuse_replacing_what_the_run_reads(args: &StatusArgs) -> Result<()> {
    type Named = (&'static str, PathBuf);
    let given = |flag: &'static str, path: &Option<PathBuf>| {
        path.clone()
            .filter(|p| p.as_os_str() != "-")
            .map(|p| (flag, p))
    };
    let outputs: Vec<_> = [given("--out", &args.out), given("--report", &args.report)]
        .into_iter()
        .flatten()
        .collect();
    let read: Vec<_> = [
        given("--input", &args.input.input),
        given("--csv", &args.input.csv),
        given("--state", &args.state),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut pairs: Vec<(&Named, &Named)> = outputs
        .iter()
        .flat_map(|out| read.iter().map(move |r| (out, r)))
        .collect();
    if let [out, report] = outputs.as_slice() {
        pairs.push((report, out));
    }
    for ((out_flag, out), (flag, path)) in pairs {
        if same_regular_file(out, path) {
            return Err(Error::config(format!(
                "{out_flag} and {flag} name the same file ({}): this run's output would replace it",
                crate::terminal::printable(&out.display().to_string()),
            ))
            .with_hint(format!("give {out_flag} another file name")));
        }
    }
    Ok(())
}

/// Whether two paths are one regular file: the same file when both exist (a link or another
/// spelling of the path counts), else the same absolute path.
fn same_regular_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(ma), Ok(mb)) => {
            ma.is_file() && mb.is_file() && {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    (ma.dev(), ma.ino()) == (mb.dev(), mb.ino())
                }
                #[cfg(not(unix))]
                {
                    std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
                }
            }
        }
        (Err(_), Err(_)) => match (std::path::absolute(a), std::path::absolute(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        _ => false,
    }
}

/// Where `--out` or `--report` writes. A regular file is written whole: beside it, renamed
/// when complete, so a failed or interrupted run never leaves half a report where the last
/// good one was; through a symlink, the file it points to is replaced and the link stays.
/// Anything else already there (a device, a FIFO, a terminal) is written into as it is:
/// renaming over it would replace it with a regular file.
enum ReportOut {
    Whole { partial: PartialFile, path: PathBuf },
    Into(File),
}

impl ReportOut {
    fn open(path: &Path) -> std::io::Result<Self> {
        let path = match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                return Ok(ReportOut::Into(OpenOptions::new().write(true).open(path)?));
            }
            Ok(meta) if meta.is_file() => std::fs::canonicalize(path)?,
            _ => path.to_path_buf(),
        };
        let partial = PartialFile::beside(&path)?;
        Ok(ReportOut::Whole { partial, path })
    }

    fn file(&mut self) -> std::io::Result<File> {
        match self {
            ReportOut::Whole { partial, .. } => partial.file().try_clone(),
            ReportOut::Into(file) => file.try_clone(),
        }
    }

    fn finish(self, opts: &StatusOptions) -> Result<()> {
        match self {
            ReportOut::Whole { partial, path } => finish(partial, &path, opts),
            // What was written is there already: a stream has no last good copy to keep.
            ReportOut::Into(_) => Ok(()),
        }
    }
}

/// Put a complete page in place. A stopped run saw only some users: its page goes beside the
/// last complete one, which is left as it was.
fn finish(partial: PartialFile, out: &Path, opts: &StatusOptions) -> Result<()> {
    if opts.stop.reason().is_some() {
        let aside = interrupted_path(out);
        partial
            .rename_to(&aside)
            .map_err(|e| out_error(&aside, e))?;
        tracing::warn!(
            "the run was stopped: its partial report is {}; {} is left as it was",
            crate::terminal::printable(&aside.display().to_string()),
            crate::terminal::printable(&out.display().to_string()),
        );
        return Ok(());
    }
    partial.rename_to(out).map_err(|e| out_error(out, e))
}

/// Records to their sink, and every record also to the HTML report (`--report`). A report
/// that cannot be written does not stop the records: the failure is kept and said at the end.
struct ReportTee {
    records: Box<dyn RecordSink>,
    report: ReportSink,
    failed: Option<std::io::Error>,
}

impl RecordSink for ReportTee {
    fn emit(&mut self, record: &OutputRecord) -> std::io::Result<()> {
        if self.failed.is_none()
            && let Err(e) = self.report.emit(record)
        {
            self.failed = Some(e);
        }
        self.records.emit(record)
    }
}

/// `report.html` → `report.partial.html` (the extension kept, so it still opens in a browser).
fn interrupted_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().unwrap_or_default().to_string_lossy();
    let name = match out.extension() {
        Some(ext) => format!("{stem}.partial.{}", ext.to_string_lossy()),
        None => format!("{stem}.partial"),
    };
    out.with_file_name(name)
}

fn out_error(path: &Path, e: std::io::Error) -> Error {
    Error::config(format!("cannot write {}: {e}", path.display()))
        .with_hint("check the path given to --out or --report and that its folder exists")
}
