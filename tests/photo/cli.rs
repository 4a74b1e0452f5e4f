//! `photosync photo inspect|prepare|compare` through the real binary: JSON on stdout, error
//! records and exit codes for bad files.

use std::path::Path;
use std::process::Output;

use image::{DynamicImage, Rgb, RgbImage};
use photosync_testkit::photosync;
use serde_json::Value;

use super::fixtures::*;

fn json(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    // Piped stdout: one JSON document on one line.
    assert_eq!(text.lines().count(), 1, "stdout: {text}");
    serde_json::from_str(&text).expect("stdout is JSON")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    path.to_string_lossy().into_owned()
}

/// `photosync photo prepare FILE --target TARGET --out OUT [EXTRA...]`.
fn prepare(file: &str, target: &str, out: &Path, extra: &[&str]) -> Output {
    photosync!()
        .args(["photo", "prepare", file, "--target", target, "--out"])
        .args([out])
        .args(extra)
        .output()
}

#[test]
fn inspect_prints_the_fingerprint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "p.png", &png(&corner_markers(120, 80)));
    let out = photosync!().args(["photo", "inspect", &file]).output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["format"], "png");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(120), Some(80))
    );
    assert_eq!(v["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(v["phash"].as_str().map(str::len), Some(16));
}

#[test]
fn prepare_ad_from_a_4000x3000_exif_rotated_jpeg_is_upright_96px_within_10_kib() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Upright picture: portrait 3000x4000 with the marker square in the centre square.
    let mut upright = RgbImage::from_pixel(3000, 4000, Rgb([128, 128, 128]));
    image::imageops::replace(&mut upright, &corner_markers(3000, 3000), 0, 500);
    // Stored turned 90 degrees anticlockwise (4000x3000); orientation 6 turns it back.
    let stored = DynamicImage::ImageRgb8(upright).rotate270().to_rgb8();
    assert_eq!(stored.dimensions(), (4000, 3000));
    let file = write(
        dir.path(),
        "big.jpg",
        &with_exif_orientation(&jpeg(&stored, 85), 6),
    );
    let out_path = dir.path().join("ad.jpg");
    let out = prepare(&file, "ad", &out_path, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["target"], "ad");
    assert_eq!(v["source"]["width"], 4000);
    let bytes = std::fs::read(&out_path).expect("rendition written");
    assert!(bytes.len() <= 10_240, "{} bytes", bytes.len());
    assert_eq!(v["renditions"][0]["photo"]["bytes"], bytes.len());
    assert!(
        !jpeg_header_markers(&bytes).contains(&0xE1),
        "EXIF must be stripped"
    );
    let img = image::load_from_memory(&bytes).expect("decodes").to_rgb8();
    assert_eq!(img.dimensions(), (96, 96));
    assert!(
        near(*img.get_pixel(6, 6), [230, 20, 20], 40),
        "top-left {:?}",
        img.get_pixel(6, 6)
    );
    assert!(
        near(*img.get_pixel(89, 6), [20, 20, 230], 40),
        "top-right {:?}",
        img.get_pixel(89, 6)
    );
    assert!(
        near(*img.get_pixel(6, 89), [20, 200, 20], 40),
        "bottom-left {:?}",
        img.get_pixel(6, 89)
    );
}

#[test]
fn prepare_graph_and_sharepoint_write_the_right_sizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "p.jpg", &jpeg(&corner_markers(1000, 800), 90));
    let graph = dir.path().join("graph.jpg");
    let out = prepare(&file, "graph", &graph, &[]);
    assert_eq!(out.status.code(), Some(0));
    let img = image::open(&graph).expect("graph rendition");
    assert_eq!((img.width(), img.height()), (648, 648));

    let sp = dir.path().join("sp.jpg");
    let out = prepare(&file, "sharepoint", &sp, &[]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["renditions"].as_array().map(Vec::len), Some(3));
    for size in [48u32, 72, 200] {
        let img = image::open(dir.path().join(format!("sp-{size}.jpg"))).expect("sharepoint file");
        assert_eq!((img.width(), img.height()), (size, size));
    }
}

#[test]
fn compare_says_same_for_a_reencode_and_different_for_another_picture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pic = corner_markers(300, 300);
    let a = write(dir.path(), "a.png", &png(&pic));
    let b = write(
        dir.path(),
        "b.jpg",
        &jpeg(
            &image::imageops::resize(&pic, 96, 96, image::imageops::Triangle),
            60,
        ),
    );
    let other = RgbImage::from_fn(300, 300, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let c = write(dir.path(), "c.png", &png(&other));
    let same = json(&photosync!().args(["photo", "compare", &a, &b]).output());
    assert_eq!(same["same"], true, "{same}");
    assert_eq!(same["identicalBytes"], false);
    let different = json(&photosync!().args(["photo", "compare", &a, &c]).output());
    assert_eq!(different["same"], false, "{different}");
    assert!(different["distance"].as_u64() > different["threshold"].as_u64());
    for component in ["structure", "detail", "colour", "brightness"] {
        assert!(different[component].is_f64(), "{component}: {different}");
    }
}

fn assert_refused(file: &str, code: &str) {
    for args in [
        vec!["photo", "inspect", file],
        vec![
            "photo",
            "prepare",
            file,
            "--target",
            "ad",
            "--out",
            "/nonexistent-dir/x.jpg",
        ],
    ] {
        let out = photosync!().args(&args).output();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let v = json(&out);
        assert_eq!(v["type"], "error");
        assert_eq!(v["code"], code, "{v}");
        assert!(v["hint"].is_string(), "{v}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
    }
}

#[test]
fn bad_files_give_an_error_record_and_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = jpeg(&corner_markers(200, 200), 90);
    assert_refused(
        &write(dir.path(), "cut.jpg", &j[..j.len() / 2]),
        "photo-unreadable",
    );
    assert_refused(&write(dir.path(), "empty.jpg", &[]), "photo-unreadable");
    assert_refused(
        &write(dir.path(), "noise.jpg", &random_bytes(2048, 1)),
        "photo-unsupported-format",
    );
    assert_refused(
        &write(dir.path(), "iphone.heic", &heic_header()),
        "photo-unsupported-format",
    );
    assert_refused(
        &write(dir.path(), "bomb.png", &png_bomb(30_000, 30_000)),
        "photo-too-large",
    );
    // Over the byte limit: a sparse file, refused from its size before being read.
    let huge = dir.path().join("huge.jpg");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(60 * 1024 * 1024))
        .expect("sparse file");
    assert_refused(huge.to_str().unwrap_or_default(), "photo-too-large");
    assert_refused(
        dir.path().join("missing.jpg").to_str().unwrap_or_default(),
        "photo-file-unreadable",
    );
}

#[test]
fn an_ad_budget_over_the_attribute_limit_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "p.png", &png(&corner_markers(100, 100)));
    let out_path = dir.path().join("o.jpg");
    let out = prepare(&file, "ad", &out_path, &["--ad-max-bytes", "200000"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["code"], "config");
    assert!(!out_path.exists());
}
