//! The photo pipeline: decode with hard limits, apply EXIF orientation, centre-crop to a
//! square, render per-target JPEGs, and fingerprint.
//!
//! Guarantees: a hostile file (bomb, truncated, unknown format) becomes an `Error` quickly and
//! without allocating its claimed size; every output has metadata stripped (we re-encode
//! from pixels); the signature is taken from the oriented square, so the same picture
//! matches across the services' re-encodes and resizes. docs/photos.md explains the choices
//! and the measurements behind the "same picture" limits.

mod decode;
mod file;
mod fingerprint;
mod quality;
mod render;
mod shrink;
mod signature;
mod slots;

use image::DynamicImage;

use crate::error::Result;
use crate::schema::PhotoInfo;

pub use decode::{DecodedPhoto, MAX_SQUARE_PX, centre_square, decode};
pub use file::read_photo_file;
pub use fingerprint::{distance, parse_phash, perceptual_hash, sha256_hex};
pub use quality::{FLAT_MAX_CONTRAST, is_placeholder};
pub use render::{
    JPEG_MAX_QUALITY, JPEG_MIN_QUALITY, MAX_RENDITION_PX, MIN_RENDITION_PX, RenditionSpec,
    encode_jpeg_within, render, render_one, resize_square,
};
pub use signature::{Comparison, Signature, compare};
pub use slots::{
    FREE_BYTES, admit, admitted, admitted_if_large, budget_slots, off_thread, photo_work_on_task,
};

/// `same_picture` distances are the signature distance in hundredths: at or below this (1.0,
/// every component within its limit) two photos show the same picture.
pub const SAME_PICTURE_MAX_DISTANCE: u32 = 100;

/// At or below this distance a picture is *clearly* the same: the most a picture PhotoSync did
/// not write may be from the source for sync to leave it in place. Between this and
/// `SAME_PICTURE_MAX_DISTANCE` the judgement says "the same" by a narrow margin, where the
/// misjudged pictures lie (a hair or skin recolour judged the same, docs/photos.md); sync
/// rewrites those, because a skipped update leaves a wrong picture and a rewrite costs one
/// write. Chosen on the tuning corpus (tests/photo/matching.rs): the least value with at most
/// 1 % of its copies over it, so about one picture in a hundred found in place is rewritten
/// once; from then on the target holds PhotoSync's rendition (and with `--state`, its record).
pub const CLEARLY_SAME_MAX_DISTANCE: u32 = 76;

/// A picture with a shorter side under this is not *clearly* the same as a source from which
/// the store would get a larger picture: at 48 or 64 px a cap of hair or a patch of skin is a
/// few pixels, and its colour change no larger than a low JPEG quality's colour noise
/// (docs/photos.md, "Narrow judgements"). 72 px is SharePoint's medium thumbnail, the
/// smallest photo PhotoSync reads from a store, and the smallest copy the corpora judge a
/// feature on.
pub const CLEARLY_SAME_MIN_PX: u32 = 72;

/// Why a picture judged the same as the source is only *probably* the same, so that sync
/// writes over it rather than leave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doubt {
    /// Judged the same by a narrow margin: distance over `CLEARLY_SAME_MAX_DISTANCE`.
    Narrow,
    /// Under `CLEARLY_SAME_MIN_PX` a side, and under two thirds of PhotoSync's rendition for
    /// the store (`rendition` px). Two thirds, because what a store keeps of that rendition is
    /// never smaller (Exchange's ladder steps from 64 to 96 px): PhotoSync's own write never
    /// counts as small, so a re-run without `--state` does not write it again.
    Small { side: u32, rendition: u32 },
}

/// Whether a picture of `side` px (`PhotoInfo::side`), judged the same as the source at
/// `distance`, is only probably the same. `rendition_px`: the side of PhotoSync's rendition
/// for the store holding it (`RenditionSpec::side_for`), `None` for a store never written.
pub fn doubt(distance: u32, side: u32, rendition_px: Option<u32>) -> Option<Doubt> {
    if distance > CLEARLY_SAME_MAX_DISTANCE {
        Some(Doubt::Narrow)
    } else if let Some(rendition) = rendition_px
        && side < CLEARLY_SAME_MIN_PX
        && 3 * side < 2 * rendition
    {
        Some(Doubt::Small { side, rendition })
    } else {
        None
    }
}

/// Whether two fingerprints show the same picture, and their distance in hundredths of the
/// threshold (0 = identical). `None` when either signature is missing or malformed.
pub fn same_picture(a: &PhotoInfo, b: &PhotoInfo) -> Option<(bool, u32)> {
    let c = compare(
        &Signature::parse(&a.signature)?,
        &Signature::parse(&b.signature)?,
    );
    Some((c.same, c.hundredths()))
}

/// Hard limits for decoding untrusted images.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Largest accepted file.
    pub max_bytes: usize,
    /// Largest accepted width and height, checked from the header before any pixel is decoded.
    pub max_width: u32,
    pub max_height: u32,
    /// Largest amount of pixel memory one decode may need (decoded buffer plus working copy).
    pub max_alloc: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        // A user photo never needs more than ~60 megapixels; these bounds keep a run of many
        // users within a few hundred MiB even when someone uploads a poster-sized scan.
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
    /// Upright, centre-cropped, at most `MAX_SQUARE_PX`, RGB8 (alpha flattened on white).
    pub square: DynamicImage,
    /// Fingerprint of the original bytes as given.
    pub info: PhotoInfo,
}

/// One encoded image for a target.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub size_px: u32,
    pub bytes: Vec<u8>,
    /// JPEG quality the byte budget allowed.
    pub quality: u8,
}

/// AD's schema limit for `thumbnailPhoto`.
pub const AD_ATTRIBUTE_MAX_BYTES: usize = 102_400;
/// Graph's largest size in the Exchange ladder.
pub const GRAPH_MAX_PX: u32 = 648;
/// Graph's upload limit.
pub const GRAPH_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Decode, orient and square an untrusted photo.
pub fn load(bytes: &[u8], limits: &DecodeLimits) -> Result<SourcePhoto> {
    let decoded = decode(bytes, limits)?;
    let (brightness, contrast) = quality::luma_stats(&decoded.square);
    let signature = Signature::of(&decoded.square).to_string();
    let square = DynamicImage::ImageRgb8(decoded.square);
    let info = PhotoInfo {
        format: decoded.format.to_string(),
        width: decoded.stored_width,
        height: decoded.stored_height,
        bytes: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        phash: format!("{:016x}", perceptual_hash(&square)),
        brightness: Some(brightness),
        contrast: Some(contrast),
        signature,
    };
    Ok(SourcePhoto { square, info })
}

/// `load` on a blocking thread, for async callers.
pub async fn load_off_thread(bytes: Vec<u8>) -> Result<SourcePhoto> {
    off_thread(move || load(&bytes, &DecodeLimits::default())).await
}

/// Render `photo` for a target on a blocking thread (the photo is copied there: 1.3 MB at
/// most, the square).
pub async fn render_off_thread<T, F>(photo: &SourcePhoto, render: F) -> Result<T>
where
    F: FnOnce(&SourcePhoto) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    slots::off_thread_with(|| photo.clone(), move |photo| render(&photo)).await
}

/// Fingerprint stored bytes (what `photo inspect` prints).
pub fn inspect(bytes: &[u8], limits: &DecodeLimits) -> Result<PhotoInfo> {
    load(bytes, limits).map(|p| p.info)
}
