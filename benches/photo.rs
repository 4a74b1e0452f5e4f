//! Photos per second for the whole per-photo job (decode a 1024x1024 JPEG, orient, square,
//! fingerprint, render ad + graph + the three SharePoint sizes) on one core, next to
//! ImageMagick doing the same decode/resize/encode work in the same run.
//!
//! Run with `scripts/bench-photo` (installs ImageMagick, pins everything to one CPU).
//! Not a test: it prints numbers, it asserts nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use photosync::photo::{self, AdRenditionOptions, DecodeLimits};

const FILES: usize = 16;
const SIDE: u32 = 1024;
const MIN_TIME: Duration = Duration::from_secs(5);

fn main() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-photo");
    std::fs::create_dir_all(dir.join("out")).expect("bench dir");
    let inputs = make_inputs(&dir);

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

/// Portrait-like 1024x1024 JPEGs at quality 90, with sensor-like noise so the encoder and
/// resizer see realistic detail rather than flat colour.
fn make_inputs(dir: &Path) -> Vec<PathBuf> {
    (0..FILES)
        .map(|i| {
            let mut state = 0x9E37_79B9u32.wrapping_mul(i as u32 + 1);
            let img = image::RgbImage::from_fn(SIDE, SIDE, |x, y| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (state % 16) as i32 - 8;
                let (fx, fy) = (x as f32 / SIDE as f32 - 0.5, y as f32 / SIDE as f32 - 0.4);
                let head = fx * fx / 0.03 + fy * fy / 0.05 < 1.0;
                let body = fy > 0.3 && fx.abs() < 0.4;
                let base: [i32; 3] = if head {
                    [220 - i as i32 * 5, 170, 140]
                } else if body {
                    [40, 60 + i as i32 * 8, 150]
                } else {
                    [(x / 4) as i32 % 256, 200, (y / 4) as i32 % 256]
                };
                image::Rgb(base.map(|c| (c + noise).clamp(0, 255) as u8))
            });
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
    let ad = AdRenditionOptions::default();
    let mut photos = 0usize;
    let mut out_bytes = 0usize;
    let start = Instant::now();
    while start.elapsed() < MIN_TIME || photos < FILES {
        for bytes in &files {
            let src = photo::load(bytes, &limits).expect("decode");
            out_bytes += photo::render_ad(&src, &ad).expect("ad").bytes.len();
            out_bytes += photo::render_graph(&src).expect("graph").bytes.len();
            for r in photo::render_sharepoint(&src).expect("sharepoint") {
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
