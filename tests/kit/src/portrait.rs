//! The portrait generator: "person N" is the same picture in every run and at every size (a
//! smooth random background and a head), so tests need no fixture files to rot.
//!
//! The committed example photos (examples/hr, examples/photos) were made with `portrait`:
//! change it and tests/core/examples.rs says so.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, Rgb, RgbImage};

/// A tiny deterministic generator (Knuth's MMIX LCG), so "person 3" never changes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u8
    }
}

/// A portrait-like picture unique to `person`: a smooth random background and a head.
pub fn portrait(person: u64, width: u32, height: u32) -> RgbImage {
    let mut rng = Lcg(person.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5151);
    const GRID: usize = 5;
    let cells: Vec<[u8; 3]> = (0..GRID * GRID)
        .map(|_| [rng.next(), rng.next(), rng.next()])
        .collect();
    let head = [rng.next(), rng.next() / 2 + 100, rng.next() / 2 + 60];
    let (hx, hy) = (0.35 + f64::from(rng.next()) / 850.0, 0.4);
    RgbImage::from_fn(width, height, |x, y| {
        let fx = f64::from(x) / f64::from(width) * (GRID - 1) as f64;
        let fy = f64::from(y) / f64::from(height) * (GRID - 1) as f64;
        let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(GRID - 1), (y0 + 1).min(GRID - 1));
        let (tx, ty) = (fx - x0 as f64, fy - y0 as f64);
        let mut px = [0u8; 3];
        for (c, out) in px.iter_mut().enumerate() {
            let v = |gx: usize, gy: usize| f64::from(cells[gy * GRID + gx][c]);
            let top = v(x0, y0) * (1.0 - tx) + v(x1, y0) * tx;
            let bottom = v(x0, y1) * (1.0 - tx) + v(x1, y1) * tx;
            *out = (top * (1.0 - ty) + bottom * ty) as u8;
        }
        let (nx, ny) = (
            f64::from(x) / f64::from(width) - hx,
            f64::from(y) / f64::from(height) - hy,
        );
        if nx * nx / 0.03 + ny * ny / 0.05 < 1.0 {
            px = head;
        }
        Rgb(px)
    })
}

/// `image` in `format`, with the codec's default settings.
pub fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

/// A square JPEG portrait of `person`.
pub fn jpeg(person: u64, side: u32) -> Vec<u8> {
    encode(&portrait(person, side, side), ImageFormat::Jpeg)
}

/// A square JPEG portrait of `person` at this JPEG quality (1–100).
pub fn jpeg_at_quality(person: u64, side: u32, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&portrait(person, side, side))
        .expect("encode test jpeg");
    out
}

/// A square PNG portrait of `person`.
pub fn png(person: u64, side: u32) -> Vec<u8> {
    encode(&portrait(person, side, side), ImageFormat::Png)
}
