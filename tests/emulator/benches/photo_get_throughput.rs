//! Photo GET throughput over loopback: a bounded number of `GET /users/{id}/photo/$value`
//! requests from concurrent keep-alive clients, no injected latency, throttling off.
//! Run: `cargo bench -p photosync-emulator --bench photo_get_throughput`.

mod support;

use std::time::Instant;

const REQUESTS: usize = 30_000;
const CONCURRENCY: usize = 32;

fn main() -> anyhow::Result<()> {
    let (emu, token) = support::unthrottled_tenant(0)?;
    let users: Vec<String> = emu
        .admin()
        .users()
        .into_iter()
        .filter(|u| emu.admin().photo_of(&u.id).is_some())
        .map(|u| u.id)
        .collect();
    let base = emu.graph_url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (elapsed, bytes) = rt.block_on(async move {
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(CONCURRENCY)
            .build()?;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..CONCURRENCY {
            let (client, token, base, users) =
                (client.clone(), token.clone(), base.clone(), users.clone());
            tasks.push(tokio::spawn(async move {
                let mut bytes = 0usize;
                for i in (w..REQUESTS).step_by(CONCURRENCY) {
                    let url = format!("{base}/v1.0/users/{}/photo/$value", users[i % users.len()]);
                    let r = client.get(url).bearer_auth(&token).send().await?;
                    anyhow::ensure!(r.status() == 200, "status {}", r.status());
                    bytes += r.bytes().await?.len();
                }
                anyhow::Ok(bytes)
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await??;
        }
        anyhow::Ok((started.elapsed(), total))
    })?;
    let rate = REQUESTS as f64 / elapsed.as_secs_f64();
    println!(
        "photo GET throughput: {REQUESTS} requests, {CONCURRENCY} concurrent, {:.2} s, {rate:.0} req/s, {:.1} MB",
        elapsed.as_secs_f64(),
        bytes as f64 / 1e6
    );
    Ok(())
}
