//! Benchmark (not a test): the HTML report of 10,000 users — how large the file is, how long
//! headless Chromium takes from navigation to the first rows, and how long a filter takes.
//! The users have an HR photo (160 px) and a published folder photo: 70% the same picture,
//! 20% a different one, 10% none. Results go to docs/report.md by hand.
//!
//! Run: `cargo bench --bench report --profile dev` (the numbers are the page's, not the
//! binary's). Knob: `BENCH_REPORT_USERS` (10000).

#[path = "../tests/report/browser.rs"]
mod browser;

use std::process::Command;
use std::time::Instant;

use photosync_testkit::portrait::jpeg;

fn main() {
    let users: usize = std::env::var("BENCH_REPORT_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (hr, published) = (dir.path().join("hr"), dir.path().join("published"));
    std::fs::create_dir_all(&hr).expect("mkdir");
    std::fs::create_dir_all(&published).expect("mkdir");
    let started = Instant::now();
    let mut csv = String::from("UserPrincipalName,PhotoPath\n");
    for i in 0..users {
        let upn = format!("user{i:05}@contoso.test");
        let person = i as u64;
        let source = hr.join(format!("{i}.jpg"));
        std::fs::write(&source, jpeg(person, 160)).expect("write");
        csv.push_str(&format!("{upn},{}\n", source.display()));
        match i % 10 {
            0..=6 => std::fs::write(published.join(format!("{upn}.jpg")), jpeg(person, 120)),
            7 | 8 => std::fs::write(
                published.join(format!("{upn}.jpg")),
                jpeg(person + 1_000_000, 120),
            ),
            _ => Ok(()),
        }
        .expect("write");
    }
    let input = dir.path().join("users.csv");
    std::fs::write(&input, csv).expect("csv");
    eprintln!("{users} users' photos made in {:.1?}", started.elapsed());

    let page = dir.path().join("report.html");
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_photosync"))
        .arg("status")
        .arg("--csv")
        .arg(&input)
        .arg("--stores")
        .arg(format!("folder:{}", published.display()))
        .args(["--progress", "none", "--out"])
        .arg(&page)
        .status()
        .expect("run photosync");
    assert!(status.code().is_some_and(|c| c <= 1), "{status}");
    let made = started.elapsed();
    let bytes = std::fs::metadata(&page).expect("report").len();
    println!(
        "report of {users} users: {:.1} MB ({} bytes, {:.0} bytes/user), made in {made:.1?}",
        bytes as f64 / 1e6,
        bytes,
        bytes as f64 / users as f64
    );

    for (label, fragment) in [
        ("open, all users", ""),
        ("filter verdict=differs", "verdict=differs"),
        ("search one user", "q=user09999"),
    ] {
        let mut ready = Vec::new();
        let mut render = Vec::new();
        for _ in 0..3 {
            let loaded = browser::load_with(&page, fragment, false);
            let attr = |name| {
                browser::body_attribute(&loaded.dom, name)
                    .and_then(|v| v.parse::<f64>().ok())
                    .expect("timing attribute")
            };
            ready.push(attr("data-ready-ms"));
            render.push(attr("data-render-ms"));
            assert!(loaded.page_requests.is_empty());
        }
        ready.sort_by(f64::total_cmp);
        render.sort_by(f64::total_cmp);
        println!(
            "{label}: first rows {:.0} ms after navigation (median of 3; min {:.0}, max {:.0}); filtering and rendering one page {:.1} ms",
            ready[1], ready[0], ready[2], render[1]
        );
    }
}
