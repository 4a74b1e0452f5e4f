//! `photosync sync`: open the source, the targets and the input, run the engine.

use crate::cli::SyncArgs;
use crate::engine::{self, SyncOptions, SyncSource, SyncState};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::store::{self, PhotoStore};

pub async fn run(args: SyncArgs, settings: &Settings) -> Result<i32> {
    let source = match args.source.trim() {
        "input" => SyncSource::Input,
        "" => {
            return Err(Error::config("--source is empty")
                .with_hint("use --source ad, --source input or --source folder:DIR[:RULE]"));
        }
        spec => SyncSource::Store(store::open(spec, settings).await?),
    };
    let mut targets: Vec<Box<dyn PhotoStore>> = Vec::new();
    for spec in args.targets.iter().filter(|s| !s.trim().is_empty()) {
        targets.push(store::open_target(spec, settings).await?);
    }
    if targets.is_empty() {
        return Err(Error::config("no targets to write")
            .with_hint("name targets with --targets, e.g. --targets graph"));
    }
    let state = match &args.state {
        Some(path) => Some(SyncState::open(path)?),
        None => None,
    };
    let input = crate::input::open_with_settings(&args.input, settings).await?;
    let opts = SyncOptions {
        concurrency: args.concurrency,
        dry_run: args.dry_run,
        force: args.force,
        progress: args.progress,
        state,
        verify_window: std::time::Duration::from_secs(args.verify_window),
        require_verified: args.require_verified,
    };
    let mut sink = super::sink_for(args.format, settings);
    let summary = engine::run_sync(input, &source, &targets, &opts, sink.as_mut()).await;
    Ok(summary.exit_code)
}
