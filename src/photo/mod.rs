//! The photo pipeline: decode with hard limits, apply EXIF orientation, centre-crop to a
//! square, render per-target JPEGs, and fingerprint.
//!
//! Guarantees: a hostile file (bomb, truncated, unknown format) becomes an `Error` quickly and
//! without allocating its claimed size; every output has metadata stripped (we re-encode
//! from pixels); the perceptual hash is taken from the oriented square, so the same picture
//! matches across the services' re-encodes and resizes.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, imageops::FilterType};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::schema::{ErrorCode, PhotoInfo};

/// Hamming distance at or below which two perceptual hashes are "the same picture".
pub const SAME_PICTURE_MAX_DISTANCE: u32 = 10;

/// Hard limits for decoding untrusted images.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    pub max_bytes: usize,
    pub max_width: u32,
    pub max_height: u32,
    pub max_alloc: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_bytes: 50 * 1024 * 1024,
            max_width: 12_000,
            max_height: 12_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

/// An authoritative photo, decoded, upright and square: what every rendition is made from.
#[derive(Debug, Clone)]
pub struct SourcePhoto {
    pub square: DynamicImage,
    /// Fingerprint of the original bytes as given.
    pub info: PhotoInfo,
}

/// One encoded image for a target.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub size_px: u32,
    pub bytes: Vec<u8>,
}

/// Options for the AD `thumbnailPhoto` rendition.
#[derive(Debug, Clone, Copy)]
pub struct AdRenditionOptions {
    pub size_px: u32,
    pub max_bytes: usize,
}

impl Default for AdRenditionOptions {
    fn default() -> Self {
        AdRenditionOptions {
            size_px: 96,
            max_bytes: 10_240,
        }
    }
}

/// AD's schema limit for `thumbnailPhoto`.
pub const AD_ATTRIBUTE_MAX_BYTES: usize = 102_400;
/// Graph's largest size in the Exchange ladder.
pub const GRAPH_MAX_PX: u32 = 648;
/// Graph's upload limit.
pub const GRAPH_MAX_BYTES: usize = 4 * 1024 * 1024;
/// The legacy SharePoint profile-picture renditions (small, medium, large).
pub const SHAREPOINT_SIZES: [u32; 3] = [48, 72, 200];

/// Decode, orient and square an untrusted photo.
pub fn load(bytes: &[u8], limits: &DecodeLimits) -> Result<SourcePhoto> {
    let (image, format) = decode_oriented(bytes, limits)?;
    let square = centre_square(image);
    let info = info_for(bytes, format, &square);
    Ok(SourcePhoto { square, info })
}

/// Fingerprint stored bytes (what `photo inspect` prints).
pub fn inspect(bytes: &[u8], limits: &DecodeLimits) -> Result<PhotoInfo> {
    load(bytes, limits).map(|p| p.info)
}

fn info_for(bytes: &[u8], format: ImageFormat, square: &DynamicImage) -> PhotoInfo {
    // width/height describe the stored image; the square is only for the perceptual hash.
    let (width, height) = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .unwrap_or((square.width(), square.height()));
    PhotoInfo {
        format: format_name(format).to_string(),
        width,
        height,
        bytes: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        phash: format!("{:016x}", perceptual_hash(square)),
    }
}

fn decode_oriented(bytes: &[u8], limits: &DecodeLimits) -> Result<(DynamicImage, ImageFormat)> {
    if bytes.len() > limits.max_bytes {
        return Err(Error::input(
            ErrorCode::PhotoTooLarge,
            format!(
                "photo is {} bytes, over the {} byte limit",
                bytes.len(),
                limits.max_bytes
            ),
        ));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| {
            Error::input(
                ErrorCode::PhotoUnreadable,
                format!("cannot read photo: {e}"),
            )
        })?;
    let format = match reader.format() {
        Some(
            f @ (ImageFormat::Jpeg
            | ImageFormat::Png
            | ImageFormat::Gif
            | ImageFormat::WebP
            | ImageFormat::Bmp),
        ) => f,
        _ => {
            return Err(Error::input(
                ErrorCode::PhotoUnsupportedFormat,
                "photo is not JPEG, PNG, GIF, WebP or BMP",
            )
            .with_hint("convert it to JPEG first (HEIC from iPhones is not supported)"));
        }
    };
    let mut reader = reader;
    let mut lim = image::Limits::default();
    lim.max_image_width = Some(limits.max_width);
    lim.max_image_height = Some(limits.max_height);
    lim.max_alloc = Some(limits.max_alloc);
    reader.limits(lim);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let orientation = decoder.orientation().map_err(decode_error)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok((image, format))
}

fn decode_error(e: image::ImageError) -> Error {
    match e {
        image::ImageError::Limits(l) => Error::input(
            ErrorCode::PhotoTooLarge,
            format!("photo exceeds the decode limits: {l}"),
        )
        .with_hint("resize the photo below 12000x12000 pixels"),
        image::ImageError::Unsupported(u) => Error::input(
            ErrorCode::PhotoUnsupportedFormat,
            format!("unsupported photo: {u}"),
        ),
        other => Error::input(
            ErrorCode::PhotoUnreadable,
            format!("photo is corrupt or truncated: {other}"),
        ),
    }
}

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        ImageFormat::Gif => "gif",
        ImageFormat::WebP => "webp",
        ImageFormat::Bmp => "bmp",
        _ => "other",
    }
}

/// Centre-crop to the largest square (head-and-shoulders photos are centred).
pub fn centre_square(image: DynamicImage) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    let side = w.min(h);
    if w == h {
        return image;
    }
    image.crop_imm((w - side) / 2, (h - side) / 2, side, side)
}

/// JPEG for AD `thumbnailPhoto`: `size_px` square, quality lowered until it fits `max_bytes`.
pub fn render_ad(src: &SourcePhoto, opts: &AdRenditionOptions) -> Result<Rendition> {
    render_within(src, opts.size_px, opts.max_bytes)
}

/// JPEG for Graph: the source size capped at 648x648 (never upscaled), at most 4 MB.
pub fn render_graph(src: &SourcePhoto) -> Result<Rendition> {
    let side = src.square.width().min(GRAPH_MAX_PX);
    render_within(src, side, GRAPH_MAX_BYTES)
}

/// The three legacy SharePoint renditions (48, 72, 200 px).
pub fn render_sharepoint(src: &SourcePhoto) -> Result<Vec<Rendition>> {
    SHAREPOINT_SIZES
        .iter()
        .map(|&px| render_within(src, px, GRAPH_MAX_BYTES))
        .collect()
}

fn render_within(src: &SourcePhoto, size_px: u32, max_bytes: usize) -> Result<Rendition> {
    let resized = if src.square.width() == size_px {
        src.square.to_rgb8()
    } else {
        src.square
            .resize_exact(size_px, size_px, FilterType::Lanczos3)
            .to_rgb8()
    };
    for quality in [90u8, 85, 80, 75, 70, 60, 50, 40, 30] {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&resized)
            .map_err(|e| {
                Error::input(
                    ErrorCode::PhotoUnreadable,
                    format!("cannot encode JPEG: {e}"),
                )
            })?;
        if out.len() <= max_bytes {
            return Ok(Rendition {
                size_px,
                bytes: out,
            });
        }
    }
    Err(Error::input(
        ErrorCode::PhotoTooLarge,
        format!("cannot fit a {size_px}x{size_px} JPEG within {max_bytes} bytes"),
    )
    .with_hint("use a smaller size or a larger byte budget"))
}

/// 64-bit difference hash of the image's grayscale 9x8 thumbnail.
pub fn perceptual_hash(image: &DynamicImage) -> u64 {
    let small = image.resize_exact(9, 8, FilterType::Triangle).to_luma8();
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let bit = small.get_pixel(x, y)[0] < small.get_pixel(x + 1, y)[0];
            hash = (hash << 1) | bit as u64;
        }
    }
    hash
}

/// Hamming distance between two perceptual hashes.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Parse the 16-hex-digit form used in `PhotoInfo::phash`.
pub fn parse_phash(hex: &str) -> Option<u64> {
    u64::from_str_radix(hex, 16).ok()
}

/// Whether two fingerprints show the same picture.
pub fn same_picture(a: &PhotoInfo, b: &PhotoInfo) -> Option<(bool, u32)> {
    let d = distance(parse_phash(&a.phash)?, parse_phash(&b.phash)?);
    Some((d <= SAME_PICTURE_MAX_DISTANCE, d))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
