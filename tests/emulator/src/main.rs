//! `photosync-emulator`: serves a seeded Microsoft 365 tenant on loopback until killed and
//! prints one JSON line with its URLs on stdout (logs, if any, go to stderr).

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use photosync_emulator::{Emulator, Faults, Options, Seed, TlsOptions};

#[derive(Parser)]
#[command(
    version,
    about = "A local Microsoft 365 tenant emulator for PhotoSync (Entra tokens, Graph photos, SharePoint profiles)."
)]
struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
    /// Seed JSON file (users, apps, policy). Defaults to the shipped example tenant.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Latency added to every emulated API response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fault settings as JSON (the `Faults` shape, see docs/emulator.md), e.g.
    /// '{"error503Rate":0.05,"throttle":{"resourceUnits":100}}'. May be a @FILE.
    #[arg(long)]
    fault: Option<String>,
    /// Also serve HTTPS with a generated test CA written to this directory (ca.crt).
    #[arg(long)]
    tls_dir: Option<PathBuf>,
    /// Lifetime of issued tokens in seconds.
    #[arg(long, default_value_t = 3599)]
    token_lifetime_secs: u64,
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let seed = match &cli.seed {
        Some(p) => Seed::from_json_file(p)?,
        None => Seed::example()?,
    };
    let mut faults: Faults = match &cli.fault {
        None => Faults::default(),
        Some(s) => {
            let text = match s.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read fault file {path}: {e}"))?,
                None => s.clone(),
            };
            serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!("--fault is not valid Faults JSON: {e}\nhint: see docs/emulator.md")
            })?
        }
    };
    if cli.latency_ms > 0 {
        faults.latency_ms = cli.latency_ms;
    }
    let options = Options {
        listen: cli.listen,
        faults,
        token_lifetime: std::time::Duration::from_secs(cli.token_lifetime_secs),
        tls: cli.tls_dir.map(|d| TlsOptions { dir: Some(d) }),
        ..Options::default()
    };
    let emu = Emulator::start(seed, options)?;
    let line = serde_json::to_string(emu.endpoints())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    drop(out);
    // Serve until killed.
    loop {
        std::thread::park();
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("photosync-emulator: error: {e:#}");
        std::process::exit(2);
    }
}
