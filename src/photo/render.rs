//! Making the JPEG a target receives: Lanczos3 downscaling (the kernel widens with the scale
//! factor, so fine patterns blur instead of aliasing) and a quality search that makes the file
//! fit a byte budget without ever cutting bytes off.
//!
//! Outputs are encoded from pixels only, so no EXIF, ICC, XMP or comment from the source can
//! reach a target.

use fast_image_resize::images::ImageRef;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, RgbImage};

use super::{GRAPH_MAX_PX, Rendition, SourcePhoto};
use crate::error::{Error, ErrorClass, Result};
use crate::schema::ErrorCode;

/// The quality every rendition starts at (visually lossless for faces at these sizes).
pub const JPEG_MAX_QUALITY: u8 = 90;
/// Below this, faces turn blocky: we refuse rather than send such a picture.
pub const JPEG_MIN_QUALITY: u8 = 30;
/// Rendition sides: smaller is useless, larger is more than any service keeps.
pub const MIN_RENDITION_PX: u32 = 32;
pub const MAX_RENDITION_PX: u32 = GRAPH_MAX_PX;

/// What a store receives when written: the square side(s) and the byte budget of each JPEG.
/// Each store declares its own (`Capabilities::rendition`); `render` makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenditionSpec {
    /// Fixed sides, one JPEG each, scaled up or down to them (the legacy SharePoint profile's
    /// file names are fixed per size). Empty: one JPEG at the source's side, never upscaled,
    /// at most `max_px`.
    pub sides: &'static [u32],
    pub max_px: u32,
    /// The byte budget of each JPEG: the quality is searched down until it fits.
    pub max_bytes: usize,
    /// The most the store accepts at all; a budget may be raised up to it.
    pub limit_bytes: usize,
}

impl RenditionSpec {
    /// One JPEG at the source's side, capped at `max_px`, within `max_bytes` (at most
    /// `limit_bytes` when tuned).
    pub const fn up_to(max_px: u32, max_bytes: usize, limit_bytes: usize) -> Self {
        RenditionSpec {
            sides: &[],
            max_px,
            max_bytes,
            limit_bytes,
        }
    }

    /// One JPEG per side in `sides`, each within `max_bytes`.
    pub const fn fixed(sides: &'static [u32], max_bytes: usize) -> Self {
        let mut largest = 0;
        let mut i = 0;
        while i < sides.len() {
            if sides[i] > largest {
                largest = sides[i];
            }
            i += 1;
        }
        RenditionSpec {
            sides,
            max_px: largest,
            max_bytes,
            limit_bytes: max_bytes,
        }
    }

    /// The side of the largest JPEG made from a source whose square is `source_px` a side.
    pub fn side_for(&self, source_px: u32) -> u32 {
        if self.sides.is_empty() {
            self.max_px.min(source_px)
        } else {
            self.max_px
        }
    }

    /// This spec with another side or byte budget (`photo prepare --size/--max-bytes`),
    /// checked against what the store accepts.
    pub fn tuned(mut self, side: Option<u32>, max_bytes: Option<usize>) -> Result<Self> {
        if !self.sides.is_empty() && (side.is_some() || max_bytes.is_some()) {
            return Err(
                Error::config("this target's renditions have fixed sizes and budgets")
                    .with_hint("leave out --size and --max-bytes for it"),
            );
        }
        self.max_px = side.unwrap_or(self.max_px);
        self.max_bytes = max_bytes.unwrap_or(self.max_bytes);
        self.check()?;
        Ok(self)
    }

    fn check(&self) -> Result<()> {
        if self.sides.is_empty() && !(MIN_RENDITION_PX..=MAX_RENDITION_PX).contains(&self.max_px) {
            return Err(Error::config(format!(
                "a {} px rendition is outside {MIN_RENDITION_PX}..={MAX_RENDITION_PX}",
                self.max_px
            ))
            .with_hint("smaller is useless and no service keeps more; 96 is what Outlook and Exchange expect from AD"));
        }
        if self.max_bytes == 0 || self.max_bytes > self.limit_bytes {
            return Err(Error::config(format!(
                "a byte budget of {} is outside 1..={} (what the store accepts)",
                self.max_bytes, self.limit_bytes
            ))
            .with_hint("10240 is what Exchange Online accepts from Entra Connect for AD photos"));
        }
        Ok(())
    }
}

/// The renditions `spec` asks for, made from the upright square: metadata-free JPEGs, each
/// within the byte budget.
pub fn render(src: &SourcePhoto, spec: &RenditionSpec) -> Result<Vec<Rendition>> {
    spec.check()?;
    if spec.sides.is_empty() {
        let side = spec.max_px.min(src.square.width());
        return Ok(vec![render_side(&src.square, side, spec.max_bytes)?]);
    }
    spec.sides
        .iter()
        .map(|&side| render_side(&src.square, side, spec.max_bytes))
        .collect()
}

/// The one JPEG of a single-size spec (the largest of a fixed set): what a store that keeps
/// one picture receives, and what a dry run describes.
pub fn render_one(src: &SourcePhoto, spec: &RenditionSpec) -> Result<Rendition> {
    let mut renditions = render(src, spec)?;
    renditions
        .pop()
        .ok_or_else(|| Error::config("the rendition spec names no size"))
}

/// Resize the square to `side` and encode it within `max_bytes`.
fn render_side(square: &DynamicImage, side: u32, max_bytes: usize) -> Result<Rendition> {
    super::slots::note_photo_work();
    let rgb = match square {
        DynamicImage::ImageRgb8(rgb) => resize_square(rgb, side)?,
        other => resize_square(&other.to_rgb8(), side)?,
    };
    let (bytes, quality) = encode_jpeg_within(&rgb, max_bytes)?;
    Ok(Rendition {
        size_px: side,
        bytes,
        quality,
    })
}

/// Lanczos3 resize to `side`x`side` (a copy when the size already matches).
pub fn resize_square(src: &RgbImage, side: u32) -> Result<RgbImage> {
    if src.width() == side && src.height() == side {
        return Ok(src.clone());
    }
    let view = ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3)
        .map_err(|e| internal(format!("cannot view image for resizing: {e}")))?;
    let mut dst = fast_image_resize::images::Image::new(side, side, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&view, &mut dst, &options)
        .map_err(|e| internal(format!("cannot resize image: {e}")))?;
    RgbImage::from_raw(side, side, dst.into_vec())
        .ok_or_else(|| internal("resized buffer has the wrong size".into()))
}

/// Encode at `JPEG_MAX_QUALITY`; if that is over `max_bytes`, binary-search the highest
/// quality that fits (size grows with quality). Returns the bytes and the quality used.
pub fn encode_jpeg_within(image: &RgbImage, max_bytes: usize) -> Result<(Vec<u8>, u8)> {
    super::slots::note_photo_work();
    let best = encode_jpeg(image, JPEG_MAX_QUALITY)?;
    if best.len() <= max_bytes {
        return Ok((best, JPEG_MAX_QUALITY));
    }
    let lowest = encode_jpeg(image, JPEG_MIN_QUALITY)?;
    if lowest.len() > max_bytes {
        return Err(Error::input(
            ErrorCode::PhotoTooLarge,
            format!(
                "a {}x{} JPEG needs {} bytes even at quality {JPEG_MIN_QUALITY}, over the \
                 {max_bytes} byte budget",
                image.width(),
                image.height(),
                lowest.len()
            ),
        )
        .with_hint("use a smaller size or a larger byte budget"));
    }
    // Invariant: `fits` fits, `too_big` does not.
    let (mut fits, mut fits_bytes, mut too_big) = (JPEG_MIN_QUALITY, lowest, JPEG_MAX_QUALITY);
    while too_big - fits > 1 {
        let mid = fits + (too_big - fits) / 2;
        let bytes = encode_jpeg(image, mid)?;
        if bytes.len() <= max_bytes {
            (fits, fits_bytes) = (mid, bytes);
        } else {
            too_big = mid;
        }
    }
    Ok((fits_bytes, fits))
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let (w, h) = (image.width(), image.height());
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(internal(format!("{w}x{h} is too large for JPEG")));
    };
    let mut out = Vec::with_capacity((w * h) as usize / 4 + 1024);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    // Standard Huffman tables on purpose: with jpeg-encoder 0.7.1's optimised tables,
    // zune-jpeg 0.5 (the `image` crate's decoder) misdecodes the last block rows, although
    // libjpeg reads them fine (tests/photo/rendering.rs catches it). Averaged chroma avoids
    // colour fringes on thin edges.
    encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    encoder
        .encode(image.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| internal(format!("cannot encode JPEG: {e}")))?;
    Ok(out)
}

fn internal(message: String) -> Error {
    Error::new(ErrorCode::PhotoUnreadable, ErrorClass::Failed, message)
}
