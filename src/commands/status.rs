//! `photosync status`: open the input and the stores, run the engine, return the exit code.

use crate::cli::StatusArgs;
use crate::engine::{self, StatusOptions};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::store::{self, PhotoStore};

pub async fn run(args: StatusArgs, settings: &Settings) -> Result<i32> {
    if args.stores.iter().all(|s| s.trim().is_empty()) {
        return Err(Error::config("no stores to read")
            .with_hint("name stores with --stores, e.g. --stores folder:./photos"));
    }
    let mut stores: Vec<Box<dyn PhotoStore>> = Vec::new();
    for spec in args.stores.iter().filter(|s| !s.trim().is_empty()) {
        stores.push(store::open(spec, settings).await?);
    }
    let input = crate::input::open_with_settings(&args.input, settings).await?;
    let opts = StatusOptions {
        concurrency: args.concurrency,
        fail_on_drift: args.fail_on_drift,
        progress: args.progress,
        stop: super::stop_on_signals(),
    };
    let mut sink = super::sink_for(args.format, settings);
    let summary = engine::run_status(input, &stores, &opts, sink.as_mut()).await;
    Ok(summary.exit_code)
}
