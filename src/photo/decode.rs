//! Turning untrusted bytes into an upright, square RGB image, or a clear error.
//!
//! Order matters for safety: the format is sniffed from magic bytes (so HEIC/TIFF get a
//! specific message), the header's dimensions are checked against the limits before any
//! pixel buffer exists (a 30000x30000 PNG costs microseconds), and JPEGs without an end
//! marker are refused because the decoder would otherwise fill the missing part with grey.
//!
//! Memory stays bounded whatever the photo size and the run's concurrency: decodes take a
//! slot (`slots.rs`, one per core), large JPEGs are decoded reduced (`shrink.rs`), and the
//! square is cut down to `MAX_SQUARE_PX` at once, since no rendition needs more.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use super::render::resize_square;
use super::slots::decode_slots;
use super::{DecodeLimits, GRAPH_MAX_PX, shrink};
use crate::error::{Error, Result};
use crate::schema::ErrorCode;

/// A decoded photo plus what the pipeline needs to describe the original.
#[derive(Debug, Clone)]
pub struct DecodedPhoto {
    /// `jpeg`, `png`, `gif`, `webp` or `bmp`.
    pub format: &'static str,
    /// Dimensions as stored in the file (before EXIF orientation).
    pub stored_width: u32,
    pub stored_height: u32,
    /// The EXIF orientation that was applied (1 = none).
    pub exif_orientation: u8,
    /// Upright, centre-cropped to a square of at most `MAX_SQUARE_PX`, alpha flattened on
    /// white.
    pub square: RgbImage,
}

/// The largest square kept after decoding: the largest rendition (Graph's 648, also the
/// largest AD size) needs no more.
pub const MAX_SQUARE_PX: u32 = GRAPH_MAX_PX;

/// Decode `bytes` within `limits`: sniff, check the header, decode, flatten, crop, orient.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<DecodedPhoto> {
    super::slots::note_photo_work();
    if bytes.len() > limits.max_bytes {
        return Err(too_large(format!(
            "photo is {} bytes, over the {} byte limit",
            bytes.len(),
            limits.max_bytes
        )));
    }
    let format = sniff(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_has_end_marker(bytes) {
        return Err(unreadable(
            "JPEG is truncated or corrupt: no end-of-image marker after the image data",
        ));
    }

    // Held until the square is small: the decoded picture is the only big allocation.
    let _slot = decode_slots().acquire();
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Constructing the decoder reads only the header: check its claims ourselves (for a
    // message that names them), then hand the same bounds to the decoder as a backstop.
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, decoder.color_type(), limits)?;
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_width);
    image_limits.max_image_height = Some(limits.max_height);
    image_limits.max_alloc = Some(limits.max_alloc);
    decoder.set_limits(image_limits).map_err(decode_error)?;

    // A broken EXIF block must not make a viewable photo unusable: treat it as upright.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let reduced = if format == ImageFormat::Jpeg {
        shrink::decode_reduced(bytes, MAX_SQUARE_PX, limits.max_alloc)?
    } else {
        None
    };
    let rgb = match reduced {
        Some(rgb) => rgb,
        None => flatten_on_white(DynamicImage::from_decoder(decoder).map_err(decode_error)?),
    };
    // The centre square of the rotated image is the rotated centre square: crop and shrink
    // first so only the kept pixels are turned.
    let mut square = centre_square_rgb(rgb);
    if square.width() > MAX_SQUARE_PX {
        square = resize_square(&square, MAX_SQUARE_PX)?;
    }
    let mut square = DynamicImage::ImageRgb8(square);
    square.apply_orientation(orientation);
    Ok(DecodedPhoto {
        format: format_name(format),
        stored_width: width,
        stored_height: height,
        exif_orientation: orientation_number(orientation),
        square: square.into_rgb8(),
    })
}

/// Recognise the container from its magic bytes, with a specific refusal for formats phones
/// and scanners produce that we do not decode.
fn sniff(bytes: &[u8]) -> Result<ImageFormat> {
    if bytes.is_empty() {
        return Err(unreadable("photo is empty (0 bytes)"));
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageFormat::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageFormat::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Ok(ImageFormat::Gif);
    }
    if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Ok(ImageFormat::WebP);
    }
    if starts(b"BM") && bytes.len() >= 14 {
        return Ok(ImageFormat::Bmp);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let what = match &bytes[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                "HEIC/HEIF"
            }
            b"avif" | b"avis" => "AVIF",
            _ => "an ISO media (MP4-family) file",
        };
        return Err(unsupported(format!(
            "photo is {what}, which is not supported"
        )));
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Err(unsupported("photo is TIFF, which is not supported"));
    }
    if starts(&[0xFF, 0xD8]) {
        return Err(unreadable(
            "JPEG is corrupt: no marker after start-of-image",
        ));
    }
    Err(unsupported(
        "photo is not in a recognised image format (JPEG, PNG, GIF, WebP or BMP)",
    ))
}

/// Whether a JPEG has an end-of-image marker after its first scan. Entropy-coded data never
/// contains `FF D9` (0xFF is stuffed as `FF 00`), so a missing marker means a cut-off file.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let mut i = 2;
    loop {
        if i >= bytes.len() || bytes[i] != 0xFF {
            return false;
        }
        while i < bytes.len() && bytes[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 => return false,
            _ => {}
        }
        let Some(len) = bytes
            .get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
        else {
            return false;
        };
        if marker == 0xDA {
            let data = bytes.get(i + len..).unwrap_or_default();
            return data.windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        i += len;
    }
}

fn check_dimensions(
    width: u32,
    height: u32,
    color: image::ColorType,
    limits: &DecodeLimits,
) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(unreadable(format!(
            "photo has no pixels ({width}x{height})"
        )));
    }
    if width > limits.max_width || height > limits.max_height {
        return Err(too_large(format!(
            "photo is {width}x{height} pixels, over the {}x{} limit",
            limits.max_width, limits.max_height
        )));
    }
    // The decoded buffer plus the RGB8 working copy made from it.
    let pixels = u64::from(width) * u64::from(height);
    let needed = pixels * (u64::from(color.bytes_per_pixel()) + 3);
    if needed > limits.max_alloc {
        return Err(too_large(format!(
            "decoding this {width}x{height} photo needs {} MiB, over the {} MiB memory limit",
            needed / (1024 * 1024),
            limits.max_alloc / (1024 * 1024)
        )));
    }
    Ok(())
}

/// RGB8 with any alpha composited over white: transparent logos and cut-outs should look
/// like they do on a web page, not sit on black (what dropping alpha would give).
fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for px in rgba.as_raw().chunks_exact(4) {
        let alpha = u32::from(px[3]);
        for &c in &px[..3] {
            out.push(((u32::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8);
        }
    }
    RgbImage::from_raw(w, h, out).unwrap_or_else(|| RgbImage::new(w, h))
}

/// Centre-crop to the largest square (head-and-shoulders photos are centred).
pub fn centre_square(image: DynamicImage) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    if w == h {
        return image;
    }
    let side = w.min(h);
    image.crop_imm((w - side) / 2, (h - side) / 2, side, side)
}

fn centre_square_rgb(image: RgbImage) -> RgbImage {
    let (w, h) = image.dimensions();
    if w == h {
        return image;
    }
    let side = w.min(h);
    image::imageops::crop_imm(&image, (w - side) / 2, (h - side) / 2, side, side).to_image()
}

fn orientation_number(o: Orientation) -> u8 {
    match o {
        Orientation::NoTransforms => 1,
        Orientation::FlipHorizontal => 2,
        Orientation::Rotate180 => 3,
        Orientation::FlipVertical => 4,
        Orientation::Rotate90FlipH => 5,
        Orientation::Rotate90 => 6,
        Orientation::Rotate270FlipH => 7,
        Orientation::Rotate270 => 8,
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

fn decode_error(e: image::ImageError) -> Error {
    match e {
        image::ImageError::Limits(l) => too_large(format!("photo exceeds the decode limits: {l}")),
        image::ImageError::Unsupported(u) => unsupported(format!("unsupported photo: {u}")),
        other => unreadable(format!("photo is corrupt or truncated: {other}")),
    }
}

fn too_large(message: String) -> Error {
    Error::input(ErrorCode::PhotoTooLarge, message)
        .with_hint("resize the photo (a few hundred pixels square is plenty) and save it as JPEG")
}

fn unreadable(message: impl Into<String>) -> Error {
    Error::input(ErrorCode::PhotoUnreadable, message)
        .with_hint("open the file in an image editor and save it again as JPEG")
}

fn unsupported(message: impl Into<String>) -> Error {
    Error::input(ErrorCode::PhotoUnsupportedFormat, message).with_hint(
        "save the photo as JPEG or PNG (iPhones: Settings > Camera > Formats > Most Compatible)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_end_marker_is_found_only_after_the_scan() {
        // SOI, APP0 (len 4, contains FF D9 inside the payload), SOS (len 2), data, EOI.
        let complete = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34,
            0xFF, 0xD9,
        ];
        assert!(jpeg_has_end_marker(&complete));
        assert!(!jpeg_has_end_marker(&complete[..complete.len() - 1]));
        assert!(!jpeg_has_end_marker(&complete[..9]));
    }

    #[test]
    fn flattening_puts_transparency_on_white() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([0, 0, 0, 255]));
        let rgb = flatten_on_white(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [0, 0, 0]);
    }
}
