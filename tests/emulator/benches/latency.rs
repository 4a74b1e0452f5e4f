//! How precisely added latency holds an answer, as a client sees it: sequential
//! `GET /v1.0/users/{id}` on one keep-alive connection with `latencyMs` 0 and 10. The median with
//! 10 ms, less 10 ms and less the median without, is the emulator's lateness (docs/emulator.md,
//! `latencyMs`). A figure, not a test: a busy machine decides it.
//! Run: `cargo bench -p photosync-emulator --bench latency`.

mod support;

use std::time::{Duration, Instant};

const REQUESTS: usize = 300;
const LATENCY_MS: u64 = 10;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let base = rt.block_on(median_answer(0))?;
    let held = rt.block_on(median_answer(LATENCY_MS))?;
    let late = held.saturating_sub(base + Duration::from_millis(LATENCY_MS));
    println!(
        "emulator latency: median answer {:.2} ms without, {:.2} ms with latencyMs {LATENCY_MS}: late by {:.2} ms ({REQUESTS} requests each)",
        ms(base),
        ms(held),
        ms(late)
    );
    Ok(())
}

/// Median time to a complete answer with `latency_ms` added.
async fn median_answer(latency_ms: u64) -> anyhow::Result<Duration> {
    let (emu, token) = support::unthrottled_tenant(latency_ms)?;
    let url = format!("{}/v1.0/users/alice@contoso.test", emu.graph_url());
    let client = reqwest::Client::builder().no_proxy().build()?;
    let mut times = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let started = Instant::now();
        let r = client.get(&url).bearer_auth(&token).send().await?;
        anyhow::ensure!(r.status() == 200, "status {}", r.status());
        r.bytes().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
