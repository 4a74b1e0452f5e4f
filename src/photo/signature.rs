//! The "same picture" judgement: a small signature that sees brightness structure and colour,
//! and a comparison that tolerates what services do to a photo (resize, re-encode, slight
//! crops, borders, gamma) but not a different person on the same backdrop.
//!
//! Why not a bit hash: on ID photos (one backdrop, fixed framing) different people differ in a
//! few regions (face, hair, clothes colour); a 64-bit luma hash averages that away, and on
//! near-flat images it amplifies noise. Here the picture is kept as a 32x32 grid of luma, 16x16
//! grids of both chroma channels and its size in pixels (1,539 bytes, 2,052 base64
//! characters, so a report or a script can keep it).
//!
//! The comparison asks, region by region, whether the other picture can account for what
//! this one shows: after aligning the two and matching their overall brightness, a cell is
//! explained when its value lies within what the other picture reaches within half a cell.
//! What services do (resampling, re-encoding, chroma subsampling, a slight crop) moves
//! edges by a fraction of a cell and stays explained; another person's hair, skin or beard
//! changes a region to values its surroundings never had, and decides "different" even when
//! the rest of the picture matches. A second, finer luma grid sees a beard or glasses that a
//! coarse cell averages away; it is compared at the smaller picture's resolution, so a 48 px
//! copy is not called different for lacking what it cannot hold. docs/photos.md has both
//! corpora and the margins.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Coarse grid side: chroma, and the luma that chooses the alignment.
const SIDE: usize = 16;
const CELLS: usize = SIDE * SIDE;
/// Fine grid side: luma at twice the coarse resolution, where a beard, glasses or a mouth
/// is more than a fraction of one coarse cell.
const FINE: usize = 2 * SIDE;
const FINE_CELLS: usize = FINE * FINE;
/// Format version, the first byte of the encoded signature. Versions 1 and 2 (no fine luma,
/// no picture size) no longer parse, which callers treat as "no signature" (the state file
/// decides by SHA-256, not by signature).
const VERSION: u8 = 3;
/// Version byte, the picture's side (u16, big-endian), fine luma, Cb, Cr.
const ENCODED_LEN: usize = 1 + 2 + FINE_CELLS + 2 * CELLS;

/// Share of the side ignored at each edge: a 1-pixel border on a 48 px photo (2 %) and the
/// shift of a crop of up to 3 % must not decide the comparison.
const EDGE_TRIM: f64 = 0.04;

/// Contrast floor (luma levels, as a standard deviation) when normalising the grids to choose
/// an alignment: structure weaker than this is noise or banding and must not steer it.
const CONTRAST_FLOOR: f32 = 8.0;

/// How many pixels of the smaller picture one sample of its colour spans, for comparing colour
/// at the resolution that picture can keep it: JPEG's 4:2:0 keeps 2, and its decoder's
/// upsampling, a low quality's coarse chroma and a second encoding smear a saturated region
/// further. 2.5 is the least (in steps of half a pixel) that judges every copy of the tuning
/// corpus's saturated clothes and ties the same picture.
const COLOUR_PIXELS: f32 = 2.5;

/// Limits for "same picture", one per component; a pair is the same picture when every
/// component is within its limit. Chosen on the tuning corpus (tests/photo/matching.rs) and
/// measured on the held-out corpus (tests/photo/heldout.rs), which never chose a limit.
/// Worst region of coarse luma the other picture cannot account for, in luma levels (see
/// `structure_difference`).
const MAX_STRUCTURE: f32 = 10.0;
/// The same on the fine luma grid, both pictures seen at the smaller one's resolution.
const MAX_DETAIL: f32 = 19.0;
/// Worst region of colour the other picture cannot account for, in chroma levels (Cb/Cr,
/// 0-255 scale; see `colour_difference`).
const MAX_COLOUR: f32 = 8.5;
/// Difference of mean brightness, in luma levels (gamma 0.9-1.1 moves mid-grey by ~8).
const MAX_BRIGHTNESS: f32 = 12.0;

/// A picture's perceptual signature: what "same picture" is decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Side of the decoded square, in pixels: how much detail the picture can hold.
    side: u16,
    fine: [u8; FINE_CELLS],
    /// The fine grid downscaled to the coarse one (not stored).
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
    pub detail: f32,
    pub colour: f32,
    pub brightness: f32,
}

impl Signature {
    /// Signature of an upright, square RGB picture.
    pub fn of(square: &RgbImage) -> Signature {
        // One downscale to the fine grid; colour is kept at the coarse resolution, as JPEG's
        // 4:2:0 keeps it at half.
        let rgb = grid_rgb(square);
        let pixel = |i: usize| {
            let p = &rgb[3 * i..][..3];
            (p[0], p[1], p[2])
        };
        let fine = std::array::from_fn(|i| {
            let (r, g, b) = pixel(i);
            to_u8(0.299 * r + 0.587 * g + 0.114 * b)
        });
        let coarse = |channel: fn((f32, f32, f32)) -> f32| {
            std::array::from_fn(|i| {
                to_u8(fine_cells_of(i).map(|(f, w)| w * channel(pixel(f))).sum())
            })
        };
        let cb = coarse(|(r, g, b)| 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b);
        let cr = coarse(|(r, g, b)| 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b);
        let side = square.width().min(square.height()).min(u32::from(u16::MAX));
        Signature::from_parts(side as u16, fine, cb, cr)
    }

    fn from_parts(
        side: u16,
        fine: [u8; FINE_CELLS],
        cb: [u8; CELLS],
        cr: [u8; CELLS],
    ) -> Signature {
        let luma = std::array::from_fn(|i| {
            to_u8(fine_cells_of(i).map(|(f, w)| w * f32::from(fine[f])).sum())
        });
        Signature {
            side,
            fine,
            luma,
            cb,
            cr,
        }
    }

    /// Side of the decoded square, in pixels.
    pub fn side(&self) -> u32 {
        u32::from(self.side)
    }

    /// Parse the base64 form written by `to_string`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Signature> {
        let bytes = STANDARD_NO_PAD.decode(text).ok()?;
        if bytes.len() != ENCODED_LEN || bytes[0] != VERSION {
            return None;
        }
        let side = u16::from_be_bytes([bytes[1], bytes[2]]);
        if side == 0 {
            return None;
        }
        let (fine, chroma) = bytes[3..].split_at(FINE_CELLS);
        let (cb, cr) = chroma.split_at(CELLS);
        Some(Signature::from_parts(
            side,
            fine.try_into().ok()?,
            cb.try_into().ok()?,
            cr.try_into().ok()?,
        ))
    }
}

impl std::fmt::Display for Signature {
    /// Version byte, side, fine luma grid, Cb grid, Cr grid; base64 without padding (2,052
    /// characters).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut bytes = Vec::with_capacity(ENCODED_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.side.to_be_bytes());
        bytes.extend_from_slice(&self.fine);
        bytes.extend_from_slice(&self.cb);
        bytes.extend_from_slice(&self.cr);
        f.write_str(&STANDARD_NO_PAD.encode(bytes))
    }
}

impl Comparison {
    /// The distance in hundredths of the threshold, rounded up: at most 100 exactly when
    /// `same` (what `photo::same_picture` reports and the limits in `photo` are written in).
    pub fn hundredths(&self) -> u32 {
        (self.distance * 100.0).ceil().min(1e6) as u32
    }
}

/// Compare two signatures: the same picture when structure, detail, colour and brightness
/// all agree at one of the few best alignments (`best_alignments`); the comparison at the
/// alignment that explains most (the smallest distance) is the one reported.
pub fn compare(a: &Signature, b: &Signature) -> Comparison {
    let seen = SeenPair::of(a, b);
    let mut best: Option<Comparison> = None;
    for alignment in best_alignments(&a.luma, &b.luma) {
        let bound = best.map_or(f32::INFINITY, |c| c.distance);
        if let Some(comparison) = seen.compare_at(alignment, bound) {
            best = Some(comparison);
        }
    }
    best.unwrap_or_default()
}

/// One grid of the first picture with what every alignment compares against: its values and
/// the range of each cell's 3x3 neighbourhood.
struct Reference {
    values: Vec<f32>,
    lo: Vec<f32>,
    hi: Vec<f32>,
}

impl Reference {
    fn of(values: Vec<f32>, n: usize) -> Reference {
        let (lo, hi) = neighbourhood_range(&values, n);
        Reference { values, lo, hi }
    }
}

/// One grid of both pictures: the first's as every alignment compares against it, the
/// second's to be warped.
struct GridPair {
    first: Reference,
    second: Vec<f32>,
}

impl GridPair {
    fn of(first: Vec<f32>, second: Vec<f32>, n: usize) -> GridPair {
        GridPair {
            first: Reference::of(first, n),
            second,
        }
    }
}

/// What a comparison needs that no alignment changes, computed once per pair: both pictures'
/// grids as the smaller one can show them (detail and colour), and the brightness term.
struct SeenPair {
    luma: GridPair,
    fine: GridPair,
    cb: GridPair,
    cr: GridPair,
    brightness: f32,
}

impl SeenPair {
    fn of(a: &Signature, b: &Signature) -> SeenPair {
        // Detail only where both pictures can show it: a 48 px copy cannot hold what a 32x32
        // grid of a 648 px original shows, so both grids are seen at the smaller picture's
        // resolution; colour likewise at its colour resolution.
        let smaller = a.side.min(b.side);
        let pair = |a: &[u8], b: &[u8], n: usize, pixels: f32| {
            GridPair::of(
                seen_at(a, n, smaller, pixels),
                seen_at(b, n, smaller, pixels),
                n,
            )
        };
        SeenPair {
            luma: GridPair::of(as_f32(&a.luma), as_f32(&b.luma), SIDE),
            fine: pair(&a.fine, &b.fine, FINE, 1.0),
            cb: pair(&a.cb, &b.cb, SIDE, COLOUR_PIXELS),
            cr: pair(&a.cr, &b.cr, SIDE, COLOUR_PIXELS),
            brightness: (mean(&a.luma) - mean(&b.luma)).abs(),
        }
    }

    /// The comparison with the second picture warped by `alignment`, or `None` as soon as one
    /// component shows its distance cannot be below `bound` (another alignment did better).
    fn compare_at(&self, alignment: Alignment, bound: f32) -> Option<Comparison> {
        let within = |value: f32, limit: f32| (value / limit < bound).then_some(value);
        let brightness = within(self.brightness, MAX_BRIGHTNESS)?;
        let structure = within(
            structure_difference(&self.luma, SIDE, alignment),
            MAX_STRUCTURE,
        )?;
        let colour = within(colour_difference(&self.cb, &self.cr, alignment), MAX_COLOUR)?;
        let detail = within(
            structure_difference(&self.fine, FINE, alignment.in_cells_of(FINE)),
            MAX_DETAIL,
        )?;
        let distance = (structure / MAX_STRUCTURE)
            .max(detail / MAX_DETAIL)
            .max(colour / MAX_COLOUR)
            .max(brightness / MAX_BRIGHTNESS);
        Some(Comparison {
            same: distance <= 1.0,
            distance,
            structure,
            detail,
            colour,
            brightness,
        })
    }
}

/// The best few of a few small alignments of the second luma grid onto the first (a crop of a
/// few percent shifts and scales the picture by a fraction of a cell): those with the smallest
/// squared difference once each grid is normalised to zero mean and unit contrast. The
/// contrast gets the floor added, so a near-flat grid normalises to almost nothing instead of
/// to amplified noise. Several, not one: the least squared difference is steered by the
/// strongest edges, and a crop between two of the alignments tried can leave a thin feature
/// half a cell off at it while the next one explains the whole picture.
fn best_alignments(a: &[u8; CELLS], b: &[u8; CELLS]) -> Vec<Alignment> {
    let (za, zb) = (normalised(a), normalised(b));
    let mut best: Vec<(f32, Alignment)> = Vec::with_capacity(ALIGNMENTS_JUDGED + 1);
    for scale in SCALES {
        // Rows resampled along x depend on scale and dx only: shared by every dy.
        let rows = SHIFTS.map(|dx| resample_rows(&zb, SIDE, scale, dx));
        for dy in SHIFTS {
            let ys = axis_samples(SIDE, scale, dy);
            for (rows, dx) in rows.iter().zip(SHIFTS) {
                let bound = match best.get(ALIGNMENTS_JUDGED - 1) {
                    Some(&(worst_kept, _)) => worst_kept,
                    None => f32::INFINITY,
                };
                if let Some(total) = squared_distance_below(&za, rows, &ys, bound) {
                    best.push((total, Alignment { scale, dx, dy }));
                    best.sort_by(|x, y| x.0.total_cmp(&y.0));
                    best.truncate(ALIGNMENTS_JUDGED);
                }
            }
        }
    }
    best.into_iter().map(|(_, alignment)| alignment).collect()
}

/// The squared distance between `za` and `rows` resampled along y at `ys`, if it is below
/// `bound`; every few rows it gives up as soon as it cannot be (most alignments are far off).
/// One running sum per column, so the cells of a row are summed side by side.
fn squared_distance_below(
    za: &[f32],
    rows: &[f32],
    ys: &[(usize, f32)],
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
/// sixteenth of the grid is left out: a crop moves content in and out there.
fn structure_difference(grids: &GridPair, n: usize, alignment: Alignment) -> f32 {
    let (a, mut b) = (&grids.first, alignment.warp(&grids.second, n));
    let mut differences: Vec<f32> = a.values.iter().zip(&b).map(|(a, b)| a - b).collect();
    let (_, &mut offset, _) = differences.select_nth_unstable_by(n * n / 2, f32::total_cmp);
    b.iter_mut().for_each(|v| *v += offset);
    worst_window_rms(&unexplained(a, &b, n), n, n / SIDE, 3)
}

/// Per cell, how far `a` lies outside what `b` reaches within half a cell, or `b` outside what
/// `a` reaches, whichever is further (0 when each is within the other's reach).
///
/// What a grid reaches within half a cell of a cell's centre: from the cell towards the
/// midpoint to its lowest and to its highest neighbour. Half a cell, not a whole one: a cap of
/// hair one cell high lies between the backdrop and the face, and a whole cell's reach would
/// explain any colour it turned.
fn unexplained(a: &Reference, b: &[f32], n: usize) -> Vec<f32> {
    let (b_lo, b_hi) = neighbourhood_range(b, n);
    let max = |a: f32, b: f32| if b > a { b } else { a };
    (0..n * n)
        .map(|i| {
            let (a_lo, a_hi, a, b) = (a.lo[i], a.hi[i], a.values[i], b[i]);
            let a_outside = max(a - (b + b_hi[i]) / 2.0, (b + b_lo[i]) / 2.0 - a);
            let b_outside = max(b - (a + a_hi) / 2.0, (a + a_lo) / 2.0 - b);
            max(max(a_outside, b_outside), 0.0)
        })
        .collect()
}

/// The minimum and the maximum of each cell's 3x3 neighbourhood (clamped at the edges).
fn neighbourhood_range(grid: &[f32], n: usize) -> (Vec<f32>, Vec<f32>) {
    // Separable: over three cells along x, then over three rows of that. Plain comparisons,
    // not `f32::min`: the grids hold no NaN, and this is the comparison's innermost loop.
    let min = |a: f32, b: f32| if b < a { b } else { a };
    let max = |a: f32, b: f32| if b > a { b } else { a };
    let (mut row_lo, mut row_hi) = (vec![0f32; n * n], vec![0f32; n * n]);
    for ((lo, hi), row) in row_lo
        .chunks_exact_mut(n)
        .zip(row_hi.chunks_exact_mut(n))
        .zip(grid.chunks_exact(n))
    {
        let last = n - 1;
        (lo[0], hi[0]) = (min(row[0], row[1]), max(row[0], row[1]));
        (lo[last], hi[last]) = (min(row[last], row[last - 1]), max(row[last], row[last - 1]));
        for ((lo, hi), w) in lo[1..last]
            .iter_mut()
            .zip(&mut hi[1..last])
            .zip(row.windows(3))
        {
            *lo = min(min(w[0], w[1]), w[2]);
            *hi = max(max(w[0], w[1]), w[2]);
        }
    }
    let (mut lo, mut hi) = (vec![0f32; n * n], vec![0f32; n * n]);
    for y in 0..n {
        let row = |y: usize| y * n..(y + 1) * n;
        let (at, up, down) = (row(y), row(y.saturating_sub(1)), row((y + 1).min(n - 1)));
        let lows = row_lo[at.clone()]
            .iter()
            .zip(&row_lo[up.clone()])
            .zip(&row_lo[down.clone()]);
        for (out, ((&a, &u), &d)) in lo[at.clone()].iter_mut().zip(lows) {
            *out = min(min(a, u), d);
        }
        let highs = row_hi[at.clone()]
            .iter()
            .zip(&row_hi[up])
            .zip(&row_hi[down]);
        for (out, ((&a, &u), &d)) in hi[at].iter_mut().zip(highs) {
            *out = max(max(a, u), d);
        }
    }
    (lo, hi)
}

/// How the second grid was warped onto the first: scale about the centre, then shift (in
/// cells of the coarse grid).
#[derive(Debug, Clone, Copy)]
struct Alignment {
    scale: f32,
    dx: f32,
    dy: f32,
}

impl Alignment {
    /// The same warp for a grid of `n` cells a side.
    fn in_cells_of(self, n: usize) -> Alignment {
        let k = n as f32 / SIDE as f32;
        Alignment {
            dx: self.dx * k,
            dy: self.dy * k,
            ..self
        }
    }

    fn warp(self, grid: &[f32], n: usize) -> Vec<f32> {
        let rows = resample_rows(grid, n, self.scale, self.dx);
        resample_columns(&rows, n, self.scale, self.dy)
    }
}

/// The alignments tried: scale about the centre, then shift (in cells).
const SCALES: [f32; 3] = [1.0, 0.97, 1.03];
const SHIFTS: [f32; 3] = [0.0, -0.4, 0.4];
/// How many of the best alignments the comparison judges (chosen on the tuning corpus: with
/// one, crops of small originals were judged different; three judge every copy the same, at
/// 1.7 times the time of one comparison, docs/performance.md).
const ALIGNMENTS_JUDGED: usize = 3;

/// Where cell `i` of a warped axis of `n` cells samples the grid: the cell below and the
/// weight of the next one (bilinear), for a scale about the centre and a shift in cells;
/// edges clamp.
fn axis_samples(n: usize, scale: f32, shift: f32) -> Vec<(usize, f32)> {
    let half = n as f32 / 2.0;
    let last = (n - 1) as f32;
    (0..n)
        .map(|i| {
            let t = ((i as f32 + 0.5 - half) * scale + half - 0.5 + shift).clamp(0.0, last);
            (t.floor() as usize, t.fract())
        })
        .collect()
}

/// Every row of `grid` resampled along x (the first half of a separable bilinear warp).
fn resample_rows(grid: &[f32], n: usize, scale: f32, dx: f32) -> Vec<f32> {
    let xs = axis_samples(n, scale, dx);
    let mut out = vec![0f32; n * n];
    for (row_out, row) in out.chunks_exact_mut(n).zip(grid.chunks_exact(n)) {
        for (cell, &(x0, fx)) in row_out.iter_mut().zip(&xs) {
            let next = row[(x0 + 1).min(n - 1)];
            *cell = row[x0] * (1.0 - fx) + next * fx;
        }
    }
    out
}

/// `rows` resampled along y: with `resample_rows`, the grid scaled by `scale` about the
/// centre and shifted by (dx, dy) cells.
fn resample_columns(rows: &[f32], n: usize, scale: f32, dy: f32) -> Vec<f32> {
    let ys = axis_samples(n, scale, dy);
    let mut out = vec![0f32; n * n];
    for (row_out, &(y0, fy)) in out.chunks_exact_mut(n).zip(&ys) {
        let top = &rows[y0 * n..][..n];
        let bottom = &rows[(y0 + 1).min(n - 1) * n..][..n];
        for ((cell, t), b) in row_out.iter_mut().zip(top).zip(bottom) {
            *cell = t * (1.0 - fy) + b * fy;
        }
    }
    out
}

fn normalised(grid: &[u8; CELLS]) -> Vec<f32> {
    let m = mean(grid);
    let var = grid
        .iter()
        .map(|&v| (f32::from(v) - m).powi(2))
        .sum::<f32>()
        / grid.len() as f32;
    let scale = (var + CONTRAST_FLOOR * CONTRAST_FLOOR).sqrt();
    grid.iter().map(|&v| (f32::from(v) - m) / scale).collect()
}

/// A grid as a picture `smaller` pixels wide can show it: when `pixels` of that picture (1
/// for luma, `COLOUR_PIXELS` for colour) span 0.4-0.7 cells, blurred once by [1 2 1]/4, from
/// 0.7 cells twice; a larger picture's grid as it is.
fn seen_at(grid: &[u8], n: usize, smaller: u16, pixels: f32) -> Vec<f32> {
    let visible = f32::from(smaller) * (1.0 - 2.0 * EDGE_TRIM as f32);
    let cells = pixels * n as f32 / visible;
    let times = match cells {
        c if c < 0.4 => 0,
        c if c < 0.7 => 1,
        _ => 2,
    };
    (0..times).fold(as_f32(grid), |g, _| blur(&g, n))
}

/// Separable [1 2 1]/4, edges clamped.
fn blur(grid: &[f32], n: usize) -> Vec<f32> {
    let at = |i: usize, d: isize| i.saturating_add_signed(d).min(n - 1);
    let mut rows = vec![0f32; n * n];
    for (i, cell) in rows.iter_mut().enumerate() {
        let (y, x) = (i / n, i % n);
        let row = &grid[y * n..][..n];
        *cell = (row[at(x, -1)] + 2.0 * row[x] + row[at(x, 1)]) / 4.0;
    }
    (0..n * n)
        .map(|i| {
            let (y, x) = (i / n, i % n);
            (rows[at(y, -1) * n + x] + 2.0 * rows[i] + rows[at(y, 1) * n + x]) / 4.0
        })
        .collect()
}

/// The worst region of colour that the other picture cannot account for, in chroma levels:
/// both pictures' Cb and Cr seen at the smaller one's colour resolution, the second's at
/// `alignment`, per channel and cell how far each lies outside what the other reaches within
/// half a cell (chroma subsampling and re-encoding smear colour across an edge, which stays
/// inside that reach), the Euclidean (Cb, Cr) length of that, and the worst 2x2 window, root
/// mean square. A 2x2 window because a cap of hair or a beard is only
/// a few cells high.
fn colour_difference(cb: &GridPair, cr: &GridPair, alignment: Alignment) -> f32 {
    let channel = |g: &GridPair| unexplained(&g.first, &alignment.warp(&g.second, SIDE), SIDE);
    let (cb, cr) = (channel(cb), channel(cr));
    let length: Vec<f32> = cb.iter().zip(&cr).map(|(b, r)| b.hypot(*r)).collect();
    worst_window_rms(&length, SIDE, 0, 2)
}

/// The largest root mean square over the `w`x`w` windows of an `n`x`n` grid, leaving out the
/// outer `border` rings of cells.
fn worst_window_rms(values: &[f32], n: usize, border: usize, w: usize) -> f32 {
    // Sums of squares over `w` cells along x, then over `w` rows of those.
    let mut along_x = vec![0f32; n * n];
    for y in border..n - border {
        let row = &values[y * n..][..n];
        for x in border..=n - border - w {
            along_x[y * n + x] = row[x..x + w].iter().map(|v| v * v).sum();
        }
    }
    let mut worst = 0f32;
    for y in border..=n - border - w {
        for x in border..=n - border - w {
            let sum: f32 = (y..y + w).map(|row| along_x[row * n + x]).sum();
            worst = worst.max(sum);
        }
    }
    (worst / (w * w) as f32).sqrt()
}

/// The fine cells that make coarse cell `i`, with their weights: a triangle over four fine
/// cells a side ([1 3 3 1]/8, edges clamped), as a direct downscale to the coarse grid would
/// weigh them (a plain 2x2 mean keeps edges too sharp, and a copy's resampling then moves
/// them out of reach).
fn fine_cells_of(i: usize) -> impl Iterator<Item = (usize, f32)> {
    const TAPS: [(isize, f32); 4] = [(-1, 0.125), (0, 0.375), (1, 0.375), (2, 0.125)];
    let at = |c: usize, d: isize| (2 * c).saturating_add_signed(d).min(FINE - 1);
    let (y, x) = (i / SIDE, i % SIDE);
    TAPS.into_iter().flat_map(move |(dy, wy)| {
        TAPS.into_iter()
            .map(move |(dx, wx)| (at(y, dy) * FINE + at(x, dx), wy * wx))
    })
}

fn as_f32(grid: &[u8]) -> Vec<f32> {
    grid.iter().map(|&v| f32::from(v)).collect()
}

fn mean(values: &[u8]) -> f32 {
    values.iter().map(|&v| f32::from(v)).sum::<f32>() / values.len() as f32
}

fn to_u8(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// The square without its outer `EDGE_TRIM`, downscaled to the fine grid's `FINE`x`FINE` RGB
/// with a triangle filter widened to the scale factor (every source pixel counts, edges
/// soften a little).
fn grid_rgb(square: &RgbImage) -> Vec<f32> {
    let side = FINE as u32;
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
    .unwrap_or_else(|| vec![0; FINE_CELLS * 3]);
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
        assert_eq!(text.len(), 2052);
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
    fn the_text_form_keeps_the_picture_size_and_refuses_a_zero_size() {
        let sig = Signature::of(&RgbImage::new(300, 240));
        assert_eq!(
            Signature::parse(&sig.to_string()).map(|s| s.side),
            Some(240)
        );
        let mut bytes = STANDARD_NO_PAD.decode(sig.to_string()).expect("base64");
        (bytes[1], bytes[2]) = (0, 0);
        assert_eq!(Signature::parse(&STANDARD_NO_PAD.encode(bytes)), None);
    }

    /// Stripes about two fine cells wide, which a 48 px copy cannot hold: the copy is compared
    /// with the original at its own resolution, where the stripes are gone from both. Compared
    /// as if the copy were as large as the original, their absence counts.
    #[test]
    fn a_small_copy_is_compared_at_its_own_resolution() {
        let original = RgbImage::from_fn(320, 320, |x, y| {
            let stripe = if (x / 10) % 2 == 0 { 40 } else { 220 };
            Rgb([if y < 160 { stripe } else { 128 }, 120, 110])
        });
        let small = image::imageops::resize(&original, 48, 48, image::imageops::Triangle);
        let (original, small) = (Signature::of(&original), Signature::of(&small));
        let at_its_size = compare(&original, &small);
        let as_if_large = compare(
            &original,
            &Signature {
                side: 320,
                ..small.clone()
            },
        );
        assert!(at_its_size.same, "{at_its_size:?}");
        assert!(
            at_its_size.detail * 4.0 < as_if_large.detail,
            "{at_its_size:?} {as_if_large:?}"
        );
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

    /// Stopping an alignment early changes nothing: the comparison reported is the best of the
    /// alignments judged in full.
    #[test]
    fn the_reported_comparison_is_the_best_of_the_alignments_judged_in_full() {
        let picture = |seed: u32, shift: u32| {
            Signature::of(&RgbImage::from_fn(120, 120, |x, y| {
                let x = x + shift;
                let v = ((x * (7 + seed) + y * (3 + seed) * (x / 20 + 1)) % 200 + 30) as u8;
                Rgb([v, v.wrapping_mul(3) / 2, 255 - v])
            }))
        };
        for (a, b) in [(0, 0), (0, 1), (1, 2), (2, 2), (3, 5)] {
            let (a, b) = (picture(a, 0), picture(b, 1));
            let seen = SeenPair::of(&a, &b);
            let in_full = best_alignments(&a.luma, &b.luma)
                .into_iter()
                .filter_map(|alignment| seen.compare_at(alignment, f32::INFINITY))
                .min_by(|x, y| x.distance.total_cmp(&y.distance));
            assert_eq!(Some(compare(&a, &b)), in_full);
        }
    }
}
