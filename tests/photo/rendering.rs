//! Renditions: sizes, byte budgets found by quality search, no upscaling for Graph/AD, no
//! metadata in any output, and downscaling without aliasing.

use image::{Rgb, RgbImage};
use photosync::photo::{self, DecodeLimits, RenditionSpec, SourcePhoto};
use photosync::schema::ErrorCode;
use photosync::store::{ad, graph, sharepoint};

use super::fixtures::*;

fn source(img: &RgbImage) -> SourcePhoto {
    photo::load(&png(img), &DecodeLimits::default()).expect("decodes")
}

fn noisy(side: u32) -> RgbImage {
    let mut rng = Rng::new(3);
    RgbImage::from_fn(side, side, |_, _| {
        let v = rng.next_u64();
        Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    })
}

fn decoded_size(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("output decodes");
    (img.width(), img.height())
}

#[test]
fn ad_rendition_is_96px_within_10_kib_by_default() {
    let r = photo::render_one(&source(&noisy(400)), &ad::RENDITION).expect("ad");
    assert_eq!(decoded_size(&r.bytes), (96, 96));
    assert!(r.bytes.len() <= 10_240, "{} bytes", r.bytes.len());
}

#[test]
fn quality_is_searched_down_to_fit_the_budget() {
    let src = source(&noisy(400));
    let free = photo::render_one(
        &src,
        &RenditionSpec {
            max_px: 200,
            max_bytes: 102_400,
            ..ad::RENDITION
        },
    )
    .expect("fits at top quality");
    let budget = free.bytes.len() * 2 / 3;
    let tight = photo::render_one(
        &src,
        &RenditionSpec {
            max_px: 200,
            max_bytes: budget,
            ..ad::RENDITION
        },
    )
    .expect("fits at lower quality");
    assert!(tight.bytes.len() <= budget);
    assert!(tight.quality < free.quality);
    assert!(tight.quality >= photo::JPEG_MIN_QUALITY);
    // Not truncated: the output is a complete JPEG of the right size.
    assert_eq!(decoded_size(&tight.bytes), (200, 200));
    assert_eq!(&tight.bytes[tight.bytes.len() - 2..], &[0xFF, 0xD9]);
}

#[test]
fn an_impossible_budget_is_a_clear_error() {
    let src = source(&noisy(400));
    let e = photo::render_one(
        &src,
        &RenditionSpec {
            max_px: 200,
            max_bytes: 2_000,
            ..ad::RENDITION
        },
    )
    .expect_err("cannot fit");
    assert_eq!(e.code, ErrorCode::PhotoTooLarge);
    assert!(e.message.contains("even at quality"), "{}", e.message);
    assert!(e.hint.is_some());
    let e = photo::render_one(
        &src,
        &RenditionSpec {
            max_px: 96,
            max_bytes: 200_000,
            ..ad::RENDITION
        },
    )
    .expect_err("over the attribute limit");
    assert_eq!(e.code, ErrorCode::Config);
}

#[test]
fn graph_is_capped_at_648_and_never_upscaled() {
    let big = photo::render_one(&source(&noisy(1000)), &graph::RENDITION).expect("graph");
    assert_eq!((big.size_px, decoded_size(&big.bytes)), (648, (648, 648)));
    assert!(big.bytes.len() <= photo::GRAPH_MAX_BYTES);
    let small =
        photo::render_one(&source(&corner_markers(300, 300)), &graph::RENDITION).expect("graph");
    assert_eq!(decoded_size(&small.bytes), (300, 300));
}

#[test]
fn sharepoint_gets_48_72_and_200() {
    let rs = photo::render(&source(&corner_markers(500, 500)), &sharepoint::RENDITION)
        .expect("sharepoint");
    let sizes: Vec<_> = rs.iter().map(|r| decoded_size(&r.bytes)).collect();
    assert_eq!(sizes, [(48, 48), (72, 72), (200, 200)]);
}

#[test]
fn outputs_carry_no_metadata() {
    let with_meta = insert_app_segment(
        &with_exif_orientation(&jpeg(&corner_markers(300, 300), 90), 1),
        0xFE,
        b"secret comment",
    );
    assert!(jpeg_header_markers(&with_meta).contains(&0xE1));
    let src = photo::load(&with_meta, &DecodeLimits::default()).expect("decodes");
    let mut outputs = vec![
        photo::render_one(&src, &ad::RENDITION).expect("ad"),
        photo::render_one(&src, &graph::RENDITION).expect("graph"),
    ];
    outputs.extend(photo::render(&src, &sharepoint::RENDITION).expect("sharepoint"));
    for r in outputs {
        let markers = jpeg_header_markers(&r.bytes);
        assert!(
            !markers
                .iter()
                .any(|m| (0xE1..=0xEF).contains(m) || *m == 0xFE),
            "metadata segment in output: {markers:x?}"
        );
        assert!(!r.bytes.windows(6).any(|w| w == b"Exif\0\0"));
    }
}

#[test]
fn downscaling_fine_stripes_gives_grey_not_moire() {
    // One-pixel black/white stripes: a naive (nearest/point) downscale would give bands.
    let stripes = RgbImage::from_fn(960, 960, |x, _| {
        if x % 2 == 0 {
            Rgb([0, 0, 0])
        } else {
            Rgb([255, 255, 255])
        }
    });
    let src = source(&stripes);
    let r = photo::render_one(&src, &ad::RENDITION).expect("ad");
    let out = image::load_from_memory(&r.bytes)
        .expect("decodes")
        .to_luma8();
    let values: Vec<f64> = out
        .enumerate_pixels()
        // The outermost pixels see a truncated kernel; judge the inside.
        .filter(|(x, y, _)| (2..94).contains(x) && (2..94).contains(y))
        .map(|(_, _, p)| f64::from(p[0]))
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let spread = values.iter().map(|v| (v - mean).abs()).fold(0.0, f64::max);
    assert!((mean - 127.5).abs() < 6.0, "mean {mean}");
    assert!(spread < 12.0, "largest deviation from grey {spread}");
}
