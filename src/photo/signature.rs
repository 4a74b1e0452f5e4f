//! The "same picture" judgement: a small signature that sees brightness structure and colour,
//! and a comparison that tolerates what services do to a photo (resize, re-encode, slight
//! crops, borders, gamma) but not a different person on the same backdrop.
//!
//! Why not a bit hash: on ID photos (one backdrop, fixed framing) different people differ in a
//! few regions (face, hair, clothes colour); a 64-bit luma hash averages that away, and on
//! near-flat images it amplifies noise. Here the picture is kept as a 16x16 luma grid plus an
//! 8x8 chroma grid (385 bytes, 514 base64 characters, so the state file can keep it), and the
//! comparison looks for the worst *local* difference, with an absolute contrast floor so two
//! near-flat images compare by their colour alone. docs/photos.md has the corpus and margins.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Luma grid side.
const LUMA: usize = 16;
/// Chroma grid side (colour is coarser than structure in every codec, so in ours too).
const CHROMA: usize = 8;
/// Format version, the first byte of the encoded signature.
const VERSION: u8 = 1;
const ENCODED_LEN: usize = 1 + LUMA * LUMA + 2 * CHROMA * CHROMA;

/// Share of the side ignored at each edge: a 1-pixel border on a 48 px photo (2 %) and the
/// shift of a crop of up to 3 % must not decide the comparison.
const EDGE_TRIM: f64 = 0.04;

/// Contrast floor (luma levels, as a standard deviation): structure weaker than this is noise
/// or banding, so two near-flat pictures are compared by brightness and colour only.
const CONTRAST_FLOOR: f32 = 8.0;

/// Limits for "same picture", one per component; a pair is the same picture when every
/// component is within its limit. Chosen from the corpus in tests/photo/matching.rs.
/// Worst local structural difference, in standard deviations of the picture's contrast.
const MAX_STRUCTURE: f32 = 0.7;
/// Worst local colour difference, in chroma levels (Cb/Cr, 0-255 scale).
const MAX_COLOUR: f32 = 13.5;
/// Difference of mean brightness, in luma levels (gamma 0.9-1.1 moves mid-grey by ~8).
const MAX_BRIGHTNESS: f32 = 12.0;

/// A picture's perceptual signature: what "same picture" is decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    luma: [u8; LUMA * LUMA],
    cb: [u8; CHROMA * CHROMA],
    cr: [u8; CHROMA * CHROMA],
}

/// The outcome of comparing two signatures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Comparison {
    /// Whether the two show the same picture (`distance <= 1`).
    pub same: bool,
    /// The largest component relative to its limit: 0 = identical, 1 = the threshold.
    pub distance: f32,
    /// The components, each in its own unit (see the `MAX_*` limits).
    pub structure: f32,
    pub colour: f32,
    pub brightness: f32,
}

impl Signature {
    /// Signature of an upright, square RGB picture.
    pub fn of(square: &RgbImage) -> Signature {
        let rgb = grid_rgb(square);
        let mut luma = [0u8; LUMA * LUMA];
        for (l, p) in luma.iter_mut().zip(rgb.chunks_exact(3)) {
            *l = to_u8(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
        }
        let (mut cb, mut cr) = ([0u8; CHROMA * CHROMA], [0u8; CHROMA * CHROMA]);
        let step = LUMA / CHROMA;
        for cy in 0..CHROMA {
            for cx in 0..CHROMA {
                let mut sum = [0f32; 3];
                for y in cy * step..(cy + 1) * step {
                    for x in cx * step..(cx + 1) * step {
                        let p = &rgb[(y * LUMA + x) * 3..][..3];
                        sum.iter_mut().zip(p).for_each(|(s, v)| *s += v);
                    }
                }
                let [r, g, b] = sum.map(|s| s / (step * step) as f32);
                cb[cy * CHROMA + cx] = to_u8(128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b);
                cr[cy * CHROMA + cx] = to_u8(128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b);
            }
        }
        Signature { luma, cb, cr }
    }

    /// Parse the base64 form written by `to_string`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Signature> {
        let bytes = STANDARD_NO_PAD.decode(text).ok()?;
        if bytes.len() != ENCODED_LEN || bytes[0] != VERSION {
            return None;
        }
        let (luma, chroma) = bytes[1..].split_at(LUMA * LUMA);
        let (cb, cr) = chroma.split_at(CHROMA * CHROMA);
        Some(Signature {
            luma: luma.try_into().ok()?,
            cb: cb.try_into().ok()?,
            cr: cr.try_into().ok()?,
        })
    }
}

impl std::fmt::Display for Signature {
    /// Version byte, luma grid, Cb grid, Cr grid; base64 without padding (514 characters).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut bytes = Vec::with_capacity(ENCODED_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.luma);
        bytes.extend_from_slice(&self.cb);
        bytes.extend_from_slice(&self.cr);
        f.write_str(&STANDARD_NO_PAD.encode(bytes))
    }
}

/// Compare two signatures: the same picture when structure, colour and brightness all agree.
pub fn compare(a: &Signature, b: &Signature) -> Comparison {
    let structure = structure_difference(&a.luma, &b.luma);
    let colour = colour_difference(a, b);
    let brightness = (mean(&a.luma) - mean(&b.luma)).abs();
    let distance = (structure / MAX_STRUCTURE)
        .max(colour / MAX_COLOUR)
        .max(brightness / MAX_BRIGHTNESS);
    Comparison {
        same: distance <= 1.0,
        distance,
        structure,
        colour,
        brightness,
    }
}

/// Worst local difference of the two luma grids after each is normalised to zero mean and
/// unit contrast, at the best of a few small alignments (a crop of a few percent shifts and
/// scales the picture by a fraction of a cell). The contrast gets the floor added, so a
/// near-flat grid normalises to almost nothing instead of to amplified noise. Local (3x3
/// cells, root mean square) rather than global, because two people on one backdrop differ in
/// a region, not everywhere.
fn structure_difference(a: &[u8; LUMA * LUMA], b: &[u8; LUMA * LUMA]) -> f32 {
    let (za, zb) = (normalised(a), normalised(b));
    let mut best = (f32::INFINITY, [0f32; LUMA * LUMA]);
    for scale in SCALES {
        // Rows resampled along x depend on scale and dx only: shared by every dy.
        let rows = SHIFTS.map(|dx| resample_rows(&zb, scale, dx));
        for dy in SHIFTS {
            for rows in &rows {
                let warped = resample_columns(rows, scale, dy);
                let mut sq = [0f32; LUMA * LUMA];
                let mut total = 0.0;
                for ((s, x), y) in sq.iter_mut().zip(&za).zip(&warped) {
                    *s = (x - y) * (x - y);
                    total += *s;
                }
                if total < best.0 {
                    best = (total, sq);
                }
            }
        }
    }
    worst_window(&best.1, LUMA).sqrt()
}

/// The alignments tried: scale about the centre, then shift (in luma cells).
const SCALES: [f32; 3] = [1.0, 0.97, 1.03];
const SHIFTS: [f32; 3] = [0.0, -0.4, 0.4];

/// Where cell `i` of a warped axis samples the grid: the cell below and the weight of the
/// next one (bilinear), for a scale about the centre and a shift in cells; edges clamp.
fn axis_samples(scale: f32, shift: f32) -> [(usize, f32); LUMA] {
    let half = LUMA as f32 / 2.0;
    let last = (LUMA - 1) as f32;
    std::array::from_fn(|i| {
        let t = ((i as f32 + 0.5 - half) * scale + half - 0.5 + shift).clamp(0.0, last);
        (t.floor() as usize, t.fract())
    })
}

/// Every row of `grid` resampled along x (the first half of a separable bilinear warp).
fn resample_rows(grid: &[f32; LUMA * LUMA], scale: f32, dx: f32) -> [f32; LUMA * LUMA] {
    let xs = axis_samples(scale, dx);
    let mut out = [0f32; LUMA * LUMA];
    for (row_out, row) in out.chunks_exact_mut(LUMA).zip(grid.chunks_exact(LUMA)) {
        for (cell, &(x0, fx)) in row_out.iter_mut().zip(&xs) {
            let next = row[(x0 + 1).min(LUMA - 1)];
            *cell = row[x0] * (1.0 - fx) + next * fx;
        }
    }
    out
}

/// `rows` resampled along y: with `resample_rows`, the grid scaled by `scale` about the
/// centre and shifted by (dx, dy) cells.
fn resample_columns(rows: &[f32; LUMA * LUMA], scale: f32, dy: f32) -> [f32; LUMA * LUMA] {
    let ys = axis_samples(scale, dy);
    let mut out = [0f32; LUMA * LUMA];
    for (row_out, &(y0, fy)) in out.chunks_exact_mut(LUMA).zip(&ys) {
        let top = &rows[y0 * LUMA..][..LUMA];
        let bottom = &rows[(y0 + 1).min(LUMA - 1) * LUMA..][..LUMA];
        for ((cell, t), b) in row_out.iter_mut().zip(top).zip(bottom) {
            *cell = t * (1.0 - fy) + b * fy;
        }
    }
    out
}

fn normalised(grid: &[u8; LUMA * LUMA]) -> [f32; LUMA * LUMA] {
    let m = mean(grid);
    let var = grid
        .iter()
        .map(|&v| (f32::from(v) - m).powi(2))
        .sum::<f32>()
        / grid.len() as f32;
    let scale = (var + CONTRAST_FLOOR * CONTRAST_FLOOR).sqrt();
    grid.map(|v| (f32::from(v) - m) / scale)
}

/// Worst local colour difference: Euclidean (Cb, Cr) distance, averaged over 2x2 cells.
fn colour_difference(a: &Signature, b: &Signature) -> f32 {
    let mut sq = [0f32; CHROMA * CHROMA];
    for (i, s) in sq.iter_mut().enumerate() {
        let dcb = f32::from(a.cb[i]) - f32::from(b.cb[i]);
        let dcr = f32::from(a.cr[i]) - f32::from(b.cr[i]);
        *s = dcb * dcb + dcr * dcr;
    }
    worst_window(&sq, CHROMA).sqrt()
}

/// The largest mean over the 3x3 windows (2x2 on small grids) of a `side`x`side` grid.
fn worst_window(values: &[f32], side: usize) -> f32 {
    let w = if side >= 12 { 3 } else { 2 };
    let mut worst = 0f32;
    for y in 0..=side - w {
        for x in 0..=side - w {
            let mut sum = 0.0;
            for row in values[y * side..].chunks(side).take(w) {
                sum += row[x..x + w].iter().sum::<f32>();
            }
            worst = worst.max(sum / (w * w) as f32);
        }
    }
    worst
}

fn mean(values: &[u8]) -> f32 {
    values.iter().map(|&v| f32::from(v)).sum::<f32>() / values.len() as f32
}

fn to_u8(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// The square without its outer `EDGE_TRIM`, downscaled to `LUMA`x`LUMA` RGB with a triangle
/// filter widened to the scale factor (every source pixel counts, edges soften a little).
fn grid_rgb(square: &RgbImage) -> Vec<f32> {
    let side = LUMA as u32;
    let (w, h) = (f64::from(square.width()), f64::from(square.height()));
    let small = ImageRef::new(
        square.width(),
        square.height(),
        square.as_raw(),
        PixelType::U8x3,
    )
    .ok()
    .and_then(|view| {
        let mut dst = Image::new(side, side, PixelType::U8x3);
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
            .crop(
                w * EDGE_TRIM,
                h * EDGE_TRIM,
                w * (1.0 - 2.0 * EDGE_TRIM),
                h * (1.0 - 2.0 * EDGE_TRIM),
            );
        Resizer::new().resize(&view, &mut dst, &options).ok()?;
        Some(dst.into_vec())
    })
    // Only reachable for an empty image, which decode never produces.
    .unwrap_or_else(|| vec![0; LUMA * LUMA * 3]);
    small.into_iter().map(f32::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn round_trips_through_its_text_form() {
        let img = RgbImage::from_fn(64, 64, |x, y| Rgb([(x * 4) as u8, (y * 4) as u8, 90]));
        let sig = Signature::of(&img);
        let text = sig.to_string();
        assert_eq!(text.len(), 514);
        assert_eq!(Signature::parse(&text), Some(sig.clone()));
        assert!(compare(&sig, &sig).distance == 0.0);
    }

    #[test]
    fn parsing_is_strict() {
        assert_eq!(Signature::parse(""), None);
        assert_eq!(Signature::parse("not base64!"), None);
        let text = Signature::of(&RgbImage::new(8, 8)).to_string();
        assert_eq!(Signature::parse(&text[..text.len() - 4]), None);
        // Another version byte is refused rather than misread.
        let mut bytes = STANDARD_NO_PAD.decode(&text).expect("base64");
        bytes[0] = 2;
        assert_eq!(Signature::parse(&STANDARD_NO_PAD.encode(bytes)), None);
    }

    #[test]
    fn near_flat_pictures_compare_by_colour() {
        let grey = |v: u8| Signature::of(&RgbImage::from_pixel(32, 32, Rgb([v, v, v])));
        let bands = Signature::of(&RgbImage::from_fn(32, 32, |_, y| {
            let v = 128 + (y % 8 / 4) as u8 * 2;
            Rgb([v, v, v])
        }));
        assert!(compare(&grey(128), &bands).same, "faint bands are flat");
        assert!(!compare(&grey(128), &grey(200)).same);
        let blue = Signature::of(&RgbImage::from_pixel(32, 32, Rgb([110, 128, 170])));
        assert!(!compare(&grey(128), &blue).same);
    }
}
