//! Benchmark (not a test): `photosync status` over 10,000 users and `sync` over 2,000 users
//! against the emulator with 50 ms added latency, compared in the same run with a
//! sequential one-user-at-a-time loop (what common scripts do: Get-MgUser, Get-MgUserPhoto,
//! Get-MgUserPhotoContent / Set-MgUserPhotoContent per user).
//!
//! Run: `cargo bench --bench cloud` (release build). Knobs (environment):
//! `BENCH_STATUS_USERS` (10000), `BENCH_SYNC_USERS` (2000), `BENCH_SEQUENTIAL_USERS` (300:
//! the sequential loop is timed over the first N of the same users; at ~150 ms per user the
//! full 10,000 would take ~25 minutes), `BENCH_LATENCY_MS` (50), `BENCH_CONCURRENCY` (128), `BENCH_THROTTLED_RU_PER_10S` (3000:
//! the directory budget of the extra throttled status run).

use std::io::{Cursor, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use image::{ImageFormat, Rgb, RgbImage};
use photosync_emulator::{
    CredentialKind, Emulator, Faults, Options, RunningEmulator, Seed, SeedApp, SeedUser,
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
    throttled: u64,
    peak_rss_kb: u64,
    ok_users: usize,
    exit_code: i32,
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

fn total_requests(emu: &RunningEmulator) -> u64 {
    request_counts(&emu.admin().counters()).0
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
    let status = loop {
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
        throttled: counters.throttled_429,
        peak_rss_kb: peak,
        ok_users,
        exit_code: status.code().unwrap_or(-1),
    }
}

/// The way common scripts work: one user at a time, one call after the other. `users` are
/// the indexes to visit.
async fn sequential(emu: &RunningEmulator, users: &[usize], write: bool) -> (f64, u64) {
    let token = emu
        .admin()
        .issue_token(
            CLIENT,
            "https://graph.microsoft.com",
            CredentialKind::Secret,
        )
        .expect("token");
    let client = reqwest::Client::new();
    let base = format!("{}/v1.0", emu.graph_url());
    emu.admin().reset_counters();
    let started = Instant::now();
    for &i in users {
        let user: serde_json::Value = client
            .get(format!("{base}/users/{}", upn(i)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get user")
            .json()
            .await
            .unwrap_or_default();
        let id = user["id"].as_str().unwrap_or_default().to_string();
        if write {
            let _ = client
                .put(format!("{base}/users/{id}/photo/$value"))
                .bearer_auth(&token)
                .header("content-type", "image/jpeg")
                .body(photo(i + 1_000_000))
                .send()
                .await;
        } else {
            let meta = client
                .get(format!("{base}/users/{id}/photo"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("photo meta");
            if meta.status().is_success() {
                let _ = client
                    .get(format!("{base}/users/{id}/photo/$value"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("photo")
                    .bytes()
                    .await;
            }
        }
    }
    (started.elapsed().as_secs_f64(), total_requests(emu))
}

fn report(name: &str, m: &Measured, seq_rate: f64, seq_users: usize, seq_requests: u64) {
    let rate = m.users as f64 / m.seconds;
    println!("## {name}");
    println!(
        "users: {} (ok {}, lost {}), exit code {}",
        m.users,
        m.ok_users,
        m.users.saturating_sub(m.ok_users),
        m.exit_code
    );
    println!("time: {:.1} s, {:.0} users/s", m.seconds, rate);
    println!(
        "HTTP requests: {} ({:.2} per user), API calls in them: {} ({:.2} per user), 429s received: {}",
        m.requests,
        m.requests as f64 / m.users.max(1) as f64,
        m.api_calls,
        m.api_calls as f64 / m.users.max(1) as f64,
        m.throttled
    );
    println!("peak RSS: {:.1} MB", m.peak_rss_kb as f64 / 1024.0);
    println!(
        "sequential loop: {seq_users} users, {:.1} users/s, {seq_requests} requests; photosync is {:.1}x faster",
        seq_rate,
        rate / seq_rate
    );
    println!();
}

fn main() {
    let status_users = env_num("BENCH_STATUS_USERS", 10_000);
    let sync_users = env_num("BENCH_SYNC_USERS", 2_000).min(status_users);
    let seq_users = env_num("BENCH_SEQUENTIAL_USERS", 300).min(sync_users);
    let latency = env_num("BENCH_LATENCY_MS", 50) as u64;
    let concurrency = env_num("BENCH_CONCURRENCY", 128).to_string();
    let throttled_ru = env_num("BENCH_THROTTLED_RU_PER_10S", 3000) as u32;

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
    let emu = Emulator::start(
        seed,
        Options {
            faults: Faults {
                latency_ms: latency,
                ..Faults::default()
            },
            ..Options::default()
        },
    )
    .expect("emulator");
    println!("# photosync cloud benchmark\n");
    println!(
        "emulator: {status_users} users seeded in {:.1} s, {latency} ms added latency, --concurrency {concurrency}\n",
        t.elapsed().as_secs_f64()
    );

    let status_input: String = (0..status_users)
        .map(|i| format!("{{\"userPrincipalName\":\"{}\"}}\n", upn(i)))
        .collect();
    let status = run_photosync(
        &emu,
        &[
            "-v",
            "status",
            "--stores",
            "graph",
            "--format",
            "json",
            "--concurrency",
            &concurrency,
        ],
        status_input,
        "status",
    );

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // Spread over all users, so the sample has the same mix of users with and without photos.
    let sample: Vec<usize> = (0..seq_users)
        .map(|k| k * status_users / seq_users)
        .collect();
    let (seq_status_s, seq_status_req) = rt.block_on(sequential(&emu, &sample, false));
    let seq_status_rate = seq_users as f64 / seq_status_s;
    report(
        "status (read users and photos)",
        &status,
        seq_status_rate,
        seq_users,
        seq_status_req,
    );

    // The same status with the tenant's directory budget cut, so throttling must be handled.
    let mut faults = emu.admin().faults();
    faults.throttle.resource_units = Some(throttled_ru);
    faults.throttle.resource_unit_window_ms = 10_000;
    emu.admin().set_faults(faults);
    emu.admin().reset_throttling();
    let status_input: String = (0..status_users)
        .map(|i| format!("{{\"userPrincipalName\":\"{}\"}}\n", upn(i)))
        .collect();
    let args = [
        "-v",
        "status",
        "--stores",
        "graph",
        "--format",
        "json",
        "--concurrency",
        &concurrency,
    ];
    let throttled = run_photosync(&emu, &args, status_input, "status");
    report(
        &format!("status under throttling ({throttled_ru} resource units per 10 s)"),
        &throttled,
        seq_status_rate,
        seq_users,
        seq_status_req,
    );
    let mut faults = emu.admin().faults();
    faults.throttle.resource_units = None;
    emu.admin().set_faults(faults);
    emu.admin().reset_throttling();

    let b64 = base64::engine::general_purpose::STANDARD;
    let sync_input: String = (0..sync_users)
        .map(|i| {
            format!(
                "{{\"userPrincipalName\":\"{}\",\"thumbnailPhoto\":\"{}\"}}\n",
                upn(i),
                b64.encode(photo(i))
            )
        })
        .collect();
    let sync = run_photosync(
        &emu,
        &[
            "-v",
            "sync",
            "--source",
            "input",
            "--targets",
            "graph",
            "--format",
            "json",
            "--concurrency",
            &concurrency,
        ],
        sync_input,
        "result",
    );
    // The sequential writer goes over users already written by the run above (with other
    // pictures), so it does the same work: find the user, upload.
    let first: Vec<usize> = (0..seq_users).collect();
    let (seq_sync_s, seq_sync_req) = rt.block_on(sequential(&emu, &first, true));
    report(
        "sync (write the graph rendition, verify)",
        &sync,
        seq_users as f64 / seq_sync_s,
        seq_users,
        seq_sync_req,
    );
}
