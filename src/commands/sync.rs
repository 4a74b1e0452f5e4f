//! `photosync sync`: open the source, the targets and the input, run the engine.

use crate::cli::{InputArgs, SyncArgs};
use crate::engine::{self, Shard, SyncOptions, SyncSource};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::state::{self, SyncState};
use crate::store::{self, PhotoStore, RunContext, SourceSpec, StoreClass, StoreRole};

pub async fn run(args: SyncArgs, settings: &Settings, ctx: &RunContext) -> Result<i32> {
    // Every argument is checked before any store is opened or the state file created: a
    // usage error leaves nothing behind.
    if args.format == Some(crate::cli::Format::Html) {
        return Err(Error::config("--format html is a status report").with_hint(
            "run `photosync status ... --format html --out report.html` after the sync",
        ));
    }
    let recheck_after = state::parse_duration(&args.recheck_after)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let source = match &args.source {
        SourceSpec::Input => SyncSource::Input,
        SourceSpec::Store(spec) => {
            SyncSource::Store(store::open(spec, StoreRole::Read, ctx).await?)
        }
    };
    let mut targets: Vec<Box<dyn PhotoStore>> = Vec::new();
    // Where each target writes: a place named twice would write every user there twice.
    let mut places: Vec<(String, String)> = Vec::new();
    for spec in &args.targets {
        let target = store::open(spec, StoreRole::Target, ctx).await?;
        let place = target
            .state_key()
            .unwrap_or_else(|| target.name().to_string());
        if let Some((earlier, _)) = places.iter().find(|(_, p)| *p == place) {
            return Err(Error::config(format!(
                "--targets names one place twice: `{earlier}` and `{spec}` both write {place}"
            ))
            .with_hint("name each target once"));
        }
        places.push((spec.to_string(), place));
        // Said once, before any user: a store that cannot be written is a usage error.
        if !target.capabilities().can_write {
            return Err(
                Error::config(format!("the {} store cannot be written", target.name()))
                    .with_hint("pick a target that accepts writes"),
            );
        }
        // Entries keyed by an unknown place would mix two places' users up.
        if args.state.is_some() && target.state_key().is_none() {
            return Err(Error::config(format!(
                "--state cannot tell where the {} target writes, so its entries could be \
                 mistaken for another place's",
                target.name()
            ))
            .with_hint(
                "for a cloud store, set PHOTOSYNC_TENANT_ID (the token names no tenant); or run without --state",
            ));
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
    // A shard's share of the file is not known before reading it: no total then.
    let progress_total = match args.progress {
        crate::output::progress::ProgressMode::None => None,
        _ if shard.is_some() => None,
        _ => input_lines(&args.input),
    };
    let input = crate::input::open_with_settings(&args.input, ctx.directory()).await?;
    let opts = SyncOptions {
        concurrency: args.concurrency,
        dry_run: args.dry_run,
        force: args.force,
        progress: args.progress,
        progress_total,
        throttled: throttled_counter(&targets, ctx),
        state,
        stop: super::stop_on_signals(ctx),
        verify_window: std::time::Duration::from_secs(args.verify_window),
        require_verified: args.require_verified,
        recheck: args.recheck,
        recheck_after,
        shard,
        identity: engine::identity::Policy {
            allow_cloud_only_match: settings.allow_cloud_only_match,
        },
        only_missing: args.only_missing,
        keep_outside_changes: args.keep_outside_changes,
        default_photo: args
            .default_photo
            .as_deref()
            .map(default_photo)
            .transpose()?,
    };
    let mut sink = super::sink_for(args.format, settings, ctx)?;
    let summary = engine::run_sync(input, &source, &targets, &opts, sink.as_mut()).await;
    Ok(summary.exit_code)
}

/// `--default-photo FILE`, decoded once before any user: a bad file stops the run at once.
fn default_photo(path: &std::path::Path) -> Result<crate::photo::SourcePhoto> {
    let shown = path.display();
    let limits = crate::photo::DecodeLimits::default();
    // Read like any photo file: a regular file only, never past the byte limit.
    let bytes = crate::photo::read_photo_file(path, limits.max_bytes).map_err(|e| {
        Error::config(format!(
            "cannot read --default-photo {shown}: {}",
            e.message
        ))
        .with_hint("give the path of a JPEG or PNG picture")
    })?;
    crate::photo::load(&bytes, &limits).map_err(|e| {
        Error::config(format!("--default-photo {shown}: {}", e.message))
            .with_hint("give a JPEG or PNG picture")
    })
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
    targets: &[Box<dyn PhotoStore>],
    ctx: &RunContext,
) -> Option<std::sync::Arc<dyn Fn() -> u64 + Send + Sync>> {
    if !targets
        .iter()
        .any(|t| t.capabilities().class == StoreClass::Cloud)
    {
        return None;
    }
    let cloud = ctx.cloud().ok()?;
    Some(std::sync::Arc::new(move || cloud.http.stats().throttled))
}
