use clap::Parser;

use photosync::cli::Cli;
use photosync::schema::{ErrorInfo, ErrorRecord, OutputRecord, SCHEMA_VERSION};
use photosync::terminal::{SafeStderr, printable};

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
            // Messages may quote a server or an input record: never raw to the terminal.
            eprintln!("error: {}", printable(&e.message));
            if let Some(hint) = &e.hint {
                eprintln!("hint: {}", printable(hint));
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
    let filter = tracing_subscriber::EnvFilter::try_from_env(photosync::settings::ENV_LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Log fields quote servers and records: every line goes through `SafeStderr`, plain text.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| SafeStderr)
        .init();
}
