use clap::Parser;

use photosync::cli::Cli;
use photosync::schema::{ErrorInfo, ErrorRecord, OutputRecord, SCHEMA_VERSION};

fn main() {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = match runtime.block_on(photosync::commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // A setup failure: say it on stderr for people, and as an error record for scripts.
            eprintln!("error: {}", e.message);
            if let Some(hint) = &e.hint {
                eprintln!("hint: {hint}");
            }
            let record = OutputRecord::Error(ErrorRecord {
                schema_version: SCHEMA_VERSION,
                user: None,
                line: None,
                store: None,
                error: ErrorInfo {
                    code: e.code,
                    message: e.message.clone(),
                    hint: e.hint.clone(),
                },
            });
            photosync::output::write_json_line(&record).ok();
            e.class.exit_code()
        }
    };
    // Let blocking work still running (a photo file being renamed into place) finish, so an
    // interrupted run leaves whole files only.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    std::process::exit(code);
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env(photosync::settings::env::LOG.name)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
