//! Photo storage as the service keeps it: every upload is decoded and re-encoded as JPEG, either
//! into Exchange Online's documented HD size ladder (never upsized) or as one `Default`
//! rendition at the upload's own pixel size (the Entra profile: Microsoft's 2024 admin docs;
//! the seed's `photoModel` decides). Bytes therefore never equal the upload, as in Microsoft 365.

use std::io::Cursor;

use axum::body::Bytes;
use image::{DynamicImage, ImageFormat, RgbImage, imageops::FilterType};

use crate::seed::GeneratedPhoto;

/// The Exchange Online HD sizes (G-RES).
pub const SIZE_LADDER: [u32; 9] = [48, 64, 96, 120, 240, 360, 432, 504, 648];

/// Largest accepted upload (G-PUT: 4 MB).
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// One stored size of a photo.
#[derive(Debug, Clone)]
pub struct Rendition {
    /// `240X240` style, or `Default` for Entra-stored photos.
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Bytes,
}

/// A user's stored photo: all renditions plus the ETag of the write that produced them.
#[derive(Debug, Clone)]
pub struct PhotoSet {
    pub etag: String,
    /// Ascending by size; the last one is "the largest available".
    pub renditions: Vec<Rendition>,
}

impl PhotoSet {
    pub fn largest(&self) -> Option<&Rendition> {
        self.renditions.last()
    }

    /// Finds `48x48` / `48X48` (case-insensitive).
    pub fn size(&self, id: &str) -> Option<&Rendition> {
        self.renditions
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
    }
}

/// Why an upload was refused.
#[derive(Debug)]
pub enum PhotoError {
    TooLarge(usize),
    NotAnImage(String),
}

impl std::fmt::Display for PhotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhotoError::TooLarge(n) => write!(f, "{n} bytes is over the 4 MB limit"),
            PhotoError::NotAnImage(e) => write!(f, "not a decodable image: {e}"),
        }
    }
}

/// Width and height from an image's header, without decoding its pixels.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// Decodes an upload and produces the stored renditions.
pub fn store(upload: &[u8], ladder: bool, etag: String) -> Result<PhotoSet, PhotoError> {
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge(upload.len()));
    }
    let img = image::load_from_memory(upload).map_err(|e| PhotoError::NotAnImage(e.to_string()))?;
    let renditions = if ladder {
        ladder_renditions(&img, true)
    } else {
        // The picture itself is "the largest"; the ladder sizes it covers stay addressable
        // through `/photos/{size}` (how the profile service derives them is UNVERIFIED).
        let mut sizes = ladder_renditions(&img, false);
        sizes.push(Rendition {
            id: "Default".to_string(),
            width: img.width(),
            height: img.height(),
            bytes: encode_jpeg(&img),
        });
        sizes
    };
    Ok(PhotoSet { etag, renditions })
}

/// The ladder sizes a picture covers, as centre-cropped squares. `keep_tiny`: a picture under
/// 48 px is kept at its own size (Exchange stores something); otherwise it has no ladder size.
fn ladder_renditions(img: &DynamicImage, keep_tiny: bool) -> Vec<Rendition> {
    // Exchange serves square sizes: crop the centre square first (UNVERIFIED crop rule).
    let side = img.width().min(img.height()).max(1);
    let square = img.crop_imm(
        (img.width() - side) / 2,
        (img.height() - side) / 2,
        side,
        side,
    );
    let mut sizes: Vec<u32> = SIZE_LADDER.iter().copied().filter(|s| *s <= side).collect();
    if sizes.is_empty() && keep_tiny {
        sizes.push(side);
    }
    sizes
        .into_iter()
        .map(|s| {
            let resized = if s == side {
                square.clone()
            } else {
                square.resize_exact(s, s, FilterType::Triangle)
            };
            Rendition {
                id: format!("{s}X{s}"),
                width: s,
                height: s,
                bytes: encode_jpeg(&resized),
            }
        })
        .collect()
}

fn encode_jpeg(img: &DynamicImage) -> Bytes {
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = Cursor::new(Vec::new());
    // Encoding an in-memory RGB image into a Vec cannot fail for sane dimensions; fall back to
    // an empty body rather than panicking if it ever does.
    if rgb.write_to(&mut out, ImageFormat::Jpeg).is_err() {
        return Bytes::new();
    }
    Bytes::from(out.into_inner())
}

/// A deterministic little picture for seeds: a diagonal gradient tinted by `hue`.
pub fn synthetic_jpeg(p: &GeneratedPhoto) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (p.width.clamp(1, 2048), p.height.clamp(1, 2048));
    let hue = p.hue as u32;
    let img = RgbImage::from_fn(w, h, |x, y| {
        let t = (x * 255 / w.max(1) + y * 255 / h.max(1)) / 2;
        let circle = {
            let (cx, cy) = (w as i64 / 2, h as i64 * 2 / 5);
            let (dx, dy) = (x as i64 - cx, y as i64 - cy);
            dx * dx + dy * dy < (w.min(h) as i64 / 5).pow(2)
        };
        if circle {
            image::Rgb([240, 220, 200])
        } else {
            image::Rgb([
                ((t + hue * 3) % 256) as u8,
                ((255 - t + hue * 5) % 256) as u8,
                ((t / 2 + hue * 7) % 256) as u8,
            ])
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img).write_to(&mut out, ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}
