//! `photosync status`: open the input and the stores, run the engine, return the exit code.

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{Format, StatusArgs};
use crate::engine::{self, StatusOptions};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::state::SyncState;
use crate::store::{self, PhotoStore, RunContext, StoreRole};

pub async fn run(args: StatusArgs, settings: &Settings, ctx: &RunContext) -> Result<i32> {
    if args.stores.is_empty() {
        return Err(Error::config("no stores to read")
            .with_hint("name stores with --stores, e.g. --stores folder:./photos"));
    }
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
        stop: super::stop_on_signals(),
        thumbnails: format == Some(Format::Html),
        identity: engine::identity::Policy {
            allow_cloud_only_match: settings.allow_cloud_only_match,
        },
        state: match &args.state {
            Some(path) => Some(Arc::new(SyncState::open_read_only(path)?)),
            None => None,
        },
    };
    let Some(out) = &args.out else {
        let mut sink = super::sink_for(format, settings)?;
        return Ok(engine::run_status(input, &stores, &opts, sink.as_mut())
            .await
            .exit_code);
    };
    // Written beside the target and renamed when complete: a failed or interrupted run never
    // leaves half a report where the last good one was.
    let partial = partial_path(out);
    let file = std::fs::File::create(&partial).map_err(|e| out_error(&partial, e))?;
    let mut sink = super::sink_to(format, Box::new(BufWriter::new(file)), false, settings)?;
    let summary = engine::run_status(input, &stores, &opts, sink.as_mut()).await;
    drop(sink);
    std::fs::rename(&partial, out).map_err(|e| out_error(out, e))?;
    Ok(summary.exit_code)
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

fn out_error(path: &Path, e: std::io::Error) -> Error {
    Error::config(format!("cannot write {}: {e}", path.display()))
        .with_hint("check the path given to --out and that its folder exists")
}
