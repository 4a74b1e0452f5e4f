//! `photosync photo inspect|prepare|compare`: the photo pipeline on single files, so an admin
//! can see exactly what a target would receive and why two pictures count as the same.
//!
//! Output is one JSON document: pretty on a terminal, a single line when piped (like the
//! JSON Lines of the other commands). Field names are camelCase and stable (docs/photos.md).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::PhotoCommand;
use crate::error::{Error, Result};
use crate::output::{write_json_line, write_json_pretty};
use crate::photo::{self, DecodeLimits, Signature};
use crate::schema::PhotoInfo;
use crate::store::Backend;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrepareReport {
    target: &'static str,
    source: PhotoInfo,
    renditions: Vec<WrittenRendition>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WrittenRendition {
    path: PathBuf,
    size_px: u32,
    quality: u8,
    photo: PhotoInfo,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompareReport {
    same: bool,
    /// Hundredths of the threshold (the unit of `distance` in status records).
    distance: u32,
    threshold: u32,
    /// Why: each component of the signature comparison, in its own unit (docs/photos.md).
    structure: f32,
    detail: f32,
    colour: f32,
    brightness: f32,
    identical_bytes: bool,
    a: PhotoInfo,
    b: PhotoInfo,
}

pub fn run(cmd: PhotoCommand) -> Result<i32> {
    let limits = DecodeLimits::default();
    match cmd {
        PhotoCommand::Inspect { file } => {
            let info = photo::inspect(&read_photo_file(&file, &limits)?, &limits)?;
            emit(&info);
        }
        PhotoCommand::Prepare {
            file,
            target,
            out,
            size,
            max_bytes,
        } => {
            let report = prepare(&file, target, &out, size, max_bytes, &limits)?;
            emit(&report);
        }
        PhotoCommand::Compare { a, b } => {
            let pa = photo::inspect(&read_photo_file(&a, &limits)?, &limits)?;
            let pb = photo::inspect(&read_photo_file(&b, &limits)?, &limits)?;
            // Both signatures come from `inspect`, so they always parse.
            let (same, distance) = photo::same_picture(&pa, &pb).unwrap_or((false, u32::MAX));
            let parts = match (
                Signature::parse(&pa.signature),
                Signature::parse(&pb.signature),
            ) {
                (Some(sa), Some(sb)) => photo::compare(&sa, &sb),
                _ => photo::Comparison::default(),
            };
            emit(&CompareReport {
                same,
                distance,
                threshold: photo::SAME_PICTURE_MAX_DISTANCE,
                structure: parts.structure,
                detail: parts.detail,
                colour: parts.colour,
                brightness: parts.brightness,
                identical_bytes: pa.sha256 == pb.sha256,
                a: pa,
                b: pb,
            });
        }
    }
    Ok(0)
}

fn prepare(
    file: &Path,
    target: &'static Backend,
    out: &Path,
    size: Option<u32>,
    max_bytes: Option<usize>,
    limits: &DecodeLimits,
) -> Result<PrepareReport> {
    let spec = target
        .rendition
        .ok_or_else(|| Error::config(format!("the {} store is never written", target.name)))?
        .tuned(size, max_bytes)?;
    let src = photo::load(&read_photo_file(file, limits)?, limits)?;
    let renditions = photo::render(&src, &spec)?;
    let several = renditions.len() > 1;
    let mut written = Vec::new();
    for r in renditions {
        let path = if several {
            suffixed(out, r.size_px)
        } else {
            out.to_path_buf()
        };
        std::fs::write(&path, &r.bytes).map_err(|e| {
            Error::config(format!("cannot write {}: {e}", path.display()))
                .with_hint("check that the output folder exists and is writable")
        })?;
        written.push(WrittenRendition {
            photo: photo::inspect(&r.bytes, limits)?,
            path,
            size_px: r.size_px,
            quality: r.quality,
        });
    }
    Ok(PrepareReport {
        target: target.name,
        source: src.info,
        renditions: written,
    })
}

fn emit<T: Serialize>(value: &T) {
    // A closed stdout (`| head`) is not an error worth reporting for a single document.
    if std::io::stdout().is_terminal() {
        write_json_pretty(value).ok();
    } else {
        write_json_line(value).ok();
    }
}

fn read_photo_file(path: &Path, limits: &DecodeLimits) -> Result<Vec<u8>> {
    photo::read_photo_file(path, limits.max_bytes)
}

/// `out.jpg` -> `out-48.jpg` for multi-rendition targets.
fn suffixed(out: &Path, size: u32) -> PathBuf {
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
    let ext = out.extension().and_then(|s| s.to_str()).unwrap_or("jpg");
    out.with_file_name(format!("{stem}-{size}.{ext}"))
}
