//! Commands: each takes parsed arguments, does its job, and returns the exit code.

pub mod photo;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};

/// Run the parsed command line; `Err` is a setup failure that stops everything.
pub async fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Photo(cmd) => photo::run(cmd),
        Command::Schema => {
            crate::output::write_json_pretty(&crate::schema::json_schema()).ok();
            Ok(0)
        }
        Command::Status(_) => Err(Error::not_available("`photosync status`")),
        Command::Sync(_) => Err(Error::not_available("`photosync sync`")),
        Command::Auth(_) => Err(Error::not_available("`photosync auth test`")),
    }
}
