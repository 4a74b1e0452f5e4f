//! Benchmark (not a test): `photosync status` and `sync` against the emulator under Outlook's
//! concurrency limit for photo calls (spec §12), under both models the service may apply:
//! 4 in flight per app (Microsoft's documentation) and 4 per app+mailbox (more lenient).
//!
//! Per model: status of 100,000 users and sync of 10,000 at 10 ms added latency, and status of
//! 10,000 at 50 ms. Each run reports users/s and its throughput as a share of the tightest
//! bound: Outlook's (allowed in-flight calls ÷ latency ÷ Outlook calls per user, counted at
//! the emulator), the tenant's resource units (8,000 at once, then 800 per second), and for
//! one sync Graph's write budget (3,000 writes at once, then 20 per second); then the 429s
//! received and peak RSS. The other syncs run without the write budget, so they measure the
//! Outlook limit. In the per-mailbox model every user is its own mailbox, so the allowed
//! in-flight calls are photosync's own cap (`http::outlook::MAX_LIMIT`).
//!
//! Run: `cargo bench --bench cloud` (release build). Knobs (environment):
//! `BENCH_STATUS_USERS` (100000), `BENCH_SYNC_USERS` (10000), `BENCH_SLOW_STATUS_USERS`
//! (10000), `BENCH_MODELS` (`app,mailbox`), `BENCH_CONCURRENCY` (128).

use std::io::{Cursor, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use image::{ImageFormat, Rgb, RgbImage};
use photosync_emulator::{
    Emulator, Faults, Options, OutlookScope, RunningEmulator, Seed, SeedApp, SeedUser,
    ThrottleLimits,
};

const CLIENT: &str = "aaaaaaaa-0000-0000-0000-00000000000a";
const SECRET: &str = "bench-secret";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn upn(i: usize) -> String {
    format!("user{i}@contoso.test")
}

/// A small picture unique to `i` (stripes whose widths encode the number).
fn photo(i: usize) -> Vec<u8> {
    let img = RgbImage::from_fn(96, 96, |x, y| {
        let band = ((x / 12) as usize + (y / 12) as usize * 8) % 64;
        let bit = (i.wrapping_mul(2654435761) >> (band % 32)) & 1;
        let v = if bit == 1 { 230 } else { 25 };
        Rgb([v, (v as u32 * (x + 1) / 97) as u8, (255 - v) / 2])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg).expect("jpeg");
    out.into_inner()
}

struct Measured {
    seconds: f64,
    users: usize,
    /// HTTP requests the emulator received (a `$batch` counts once).
    requests: u64,
    /// API calls inside those requests (each batched sub-request counts).
    api_calls: u64,
    /// Photo (Outlook-class) calls among them.
    outlook_calls: u64,
    throttled: u64,
    peak_rss_kb: u64,
    /// User + system CPU seconds of the photosync child (sampled with its peak RSS).
    cpu_seconds: f64,
    ok_users: usize,
    exit_code: i32,
}

/// Photo routes, batched or not: the calls Outlook's concurrency limit counts.
fn outlook_calls(counters: &photosync_emulator::Counters) -> u64 {
    counters
        .requests_per_route
        .iter()
        .filter(|(route, _)| {
            route
                .trim_start_matches("batch:")
                .starts_with("graph.photo")
        })
        .map(|(_, n)| n)
        .sum()
}

/// (HTTP requests, API calls): batch sub-requests are logged as `batch:<route>`.
fn request_counts(counters: &photosync_emulator::Counters) -> (u64, u64) {
    let mut http = 0;
    let mut calls = 0;
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

/// User + system CPU seconds a running process has used so far (`/proc/PID/stat`), which
/// the machine's load changes far less than wall time.
fn cpu_seconds_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which ends at the last ')': utime and stime are 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // In clock ticks of USER_HZ, which Linux fixes at 100 for /proc on every common platform.
    Some(ticks as f64 / 100.0)
}

/// Run photosync with `args`, feeding `input`, sampling the child's VmHWM until it exits.
fn run_photosync(emu: &RunningEmulator, args: &[&str], input: String, ok_type: &str) -> Measured {
    emu.admin().reset_counters();
    let mut child = Command::new(env!("CARGO_BIN_EXE_photosync"))
        .env_clear()
        .env("PHOTOSYNC_GRAPH_URL", emu.graph_url())
        .env("PHOTOSYNC_LOGIN_URL", emu.login_url())
        .env("PHOTOSYNC_TENANT_ID", emu.tenant_id())
        .env("PHOTOSYNC_CLIENT_ID", CLIENT)
        .env("PHOTOSYNC_CLIENT_SECRET", SECRET)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("photosync starts");
    let started = Instant::now();
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = child.stdout.take().expect("stdout");
    let ok_type = ok_type.to_string();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut ok = 0usize;
        let mut users = 0usize;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if v["type"] == ok_type {
                users += 1;
                let fine = match ok_type.as_str() {
                    "status" => v["verdict"] != "error",
                    _ => v["action"] == "updated" || v["action"] == "skipped",
                };
                if fine {
                    ok += 1;
                }
            }
        }
        (users, ok)
    });
    let mut peak = 0u64;
    let mut cpu_seconds = 0f64;
    let status = loop {
        if let Some(cpu) = cpu_seconds_of(pid) {
            cpu_seconds = cpu;
        }
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    feeder.join().ok();
    let (users, ok_users) = reader.join().expect("reader");
    let counters = emu.admin().counters();
    Measured {
        seconds,
        users,
        requests: request_counts(&counters).0,
        api_calls: request_counts(&counters).1,
        outlook_calls: outlook_calls(&counters),
        throttled: counters.throttled_429,
        peak_rss_kb: peak,
        cpu_seconds,
        ok_users,
        exit_code: status.code().unwrap_or(-1),
    }
}

struct Model {
    name: &'static str,
    scope: OutlookScope,
    /// Outlook calls the service lets this app have in flight for this workload.
    allowed_in_flight: f64,
}

/// Graph's documented write budget per app (the emulator's default): a bucket of 3,000 that
/// refills over 150 s.
const WRITE_BUDGET: f64 = 3_000.0;
const WRITE_REFILL_PER_S: f64 = 3_000.0 / 150.0;
/// The tenant's resource-unit budget (documented; the emulator's default for a tenant over 500
/// users): a bucket of 8,000 that refills over 10 s. Every call these runs make costs 1 unit.
const RESOURCE_UNITS: f64 = 8_000.0;
const RU_REFILL_PER_S: f64 = 8_000.0 / 10.0;

/// Users per second if spending `spent` from a bucket of `capacity` that refills at `refill`
/// per second: the bucket empties, then refills at its rate.
fn bucket_bound(users: f64, spent: f64, capacity: f64, refill: f64) -> f64 {
    let seconds = (spent - capacity).max(0.0) / refill;
    if seconds > 0.0 {
        users / seconds
    } else {
        f64::INFINITY
    }
}

/// `write_budget`: the run writes one photo per user under Graph's write budget.
fn report(name: &str, model: &Model, latency_ms: u64, write_budget: bool, m: &Measured) {
    let users = m.users as f64;
    let rate = users / m.seconds;
    let per_user = m.outlook_calls as f64 / users.max(1.0);
    let mut bounds = vec![(
        model.allowed_in_flight / (latency_ms as f64 / 1000.0) / per_user.max(1e-9),
        format!(
            "{} in flight / {latency_ms} ms / {per_user:.2} Outlook calls per user",
            model.allowed_in_flight
        ),
    )];
    // The calls the work needed (a refused call costs a unit too, but is not work).
    let units = m.api_calls.saturating_sub(m.throttled) as f64;
    bounds.push((
        bucket_bound(users, units, RESOURCE_UNITS, RU_REFILL_PER_S),
        format!(
            "the tenant's resource units, {RESOURCE_UNITS} at once then {RU_REFILL_PER_S} per second, {:.2} per user",
            units / users.max(1.0)
        ),
    ));
    if write_budget {
        bounds.push((
            bucket_bound(users, users, WRITE_BUDGET, WRITE_REFILL_PER_S),
            format!(
                "Graph's write budget, {WRITE_BUDGET} writes at once then {WRITE_REFILL_PER_S} per second"
            ),
        ));
    }
    let (bound, why) = bounds
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .expect("one bound at least");
    println!("## {name} — {} model, {latency_ms} ms", model.name);
    println!(
        "users: {} (ok {}, lost {}), exit code {}",
        m.users,
        m.ok_users,
        m.users.saturating_sub(m.ok_users),
        m.exit_code
    );
    println!(
        "time: {:.1} s, {:.0} users/s = {:.0} % of the bound ({:.0} users/s: {why})",
        m.seconds,
        rate,
        100.0 * rate / bound,
        bound,
    );
    println!(
        "HTTP requests: {}, API calls: {}, Outlook calls: {}, 429s received: {} ({:.2} % of API calls, {:.2} % of Outlook calls)",
        m.requests,
        m.api_calls,
        m.outlook_calls,
        m.throttled,
        100.0 * m.throttled as f64 / m.api_calls.max(1) as f64,
        100.0 * m.throttled as f64 / m.outlook_calls.max(1) as f64
    );
    println!(
        "peak RSS: {:.1} MB, photosync CPU (user+sys): {:.1} s = {:.2} ms per user",
        m.peak_rss_kb as f64 / 1024.0,
        m.cpu_seconds,
        1000.0 * m.cpu_seconds / users.max(1.0)
    );
    println!();
}

fn set_model(emu: &RunningEmulator, model: &Model, latency_ms: u64, write_budget: bool) {
    let defaults = ThrottleLimits::default();
    emu.admin().set_faults(Faults {
        latency_ms,
        throttle: ThrottleLimits {
            outlook_scope: model.scope,
            writes: defaults.writes.filter(|_| write_budget),
            ..defaults
        },
        ..Faults::default()
    });
    emu.admin().reset_throttling();
}

fn status_input(users: usize) -> String {
    (0..users)
        .map(|i| format!("{{\"userPrincipalName\":\"{}\"}}\n", upn(i)))
        .collect()
}

fn main() {
    let status_users = env_num("BENCH_STATUS_USERS", 100_000);
    let sync_users = env_num("BENCH_SYNC_USERS", 10_000).min(status_users);
    let slow_users = env_num("BENCH_SLOW_STATUS_USERS", 10_000).min(status_users);
    let concurrency = env_num("BENCH_CONCURRENCY", 128).to_string();
    let wanted = std::env::var("BENCH_MODELS").unwrap_or_else(|_| "app,mailbox".into());
    let models: Vec<Model> = [
        Model {
            name: "per-app",
            scope: OutlookScope::App,
            allowed_in_flight: 4.0,
        },
        Model {
            name: "per-app+mailbox",
            scope: OutlookScope::AppMailbox,
            allowed_in_flight: photosync::http::outlook::MAX_LIMIT as f64,
        },
    ]
    .into_iter()
    .filter(|m| {
        let key = if m.scope == OutlookScope::App {
            "app"
        } else {
            "mailbox"
        };
        wanted.split(',').any(|w| w.trim() == key)
    })
    .collect();

    let mut seed = Seed::new().app(SeedApp::with_secret(CLIENT, SECRET).graph_roles(&[
        "User.Read.All",
        "ProfilePhoto.ReadWrite.All",
        "PeopleSettings.Read.All",
    ]));
    for i in 0..status_users {
        let mut u = SeedUser::new(&upn(i));
        if i >= sync_users && i % 2 == 0 {
            u = u.generated_photo(96, 96, (i % 256) as u8);
        }
        seed = seed.user(u);
    }
    let t = Instant::now();
    let emu = Emulator::start(seed, Options::default()).expect("emulator");
    println!("# photosync cloud benchmark\n");
    println!(
        "emulator: {status_users} users seeded in {:.1} s (users {sync_users}+: every second one has a photo), --concurrency {concurrency}\n",
        t.elapsed().as_secs_f64()
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    for (k, model) in models.iter().enumerate() {
        let status_args = [
            "status",
            "--stores",
            "graph",
            "--format",
            "json",
            "--concurrency",
            &concurrency,
        ];
        set_model(&emu, model, 10, true);
        let m = run_photosync(&emu, &status_args, status_input(status_users), "status");
        report(
            &format!("status of {status_users} users"),
            model,
            10,
            false,
            &m,
        );

        // Each sync brings its own pictures, so every user is read, written, verified.
        let sync_input = |round: usize| -> String {
            (0..sync_users)
                .map(|i| {
                    format!(
                        "{{\"userPrincipalName\":\"{}\",\"thumbnailPhoto\":\"{}\"}}\n",
                        upn(i),
                        b64.encode(photo(i + round * 10_000_000))
                    )
                })
                .collect()
        };
        let sync_args = [
            "sync",
            "--source",
            "input",
            "--targets",
            "graph",
            "--format",
            "json",
            "--concurrency",
            &concurrency,
        ];
        set_model(&emu, model, 10, false);
        let m = run_photosync(&emu, &sync_args, sync_input(2 * k), "result");
        report(
            &format!("sync of {sync_users} users, no write budget"),
            model,
            10,
            false,
            &m,
        );
        if model.scope == OutlookScope::App {
            set_model(&emu, model, 10, true);
            let m = run_photosync(&emu, &sync_args, sync_input(2 * k + 1), "result");
            report(
                &format!("sync of {sync_users} users, Graph's write budget"),
                model,
                10,
                true,
                &m,
            );
        }

        set_model(&emu, model, 50, true);
        let m = run_photosync(&emu, &status_args, status_input(slow_users), "status");
        report(
            &format!("status of {slow_users} users"),
            model,
            50,
            false,
            &m,
        );
    }
}
