//! Brightness and contrast of a picture: enough to tell a dark or blank photo from a face,
//! which the status diagnoses report (docs/diagnosis.md), and a placeholder from a photo, which
//! `sync --only-missing` fills.

use image::RgbImage;

use crate::schema::PhotoInfo;

/// Luma standard deviation at or below which a picture is nearly uniform: a blank, a flat
/// silhouette or a placeholder rather than a face.
pub const FLAT_MAX_CONTRAST: u8 = 12;

/// Whether a stored picture is a placeholder (nearly uniform), not somebody's photo.
pub fn is_placeholder(info: &PhotoInfo) -> bool {
    info.contrast.is_some_and(|c| c <= FLAT_MAX_CONTRAST)
}

/// Pixels sampled at most: a regular grid keeps poster-sized photos as cheap as thumbnails.
const MAX_SAMPLES: u32 = 128 * 128;

/// Mean and standard deviation of luma (BT.601), each 0-255, over a grid of samples.
pub fn luma_stats(image: &RgbImage) -> (u8, u8) {
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return (0, 0);
    }
    let step = ((u64::from(w) * u64::from(h) / u64::from(MAX_SAMPLES)) as f64)
        .sqrt()
        .max(1.0) as u32;
    let (mut n, mut sum, mut sum_sq) = (0f64, 0f64, 0f64);
    for y in (0..h).step_by(step as usize) {
        for x in (0..w).step_by(step as usize) {
            let p = image.get_pixel(x, y).0;
            let luma = 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
            n += 1.0;
            sum += luma;
            sum_sq += luma * luma;
        }
    }
    let mean = sum / n;
    let variance = (sum_sq / n - mean * mean).max(0.0);
    (mean.round() as u8, variance.sqrt().round().min(255.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_is_dark_and_flat_and_a_checkerboard_is_not() {
        let black = RgbImage::new(300, 300);
        assert_eq!(luma_stats(&black), (0, 0));
        let board = RgbImage::from_fn(300, 300, |x, y| {
            if (x / 10 + y / 10) % 2 == 0 {
                image::Rgb([255, 255, 255])
            } else {
                image::Rgb([0, 0, 0])
            }
        });
        let (mean, contrast) = luma_stats(&board);
        assert!((120..=135).contains(&mean), "{mean}");
        assert!(contrast > 120, "{contrast}");
    }
}
