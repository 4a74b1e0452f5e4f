//! Reports made by the real binary, opened in headless Chromium.

use std::path::{Path, PathBuf};

use photosync_emulator::{Emulator, Options, RunningEmulator, Seed};

use crate::browser::{self, Loaded, body_attribute, count};
use photosync_testkit::photosync;
use photosync_testkit::portrait::jpeg;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `photosync status ... --out DIR/report.html`; returns the report's path.
fn make_report(dir: &Path, args: &[&str], env: &[(String, String)]) -> PathBuf {
    let out = dir.join("report.html");
    let output = photosync!()
        .current_dir(repo())
        .clean_env()
        .inherit("PATH")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(["status"])
        .args(args)
        .args(["--progress", "none", "--out"])
        .args([&out])
        .output();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "photosync failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stdout.is_empty(),
        "with --out nothing goes to stdout"
    );
    assert!(out.is_file(), "report written");
    assert!(
        !dir.join("report.html.partial").exists(),
        "no partial file left"
    );
    out
}

/// The page asked the network for nothing (its thumbnails are `data:` URIs).
fn assert_no_network(loaded: &Loaded) {
    assert!(
        loaded.page_requests.is_empty(),
        "the report requested {:?}",
        loaded.page_requests
    );
}

fn rows(dom: &str) -> usize {
    count(dom, "<tr class=\"row ")
}

#[test]
fn example_folder_report_shows_every_user_and_its_filters_hide_in_sync_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = make_report(
        dir.path(),
        &[
            "--csv",
            "examples/users.csv",
            "--stores",
            "folder:examples/photos",
        ],
        &[],
    );
    let all = browser::load(&page, "");
    assert_eq!(rows(&all.dom), 4, "{}", all.dom);
    assert_eq!(
        body_attribute(&all.dom, "data-matching").as_deref(),
        Some("4")
    );
    // Problems first: the in-sync user comes last.
    let differs = all.dom.find("bob.smith@contoso.com").expect("bob");
    let in_sync = all.dom.find("ann.lee@contoso.com").expect("ann");
    assert!(differs < in_sync, "problems first");
    // Reference and store pictures side by side, each named for the user and the store.
    assert!(
        all.dom
            .contains("alt=\"input picture of bob.smith@contoso.com\"")
    );
    assert!(
        all.dom
            .contains("alt=\"folder picture of bob.smith@contoso.com\"")
    );
    assert_eq!(
        count(&all.dom, "<img "),
        count(&all.dom, "<img src=\"data:image/jpeg;base64,"),
        "every picture is an inline thumbnail"
    );
    // carol's folder has no photo: the verdict says so, and so does the empty picture.
    assert!(all.dom.contains("v-row-missing-in-store"));
    assert!(
        all.dom
            .contains("folder has no picture of carol.diaz@contoso.com: absent")
    );
    assert_no_network(&all);

    let problems = browser::load(&page, "verdict=problems");
    assert_eq!(rows(&problems.dom), 2, "differs + missing-in-store");
    assert!(!problems.dom.contains("v-row-in-sync"));
    assert!(!problems.dom.contains("v-row-no-photo"));

    let search = browser::load(&page, "q=BOB.smith");
    assert_eq!(rows(&search.dom), 1);
    assert!(search.dom.contains("v-row-differs"));
}

/// After a `sync --state`, the report says which pictures PhotoSync's recorded write decided
/// (`comparedBy: own-write`) rather than a perceptual look.
#[test]
fn report_tells_own_writes_from_pictures_judged_by_looking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("photos");
    std::fs::create_dir(&folder).expect("folder");
    let state = dir.path().join("state.jsonl");
    let target = format!("folder:{}", folder.display());
    let state_arg = state.display().to_string();
    let synced = photosync!()
        .current_dir(repo())
        .clean_env()
        .inherit("PATH")
        .args(["sync", "--source", "input", "--csv", "examples/users.csv"])
        .args(["--targets", &target])
        .args(["--state", &state_arg, "--progress", "none"])
        .output();
    assert!(
        synced.status.code().is_some_and(|c| c <= 1),
        "sync failed: {}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let page = make_report(
        dir.path(),
        &["--csv", "examples/users.csv", "--stores", &target],
        &[],
    );
    let looked = browser::load(&page, "");
    assert_eq!(count(&looked.dom, "<figure class=\"own-write\""), 0);
    assert!(
        looked.dom.contains("<figure class=\"same\""),
        "{}",
        looked.dom
    );

    let page = make_report(
        dir.path(),
        &[
            "--csv",
            "examples/users.csv",
            "--stores",
            &target,
            "--state",
            &state_arg,
        ],
        &[],
    );
    let recorded = browser::load(&page, "");
    // ann, bob and carol were written and verified; dave has no input photo.
    assert_eq!(
        count(&recorded.dom, "<figure class=\"own-write\""),
        3,
        "{}",
        recorded.dom
    );
    assert!(
        recorded
            .dom
            .contains("<span class=\"cmp\">own-write</span>")
    );
    assert_eq!(count(&recorded.dom, "<figure class=\"same\""), 0);
}

#[test]
fn hostile_names_show_as_text_and_run_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).expect("mkdir");
    std::fs::write(photos.join("plain.user@contoso.com.jpg"), jpeg(1, 120)).expect("write");
    // A file no user claims becomes a note whose text is the hostile file name.
    std::fs::write(
        photos.join("\"><img src=x onerror=document.body.setAttribute('data-pwned','file')>.jpg"),
        jpeg(2, 120),
    )
    .expect("write");
    let folder = format!("folder:{}", photos.display());
    let page = make_report(
        dir.path(),
        &["--input", "tests/report/hostile.jsonl", "--stores", &folder],
        &[],
    );
    let html = std::fs::read_to_string(&page).expect("report");
    // The data block cannot be closed or commented out by the data.
    assert_eq!(
        count(&html, "</script>"),
        2,
        "only the page's own two scripts"
    );
    assert_eq!(count(&html, "</style>"), 1);

    let loaded = browser::load(&page, "");
    let dom = &loaded.dom;
    assert_eq!(rows(dom), 4, "{dom}");
    assert!(
        body_attribute(dom, "data-pwned").is_none(),
        "a data script ran"
    );
    assert!(!dom.contains("data-pwned=\""), "an injected handler ran");
    // The names arrive as text: escaped in the serialised DOM, never as elements.
    assert!(dom.contains(
        "&lt;script&gt;document.body.setAttribute('data-pwned','script')&lt;/script&gt;@contoso.com"
    ));
    assert!(dom.contains("\"&gt;&lt;img src=x onerror="));
    assert!(
        dom.contains("&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;@contoso.com")
    );
    assert!(!dom.contains("<img src=\"x\"") && !dom.contains("<img src=x"));
    assert!(!dom.contains("<svg"));
    assert_eq!(count(dom, "<style>"), 1, "no injected style element");
    assert!(
        dom.contains("'data-pwned','file')&gt;.jpg"),
        "the unmatched file is a note"
    );
    assert_eq!(
        count(dom, "<img "),
        count(dom, "<img src=\"data:image/jpeg;base64,")
    );
    assert_no_network(&loaded);

    // Searching for the markup finds the user by its literal text.
    let search = browser::load(&page, "q=%3C%2Fstyle%3E");
    assert_eq!(rows(&search.dom), 1);
}

// Regression: every note was put in the page at load, so 10,000 bad lines built 10,000
// elements (rows were paged, notes were not).
#[test]
fn thousands_of_notes_open_a_hundred_at_a_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("bad.jsonl");
    let lines: String = (0..2500).map(|i| format!("{{not json {i}\n")).collect();
    std::fs::write(&input, lines).expect("input");
    let folder = format!("folder:{}", dir.path().display());
    let input = input.display().to_string();
    let page = make_report(dir.path(), &["--input", &input, "--stores", &folder], &[]);
    let loaded = browser::load(&page, "");
    let notes = loaded
        .dom
        .split("id=\"notes\"")
        .nth(1)
        .expect("notes section");
    let notes = notes.split("</section>").next().expect("section end");
    assert_eq!(count(notes, "<li>"), 100, "{notes:.2000}");
    assert!(notes.contains("Notes (2500)"), "{notes:.500}");
    assert!(
        notes.contains("Show 100 more of 2400 notes left"),
        "{notes:.500}"
    );
    assert_no_network(&loaded);
}

/// The README demo's tenant: the example seed in the emulator, read with its TEST-ONLY
/// certificate app.
fn example_tenant() -> (RunningEmulator, Vec<(String, String)>, tempfile::TempDir) {
    let emu = Emulator::start(Seed::example().expect("example seed"), Options::default())
        .expect("emulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let pem = dir.path().join("app.pem");
    let cert = std::fs::read_to_string(Seed::example_test_only_cert_path()).expect("cert");
    let key = std::fs::read_to_string(Seed::example_test_only_key_path()).expect("key");
    std::fs::write(&pem, format!("{cert}{key}")).expect("write pem");
    let env = vec![
        ("PHOTOSYNC_GRAPH_URL".to_string(), emu.graph_url()),
        ("PHOTOSYNC_LOGIN_URL".to_string(), emu.login_url()),
        ("PHOTOSYNC_SHAREPOINT_URL".to_string(), emu.sharepoint_url()),
        ("PHOTOSYNC_TENANT_ID".to_string(), emu.tenant_id()),
        (
            "PHOTOSYNC_CLIENT_ID".to_string(),
            "aaaaaaaa-0000-4000-8000-000000000002".to_string(),
        ),
        (
            "PHOTOSYNC_CERTIFICATE_PATH".to_string(),
            pem.display().to_string(),
        ),
    ];
    (emu, env, dir)
}

#[test]
fn example_tenant_report_shows_graph_and_sharepoint_side_by_side() {
    let (_emu, env, dir) = example_tenant();
    let page = make_report(
        dir.path(),
        &[
            "--csv",
            "examples/demo/hr.csv",
            "--stores",
            "graph,sharepoint",
        ],
        &env,
    );
    let all = browser::load(&page, "");
    assert_eq!(rows(&all.dom), 7, "one row per HR record");
    // The leaver has no account in the tenant: not found there, not "missing in cloud".
    let leaver = all
        .dom
        .find("former.employee@contoso.test")
        .expect("leaver row");
    let leaver_row = &all.dom[all.dom[..leaver].rfind("<tr ").expect("row start")..];
    assert!(
        leaver_row.starts_with("<tr class=\"row v-row-not-found\""),
        "{}",
        &leaver_row[..200.min(leaver_row.len())]
    );
    assert!(
        all.dom
            .contains("graph has no picture of former.employee@contoso.test: not found")
    );
    assert!(all.dom.contains("alt=\"graph picture of "));
    assert_no_network(&all);

    let not_found = browser::load(&page, "verdict=not-found");
    assert_eq!(rows(&not_found.dom), 1);

    let shot = dir.path().join("report.png");
    browser::screenshot(&page, "", &shot, 1280, 900);
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let decoded = image::load_from_memory(&png).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (1280, 900));
    // A blank page compresses to almost nothing; a rendered report with photos does not.
    assert!(
        png.len() > 20_000,
        "screenshot looks empty: {} bytes",
        png.len()
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::copy(&shot, repo().join("docs").join("report.png")).expect("update docs");
    }
}

/// The network check above is only worth something if it sees a request when a page makes
/// one: a page that loads an image and fetches from a closed loopback port.
#[test]
fn the_network_check_sees_a_pages_requests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("leaky.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/pixel.png\" alt=\"\">\
         <script>fetch('http://127.0.0.1:9/data').catch(function () {});</script></body></html>",
    )
    .expect("write");
    let loaded = browser::load(&page, "");
    assert!(
        loaded
            .page_requests
            .iter()
            .any(|u| u == "http://127.0.0.1:9/pixel.png"),
        "{:?}",
        loaded.page_requests
    );
}
