//! The small pictures of the HTML report: every store's photo as a 64 px JPEG, so 10,000
//! users with three stores each stay a file a browser opens comfortably (docs/report.md).

use image::DynamicImage;

use crate::photo::{self, DecodeLimits, SourcePhoto, resize_square};

/// Side of a report thumbnail, in pixels (shown at 64 CSS px).
pub const THUMBNAIL_PX: u32 = 64;
/// Byte budget of one thumbnail: the quality search stops below it.
pub const THUMBNAIL_MAX_BYTES: usize = 1_200;

/// A thumbnail of an upright square picture; `None` if it cannot be made (the report then
/// says so instead of showing a picture).
pub fn from_square(square: &DynamicImage) -> Option<Vec<u8>> {
    let rgb = square.to_rgb8();
    let side = THUMBNAIL_PX.min(rgb.width());
    let small = resize_square(&rgb, side).ok()?;
    photo::encode_jpeg_within(&small, THUMBNAIL_MAX_BYTES)
        .ok()
        .map(|(bytes, _)| bytes)
}

/// A thumbnail of a decoded photo, made on a blocking thread.
pub async fn from_photo(source: &SourcePhoto) -> Option<Vec<u8>> {
    photo::render_off_thread(source, |source| Ok(from_square(&source.square)))
        .await
        .ok()
        .flatten()
}

/// A thumbnail of stored photo bytes, decoded on a blocking thread.
pub async fn from_bytes(bytes: Vec<u8>) -> Option<Vec<u8>> {
    photo::off_thread(move || {
        let source = photo::load(&bytes, &DecodeLimits::default())?;
        Ok(from_square(&source.square))
    })
    .await
    .ok()
    .flatten()
}
