//! Three measurements of the photo pipeline, each next to a reference tool in the same run:
//!
//! 1. photos per second for the whole per-photo job (decode a 1024x1024 JPEG, orient, square,
//!    fingerprint, render ad + graph + the three SharePoint sizes) on one core, next to
//!    ImageMagick doing the same decode/resize/encode work;
//! 2. one "same picture" comparison (from the stored text form, as the engine does it);
//! 3. one 3000x4000 JPEG to the 648 px graph rendition as a whole process (`photosync photo
//!    prepare`), next to `vipsthumbnail` and ImageMagick: wall time and peak RSS;
//! 4. memory: 200 users, each with its own 4000x3000 JPEG, at `--concurrency 128`, peak RSS of
//!    the whole process on every path that reads a photo: `sync --source input` to a folder
//!    (the photo named by `photoPath`, or inline as base64 `thumbnailPhoto`), `--default-photo`,
//!    `status --stores folder:`, `sync --source folder:`, the cloud stores against the emulator
//!    (`sync --targets graph|sharepoint`, `status --stores graph|sharepoint`) and the AD store
//!    against a throw-away slapd (`sync --targets ad`, `status --stores ad`). One photo through
//!    `photo prepare` is part 3.
//!
//! Run with `scripts/bench-photo` (installs ImageMagick and libvips-tools, pins 1-3 to one
//! CPU). `cargo bench --bench photo -- memory` (or `compare`, `large`, `throughput`) runs
//! only those parts. Not a test: it prints numbers, it asserts nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../tests/ad/support/mod.rs"]
mod ad_support;

use photosync::photo::{self, DecodeLimits};
use photosync::store::{ad, graph, sharepoint};

const FILES: usize = 16;
const SIDE: u32 = 1024;
const MIN_TIME: Duration = Duration::from_secs(5);

fn main() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-photo");
    std::fs::create_dir_all(dir.join("out")).expect("bench dir");
    let inputs = make_inputs(&dir);
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);

    if run("compare") {
        bench_compare(&inputs);
    }
    if run("large") {
        bench_large_jpeg(&dir);
    }
    if run("memory") {
        bench_memory(&dir);
    }
    if !run("throughput") {
        return;
    }
    let ours = bench_photosync(&inputs);
    println!("photosync (1 thread): {ours:.1} photos/s");

    match imagemagick_version() {
        Some(version) => {
            println!("reference: {version}");
            let batch = bench_imagemagick_batch(&dir, &inputs);
            println!(
                "ImageMagick, one `convert` over {FILES} files, -limit thread 1: {batch:.1} photos/s"
            );
            let per_file = bench_imagemagick_per_file(&dir, &inputs);
            println!(
                "ImageMagick, one `convert` per file, -limit thread 1: {per_file:.1} photos/s"
            );
            println!(
                "ratio photosync / ImageMagick: {:.2}x (batch), {:.2}x (per file)",
                ours / batch,
                ours / per_file
            );
        }
        None => println!("ImageMagick not installed: run scripts/bench-photo (it installs it)"),
    }
}

/// Portrait-like 1024x1024 JPEGs at quality 90.
fn make_inputs(dir: &Path) -> Vec<PathBuf> {
    (0..FILES)
        .map(|i| {
            let img = portrait_like(SIDE, SIDE, i);
            let mut bytes = Vec::new();
            jpeg_encoder::Encoder::new(&mut bytes, 90)
                .encode(
                    img.as_raw(),
                    SIDE as u16,
                    SIDE as u16,
                    jpeg_encoder::ColorType::Rgb,
                )
                .expect("encode input");
            let path = dir.join(format!("in-{i:02}.jpg"));
            std::fs::write(&path, bytes).expect("write input");
            path
        })
        .collect()
}

fn bench_photosync(inputs: &[PathBuf]) -> f64 {
    let files: Vec<Vec<u8>> = inputs
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let limits = DecodeLimits::default();
    let mut photos = 0usize;
    let mut out_bytes = 0usize;
    let start = Instant::now();
    while start.elapsed() < MIN_TIME || photos < FILES {
        for bytes in &files {
            let src = photo::load(bytes, &limits).expect("decode");
            out_bytes += photo::render_one(&src, &ad::RENDITION)
                .expect("ad")
                .bytes
                .len();
            out_bytes += photo::render_one(&src, &graph::RENDITION)
                .expect("graph")
                .bytes
                .len();
            for r in photo::render(&src, &sharepoint::RENDITION).expect("sharepoint") {
                out_bytes += r.bytes.len();
            }
            photos += 1;
        }
    }
    let rate = photos as f64 / start.elapsed().as_secs_f64();
    eprintln!(
        "  ({photos} photos, {} KiB of renditions)",
        out_bytes / 1024
    );
    rate
}

fn imagemagick_version() -> Option<String> {
    let out = Command::new("convert").arg("-version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?.to_string();
    first.contains("ImageMagick").then_some(first)
}

/// The same work per image: decode, Lanczos resize from the full image to 648/200/96/72/48,
/// JPEG quality 90 each, metadata stripped.
fn renditions_args(out: &Path, tag: &str) -> Vec<String> {
    let mut args = Vec::new();
    for size in [648, 200, 96, 72, 48] {
        args.extend(
            [
                "(",
                "+clone",
                "-filter",
                "Lanczos",
                "-resize",
                &format!("{size}x{size}"),
                "-quality",
                "90",
                "-write",
                &out.join(format!("{tag}-{size}-%d.jpg")).to_string_lossy(),
                "+delete",
                ")",
            ]
            .map(String::from),
        );
    }
    args
}

fn run_convert(args: &[String]) {
    let status = Command::new("convert")
        .args(["-limit", "thread", "1"])
        .args(args)
        .arg("null:")
        .status()
        .expect("run convert");
    assert!(status.success(), "convert failed: {args:?}");
}

fn bench_imagemagick_batch(dir: &Path, inputs: &[PathBuf]) -> f64 {
    // Each input gets its own parenthesised group so +clone always refers to that input.
    let mut args = vec!["-strip".to_string()];
    for (i, input) in inputs.iter().enumerate() {
        args.push("(".into());
        args.push(input.to_string_lossy().into_owned());
        args.extend(renditions_args(&dir.join("out"), &format!("b{i}")));
        args.push(")".into());
    }
    let mut photos = 0;
    let start = Instant::now();
    while start.elapsed() < MIN_TIME || photos < FILES {
        run_convert(&args);
        photos += inputs.len();
    }
    photos as f64 / start.elapsed().as_secs_f64()
}

fn bench_imagemagick_per_file(dir: &Path, inputs: &[PathBuf]) -> f64 {
    let mut photos = 0;
    let start = Instant::now();
    while start.elapsed() < MIN_TIME || photos < FILES {
        for (i, input) in inputs.iter().enumerate() {
            let mut args = vec!["-strip".to_string(), input.to_string_lossy().into_owned()];
            args.extend(renditions_args(&dir.join("out"), &format!("f{i}")));
            run_convert(&args);
            photos += 1;
        }
    }
    photos as f64 / start.elapsed().as_secs_f64()
}

/// Time per comparison of two stored fingerprints (parse both signatures, compare).
fn bench_compare(inputs: &[PathBuf]) {
    let limits = DecodeLimits::default();
    let infos: Vec<_> = inputs
        .iter()
        .map(|p| photo::inspect(&std::fs::read(p).expect("read"), &limits).expect("inspect"))
        .collect();
    let sigs: Vec<_> = infos
        .iter()
        .map(|i| photo::Signature::parse(&i.signature).expect("signature"))
        .collect();
    let rounds = 20_000;
    let start = Instant::now();
    let mut same = 0usize;
    for r in 0..rounds {
        let (a, b) = (&infos[r % FILES], &infos[(r * 7 + 3) % FILES]);
        same += usize::from(photo::same_picture(a, b).is_some_and(|(s, _)| s));
    }
    let with_parse = start.elapsed().as_secs_f64() / rounds as f64;
    let start = Instant::now();
    for r in 0..rounds {
        let (a, b) = (&sigs[r % FILES], &sigs[(r * 7 + 3) % FILES]);
        same += usize::from(std::hint::black_box(photo::compare(a, b)).same);
    }
    let parsed = start.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "one comparison: {:.2} us from the stored text form, {:.2} us from parsed signatures \
         ({same} same of {})",
        with_parse * 1e6,
        parsed * 1e6,
        2 * rounds
    );
}

/// One 3000x4000 JPEG (q90, portrait-like with sensor noise) to the 648 px graph rendition,
/// as a whole process, best wall time of `RUNS` and the peak RSS (`/usr/bin/time`).
fn bench_large_jpeg(dir: &Path) {
    const RUNS: usize = 7;
    let input = dir.join("large-3000x4000.jpg");
    let img = portrait_like(3000, 4000, 1);
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 90)
        .encode(img.as_raw(), 3000, 4000, jpeg_encoder::ColorType::Rgb)
        .expect("encode input");
    std::fs::write(&input, &bytes).expect("write input");
    drop(img);
    let input = input.to_string_lossy().into_owned();
    let out = |name: &str| dir.join("out").join(name).to_string_lossy().into_owned();
    let jobs: Vec<(&str, String, Vec<String>)> = vec![
        (
            "photosync photo prepare --target graph",
            env!("CARGO_BIN_EXE_photosync").to_string(),
            [
                "photo",
                "prepare",
                &input,
                "--target",
                "graph",
                "--out",
                &out("ps.jpg"),
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "vipsthumbnail -s 648 --smartcrop centre (Q=90)",
            "vipsthumbnail".to_string(),
            [
                &input,
                "-s",
                "648",
                "--smartcrop",
                "centre",
                "-o",
                &format!("{}[Q=90,strip]", out("vips.jpg")),
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "ImageMagick convert (crop, Lanczos 648, q90)",
            "/usr/bin/convert".to_string(),
            [
                &input,
                "-gravity",
                "center",
                "-crop",
                "3000x3000+0+0",
                "+repage",
                "-filter",
                "Lanczos",
                "-resize",
                "648x648",
                "-strip",
                "-quality",
                "90",
                &out("im.jpg"),
            ]
            .map(String::from)
            .to_vec(),
        ),
    ];
    println!(
        "one {} KiB 3000x4000 JPEG -> 648 px rendition, whole process:",
        bytes.len() / 1024
    );
    for (name, program, args) in jobs {
        let mut best = f64::INFINITY;
        let mut rss_kib = 0u64;
        for _ in 0..RUNS {
            let report = dir.join("time.txt");
            let start = Instant::now();
            let status = Command::new("/usr/bin/time")
                .args(["-f", "%M", "-o"])
                .arg(&report)
                .arg(&program)
                .args(&args)
                .stdout(std::process::Stdio::null())
                .status();
            let elapsed = start.elapsed().as_secs_f64();
            if !status.is_ok_and(|s| s.success()) {
                println!(
                    "  {name}: did not run (is it installed? scripts/bench-photo installs it)"
                );
                best = f64::NAN;
                break;
            }
            best = best.min(elapsed);
            let text = std::fs::read_to_string(&report).unwrap_or_default();
            rss_kib = rss_kib.max(text.trim().parse().unwrap_or(0));
        }
        println!(
            "  {name}: best of {RUNS} {:.3} s, peak RSS {:.1} MB",
            best,
            rss_kib as f64 / 1024.0
        );
    }
}

/// A portrait-like picture with sensor-like noise, so the encoder and resizer see realistic
/// detail rather than flat colour; `i` varies the colours.
fn portrait_like(w: u32, h: u32, i: usize) -> image::RgbImage {
    let mut state = 0x9E37_79B9u32.wrapping_mul(i as u32 + 1);
    image::RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 16) as i32 - 8;
        let (fx, fy) = (x as f32 / w as f32 - 0.5, y as f32 / h as f32 - 0.4);
        let head = fx * fx / 0.03 + fy * fy / 0.05 < 1.0;
        let body = fy > 0.3 && fx.abs() < 0.4;
        let base: [i32; 3] = if head {
            [220 - i as i32 * 5, 170, 140]
        } else if body {
            [40, 60 + i as i32 * 8, 150]
        } else {
            [
                (x * 1024 / w / 4) as i32 % 256,
                200,
                (y * 1024 / h / 4) as i32 % 256,
            ]
        };
        image::Rgb(base.map(|c| (c + noise).clamp(0, 255) as u8))
    })
}

/// 200 users, each with a distinct 4000x3000 JPEG, at `--concurrency 128`, through every path
/// that reads a photo: peak RSS of the whole photosync process for each (issue 19: the target is
/// at most 200 MB on every path). `BENCH_MEMORY_PATHS=input,folder` runs some of them.
fn bench_memory(dir: &Path) {
    const USERS: usize = 200;
    let photos = dir.join("memory-in");
    std::fs::create_dir_all(&photos).expect("memory dir");
    let mut input = String::new();
    let mut total = 0u64;
    for i in 0..USERS {
        // Named by UPN, so the same folder serves as a `folder:` store and as PhotoPaths.
        let path = photos.join(format!("u{i:03}@contoso.com.jpg"));
        if !path.exists() {
            let img = portrait_like(4000, 3000, i);
            let mut bytes = Vec::new();
            jpeg_encoder::Encoder::new(&mut bytes, 90)
                .encode(img.as_raw(), 4000, 3000, jpeg_encoder::ColorType::Rgb)
                .expect("encode input");
            std::fs::write(&path, bytes).expect("write input");
        }
        total += std::fs::metadata(&path).map_or(0, |m| m.len());
        input.push_str(&format!(
            "{{\"userPrincipalName\":\"u{i:03}@contoso.com\",\"photoPath\":\"{}\"}}\n",
            path.display()
        ));
    }
    let input_file = dir.join("memory-users.jsonl");
    std::fs::write(&input_file, input).expect("write users");
    // The same photos inline, as `ConvertTo-Json` writes a byte[] (one 4.4 MB line per user).
    let inline_file = dir.join("memory-users-inline.jsonl");
    if !inline_file.exists() {
        write_inline_users(&photos, USERS, &inline_file);
    }
    // Users without a photo of their own: every one gets `--default-photo`.
    let bare_file = dir.join("memory-users-bare.jsonl");
    let bare: String = (0..USERS)
        .map(|i| format!("{{\"userPrincipalName\":\"u{i:03}@contoso.com\"}}\n"))
        .collect();
    std::fs::write(&bare_file, bare).expect("write users");
    println!(
        "memory: {USERS} users x 4000x3000 JPEG ({:.1} MB of photos), --concurrency 128, peak RSS of photosync:",
        total as f64 / 1e6
    );
    let wanted = std::env::var("BENCH_MEMORY_PATHS").unwrap_or_default();
    let wanted = |path: &str| wanted.is_empty() || wanted.split(',').any(|w| w == path);
    let store = format!("folder:{}", photos.display());
    let out = dir.join("memory-out");
    let export = format!("folder:{}:{{userPrincipalName}}.jpg", out.display());
    let input_arg = input_file.to_string_lossy().into_owned();
    let inline_arg = inline_file.to_string_lossy().into_owned();
    let bare_arg = bare_file.to_string_lossy().into_owned();
    let default_photo = photos.join("u000@contoso.com.jpg");
    let default_arg = default_photo.to_string_lossy().into_owned();
    let local: [(&str, Vec<&str>); 5] = [
        ("input", sync_from_input(&export, &input_arg)),
        ("inline", sync_from_input(&export, &inline_arg)),
        (
            "default-photo",
            [
                sync_from_input(&export, &bare_arg),
                vec!["--default-photo", &default_arg],
            ]
            .concat(),
        ),
        (
            "folder-status",
            vec![
                "status", "--stores", &store, "--input", &input_arg, "--format", "json",
            ],
        ),
        (
            "folder-source",
            vec![
                "sync",
                "--source",
                &store,
                "--targets",
                &export,
                "--input",
                &input_arg,
            ],
        ),
    ];
    for (name, args) in local {
        if wanted(name) {
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).expect("memory out dir");
            measure_memory(dir, name, &args, &[]);
        }
    }
    if wanted("graph") {
        bench_memory_graph(dir, USERS, &input_arg);
    }
    if wanted("sharepoint") {
        bench_memory_sharepoint(dir, USERS, &input_arg);
    }
    if wanted("ad") {
        bench_memory_ad(dir, &photos, USERS);
    }
}

/// `sync --source input --targets EXPORT --input INPUT`.
fn sync_from_input<'a>(export: &'a str, input: &'a str) -> Vec<&'a str> {
    vec![
        "sync",
        "--source",
        "input",
        "--targets",
        export,
        "--input",
        input,
    ]
}

/// `users` records whose `thumbnailPhoto` is the base64 of their photo in `photos`, written
/// one at a time (the file is about 900 MB).
fn write_inline_users(photos: &Path, users: usize, file: &Path) {
    use base64::Engine as _;
    use std::io::Write as _;
    let partial = file.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).expect("inline users"));
    for i in 0..users {
        let bytes = std::fs::read(photos.join(format!("u{i:03}@contoso.com.jpg"))).expect("photo");
        writeln!(
            out,
            "{{\"userPrincipalName\":\"u{i:03}@contoso.com\",\"thumbnailPhoto\":\"{}\"}}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
        .expect("write inline users");
    }
    out.flush().expect("write inline users");
    drop(out);
    std::fs::rename(&partial, file).expect("inline users");
}

/// The legacy SharePoint profile store against the emulator, with a certificate (SharePoint
/// refuses secrets) in a tenant that allows app-only profile writes: `sync --targets
/// sharepoint` (three renditions written per user, the Entra object looked up for the identity
/// gate), then `status --stores sharepoint` over the same users.
fn bench_memory_sharepoint(dir: &Path, users: usize, input: &str) {
    use photosync_emulator::{Emulator, Faults, Options, Seed, SeedApp, SeedUser};
    const CLIENT: &str = "cccccccc-0000-0000-0000-00000000000c";
    let cert = std::fs::read_to_string(Seed::example_test_only_cert_path()).expect("test cert");
    let key = std::fs::read_to_string(Seed::example_test_only_key_path()).expect("test key");
    let pem = dir.join("memory-app.pem");
    std::fs::write(&pem, format!("{cert}\n{key}")).expect("pem");
    let mut seed = Seed::new().app(
        SeedApp::with_certificate(CLIENT, &cert)
            .graph_roles(&["User.Read.All", "ProfilePhoto.ReadWrite.All"])
            .share_point_roles(&["Sites.FullControl.All", "User.ReadWrite.All"]),
    );
    for i in 0..users {
        seed = seed.user(SeedUser::new(&format!("u{i:03}@contoso.com")));
    }
    let options = Options {
        faults: Faults {
            sharepoint_app_only_profile_writes: true,
            ..Faults::default()
        },
        ..Options::default()
    };
    let emu = Emulator::start(seed, options).expect("emulator");
    let env = [
        ("PHOTOSYNC_GRAPH_URL", emu.graph_url()),
        ("PHOTOSYNC_LOGIN_URL", emu.login_url()),
        ("PHOTOSYNC_SHAREPOINT_URL", emu.sharepoint_url()),
        (
            "PHOTOSYNC_SHAREPOINT_MY_SITE_URL",
            emu.sharepoint_my_site_url(),
        ),
        ("PHOTOSYNC_SHAREPOINT_ROOT_URL", emu.sharepoint_root_url()),
        ("PHOTOSYNC_TENANT_ID", emu.tenant_id()),
        ("PHOTOSYNC_CLIENT_ID", CLIENT.to_string()),
        (
            "PHOTOSYNC_CERTIFICATE_PATH",
            pem.to_string_lossy().into_owned(),
        ),
    ];
    measure_memory(
        dir,
        "sharepoint-sync",
        &[
            "sync",
            "--source",
            "input",
            "--targets",
            "sharepoint",
            "--input",
            input,
        ],
        &env,
    );
    measure_memory(
        dir,
        "sharepoint-status",
        &[
            "status",
            "--stores",
            "sharepoint",
            "--input",
            input,
            "--format",
            "json",
        ],
        &env,
    );
}

/// The AD store against a throw-away slapd whose users have no photo yet: `sync --source
/// input --targets ad` (the 96 px rendition searched for quality within 10 KB), then `status
/// --stores ad` over the same users.
fn bench_memory_ad(dir: &Path, photos: &Path, users: usize) {
    use ad_support::{SLAPD_ADMIN_DN, SLAPD_ADMIN_PASSWORD, SLAPD_SUFFIX, Slapd, slapd_uid};
    let slapd = Slapd::start("bench-memory-slapd", users, 0);
    let input: String = (0..users)
        .map(|i| {
            format!(
                "{{\"userPrincipalName\":\"{}@example.test\",\"photoPath\":\"{}\"}}\n",
                slapd_uid(i),
                photos.join(format!("u{i:03}@contoso.com.jpg")).display()
            )
        })
        .collect();
    let input_file = dir.join("memory-users-ad.jsonl");
    std::fs::write(&input_file, input).expect("write users");
    let input = input_file.to_string_lossy().into_owned();
    let env = [
        ("PHOTOSYNC_LDAP_URL", slapd.ldaps_url()),
        ("PHOTOSYNC_LDAP_BIND_DN", SLAPD_ADMIN_DN.to_string()),
        ("PHOTOSYNC_LDAP_PASSWORD", SLAPD_ADMIN_PASSWORD.to_string()),
        ("PHOTOSYNC_LDAP_BASE_DN", SLAPD_SUFFIX.to_string()),
        (
            "PHOTOSYNC_LDAP_CA_FILE",
            slapd.certs.ca.to_string_lossy().into_owned(),
        ),
    ];
    measure_memory(
        dir,
        "ad-sync",
        &[
            "sync",
            "--source",
            "input",
            "--targets",
            "ad",
            "--input",
            &input,
        ],
        &env,
    );
    measure_memory(
        dir,
        "ad-status",
        &[
            "status", "--stores", "ad", "--input", &input, "--format", "json",
        ],
        &env,
    );
}

/// The cloud paths against the emulator: `sync --source input --targets graph` (every photo
/// rendered, written and read back), then `status --stores graph` over the same users.
fn bench_memory_graph(dir: &Path, users: usize, input: &str) {
    use photosync_emulator::{Emulator, Options, Seed, SeedApp, SeedUser};
    const CLIENT: &str = "aaaaaaaa-0000-0000-0000-00000000000c";
    const SECRET: &str = "memory-secret";
    let mut seed = Seed::new().app(
        SeedApp::with_secret(CLIENT, SECRET)
            .graph_roles(&["User.Read.All", "ProfilePhoto.ReadWrite.All"]),
    );
    for i in 0..users {
        seed = seed.user(SeedUser::new(&format!("u{i:03}@contoso.com")));
    }
    let emu = Emulator::start(seed, Options::default()).expect("emulator");
    let env = [
        ("PHOTOSYNC_GRAPH_URL", emu.graph_url()),
        ("PHOTOSYNC_LOGIN_URL", emu.login_url()),
        ("PHOTOSYNC_TENANT_ID", emu.tenant_id()),
        ("PHOTOSYNC_CLIENT_ID", CLIENT.to_string()),
        ("PHOTOSYNC_CLIENT_SECRET", SECRET.to_string()),
    ];
    measure_memory(
        dir,
        "graph-sync",
        &[
            "sync",
            "--source",
            "input",
            "--targets",
            "graph",
            "--input",
            input,
        ],
        &env,
    );
    measure_memory(
        dir,
        "graph-status",
        &[
            "status", "--stores", "graph", "--input", input, "--format", "json",
        ],
        &env,
    );
}

/// Run photosync with `args` (plus `--concurrency 128`) under `/usr/bin/time`; print the
/// peak RSS, the wall time, the CPU time (user + system) and the summary's counts.
fn measure_memory(dir: &Path, name: &str, args: &[&str], env: &[(&str, String)]) {
    let report = dir.join("memory-time.txt");
    let start = Instant::now();
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "%M %U %S", "-o"])
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_photosync"))
        .args(args)
        .args(["--concurrency", "128", "--progress", "none"])
        .env_remove("PHOTOSYNC_CONFIG")
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let result = cmd.output().expect("run photosync");
    let elapsed = start.elapsed().as_secs_f64();
    // "%M %U %S": peak RSS in KiB, user and system CPU seconds.
    let times = std::fs::read_to_string(&report).unwrap_or_default();
    let mut times = times.split_whitespace();
    let rss_kib: u64 = times.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let cpu: f64 = times.filter_map(|t| t.parse::<f64>().ok()).sum();
    let stdout = String::from_utf8_lossy(&result.stdout);
    let summary: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    println!(
        "  {name:<17} peak RSS {:6.1} MB  {elapsed:5.1} s  CPU {cpu:5.1} s  exit {:?}  {}",
        rss_kib as f64 / 1024.0,
        result.status.code(),
        summary["counts"]
    );
}
