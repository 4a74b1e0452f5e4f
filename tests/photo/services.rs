//! Copies of a photo made the way services make them, for both "same picture" corpora:
//! what the service received (the original file, or PhotoSync's rendition for a target),
//! resized to a size of Exchange's ladder or a thumbnail PhotoSync reads with one of five
//! resampling filters, re-encoded (two JPEG encoders at quality 40-95 with 4:4:4, 4:2:2 and
//! 4:2:0 chroma, or PNG), slightly cropped (up to 3 % of each side, the documented
//! tolerance), with a 1-pixel border, gamma 0.9-1.1, and stored turned with an EXIF
//! orientation that turns it upright again.

use std::io::Cursor;

use fast_image_resize::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Rgb, RgbImage};
use photosync::photo::{self, DecodeLimits, RenditionSpec};
use photosync::store::{ad, graph, sharepoint};

use super::fixtures::{Rng, jpeg_with, png, resize, turned_for_exif, with_exif_orientation};

/// Exchange's ladder and the thumbnails PhotoSync reads, with how often each is drawn: the
/// large sizes less often, as they cost most to make in a debug build.
const LADDER: [(u32, u64); 11] = [
    (48, 4),
    (64, 4),
    (72, 4),
    (96, 4),
    (120, 4),
    (200, 2),
    (240, 2),
    (360, 1),
    (432, 1),
    (504, 1),
    (648, 1),
];
const FILTERS: [FilterType; 5] = [
    FilterType::Lanczos3,
    FilterType::CatmullRom,
    FilterType::Mitchell,
    FilterType::Bilinear,
    FilterType::Box,
];

/// The kind of a copy cropped by up to 3 % of its width and of its height.
pub const CROP: &str = "crop up to 3 %";

/// Every kind of transformation a corpus must include (each at least 25 times).
pub const TRANSFORMATIONS: [&str; 16] = [
    "from the original file",
    "from PhotoSync's rendition",
    "PNG",
    "JPEG 4:4:4",
    "JPEG 4:2:0",
    "JPEG 4:2:2 (image crate)",
    "JPEG quality 40-59",
    "ladder 48-64 px",
    "ladder 200-648 px",
    "box",
    "bilinear",
    CROP,
    "1-pixel border",
    "gamma 0.9-1.1",
    "EXIF-rotated copy",
    "EXIF-rotated JPEG original",
];

/// What a service received: the original file, or PhotoSync's rendition for a target.
#[derive(Clone, Copy, Debug)]
pub enum Upload {
    Original,
    Graph,
    Ad,
    SharePoint,
}

#[derive(Clone, Copy, Debug)]
pub enum Encoding {
    Png,
    /// jpeg-encoder at a quality, with 4:4:4 (`true`) or 4:2:0 chroma.
    JpegEncoder(u8, bool),
    /// The `image` crate's own encoder (4:2:2 chroma).
    ImageJpeg(u8),
}

/// How one service-style copy is made.
#[derive(Debug)]
pub struct ServiceCopy {
    upload: Upload,
    side: u32,
    filter: FilterType,
    encoding: Encoding,
    /// Fractions cut from the left, top, right and bottom.
    crop: [f32; 4],
    border: Option<[u8; 3]>,
    gamma: f32,
    /// EXIF orientation of the stored copy (its pixels turned the other way).
    exif: u16,
}

impl ServiceCopy {
    /// The `n`th copy, at least `smallest` pixels wide: filters and encoders cycle so each
    /// appears often; the rest is drawn at random.
    pub fn nth(n: usize, smallest: u32, rng: &mut Rng) -> ServiceCopy {
        let sizes: Vec<(u32, u64)> = LADDER.into_iter().filter(|&(s, _)| s >= smallest).collect();
        let mut pick = rng.next_u64() % sizes.iter().map(|&(_, w)| w).sum::<u64>();
        let side = sizes
            .iter()
            .find(|&&(_, w)| {
                let here = pick < w;
                pick = pick.saturating_sub(w);
                here
            })
            .map_or(smallest, |&(s, _)| s);
        let quality = 40 + (rng.next_u64() % 56) as u8;
        let encoding = match n % 5 {
            0 => Encoding::Png,
            1 | 3 => Encoding::JpegEncoder(quality, rng.next_u64().is_multiple_of(3)),
            _ => Encoding::ImageJpeg(quality),
        };
        let crop = if rng.next_u64().is_multiple_of(2) {
            let (w, h) = (rng.range(0.0, 0.03), rng.range(0.0, 0.03));
            let (l, t) = (rng.range(0.0, 1.0), rng.range(0.0, 1.0));
            [w * l, h * t, w * (1.0 - l), h * (1.0 - t)]
        } else {
            [0.0; 4]
        };
        ServiceCopy {
            upload: [
                Upload::Original,
                Upload::Graph,
                Upload::Ad,
                Upload::SharePoint,
            ][(rng.next_u64() % 4) as usize],
            side,
            filter: FILTERS[(n / 5) % FILTERS.len()],
            encoding,
            crop,
            border: match rng.next_u64() % 6 {
                0 => Some([0, 0, 0]),
                1 => Some([255, 255, 255]),
                2 => Some([128, 128, 128]),
                _ => None,
            },
            gamma: if rng.next_u64().is_multiple_of(3) {
                1.0
            } else {
                rng.range(0.9, 1.1)
            },
            exif: match encoding {
                Encoding::Png => 1,
                _ => [1, 1, 3, 6, 8, 2, 5, 7][(rng.next_u64() % 8) as usize],
            },
        }
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds = vec![match self.upload {
            Upload::Original => "from the original file",
            _ => "from PhotoSync's rendition",
        }];
        kinds.push(match self.encoding {
            Encoding::Png => "PNG",
            Encoding::JpegEncoder(_, true) => "JPEG 4:4:4",
            Encoding::JpegEncoder(_, false) => "JPEG 4:2:0",
            Encoding::ImageJpeg(_) => "JPEG 4:2:2 (image crate)",
        });
        if matches!(
            self.encoding,
            Encoding::JpegEncoder(q, _) | Encoding::ImageJpeg(q) if q < 60
        ) {
            kinds.push("JPEG quality 40-59");
        }
        kinds.push(match self.side {
            ..=64 => "ladder 48-64 px",
            65..=120 => "ladder 72-120 px",
            _ => "ladder 200-648 px",
        });
        kinds.push(match self.filter {
            FilterType::Lanczos3 => "Lanczos3",
            FilterType::CatmullRom => "Catmull-Rom",
            FilterType::Mitchell => "Mitchell",
            FilterType::Bilinear => "bilinear",
            _ => "box",
        });
        if self.crop.iter().any(|&c| c > 0.0) {
            kinds.push(CROP);
        }
        if self.border.is_some() {
            kinds.push("1-pixel border");
        }
        if self.gamma != 1.0 {
            kinds.push("gamma 0.9-1.1");
        }
        if self.exif != 1 {
            kinds.push("EXIF-rotated copy");
        }
        kinds
    }

    /// The copy's bytes, made from the `source` file a sitter's photo was given as.
    pub fn make(&self, source: &[u8]) -> Vec<u8> {
        let received = match self.upload {
            Upload::Original => source.to_vec(),
            Upload::Graph => rendition(source, &graph::RENDITION, 0),
            Upload::Ad => rendition(source, &ad::RENDITION, 0),
            Upload::SharePoint => rendition(source, &sharepoint::RENDITION, 2),
        };
        let mut img = decode_upright(&received);
        if self.gamma != 1.0 {
            let table: Vec<u8> = (0..=255u32)
                .map(|v| (255.0 * (v as f32 / 255.0).powf(self.gamma)).round() as u8)
                .collect();
            for v in img.iter_mut() {
                *v = table[usize::from(*v)];
            }
        }
        let (w, h) = (img.width() as f32, img.height() as f32);
        let [l, t, r, b] = self.crop;
        let crop = [w * l, h * t, w * (1.0 - l - r), h * (1.0 - t - b)];
        let height = (self.side as f32 * crop[3] / crop[2]).round() as u32;
        let mut img = resize(&img, crop, self.side, height, self.filter);
        if let Some(colour) = self.border {
            let (w, h) = img.dimensions();
            for (x, y, p) in img.enumerate_pixels_mut() {
                if x == 0 || y == 0 || x == w - 1 || y == h - 1 {
                    *p = Rgb(colour);
                }
            }
        }
        let stored = turned_for_exif(img, self.exif);
        let bytes = match self.encoding {
            Encoding::Png => return png(&stored),
            Encoding::JpegEncoder(quality, full_chroma) => jpeg_with(&stored, quality, full_chroma),
            Encoding::ImageJpeg(quality) => {
                let mut out = Cursor::new(Vec::new());
                let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
                DynamicImage::ImageRgb8(stored)
                    .write_with_encoder(encoder)
                    .expect("encode jpeg");
                out.into_inner()
            }
        };
        if self.exif == 1 {
            bytes
        } else {
            with_exif_orientation(&bytes, self.exif)
        }
    }
}

/// Decode as a service does: EXIF orientation applied, metadata dropped.
fn decode_upright(bytes: &[u8]) -> RgbImage {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .expect("format");
    let mut decoder = reader.into_decoder().expect("decoder");
    let orientation = decoder.orientation().expect("orientation");
    let mut img = DynamicImage::from_decoder(decoder).expect("decode");
    img.apply_orientation(orientation);
    img.into_rgb8()
}

/// The file a sitter's photo is given as: lossless PNG, a camera-like JPEG, or a JPEG whose
/// pixels are stored sideways with an EXIF orientation (as phones write them).
pub fn source_file(img: &RgbImage, n: usize) -> (Vec<u8>, &'static str) {
    match n % 3 {
        0 => (png(img), "PNG original"),
        1 => (jpeg_with(img, 92, false), "JPEG original"),
        _ => {
            let orientation = [6, 8, 3][n / 3 % 3];
            let stored = turned_for_exif(img.clone(), orientation);
            let bytes = jpeg_with(&stored, 90, false);
            (
                with_exif_orientation(&bytes, orientation),
                "EXIF-rotated JPEG original",
            )
        }
    }
}

/// PhotoSync's rendition of the photo in `source` for a target (the `nth` of its sizes, the
/// last when it has fewer), as the store holds it.
pub fn rendition(source: &[u8], spec: &RenditionSpec, nth: usize) -> Vec<u8> {
    let loaded = photo::load(source, &DecodeLimits::default()).expect("source");
    let mut all = photo::render(&loaded, spec).expect("rendition");
    let last = all.len() - 1;
    all.swap_remove(nth.min(last)).bytes
}
