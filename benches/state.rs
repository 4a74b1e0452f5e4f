//! Benchmark (not a test): how long `sync --state` takes to load a state file of 100,000
//! (user, target) entries, and to answer "verified and unchanged?" for each of them.
//!
//! Run: `cargo bench --bench state`. Knob: `BENCH_STATE_ENTRIES` (100000).

use std::io::Write;
use std::time::{Duration, Instant};

use photosync::state::{Entry, SyncState, now_secs};

fn main() {
    let entries: usize = std::env::var("BENCH_STATE_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.jsonl");
    let target = "graph|11111111-2222-3333-4444-555555555555|https://graph.microsoft.com";
    let user = |i: usize| format!("guid:{:08x}-1234-4abc-8def-{:012x}", i + 1, i * 7919);
    let source = |i: usize| format!("{:064x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        for i in 0..entries {
            let entry = Entry {
                user: user(i),
                target: target.into(),
                source_sha256: source(i),
                written_sha256: source(i + entries),
                at: Some(now_secs()),
                verified: true,
                object: String::new(),
            };
            serde_json::to_writer(&mut out, &entry).expect("write");
            out.write_all(b"\n").expect("write");
        }
    }
    let bytes = std::fs::metadata(&path).expect("metadata").len();
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let state = SyncState::open_read_only(&path).expect("load");
        best = best.min(started.elapsed());
        assert_eq!(state.stats().entries as usize, entries);
    }
    let state = SyncState::open_read_only(&path).expect("load");
    let started = Instant::now();
    let week = Duration::from_secs(7 * 86_400);
    let hits = (0..entries)
        .filter(|&i| state.verified_unchanged(&user(i), target, &source(i), week))
        .count();
    let lookups = started.elapsed();
    assert_eq!(hits, entries);
    println!(
        "state file: {entries} entries, {:.1} MB; load (best of 3) {:.0} ms; \
         {entries} lookups {:.0} ms",
        bytes as f64 / 1e6,
        best.as_secs_f64() * 1000.0,
        lookups.as_secs_f64() * 1000.0
    );
}
