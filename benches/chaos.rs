//! Benchmark (not a test): the figures behind docs/performance.md's incremental and chaos
//! sections, against the emulator and the real binary.
//!
//! * Incremental: `sync --state` over `BENCH_INCREMENTAL_USERS` (20000) users with 50 ms
//!   latency per response; then the same input again with the state (verified users are
//!   skipped without calls) and again without it (every user is read and compared).
//! * Chaos: `BENCH_CHAOS_USERS` (10000) users with every fault at once and `kill -9` at
//!   random moments, re-run with the same state until complete (the chaos test's driver).
//!
//! Run: `cargo bench --bench chaos` (release build). `BENCH_ONLY=incremental|chaos` runs one.

#[path = "../tests/cloud/chaos_driver.rs"]
mod chaos_driver;

use std::time::{Duration, Instant};

use chaos_driver::{ChaosConfig, Stop, run_chaos};

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (HTTP requests, API calls): batch sub-requests are logged as `batch:<route>`.
fn request_counts(counters: &photosync_emulator::Counters) -> (u64, u64) {
    let (mut http, mut calls) = (0, 0);
    for (route, n) in &counters.requests_per_route {
        if route.starts_with("batch:") {
            calls += n;
        } else {
            http += n;
            if route != "graph.batch" {
                calls += n;
            }
        }
    }
    (http, calls)
}

fn incremental(users: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ChaosConfig::every_fault(users);
    config.faults = photosync_emulator::Faults {
        latency_ms: 50,
        ..photosync_emulator::Faults::default()
    };
    // Graph's documented write budget (3,000 / 150 s) would make the first run ~17 minutes.
    config.faults.throttle.writes = None;
    config.token_lifetime = Duration::from_secs(3599);
    config.stops = Vec::new();
    config.concurrency = 128;
    config.max_runs = 1;
    let (emu, first) = run_chaos(&config, dir.path());
    let first_run = first.final_run();
    let input = dir.path().join("users.jsonl");
    let state = dir.path().join("state.jsonl");
    let run = |with_state: bool| {
        emu.admin().reset_counters();
        let started = Instant::now();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_photosync"));
        cmd.env_clear()
            .env("PHOTOSYNC_GRAPH_URL", emu.graph_url())
            .env("PHOTOSYNC_LOGIN_URL", emu.login_url())
            .env("PHOTOSYNC_TENANT_ID", emu.tenant_id())
            .env(
                "PHOTOSYNC_CLIENT_ID",
                "aaaaaaaa-0000-0000-0000-00000000000c",
            )
            .env("PHOTOSYNC_CLIENT_SECRET", "chaos-secret")
            .args([
                "sync",
                "--source",
                "input",
                "--targets",
                "graph",
                "--progress",
                "none",
            ])
            .args(["--concurrency", "128"])
            .arg("--input")
            .arg(&input);
        if with_state {
            cmd.arg("--state").arg(&state);
        }
        let out = cmd.output().expect("photosync runs");
        let secs = started.elapsed().as_secs_f64();
        let (http, calls) = request_counts(&emu.admin().counters());
        let skipped = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("\"type\":\"result\"") && l.contains("\"skipped\""))
            .count();
        (secs, http, calls, skipped, out.status.code())
    };
    let (first_http, first_calls) = request_counts(&emu.admin().counters());
    let with_state = run(true);
    let without_state = run(false);
    let load = Instant::now();
    let loaded = photosync::state::SyncState::open_read_only(&state).expect("state");
    let load_ms = load.elapsed().as_secs_f64() * 1000.0;
    println!("incremental, {users} users, 50 ms latency, --concurrency 128:");
    println!(
        "  first sync:            {:6.1} s  {first_http:>7} HTTP requests  {first_calls:>7} API calls  (exit {:?})",
        first_run.seconds, first_run.exit_code
    );
    for (name, (secs, http, calls, skipped, code)) in [
        ("re-run with --state", with_state),
        ("re-run without state", without_state),
    ] {
        println!(
            "  {name:<22} {secs:6.1} s  {http:>7} HTTP requests  {calls:>7} API calls  {skipped} skipped (exit {code:?})"
        );
    }
    println!(
        "  state file: {} entries, {:.1} MB, loaded in {load_ms:.0} ms",
        loaded.stats().entries,
        loaded.stats().file_bytes as f64 / 1e6
    );
}

fn chaos(users: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ChaosConfig::every_fault(users);
    config.faults.throttle.writes = None;
    config.concurrency = 128;
    config.stop_after = (Duration::from_secs(2), Duration::from_secs(20));
    config.stops = vec![Stop::Kill, Stop::Kill, Stop::Kill, Stop::Interrupt];
    config.max_runs = 20;
    let (_emu, report) = run_chaos(&config, dir.path());
    let kills = report
        .runs
        .iter()
        .filter(|r| r.stopped == Some(Stop::Kill))
        .count();
    let interrupts = report
        .runs
        .iter()
        .filter(|r| r.stopped == Some(Stop::Interrupt))
        .count();
    let writes: Vec<u64> = report.writes_per_user.values().copied().collect();
    let total: u64 = writes.iter().sum();
    let missing = report
        .upns
        .iter()
        .filter(|u| !report.final_users().contains(*u))
        .count();
    println!("chaos, {users} users, every fault, --concurrency 128:");
    println!(
        "  {} runs ({kills} killed, {interrupts} interrupted, {} to completion) in {:.1} s",
        report.runs.len(),
        report.runs.len() - kills - interrupts,
        report.seconds
    );
    for (i, run) in report.runs.iter().enumerate() {
        let results = run.records.iter().filter(|r| r["type"] == "result").count();
        println!(
            "    run {}: {:?} after {:.1} s, exit {:?}, {results} results",
            i + 1,
            run.stopped,
            run.seconds,
            run.exit_code
        );
    }
    println!(
        "  faults: {} 429s, {} injected 503/504, {} 503s and {} dropped answers after a write was stored, {} dropped connections, {} tokens issued",
        report.throttled_429,
        report.injected_5xx,
        report.failed_after_processing,
        report.dropped_after_processing,
        report.dropped_connections,
        report.tokens_issued
    );
    println!(
        "  writes: {total} for {users} users (min {}, max {}); users written twice in one run: {}; \
         rewrites after a verified write: {}; wrong pictures: {}; users missing from the final run: {missing}",
        writes.iter().min().unwrap_or(&0),
        writes.iter().max().unwrap_or(&0),
        report.written_twice_in_a_run.len(),
        report.rewrites_after_verified.len(),
        report.wrong_pictures.len()
    );
    // The bound the chaos test asserts, held at ten times its size: a figure that breaks it is
    // a bug, not a number to print.
    assert!(
        report.written_twice_in_a_run.is_empty(),
        "written more than once in one run (user, run, writes): {:?}",
        report.written_twice_in_a_run
    );
}

fn main() {
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "incremental" {
        incremental(env_num("BENCH_INCREMENTAL_USERS", 20_000));
    }
    if only.is_empty() || only == "chaos" {
        chaos(env_num("BENCH_CHAOS_USERS", 10_000));
    }
}
