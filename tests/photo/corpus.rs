//! A generated corpus of portrait-like pictures for choosing and proving the "same picture"
//! threshold: head-and-shoulders figures with varied skin, hair, clothes, pose and size, on
//! plain, gradient or textured backgrounds; several different people share each background,
//! which is the hard case (same composition, same colours around them).

use image::{Rgb, RgbImage};

use super::fixtures::Rng;

/// A background several people can share.
#[derive(Clone, Copy)]
pub enum Background {
    Plain([f32; 3]),
    Gradient([f32; 3], [f32; 3]),
    /// A base colour with a fixed diagonal stripe texture.
    Textured([f32; 3], f32),
}

/// One synthetic "person": every parameter that makes them look different.
#[derive(Clone, Copy)]
pub struct Person {
    skin: [f32; 3],
    hair: [f32; 3],
    clothes: [f32; 3],
    /// Head centre and radii, as fractions of the width/height.
    head_x: f32,
    head_y: f32,
    head_rx: f32,
    head_ry: f32,
    /// How far the hair reaches down (fraction of the head height), 0 = bald.
    hair_len: f32,
    shoulder_width: f32,
    shoulder_top: f32,
    glasses: bool,
    /// Amplitude of per-pixel sensor noise.
    noise: f32,
    seed: u64,
}

impl Person {
    pub fn random(rng: &mut Rng) -> Person {
        let skin_tones = [
            [241.0, 194.0, 160.0],
            [224.0, 172.0, 105.0],
            [198.0, 134.0, 66.0],
            [141.0, 85.0, 36.0],
            [92.0, 58.0, 34.0],
        ];
        let skin = skin_tones[(rng.next_u64() % 5) as usize];
        let hair_colours = [
            [20.0, 15.0, 10.0],
            [90.0, 60.0, 30.0],
            [200.0, 170.0, 100.0],
            [160.0, 160.0, 160.0],
            [150.0, 50.0, 20.0],
        ];
        Person {
            skin: skin.map(|c: f32| (c + rng.range(-12.0, 12.0)).clamp(0.0, 255.0)),
            hair: hair_colours[(rng.next_u64() % 5) as usize],
            clothes: rng.colour(),
            head_x: rng.range(0.36, 0.64),
            head_y: rng.range(0.28, 0.44),
            head_rx: rng.range(0.11, 0.20),
            head_ry: rng.range(0.15, 0.25),
            hair_len: if rng.next_u64().is_multiple_of(5) {
                0.0
            } else {
                rng.range(0.2, 1.3)
            },
            shoulder_width: rng.range(0.30, 0.48),
            shoulder_top: rng.range(0.66, 0.78),
            glasses: rng.next_u64().is_multiple_of(3),
            noise: rng.range(0.0, 10.0),
            seed: rng.next_u64(),
        }
    }
}

impl Background {
    pub fn random(rng: &mut Rng) -> Background {
        match rng.next_u64() % 3 {
            0 => Background::Plain(rng.colour()),
            1 => Background::Gradient(rng.colour(), rng.colour()),
            _ => Background::Textured(rng.colour(), rng.range(10.0, 40.0)),
        }
    }

    fn at(&self, fx: f32, fy: f32) -> [f32; 3] {
        match *self {
            Background::Plain(c) => c,
            Background::Gradient(a, b) => [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * fy),
            Background::Textured(c, amp) => {
                let t = ((fx + fy) * 40.0).sin() * amp;
                c.map(|v| v + t)
            }
        }
    }
}

/// Draw `person` on `background` at `w`x`h` pixels.
pub fn portrait(person: &Person, background: &Background, w: u32, h: u32) -> RgbImage {
    let mut noise = Rng::new(person.seed);
    RgbImage::from_fn(w, h, |x, y| {
        let fx = (x as f32 + 0.5) / w as f32;
        let fy = (y as f32 + 0.5) / h as f32;
        let mut c = background.at(fx, fy);
        let p = person;
        // Shoulders: an ellipse centred below the bottom edge.
        let sx = (fx - p.head_x) / p.shoulder_width;
        let sy = (fy - 1.1) / (1.1 - p.shoulder_top);
        if sx * sx + sy * sy < 1.0 {
            c = p.clothes;
        }
        // Neck.
        if (fx - p.head_x).abs() < p.head_rx * 0.45 && fy > p.head_y && fy < p.shoulder_top + 0.04 {
            c = p.skin.map(|v| v * 0.9);
        }
        // Head, with hair on the top (and down the sides for long hair).
        let hx = (fx - p.head_x) / p.head_rx;
        let hy = (fy - p.head_y) / p.head_ry;
        let in_hair_outline = hx * hx / 1.25 + (hy + 0.08).powi(2) / 1.2 < 1.0;
        let hair_line = -1.0 + 2.0 * p.hair_len.min(1.0) * 0.45;
        if in_hair_outline && p.hair_len > 0.0 && (hy < hair_line || p.hair_len > 1.0) {
            c = p.hair;
        }
        if hx * hx + hy * hy < 1.0 && (hy >= hair_line || p.hair_len == 0.0) {
            c = p.skin;
            // Eyes, mouth, glasses.
            let eye = |ex: f32| (hx - ex).powi(2) / 0.02 + (hy + 0.1).powi(2) / 0.01 < 1.0;
            if eye(-0.38) || eye(0.38) {
                c = [40.0, 30.0, 30.0];
            } else if p.glasses && (hy + 0.1).abs() < 0.22 && (hx.abs() - 0.38).abs() < 0.28 {
                c = c.map(|v| v * 0.55);
            } else if (hy - 0.5).abs() < 0.06 && hx.abs() < 0.35 {
                c = [150.0, 50.0, 60.0];
            }
        }
        let n = if p.noise > 0.0 {
            noise.range(-p.noise, p.noise)
        } else {
            0.0
        };
        Rgb(c.map(|v| (v + n).clamp(0.0, 255.0) as u8))
    })
}

/// The corpus: `groups` backgrounds with `per_group` different people on each.
pub fn people(groups: u64, per_group: u64) -> Vec<(Person, Background)> {
    let mut rng = Rng::new(0x5EED_F00D);
    let mut out = Vec::new();
    for _ in 0..groups {
        let background = Background::random(&mut rng);
        for _ in 0..per_group {
            out.push((Person::random(&mut rng), background));
        }
    }
    out
}
