//! Commands: each takes parsed arguments, does its job, and returns the exit code.
//! Settings are resolved here, once, for the commands that talk to stores.

pub mod auth;
mod dead_credential;
pub mod photo;
pub mod policy;
pub mod status;
pub mod sync;

use std::io::{IsTerminal, Write};

use crate::cli::{Cli, Command, Format};
use crate::error::Result;
use crate::output::report::ReportSink;
use crate::output::sink::{JsonLinesSink, RecordSink};
use crate::output::table::TableSink;
use crate::settings::Settings;
use crate::store::RunContext;

/// Run the parsed command line; `Err` is a setup failure that stops everything.
pub async fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Photo(cmd) => photo::run(cmd),
        Command::Schema => {
            crate::output::write_json_pretty(&crate::schema::json_schema()).ok();
            Ok(0)
        }
        Command::Status(args) => {
            let settings = Settings::resolve(&cli.connection)?;
            let ctx = RunContext::new(&settings);
            let code = status::run(args, &settings, &ctx).await;
            log_http_stats(&ctx);
            code
        }
        Command::Sync(args) => {
            let settings = Settings::resolve(&cli.connection)?;
            let ctx = RunContext::new(&settings);
            let code = sync::run(args, &settings, &ctx).await;
            log_http_stats(&ctx);
            code
        }
        Command::Policy(cmd) => {
            let settings = Settings::resolve(&cli.connection)?;
            policy::run(cmd, &RunContext::new(&settings)).await
        }
        Command::Auth(crate::cli::AuthCommand::Test) => {
            let settings = Settings::resolve(&cli.connection)?;
            auth::run(&RunContext::new(&settings)).await
        }
    }
}

/// One line on stderr (at -v) with what the cloud stores cost: requests, throttling, retries.
fn log_http_stats(ctx: &RunContext) {
    if let Some(s) = ctx.http_stats() {
        tracing::info!(
            requests = s.requests,
            throttled = s.throttled,
            server_errors = s.server_errors,
            network_errors = s.network_errors,
            retries = s.retries,
            token_refreshes = s.token_refreshes,
            "http"
        );
    }
}

/// A stop signal wired to Ctrl+C and SIGTERM, and to a credential that dies mid-run, for the
/// commands that run users (call it after the stores are open).
fn stop_on_signals(ctx: &RunContext) -> crate::engine::StopSignal {
    let stop = crate::engine::StopSignal::default();
    stop.listen_for_signals();
    dead_credential::watch(&stop, ctx);
    stop
}

/// JSON Lines when piped, a table on a terminal, unless `--format` says otherwise.
/// Call after the stores are open (the sink says why a credential died).
pub fn sink_for(
    format: Option<Format>,
    settings: &Settings,
    ctx: &RunContext,
) -> Result<Box<dyn RecordSink>> {
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    sink_to(format, Box::new(stdout), terminal, settings, ctx)
}

/// The sink for a format writing to `out` (`terminal`: whether `out` is one).
pub fn sink_to(
    format: Option<Format>,
    out: Box<dyn Write + Send>,
    terminal: bool,
    settings: &Settings,
    ctx: &RunContext,
) -> Result<Box<dyn RecordSink>> {
    let sink: Box<dyn RecordSink> = match format.unwrap_or(if terminal {
        Format::Table
    } else {
        Format::Json
    }) {
        Format::Json => Box::new(JsonLinesSink::new(out)),
        Format::Table => Box::new(TableSink::new(out, terminal && !settings.no_color)),
        Format::Html => Box::new(ReportSink::new(out)),
    };
    Ok(Box::new(dead_credential::NoticeSink::new(sink, ctx)))
}
