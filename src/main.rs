use clap::Parser;

use photosync::cli::Cli;
use photosync::schema::{ErrorCode, ErrorInfo, ErrorRecord, OutputRecord, SCHEMA_VERSION};
use photosync::terminal::{SafeStderr, printable};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => usage_error(e),
    };
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
            setup_error_record(ErrorInfo {
                code: e.code,
                message: e.message.clone(),
                hint: e.hint.clone(),
            });
            e.class.exit_code()
        }
    };
    // Let blocking work still running (a photo file being renamed into place) finish, so an
    // interrupted run leaves whole files only.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    std::process::exit(code);
}

/// The one error record of a run that could not start (scripts and the PowerShell module read
/// it instead of parsing stderr).
fn setup_error_record(error: ErrorInfo) {
    let record = OutputRecord::Error(ErrorRecord {
        schema_version: SCHEMA_VERSION,
        user: None,
        line: None,
        store: None,
        error,
    });
    photosync::output::write_json_line(&record).ok();
}

/// A command line clap refused (an unknown store, a bad flag value): clap's message on stderr
/// and, like every setup failure, one error record on stdout; exit 2. Help and the version
/// are printed as asked.
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let rendered = e.to_string();
    // clap quotes the bad value as typed: line by line through `printable`, like every message.
    for line in rendered.lines() {
        eprintln!("{}", printable(line));
    }
    let mut lines = rendered.lines().map(str::trim);
    let message = lines
        .next()
        .map(|l| l.trim_start_matches("error:").trim().to_string())
        .unwrap_or_else(|| "the command line is not valid".to_string());
    let hint = lines
        .find_map(|l| l.strip_prefix("hint:"))
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|| "run `photosync --help` for the usage".to_string());
    setup_error_record(ErrorInfo {
        code: ErrorCode::Config,
        message,
        hint: Some(hint),
    });
    std::process::exit(2);
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
    // Log fields quote servers and records: every line goes through `SafeStderr`, plain text.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| SafeStderr)
        .init();
}
