//! The "same picture" judgement: a small signature that sees brightness structure and colour,
//! and a comparison that tolerates what services do to a photo (resize, re-encode, slight
//! crops, borders, gamma) but not a different person on the same backdrop.
//!
//! Why not a bit hash: on ID photos (one backdrop, fixed framing) different people differ in a
//! few regions (face, hair, clothes colour); a 64-bit luma hash averages that away, and on
//! near-flat images it amplifies noise. Here the picture is kept as 16x16 grids of luma and of
//! both chroma channels (769 bytes, 1,026 base64 characters, so the state file can keep it).
//!
//! The comparison asks, region by region, whether the other picture can account for what
//! this one shows: after aligning the two and matching their overall brightness, a cell is
//! explained when its value lies within what the other picture reaches within half a cell.
//! What services do (resampling, re-encoding, chroma subsampling, a slight crop) moves
//! edges by a fraction of a cell and stays explained; another person's hair, skin or beard
//! changes a region to values its surroundings never had, and decides "different" even when
//! the rest of the picture matches. docs/photos.md has both corpora and the margins.

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
/// Version 2's grids are unchanged by the region comparison, so stored version 2 signatures
/// keep comparing correctly.
const VERSION: u8 = 2;
const ENCODED_LEN: usize = 1 + 3 * CELLS;

/// Share of the side ignored at each edge: a 1-pixel border on a 48 px photo (2 %) and the
/// shift of a crop of up to 3 % must not decide the comparison.
const EDGE_TRIM: f64 = 0.04;

/// Contrast floor (luma levels, as a standard deviation) when normalising the grids to choose
/// an alignment: structure weaker than this is noise or banding and must not steer it.
const CONTRAST_FLOOR: f32 = 8.0;

/// Limits for "same picture", one per component; a pair is the same picture when every
/// component is within its limit. Chosen on the tuning corpus (tests/photo/matching.rs) and
/// measured on the held-out corpus (tests/photo/heldout.rs), which never chose a limit.
/// Worst region of luma the other picture cannot account for, in luma levels (see
/// `structure_difference`).
const MAX_STRUCTURE: f32 = 12.0;
/// Worst region of colour the other picture cannot account for, in chroma levels (Cb/Cr,
/// 0-255 scale; see `colour_difference`).
const MAX_COLOUR: f32 = 11.0;
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
    let alignment = best_alignment(&a.luma, &b.luma);
    let structure = structure_difference(&a.luma, &b.luma, alignment);
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

/// The best of a few small alignments of the second luma grid onto the first (a crop of a few
/// percent shifts and scales the picture by a fraction of a cell): the one with the smallest
/// squared difference once each grid is normalised to zero mean and unit contrast. The
/// contrast gets the floor added, so a near-flat grid normalises to almost nothing instead of
/// to amplified noise.
fn best_alignment(a: &[u8; CELLS], b: &[u8; CELLS]) -> Alignment {
    let (za, zb) = (normalised(a), normalised(b));
    let mut best = (f32::INFINITY, Alignment::default());
    for scale in SCALES {
        // Rows resampled along x depend on scale and dx only: shared by every dy.
        let rows = SHIFTS.map(|dx| resample_rows(&zb, scale, dx));
        for dy in SHIFTS {
            let ys = axis_samples(scale, dy);
            for (rows, dx) in rows.iter().zip(SHIFTS) {
                if let Some(total) = squared_distance_below(&za, rows, &ys, best.0) {
                    best = (total, Alignment { scale, dx, dy });
                }
            }
        }
    }
    best.1
}

/// The squared distance between `za` and `rows` resampled along y at `ys`, if it is below
/// `bound`; every few rows it gives up as soon as it cannot be (most alignments are far off).
/// One running sum per column, so the cells of a row are summed side by side.
fn squared_distance_below(
    za: &[f32; CELLS],
    rows: &[f32; CELLS],
    ys: &[(usize, f32); SIDE],
    bound: f32,
) -> Option<f32> {
    let mut columns = [0f32; SIDE];
    for (y, (want, &(y0, fy))) in za.chunks_exact(SIDE).zip(ys).enumerate() {
        let top = &rows[y0 * SIDE..][..SIDE];
        let bottom = &rows[(y0 + 1).min(SIDE - 1) * SIDE..][..SIDE];
        for (((sum, w), t), b) in columns.iter_mut().zip(want).zip(top).zip(bottom) {
            let d = w - (t * (1.0 - fy) + b * fy);
            *sum += d * d;
        }
        if y % 4 == 3 && columns.iter().sum::<f32>() >= bound {
            return None;
        }
    }
    let total = columns.iter().sum::<f32>();
    (total < bound).then_some(total)
}

/// The worst region of luma that the other picture cannot account for, in luma levels: the
/// second grid aligned and moved by the median difference (gamma and exposure shift every
/// level a little; a region that changed does not move the median), then per cell how far
/// each picture's value lies outside what the other reaches within half a cell (a sub-cell
/// shift, a blur or a resampled edge stays inside that reach; another face, hair or beard
/// over a region does not), and the worst 3x3 window of that, root mean square. The outer
/// ring of cells is left out: a crop moves content in and out there.
fn structure_difference(a: &[u8; CELLS], b: &[u8; CELLS], alignment: Alignment) -> f32 {
    let a = a.map(f32::from);
    let mut b = alignment.warp(b);
    let mut differences: [f32; CELLS] = std::array::from_fn(|i| a[i] - b[i]);
    let (_, &mut offset, _) = differences.select_nth_unstable_by(CELLS / 2, f32::total_cmp);
    b.iter_mut().for_each(|v| *v += offset);
    let unexplained = unexplained(&a, &b);
    worst_window_rms(&unexplained, 1, 3)
}

/// Per cell, how far `a` lies outside what `b` reaches within half a cell, or `b` outside what
/// `a` reaches, whichever is further (0 when each is within the other's reach).
fn unexplained(a: &[f32; CELLS], b: &[f32; CELLS]) -> [f32; CELLS] {
    let (a_lo, a_hi) = half_cell_reach(a);
    let (b_lo, b_hi) = half_cell_reach(b);
    std::array::from_fn(|i| {
        (a[i] - b_hi[i])
            .max(b_lo[i] - a[i])
            .max(b[i] - a_hi[i])
            .max(a_lo[i] - b[i])
            .max(0.0)
    })
}

/// The range of values a grid takes within half a cell of each cell's centre: from the cell
/// towards the midpoint to its lowest and to its highest neighbour. Half a cell, not a whole
/// one: a cap of hair one cell high lies between the backdrop and the face, and a whole cell's
/// reach would explain any colour it turned.
fn half_cell_reach(grid: &[f32; CELLS]) -> ([f32; CELLS], [f32; CELLS]) {
    let (lo, hi) = neighbourhood_range(grid);
    (
        std::array::from_fn(|i| (grid[i] + lo[i]) / 2.0),
        std::array::from_fn(|i| (grid[i] + hi[i]) / 2.0),
    )
}

/// The minimum and the maximum of each cell's 3x3 neighbourhood (clamped at the edges).
fn neighbourhood_range(grid: &[f32; CELLS]) -> ([f32; CELLS], [f32; CELLS]) {
    // Separable: over three cells along x, then over three rows of that.
    let (mut row_lo, mut row_hi) = ([0f32; CELLS], [0f32; CELLS]);
    for ((lo, hi), row) in row_lo
        .chunks_exact_mut(SIDE)
        .zip(row_hi.chunks_exact_mut(SIDE))
        .zip(grid.chunks_exact(SIDE))
    {
        (lo[0], hi[0]) = (row[0].min(row[1]), row[0].max(row[1]));
        let last = SIDE - 1;
        (lo[last], hi[last]) = (row[last].min(row[last - 1]), row[last].max(row[last - 1]));
        for ((lo, hi), w) in lo[1..last]
            .iter_mut()
            .zip(&mut hi[1..last])
            .zip(row.windows(3))
        {
            *lo = w[0].min(w[1]).min(w[2]);
            *hi = w[0].max(w[1]).max(w[2]);
        }
    }
    let (mut lo, mut hi) = ([0f32; CELLS], [0f32; CELLS]);
    for y in 0..SIDE {
        let row = |y: usize| y * SIDE..(y + 1) * SIDE;
        let (at, up, down) = (row(y), row(y.saturating_sub(1)), row((y + 1).min(SIDE - 1)));
        let cells = lo[at.clone()].iter_mut().zip(&mut hi[at.clone()]);
        let lows = row_lo[at.clone()]
            .iter()
            .zip(&row_lo[up.clone()])
            .zip(&row_lo[down.clone()]);
        let highs = row_hi[at].iter().zip(&row_hi[up]).zip(&row_hi[down]);
        for (((lo, hi), ((a, u), d)), ((ha, hu), hd)) in cells.zip(lows).zip(highs) {
            *lo = a.min(*u).min(*d);
            *hi = ha.max(*hu).max(*hd);
        }
    }
    (lo, hi)
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

/// The worst region of colour that the other picture cannot account for, in chroma levels:
/// the second picture's Cb and Cr at the alignment the structure found, per channel and cell
/// how far each lies outside what the other reaches within half a cell (chroma subsampling
/// and re-encoding smear colour across an edge, which stays inside that reach), the Euclidean
/// (Cb, Cr) length of that, and the worst 2x2 window, root mean square. A 2x2 window because
/// a cap of hair or a beard is only a few cells high.
fn colour_difference(a: &Signature, b: &Signature, alignment: Alignment) -> f32 {
    let cb = unexplained(&a.cb.map(f32::from), &alignment.warp(&b.cb));
    let cr = unexplained(&a.cr.map(f32::from), &alignment.warp(&b.cr));
    let squared: [f32; CELLS] = std::array::from_fn(|i| cb[i] * cb[i] + cr[i] * cr[i]);
    worst_window_rms(&squared.map(f32::sqrt), 0, 2)
}

/// The largest root mean square over the `w`x`w` windows of the grid, leaving out the
/// outer `border` ring of cells.
fn worst_window_rms(values: &[f32; CELLS], border: usize, w: usize) -> f32 {
    let inner = border..SIDE - border;
    // Sums of squares over `w` cells along x, then over `w` rows of those.
    let mut along_x = [0f32; CELLS];
    for y in inner.clone() {
        let row = &values[y * SIDE..][..SIDE];
        for x in border..=SIDE - border - w {
            along_x[y * SIDE + x] = row[x..x + w].iter().map(|v| v * v).sum();
        }
    }
    let mut worst = 0f32;
    for y in border..=SIDE - border - w {
        for x in border..=SIDE - border - w {
            let sum: f32 = (y..y + w).map(|row| along_x[row * SIDE + x]).sum();
            worst = worst.max(sum);
        }
    }
    (worst / (w * w) as f32).sqrt()
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
    /// another picture (another face), and so is a band one cell wide (a cap of hair); the
    /// same colours moved by a quarter of a cell, as a crop or a resample moves them, are not.
    #[test]
    fn colour_decides_over_a_region_even_a_narrow_one_but_not_when_moved() {
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
        assert!(c.structure < 3.0 && c.brightness < 1.0, "{c:?}");
        assert!(!c.same && c.colour > 20.0, "{c:?}");
        // A band one cell wide (160 px / 16) of each colour, the same grey around it.
        let c = compare(
            &patch(75, 85, 20, 140, warm),
            &patch(75, 85, 20, 140, olive),
        );
        assert!(!c.same && c.colour > MAX_COLOUR, "{c:?}");
        let c = compare(&a, &patch(42, 122, 42, 122, warm));
        assert!(c.same && c.colour < MAX_COLOUR / 2.0, "{c:?}");
    }

    /// A region that changed brightness decides, even when everything else matches; the same
    /// picture moved by a fraction of a cell does not (its edges stay within reach).
    #[test]
    fn a_region_decides_but_a_shift_does_not() {
        let picture = |x0: f32, level: u8| {
            Signature::of(&RgbImage::from_fn(160, 160, |x, y| {
                let (x, y) = (x as f32, y as f32);
                let v = if (x0..x0 + 50.0).contains(&x) && (40.0..90.0).contains(&y) {
                    level
                } else if y > 110.0 {
                    60
                } else {
                    150
                };
                Rgb([v, v, v])
            }))
        };
        let original = picture(40.0, 200);
        let brighter = compare(&original, &picture(40.0, 225));
        assert!(!brighter.same && brighter.structure > 20.0, "{brighter:?}");
        let shifted = compare(&original, &picture(44.0, 200));
        assert!(shifted.same && shifted.structure < 5.0, "{shifted:?}");
    }
}
