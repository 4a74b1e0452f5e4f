//! `photosync sync`: open the source, the targets and the input, run the engine.

use crate::cli::InputArgs;
use crate::cli::SyncArgs;
use crate::engine::{self, Shard, SyncOptions, SyncSource, SyncState, state};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::store::{self, PhotoStore};

pub async fn run(args: SyncArgs, settings: &Settings) -> Result<i32> {
    // Every argument is checked before any store is opened or the state file created: a
    // usage error leaves nothing behind.
    if args.format == Some(crate::cli::Format::Html) {
        return Err(Error::config("--format html is a status report").with_hint(
            "run `photosync status ... --format html --out report.html` after the sync",
        ));
    }
    let recheck_after = state::parse_duration(&args.recheck_after)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
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
        let target = store::open_target(spec, settings).await?;
        // Said once, before any user: a store that cannot be written is a usage error.
        if !target.capabilities().can_write {
            return Err(
                Error::config(format!("the {} store cannot be written", target.name()))
                    .with_hint("pick a target that accepts writes"),
            );
        }
        targets.push(target);
    }
    if targets.is_empty() {
        return Err(Error::config("no targets to write")
            .with_hint("name targets with --targets, e.g. --targets graph"));
    }
    // A dry run reads the state to predict skips but never creates or appends to it.
    let state = match &args.state {
        Some(path) if args.dry_run => Some(SyncState::open_read_only(path)?),
        Some(path) => Some(SyncState::open(path)?),
        None => None,
    };
    let target_keys = args
        .targets
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|spec| state::target_key(spec, settings))
        .collect();
    // A shard's share of the file is not known before reading it: no total then.
    let progress_total = match args.progress {
        crate::cli::ProgressMode::None => None,
        _ if shard.is_some() => None,
        _ => input_lines(&args.input),
    };
    let input = crate::input::open_with_settings(&args.input, settings).await?;
    let opts = SyncOptions {
        concurrency: args.concurrency,
        dry_run: args.dry_run,
        force: args.force,
        progress: args.progress,
        progress_total,
        throttled: throttled_counter(&args.targets, settings),
        state,
        stop: super::stop_on_signals(),
        verify_window: std::time::Duration::from_secs(args.verify_window),
        require_verified: args.require_verified,
        target_keys,
        recheck: args.recheck,
        recheck_after,
        shard,
    };
    let mut sink = super::sink_for(args.format, settings)?;
    let summary = engine::run_sync(input, &source, &targets, &opts, sink.as_mut()).await;
    Ok(summary.exit_code)
}

/// Users in an input file, for the progress ETA: non-blank lines of a JSON Lines file, or of a
/// CSV minus its header. `None` for stdin, LDAP queries, and anything but a regular file: a
/// pipe (`--input /dev/stdin`, `<(...)`) can be read only once, and that read is the run's.
fn input_lines(input: &InputArgs) -> Option<u64> {
    use std::io::BufRead;
    let (path, header) = match (&input.input, &input.csv) {
        (Some(path), _) if path.as_os_str() != "-" => (path, 0),
        (None, Some(path)) => (path, 1),
        _ => return None,
    };
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let (mut lines, mut line) = (0u64, Vec::new());
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) if line.iter().all(u8::is_ascii_whitespace) => {}
            Ok(_) => lines += 1,
            Err(_) => return None,
        }
    }
    Some(lines.saturating_sub(header))
}

/// The 429s the run's shared cloud client has received, when a target is a cloud store.
fn throttled_counter(
    targets: &[String],
    settings: &Settings,
) -> Option<std::sync::Arc<dyn Fn() -> u64 + Send + Sync>> {
    let cloud = targets.iter().any(|t| {
        let kind = t
            .trim()
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        kind == "graph" || kind == "sharepoint"
    });
    if !cloud {
        return None;
    }
    let ctx = crate::store::cloud::context(settings).ok()?;
    Some(std::sync::Arc::new(move || ctx.http.stats().throttled))
}
