//! Fingerprints: SHA-256 for "byte-identical", and a 64-bit DCT perceptual hash that scripts
//! can use to group near-duplicates at a glance.
//!
//! The hash no longer decides "same picture": on ID photos (one backdrop, fixed framing) it
//! called different people the same and near-flat copies different. `signature.rs` decides.

use std::sync::OnceLock;

use fast_image_resize::images::ImageRef;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;
use sha2::{Digest, Sha256};

/// Side of the grayscale thumbnail the DCT runs on.
const DCT_SIDE: usize = 32;

/// 64-bit DCT hash of the image: grayscale 32x32 (area-filtered), 2-D DCT-II, then the 32
/// lowest frequencies after DC (zig-zag order), each quantised to three levels and written as
/// two bits: `00` clearly negative, `01` near zero, `11` clearly positive. "Near zero" is
/// within 0.75 x the median magnitude of the 32.
///
/// Why three levels: portraits are nearly left-right symmetric, so many coefficients sit
/// close to zero; a one-bit (median or sign) hash flips those on every re-encode. With a
/// zero band they stay `01`, and a coefficient that drifts across a band edge costs one bit,
/// while a real sign change costs two.
pub fn perceptual_hash(image: &DynamicImage) -> u64 {
    let luma = thumbnail_luma(image);
    let coefficients = low_frequencies(&luma);
    let mut magnitudes = coefficients.map(f32::abs);
    magnitudes.sort_by(f32::total_cmp);
    let median = (magnitudes[15] + magnitudes[16]) / 2.0;
    let band = ZERO_BAND * median;
    coefficients.iter().fold(0u64, |hash, &c| {
        let code = if c < -band {
            0b00
        } else if c > band {
            0b11
        } else {
            0b01
        };
        (hash << 2) | code
    })
}

/// Width of the "near zero" level, relative to the median coefficient magnitude.
const ZERO_BAND: f32 = 0.75;

/// 32x32 luma (BT.601) of the image, downscaled with a triangle filter widened to the scale
/// factor, so every source pixel contributes.
fn thumbnail_luma(image: &DynamicImage) -> Vec<f32> {
    let rgb_owned;
    let rgb = match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => {
            rgb_owned = other.to_rgb8();
            &rgb_owned
        }
    };
    let side = DCT_SIDE as u32;
    let small = ImageRef::new(rgb.width(), rgb.height(), rgb.as_raw(), PixelType::U8x3)
        .ok()
        .and_then(|view| {
            let mut dst = fast_image_resize::images::Image::new(side, side, PixelType::U8x3);
            let options =
                ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
            Resizer::new().resize(&view, &mut dst, &options).ok()?;
            Some(dst.into_vec())
        })
        // Only reachable for an empty image, which decode never produces.
        .unwrap_or_else(|| vec![0; DCT_SIDE * DCT_SIDE * 3]);
    small
        .chunks_exact(3)
        .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
        .collect()
}

/// The 32 lowest-frequency DCT coefficients after DC, in zig-zag order.
fn low_frequencies(luma: &[f32]) -> [f32; 32] {
    let (basis, order) = dct_tables();
    // Only the first `ROWS` frequencies in each direction are needed.
    const ROWS: usize = 8;
    // rows_done[u][x] = sum_y basis[u][y] * luma[y][x]
    let mut rows_done = [[0f32; DCT_SIDE]; ROWS];
    for (u, out) in rows_done.iter_mut().enumerate() {
        for y in 0..DCT_SIDE {
            let b = basis[u][y];
            let row = &luma[y * DCT_SIDE..(y + 1) * DCT_SIDE];
            for (o, &l) in out.iter_mut().zip(row) {
                *o += b * l;
            }
        }
    }
    let mut result = [0f32; 32];
    for (slot, &(u, v)) in result.iter_mut().zip(order.iter()) {
        *slot = rows_done[u]
            .iter()
            .zip(basis[v].iter())
            .map(|(a, b)| a * b)
            .sum();
    }
    result
}

type DctTables = ([[f32; DCT_SIDE]; DCT_SIDE], [(usize, usize); 32]);

fn dct_tables() -> &'static DctTables {
    static TABLES: OnceLock<DctTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut basis = [[0f32; DCT_SIDE]; DCT_SIDE];
        let n = DCT_SIDE as f64;
        for (k, row) in basis.iter_mut().enumerate() {
            for (i, b) in row.iter_mut().enumerate() {
                let angle = std::f64::consts::PI * (2.0 * i as f64 + 1.0) * k as f64 / (2.0 * n);
                *b = angle.cos() as f32;
            }
        }
        // Zig-zag-like order: by total frequency, then vertical frequency; skip DC.
        let mut pairs: Vec<(usize, usize)> = (0..8)
            .flat_map(|u| (0..8).map(move |v| (u, v)))
            .filter(|&(u, v)| u + v > 0)
            .collect();
        pairs.sort_by_key(|&(u, v)| (u + v, u));
        let mut order = [(0, 0); 32];
        order.copy_from_slice(&pairs[..32]);
        (basis, order)
    })
}

/// Hamming distance between two perceptual hashes.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Parse the 16-hex-digit form used in `PhotoInfo::phash`.
pub fn parse_phash(hex: &str) -> Option<u64> {
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_order_covers_32_distinct_low_frequencies() {
        let (_, order) = dct_tables();
        let mut seen = order.to_vec();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 32);
        assert!(order.iter().all(|&(u, v)| u + v > 0 && u + v <= 7));
    }

    #[test]
    fn phash_parsing_is_strict() {
        assert_eq!(parse_phash("00000000000000ff"), Some(255));
        assert_eq!(parse_phash("ff"), None);
        assert_eq!(parse_phash("zz00000000000000"), None);
    }
}
