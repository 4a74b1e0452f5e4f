//! Every accepted input format decodes to the right picture; every hostile or foreign file
//! becomes a clear error with a hint, never a panic or a huge allocation.

use image::{DynamicImage, ImageFormat, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use photosync::error::Error;
use photosync::photo::{self, DecodeLimits};
use photosync::schema::ErrorCode;

use super::fixtures::*;

fn load(bytes: &[u8]) -> Result<photo::SourcePhoto, Error> {
    photo::load(bytes, &DecodeLimits::default())
}

fn centre(p: &photo::SourcePhoto) -> Rgb<u8> {
    let sq = p.square.to_rgb8();
    *sq.get_pixel(sq.width() / 2, sq.height() / 2)
}

fn refused(bytes: &[u8], code: ErrorCode) -> Error {
    let err = load(bytes).expect_err("must be refused");
    assert_eq!(err.code, code, "{}", err.message);
    assert!(err.hint.is_some(), "no hint for: {}", err.message);
    err
}

#[test]
fn baseline_and_progressive_jpeg_decode() {
    let img = RgbImage::from_pixel(64, 48, Rgb([200, 40, 40]));
    for bytes in [jpeg(&img, 90), progressive_jpeg(&img)] {
        let p = load(&bytes).expect("decodes");
        assert_eq!((p.info.width, p.info.height), (64, 48));
        assert_eq!((p.square.width(), p.square.height()), (48, 48));
        assert!(near(centre(&p), [200, 40, 40], 12), "{:?}", centre(&p));
    }
}

#[test]
fn cmyk_jpeg_decodes_to_rgb() {
    // No ink at all is white; full black ink is black.
    let white = load(&cmyk_jpeg(32, 32, [0, 0, 0, 0])).expect("decodes");
    let black = load(&cmyk_jpeg(32, 32, [0, 0, 0, 255])).expect("decodes");
    let (w, b) = (centre(&white), centre(&black));
    assert!(
        w.0.iter().zip(b.0).all(|(&w, b)| w > b),
        "white {w:?} black {b:?}"
    );
    assert_eq!(white.info.format, "jpeg");
}

/// Regression: only the brightness order of CMYK was checked, so swapped or un-inverted
/// channels would have passed. Photoshop writes CMYK JPEGs with an Adobe APP14 segment and
/// the values stored inverted (255 = no ink); `cmyk_jpeg` writes exactly that.
#[test]
fn adobe_inverted_cmyk_jpeg_decodes_to_the_right_colours() {
    let bytes = cmyk_jpeg(32, 32, [0, 255, 255, 0]);
    let app14 = bytes
        .windows(7)
        .position(|w| w == b"Adobe\0\0")
        .expect("the fixture carries an Adobe APP14 segment");
    assert_eq!(&bytes[app14 - 4..app14 - 2], &[0xFF, 0xEE]);
    // Ink amounts -> the RGB a proofing tool shows (naive conversion, no ICC profile).
    for (ink, rgb) in [
        ([0, 0, 0, 0], [255, 255, 255]),
        ([0, 255, 255, 0], [255, 0, 0]),
        ([255, 0, 255, 0], [0, 255, 0]),
        ([255, 255, 0, 0], [0, 0, 255]),
        ([255, 0, 0, 0], [0, 255, 255]),
        ([0, 0, 0, 128], [127, 127, 127]),
        ([0, 128, 255, 64], [191, 95, 0]),
    ] {
        let p = load(&cmyk_jpeg(32, 32, ink)).expect("decodes");
        assert!(
            near(centre(&p), rgb, 6),
            "ink {ink:?}: got {:?}, want {rgb:?}",
            centre(&p)
        );
    }
}

/// A large CMYK JPEG does not take the reduced-decode path (whose decoder reports CMYK in
/// its own convention); it must come out in the same colours as a small one.
#[test]
fn large_cmyk_jpeg_keeps_its_colours() {
    let p = load(&cmyk_jpeg(1400, 1400, [0, 255, 255, 0])).expect("decodes");
    assert_eq!(p.square.width(), photo::MAX_SQUARE_PX);
    assert!(near(centre(&p), [255, 0, 0], 6), "{:?}", centre(&p));
}

/// Shrink-on-load: a 3000x4000 JPEG is decoded at 1/4 inside the IDCT; the square, the graph
/// rendition and the signature must match a full decode of the same pixels.
#[test]
fn large_jpeg_decoded_reduced_matches_the_full_picture() {
    let (w, h) = (3000u32, 4000u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32 - 0.5, y as f32 / h as f32 - 0.4);
        if fx * fx / 0.03 + fy * fy / 0.05 < 1.0 {
            Rgb([220, 170, 140])
        } else if fy > 0.3 && fx.abs() < 0.4 {
            Rgb([40, 60, 150])
        } else {
            Rgb([(x / 12 % 256) as u8, 200, (y / 16 % 256) as u8])
        }
    });
    let reduced = load(&jpeg(&img, 90)).expect("reduced decode");
    // The same pixels as PNG take the full-decode path.
    let full = load(&png(&img)).expect("full decode");
    assert_eq!(reduced.square.width(), 648);
    assert_eq!(full.square.width(), 648);
    let (a, b) = (reduced.square.to_rgb8(), full.square.to_rgb8());
    let diff: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    let mean = diff as f64 / a.as_raw().len() as f64;
    assert!(mean < 3.0, "mean difference {mean:.2} levels per channel");
    let (same, distance) = photo::same_picture(&reduced.info, &full.info).expect("signatures");
    assert!(same, "distance {distance}");
    let graph = photo::render_one(&reduced, &photosync::store::graph::RENDITION).expect("graph");
    let graph = photo::inspect(&graph.bytes, &DecodeLimits::default()).expect("inspect");
    let (same, distance) = photo::same_picture(&graph, &full.info).expect("signatures");
    assert!(same, "rendition vs full decode: distance {distance}");
}

#[test]
fn png_gif_webp_bmp_decode() {
    let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 30, Rgb([30, 160, 90])));
    for format in [ImageFormat::Png, ImageFormat::WebP, ImageFormat::Bmp] {
        let p = load(&encode(&img, format)).expect("decodes");
        assert!(
            near(centre(&p), [30, 160, 90], 4),
            "{format:?}: {:?}",
            centre(&p)
        );
    }
    let gif = load(&animated_gif(
        Rgba([250, 0, 0, 255]),
        Rgba([0, 0, 250, 255]),
    ))
    .expect("gif");
    assert_eq!(gif.info.format, "gif");
    assert!(
        near(centre(&gif), [250, 0, 0], 10),
        "first frame only: {:?}",
        centre(&gif)
    );
}

#[test]
fn transparency_is_flattened_on_white_not_black() {
    let mut img = RgbaImage::from_pixel(20, 20, Rgba([0, 0, 0, 0]));
    img.put_pixel(0, 0, Rgba([0, 0, 255, 255]));
    let p = load(&encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png)).expect("decodes");
    assert_eq!(centre(&p).0, [255, 255, 255]);
}

#[test]
fn sixteen_bit_and_grayscale_inputs_decode() {
    let rgba16 = image::ImageBuffer::<Rgba<u16>, _>::from_pixel(16, 16, Rgba([65535, 0, 0, 32768]));
    let p = load(&encode(
        &DynamicImage::ImageRgba16(rgba16),
        ImageFormat::Png,
    ))
    .expect("16-bit");
    // Half-transparent red on white is pink.
    assert!(near(centre(&p), [255, 127, 127], 3), "{:?}", centre(&p));
    let gray16 = image::ImageBuffer::<Luma<u16>, _>::from_pixel(16, 16, Luma([32768]));
    let p = load(&encode(
        &DynamicImage::ImageLuma16(gray16),
        ImageFormat::Png,
    ))
    .expect("gray16");
    assert!(near(centre(&p), [128, 128, 128], 2), "{:?}", centre(&p));
    let gray = RgbImage::from_pixel(16, 16, Rgb([90, 90, 90]));
    let gray_jpeg = DynamicImage::ImageRgb8(gray).into_luma8();
    let p = load(&encode(
        &DynamicImage::ImageLuma8(gray_jpeg),
        ImageFormat::Jpeg,
    ))
    .expect("gray");
    assert!(near(centre(&p), [90, 90, 90], 3), "{:?}", centre(&p));
}

#[test]
fn exif_orientation_is_applied() {
    // Upright: red top-left. Stored turned the other way for each orientation.
    let upright = DynamicImage::ImageRgb8(corner_markers(60, 60));
    for (orientation, stored) in [
        (3, upright.rotate180()),
        (6, upright.rotate270()),
        (8, upright.rotate90()),
    ] {
        let bytes = with_exif_orientation(&jpeg(&stored.to_rgb8(), 95), orientation);
        let p = load(&bytes).expect("decodes");
        let sq = p.square.to_rgb8();
        assert!(
            near(*sq.get_pixel(3, 3), [230, 20, 20], 30),
            "orientation {orientation}"
        );
        assert!(
            near(*sq.get_pixel(56, 3), [20, 20, 230], 30),
            "orientation {orientation}"
        );
        assert!(
            near(*sq.get_pixel(3, 56), [20, 200, 20], 30),
            "orientation {orientation}"
        );
    }
}

#[test]
fn non_square_photos_are_centre_cropped() {
    // Left and right thirds black, centre white: a 300x100 crop keeps only the centre.
    let img = RgbImage::from_fn(300, 100, |x, _| {
        if (100..200).contains(&x) {
            Rgb([255, 255, 255])
        } else {
            Rgb([0, 0, 0])
        }
    });
    let p = load(&png(&img)).expect("decodes");
    let sq = p.square.to_rgb8();
    assert_eq!(sq.dimensions(), (100, 100));
    assert!(sq.pixels().all(|px| px.0 == [255, 255, 255]));
}

#[test]
fn truncated_files_are_unreadable() {
    let img = corner_markers(200, 200);
    let j = jpeg(&img, 90);
    let e = refused(&j[..j.len() / 2], ErrorCode::PhotoUnreadable);
    assert!(e.message.contains("truncated"), "{}", e.message);
    refused(&j[..j.len() - 2], ErrorCode::PhotoUnreadable);
    let p = png(&RgbImage::from_fn(200, 200, |x, y| {
        Rgb([x as u8, y as u8, 7])
    }));
    refused(&p[..p.len() / 2], ErrorCode::PhotoUnreadable);
    refused(&j[..3], ErrorCode::PhotoUnreadable);
}

#[test]
fn empty_and_random_files_are_refused() {
    let e = refused(&[], ErrorCode::PhotoUnreadable);
    assert!(e.message.contains("empty"), "{}", e.message);
    refused(&random_bytes(4096, 7), ErrorCode::PhotoUnsupportedFormat);
    refused(b"hello, this is text", ErrorCode::PhotoUnsupportedFormat);
}

#[test]
fn heic_avif_and_tiff_are_named_in_the_refusal() {
    let e = refused(&heic_header(), ErrorCode::PhotoUnsupportedFormat);
    assert!(e.message.contains("HEIC"), "{}", e.message);
    let e = refused(&avif_header(), ErrorCode::PhotoUnsupportedFormat);
    assert!(e.message.contains("AVIF"), "{}", e.message);
    let e = refused(&tiff_header(), ErrorCode::PhotoUnsupportedFormat);
    assert!(e.message.contains("TIFF"), "{}", e.message);
}

#[test]
fn png_bomb_is_refused_from_its_header() {
    let bomb = png_bomb(30_000, 30_000);
    assert!(bomb.len() < 100);
    let e = refused(&bomb, ErrorCode::PhotoTooLarge);
    assert!(e.message.contains("30000x30000"), "{}", e.message);
}

#[test]
fn memory_and_byte_limits_are_enforced() {
    let limits = DecodeLimits {
        max_alloc: 1024 * 1024,
        ..DecodeLimits::default()
    };
    // 1000x1000 RGB needs ~6 MB with the working copy: over a 1 MiB budget.
    let e = photo::load(&png_bomb(1000, 1000), &limits).expect_err("over memory");
    assert_eq!(e.code, ErrorCode::PhotoTooLarge);
    assert!(e.message.contains("memory"), "{}", e.message);
    let limits = DecodeLimits {
        max_bytes: 100,
        ..DecodeLimits::default()
    };
    let e = photo::load(&jpeg(&corner_markers(50, 50), 90), &limits).expect_err("over bytes");
    assert_eq!(e.code, ErrorCode::PhotoTooLarge);
}
