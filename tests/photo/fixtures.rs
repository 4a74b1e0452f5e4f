//! Test images made in code: encoders for every input format, an EXIF orientation writer,
//! hostile files (bombs, truncations, foreign containers), and JPEG marker inspection.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// Encode RGB pixels as a baseline JPEG (the encoder's default chroma subsampling).
pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    encode_jpeg(img, quality, None)
}

/// The pixels stored so that EXIF `orientation` turns them upright again.
pub fn turned_for_exif(img: RgbImage, orientation: u16) -> RgbImage {
    let img = DynamicImage::ImageRgb8(img);
    match orientation {
        2 => img.fliph(),
        3 => img.rotate180(),
        5 => img.rotate90().fliph(),
        6 => img.rotate270(),
        7 => img.rotate270().fliph(),
        8 => img.rotate90(),
        _ => img,
    }
    .into_rgb8()
}

/// `crop` (left, top, width, height) of `img` resized to `w`x`h` with `filter`.
pub fn resize(img: &RgbImage, crop: [f32; 4], w: u32, h: u32, filter: FilterType) -> RgbImage {
    let src = ImageRef::new(img.width(), img.height(), img.as_raw(), PixelType::U8x3)
        .expect("image view");
    let mut dst = Image::new(w, h, PixelType::U8x3);
    let [x, y, cw, ch] = crop.map(f64::from);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(filter))
        .crop(x, y, cw, ch);
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .expect("resize");
    RgbImage::from_raw(w, h, dst.into_vec()).expect("buffer size")
}

/// Encode as a baseline JPEG with 4:4:4 (`full_chroma`) or 4:2:0 chroma.
pub fn jpeg_with(img: &RgbImage, quality: u8, full_chroma: bool) -> Vec<u8> {
    let sampling = if full_chroma {
        jpeg_encoder::SamplingFactor::R_4_4_4
    } else {
        jpeg_encoder::SamplingFactor::R_4_2_0
    };
    encode_jpeg(img, quality, Some(sampling))
}

fn encode_jpeg(
    img: &RgbImage,
    quality: u8,
    sampling: Option<jpeg_encoder::SamplingFactor>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    if let Some(sampling) = sampling {
        enc.set_sampling_factor(sampling);
    }
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encode jpeg");
    out
}

pub fn progressive_jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    enc.set_progressive(true);
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encode progressive jpeg");
    out
}

/// A CMYK JPEG of one flat colour given as CMYK ink amounts (0 = no ink).
pub fn cmyk_jpeg(w: u16, h: u16, cmyk: [u8; 4]) -> Vec<u8> {
    let data: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|_| cmyk)
        .collect();
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, 95);
    enc.encode(&data, w, h, jpeg_encoder::ColorType::Cmyk)
        .expect("encode cmyk jpeg");
    out
}

/// Encode with the `image` crate (PNG, GIF, WebP lossless, BMP).
pub fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

pub fn png(img: &RgbImage) -> Vec<u8> {
    encode(&DynamicImage::ImageRgb8(img.clone()), ImageFormat::Png)
}

/// A two-frame animated GIF: only the first frame may be used.
pub fn animated_gif(first: Rgba<u8>, second: Rgba<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        let frames = [first, second]
            .map(|c| image::Frame::new(RgbaImage::from_pixel(40, 30, c)))
            .to_vec();
        enc.encode_frames(frames).expect("encode gif");
    }
    out
}

/// Insert an APP1 Exif segment carrying only an Orientation tag, right after SOI/APP0.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    // TIFF header (big-endian), one IFD with one SHORT entry, no next IFD.
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    insert_app_segment(jpeg, 0xE1, &[b"Exif\0\0".as_slice(), &tiff].concat())
}

/// Insert an APPn/COM segment after SOI and any APP0 (JFIF must stay first).
pub fn insert_app_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let mut at = 2;
    if jpeg[2..4] == [0xFF, 0xE0] {
        at = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    }
    let mut out = jpeg[..at].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[at..]);
    out
}

/// Markers of the segments before the first scan (APPn, COM, DQT, ...).
pub fn jpeg_header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    markers
}

/// A PNG claiming `w`x`h` RGB pixels whose IDAT holds only a few bytes: a decompression bomb
/// if a decoder trusted the header and allocated first.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    // zlib stream of one empty stored block (a real bomb would be a long run of zeros).
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0, 0, 0, 1],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind.as_slice(), data].concat()).to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The first bytes of an iPhone HEIC file (an ISO-BMFF `ftyp` box with brand `heic`).
pub fn heic_header() -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0x18];
    out.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    out.extend_from_slice(&[0u8; 64]);
    out
}

pub fn avif_header() -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0x1c];
    out.extend_from_slice(b"ftypavif\0\0\0\0avifmif1miaf");
    out.extend_from_slice(&[0u8; 64]);
    out
}

pub fn tiff_header() -> Vec<u8> {
    let mut out = b"II\x2a\0\x08\0\0\0".to_vec();
    out.extend_from_slice(&[0u8; 64]);
    out
}

/// Deterministic pseudo-random bytes (splitmix64).
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Small deterministic generator so the corpus is identical on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }

    pub fn colour(&mut self) -> [f32; 3] {
        [
            self.range(0.0, 255.0),
            self.range(0.0, 255.0),
            self.range(0.0, 255.0),
        ]
    }
}

/// A flat image with coloured markers in three corners, to check which way is up.
/// Top-left red, top-right blue, bottom-left green, the rest grey.
pub fn corner_markers(w: u32, h: u32) -> RgbImage {
    let m = (w.min(h) / 5).max(1);
    RgbImage::from_fn(w, h, |x, y| {
        let (left, right) = (x < m, x >= w - m);
        let (top, bottom) = (y < m, y >= h - m);
        match (left, right, top, bottom) {
            (true, _, true, _) => Rgb([230, 20, 20]),
            (_, true, true, _) => Rgb([20, 20, 230]),
            (true, _, _, true) => Rgb([20, 200, 20]),
            _ => Rgb([128, 128, 128]),
        }
    })
}

/// Whether a pixel is close to a colour (JPEG shifts colours a little).
pub fn near(px: Rgb<u8>, want: [u8; 3], tolerance: i32) -> bool {
    px.0.iter()
        .zip(want)
        .all(|(&a, b)| (i32::from(a) - i32::from(b)).abs() <= tolerance)
}
