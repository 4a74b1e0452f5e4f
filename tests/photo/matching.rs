//! The "same picture" threshold, proven both ways on the generated corpus: every re-encoded,
//! resized, format-changed, EXIF-rotated and slightly cropped copy matches its original;
//! no two different people match, even on the same background. The measured distributions
//! are printed (`cargo test --test photo -- --nocapture matching`) and recorded in
//! docs/photos.md.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use image::{DynamicImage, imageops};
use photosync::photo::{self, DecodeLimits, SAME_PICTURE_MAX_DISTANCE};

use super::corpus::{people, portrait};
use super::fixtures::{jpeg, png, with_exif_orientation};

const WIDTH: u32 = 480;
const HEIGHT: u32 = 600;

/// Distances per class: same-picture classes start with `same:`, the others `different:`.
struct Measurements(BTreeMap<&'static str, Vec<u32>>);

fn phash_of(bytes: &[u8]) -> u64 {
    let info = photo::inspect(bytes, &DecodeLimits::default()).expect("corpus image decodes");
    photo::parse_phash(&info.phash).expect("phash parses")
}

fn measurements() -> &'static Measurements {
    static M: OnceLock<Measurements> = OnceLock::new();
    M.get_or_init(measure)
}

fn measure() -> Measurements {
    let corpus = people(6, 4);
    let mut classes: BTreeMap<&'static str, Vec<u32>> = BTreeMap::new();
    let mut references = Vec::new();
    for (person, background) in &corpus {
        let original = portrait(person, background, WIDTH, HEIGHT);
        let reference = phash_of(&png(&original));
        references.push(reference);
        let mut record = |class: &'static str, bytes: Vec<u8>| {
            let d = photo::distance(reference, phash_of(&bytes));
            classes.entry(class).or_default().push(d);
        };

        for quality in [30, 50, 70, 85, 95] {
            record("same: re-encoded JPEG q30-95", jpeg(&original, quality));
        }
        for width in [48, 96, 200, 648] {
            let height = width * HEIGHT / WIDTH;
            let resized = imageops::resize(&original, width, height, imageops::Triangle);
            record("same: resized to 48-648 px (JPEG q85)", jpeg(&resized, 85));
        }
        record("same: PNG vs JPEG q90", jpeg(&original, 90));
        let dynamic = DynamicImage::ImageRgb8(original.clone());
        // Stored pixels turned the other way, so the EXIF tag makes them upright again.
        for (orientation, stored) in [
            (3, dynamic.rotate180()),
            (6, dynamic.rotate270()),
            (8, dynamic.rotate90()),
        ] {
            let bytes = with_exif_orientation(&jpeg(&stored.to_rgb8(), 90), orientation);
            record("same: EXIF-rotated (3/6/8) JPEG q90", bytes);
        }
        let (dx, dy) = (WIDTH * 2 / 100, HEIGHT * 2 / 100);
        let cropped =
            imageops::crop_imm(&original, dx, dy, WIDTH - 2 * dx, HEIGHT - 2 * dy).to_image();
        record(
            "same: cropped 2% (every edge, or top only)",
            jpeg(&cropped, 90),
        );
        let cropped = imageops::crop_imm(&original, 0, dy, WIDTH, HEIGHT - dy).to_image();
        record(
            "same: cropped 2% (every edge, or top only)",
            jpeg(&cropped, 90),
        );
        // Beyond "slight": measured and reported, not promised either way.
        let (dx, dy) = (WIDTH * 4 / 100, HEIGHT * 4 / 100);
        let cropped =
            imageops::crop_imm(&original, dx, dy, WIDTH - 2 * dx, HEIGHT - 2 * dy).to_image();
        record("beyond: cropped 4% per edge", jpeg(&cropped, 90));
    }
    // Different people: every pair, split by whether they share a background.
    let per_group = 4;
    for i in 0..references.len() {
        for j in i + 1..references.len() {
            let class = if i / per_group == j / per_group {
                "different: other person, same background"
            } else {
                "different: other person, other background"
            };
            let d = photo::distance(references[i], references[j]);
            classes.entry(class).or_default().push(d);
        }
    }
    Measurements(classes)
}

fn report(m: &Measurements) -> String {
    let mut out = String::from("| class | n | min | max | mean |\n|---|---|---|---|---|\n");
    for (class, ds) in &m.0 {
        let min = ds.iter().min().copied().unwrap_or(0);
        let max = ds.iter().max().copied().unwrap_or(0);
        let mean = ds.iter().sum::<u32>() as f64 / ds.len().max(1) as f64;
        out.push_str(&format!(
            "| {class} | {} | {min} | {max} | {mean:.1} |\n",
            ds.len()
        ));
    }
    out
}

#[test]
fn every_copy_of_the_same_picture_matches() {
    let m = measurements();
    eprintln!("{}", report(m));
    let mut checked = 0;
    for (class, ds) in m.0.iter().filter(|(c, _)| c.starts_with("same:")) {
        for &d in ds {
            assert!(
                d <= SAME_PICTURE_MAX_DISTANCE,
                "{class}: distance {d} is over the threshold {SAME_PICTURE_MAX_DISTANCE}\n{}",
                report(m)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 24 * 15, "same-picture pairs measured");
}

#[test]
fn different_people_never_match_even_on_the_same_background() {
    let m = measurements();
    let mut checked = 0;
    for (class, ds) in m.0.iter().filter(|(c, _)| c.starts_with("different:")) {
        for &d in ds {
            assert!(
                d > SAME_PICTURE_MAX_DISTANCE,
                "{class}: distance {d} is within the threshold {SAME_PICTURE_MAX_DISTANCE}\n{}",
                report(m)
            );
            checked += 1;
        }
    }
    // 24 people: 276 pairs, 36 of them on a shared background.
    assert_eq!(checked, 276);
}

#[test]
fn the_threshold_has_margin_on_both_sides() {
    let m = measurements();
    let worst_same =
        m.0.iter()
            .filter(|(c, _)| c.starts_with("same:"))
            .flat_map(|(_, ds)| ds.iter().copied())
            .max()
            .unwrap_or(0);
    let closest_different =
        m.0.iter()
            .filter(|(c, _)| c.starts_with("different:"))
            .flat_map(|(_, ds)| ds.iter().copied())
            .min()
            .unwrap_or(64);
    // The service transforms (re-encode, resize, format, rotation) stay a bit under the
    // threshold; crops may reach it; different people stay at least 2 bits above it.
    let worst_service =
        m.0.iter()
            .filter(|(c, _)| c.starts_with("same:") && !c.contains("cropped"))
            .flat_map(|(_, ds)| ds.iter().copied())
            .max()
            .unwrap_or(0);
    assert!(
        worst_service < SAME_PICTURE_MAX_DISTANCE && worst_same <= SAME_PICTURE_MAX_DISTANCE,
        "worst same-picture distance {worst_same} leaves no margin\n{}",
        report(m)
    );
    assert!(
        closest_different >= SAME_PICTURE_MAX_DISTANCE + 2,
        "closest different-picture distance {closest_different} leaves no margin\n{}",
        report(m)
    );
}
