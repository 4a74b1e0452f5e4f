//! Driving headless Chromium: load a page (with a URL fragment to set the report's filters),
//! dump the DOM after its script ran, record every URL the browser requested (its net log),
//! and take screenshots. Each run has its own profile and is killed if it hangs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a single browser run may take before the test fails.
const BROWSER_DEADLINE: Duration = Duration::from_secs(120);

pub struct Loaded {
    /// The DOM serialised after the page's script ran.
    pub dom: String,
    /// URLs the page itself asked the network stack for (the browser's own background
    /// requests, such as update checks, are left out).
    pub page_requests: Vec<String>,
}

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let candidate = Path::new(dir).join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("chromium is not installed: run scripts/setup.d/chromium.sh (scripts/test does)");
}

fn file_url(path: &Path, fragment: &str) -> String {
    let path = path.canonicalize().expect("report path");
    let mut url = format!("file://{}", path.display());
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

fn run(args: &[String], work: &Path) -> String {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).ok();
        text
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if started.elapsed() > BROWSER_DEADLINE {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within {BROWSER_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("stdout reader")
}

/// Load `page#fragment`, let its script run, and return the DOM and the requested URLs.
pub fn load(page: &Path, fragment: &str) -> Loaded {
    load_with(page, fragment, true)
}

/// `load`, optionally without virtual time (which would also virtualise the page's own
/// `performance.now()` timings that the benchmark reads).
pub fn load_with(page: &Path, fragment: &str, virtual_time: bool) -> Loaded {
    let work = tempfile::tempdir().expect("tempdir");
    let net_log = work.path().join("net.json");
    let mut args = vec![format!("--log-net-log={}", net_log.display())];
    if virtual_time {
        args.push("--virtual-time-budget=5000".into());
    }
    args.push("--dump-dom".into());
    args.push(file_url(page, fragment));
    let dom = run(&args, work.path());
    Loaded {
        dom,
        page_requests: page_requests(&net_log),
    }
}

/// Save a PNG of the page as a person would see it in a `width`x`height` window.
pub fn screenshot(page: &Path, fragment: &str, out: &Path, width: u32, height: u32) {
    let work = tempfile::tempdir().expect("tempdir");
    run(
        &[
            format!("--screenshot={}", out.display()),
            format!("--window-size={width},{height}"),
            "--virtual-time-budget=5000".into(),
            file_url(page, fragment),
        ],
        work.path(),
    );
}

/// Requests a page made, from a Chromium net log: `URL_REQUEST_START_JOB` events whose
/// network isolation key is a `file://` page's (the browser's own requests carry `null` or
/// their service's site instead).
fn page_requests(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("chromium wrote its net log");
    // A log cut short by the browser exiting lacks its closing brackets.
    let value: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("net log is JSON");
    let start_job = value["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64();
    let mut urls = Vec::new();
    for event in value["events"].as_array().into_iter().flatten() {
        let params = &event["params"];
        let from_page = params["network_isolation_key"]
            .as_str()
            .is_some_and(|k| k.starts_with("file://"));
        if event["type"].as_u64() == start_job && from_page {
            urls.extend(params["url"].as_str().map(str::to_string));
        }
    }
    urls
}

/// Count of non-overlapping occurrences.
pub fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The value of a `data-*` attribute the report sets on `<body>`.
pub fn body_attribute(dom: &str, name: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let tag = &body[..body.find('>')?];
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}
