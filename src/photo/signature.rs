//! The "same picture" judgement: a small signature that sees brightness structure and colour,
//! and a comparison that tolerates what services do to a photo (resize, re-encode, slight
//! crops, borders, gamma) but not a different person on the same backdrop.
//!
//! Why not a bit hash: on ID photos (one backdrop, fixed framing) different people differ in a
//! few regions (face, hair, clothes colour); a 64-bit luma hash averages that away, and on
//! near-flat images it amplifies noise. Here the picture is kept as 16x16 grids of luma and of
//! both chroma channels (769 bytes, 1,026 base64 characters, so the state file can keep it),
//! and the comparison looks for the worst *local* difference, with an absolute contrast floor
//! so two near-flat images compare by their colour alone. docs/photos.md has the corpus and
//! margins.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Grid side, for luma and chroma alike.
const SIDE: usize = 16;
const CELLS: usize = SIDE * SIDE;
/// Format version, the first byte of the encoded signature. Version 1 (8x8 chroma) could not
/// tell two look-alikes apart by the colour of a face; its signatures no longer parse, which
/// callers treat as "no signature" (the state file decides by SHA-256, not by signature).
const VERSION: u8 = 2;
const ENCODED_LEN: usize = 1 + 3 * CELLS;

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
/// Colour of the most different region, in chroma levels (Cb/Cr, 0-255 scale): the largest
/// difference that every cell of some 3x3-cell region reaches. A region, not a cell, because
/// re-encoding smears colour across edges (a line of cells), while another face or shirt
/// differs over an area.
const MAX_COLOUR: f32 = 6.3;
/// Difference of mean brightness, in luma levels (gamma 0.9-1.1 moves mid-grey by ~8).
const MAX_BRIGHTNESS: f32 = 12.0;

/// A picture's perceptual signature: what "same picture" is decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    luma: [u8; CELLS],
    cb: [u8; CELLS],
    cr: [u8; CELLS],
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
        let (mut luma, mut cb, mut cr) = ([0u8; CELLS], [0u8; CELLS], [0u8; CELLS]);
        for (i, p) in rgb.chunks_exact(3).enumerate() {
            let [r, g, b] = [p[0], p[1], p[2]];
            luma[i] = to_u8(0.299 * r + 0.587 * g + 0.114 * b);
            cb[i] = to_u8(128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b);
            cr[i] = to_u8(128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b);
        }
        Signature { luma, cb, cr }
    }

    /// Parse the base64 form written by `to_string`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Signature> {
        let bytes = STANDARD_NO_PAD.decode(text).ok()?;
        if bytes.len() != ENCODED_LEN || bytes[0] != VERSION {
            return None;
        }
        let (luma, chroma) = bytes[1..].split_at(CELLS);
        let (cb, cr) = chroma.split_at(CELLS);
        Some(Signature {
            luma: luma.try_into().ok()?,
            cb: cb.try_into().ok()?,
            cr: cr.try_into().ok()?,
        })
    }
}

impl std::fmt::Display for Signature {
    /// Version byte, luma grid, Cb grid, Cr grid; base64 without padding (1,026 characters).
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
    let (structure, alignment) = structure_difference(&a.luma, &b.luma);
    let colour = colour_difference(a, b, alignment);
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
/// scales the picture by a fraction of a cell), and that alignment. The contrast gets the
/// floor added, so a near-flat grid normalises to almost nothing instead of to amplified
/// noise. Local (3x3 cells, root mean square) rather than global, because two people on one
/// backdrop differ in a region, not everywhere.
fn structure_difference(a: &[u8; CELLS], b: &[u8; CELLS]) -> (f32, Alignment) {
    let (za, zb) = (normalised(a), normalised(b));
    let mut best = (f32::INFINITY, [0f32; CELLS], Alignment::default());
    for scale in SCALES {
        // Rows resampled along x depend on scale and dx only: shared by every dy.
        let rows = SHIFTS.map(|dx| resample_rows(&zb, scale, dx));
        for dy in SHIFTS {
            for (rows, dx) in rows.iter().zip(SHIFTS) {
                let warped = resample_columns(rows, scale, dy);
                let mut sq = [0f32; CELLS];
                let mut total = 0.0;
                for ((s, x), y) in sq.iter_mut().zip(&za).zip(&warped) {
                    *s = (x - y) * (x - y);
                    total += *s;
                }
                if total < best.0 {
                    best = (total, sq, Alignment { scale, dx, dy });
                }
            }
        }
    }
    (worst_window(&best.1, SIDE, 3).sqrt(), best.2)
}

/// How the second grid was warped onto the first: scale about the centre, then shift (cells).
#[derive(Debug, Clone, Copy, Default)]
struct Alignment {
    scale: f32,
    dx: f32,
    dy: f32,
}

impl Alignment {
    fn warp(self, grid: &[u8; CELLS]) -> [f32; CELLS] {
        let rows = resample_rows(&grid.map(f32::from), self.scale, self.dx);
        resample_columns(&rows, self.scale, self.dy)
    }
}

/// The alignments tried: scale about the centre, then shift (in cells).
const SCALES: [f32; 3] = [1.0, 0.97, 1.03];
const SHIFTS: [f32; 3] = [0.0, -0.4, 0.4];

/// Where cell `i` of a warped axis samples the grid: the cell below and the weight of the
/// next one (bilinear), for a scale about the centre and a shift in cells; edges clamp.
fn axis_samples(scale: f32, shift: f32) -> [(usize, f32); SIDE] {
    let half = SIDE as f32 / 2.0;
    let last = (SIDE - 1) as f32;
    std::array::from_fn(|i| {
        let t = ((i as f32 + 0.5 - half) * scale + half - 0.5 + shift).clamp(0.0, last);
        (t.floor() as usize, t.fract())
    })
}

/// Every row of `grid` resampled along x (the first half of a separable bilinear warp).
fn resample_rows(grid: &[f32; CELLS], scale: f32, dx: f32) -> [f32; CELLS] {
    let xs = axis_samples(scale, dx);
    let mut out = [0f32; CELLS];
    for (row_out, row) in out.chunks_exact_mut(SIDE).zip(grid.chunks_exact(SIDE)) {
        for (cell, &(x0, fx)) in row_out.iter_mut().zip(&xs) {
            let next = row[(x0 + 1).min(SIDE - 1)];
            *cell = row[x0] * (1.0 - fx) + next * fx;
        }
    }
    out
}

/// `rows` resampled along y: with `resample_rows`, the grid scaled by `scale` about the
/// centre and shifted by (dx, dy) cells.
fn resample_columns(rows: &[f32; CELLS], scale: f32, dy: f32) -> [f32; CELLS] {
    let ys = axis_samples(scale, dy);
    let mut out = [0f32; CELLS];
    for (row_out, &(y0, fy)) in out.chunks_exact_mut(SIDE).zip(&ys) {
        let top = &rows[y0 * SIDE..][..SIDE];
        let bottom = &rows[(y0 + 1).min(SIDE - 1) * SIDE..][..SIDE];
        for ((cell, t), b) in row_out.iter_mut().zip(top).zip(bottom) {
            *cell = t * (1.0 - fy) + b * fy;
        }
    }
    out
}

fn normalised(grid: &[u8; CELLS]) -> [f32; CELLS] {
    let m = mean(grid);
    let var = grid
        .iter()
        .map(|&v| (f32::from(v) - m).powi(2))
        .sum::<f32>()
        / grid.len() as f32;
    let scale = (var + CONTRAST_FLOOR * CONTRAST_FLOOR).sqrt();
    grid.map(|v| (f32::from(v) - m) / scale)
}

/// Colour of the most different region: per cell the Euclidean (Cb, Cr) distance, with the
/// second picture at the alignment the structure found; then the largest value that every
/// cell of some 3x3 window reaches (the maximum over windows of their minimum).
fn colour_difference(a: &Signature, b: &Signature, alignment: Alignment) -> f32 {
    let (cb, cr) = (alignment.warp(&b.cb), alignment.warp(&b.cr));
    let mut dist = [0f32; CELLS];
    for (i, d) in dist.iter_mut().enumerate() {
        let dcb = f32::from(a.cb[i]) - cb[i];
        let dcr = f32::from(a.cr[i]) - cr[i];
        *d = (dcb * dcb + dcr * dcr).sqrt();
    }
    // Separable erosion: the minimum over 3 cells along x, then over 3 rows of those.
    let mut rows = [0f32; SIDE * (SIDE - 2)];
    for (out, row) in rows.chunks_exact_mut(SIDE - 2).zip(dist.chunks_exact(SIDE)) {
        for (o, w) in out.iter_mut().zip(row.windows(3)) {
            *o = w[0].min(w[1]).min(w[2]);
        }
    }
    let width = SIDE - 2;
    (0..SIDE - 2)
        .flat_map(|y| (0..width).map(move |x| (y, x)))
        .map(|(y, x)| {
            rows[y * width + x]
                .min(rows[(y + 1) * width + x])
                .min(rows[(y + 2) * width + x])
        })
        .fold(0.0, f32::max)
}

/// The largest mean over the `w`x`w` windows of a `side`x`side` grid.
fn worst_window(values: &[f32], side: usize, w: usize) -> f32 {
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

/// The square without its outer `EDGE_TRIM`, downscaled to `SIDE`x`SIDE` RGB with a triangle
/// filter widened to the scale factor (every source pixel counts, edges soften a little).
fn grid_rgb(square: &RgbImage) -> Vec<f32> {
    let side = SIDE as u32;
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
    .unwrap_or_else(|| vec![0; CELLS * 3]);
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
        assert_eq!(text.len(), 1026);
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
        bytes[0] = 1;
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

    /// Two pictures of one brightness structure whose colours differ: over a region, that is
    /// another picture (another face); along one line of cells, it is what re-encoding does.
    #[test]
    fn colour_decides_over_a_region_not_along_a_line() {
        let patch = |x0: u32, x1: u32, y0: u32, y1: u32, colour: [u8; 3]| {
            Signature::of(&RgbImage::from_fn(160, 160, |x, y| {
                if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                    Rgb(colour)
                } else {
                    Rgb([128, 128, 128])
                }
            }))
        };
        // Equal luma (about 140), different hue.
        let (warm, olive) = ([200, 120, 80], [150, 145, 95]);
        let a = patch(40, 120, 40, 120, warm);
        let b = patch(40, 120, 40, 120, olive);
        let c = compare(&a, &b);
        assert!(c.structure < 0.2 && c.brightness < 1.0, "{c:?}");
        assert!(!c.same && c.colour > 20.0, "{c:?}");
        // A stripe one cell wide (160 px / 16) of each colour: the same grey around it.
        let line_a = patch(75, 85, 20, 140, warm);
        let line_b = patch(75, 85, 20, 140, olive);
        let c = compare(&line_a, &line_b);
        assert!(c.colour < MAX_COLOUR, "{c:?}");
    }
}
