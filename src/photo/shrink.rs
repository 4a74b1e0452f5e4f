//! Decode only what is needed: a JPEG much larger than the largest rendition is decoded at
//! 1/2, 1/4 or 1/8 scale inside the IDCT (libvips calls it "shrink-on-load"), which skips
//! most of the inverse transform and never allocates the full-size pixel buffer.
//!
//! The scale is chosen so the centre square is still at least `min_side` pixels: the
//! renditions are then resampled from more pixels than they need, exactly as from a full
//! decode (tests/photo/decoding.rs checks that the picture and its signature do not change).
//! Only YCbCr and grayscale JPEGs take this path; CMYK/YCCK keep the general decoder, whose
//! Adobe handling is tested.

use std::io::Cursor;

use image::RgbImage;
use jpeg_decoder::{Decoder, PixelFormat};

use crate::error::{Error, Result};
use crate::schema::ErrorCode;

/// The largest IDCT reduction whose centre square keeps at least `min_side` pixels: 1, 2, 4
/// or 8.
pub fn reduction(width: u32, height: u32, min_side: u32) -> u32 {
    let side = width.min(height);
    [8, 4, 2]
        .into_iter()
        .find(|&k| side.div_ceil(k) >= min_side)
        .unwrap_or(1)
}

/// Decode a JPEG reduced so its shorter side stays at least `min_side`, or `Ok(None)` when
/// that would not shrink it (or it is not a YCbCr/grayscale JPEG), so the caller decodes it
/// in full.
pub fn decode_reduced(bytes: &[u8], min_side: u32, max_alloc: u64) -> Result<Option<RgbImage>> {
    let mut decoder = Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(usize::try_from(max_alloc).unwrap_or(usize::MAX));
    decoder.read_info().map_err(jpeg_error)?;
    let Some(info) = decoder.info() else {
        return Ok(None);
    };
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let k = reduction(w, h, min_side);
    if k == 1 || !matches!(info.pixel_format, PixelFormat::RGB24 | PixelFormat::L8) {
        return Ok(None);
    }
    // Asking for exactly the reduced size makes the decoder pick exactly that scale.
    let (rw, rh) = (w.div_ceil(k), h.div_ceil(k));
    let (ow, oh) = decoder.scale(rw as u16, rh as u16).map_err(jpeg_error)?;
    let pixels = decoder.decode().map_err(jpeg_error)?;
    let rgb = match info.pixel_format {
        PixelFormat::L8 => pixels.iter().flat_map(|&v| [v, v, v]).collect(),
        _ => pixels,
    };
    RgbImage::from_raw(u32::from(ow), u32::from(oh), rgb)
        .map(Some)
        .ok_or_else(|| {
            Error::input(
                ErrorCode::PhotoUnreadable,
                "JPEG decoded to fewer pixels than its header promised",
            )
            .with_hint("open the file in an image editor and save it again as JPEG")
        })
}

fn jpeg_error(e: jpeg_decoder::Error) -> Error {
    Error::input(
        ErrorCode::PhotoUnreadable,
        format!("photo is corrupt or truncated: {e}"),
    )
    .with_hint("open the file in an image editor and save it again as JPEG")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduction_keeps_the_square_at_least_the_largest_rendition() {
        assert_eq!(reduction(4000, 3000, 648), 4);
        assert_eq!(reduction(3000, 4000, 648), 4);
        assert_eq!(reduction(6000, 6000, 648), 8);
        assert_eq!(reduction(1296, 2000, 648), 2);
        assert_eq!(reduction(1295, 2000, 648), 2); // 648 after rounding up
        assert_eq!(reduction(1294, 2000, 648), 1);
        assert_eq!(reduction(640, 480, 648), 1);
        // A panorama: only its short side counts.
        assert_eq!(reduction(8000, 1000, 648), 1);
    }
}
