//! A generated corpus of portrait-like pictures for choosing and proving the "same picture"
//! limits: head-and-shoulders figures with varied skin, hair, clothes, face, glasses and size.
//! The hard case is the corporate ID photo: everyone on ONE studio backdrop with the same
//! framing and dark office clothes, so people differ only in a few regions (`Person::id_photo`).
//! Bolder sitters (`Person::id_photo_bold`) wear saturated colours, some with a tie of another
//! colour: the narrow, saturated regions whose colour chroma subsampling smears most.

use image::{Rgb, RgbImage};

use super::evidence::{Change, scaled_within};
use super::fixtures::Rng;

/// A backdrop everyone can share: a vertical gradient from the top colour to the bottom one.
#[derive(Clone, Copy)]
pub struct Background {
    top: [f32; 3],
    bottom: [f32; 3],
}

/// One synthetic "person": every parameter that makes them look different.
#[derive(Clone, Copy, Debug)]
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
    /// Hair volume: the hair outline's width relative to the head (1 = close-cropped).
    hair_width: f32,
    /// A beard in the hair colour over the lower face.
    beard: bool,
    /// Face: half the distance between the eyes, eye size, mouth width (fractions of the head).
    eye_dx: f32,
    eye_size: f32,
    mouth_w: f32,
    /// Half the mouth's height (fraction of the head), larger for an open mouth.
    mouth_h: f32,
    /// A tie of this colour down the middle of the clothes.
    tie: Option<[f32; 3]>,
    /// Amplitude of per-pixel sensor noise.
    noise: f32,
    seed: u64,
}

impl Person {
    pub fn random(rng: &mut Rng) -> Person {
        let skin = SKIN_TONES[(rng.next_u64() % 5) as usize];
        Person {
            skin: near(skin, 20.0, rng),
            hair: HAIR_COLOURS[(rng.next_u64() % 5) as usize],
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
            hair_width: 1.0,
            beard: false,
            eye_dx: 0.38,
            eye_size: 1.0,
            mouth_w: 0.35,
            mouth_h: 0.06,
            tie: None,
            noise: rng.range(0.0, 10.0),
            seed: rng.next_u64(),
        }
    }

    /// A corporate ID photo: fixed framing (head centred, same height), head size varied by
    /// a few percent, office clothes from a small palette (navy, charcoal, black, white,
    /// light blue, beige, each with a little variation), the skin tones and hair colours of
    /// `random`, glasses on a third, and varied eyes and mouth.
    pub fn id_photo(rng: &mut Rng) -> Person {
        let p = Person::random(rng);
        let clothes = [
            [30.0, 40.0, 75.0],
            [60.0, 62.0, 66.0],
            [22.0, 22.0, 24.0],
            [235.0, 235.0, 230.0],
            [170.0, 195.0, 225.0],
            [200.0, 185.0, 150.0],
        ];
        let base = clothes[(rng.next_u64() % 6) as usize];
        let size = rng.range(0.97, 1.03);
        Person {
            clothes: near(base, 10.0, rng),
            head_x: 0.5,
            head_y: 0.38,
            head_rx: 0.16 * size,
            head_ry: 0.21 * size,
            shoulder_width: 0.40 * rng.range(0.97, 1.03),
            shoulder_top: 0.72,
            hair_width: rng.range(1.0, 1.35),
            beard: rng.next_u64().is_multiple_of(4),
            eye_dx: rng.range(0.30, 0.44),
            eye_size: rng.range(0.8, 1.25),
            mouth_w: rng.range(0.25, 0.45),
            noise: rng.range(0.0, 6.0),
            ..p
        }
    }

    /// An ID photo (`id_photo`) in saturated clothes (red, green, royal blue, purple, orange,
    /// magenta), half of them with a tie in a contrasting colour, never bald.
    pub fn id_photo_bold(rng: &mut Rng) -> Person {
        let p = Person::id_photo(rng);
        let bold = [
            [190.0, 25.0, 35.0],
            [20.0, 130.0, 60.0],
            [30.0, 60.0, 190.0],
            [120.0, 40.0, 150.0],
            [230.0, 120.0, 20.0],
            [180.0, 20.0, 140.0],
        ];
        let ties = [
            [240.0, 220.0, 40.0],
            [200.0, 230.0, 60.0],
            [150.0, 200.0, 240.0],
            [235.0, 235.0, 230.0],
            [200.0, 30.0, 40.0],
            [20.0, 30.0, 90.0],
        ];
        let clothes = bold[(rng.next_u64() % 6) as usize];
        let tie = ties[(rng.next_u64() % 6) as usize];
        Person {
            // Never bald: two bald sitters in one colour of clothes are twins to any eye.
            hair_len: if p.hair_len == 0.0 { 0.6 } else { p.hair_len },
            clothes: near(clothes, 10.0, rng),
            tie: rng
                .next_u64()
                .is_multiple_of(2)
                .then(|| near(tie, 10.0, rng)),
            ..p
        }
    }
}

const SKIN_TONES: [[f32; 3]; 5] = [
    [241.0, 194.0, 160.0],
    [224.0, 172.0, 105.0],
    [198.0, 134.0, 66.0],
    [141.0, 85.0, 36.0],
    [92.0, 58.0, 34.0],
];

const HAIR_COLOURS: [[f32; 3]; 5] = [
    [20.0, 15.0, 10.0],
    [90.0, 60.0, 30.0],
    [200.0, 170.0, 100.0],
    [160.0, 160.0, 160.0],
    [150.0, 50.0, 20.0],
];

impl Person {
    /// The same person with one `change` (tuning minimal pairs): another of the hair colours
    /// (a bald person grows hair of it), glasses on or off, a beard on or off, the mouth 40 %
    /// wider or narrower and opened or closed, the eyes 30 % further apart or closer, the
    /// head 10 % wider or narrower, another of the skin tones.
    pub fn with(&self, change: Change, rng: &mut Rng) -> Person {
        let mut p = *self;
        let coin = rng.next_u64().is_multiple_of(2);
        let other = |list: &[[f32; 3]; 5], now: [f32; 3], rng: &mut Rng| {
            let nearest = (0..5)
                .min_by(|&i, &j| dist(list[i], now).total_cmp(&dist(list[j], now)))
                .unwrap_or(0);
            list[(nearest + 1 + (rng.next_u64() % 4) as usize) % 5]
        };
        match change {
            Change::HairColour => {
                p.hair = other(&HAIR_COLOURS, self.hair, rng);
                if p.hair_len == 0.0 {
                    p.hair_len = 0.5;
                }
            }
            Change::Glasses => p.glasses = !self.glasses,
            Change::Beard => p.beard = !self.beard,
            Change::Mouth => {
                p.mouth_w = scaled_within(self.mouth_w, 1.4, 0.18, 0.63, coin);
                p.mouth_h = scaled_within(self.mouth_h, 1.6, 0.06, 0.1, !coin);
            }
            Change::EyeSpacing => p.eye_dx = scaled_within(self.eye_dx, 1.3, 0.23, 0.57, coin),
            Change::FaceWidth => p.head_rx = scaled_within(self.head_rx, 1.1, 0.12, 0.2, coin),
            Change::SkinTone => {
                let tone = other(&SKIN_TONES, self.skin, rng);
                p.skin = near(tone, 10.0, rng);
            }
        }
        p
    }
}

/// `colour` with each channel moved by up to `spread` levels either way (drawn in channel
/// order), kept within 0-255.
fn near(colour: [f32; 3], spread: f32, rng: &mut Rng) -> [f32; 3] {
    colour.map(|c| (c + rng.range(-spread, spread)).clamp(0.0, 255.0))
}

fn dist(a: [f32; 3], b: [f32; 3]) -> f32 {
    (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f32>().sqrt()
}

/// The studio backdrop every ID photo shares: a blue-grey gradient, lighter at the top.
pub const STUDIO: Background = Background {
    top: [140.0, 155.0, 175.0],
    bottom: [95.0, 108.0, 128.0],
};

impl Background {
    fn at(&self, fy: f32) -> [f32; 3] {
        [0, 1, 2].map(|i| self.top[i] + (self.bottom[i] - self.top[i]) * fy)
    }
}

/// Draw `person` on `background` at `w`x`h` pixels.
pub fn portrait(person: &Person, background: &Background, w: u32, h: u32) -> RgbImage {
    let mut noise = Rng::new(person.seed);
    RgbImage::from_fn(w, h, |x, y| {
        let fx = (x as f32 + 0.5) / w as f32;
        let fy = (y as f32 + 0.5) / h as f32;
        let mut c = background.at(fy);
        let p = person;
        // Shoulders: an ellipse centred below the bottom edge.
        let sx = (fx - p.head_x) / p.shoulder_width;
        let sy = (fy - 1.1) / (1.1 - p.shoulder_top);
        if sx * sx + sy * sy < 1.0 {
            c = match p.tie {
                Some(tie) if (fx - p.head_x).abs() < 0.035 => tie,
                _ => p.clothes,
            };
        }
        // Neck.
        if (fx - p.head_x).abs() < p.head_rx * 0.45 && fy > p.head_y && fy < p.shoulder_top + 0.04 {
            c = p.skin.map(|v| v * 0.9);
        }
        // Head, with hair on the top (and down the sides for long hair).
        let hx = (fx - p.head_x) / p.head_rx;
        let hy = (fy - p.head_y) / p.head_ry;
        let hw = p.hair_width * p.hair_width;
        let in_hair_outline = hx * hx / (1.25 * hw) + (hy + 0.08).powi(2) / 1.2 < 1.0;
        let hair_line = -1.0 + 2.0 * p.hair_len.min(1.0) * 0.45;
        if in_hair_outline && p.hair_len > 0.0 && (hy < hair_line || p.hair_len > 1.0) {
            c = p.hair;
        }
        if hx * hx + hy * hy < 1.0 && (hy >= hair_line || p.hair_len == 0.0) {
            c = p.skin;
            // Eyes, mouth, glasses.
            let e = p.eye_size * p.eye_size;
            let eye =
                |ex: f32| (hx - ex).powi(2) / (0.02 * e) + (hy + 0.1).powi(2) / (0.01 * e) < 1.0;
            if eye(-p.eye_dx) || eye(p.eye_dx) {
                c = [40.0, 30.0, 30.0];
            } else if p.glasses && (hy + 0.1).abs() < 0.22 && (hx.abs() - p.eye_dx).abs() < 0.28 {
                c = c.map(|v| v * 0.55);
            } else if (hy - 0.5).abs() < p.mouth_h && hx.abs() < p.mouth_w {
                c = [150.0, 50.0, 60.0];
            } else if p.beard && hy > 0.3 {
                c = p.hair;
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

/// `n` different people in ID-photo framing (see `Person::id_photo`).
pub fn id_photo_people(n: usize) -> Vec<Person> {
    let mut rng = Rng::new(0x1D_F0_70);
    (0..n).map(|_| Person::id_photo(&mut rng)).collect()
}

/// `n` different people in ID-photo framing and saturated clothes (`Person::id_photo_bold`).
pub fn bold_id_photo_people(n: usize) -> Vec<Person> {
    let mut rng = Rng::new(0xB0_1D);
    (0..n).map(|_| Person::id_photo_bold(&mut rng)).collect()
}
