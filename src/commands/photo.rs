//! `photosync photo inspect|prepare|compare`: the photo pipeline on single files.

use std::path::Path;

use serde_json::json;

use crate::cli::{PhotoCommand, Target};
use crate::error::{Error, Result};
use crate::output::write_json_pretty;
use crate::photo::{self, AdRenditionOptions, DecodeLimits};
use crate::schema::ErrorCode;

pub fn run(cmd: PhotoCommand) -> Result<i32> {
    let limits = DecodeLimits::default();
    match cmd {
        PhotoCommand::Inspect { file } => {
            let info = photo::inspect(&read_file(&file)?, &limits)?;
            write_json_pretty(&info).ok();
        }
        PhotoCommand::Prepare {
            file,
            target,
            out,
            ad_size,
            ad_max_bytes,
        } => {
            if ad_max_bytes > photo::AD_ATTRIBUTE_MAX_BYTES {
                return Err(Error::config(format!(
                    "--ad-max-bytes {ad_max_bytes} is over AD's thumbnailPhoto limit of {} bytes",
                    photo::AD_ATTRIBUTE_MAX_BYTES
                )));
            }
            let src = photo::load(&read_file(&file)?, &limits)?;
            let renditions = match target {
                Target::Ad => vec![photo::render_ad(
                    &src,
                    &AdRenditionOptions {
                        size_px: ad_size,
                        max_bytes: ad_max_bytes,
                    },
                )?],
                Target::Graph => vec![photo::render_graph(&src)?],
                Target::Sharepoint => photo::render_sharepoint(&src)?,
            };
            let mut written = Vec::new();
            for r in &renditions {
                let path = if renditions.len() == 1 {
                    out.clone()
                } else {
                    suffixed(&out, r.size_px)
                };
                std::fs::write(&path, &r.bytes)
                    .map_err(|e| Error::config(format!("cannot write {}: {e}", path.display())))?;
                let info = photo::inspect(&r.bytes, &limits)?;
                written.push(json!({ "path": path, "photo": info }));
            }
            write_json_pretty(&json!({ "source": src.info, "renditions": written })).ok();
        }
        PhotoCommand::Compare { a, b } => {
            let pa = photo::inspect(&read_file(&a)?, &limits)?;
            let pb = photo::inspect(&read_file(&b)?, &limits)?;
            let (same, distance) = photo::same_picture(&pa, &pb).unwrap_or((false, 64));
            write_json_pretty(&json!({
                "distance": distance,
                "same": same,
                "threshold": photo::SAME_PICTURE_MAX_DISTANCE,
                "a": pa,
                "b": pb,
            }))
            .ok();
        }
    }
    Ok(0)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::input(
            ErrorCode::PhotoFileUnreadable,
            format!("cannot read {}: {e}", path.display()),
        )
    })
}

/// `out.jpg` -> `out-48.jpg` for multi-rendition targets.
fn suffixed(out: &Path, size: u32) -> std::path::PathBuf {
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
    let ext = out.extension().and_then(|s| s.to_str()).unwrap_or("jpg");
    out.with_file_name(format!("{stem}-{size}.{ext}"))
}
