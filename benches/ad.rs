//! Benchmark (not a test): read 5,000 users with photos from a throw-away slapd, through the
//! `ad` store, next to OpenLDAP's `ldapsearch` fetching the same entries in the same run.
//! Target: the store within 1.5x of ldapsearch. Run: `cargo bench --bench ad`.

#[path = "../tests/ad/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use photosync::photo::{self, DecodeLimits};
use photosync::settings::Secret;
use photosync::store::ad::{AdConnection, AdOptions, AdStore};

use support::{SLAPD_READER_DN, SLAPD_READER_PASSWORD, SLAPD_SUFFIX};

const USERS: usize = 5_000;
const ROUNDS: usize = 3;
const FILTER: &str = "(objectClass=user)";

fn main() {
    let started = Instant::now();
    let slapd = support::Slapd::start("bench-slapd", USERS, 1);
    eprintln!(
        "slapd with {USERS} users (all with photos) ready in {:.1?}",
        started.elapsed()
    );

    let ldapsearch = best_of(|| ldapsearch(&slapd));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let conn = AdConnection {
        url: slapd.ldaps_url(),
        bind_dn: SLAPD_READER_DN.to_string(),
        password: Secret::new(SLAPD_READER_PASSWORD),
        ca_file: Some(slapd.certs.ca.clone()),
        allow_plaintext: false,
        timeout: Duration::from_secs(60),
    };
    let store = runtime.block_on(async {
        let options = AdOptions {
            base_dn: Some(SLAPD_SUFFIX.to_string()),
            ..AdOptions::default()
        };
        AdStore::connect(&conn, options).await.expect("connect")
    });
    let read = best_of(|| runtime.block_on(read_all(&store, false)));
    let fingerprint = best_of(|| runtime.block_on(read_all(&store, true)));

    let rate = |(n, d): (usize, Duration)| n as f64 / d.as_secs_f64();
    println!(
        "ad benchmark: {USERS} users with thumbnailPhoto over LDAPS (paged, 500/page), best of {ROUNDS}"
    );
    for (name, result) in [
        ("ldapsearch (OpenLDAP client)", ldapsearch),
        ("photosync ad store: read", read),
        ("photosync ad store: read + fingerprint", fingerprint),
    ] {
        assert_eq!(result.0, USERS, "{name} read {} users", result.0);
        println!(
            "  {name:<42} {:>8.1} ms  {:>9.0} users/s",
            result.1.as_secs_f64() * 1e3,
            rate(result)
        );
    }
    println!(
        "  store read time / ldapsearch time: {:.2}x (target: <= 1.5x)",
        read.1.as_secs_f64() / ldapsearch.1.as_secs_f64()
    );
}

fn best_of(mut run: impl FnMut() -> (usize, Duration)) -> (usize, Duration) {
    (0..ROUNDS)
        .map(|_| run())
        .min_by_key(|(_, d)| *d)
        .expect("at least one round")
}

fn ldapsearch(slapd: &support::Slapd) -> (usize, Duration) {
    let start = Instant::now();
    let out = Command::new(support::require("ldapsearch"))
        .env("LDAPTLS_CACERT", &slapd.certs.ca)
        .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-E", "pr=500/noprompt"])
        .args([
            "-H",
            &slapd.ldaps_url(),
            "-D",
            SLAPD_READER_DN,
            "-w",
            SLAPD_READER_PASSWORD,
        ])
        .args(["-b", SLAPD_SUFFIX, FILTER])
        .args([
            "userPrincipalName",
            "sAMAccountName",
            "objectGUID",
            "mail",
            "thumbnailPhoto",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("ldapsearch");
    let elapsed = start.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let users = text.lines().filter(|l| l.starts_with("dn: uid=")).count();
    (users, elapsed)
}

async fn read_all(store: &AdStore, fingerprint: bool) -> (usize, Duration) {
    let start = Instant::now();
    let mut users = store.users(Some(FILTER), true).await.expect("filter");
    let mut count = 0;
    while let Some(user) = users.next().await {
        let user = user.expect("user");
        let bytes = user.photo.expect("every user has a photo");
        if fingerprint {
            photo::inspect(&bytes, &DecodeLimits::default()).expect("photo");
        }
        count += 1;
    }
    (count, start.elapsed())
}
