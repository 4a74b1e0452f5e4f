//! Commands: each takes parsed arguments, does its job, and returns the exit code.
//! Settings are resolved here, once, for the commands that talk to stores.

pub mod photo;
pub mod status;
pub mod sync;

use std::io::IsTerminal;

use crate::cli::{Cli, Command, Format};
use crate::engine::{JsonLinesSink, RecordSink, TableSink};
use crate::error::{Error, Result};
use crate::settings::Settings;

/// Run the parsed command line; `Err` is a setup failure that stops everything.
pub async fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Photo(cmd) => photo::run(cmd),
        Command::Schema => {
            crate::output::write_json_pretty(&crate::schema::json_schema()).ok();
            Ok(0)
        }
        Command::Status(args) => {
            let settings = Settings::resolve(&cli.connection.to_flags())?;
            status::run(args, &settings).await
        }
        Command::Sync(args) => {
            let settings = Settings::resolve(&cli.connection.to_flags())?;
            sync::run(args, &settings).await
        }
        Command::Auth(_) => Err(Error::not_available("`photosync auth test`")),
    }
}

/// JSON Lines when piped, a table on a terminal, unless `--format` says otherwise.
pub fn sink_for(format: Option<Format>, settings: &Settings) -> Box<dyn RecordSink> {
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    match format.unwrap_or(if terminal {
        Format::Table
    } else {
        Format::Json
    }) {
        Format::Json => Box::new(JsonLinesSink::new(stdout)),
        Format::Table => Box::new(TableSink::new(stdout, terminal && !settings.no_color)),
    }
}
